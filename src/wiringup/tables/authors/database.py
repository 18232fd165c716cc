"""Reading the authors' SQLite score databases and building the tidy table (one row per model id × benchmark).

The authors published their raw scores as two SQLite files (``scores.sqlite``: the private Brain-Score
benchmarks, which back every figure and headline number of the paper; ``scores_public.sqlite``: the public
variants). Both hold one table::

    raw_scores(model, benchmark, batchnorm, score, modification, time)

``model`` is the architecture family (``CORnet-S``, ``resnet``, ``mobilenet``, ``pixels``, ``hmax`` ...),
``modification`` the full model id including the checkpoint epoch, ``score`` the ceiled Brain-Score
(``aggregation='center'``; NULL in a few rows), ``batchnorm`` is always 0 and ``time`` the scoring date.

:func:`read_raw` reads a file, :func:`tidy` averages duplicate rows, maps each benchmark to its region
(:func:`benchmark_region`), decodes the model ids (:mod:`wiringup.tables.authors.ids`) and counts supervised
updates; :func:`write_tidy` / :func:`read_tidy` store the result as CSV. ``missing`` (:data:`MISSING_POLICIES`)
decides whether a NULL score stays missing (``"nan"``) or counts as 0 (``"zero"``, the authors' rule).
"""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd

from wiringup.core.io import WiringupError, atomic_path
from wiringup.plan.figures import database_label
from wiringup.tables.authors.ids import decode_model_id
from wiringup.tables.scores import TABLE_COLUMNS

RAW_TABLE = "raw_scores"
RAW_COLUMNS = ["model", "benchmark", "batchnorm", "score", "modification", "time"]

FULL_IMAGENET = 1_281_167          # images in the ILSVRC-2012 training set
AUTHORS_FULL_IMAGES = 1_280_000    # what the authors use for "full" when counting updates (§5)

MISSING_POLICIES = ("nan", "zero")

# The benchmark of each region that the authors' brain predictivity averages (§6), private and public set.
AUTHORS_BENCHMARKS = {
    False: {"V1": "movshon.FreemanZiemba2013.V1-pls", "V2": "movshon.FreemanZiemba2013.V2-pls",
            "V4": "dicarlo.Majaj2015.V4-pls", "IT": "dicarlo.Majaj2015.IT-pls",
            "behavior": "dicarlo.Rajalingham2018-i2n", "imagenet": "fei-fei.Deng2009-top1"},
    True: {"V1": "movshon.FreemanZiemba2013public.V1-pls", "V2": "movshon.FreemanZiemba2013public.V2-pls",
           "V4": "dicarlo.Majaj2015public.V4-pls", "IT": "dicarlo.Majaj2015public.IT-pls",
           "behavior": "dicarlo.Rajalingham2018public-i2n"},
}
_CORE_IDS = {b for d in AUTHORS_BENCHMARKS.values() for b in d.values()}

# Benchmark id → region, for the 2020 identifiers, their public variants and the current brain-score names.
_REGION_PATTERNS = [
    (re.compile(r"FreemanZiemba2013(public)?\.V1-"), "V1"),
    (re.compile(r"FreemanZiemba2013(public)?\.V2-"), "V2"),
    (re.compile(r"Majaj(Hong)?2015(public)?\.V4-"), "V4"),
    (re.compile(r"Majaj(Hong)?2015(public)?\.IT-"), "IT"),
    (re.compile(r"Kar2019-ost"), "IT"),          # IT object-solution times; not one of the five (core=False)
    (re.compile(r"Rajalingham2018(public)?-i2n"), "behavior"),
    (re.compile(r"(Deng2009|ImageNet)-top1"), "imagenet"),
]


# --------------------------------------------------------------------------------------------------- reading

def read_raw(path: str | Path) -> pd.DataFrame:
    """Read the ``raw_scores`` table of one of the authors' SQLite files (read-only).

    Refuses, with a :class:`WiringupError` naming the file, a missing file, a file that is not SQLite, a file
    without ``raw_scores`` or one missing any of its columns.
    """
    path = Path(path)
    if not path.is_file():
        raise WiringupError(f"{path}: score database not found; point --db (or the config) at the authors' "
                            "scores.sqlite / scores_public.sqlite (shared data folder geiger2022/)")
    uri = f"file:{path.resolve().as_posix()}?mode=ro"
    try:
        con = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise WiringupError(f"{path}: cannot open as SQLite ({exc})") from None
    try:
        try:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type IN ('table','view')")}
        except sqlite3.DatabaseError as exc:
            raise WiringupError(f"{path}: not a readable SQLite database ({exc}); expected the authors' "
                                "scores.sqlite") from None
        if RAW_TABLE not in tables:
            raise WiringupError(f"{path}: has no table {RAW_TABLE!r} (tables: {sorted(tables) or 'none'}); "
                                "expected the authors' scores.sqlite or scores_public.sqlite")
        cols = [r[1] for r in con.execute(f"PRAGMA table_info({RAW_TABLE})")]
        missing = [c for c in RAW_COLUMNS if c not in cols]
        if missing:
            raise WiringupError(f"{path}: table {RAW_TABLE!r} lacks columns {missing} (has {cols}); "
                                "not the authors' score database format")
        raw = pd.read_sql_query(f"SELECT {', '.join(RAW_COLUMNS)} FROM {RAW_TABLE}", con)
    finally:
        con.close()
    raw["score"] = pd.to_numeric(raw["score"], errors="coerce")
    return raw


# ---------------------------------------------------------------------------------------------------- tidying

def benchmark_region(benchmark_id: str) -> str | None:
    """The region (V1, V2, V4, IT, behavior, imagenet) of a benchmark id; None when unknown."""
    for rx, region in _REGION_PATTERNS:
        if rx.search(benchmark_id):
            return region
    return None


def check_missing(missing: str) -> None:
    """Refuse a missing-score policy other than :data:`MISSING_POLICIES`."""
    if missing not in MISSING_POLICIES:
        raise WiringupError(f"missing={missing!r}: choose 'nan' (a missing/NULL score stays missing) or 'zero' "
                            "(the authors' rule: it counts as 0)")


def tidy(raw: pd.DataFrame, source: str, *, missing: str = "nan") -> pd.DataFrame:
    """One row per (model id, benchmark) from a :func:`read_raw` table.

    * Duplicate rows are averaged; ``n_duplicates`` is the number of raw rows behind the row (1 = no
      duplicate), ``n_null`` how many of them had a NULL score, ``duplicate_spread`` = max − min of the
      non-NULL scores (0 for a single row), so disagreeing reruns stay visible.
    * ``missing="nan"``: NULL scores are left out of the average (a row whose scores are all NULL has
      ``score`` NaN). ``missing="zero"``: a NULL counts as 0 (the authors' rule). In the shipped databases no
      (model, benchmark) mixes NULL and non-NULL rows, so the two differ only in NaN vs 0.
    * ``region`` from the benchmark id (both the 2020 and the public identifiers); ``public`` (bool):
      a public benchmark variant; ``core``: one of the benchmarks the authors' brain predictivity uses (§6).
    * ``backend = "authors-<source>"``; the decoded factors of :func:`decode_model_id`.
    * ``images`` is the exact image count (1,281,167 for full-data runs, ``full_data=True``; NaN for ids
      outside CORnet-S training and its transfers);
      ``supervised_updates`` = images × epoch (exact) and ``supervised_updates_authors`` = the authors'
      count (1.28e6 × epoch for full-data runs). Both are NaN for ids outside CORnet-S training and its
      transfers (pixels, hmax, the TF MobileNet with its nominal epoch 100, ...).

    The columns start with :data:`wiringup.tables.scores.TABLE_COLUMNS` (NaN where they have no meaning here:
    layer, raw, ceiling, error, n_stimuli, n_neuroids, variant, synaptic_updates, images_seen, step,
    trained_conv_weights, seconds), so the table concatenates with this pipeline's own score table.
    """
    check_missing(missing)
    missing_cols = [c for c in ("model", "benchmark", "score", "modification") if c not in raw.columns]
    if missing_cols:
        raise WiringupError(f"tidy(): the raw table lacks columns {missing_cols}; read it with read_raw()")
    df = raw.copy()
    df["score"] = pd.to_numeric(df["score"], errors="coerce")
    df["_null"] = df["score"].isna()
    if missing == "zero":
        df["score"] = df["score"].fillna(0.0)
    keys = ["modification", "benchmark"]
    g = df.groupby(keys, sort=True, dropna=False)
    out = g.agg(model=("model", "first"), n_families=("model", "nunique"), score=("score", "mean"),
                n_duplicates=("score", "size"), n_null=("_null", "sum"), smax=("score", "max"),
                smin=("score", "min"), first_time=("time", "min") if "time" in df else ("model", "first"),
                last_time=("time", "max") if "time" in df else ("model", "first")).reset_index()
    if (out["n_families"] > 1).any():
        bad = out.loc[out["n_families"] > 1, "modification"].iloc[0]
        raise WiringupError(f"raw scores: model id {bad!r} appears under more than one family (model column)")
    out["duplicate_spread"] = (out["smax"] - out["smin"]).fillna(0.0)
    out["n_null"] = out["n_null"].astype(int)
    out = out.rename(columns={"modification": "model_id", "benchmark": "benchmark_id"})
    if "time" not in df:
        out["first_time"] = out["last_time"] = None

    pairs = out[["model_id", "model"]].drop_duplicates()
    decoded = pd.DataFrame([decode_model_id(mid, fam) for mid, fam in pairs.itertuples(index=False)])
    decoded = decoded.drop(columns=["family"]).rename(columns={"model_id": "_mid"})
    out = out.merge(decoded, left_on="model_id", right_on="_mid", how="left").drop(columns=["_mid"])
    out["family"] = out["model"]

    out["region"] = out["benchmark_id"].map(benchmark_region)
    out["public"] = out["benchmark_id"].str.contains("public", case=False, regex=False)
    out["core"] = out["benchmark_id"].isin(_CORE_IDS)
    out["backend"] = f"authors-{source}"

    trainable = out["parsed"] & ((out["family"] == "CORnet-S") | out["transfer_mapping"].notna())
    out["full_data"] = out["images"].isna() & trainable
    images = out["images"].astype("Float64").astype(float)
    out["images"] = np.where(out["full_data"], float(FULL_IMAGENET), images)
    epoch = out["epoch"].astype(float)
    out["supervised_updates"] = np.where(trainable, out["images"] * epoch, np.nan)
    authors_images = np.where(out["full_data"], float(AUTHORS_FULL_IMAGES), out["images"])
    out["supervised_updates_authors"] = np.where(trainable, authors_images * epoch, np.nan)
    out["epoch"] = epoch
    out["source"] = database_label(source)  # "authors (private)" (wiringup.plan.figures.SOURCES)
    for col in TABLE_COLUMNS:
        if col not in out.columns:
            out[col] = np.nan
    extra = ["public", "core", "n_duplicates", "n_null", "duplicate_spread", "supervised_updates_authors",
             "full_data", "family", "config", "init_known", "init_scope", "trained", "lr", "weight_decay",
             "optimizer", "con2", "transfer_mapping", "id_without_epoch", "parsed", "parse_error",
             "first_time", "last_time"]
    out = out[list(TABLE_COLUMNS) + [c for c in extra if c not in TABLE_COLUMNS]]
    return out.sort_values(["model_id", "benchmark_id"]).reset_index(drop=True)


def write_tidy(table: pd.DataFrame, path: str | Path) -> None:
    """Write a :func:`tidy` table as CSV, atomically."""
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False)


_BOOL_COLS = ("public", "core", "full_data", "init_known", "con2", "parsed")


def read_tidy(path: str | Path) -> pd.DataFrame:
    """Read a table written by :func:`write_tidy` back (booleans as booleans, NaN kept as NaN)."""
    try:
        table = pd.read_csv(path, low_memory=False)
    except FileNotFoundError:
        raise WiringupError(f"{path}: the authors' tidy score table is missing; build it with "
                            "`snakemake results/tables/authors_private.csv` (rule authors_import)") from None
    missing = [c for c in list(TABLE_COLUMNS) + ["parsed", "n_duplicates", "n_null"] if c not in table.columns]
    if missing:
        raise WiringupError(f"{path}: not a tidy table of the authors' scores (missing columns {missing}); write it "
                            "with `python -m wiringup.tables.authors` or the authors_import rule")
    for col in _BOOL_COLS:
        if col in table.columns and table[col].dtype == object:
            table[col] = table[col].map({True: True, False: False, "True": True, "False": False}).fillna(False)
    return table
