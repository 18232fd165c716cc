"""What the scorecard's value functions read: the :class:`Context` (the authors' and this run's model tables and
the headline numbers), the authors' model ids the claims name, and the selections of this run's models."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from wiringup.core.io import WiringupError
from wiringup.report.figures import data as D
from wiringup.tables import authors as A


def model_ids(config: str, seeds=(0,), epoch: str = "00", images: int | None = None) -> list[str]:
    """The authors' CORnet-S model ids of ``config`` for ``seeds`` at ``epoch`` (``images``: an image subset)."""
    img = f"_img{images}" if images else ""
    return [f"CORnet-S_{config}{img}{'' if s == 0 else f'_seed{s}'}_epoch_{epoch}" for s in seeds]


BIRTH_KN = model_ids("full", A.AT_BIRTH_SEEDS)
BIRTH_WC = model_ids("cluster2_v2_IT_trconv3_bi", A.AT_BIRTH_SEEDS)
# converged checkpoints of the runs the authors average (model_versions × convergence tables)
CT_IDS = A.converged_ids("CORnet-S_train_conv3_bi")                 # s0 epoch 29, s42 epoch 31
DT_IT_IDS = A.converged_ids("CORnet-S_train_IT_seed_0")             # s0 epoch 37, s42 epoch 40
WC_DECODER_IDS = A.converged_ids("CORnet-S_cluster2_v2_IT_bi")      # s42 epoch 31, s0 epoch 24
FIG5B_IDS = {cond: A.converged_ids(name) for cond, name in A.FIG5B_MODELS.items()}   # WC, WC+CT: seed 42 only
FULL_SYNAPTIC = A.AUTHORS_FULL_IMAGES * A.FULL_EPOCHS * A.CONV_WEIGHTS_FULL


@dataclass
class Context:
    """The tables a claim's value is computed from. ``a`` / ``a_mean``: a column of the authors' models;
    ``rm`` / ``rinfo()``: this run's models and their
    :class:`~wiringup.report.figures.source_info.SourceInfo` (empty / None without a score table)."""

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

    def a_runs(self, ids: list[str], regions=A.REGIONS) -> dict[str, float]:
        """The authors' run average (``load_error_bared``: per region the runs scored > 0; ids not in the table
        count as unscored) of ``ids``, relative to the fully trained model per region (``rel_<region>``) and
        over the regions (``rel_bp``); ``n``: how many of the ids are scored."""
        info = self.authors.sources[next(iter(self.authors.sources))]
        res = A.authors_run_average(self.am, ids, regions=list(regions))
        out = {f"rel_{r}": 100.0 * v / info.reference_regions[r] for r, v in res["per_region"].items()}
        out["rel_bp"] = 100.0 * res["value"] / info.reference_bp
        out["n"] = len(ids) - len(res["absent"])
        return out

    def scored_runs(self, epoch: float | None = None) -> set[str]:
        """Run ids of the authors' trained models: with a checkpoint at ``epoch``, or (None) trained past epoch 0."""
        m = self.am[self.am["kind"] == "trained"]
        sel = m["epoch"] > 0 if epoch is None else np.isclose(m["epoch"].astype(float), float(epoch))
        return set(m.loc[sel, "run_id"])

    def inclusion_note(self, spec: str) -> str:
        """The runs a claim averages and the scored runs it leaves out: ``spec`` is a model name (converged runs),
        ``name@<epoch>`` (its runs at that epoch) or ``name@birth`` (the seeds of the significance test)."""
        name, _, at = spec.partition("@")
        if at == "birth":
            keep = [name if s == 0 else f"{name}_seed{s}" for s in A.AT_BIRTH_SEEDS]
            return A.exclusion_text(name, self.scored_runs(0.0), keep=keep, what=f"{name} at birth",
                                    source="calc_significance")
        if at:
            return A.exclusion_text(name, self.scored_runs(float(at)), what=f"{name} at epoch {at}")
        return A.exclusion_text(name, self.scored_runs(), what=f"{name} converged")

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


# ------------------------------------------------------------------------------------------ this run's models

def run_standard(ctx: Context) -> pd.DataFrame:
    """This run's standard training (its ``standard_variant``) with its models at birth."""
    m = ctx.rm
    return D.standard_family(m, standard_variant=ctx.standard_variant) if len(m) else m


def run_births(ctx: Context, init: str, trained: str) -> pd.DataFrame:
    """This run's scored models at birth of the family ``init`` × ``trained``."""
    m = ctx.rm
    if m.empty:
        return m
    fam = D.family(m, init, trained) if (init, trained) != ("kn", "all") else run_standard(ctx)
    return fam[fam["birth"] & fam["rel_bp"].notna()]


def run_converged(ctx: Context, init: str, trained: str) -> pd.DataFrame:
    """This run's scored last checkpoints on all images of the family ``init`` × ``trained``."""
    m = ctx.rm
    if m.empty:
        return m
    fam = D.family(m, init, trained, include_birth=False)
    return fam[fam["converged"].astype(bool) & fam["full_data"].astype(bool) & fam["rel_bp"].notna()]


def mean_of(df: pd.DataFrame, col: str) -> float | None:
    """The mean of a column over the rows that have it; None for none."""
    v = df[col].dropna() if len(df) and col in df else pd.Series(dtype=float)
    return float(v.mean()) if len(v) else None


def ids_text(df: pd.DataFrame) -> str:
    """The first four model ids of the rows, and their count when there are more."""
    ids = sorted(df["model_id"])
    return ", ".join(ids[:4]) + (f" … ({len(ids)} models)" if len(ids) > 4 else "")
