"""Reproducibility scorecard: every quantitative claim of the paper, checked against the authors' raw scores and
against this run.

One row per claim of the abstract, the sections, figure captions and appendices of Geiger et al. (2022), and per
target question of the reproduction report (Gandhi et al. 2022), with

* ``paper``: the claim as stated, and ``paper_value``, the number it states;
* ``authors``: the value recomputed from the authors' raw Brain-Score scores (private benchmarks,
  ``results/tables/authors_private.csv``) with the authors' own aggregation (a missing benchmark counts as 0,
  as in their code; :func:`wiringup.tables.authors.headline_numbers`), ``authors_detail``: which model ids;
* ``tolerance`` (stated per row) and ``verdict_authors``: does the paper's number follow from its own data
  (``reproduces``, ``differs``, ``holds`` / ``fails`` for inequalities, ``rounded`` where the paper rounds
  beyond its own precision, ``not checkable`` when the raw scores cannot answer);
* ``this_run``: the same quantity from this pipeline's score table, ``this_run_detail`` (the benchmark suite
  and the scale: width, input size, data), ``verdict_run`` with a wider stated tolerance; or "not run at this
  scale" when the run has no such models. This run's benchmarks are local (V4/IT recordings, a 10-class
  ImageNet subset), not Brain-Score's: its verdicts are indicative only and say so.
* ``note``: where the paper rounds, or its text disagrees with its own data (AUTHORS_CODE_FACTS.md §7.4–7.5,
  §8), and the reproduction report's own finding.

:func:`build_scorecard` returns the table; :func:`write_scorecard` writes ``scorecard.csv`` and
``scorecard.md``; ``python -m wiringup.report.scorecard --help`` runs it without Snakemake.
"""
from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from wiringup.tables import authors as A
from wiringup.report.figures import data as D
from wiringup.core.io import WiringupError, atomic_path

COLUMNS = ["id", "where", "claim", "paper", "paper_value", "unit", "authors", "authors_detail", "tolerance",
           "verdict_authors", "this_run", "this_run_detail", "verdict_run", "note"]
NOT_RUN = "not run at this scale"
RUN_TOLERANCE_PP = 10.0   # this run vs the paper: a different benchmark suite and scale, so only indicative


@dataclass
class Context:
    authors: D.ModelTable                 # the authors' private scores, authors' missing rule (zero)
    headline: dict[str, dict[str, Any]]
    run: D.ModelTable | None              # this run (None: no score table)
    run_scale: str                        # words: model width, input size, data, seeds
    standard_variant: str | None = None

    @property
    def am(self) -> pd.DataFrame:
        return self.authors.models

    def a(self, model_id: str, col: str) -> float:
        row = self.am[self.am["model_id"] == model_id]
        if row.empty:
            raise WiringupError(f"scorecard: model id {model_id!r} is not in the authors' score table; use the "
                                "authors' private scores.sqlite")
        return float(row[col].iloc[0])

    def a_mean(self, ids: list[str], col: str) -> float:
        return float(np.mean([self.a(i, col) for i in ids]))

    @property
    def rsrc(self) -> str | None:
        if self.run is None:
            return None
        names = [s for s, i in self.run.sources.items() if i.kind == "run"]
        return names[0] if names else None

    @property
    def rm(self) -> pd.DataFrame:
        s = self.rsrc
        return self.run.models[self.run.models["source"] == s] if s else pd.DataFrame(columns=D.FACTOR_COLUMNS)

    def rinfo(self) -> D.SourceInfo | None:
        return self.run.sources[self.rsrc] if self.rsrc else None

    def suite(self) -> str:
        info = self.rinfo()
        return f"{info.suite}; {self.run_scale}" if info else self.run_scale


# ------------------------------------------------------------------------------------------- verdict rules

def _decimals(target: float) -> int:
    text = f"{target:g}"
    return len(text.split(".")[1]) if "." in text else 0


def near(value: float | None, target: float, tol: float) -> str:
    """``reproduces`` within ``tol``; else ``differs by ±x``, marked where the paper truncates instead of rounding
    (e.g. 53.8 stated as 53)."""
    if value is None or not np.isfinite(value):
        return "not checkable"
    if abs(value - target) <= tol + 1e-9:
        return "reproduces"
    d = _decimals(target)
    scale = 10 ** d
    truncated = math.floor(abs(value) * scale) / scale == abs(target) and np.sign(value) == np.sign(target)
    return f"differs by {value - target:+.{1 if abs(value - target) >= 0.1 else 2}f}" + \
        (" (the paper truncates)" if truncated else "")


def above(value: float | None, threshold: float, rounding: float = 0.05) -> str:
    """``holds`` if value > threshold; ``holds only when rounded`` within ``rounding`` below it; else ``fails``."""
    if value is None or not np.isfinite(value):
        return "not checkable"
    if value > threshold:
        return "holds"
    return f"holds only when rounded ({value:.2f})" if value > threshold - rounding else "fails"


def below(value: float | None, threshold: float) -> str:
    if value is None or not np.isfinite(value):
        return "not checkable"
    return "holds" if value < threshold else "fails"


def _ids(config: str, seeds=(0,), epoch: str = "00", images: int | None = None) -> list[str]:
    img = f"_img{images}" if images else ""
    return [f"CORnet-S_{config}{img}{'' if s == 0 else f'_seed{s}'}_epoch_{epoch}" for s in seeds]


BIRTH_KN = _ids("full", A.AT_BIRTH_SEEDS)
BIRTH_WC = _ids("cluster2_v2_IT_trconv3_bi", A.AT_BIRTH_SEEDS)
CT_IDS = ["CORnet-S_train_conv3_bi_epoch_29", "CORnet-S_train_conv3_bi_seed42_epoch_31"]
DT_IT_IDS = ["CORnet-S_train_IT_seed_0_epoch_37", "CORnet-S_train_IT_seed_0_seed42_epoch_40"]
WC_DECODER_IDS = ["CORnet-S_cluster2_v2_IT_bi_epoch_24", "CORnet-S_cluster2_v2_IT_bi_seed42_epoch_31"]
KN_DECODER_IDS = ["CORnet-S_train_random_epoch_28", "CORnet-S_train_random_seed42_epoch_22"]
WC_CT_CONV_IDS = ["CORnet-S_cluster2_v2_IT_trconv3_bi_epoch_38", "CORnet-S_cluster2_v2_IT_trconv3_bi_seed42_epoch_40"]
FULL_SYNAPTIC = A.AUTHORS_FULL_IMAGES * A.FULL_EPOCHS * A.CONV_WEIGHTS_FULL


# ------------------------------------------------------------------------------------------ this run's side

def run_standard(ctx: Context) -> pd.DataFrame:
    m = ctx.rm
    return D.standard_family(m, standard_variant=ctx.standard_variant) if len(m) else m


def run_at_fraction(ctx: Context, fraction: float) -> tuple[float | None, str]:
    """This run's standard-training point nearest (log scale, within a factor 2) to ``fraction`` of the
    reference model's supervised updates; relative brain predictivity."""
    info = ctx.rinfo()
    std = run_standard(ctx)
    if info is None or std.empty or not np.isfinite(info.reference_bp):
        return None, NOT_RUN
    ref_updates = ctx.rm[ctx.rm["model_id"].isin(info.reference_ids)]["supervised_updates"].mean()
    pts = std[~std["birth"] & std["rel_bp"].notna() & (std["supervised_updates"] > 0)]
    if pts.empty or not np.isfinite(ref_updates):
        return None, NOT_RUN
    agg = pts.groupby(["images", "epoch"]).agg(rel=("rel_bp", "mean"), u=("supervised_updates", "mean"))
    dist = (np.log10(agg["u"]) - np.log10(fraction * ref_updates)).abs()
    best = dist.idxmin()
    if dist[best] > math.log10(2):
        return None, (f"{NOT_RUN}: nearest standard point has {100 * agg.loc[best, 'u'] / ref_updates:.2g} % of "
                      f"the reference's supervised updates")
    return float(agg.loc[best, "rel"]), (f"{int(best[0]):,} images × {best[1]:g} epochs = "
                                         f"{100 * agg.loc[best, 'u'] / ref_updates:.2g} % of the reference's "
                                         f"{ref_updates:,.0f} supervised updates")


def run_births(ctx: Context, init: str, trained: str) -> pd.DataFrame:
    m = ctx.rm
    if m.empty:
        return m
    fam = D.family(m, init, trained) if (init, trained) != ("kn", "all") else run_standard(ctx)
    return fam[fam["birth"] & fam["rel_bp"].notna()]


def run_converged(ctx: Context, init: str, trained: str) -> pd.DataFrame:
    m = ctx.rm
    if m.empty:
        return m
    fam = D.family(m, init, trained, include_birth=False)
    return fam[fam["converged"].astype(bool) & fam["full_data"].astype(bool) & fam["rel_bp"].notna()]


def _mean(df: pd.DataFrame, col: str) -> float | None:
    v = df[col].dropna() if len(df) and col in df else pd.Series(dtype=float)
    return float(v.mean()) if len(v) else None


def _ids_text(df: pd.DataFrame) -> str:
    ids = sorted(df["model_id"])
    return ", ".join(ids[:4]) + (f" … ({len(ids)} models)" if len(ids) > 4 else "")


# -------------------------------------------------------------------------------------------------- claims

@dataclass
class Claim:
    id: str
    where: str
    claim: str
    paper: str
    paper_value: float | None
    unit: str
    tolerance: str
    authors: Callable[[Context], tuple[Any, str]]
    verdict: Callable[[Any], str]
    run: Callable[[Context], tuple[Any, str]] | None = None
    run_verdict: Callable[[Any], str] | None = None
    note: str = ""
    run_tolerance: bool = True          # this run's verdict uses RUN_TOLERANCE_PP (False: it is not compared)


def _rel(key: str, detail: str = "") -> Callable[[Context], tuple[float, str]]:
    def f(ctx: Context):
        h = ctx.headline[key]
        return h["value"], (detail or "") + ", ".join(h["model_ids"][:3]) + (" …" if len(h["model_ids"]) > 3 else "")
    return f


def _claims() -> list[Claim]:
    C = []
    pm = "±0.5 pp (the paper's whole-percent rounding)"
    run_tol = f"this run: ±{RUN_TOLERANCE_PP:g} pp, indicative only"

    def run_fraction(frac):
        return lambda ctx: run_at_fraction(ctx, frac)

    C.append(Claim(
        "abstract-2pct", "Abstract", "2 % of supervised updates (epochs × images) give ~80 % of the brain match",
        "~80 %", 80.0, "% of fully trained", "±5 pp ('~')", _rel("two_percent_updates", "500,000 images × 2 epochs "
                                                                  "(1.82 % of 55.04 M updates): "),
        lambda v: near(v, 80.0, 5.0), run_fraction(0.02), lambda v: near(v, 80.0, RUN_TOLERANCE_PP),
        note="Sec. 3 states 76 % for the same models: the abstract rounds 76 % up to '~80 %' (the reproduction report "
             "flags the same)."))
    C.append(Claim(
        "sec3-full-mean", "Sec. 3 / Fig. 1", "a fully trained CORnet-S (43 epochs × 1.28 M images) scores .42",
        ".42", 0.42, "brain predictivity", "±0.005 (two decimals)",
        _rel("fully_trained_mean", "mean of s0 epoch 43 and s42 epoch 29: "),
        lambda v: near(v, 0.42, 0.005),
        lambda ctx: ((ctx.rinfo().reference_bp if ctx.rinfo() and np.isfinite(ctx.rinfo().reference_bp) else None),
                     ("this run's reference model(s) " + ", ".join(ctx.rinfo().reference_ids)) if ctx.rinfo() and
                     ctx.rinfo().reference_ids else NOT_RUN),
        lambda v: "not comparable (other benchmarks)" if v is not None else NOT_RUN, run_tolerance=False,
        note="Seeds differ: s0 0.4249, s42 0.4181, s94 0.4192. The public benchmarks give 0.395 for s0 epoch 43; the "
             "reproduction report's 32-epoch model gave 0.409 on public benchmarks."))
    C.append(Claim(
        "sec3-0.2pct", "Sec. 3 / Fig. 1A", "100,000 supervised updates (0.2 %) already achieve 50 %", "50 %", 50.0,
        "% of fully trained", "±1 pp (whole percent; several models have ~0.2 % of updates)",
        _rel("point_two_percent_updates", "50,000 images × 2 epochs: "), lambda v: near(v, 50.0, 1.0),
        run_fraction(0.002), lambda v: near(v, 50.0, RUN_TOLERANCE_PP),
        note="Other models with ~0.2 % of the updates: 10,000 × 10 epochs 48.3 %, 100,000 × 1 epoch 53.2 %, "
             "full data 0.1 epoch 51.4 %. The reproduction report found 39 %."))
    C.append(Claim(
        "sec3-2pct", "Sec. 3 / Fig. 1A", "1,000,000 supervised updates (~2 %) increase brain predictivity to 76 %",
        "76 %", 76.0, "% of fully trained", pm, _rel("two_percent_updates", "500,000 images × 2 epochs: "),
        lambda v: near(v, 76.0, 0.5), run_fraction(0.02), lambda v: near(v, 76.0, RUN_TOLERANCE_PP),
        note="100,000 × 10 epochs gives 77.3 %, 1 full epoch (2.3 %) 77.9 %. The reproduction report found 73 %."))
    C.append(Claim(
        "sec3-20pct", "Sec. 3 / Fig. 1A", "10,000,000 updates (Fig. 1A: '20 % updates') reach 97 %", "97 %", 97.0,
        "% of fully trained", pm, _rel("twenty_percent_updates", "500,000 images × 20 epochs (18.2 %): "),
        lambda v: near(v, 97.0, 0.5), run_fraction(0.2), lambda v: near(v, 97.0, RUN_TOLERANCE_PP),
        note="Only the image-subset model reaches 97 %; 10 epochs on all images (23 %) give 92.9 %. The reproduction "
             "report needed 50 % of the updates for 97 %."))
    C.append(Claim(
        "sec3-log-slope", "Sec. 3", "scores grow logarithmically, ~5 % per order of magnitude of supervised updates",
        "~5 pp per decade", 5.0, "pp per decade", "±2.5 pp ('~')", _slope, lambda v: near(v, 5.0, 2.5),
        _run_slope, lambda v: near(v, 5.0, RUN_TOLERANCE_PP),
        note="Least-squares slope of relative brain predictivity on log10(supervised updates) over the standard "
             "grid (seed 0, all image counts, epochs > 0); between 1e5 and 1e7 updates the data rise ~20–25 pp per "
             "decade, so '5 %' does not describe Fig. 1A."))
    C.append(Claim(
        "sec3-epoch1-regions", "Sec. 3 / Fig. 1B", "after one epoch V1, V2 and V4 are all > 80 % of their final score",
        "> 80 %", 80.0, "min over V1, V2, V4, % of fully trained", "inequality",
        _regions_at_epoch(1.0, ["V1", "V2", "V4"]),
        lambda v: above(v, 80.0), _run_regions_at_epoch(1.0, ["V1", "V2", "V4"]), lambda v: above(v, 80.0)))
    C.append(Claim(
        "sec3-it-2epochs", "Sec. 3 / Fig. 1B", "IT requires two epochs to reach a comparable level (> 80 %)", "> 80 %",
        80.0, "IT at epoch 2, % of fully trained", "inequality (and IT ≤ 80 % after 1 epoch)",
        _regions_at_epoch(2.0, ["IT"], also=(1.0, "IT")), lambda v: above(v, 80.0),
        _run_regions_at_epoch(2.0, ["IT"]), lambda v: above(v, 80.0)))
    C.append(Claim(
        "sec3-behaviour-7", "Sec. 3 / Fig. 1B", "behavioural scores are > 80 % after 7 epochs", "> 80 %", 80.0,
        "behaviour at epoch 7, % of fully trained", "inequality",
        _regions_at_epoch(7.0, ["behavior"], also=(6.0, "behavior")),
        lambda v: above(v, 80.0), _run_regions_at_epoch(7.0, ["behavior"]), lambda v: above(v, 80.0)))
    C.append(Claim(
        "sec3-50k-images", "Sec. 3 / Fig. 1C", "50,000 images (trained to convergence) give > 80 % in V1, V2, V4, IT",
        "> 80 %", 80.0, "min over V1, V2, V4, IT, % of fully trained", "inequality",
        _regions_converged(50_000, ["V1", "V2", "V4", "IT"]), lambda v: above(v, 80.0),
        note="V2 is at 80.0 % (79.99): the claim holds only at the rounding edge."))
    C.append(Claim(
        "sec3-half-images-behaviour", "Sec. 3 / Fig. 1C",
        "behaviour needs about half the standard images to surpass 80 % (converged)", "> 80 % at ~640,000 images",
        80.0, "behaviour at 500,000 images, % of fully trained", "inequality (and ≤ 80 % at 100,000 images)",
        _regions_converged(500_000, ["behavior"], also=(100_000, "behavior")), lambda v: above(v, 80.0)))
    C.append(Claim(
        "fig1-pixels", "Fig. 1 caption", "a pixels baseline achieves 7 % (0.03 absolute)", "7 %", 7.0,
        "% of fully trained", pm,
        _rel("pixels_combined", "V1/V2 from pixels_epoch_06, the rest from pixels_epoch_00: "),
        lambda v: near(v, 7.0, 0.5), _run_pixels, lambda v: near(v, 7.0, RUN_TOLERANCE_PP),
        note="pixels_epoch_00 alone lacks V1/V2 and gives 4.9 % under the authors' rule (missing = 0); only the "
             "combination with pixels_epoch_06 gives ~7 % (0.029 absolute)."))
    C.append(Claim(
        "sec4-wc-birth", "Abstract / Sec. 4 / Fig. 2C", "WC at birth: 54 ± 1.5 % of the fully trained model (n = 10)",
        "54 ± 1.5 %", 54.0, "% of fully trained (mean ± sd)", pm, _birth("wc_at_birth"), lambda v: near(v, 54.0, 0.5),
        _run_birth("wc", "ct"), lambda v: near(v, 54.0, RUN_TOLERANCE_PP),
        note="The paper's ± is the population sd (ddof 0). The reproduction report could not reproduce WC: its "
             "WC was worse than KN at birth."))
    C.append(Claim(
        "sec4-kn-birth", "Sec. 4 / Fig. 2C", "KN at birth: 43 ± 1.7 % (n = 10)", "43 ± 1.7 %", 43.0,
        "% of fully trained (mean ± sd)", pm, _birth("kn_at_birth"), lambda v: near(v, 43.0, 0.5),
        _run_birth("kn", "all"), lambda v: near(v, 43.0, RUN_TOLERANCE_PP),
        note="The reproduction report's KN at birth: 43.8 % of its own 32-epoch model (public benchmarks)."))
    C.append(Claim(
        "sec4-12pp", "Sec. 4", "WC improves on KN at birth by 12 percentage points", "12 pp", 12.0, "pp",
        pm, lambda ctx: (ctx.headline["wc_at_birth"]["value"] - ctx.headline["kn_at_birth"]["value"],
                         "mean of the 10 WC minus the 10 KN at-birth models"),
        lambda v: near(v, 12.0, 0.5), _run_birth_gain, lambda v: near(v, 12.0, RUN_TOLERANCE_PP),
        note="The paper's own rounded means (54 − 43) give 11 pp; the data give 11.2 pp."))
    C.append(Claim(
        "sec4-permutation", "Sec. 4", "permutation test p < 1e-5 (n = 10 seeds each)", "p < 1e-5", 1e-5, "p",
        "inequality", _birth_test, lambda v: below(v, 1e-5), _run_birth_test, lambda v: below(v, 0.05),
        note="With 10 vs 10 seeds an exact two-sided permutation test cannot go below 2/184,756 = 1.1e-5; only the "
             "one-sided p (5.4e-6) or a t-test (Student p = 1.7e-11) is below 1e-5. This run: tested at 0.05."))
    C.append(Claim(
        "sec4-wc-regions", "Sec. 4", "WC at birth reaches 75 % in V4, 39 % in IT, 6 % in behaviour", "75 / 39 / 6 %",
        75.0, "V4 % of fully trained (IT, behaviour in the detail)", pm, _wc_regions, lambda v: near(v, 75.0, 0.5),
        note="Mean of the 10 WC at-birth models; the database gives higher V4 and behaviour and lower IT than the "
             "text (seed 0 alone: V4 77.2, IT 34.7, behaviour 18.4 %)."))
    C.append(Claim(
        "sec4-wc-imagenet", "Sec. 4", "a decoder trained on WC's IT reaches 5 % of the trained ImageNet top-1",
        "5 %", 5.0, "% of fully trained top-1", "±1 pp (one significant digit)",
        lambda ctx: (ctx.a_mean(WC_DECODER_IDS, "rel_imagenet"), ", ".join(WC_DECODER_IDS)),
        lambda v: near(v, 5.0, 1.0), _run_converged_value("wc", "decoder", "rel_imagenet"),
        lambda v: near(v, 5.0, RUN_TOLERANCE_PP)))
    C.append(Claim(
        "sec5-ct", "Sec. 5 / Fig. 3C", "CT keeps > 75 % with only 1.4 of 52.8 M parameters trained", "> 75 %", 75.0,
        "% of fully trained", "inequality", _rel("ct_relative", "converged s0 epoch 29, s42 epoch 31: "),
        lambda v: above(v, 75.0), _run_converged_value("kn", "ct", "rel_bp"),
        lambda v: above(v, 75.0 - RUN_TOLERANCE_PP),
        note="1,376,256 / 52,860,096 conv weights = 2.60 % trained (conv weights only; BatchNorm and decoder not "
             "counted). The reproduction report found > 80 % on ImageNetMini."))
    C.append(Claim(
        "abstract-5pct-synapses", "Abstract / RP TQ3", "training only ~5 % of synapses keeps nearly 80 %",
        "~5 % of synapses", 5.0, "% of conv weights trained", "±1 pp ('~5 %')",
        lambda ctx: (100.0 * 1_376_256 / A.CONV_WEIGHTS_FULL, f"CT trains 1,376,256 of {A.CONV_WEIGHTS_FULL:,} conv "
                     f"weights; its score is {ctx.headline['ct_relative']['value']:.1f} %"),
        lambda v: near(v, 5.0, 1.0), _run_ct_weights, lambda v: near(v, 5.0, RUN_TOLERANCE_PP),
        note="CT trains 2.6 %, not ~5 % (the reproduction report flags the same); with the decoder and BatchNorm "
             "counted it is 3.5 % of 53.4 M. '~80 %' rounds 76.0 % (WC+CT reaches 82 %)."))
    C.append(Claim(
        "sec5-dt", "Sec. 5 / Fig. 3C", "DT drops below 65 % with over a quarter of the parameters still trained",
        "< 65 %", 65.0, "% of fully trained", "inequality (and > 25 % of conv weights trained)",
        lambda ctx: (ctx.a_mean(DT_IT_IDS, "rel_bp"), "train_IT (IT + decoder): 40,239,104 conv weights = 76.1 % "
                     "trained; " + ", ".join(DT_IT_IDS)), lambda v: below(v, 65.0),
        _run_converged_value("kn", "dt_it", "rel_bp"), lambda v: below(v, 65.0 + RUN_TOLERANCE_PP),
        note="64.8 %: just below 65 %."))
    C.append(Claim(
        "sec5-ct-imagenet", "Sec. 5 / Fig. 3D", "CT retains more than 40 % of the ImageNet score", "> 40 %", 40.0,
        "% of fully trained top-1", "inequality", lambda ctx: (ctx.a_mean(CT_IDS, "rel_imagenet"), ", ".join(CT_IDS)),
        lambda v: above(v, 40.0), _run_converged_value("kn", "ct", "rel_imagenet"),
        lambda v: above(v, 40.0 - RUN_TOLERANCE_PP)))
    C.append(Claim(
        "sec5-conv1-bn", "Sec. 5 / Fig. 3C", "training conv1 instead retains most of CT's score; BatchNorm is worse",
        "conv1 ≈ CT > BatchNorm", None, "pp (conv1 − CT)", "conv1 within 1 pp of CT and BatchNorm below CT",
        _conv1_bn, lambda v: ("holds" if v is not None and abs(v[0]) <= 1 and v[1] < 0 else "fails"),
        note="Values: (conv1 − CT, BatchNorm − CT) in pp, converged s0 models."))
    C.append(Claim(
        "sec5-time", "Sec. 5", "CT reduces the time per epoch by 30 %", "30 %", 30.0, "%", "–",
        lambda ctx: (None, "training times are in the authors' model_parameter table, which the importer does not "
                     "read; not recomputable from the raw scores"), lambda v: "not checkable"))
    C.append(Claim(
        "sec6-wc-ct-birth", "Sec. 6 / App. C", "WC+CT already reaches 53 % at birth (Sec. 4 and App. C: 54 %)", "53 %",
        53.0, "% of fully trained", pm, _birth("wc_at_birth"), lambda v: near(v, 53.0, 0.5),
        note="Same 10 models as the 54 % claim (53.8 %): the paper truncates in Sec. 6 and rounds elsewhere."))
    C.append(Claim(
        "sec6-wc-ct-0.5pct", "Sec. 6 / Fig. 4A", "at 0.5 % of the synaptic updates (14 vs 3,000 trillion) WC+CT "
        "reaches 79 %", "79 %", 79.0, "% of fully trained", pm,
        lambda ctx: (ctx.headline["wc_ct_500k_20ep"]["value"],
                     f"WC+CT 500,000 images × 20 epochs: {500_000 * 20 * A.CONV_WEIGHTS_WC_CT / 1e12:.1f} trillion "
                     f"= {ctx.headline['wc_ct_500k_20ep']['synaptic_updates_percent']:.2f} % of "
                     f"{FULL_SYNAPTIC / 1e12:,.0f} trillion"),
        lambda v: near(v, 79.0, 0.5), _run_wc_ct_best, lambda v: near(v, 79.0, RUN_TOLERANCE_PP),
        note="The paper rounds 79.7 % down to 79 %; full data × 10 epochs (0.61 %) gives 78.4 %."))
    C.append(Claim(
        "sec6-standard-50", "Sec. 6 / Fig. 4A", "standard training needs 5.2 trillion synaptic updates to exceed 50 %",
        "5.2 trillion", 5.2, "trillion synaptic updates", "±0.1 trillion (two digits)", _first_above(50.0),
        lambda v: near(v, 5.2, 0.1),
        note="5.29 trillion (e.g. 100,000 images × 1 epoch, 53.2 %): the paper truncates to 5.2."))
    C.append(Claim(
        "sec6-standard-80", "Sec. 6 / Fig. 4A", "standard training needs about 100 trillion updates to reach 80 %",
        "~100 trillion", 100.0, "trillion synaptic updates", "factor 1.5 ('about')", _first_above(80.0),
        lambda v: ("reproduces" if v is not None and 100 / 1.5 <= v <= 150 else "differs")))
    C.append(Claim(
        "sec6-fig4b-max", "Sec. 6 / Fig. 4B / RP TQ4", "WC+CT improves by up to 27 pp (1 epoch on 1,000 images)",
        "27 pp", 27.0, "pp of the s0 epoch-43 model", pm, _fig4b_max, lambda v: near(v, 27.0, 0.5), _run_fig4b_max,
        lambda v: near(v, 27.0, RUN_TOLERANCE_PP),
        note="The largest cell is 100 images × 2 epochs (26.66 pp), 1,000 × 1 gives 26.61 pp: a tie at the paper's "
             "precision. The reproduction report asked whether 26 % is the best increase and found +8.4 pp (its "
             "'10 %') with its own WC at 100 images × 2 epochs."))
    C.append(Claim(
        "sec6-fig4b-full", "Sec. 6 / Fig. 4B", "with all 43 epochs and 1.28 M images WC+CT scores 17 pp lower",
        "−17 pp", -17.0, "pp of the s0 epoch-43 model", pm,
        lambda ctx: (ctx.headline["fig4b_max_gain"]["all_data_converged"]["gain_pp"],
                     " vs ".join(ctx.headline["fig4b_max_gain"]["all_data_converged"]["model_ids"])),
        lambda v: near(v, -17.0, 0.5)))
    C.append(Claim(
        "sec7-resnet", "Sec. 7 / Fig. 5A", "WC+CT keep 91 % of ResNet-50's score with ~80 % fewer trained parameters",
        "91 %", 91.0, "% of the standard ResNet-50", pm,
        _ratio("resnet_v3_CORnet-S_cluster2_v2_IT_trconv3_bi_epoch_22", "resnet_v1_CORnet-S_full_epoch_32",
               "5,029,888 of 23,454,912 conv weights trained (78.6 % fewer)"),
        lambda v: near(v, 91.0, 0.5), _run_transfer("resnet50"), lambda v: near(v, 91.0, RUN_TOLERANCE_PP)))
    C.append(Claim(
        "sec7-mobilenet", "Sec. 7 / App. D.1 / Fig. 5A", "on MobileNet the score drops by 22 % (78 % kept) with 43 % "
        "fewer trained parameters", "78 %", 78.0, "% of the standard MobileNet", pm,
        _ratio("mobilenet_v6_CORnet-S_cluster2_v2_IT_trconv3_bi_epoch_34", "mobilenet_v1_1.0_224_epoch_100",
               "2,399,552 of 3,185,088 conv weights trained (25 % fewer, not 43 %)"),
        lambda v: near(v, 78.0, 0.5), _run_transfer("mobilenet_v1"), lambda v: near(v, 78.0, RUN_TOLERANCE_PP),
        note="The score ratio agrees (78.5 %); the parameter reduction does not: the authors' own code trains 75 % of "
             "MobileNet's conv weights (AUTHORS_CODE_FACTS.md §3.9), i.e. 25 % fewer, not 43 %."))
    C.append(Claim(
        "sec7-fig5b", "Sec. 7 / Fig. 5B", "WC helps most in V1 and V2; CT helps most in V4, IT and behaviour",
        "WC: V1, V2; CT: V4, IT, behaviour", None, "regions", "the named regions have the largest gains",
        _fig5b, lambda v: v.split(":")[0] if v else "not checkable",
        note="WC − KN and KN+CT − KN per region, converged decoder-only (KN, WC) and CT models (§7.3 ids)."))
    C.append(Claim(
        "app-b3-mixture", "App. B.3 / Fig. 7", "Mixture Gaussian differs from WC by ~3 pp on average (epoch 6)",
        "~3 pp", 3.0, "pp (mean absolute difference, without and with CT)", "±1.5 pp ('~')",
        _fig7_pair(("cluster2_v2_IT_bi", "brain_wmc15_IT_bi"),
                   ("cluster2_v2_IT_trconv3_bi", "brain_t7_t12_wmc15_IT_bi")),
        lambda v: near(v, 3.0, 1.5),
        note="Without CT the difference is 3.5 pp, with CT 0.05 pp."))
    C.append(Claim(
        "app-b3-gabor", "App. B.3 / Fig. 7", "without the Gabor prior scores drop by 13 pp untrained and 9 pp after CT",
        "13 pp", 13.0, "pp (untrained; after CT in the detail)", pm,
        _fig7_drop, lambda v: near(v, 13.0, 0.5),
        note="Kernel normal minus No Gabor prior at epoch 6 (decoder-only and CT configs, Fig. 7 ids)."))
    C.append(Claim(
        "fig9-100k", "Fig. 9B", "WC+CT: > 80 % in V1, V2 and V4 with only 100,000 images", "> 80 %", 80.0,
        "min over V1, V2, V4, % of fully trained", "inequality",
        lambda ctx: (min(ctx.a("CORnet-S_cluster2_v2_IT_trconv3_bi_img100000_epoch_44", f"rel_{r}")
                         for r in ("V1", "V2", "V4")), "CORnet-S_cluster2_v2_IT_trconv3_bi_img100000_epoch_44 "
                     "(converged)"), lambda v: above(v, 80.0)))
    C.append(Claim(
        "params-52.8M", "Sec. 5", "CORnet-S has 52.8 M parameters", "52.8 M", 52.8, "million", "±0.05 M",
        lambda ctx: (A.CONV_WEIGHTS_FULL / 1e6, "conv weights only (BatchNorm 43,520 and decoder 513,000 excluded; "
                     "all parameters: 53,416,616)"), lambda v: near(v, 52.8, 0.05),
        note="'52.8 M' counts conv weights only; the reproduction report counted 53,416,616 (all parameters)."))
    C.append(Claim(
        "rp-tq1", "RP target question 1", "can 2 % of the updates achieve ~80 % of the BPS?",
        "~80 % (paper body: 76 %)", 76.0, "% of fully trained", pm,
        _rel("two_percent_updates", "500,000 images × 2 epochs: "),
        lambda v: near(v, 76.0, 0.5), run_fraction(0.02), lambda v: near(v, 76.0, RUN_TOLERANCE_PP),
        note="Reproduction report: 73 % (both 409,600 × 2 and 204,800 × 4 epochs), relative to its 32-epoch model."))
    C.append(Claim(
        "rp-tq2", "RP target question 2", "can WC reach 54 % with no training?", "54 %", 54.0, "% of fully trained", pm,
        _birth("wc_at_birth"), lambda v: near(v, 54.0, 0.5), _run_birth("wc", "ct"),
        lambda v: near(v, 54.0, RUN_TOLERANCE_PP),
        note="Reproduction report: not reproduced (its WC was below KN at birth; its sampler differs, §8)."))
    C.append(Claim(
        "rp-tq3", "RP target question 3", "does CT with ~5 % of synapses reach nearly 80 %?", "nearly 80 %", 80.0,
        "% of fully trained", "±5 pp ('nearly')", _rel("ct_relative", "KN+CT converged: "),
        lambda v: near(v, 80.0, 5.0), _run_converged_value("kn", "ct", "rel_bp"),
        lambda v: near(v, 80.0, RUN_TOLERANCE_PP),
        note="76.0 % with 2.6 % of the conv weights. Reproduction report: > 80 % on ImageNetMini (10 epochs)."))
    C.append(Claim(
        "rp-tq4", "RP target question 4", "is 26 % the best increase of WC+CT over standard training (Fig. 4B)?",
        "26 pp", 26.0, "pp", "±1 pp", _fig4b_max, lambda v: near(v, 26.0, 1.0), _run_fig4b_max,
        lambda v: near(v, 26.0, RUN_TOLERANCE_PP),
        note="Reproduction report: +8.4 pp at 100 images × 2 epochs with its own WC."))
    return C


# ---------------------------------------------------------------------------------- per-claim computations

def _slope(ctx: Context):
    std = D.standard_family(ctx.am)
    d = std[(std["seed"] == 0) & ~std["birth"] & std["rel_bp"].notna() & (std["supervised_updates"] > 0)]
    k = np.polyfit(np.log10(d["supervised_updates"]), d["rel_bp"], 1)[0]
    return float(k), f"{len(d)} standard models (seed 0)"


def _run_slope(ctx: Context):
    std = run_standard(ctx)
    d = std[~std["birth"] & std["rel_bp"].notna() & (std["supervised_updates"] > 0)] if len(std) else std
    if len(d) < 3 or d["supervised_updates"].nunique() < 2:
        return None, NOT_RUN
    k = np.polyfit(np.log10(d["supervised_updates"]), d["rel_bp"], 1)[0]
    return float(k), f"{len(d)} standard checkpoints, supervised updates {d['supervised_updates'].min():,.0f}–" \
                     f"{d['supervised_updates'].max():,.0f}"


def _regions_at_epoch(epoch: float, regions: list[str], also: tuple[float, str] | None = None):
    def f(ctx: Context):
        std = D.standard_family(ctx.am)
        row = std[(std["model_id"] == f"CORnet-S_full_epoch_{int(epoch):02d}")]
        vals = {r: float(row[f"rel_{r}"].iloc[0]) for r in regions}
        detail = f"CORnet-S_full_epoch_{int(epoch):02d}: " + ", ".join(f"{r} {v:.1f}" for r, v in vals.items())
        if also:
            other = ctx.a(f"CORnet-S_full_epoch_{int(also[0]):02d}", "rel_" + also[1])
            detail += f"; at epoch {also[0]:g}: {also[1]} {other:.1f}"
        return min(vals.values()), detail
    return f


def _run_regions_at_epoch(epoch: float, regions: list[str]):
    def f(ctx: Context):
        std = run_standard(ctx)
        if std.empty:
            return None, NOT_RUN
        d = std[std["full_data"].astype(bool) & np.isclose(std["epoch"].astype(float), epoch)]
        scored = [r for r in regions if r in (ctx.rinfo().regions if ctx.rinfo() else [])]
        if d.empty or not scored:
            return None, f"{NOT_RUN} (no epoch-{epoch:g} checkpoint on all images, or regions {regions} not scored)"
        vals = {r: float(d[f"rel_{r}"].mean()) for r in scored}
        unscored = [r for r in regions if r not in scored]
        return min(vals.values()), ", ".join(f"{r} {v:.1f}" for r, v in vals.items()) + \
            (f" (not scored: {', '.join(unscored)})" if unscored else "")
    return f


def _regions_converged(images: int, regions: list[str], also: tuple[int, str] | None = None):
    def f(ctx: Context):
        std = D.standard_family(ctx.am)
        d = std[std["converged"].astype(bool) & (std["images"] == images)]
        vals = {r: float(d[f"rel_{r}"].mean()) for r in regions}
        detail = _ids_text(d) + ": " + ", ".join(f"{r} {v:.2f}" for r, v in vals.items())
        if also:
            e = std[std["converged"].astype(bool) & (std["images"] == also[0])]
            detail += f"; at {also[0]:,} images: {also[1]} {e[f'rel_{also[1]}'].mean():.1f}"
        return min(vals.values()), detail
    return f


def _run_pixels(ctx: Context):
    m = ctx.rm
    p = m[(m["kind"] == "baseline") & (m["arch"] == "pixels")] if len(m) else m
    v = _mean(p, "rel_bp")
    return (v, "pixels baseline " + _ids_text(p)) if v is not None else (None, NOT_RUN)


def _birth(key: str):
    def f(ctx: Context):
        h = ctx.headline[key]
        return h["value"], (f"mean ± sd (ddof 0) {h['value']:.1f} ± {h['std']:.2f}, n = {h['n']} "
                            f"(s.e.m. {h['sem']:.2f})")
    return f


def _run_birth(init: str, trained: str):
    def f(ctx: Context):
        b = run_births(ctx, init, trained)
        if b.empty:
            return None, NOT_RUN
        sd = float(b["rel_bp"].std(ddof=0))
        return float(b["rel_bp"].mean()), (f"mean ± sd {b['rel_bp'].mean():.1f} ± {sd:.2f}, n = {len(b)} "
                                           f"({_ids_text(b)})")
    return f


def _run_birth_gain(ctx: Context):
    wc, kn = run_births(ctx, "wc", "ct"), run_births(ctx, "kn", "all")
    if wc.empty or kn.empty:
        return None, NOT_RUN
    return float(wc["rel_bp"].mean() - kn["rel_bp"].mean()), f"n = {len(wc)} WC, {len(kn)} KN at birth"


def exact_permutation_p(a: np.ndarray, b: np.ndarray) -> tuple[float, float, int]:
    """Exact permutation test of mean(a) − mean(b) over every split of the pooled values into groups of the sizes
    of a and b (all C(n_a + n_b, n_a) relabelings): (two-sided p, one-sided p for
    a > b, number of relabelings). The same test and p-values as ``scipy.stats.permutation_test`` in its exact mode
    (:func:`wiringup.tables.statistics.compare`), without
    its per-partition Python loop (10 vs 10 seeds: 184,756 relabelings in well under a second)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    pooled = np.concatenate([a, b])
    n, k = len(pooled), len(a)
    if n > 24:
        raise WiringupError(f"exact_permutation_p: {n} values are too many to enumerate; use wiringup.tables.statistics")
    import itertools

    count = math.comb(n, k)
    idx = np.fromiter(itertools.chain.from_iterable(itertools.combinations(range(n), k)), dtype=np.int64,
                      count=count * k).reshape(count, k)
    sum_a = pooled[idx].sum(axis=1)
    diff = sum_a / k - (pooled.sum() - sum_a) / (n - k)
    observed = a.mean() - b.mean()
    tol = 1e-12 * max(1.0, abs(observed))
    greater = float(np.mean(diff >= observed - tol))
    less = float(np.mean(diff <= observed + tol))
    return min(1.0, 2 * min(greater, less)), greater, int(len(diff))   # two-sided as scipy: twice the smaller tail


def _birth_test(ctx: Context):
    from scipy import stats

    wc = np.array([ctx.a(i, "rel_bp") for i in BIRTH_WC])
    kn = np.array([ctx.a(i, "rel_bp") for i in BIRTH_KN])
    two, one, n = exact_permutation_p(wc, kn)
    welch = stats.ttest_ind(wc, kn, equal_var=False).pvalue
    return two, (f"exact permutation test over all {n:,} relabelings: two-sided p = {two:.2g}, one-sided p = "
                 f"{one:.2g}; Welch p = {welch:.2g}")


def _run_birth_test(ctx: Context):
    from wiringup.tables.statistics import compare

    wc, kn = run_births(ctx, "wc", "ct"), run_births(ctx, "kn", "all")
    if len(wc) < 2 or len(kn) < 2:
        return None, f"{NOT_RUN} (needs ≥ 2 seeds of WC and KN at birth; has {len(wc)} and {len(kn)})"
    r = compare(wc["rel_bp"].to_numpy(), kn["rel_bp"].to_numpy(), label_a="WC", label_b="KN")
    return r["permutation_p"], f"two-sided permutation p = {r['permutation_p']:.2g}, Welch p = {r['welch_p']:.2g}, " \
                               f"n = {len(wc)} vs {len(kn)}"


def _wc_regions(ctx: Context):
    vals = {r: ctx.a_mean(BIRTH_WC, f"rel_{r}") for r in ("V1", "V2", "V4", "IT", "behavior")}
    return vals["V4"], "10 WC at-birth models: " + ", ".join(f"{r} {v:.1f}" for r, v in vals.items()) + \
        " (paper: V4 75, IT 39, behaviour 6; V1, V2 'no loss')"


def _run_converged_value(init: str, trained: str, col: str):
    def f(ctx: Context):
        d = run_converged(ctx, init, trained)
        v = _mean(d, col)
        return (v, _ids_text(d)) if v is not None else (None, NOT_RUN)
    return f


def _run_ct_weights(ctx: Context):
    d = run_converged(ctx, "kn", "ct")
    std = run_standard(ctx)
    ref = std[std["model_id"].isin(ctx.rinfo().reference_ids)] if ctx.rinfo() and len(std) else std
    if d.empty or ref.empty or not ref["trained_conv_weights"].notna().any():
        return None, NOT_RUN
    pct = 100.0 * d["trained_conv_weights"].mean() / ref["trained_conv_weights"].mean()
    return float(pct), f"{d['trained_conv_weights'].mean():,.0f} of {ref['trained_conv_weights'].mean():,.0f} conv " \
                       f"weights; score {d['rel_bp'].mean():.1f} %"


def _conv1_bn(ctx: Context):
    ct = ctx.a("CORnet-S_train_conv3_bi_epoch_29", "rel_bp")
    c1 = ctx.a("CORnet-S_train_conv1_bi_epoch_30", "rel_bp")
    bn = ctx.a("CORnet-S_train_batchnorm_epoch_30", "rel_bp")
    return (c1 - ct, bn - ct), f"CT {ct:.1f}, conv1 {c1:.1f}, BatchNorm {bn:.1f} % (s0, converged)"


def _first_above(threshold: float):
    def f(ctx: Context):
        std = D.standard_family(ctx.am)
        d = std[(std["seed"] == 0) & ~std["birth"] & (std["rel_bp"] > threshold)]
        row = d.sort_values("synaptic_updates").iloc[0]
        return float(row["synaptic_updates"]) / 1e12, f"{row['model_id']} ({row['rel_bp']:.1f} %)"
    return f


def _fig4b_max(ctx: Context):
    f = ctx.headline["fig4b_max_gain"]
    cell = f["paper_cell"]
    return f["value"], (f"largest cell {int(f['images']):,} images × {f['epoch']:g} epochs; the paper's cell "
                        f"1,000 × 1: {cell['gain_pp']:.2f} pp; normaliser {f['normaliser']:.5f}")


def _run_fig4b_max(ctx: Context):
    from wiringup.report.figures.fig4 import delta_grid

    if ctx.rsrc is None:
        return None, NOT_RUN
    d = delta_grid(ctx.run, ctx.rsrc, ctx.standard_variant)
    if d.empty or not np.isfinite(d.to_numpy()).any():
        return None, f"{NOT_RUN} (needs WC+CT and standard training on a shared images × epochs grid)"
    s = d.stack()
    (images, epoch), v = s.idxmax(), float(s.max())
    return v, f"largest cell {int(images):,} images × {epoch:g} epochs of {s.size} cells"


def _run_wc_ct_best(ctx: Context):
    m = ctx.rm
    if m.empty:
        return None, NOT_RUN
    fam = D.family(m, "wc", "ct", include_birth=False).dropna(subset=["rel_bp", "synaptic_updates"])
    info = ctx.rinfo()
    ref = m[m["model_id"].isin(info.reference_ids)]["synaptic_updates"].mean() if info else np.nan
    if fam.empty or not np.isfinite(ref):
        return None, NOT_RUN
    fam = fam.assign(pct=100.0 * fam["synaptic_updates"] / ref)
    near_half = fam.iloc[(np.log10(fam["pct"].clip(lower=1e-9)) - np.log10(0.5)).abs().argsort()[:1]]
    r = near_half.iloc[0]
    return float(r["rel_bp"]), f"{r['model_id']}: {r['pct']:.2g} % of the reference's synaptic updates"


def _ratio(num: str, den: str, detail: str):
    def f(ctx: Context):
        a, b = ctx.a(num, "brain_predictivity"), ctx.a(den, "brain_predictivity")
        return 100.0 * a / b, f"{num} {a:.3f} / {den} {b:.3f}; {detail}"
    return f


def _run_transfer(arch: str):
    """WC+CT of ``arch`` (init wc, set ct) against its standard training (init kn, all layers), last checkpoints."""
    def f(ctx: Context):
        m = ctx.rm
        if m.empty:
            return None, NOT_RUN
        m = m[(m["arch"] == arch) & m["converged"].astype(bool)]   # a run's last checkpoint (never at birth)
        ct = m[(m["init"] == "wc") & (m["trained"] == "ct")]
        std = m[(m["init"] == "kn") & (m["trained"] == "all")]
        if ct.empty or std.empty:
            return None, NOT_RUN
        a, b = ct["brain_predictivity"].mean(), std["brain_predictivity"].mean()
        if not np.isfinite(b):
            return None, NOT_RUN
        # the values as the authors' column gives them: a short standard run scoring near zero inflates the ratio
        return 100.0 * a / b, f"{_ids_text(ct)} {a:.3f} / {_ids_text(std)} {b:.3f}"
    return f


def _fig5b(ctx: Context):
    regions = ["V1", "V2", "V4", "IT", "behavior"]
    kn = {r: ctx.a_mean(KN_DECODER_IDS, r) for r in regions}
    wc = {r: ctx.a_mean(WC_DECODER_IDS, r) for r in regions}
    ct = {r: ctx.a_mean(CT_IDS, r) for r in regions}
    wc_gain = {r: wc[r] - kn[r] for r in regions}
    ct_gain = {r: ct[r] - kn[r] for r in regions}
    top_wc = sorted(regions, key=lambda r: -wc_gain[r])[:2]
    top_ct = sorted(regions, key=lambda r: -ct_gain[r])[:3]
    ok = set(top_wc) == {"V1", "V2"} and set(top_ct) == {"V4", "IT", "behavior"}
    verdict = f"{'holds' if ok else 'fails'}: WC largest in {', '.join(top_wc)}; CT largest in {', '.join(top_ct)}"
    return verdict, ("WC − KN: " + ", ".join(f"{r} {v:+.3f}" for r, v in wc_gain.items())
                     + "; KN+CT − KN: " + ", ".join(f"{r} {v:+.3f}" for r, v in ct_gain.items()))


def _fig7_pair(untrained: tuple[str, str], ct: tuple[str, str]):
    def f(ctx: Context):
        d = [abs(ctx.a(f"CORnet-S_{a}_epoch_06", "rel_bp") - ctx.a(f"CORnet-S_{b}_epoch_06", "rel_bp"))
             for a, b in (untrained, ct)]
        return float(np.mean(d)), f"untrained {d[0]:.2f} pp, with CT {d[1]:.2f} pp (epoch 6)"
    return f


def _fig7_drop(ctx: Context):
    u = ctx.a("CORnet-S_brain3_knall_IT_bi_epoch_06", "rel_bp") - \
        ctx.a("CORnet-S_brain2_knall_IT_bi_v2_epoch_06", "rel_bp")
    c = ctx.a("CORnet-S_brain3_t7_t12_knall_IT_bi_epoch_06", "rel_bp") - \
        ctx.a("CORnet-S_brain2_t7_t12_knall_IT_bi_v2_epoch_06", "rel_bp")
    return float(u), f"untrained {u:.1f} pp, after CT {c:.1f} pp (paper: 13 and 9)"


# ------------------------------------------------------------------------------------------------ assembly

def _fmt(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, tuple):
        return "(" + ", ".join(_fmt(x) for x in v) + ")"
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (list, set)):
        return ", ".join(map(str, v))
    if isinstance(v, (float, np.floating)):
        if not np.isfinite(v):
            return ""
        return f"{v:.3g}" if abs(v) < 1e-3 and v != 0 else (f"{v:.4f}" if abs(v) < 1 else f"{v:.1f}")
    return str(v)


def describe_scale(scale: dict[str, Any]) -> str:
    """This run's scale in words (from the rule's params: model, data, grid, backend)."""
    m = scale.get("model") or {}
    return (f"{m.get('arch', 'cornet_s')} width {m.get('width', 1.0):g}, {m.get('input_size', 224)} px input, "
            f"{m.get('num_classes', 1000)} classes ({scale.get('imagenet_root', '?')}); standard training grid: images "
            f"{scale.get('images')} × epochs {scale.get('epochs')}, seeds {scale.get('seeds')}; scoring backend "
            f"{scale.get('backend', 'local')}")


def build_scorecard(authors_private: pd.DataFrame, run_table: pd.DataFrame | None = None, *,
                    run_scale: str = "", missing: str = "nan", run_recipe: dict[str, Any] | None = None,
                    standard_variant: str | None = None) -> pd.DataFrame:
    """The scorecard table (columns :data:`COLUMNS`) from the authors' private tidy table and this run's table."""
    if authors_private.empty or not authors_private["backend"].astype(str).eq("authors-private").all():
        raise WiringupError("scorecard: the authors' table must be the private database's tidy table "
                            "(results/tables/authors_private.csv)")
    authors = D.model_table(authors_private, missing="zero")
    run = None
    if run_table is not None and len(run_table):
        run = D.model_table(run_table, missing=missing, run_recipe=run_recipe, standard_variant=standard_variant)
    ctx = Context(authors, A.headline_numbers(authors_private), run, run_scale, standard_variant)
    rows = []
    for c in _claims():
        try:
            av, adetail = c.authors(ctx)
        except (WiringupError, KeyError, IndexError) as exc:
            av, adetail = None, f"not computable: {exc}"
        verdict = c.verdict(av)
        if c.run is None:
            rv, rdetail, rverdict = None, "no analogue in this pipeline's experiments", "–"
        elif run is None:
            rv, rdetail, rverdict = None, NOT_RUN + " (no score table)", NOT_RUN
        else:
            try:
                rv, rdetail = c.run(ctx)
            except (WiringupError, KeyError, IndexError, ValueError) as exc:
                rv, rdetail = None, f"{NOT_RUN} ({exc})"
            if rv is None:
                rverdict = NOT_RUN
            else:
                rverdict = (c.run_verdict(rv) if c.run_verdict else "–") + " (indicative: local benchmarks)"
                rdetail = f"{rdetail}; suite: {ctx.suite()}"
        rows.append({"id": c.id, "where": c.where, "claim": c.claim, "paper": c.paper,
                     "paper_value": c.paper_value, "unit": c.unit, "authors": _fmt(av), "authors_detail": adetail,
                     "tolerance": c.tolerance + (f"; {'this run: ±%g pp, indicative only' % RUN_TOLERANCE_PP}"
                                                 if c.run_verdict and c.run_tolerance else ""),
                     "verdict_authors": verdict, "this_run": _fmt(rv), "this_run_detail": rdetail,
                     "verdict_run": rverdict, "note": c.note})
    return pd.DataFrame(rows, columns=COLUMNS)


def write_scorecard(card: pd.DataFrame, md_path: str | Path, csv_path: str | Path, *, run_scale: str = "",
                    sources: str = "") -> None:
    with atomic_path(csv_path) as tmp:
        card.to_csv(tmp, index=False)
    counts = (card["verdict_authors"].str.split(" by ", regex=False).str[0].str.split(" (", regex=False).str[0]
              .value_counts())
    lines = [
        "# Reproducibility scorecard — Wiring Up Vision (Geiger et al., ICLR 2022)", "",
        "Each quantitative claim of the paper (abstract, sections, captions, appendices) and each target question of "
        "the reproduction report (Gandhi et al. 2022). **Authors' data**: the value recomputed from the authors' raw "
        "Brain-Score scores (private benchmarks, `scores.sqlite`) with their aggregation (a missing benchmark counts "
        "as 0, as in their code); 100 % = 0.4215, the mean of `CORnet-S_full` s0 epoch 43 and s42 epoch 29. "
        "**This run**: the same quantity from this pipeline's score table; its benchmarks are local (not "
        "Brain-Score's) and its scale is small, so its verdicts are indicative only.", "",
        f"This run: {run_scale or 'no score table'}.", ""] + ([f"Sources: {sources}", ""] if sources else []) + [
        "Verdicts on the authors' data: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + ".", "",
        "| id | where | claim | paper | authors' data | tolerance | verdict (authors' data) | this run | verdict "
        "(this run) | note |",
        "|---|---|---|---|---|---|---|---|---|---|"]

    def cell(s: Any) -> str:
        return str(s if s is not None else "").replace("|", "\\|").replace("\n", " ")

    for _, r in card.iterrows():
        authors = (f"**{cell(r['authors'])}** — {cell(r['authors_detail'])}" if r["authors"]
                   else cell(r["authors_detail"]))
        run = (f"**{cell(r['this_run'])}** — {cell(r['this_run_detail'])}" if r["this_run"]
               else cell(r["this_run_detail"]))
        lines.append("| " + " | ".join([cell(r["id"]), cell(r["where"]), cell(r["claim"]), cell(r["paper"]), authors,
                                         cell(r["tolerance"]), cell(r["verdict_authors"]), run, cell(r["verdict_run"]),
                                         cell(r["note"])]) + " |")
    with atomic_path(md_path) as tmp:
        Path(tmp).write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wiringup.report.scorecard",
                                     description="Reproducibility scorecard of Geiger et al. (2022): the paper's "
                                                 "claims vs the authors' raw scores vs this run.")
    parser.add_argument("--authors", required=True, help="tidy CSV of the authors' private scores "
                        "(results/tables/authors_private.csv, rule authors_import)")
    parser.add_argument("--scores", help="this run's score table (results/tables/scores.csv); omit for none")
    parser.add_argument("--md", required=True, help="Markdown output")
    parser.add_argument("--csv", required=True, help="CSV output")
    parser.add_argument("--scale", default="", help="words describing this run's scale")
    args = parser.parse_args(argv)
    try:
        authors = A.read_tidy(args.authors)
        scores = pd.read_csv(args.scores) if args.scores else None
        card = build_scorecard(authors, scores, run_scale=args.scale)
        write_scorecard(card, args.md, args.csv, run_scale=args.scale)
        print(card[["id", "paper", "authors", "verdict_authors", "this_run", "verdict_run"]].to_string(index=False))
    except WiringupError as exc:
        print(f"wiringup error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
