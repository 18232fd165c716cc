"""At-birth statistics of Weight Compression (paper Sec. 4, Fig. 2C, Fig. 7): is a compressed initialisation
better than Kaiming Normal before any training?

Input is a tidy score table (``results/tables/scores.csv``, or rows built from score JSONs with
:func:`table_from_score_files`). A *group* is the models at birth (``epoch == 0``) of one ``init`` and a list of
seeds. Per model, each region's score is the mean of that region's benchmarks (ImageNet top-1 is never a region);
``mean`` is the per-seed mean over the compared regions (the brain predictivity when every region is scored).
:func:`compare_groups` runs :func:`wiringup.tables.statistics.compare` (Welch t-test, exact permutation test, Hedges' g,
means ± s.e.m.) on

* ``level = "region"``: each region (mean of its benchmarks),
* ``level = "mean"``: the mean over regions,
* ``level = "benchmark"``: each benchmark on its own (``region`` then holds the benchmark id), so that two
  benchmarks of one region (e.g. the local Cowley 2023 V4 and the MajajHong2015 slice V4) are also reported apart.

A group lacking a score for a compared region in some seed, or lacking a seed, is an error naming it (a missing
score never silently drops a seed). An *undefined* score (raw NaN under a positive ceiling: a degenerate model
matrix) is not missing: it counts as 0, as in every region mean (:func:`wiringup.tables.scores.region_score_rows`),
logged, and counted per row in ``undefined_as_zero``. Torch-free; used by the rules ``wc_stats`` and
``wc_authors_test``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from wiringup.core.io import WiringupError, atomic_path, write_json
from wiringup.plan.ids import REGIONS
from wiringup.tables.statistics import N_RESAMPLES, STATS_COLUMNS, compare

#: Columns of the WC statistics tables (``results/tables/wc_stats.csv``, ``wc_authors_test.csv``).
WC_STATS_COLUMNS = (["comparison", "level"] + STATS_COLUMNS[1:2] + ["benchmarks"] + STATS_COLUMNS[2:]
                    + ["init_a", "init_b", "seeds_a", "seeds_b", "undefined_as_zero"])


def comparison_name(init: str, control: str) -> str:
    return f"{init}_vs_{control}_at_birth"


def at_birth(table: pd.DataFrame, init: str, seeds: Sequence[int] | None = None, *,
             what: str = "", arch: str = "cornet_s") -> pd.DataFrame:
    """The score rows of the ``arch`` models at birth of ``init`` (``epoch == 0``), restricted to ``seeds``; every
    seed must be present (else an error naming the init, the missing seeds and the models to score). ``arch``
    keeps the transfer models at birth out (ResNet-50 / MobileNet ``kn`` and ``wc`` share the init names); rows
    without an arch (tables written before the column existed) count as CORnet-S."""
    for col in ("init", "epoch", "seed", "region", "benchmark_id", "score"):
        if col not in table.columns:
            raise WiringupError(f"{what or 'score table'}: no column {col!r}; pass results/tables/scores.csv")
    same_arch = table["arch"].fillna("cornet_s") == arch if "arch" in table.columns else True
    rows = table[(table["init"] == init) & (pd.to_numeric(table["epoch"], errors="coerce") == 0) & same_arch]
    if seeds is not None:
        seeds = [int(s) for s in seeds]
        rows = rows[rows["seed"].isin(seeds)]
        missing = sorted(set(seeds) - set(int(s) for s in rows["seed"].dropna()))
        if missing:
            raise WiringupError(
                f"{what or 'score table'}: no scores of init {init!r} at birth for seed(s) {missing}; score "
                f"results/models/init/{init}/seed<S>.pt (weight_compression.at_birth) or change the seeds")
    return rows


def region_rows(rows: pd.DataFrame, regions: Iterable[str] | None = None) -> tuple[pd.DataFrame, dict[str, list]]:
    """Per (seed, region): the mean score of the region's benchmarks; and region -> its benchmarks."""
    neural = rows[rows["region"].isin(list(regions) if regions is not None else REGIONS)]
    benches = {r: sorted(neural.loc[neural["region"] == r, "benchmark_id"].unique())
               for r in REGIONS if r in set(neural["region"])}
    agg = (neural.groupby(["seed", "region"])["score"]
           .agg(lambda s: s.mean() if s.notna().all() else np.nan).reset_index())
    return agg, benches


def _wide(rows: pd.DataFrame, key: str, label: str, comparison: str) -> pd.DataFrame:
    dup = rows.duplicated(["seed", key])
    if dup.any():
        ex = rows[dup][["seed", key]].head(3).to_dict("records")
        raise WiringupError(f"{comparison}: {label} has several rows per (seed, {key}), e.g. {ex}; the selection "
                            "is ambiguous (two models of one init and seed?)")
    return rows.pivot(index="seed", columns=key, values="score")


def compare_groups(table: pd.DataFrame, *, comparison: str, init_a: str, seeds_a: Sequence[int], init_b: str,
                   seeds_b: Sequence[int], regions: Sequence[str] | None = None, per_benchmark: bool = True,
                   n_resamples: int = N_RESAMPLES, seed: int = 0) -> list[dict[str, Any]]:
    """Rows of one comparison (module doc): ``init_a`` at birth vs ``init_b`` at birth."""
    return compare_selected(at_birth(table, init_a, seeds_a, what=comparison),
                            at_birth(table, init_b, seeds_b, what=comparison), comparison=comparison,
                            label_a=init_a, label_b=init_b, regions=regions, per_benchmark=per_benchmark,
                            n_resamples=n_resamples, seed=seed)


def compare_selected(rows_a: pd.DataFrame, rows_b: pd.DataFrame, *, comparison: str, label_a: str, label_b: str,
                     regions: Sequence[str] | None = None, per_benchmark: bool = True,
                     n_resamples: int = N_RESAMPLES, seed: int = 0) -> list[dict[str, Any]]:
    """Rows of one comparison of two groups of score rows, one model per seed in each (module doc; the
    ``init_a`` / ``init_b`` columns hold ``label_a`` / ``label_b``). Used by :func:`compare_groups` and
    :mod:`wiringup.tables.effects`."""
    from wiringup.tables.scores import region_score_rows

    init_a, init_b = label_a, label_b
    # the rules of every region mean: unceiled benchmarks left out, an undefined score counts as 0 (both logged)
    a, _, zeroed_a = region_score_rows(rows_a, regions or REGIONS, where=comparison)
    b, _, zeroed_b = region_score_rows(rows_b, regions or REGIONS, where=comparison)
    zeroed = [z.split("|", 1)[1] for z in zeroed_a + zeroed_b]
    ra, benches_a = region_rows(a, regions)
    rb, benches_b = region_rows(b, regions)
    wa, wb = _wide(ra, "region", init_a, comparison), _wide(rb, "region", init_b, comparison)
    wanted = [r for r in (regions or REGIONS) if r in wa.columns and r in wb.columns]
    if not wanted:
        raise WiringupError(f"{comparison}: no region scored for both {init_a!r} and {init_b!r} "
                            f"({sorted(wa.columns)} vs {sorted(wb.columns)})")
    for label, w in ((init_a, wa), (init_b, wb)):
        bad = [r for r in wanted if w[r].isna().any()]
        if bad:
            raise WiringupError(f"{comparison}: {label} lacks scores for region(s) {bad} in seed(s) "
                                f"{sorted(w.index[w[bad].isna().any(axis=1)].tolist())}; rescore them")
    out = []

    def add(level, region, va, vb, benchmarks):
        row = compare(va, vb, label_a=init_a, label_b=init_b, n_resamples=n_resamples, seed=seed)
        out.append({"comparison": comparison, "level": level, "region": region,
                    "benchmarks": ",".join(benchmarks), **row, "init_a": init_a, "init_b": init_b,
                    "undefined_as_zero": sum(z in benchmarks for z in zeroed),
                    "seeds_a": ",".join(str(int(s)) for s in wa.index),
                    "seeds_b": ",".join(str(int(s)) for s in wb.index)})

    for r in wanted:
        add("region", r, wa[r].to_numpy(), wb[r].to_numpy(), benches_a.get(r, []))
    add("mean", "mean", wa[wanted].mean(axis=1).to_numpy(), wb[wanted].mean(axis=1).to_numpy(),
        sorted(set().union(*(benches_a.get(r, []) for r in wanted))))
    if per_benchmark:
        for r in wanted:
            for bench in benches_a.get(r, []):
                if bench not in benches_b.get(r, []):
                    continue
                xa = _wide(a[a["benchmark_id"] == bench], "benchmark_id", init_a, comparison)[bench]
                xb = _wide(b[b["benchmark_id"] == bench], "benchmark_id", init_b, comparison)[bench]
                if xa.isna().any() or xb.isna().any():
                    continue  # an unceiled benchmark (score NaN): left out of the region rows too
                add("benchmark", bench, xa.to_numpy(), xb.to_numpy(), [bench])
    return out


def run_comparisons(table: pd.DataFrame, comparisons: Sequence[Mapping[str, Any]], *,
                    regions: Sequence[str] | None = None, n_resamples: int = N_RESAMPLES
                    ) -> dict[str, list[dict[str, Any]]]:
    """``comparisons``: dicts with ``name``, ``a`` = {init, seeds}, ``b`` = {init, seeds}."""
    out = {}
    for c in comparisons:
        out[c["name"]] = compare_groups(table, comparison=c["name"], init_a=c["a"]["init"], seeds_a=c["a"]["seeds"],
                                        init_b=c["b"]["init"], seeds_b=c["b"]["seeds"], regions=regions,
                                        n_resamples=n_resamples)
    return out


def write_outputs(results: Mapping[str, list[dict[str, Any]]], table_path: str | Path,
                  json_paths: Mapping[str, str | Path], *, extra: Mapping[str, Any] | None = None,
                  columns: Sequence[str] = WC_STATS_COLUMNS, fmt: str = "wiringup-wc-stats") -> pd.DataFrame:
    """One JSON per comparison (every row with the per-seed scores) and one CSV of all rows (no score lists)."""
    rows = []
    for name, rs in results.items():
        if name not in json_paths:
            raise WiringupError(f"no output path for comparison {name!r}")
        write_json(json_paths[name], {"format": fmt, "comparison": name, "rows": rs, **dict(extra or {})})
        rows += rs
    df = pd.DataFrame(rows)
    for col in columns:
        if col not in df.columns:
            df[col] = np.nan
    df = df[list(columns)]
    with atomic_path(table_path) as tmp:
        df.to_csv(tmp, index=False)
    return df


def read_stats_table(path: str | Path) -> pd.DataFrame:
    try:
        df = pd.read_csv(path)
    except FileNotFoundError:
        raise WiringupError(f"{path}: statistics table not found; run `snakemake {path}`") from None
    missing = [c for c in ("comparison", "level", "region", "permutation_p", "welch_p") if c not in df.columns]
    if missing:
        raise WiringupError(f"{path}: not a WC statistics table (missing columns {missing})")
    return df


def table_from_score_files(paths: Iterable[str | Path]) -> pd.DataFrame:
    """A tidy score table from score JSONs (for models not in results/tables/scores.csv)."""
    from wiringup.tables.scores import TABLE_COLUMNS, read_score, score_row

    return pd.DataFrame([score_row(read_score(p)) for p in paths], columns=TABLE_COLUMNS)


def stars(p: float | None) -> str:
    """Significance marks: *** p<0.001, ** p<0.01, * p<0.05, n.s. otherwise."""
    if p is None or not np.isfinite(p):
        return ""
    return "***" if p < 1e-3 else "**" if p < 1e-2 else "*" if p < 0.05 else "n.s."
