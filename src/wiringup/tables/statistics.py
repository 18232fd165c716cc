"""Statistics over seeds: is one group of models (e.g. WC at birth) better than another (e.g. KN at birth)?

The paper (Sec. 4, Fig. 2C) compares n = 10 seeds of weight-compressed models with n = 10 Kaiming-Normal seeds
and reports a permutation test (p < 1e-5); the reproduction report used a t-test. Both are computed here with
:mod:`scipy.stats`, two-sided, on per-seed scores:

* **Welch's t-test** (``scipy.stats.ttest_ind(equal_var=False)``): no equal-variance assumption.
* **Permutation test** of the difference in means (``scipy.stats.permutation_test``, ``permutation_type=
  'independent'``): exact when the number of distinct relabelings is at most ``n_resamples`` (10 vs 10 seeds:
  C(20, 10) = 184,756 < the default 200,000, so the default is exact and its smallest possible p is
  2 / 184,756 ≈ 1.1e-5 two-sided); otherwise ``n_resamples`` random relabelings drawn with ``seed``.
* **Effect size**: Hedges' g (Cohen's d with the pooled standard deviation, small-sample corrected).
* Means ± s.e.m. (``scipy.stats.sem``, ddof = 1) per group.

:func:`compare` returns one JSON-ready dict per comparison; :func:`compare_table` runs it per region (and for
the mean over regions, computed per seed first) from a tidy score table.
"""
from __future__ import annotations

import math
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from wiringup.core.io import WiringupError

N_RESAMPLES = 200_000
STATS_COLUMNS = ["comparison", "region", "label_a", "label_b", "n_a", "n_b", "mean_a", "sem_a", "mean_b", "sem_b",
                 "difference", "relative_difference", "welch_t", "welch_df", "welch_p", "permutation_p",
                 "permutation_exact", "hedges_g", "alternative"]


def _clean(values: Iterable[float], label: str) -> np.ndarray:
    a = np.asarray(list(values), dtype=float)
    if a.ndim != 1:
        raise WiringupError(f"{label}: expected one score per seed, got an array of shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise WiringupError(f"{label}: {int((~np.isfinite(a)).sum())} of {a.size} scores are NaN or infinite; "
                            "a missing score must not enter a test silently (rescore or drop the seed explicitly)")
    if a.size < 2:
        raise WiringupError(f"{label}: {a.size} seed(s); a test over seeds needs at least 2 per group")
    return a


def hedges_g(a: np.ndarray, b: np.ndarray) -> float:
    """Standardised difference in means (a − b) / pooled sd, times the small-sample correction J."""
    na, nb = len(a), len(b)
    pooled = math.sqrt(((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2))
    if pooled == 0:
        return math.inf * np.sign(a.mean() - b.mean()) if a.mean() != b.mean() else 0.0
    j = 1 - 3 / (4 * (na + nb) - 9)
    return float(j * (a.mean() - b.mean()) / pooled)


def compare(a: Sequence[float], b: Sequence[float], *, label_a: str = "a", label_b: str = "b",
            n_resamples: int = N_RESAMPLES, seed: int = 0, alternative: str = "two-sided") -> dict[str, Any]:
    """Compare per-seed scores ``a`` against ``b``: means ± s.e.m., Welch t-test, permutation test, Hedges' g.

    ``difference`` is mean(a) − mean(b); ``relative_difference`` that divided by mean(b) (None if mean(b) is 0).
    """
    a, b = _clean(a, label_a), _clean(b, label_b)
    if alternative not in ("two-sided", "greater", "less"):
        raise WiringupError(f"alternative must be two-sided, greater or less, not {alternative!r}")
    welch = stats.ttest_ind(a, b, equal_var=False, alternative=alternative)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1)) if va + vb > 0 else float("nan")
    n_distinct = math.comb(len(a) + len(b), len(a))
    perm = stats.permutation_test((a, b), lambda x, y, axis: np.mean(x, axis=axis) - np.mean(y, axis=axis),
                                  permutation_type="independent", vectorized=True, n_resamples=n_resamples,
                                  alternative=alternative, random_state=np.random.default_rng(seed))
    mb = float(b.mean())
    return {
        "label_a": label_a, "label_b": label_b, "n_a": int(len(a)), "n_b": int(len(b)),
        "mean_a": float(a.mean()), "sem_a": float(stats.sem(a)), "mean_b": mb, "sem_b": float(stats.sem(b)),
        "difference": float(a.mean() - mb),
        "relative_difference": float((a.mean() - mb) / mb) if mb != 0 else None,
        "welch_t": float(welch.statistic), "welch_df": float(df), "welch_p": float(welch.pvalue),
        "permutation_p": float(perm.pvalue), "permutation_exact": bool(n_distinct <= n_resamples),
        "permutation_resamples": int(min(n_distinct, n_resamples)),
        "hedges_g": hedges_g(a, b), "alternative": alternative,
        "scores_a": a.tolist(), "scores_b": b.tolist(),
    }


def compare_table(table: pd.DataFrame, select_a: dict[str, Any], select_b: dict[str, Any], *, comparison: str,
                  regions: Sequence[str] | None = None, label_a: str = "a", label_b: str = "b",
                  value: str = "score", n_resamples: int = N_RESAMPLES, seed: int = 0) -> list[dict[str, Any]]:
    """Per-region comparisons (and ``region='mean'``: the per-seed mean over ``regions``) of two groups of rows.

    ``select_a`` / ``select_b`` are column → value filters of the tidy score table (e.g. ``{"init": "wc",
    "epoch": 0}``); each group must have exactly one row per (seed, region). Rows of regions not in ``regions``
    (default: every region present in both groups, ImageNet excluded) are ignored. A seed that lacks a region
    is an error, not a silent drop.
    """
    groups = {}
    for label, sel in ((label_a, select_a), (label_b, select_b)):
        rows = table
        for k, v in sel.items():
            if k not in rows.columns:
                raise WiringupError(f"{comparison}: the score table has no column {k!r} (columns: {list(table.columns)})")
            rows = rows[rows[k] == v]
        if rows.empty:
            raise WiringupError(f"{comparison}: no score rows match {label} = {sel}")
        dup = rows.duplicated(["seed", "region"])
        if dup.any():
            raise WiringupError(f"{comparison}: {label} = {sel} has several rows per (seed, region), e.g. "
                                f"{rows[dup][['model_id', 'region']].head(3).to_dict('records')}; make the selection "
                                "unique (add benchmark_id or variant)")
        groups[label] = rows.pivot(index="seed", columns="region", values=value)
    if regions is None:
        regions = [r for r in groups[label_a].columns if r in groups[label_b].columns and r != "imagenet"]
    out = []
    for label, g in groups.items():
        missing = [r for r in regions if r not in g.columns or g[r].isna().any()]
        if missing:
            raise WiringupError(f"{comparison}: {label} lacks scores for region(s) {missing} in some seed(s); "
                                "rescore them or pass the regions to compare")
    for region in list(regions) + ["mean"]:
        va = groups[label_a][list(regions)].mean(axis=1) if region == "mean" else groups[label_a][region]
        vb = groups[label_b][list(regions)].mean(axis=1) if region == "mean" else groups[label_b][region]
        row = compare(va.to_numpy(), vb.to_numpy(), label_a=label_a, label_b=label_b, n_resamples=n_resamples,
                      seed=seed)
        out.append({"comparison": comparison, "region": region, **row})
    return out
