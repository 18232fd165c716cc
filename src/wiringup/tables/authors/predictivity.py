"""Brain predictivity of the authors' models: the mean over the five brain benchmarks, and their 100 %.

Aggregation
-----------
The authors (``benchmark/database.py``) average duplicate rows and count a missing or NULL benchmark as 0
when averaging the five brain benchmarks. Here the choice is explicit: ``missing="nan"`` (our default) keeps a
missing/NULL score missing, so a model lacking a benchmark has no brain predictivity (and ``n_regions`` says
how many it has); ``missing="zero"`` reproduces the authors.
:func:`wiringup.tables.authors.headline.headline_numbers` always uses the authors' rule, since its purpose
is to reproduce their numbers.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd

from wiringup.core.io import WiringupError, atomic_path
from wiringup.plan.ids import REGIONS
from wiringup.tables.authors.database import AUTHORS_BENCHMARKS, check_missing
from wiringup.tables.authors.runs import converged_ids
# Runs the authors average for the 100 % normaliser (§7.1): CORnet-S_full s0 epoch 43 and s42 epoch 29, i.e. the
# runs of their inclusion list (model_versions) at the epochs of their convergence table.
NORMALISER_IDS = tuple(converged_ids("CORnet-S_full"))

_FACTOR_COLS = ["family", "config", "init", "init_known", "init_scope", "trained", "images", "full_data",
                "epoch", "seed", "lr", "weight_decay", "optimizer", "con2", "transfer_mapping",
                "id_without_epoch", "parsed", "supervised_updates", "supervised_updates_authors", "backend"]


def brain_predictivity(table: pd.DataFrame, regions: Iterable[str] = REGIONS, missing: str = "nan", *,
                       public: bool = False, benchmarks: dict[str, str] | None = None) -> pd.DataFrame:
    """Per model id, the mean score over the brain benchmarks of ``regions``.

    Which benchmark stands for a region is explicit: ``benchmarks`` (region → benchmark id) or, by default,
    the authors' private set (``public=False``: FreemanZiemba2013 V1/V2, Majaj2015 V4/IT, Rajalingham2018
    i2n) or public set (``public=True``). Other benchmarks (Kar2019-ost, MajajHong2015 renames) are ignored.

    ``missing`` decides what a missing or NULL benchmark does, and is recorded in the column ``missing``:

    * ``"nan"`` (our default): the brain predictivity is NaN unless every region is scored;
    * ``"zero"``: the authors' rule (§7.1): a missing/NULL benchmark counts as 0, the mean is over all regions.

    Columns: ``model_id``, one per region, ``imagenet`` (not in the mean), ``n_regions`` (regions with a
    score), ``brain_predictivity``, ``missing``, ``benchmark_set`` and the decoded factors. Every model id of
    the table gets a row (one without any selected benchmark: ``n_regions=0``).
    """
    check_missing(missing)
    regions = list(regions)
    if benchmarks is None:
        benchmarks = AUTHORS_BENCHMARKS[bool(public)]
        set_name = "authors-public" if public else "authors-private"
    else:
        set_name = "custom"
    unknown = [r for r in regions if r not in benchmarks]
    if unknown:
        raise WiringupError(f"brain_predictivity: no benchmark given for regions {unknown}")
    cols = regions + (["imagenet"] if "imagenet" in benchmarks and "imagenet" not in regions else [])
    by_bench = {benchmarks[r]: r for r in cols}
    sel = table[table["benchmark_id"].isin(list(by_bench))]
    if sel.empty:
        raise WiringupError(f"brain_predictivity: none of the benchmarks {sorted(by_bench)} is in the table; "
                            + ("pass public=True for the public database" if not public else
                               "pass public=False for the private database"))
    wide = sel.assign(_r=sel["benchmark_id"].map(by_bench)).pivot_table(
        index="model_id", columns="_r", values="score", aggfunc="mean", dropna=False)
    models = pd.Index(sorted(table["model_id"].unique()), name="model_id")
    wide = wide.reindex(index=models, columns=cols)
    scored = wide[regions].notna()
    out = pd.DataFrame(index=models)
    for c in cols:
        out[c] = wide[c]
    out["n_regions"] = scored.sum(axis=1).astype(int)
    if missing == "zero":
        out["brain_predictivity"] = wide[regions].fillna(0.0).mean(axis=1)
    else:
        out["brain_predictivity"] = wide[regions].mean(axis=1).where(scored.all(axis=1))
    out["missing"] = missing
    out["benchmark_set"] = set_name
    factors = [c for c in _FACTOR_COLS if c in table.columns]
    if factors:
        f = table.drop_duplicates("model_id").set_index("model_id")[factors]
        out = out.join(f)
    return out.reset_index()


def authors_run_average(bp: pd.DataFrame, model_ids: Iterable[str],
                        regions: Iterable[str] = REGIONS) -> dict[str, Any]:
    """The authors' ``load_error_bared`` average of several runs (§7.1), from a ``missing="zero"`` table.

    As in ``benchmark/database.py::load_error_bared``: a run counts if any of its scores (the ``regions`` and, where
    the table has it, ImageNet) is > 0; per region the counted runs are averaged with a missing score as 0 and a
    negative score as it is (0 if no run counts); the result is the mean over regions. Ids absent from ``bp`` count
    as all-zero runs, so they drop out. Returns ``{"value", "per_region", "per_run", "model_ids", "absent"}``.
    """
    regions = list(regions)
    ids = list(model_ids)
    idx = bp.set_index("model_id")
    absent = [m for m in ids if m not in idx.index]
    rows = idx.reindex(ids)[regions].fillna(0.0)
    extra = ["imagenet"] if "imagenet" in idx.columns and "imagenet" not in regions else []
    counted = (idx.reindex(ids)[regions + extra].fillna(0.0) > 0).any(axis=1)
    per_region = {}
    for r in regions:
        v = rows.loc[counted.to_numpy(), r]
        per_region[r] = float(v.mean()) if len(v) else 0.0
    return {"value": float(np.mean(list(per_region.values()))), "per_region": per_region,
            "per_run": {m: float(rows.loc[m].mean()) for m in ids}, "model_ids": ids, "absent": absent}


def normaliser(table: pd.DataFrame, model_ids: Iterable[str] = NORMALISER_IDS) -> float:
    """The authors' 100 %: mean over the 5 brain benchmarks of the run average of ``CORnet-S_full``
    (s0 epoch 43, s42 epoch 29) on the private benchmarks, with their aggregation (= 0.42150)."""
    bp = brain_predictivity(table, missing="zero")
    res = authors_run_average(bp, model_ids)
    if res["absent"]:
        raise WiringupError(f"normaliser: model ids {res['absent']} are not in the score table; "
                            "use the authors' private scores.sqlite")
    return res["value"]


def write_brain_predictivity(table: pd.DataFrame, path: str | Path, *, missing: str = "nan") -> pd.DataFrame:
    """Write the per-model brain predictivity of a tidy table (its benchmark set: private or public) as CSV."""
    public = bool(table["public"].astype(bool).all()) if "public" in table.columns and len(table) else False
    bp = brain_predictivity(table, missing=missing, public=public)
    with atomic_path(path) as tmp:
        bp.to_csv(tmp, index=False)
    return bp
