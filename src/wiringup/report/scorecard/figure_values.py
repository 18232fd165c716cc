"""How the scorecard computes the values behind single figures from the authors' raw scores: the per-region
curves of Fig. 1B/1C and 9, the bars of Fig. 5B and 7, the hyper-parameter curves of Fig. 6 and the grids and
synaptic-update comparisons of Fig. 8.

Like :mod:`~wiringup.report.scorecard.authors_values`, every source takes the
:class:`~wiringup.report.scorecard.context.Context` and returns ``(value, detail)``. Averages over seeds follow the
authors' inclusion lists (:mod:`wiringup.tables.authors.runs`): a figure's model name stands for the runs of its
``model_versions`` list, at the epoch the figure shows or at the converged epoch of the authors' convergence
tables (:meth:`Context.a_runs`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from wiringup.plan.ids import REGIONS
from wiringup.report.figures import data as D
from wiringup.report.figures.panels import fam_selector, family_grid
from wiringup.report.scorecard.authors_values import fig7_value
from wiringup.report.scorecard.context import FIG5B_IDS, Context
from wiringup.tables import authors as A

STANDARD, WC_CT = "CORnet-S_full", "CORnet-S_cluster2_v2_IT_trconv3_bi"
EARLY, LATE = ("V1", "V2"), ("IT", "behavior")
FRACTIONS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def _regions_text(vals: dict[str, float]) -> str:
    return ", ".join(f"{r} {v:.1f}" for r, v in vals.items())


def _early_minus_late(vals: dict[str, float]) -> float:
    return float(np.mean([vals[r] for r in EARLY]) - np.mean([vals[r] for r in LATE]))


# ------------------------------------------------------------------------------------------- Fig. 1B / 1C

def fraction_epoch_50(ctx: Context):
    """Sec. 3: the first checkpoint (fractions of epoch 1, then 1) at which V1, V2 and V4 each pass 50 % of their
    fully trained score; the value is the latest of the three (epochs)."""
    first = {}
    for e in FRACTIONS:
        vals = ctx.a_runs(A.epoch_ids(STANDARD, e))
        for r in ("V1", "V2", "V4"):
            if r not in first and vals[f"rel_{r}"] >= 50.0:
                first[r] = e
    missing = [r for r in ("V1", "V2", "V4") if r not in first]
    if missing:
        return float("inf"), f"{', '.join(missing)} below 50 % through epoch 1"
    return max(first.values()), "first epoch ≥ 50 %: " + ", ".join(f"{r} {e:g}" for r, e in first.items())


def fig1b_early_first(ctx: Context):
    """Fig. 1B caption: V1 and V2 approach their final scores earlier than IT and behaviour; the value is the mean
    over the first-epoch checkpoints of mean(V1, V2) − mean(IT, behaviour), in pp (the authors' Fig. 1B runs)."""
    diffs, rows = [], []
    for e in FRACTIONS:
        res = ctx.a_runs(A.epoch_ids(STANDARD, e))
        vals = {r: res[f"rel_{r}"] for r in REGIONS}
        diffs.append(_early_minus_late(vals))
        if e in (0.1, 0.5, 1.0):
            rows.append(f"epoch {e:g}: {_regions_text(vals)}")
    return float(np.mean(diffs)), "; ".join(rows)


def fig1c_early_images(ctx: Context):
    """Fig. 1C caption: few images approximate especially the early areas; the value is mean(V1, V2) − mean(IT,
    behaviour) in pp at the smallest image counts (100 and 1,000 images, converged), averaged."""
    std = D.standard_family(ctx.am)
    conv = std[std["converged"].astype(bool) & ~std["birth"].astype(bool)]
    diffs, rows = [], []
    for n in (100, 1000):
        d = conv[conv["images"] == n]
        vals = {r: float(d[f"rel_{r}"].mean()) for r in REGIONS}
        diffs.append(_early_minus_late(vals))
        rows.append(f"{n:,} images ({', '.join(d['model_id'])}): {_regions_text(vals)}")
    return float(np.mean(diffs)), "; ".join(rows)


# --------------------------------------------------------------------------------------------- Fig. 5B, 9

def fig5b_v1_unchanged(ctx: Context):
    """App. D.2: V1 scores of WC+CT do not change (V1 frozen): |V1(WC+CT) − V1(WC)| of the Fig. 5B bars, pp of the
    fully trained V1."""
    wc, wcct = ctx.a_mean(FIG5B_IDS["WC"], "rel_V1"), ctx.a_mean(FIG5B_IDS["WC+CT"], "rel_V1")
    return abs(wcct - wc), (f"V1: WC {wc:.2f} % ({', '.join(FIG5B_IDS['WC'])}), WC+CT {wcct:.2f} % "
                            f"({', '.join(FIG5B_IDS['WC+CT'])})")


def fig9_v1_identical(ctx: Context):
    """App. C: the V1 score of WC+CT is identical over all training states: max − min of its V1 score (pp of the
    fully trained V1) over every scored checkpoint of the seed-0 runs, all image counts."""
    m = ctx.am
    d = m[m["config"].eq("cluster2_v2_IT_trconv3_bi") & (m["seed"] == 0) & m["default_recipe"].astype(bool)
          & (m["arch"] == "cornet_s") & (m["V1"] > 0)]
    v = d["rel_V1"]
    mode = v.round(2).mode().iloc[0]
    lowest = d.loc[v.idxmin(), "model_id"]
    return float(v.max() - v.min()), (f"{len(d)} checkpoints: {int((v.round(2) == mode).sum())} at V1 {mode:.2f} %, "
                                      f"range {v.min():.2f}–{v.max():.2f} % (lowest: {lowest})")


def fig9a_early(ctx: Context):
    """Fig. 9A: after one epoch on all images WC+CT is higher than standard training in V1, V2 and V4; the value
    is the smallest WC+CT − standard difference over the three (pp; the authors' runs at epoch 1)."""
    wc, std = ctx.a_runs(A.epoch_ids(WC_CT, 1)), ctx.a_runs(A.epoch_ids(STANDARD, 1))
    diff = {r: wc[f"rel_{r}"] - std[f"rel_{r}"] for r in ("V1", "V2", "V4")}
    return min(diff.values()), ("WC+CT − standard at epoch 1: " + ", ".join(f"{r} {v:+.1f}" for r, v in diff.items())
                                + f"; WC+CT {_regions_text({r: wc[f'rel_{r}'] for r in REGIONS})}")


def fig9a_late(ctx: Context):
    """Fig. 9A: IT and behaviour of WC+CT improve but fall short of a fully trained model; the value is the
    highest IT or behaviour score (% of fully trained) over its full-data epochs and its converged runs."""
    m = ctx.am
    epochs = sorted({e for e in m.loc[m["run_id"] == WC_CT, "epoch"] if e > 0})
    best = {r: (-np.inf, None) for r in LATE}
    for e in epochs:
        res = ctx.a_runs(A.epoch_ids(WC_CT, e))
        for r in LATE:
            best[r] = max(best[r], (res[f"rel_{r}"], f"epoch {e:g}"), key=lambda t: t[0])
    conv = ctx.a_runs(A.converged_ids(WC_CT))
    for r in LATE:
        best[r] = max(best[r], (conv[f"rel_{r}"], "converged"), key=lambda t: t[0])
    return max(v for v, _ in best.values()), "highest: " + ", ".join(f"{r} {v:.1f} ({w})" for r, (v, w) in best.items())


# -------------------------------------------------------------------------------------------------- Fig. 7

def fig7_kernel_normal_drop(ctx: Context):
    """App. B.3: Kernel normal scores below WC, without training and after CT; the value is the smaller drop (pp),
    the detail every bar of Fig. 7 (epoch 6, the authors' runs)."""
    bars = {m: (fig7_value(ctx, u), fig7_value(ctx, c)) for m, (u, c) in A.FIG7_MODELS.items()}
    drop = min(bars["wc"][k] - bars["kernel_normal"][k] for k in (0, 1))
    return drop, "bars (without training / after CT): " + "; ".join(f"{m} {u:.1f} / {c:.1f}"
                                                                      for m, (u, c) in bars.items())


def fig7_gabor_ct(ctx: Context):
    """App. B.3: without the Gabor prior, scores after CT drop by 9 pp (Kernel normal − No Gabor prior, epoch 6)."""
    kn, ng = fig7_value(ctx, A.FIG7_MODELS["kernel_normal"][1]), fig7_value(ctx, A.FIG7_MODELS["no_gabor"][1])
    return kn - ng, f"after CT: Kernel normal {kn:.1f} %, No Gabor prior {ng:.1f} %"


# -------------------------------------------------------------------------------------------------- Fig. 6

@dataclass(frozen=True)
class RecipeGain:
    """Fig. 6: the largest advantage (pp) of a hyper-parameter variant (``run``: its run id, or the prefix of its
    image-subset runs for the schedule alternative) over the default recipe at the same checkpoint. Only the
    regions both score are compared (several variant checkpoints lack V1/V2 or V4/IT/behaviour); the default is
    the authors' average of its runs at that checkpoint (model_versions on all images)."""

    run: str
    subsets: bool = False

    def __call__(self, ctx: Context):
        m = ctx.am
        run_ids = m["run_id"].astype(str)
        rows = m[run_ids.str.startswith(self.run + "_img") if self.subsets else run_ids == self.run]
        gains = []
        for _, r in rows[rows["epoch"] > 0].sort_values(["images", "epoch"]).iterrows():
            scored = [g for g in REGIONS if r[g] > 0]
            base = STANDARD if r["full_data"] else f"{STANDARD}_img{int(r['images'])}"
            ref = ctx.a_runs(A.epoch_ids(base, r["epoch"]), regions=scored) if scored else None
            if not scored or not ref["n"]:
                continue
            ours = float(np.mean([r[f"rel_{g}"] for g in scored]))
            theirs = float(np.mean([ref[f"rel_{g}"] for g in scored]))
            where = f"epoch {r['epoch']:g}" + ("" if r["full_data"] else f" on {int(r['images']):,} images")
            gains.append((ours - theirs, f"{where} {ours - theirs:+.1f}" + ("" if len(scored) == 5 else
                                                                            f" ({'/'.join(scored)})")))
        if not gains:
            return None, f"no checkpoint of {self.run} shares a scored region with the default recipe"
        best = max(g for g, _ in gains)
        return best, f"variant − default recipe, pp: {'; '.join(t for _, t in gains)}"


# -------------------------------------------------------------------------------------------------- Fig. 8

def _grid_text(g: pd.DataFrame) -> str:
    cols = ["conv." if c == float("inf") else f"{c:g}" for c in g.columns]
    rows = [f"{int(i):,}: " + " ".join(f"{v:.0f}" if np.isfinite(v) else "–" for v in g.loc[i]) for i in g.index]
    return f"epochs {' '.join(cols)} | " + "; ".join(rows)


@dataclass(frozen=True)
class GridCell:
    """Fig. 8B/C: one cell of the authors' images × epochs grid of a family (seed 0, % of fully trained; the grid
    of ``supp_4``), the whole grid in the detail."""

    init: str
    trained: str
    images: int
    epoch: float

    def __call__(self, ctx: Context):
        source = next(iter(ctx.authors.sources))
        g = family_grid(ctx.authors, source, fam_selector(self.init, self.trained), "rel_bp")
        return float(g.loc[float(self.images), float(self.epoch)]), _grid_text(g)


@dataclass(frozen=True)
class AboveAtSameUpdates:
    """Fig. 8A: the share (%) of a family's trained checkpoints (seed 0, every image count and epoch) that score
    above the ``versus`` family at the same number of supervised synaptic updates (``versus`` interpolated
    linearly in log updates; points outside its range are not compared)."""

    family: tuple[str, str]
    versus: tuple[str, str]

    def __call__(self, ctx: Context):
        def points(init, trained):
            fam = D.standard_family(ctx.am) if (init, trained) == ("kn", "all") else D.family(ctx.am, init, trained)
            d = fam[(fam["seed"] == 0) & ~fam["birth"].astype(bool) & (fam["synaptic_updates"] > 0)]
            d = d.dropna(subset=["rel_bp", "synaptic_updates"])
            return d.groupby(np.log10(d["synaptic_updates"].astype(float)))["rel_bp"].mean().sort_index()

        ours, theirs = points(*self.family), points(*self.versus)
        inside = ours[(ours.index >= theirs.index.min()) & (ours.index <= theirs.index.max())]
        if inside.empty:
            return None, "no overlap in synaptic updates"
        above = inside.to_numpy() > np.interp(inside.index, theirs.index, theirs.to_numpy())
        return 100.0 * float(above.mean()), (f"{int(above.sum())} of {len(inside)} update counts above "
                                             f"({len(ours) - len(inside)} outside the compared range)")
