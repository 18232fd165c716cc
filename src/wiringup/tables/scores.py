"""Score JSON files and the tidy score table.

Score JSON (one per model × benchmark, ``results/scores/<benchmark>/<model_id>.json``)::

    {"format": "wiringup-score", "version": 1,
     "model_id": "standard/n500_seed0/epoch_01", "benchmark_id": "Cowley2023.210325.V4-pls",
     "backend": "local", "region": "V4", "layer": "V4.output-t0",
     "score": 0.41,            # ceiled score (raw / ceiling); null when the benchmark has no ceiling
     "raw": 0.30, "ceiling": 0.73, "error": 0.02, "per_split": [...],
     "n_stimuli": 640, "n_neuroids": 50, "seconds": 3.2,
     "benchmark": {"description": ..., "citation": ...},
     "model": {"variant": ..., "init": ..., "images": 500, "epoch": 1.0, "seed": 0, "supervised_updates": 500.0,
               "synaptic_updates": ..., "images_seen": ..., "step": ..., "trained_conv_weights": ...},
     "provenance": {...}}

The tidy table (``results/tables/scores.csv``) has one row per model × benchmark with the columns in
:data:`TABLE_COLUMNS`; figures read only this table.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from wiringup.core.io import WiringupError, atomic_path, read_json, rebuild_advice, write_json
from wiringup.plan.figures import RUN_LABEL

FORMAT = "wiringup-score"
VERSION = 1
# The model's factors a score row carries. The vocabulary of ``init`` (kn, wc, mixture_gaussian, kernel_normal,
# no_gabor, ...) and ``trained`` (all, ct, ct_v2, ct_v4, dt_v4, dt_it, decoder, conv1*, batchnorm*; None at birth)
# is the one wiringup.tables.authors decodes the authors' model ids into, so our runs and theirs share figures.
MODEL_FIELDS = ["arch", "width", "variant", "init", "trained", "optimizer", "lr", "weight_decay", "images", "epoch",
                "seed", "supervised_updates", "synaptic_updates", "images_seen", "step", "trained_conv_weights"]
TABLE_COLUMNS = (["source", "model_id", "benchmark_id", "backend", "region", "layer", "score", "raw", "ceiling",
                  "error", "n_stimuli", "n_neuroids"] + MODEL_FIELDS + ["seconds"])
SOURCE = RUN_LABEL  # the `source` column of this run's rows (wiringup.plan.figures.SOURCES)
log = logging.getLogger(__name__)


def model_fields(meta: dict[str, Any], model_config: dict[str, Any] | None = None) -> dict[str, Any]:
    """The model facts a score row carries, from a checkpoint's meta (and its model config: arch, width).

    ``trained`` is the meta's trained-layer set name; a trained checkpoint without one trained every layer
    ("all"); a model at birth (epoch 0, no variant) has None. ``optimizer``/``lr``/``weight_decay`` come from
    the recorded training recipe (None at birth).
    """
    simple = [k for k in MODEL_FIELDS if k not in ("arch", "width", "trained", "optimizer", "lr", "weight_decay",
                                                     "trained_conv_weights")]
    out = {k: meta.get(k) for k in simple}
    # A trained model's init in the authors' vocabulary: trained from a sampled init named e.g. `wc_ct` (WC with
    # norm3 BN at defaults) is `wc`. Models at birth keep their init name (the WC statistics select by it).
    if meta.get("variant") and meta.get("wc_method"):
        out["init"] = meta["wc_method"]
    model_config = model_config or {}
    out["arch"] = model_config.get("arch", meta.get("arch"))
    out["width"] = model_config.get("width", meta.get("width"))
    recipe = meta.get("recipe") or {}
    trained = meta.get("trained")
    if trained is None and recipe:
        trained = "all" if recipe.get("trained_layers") is None else "custom"
    out["trained"] = trained
    out["optimizer"], out["lr"], out["weight_decay"] = (recipe.get("optimizer"), recipe.get("lr"),
                                                        recipe.get("weight_decay"))
    out["trained_conv_weights"] = (meta.get("trained_parameters") or {}).get("conv_weights")
    return out


def read_score(path: str | Path) -> dict[str, Any]:
    rec = read_json(path)
    if not isinstance(rec, dict) or rec.get("format") != FORMAT:
        raise WiringupError(f"{path}: not a wiringup score file (no '{FORMAT}' format key); {rebuild_advice(path)}")
    if rec.get("version") != VERSION:
        raise WiringupError(f"{path}: score file version {rec.get('version')} is not supported ({VERSION})")
    return rec


def score_row(rec: dict[str, Any]) -> dict[str, Any]:
    row = {k: rec.get(k) for k in TABLE_COLUMNS if k not in MODEL_FIELDS}
    row["source"] = SOURCE
    row.update({k: (rec.get("model") or {}).get(k) for k in MODEL_FIELDS})
    return row


def write_score_table(paths: list[str], out_path: str) -> pd.DataFrame:
    table = pd.DataFrame([score_row(read_score(p)) for p in paths], columns=TABLE_COLUMNS)
    table = table.sort_values(["benchmark_id", "model_id"]).reset_index(drop=True)
    with atomic_path(out_path) as tmp:
        table.to_csv(tmp, index=False)
    return table


def unceiled_benchmarks(table: pd.DataFrame, regions: Iterable[str] | None = None) -> list[str]:
    """Benchmarks (of ``regions``, when given) reported raw only: no row has a ceiled ``score`` and some row has a
    ``raw`` value, e.g. a Cowley session with trial averages only (ceiling scheme ``none``). Sorted ids."""
    rows = table if regions is None else table[table["region"].isin(list(regions))]
    if rows.empty or "raw" not in rows.columns:
        return []
    by = rows.groupby("benchmark_id")
    scored, has_raw = by["score"].apply(lambda s: s.notna().any()), by["raw"].apply(lambda s: s.notna().any())
    return sorted(b for b in scored.index if not scored[b] and has_raw[b])


def exclude_unceiled(table: pd.DataFrame, regions: Iterable[str], where: str = "brain predictivity"
                     ) -> tuple[pd.DataFrame, list[str]]:
    """``table`` without the rows of :func:`unceiled_benchmarks` of ``regions``, and their ids; a warning in the
    log names them (``where``: what leaves them out), so that an unceiled benchmark never blanks a region mean."""
    excluded = unceiled_benchmarks(table, regions)
    if excluded:
        log.warning("%s: benchmark(s) %s have no ceiling (reported raw, unceiled) and are left out of the ceiled "
                    "region means", where, ", ".join(excluded))
    return table[~table["benchmark_id"].isin(excluded)], excluded


def undefined_rows(table: pd.DataFrame) -> pd.Series:
    """Rows whose score is undefined for the model, not missing: the benchmark has a positive ceiling, but the
    model's raw value is NaN (e.g. an RSA model matrix undefined because a degenerate at-birth model has constant
    features at the region's layer, or no unit passes Coggan's selection; the score JSON's ``notes`` say which)."""
    if table.empty or not {"raw", "ceiling", "score"} <= set(table.columns):
        return pd.Series(False, index=table.index)
    ceiling = pd.to_numeric(table["ceiling"], errors="coerce")
    return table["score"].isna() & pd.to_numeric(table["raw"], errors="coerce").isna() & (ceiling > 0)


def region_score_rows(table: pd.DataFrame, regions: Iterable[str], where: str = "brain predictivity"
                      ) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The rows that enter ceiled region means, with the two rules every mean (aggregate table, figures, WC
    statistics) shares: unceiled benchmarks are left out (:func:`exclude_unceiled`), and an undefined score
    (:func:`undefined_rows`) counts as 0, the ceiled score of a model matrix without any stimulus structure, so
    that a degenerate model is scored low rather than dropped (dropping it would favour the init that produces
    it). Each substitution is logged with a warning naming the models and benchmarks, and returned: (rows,
    unceiled benchmark ids, ``"<model_id>|<benchmark_id>"`` of each undefined score set to 0)."""
    regions = list(regions)
    kept, unceiled = exclude_unceiled(table, regions, where)
    undefined = undefined_rows(kept) & kept["region"].isin(regions)
    zeroed = sorted(f"{m}|{b}" for m, b in zip(kept.loc[undefined, "model_id"], kept.loc[undefined, "benchmark_id"]))
    if zeroed:
        log.warning("%s: %d undefined score(s) (raw NaN under a positive ceiling: a degenerate model matrix) count "
                    "as 0 in the region means: %s", where, len(zeroed), ", ".join(zeroed[:10])
                    + (" ..." if len(zeroed) > 10 else ""))
        kept = kept.copy()
        kept.loc[undefined, "score"] = 0.0
    return kept, unceiled, zeroed


def brain_predictivity(table: pd.DataFrame, regions: list[str]) -> pd.DataFrame:
    """Per model: the mean over ``regions`` of each region's mean ceiled score (ImageNet is never a region).

    Only regions that have at least one ceiled benchmark in the table count (listed in ``regions_scored``); a
    model lacking a ceiled score for any benchmark of those regions gets NaN, never a zero (the authors' code
    counted a missing benchmark as 0; AUTHORS_CODE_FACTS.md §7.1). Unceiled benchmarks (:func:`exclude_unceiled`:
    no ceiling anywhere, e.g. trial averages only) never blank a region: they are left out of the means with a
    warning in the log, named in ``unceiled_excluded`` (comma-separated; empty when none) and reported raw in a
    column ``raw:<benchmark_id>`` each. An undefined score (:func:`region_score_rows`) counts as 0, its benchmark
    named in the model's ``undefined_as_zero``. With every benchmark ceiled and defined the values are those of
    the means alone.
    """
    neural_all = table[table["region"].isin(regions)]
    neural, excluded, zeroed = region_score_rows(neural_all, regions)
    covered = [r for r in regions if r in set(neural["region"])]
    benches = sorted(neural["benchmark_id"].unique())
    models = pd.Index(sorted(neural_all["model_id"].unique()), name="model_id")
    wide = neural.pivot_table(index="model_id", columns="benchmark_id", values="score", aggfunc="mean",
                              dropna=False).reindex(index=models, columns=benches)
    region_of = neural.drop_duplicates("benchmark_id").set_index("benchmark_id")["region"]
    per_region = pd.DataFrame({r: wide[[b for b in benches if region_of[b] == r]].mean(axis=1, skipna=False)
                               for r in covered}, index=models)
    out = per_region.copy()
    out["brain_predictivity"] = per_region.mean(axis=1, skipna=False)
    out["regions_scored"] = ",".join(covered)
    out["n_benchmarks"] = wide.notna().sum(axis=1)
    out["unceiled_excluded"] = ",".join(excluded)
    out["undefined_as_zero"] = [",".join(z.split("|", 1)[1] for z in zeroed if z.split("|", 1)[0] == m)
                                for m in out.index]
    for b in excluded:
        out[f"raw:{b}"] = neural_all[neural_all["benchmark_id"] == b].groupby("model_id")["raw"].mean()
    facts = table.drop_duplicates("model_id").set_index("model_id")[MODEL_FIELDS]
    return out.join(facts).reset_index().sort_values("model_id").reset_index(drop=True)


def read_score_table(path: str | Path) -> pd.DataFrame:
    try:
        table = pd.read_csv(path)
    except FileNotFoundError:
        raise WiringupError(f"{path}: score table not found; run `snakemake results/tables/scores.csv`") from None
    missing = [c for c in TABLE_COLUMNS if c not in table.columns]
    if missing:
        raise WiringupError(f"{path}: not a score table (missing columns {missing})")
    return table
