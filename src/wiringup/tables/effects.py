"""Named effects over seeds (rule ``effects``; config key ``effects``, :mod:`wiringup.plan.effects`).

Each effect compares two groups of scored models, one model per seed in each (e.g. Critical vs Downstream
Training after 2 epochs, 3 + 3 seeds), with the statistics of the WC tests
(:func:`wiringup.tables.wc_stats.compare_selected`: Welch t-test, exact permutation test, Hedges' g, means ±
s.e.m.; per region, on the mean over regions, per benchmark; an undefined score counts as 0 and is counted).
Outputs: ``results/tables/effects.csv`` (:data:`EFFECTS_COLUMNS`, the WC statistics columns with ``effect``,
``model_a``, ``model_b`` in place of ``comparison``, ``init_a``, ``init_b``) and
``results/stats/effects/<name>.json`` (``format: wiringup-effects``: the rows with the per-seed scores). Torch-free.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from wiringup.core.io import WiringupError
from wiringup.tables.statistics import N_RESAMPLES
from wiringup.tables.wc_stats import WC_STATS_COLUMNS, compare_selected, write_outputs

RENAME = {"comparison": "effect", "init_a": "model_a", "init_b": "model_b"}
EFFECTS_COLUMNS = [RENAME.get(c, c) for c in WC_STATS_COLUMNS]


def select(table: pd.DataFrame, models: Sequence[str], seeds: Sequence[int], what: str) -> pd.DataFrame:
    """The score rows of ``models`` (model ids), their ``seed`` column set to the group's seeds; every model
    must have scores (else an error naming them and the rule to run)."""
    if "model_id" not in table.columns:
        raise WiringupError(f"{what}: the score table has no column 'model_id'; pass results/tables/scores.csv")
    scored = set(table["model_id"])
    missing = [m for m in models if m not in scored]
    if missing:
        raise WiringupError(f"{what}: no scores of {missing[:4]} in the score table; score them "
                            f"(`snakemake results/tables/scores.csv`) or change config key effects")
    rows = table[table["model_id"].isin(models)].copy()
    rows["seed"] = rows["model_id"].map(dict(zip(models, (int(s) for s in seeds))))
    return rows


def compare_effect(table: pd.DataFrame, effect: Mapping[str, Any], *, n_resamples: int = N_RESAMPLES
                   ) -> list[dict[str, Any]]:
    name = effect["name"]
    a = select(table, effect["a"]["models"], effect["a"]["seeds"], f"effect {name} (a)")
    b = select(table, effect["b"]["models"], effect["b"]["seeds"], f"effect {name} (b)")
    rows = compare_selected(a, b, comparison=name, label_a=effect["a"]["model"], label_b=effect["b"]["model"],
                            regions=effect["regions"], n_resamples=n_resamples)
    return [{RENAME.get(k, k): v for k, v in r.items()} for r in rows]


def run(table: pd.DataFrame, effects: Sequence[Mapping[str, Any]], table_path: str | Path,
        json_paths: Mapping[str, str | Path], *, extra: Mapping[str, Any] | None = None,
        n_resamples: int = N_RESAMPLES) -> pd.DataFrame:
    results = {e["name"]: compare_effect(table, e, n_resamples=n_resamples) for e in effects}
    return write_outputs(results, table_path, json_paths, extra=extra, columns=EFFECTS_COLUMNS,
                         fmt="wiringup-effects")
