"""Import the authors' own Brain-Score results (Geiger et al. 2022) into a tidy table.

The authors published their raw scores as two SQLite files (``scores.sqlite``: the private Brain-Score
benchmarks, which back every figure and headline number of the paper; ``scores_public.sqlite``: the public
variants). Both hold one table::

    raw_scores(model, benchmark, batchnorm, score, modification, time)

``model`` is the architecture family (``CORnet-S``, ``resnet``, ``mobilenet``, ``pixels``, ``hmax`` ...),
``modification`` the full model id including the checkpoint epoch, ``score`` the ceiled Brain-Score
(``aggregation='center'``; NULL in a few rows), ``batchnorm`` is always 0 and ``time`` the scoring date.

This module reads those files (:func:`read_raw`), decodes the model ids into factors
(:func:`decode_model_id`), builds one row per (model id, benchmark) (:func:`tidy`), aggregates the five brain
benchmarks into a brain predictivity (:func:`brain_predictivity`) and recomputes the paper's headline numbers
with the authors' own aggregation (:func:`normaliser`, :func:`headline_numbers`). Facts used here come from
``docs/AUTHORS_CODE_FACTS.md`` §2, §3.6 and §7 (no code of the authors is copied).

Model-id grammar
----------------
::

    <family>_<config>[_img<N>][_seed<S>][_lr<x>|_wd<x>|_op<Opt>][_con2]_epoch_<E>

* ``<family>``: the ``model`` column (``CORnet-S``, ``resnet``, ``mobilenet``, ``alexnet``, ``pixels``,
  ``hmax`` ...). ``pixels_epoch_00`` and ``hmax_epoch_00`` have no config.
* ``<config>``: the training/initialisation config, e.g. ``full`` (standard training), ``train_conv3_bi``
  (critical training, CT), ``cluster2_v2_IT_trconv3_bi`` (weight compression + CT, WC+CT). Its prefix
  selects the initialisation (``init``) and, with the trailing area/``trconv3``/``t7_t12`` tokens, the set of
  trained layers (``trained``); see :data:`KNOWN_CONFIGS` and :func:`_init_of` / :func:`_trained_of`.
* ``_img<N>``: trained on a uniformly random subset of N ImageNet images (absent: all 1,281,167 images).
* ``_seed<S>``: the seed (absent: seed 0). **Trap**: ``_seed_0`` (with an underscore) is part of the config
  name ``train_IT_seed_0`` and is *not* a seed: ``CORnet-S_train_IT_seed_0_seed42_epoch_40`` has config
  ``train_IT_seed_0`` and seed 42.
* ``_lr<x>``, ``_wd<x>``, ``_op<Opt>``: learning rate, weight decay, optimiser (``Adam``/``Adagrad``);
  defaults (SGD, lr 0.1, wd 1e-4) when absent, reported as None here.
* ``_con2``: the second convergence criterion. In the data it appears *before* ``_img``
  (``CORnet-S_full_con2_img1000_epoch_05``), so the suffixes are stripped in any order.
* ``_epoch_<E>``: ``%02d`` for whole epochs, ``%.1f`` for fractional checkpoints; ``epoch_00`` is the
  untrained model at birth (0.0), ``epoch_0.5`` half an epoch (0.5).
* Transfer: ``resnet_v<k>_CORnet-S_<config>`` / ``mobilenet_v<k>_CORnet-S_<config>`` (also ``alexnet``):
  the CORnet-S config applied to another architecture with mapping version k (``transfer_mapping``). The
  TF-slim ``mobilenet_v1_1.0_224`` is *not* a transfer id (no ``_CORnet-S_``); its config is
  ``v1_1.0_224``. For a transfer id, ``init``/``trained`` describe the CORnet-S config as mapped onto the
  target (``resnet_v1_CORnet-S_full`` = the architecture's default init, all layers trained), not the
  target's trained-weight counts (§3.9).

Examples::

    CORnet-S_full_epoch_43                       full, kn, all, seed 0, epoch 43
    CORnet-S_full_seed42_epoch_29                full, kn, all, seed 42, epoch 29
    CORnet-S_full_img500000_epoch_02             full, images 500000, epoch 2
    CORnet-S_full_epoch_0.5                      full, epoch 0.5
    CORnet-S_full_lr0.01_epoch_05                full, lr 0.01
    CORnet-S_full_wd1e-05_epoch_05               full, weight decay 1e-05
    CORnet-S_full_opAdam_epoch_05                full, optimizer Adam
    CORnet-S_full_con2_img1000_epoch_05          full, con2, images 1000
    CORnet-S_train_conv3_bi_seed42_epoch_31      train_conv3_bi, kn, ct, seed 42
    CORnet-S_train_IT_seed_0_epoch_37            train_IT_seed_0, kn, dt_it, seed 0 (the trap)
    CORnet-S_cluster2_v2_IT_trconv3_bi_img1000_epoch_01   wc, ct, images 1000
    resnet_v3_CORnet-S_cluster2_v2_IT_trconv3_bi_epoch_22 resnet, mapping 3, wc, ct
    mobilenet_v1_1.0_224_epoch_100               mobilenet, config v1_1.0_224 (pretrained TF model)
    pixels_epoch_00, hmax_epoch_00               no config

Ids that do not follow the grammar (no ``_epoch_<E>`` at the end, e.g. ``alexnet_random``,
``CORnet-S_jumbler_L3``, ``CORnet-S_train_gabor_dist_weight_dist_channel_epoch_00_BF``, ``pixels``) raise
nothing: they get ``parsed=False`` and a ``parse_error``; :func:`unparsed_ids` lists them.

Decoded factors
---------------
``init`` (initialisation of the untrained network, from the config prefix, §3.6/§7.2):
``kn`` (Kaiming normal, CORnet-S's default: ``full`` and the DT/CT/conv1/BN ``train_*`` configs of the §2
table), ``wc`` (weight compression, ``cluster2_*`` and ``train_gmk1_cl2_7*``), ``mixture_gaussian``
(``brain_*``), ``kernel_normal`` (``brain3_*``), ``no_gabor`` (``brain2_*_v2``), ``wc_no_gabor``
(``cluster9_*``). Anything else keeps its raw prefix (e.g. ``brainbest``, ``train_gmk1``) and
``init_known=False``: a raw prefix is a label, not a decoded fact. ``init_scope`` says which areas the
non-KN init covers when the config says so (``all``, ``V1-V4``, ``V1-V2``).

``trained`` (the trained-layer set, §2 table): ``all``, ``dt_v4``, ``dt_it``, ``decoder``, ``ct_v2``,
``ct_v4``, ``ct``, ``conv1_v2``, ``conv1_v4``, ``conv1``, ``batchnorm_v2``, ``batchnorm_v4``,
``batchnorm``; for other configs of a known prefix it is derived from the tokens of §7.2
(``trconv3``/``t7_t12`` = CT, ``_full_train`` = all, ``..._IT_bi`` = decoder only); otherwise None.

Aggregation
-----------
The authors (``benchmark/database.py``) average duplicate rows and count a missing or NULL benchmark as 0
when averaging the five brain benchmarks. Here the choice is explicit: ``missing="nan"`` (our default) keeps a
missing/NULL score missing, so a model lacking a benchmark has no brain predictivity (and ``n_regions`` says
how many it has); ``missing="zero"`` reproduces the authors. :func:`headline_numbers` always uses the authors'
rule, since its purpose is to reproduce their numbers.
"""
from __future__ import annotations

import argparse
import math
import re
import sqlite3
import sys
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd

from wiringup.core.io import WiringupError, atomic_path
from wiringup.tables.scores import TABLE_COLUMNS

RAW_TABLE = "raw_scores"
RAW_COLUMNS = ["model", "benchmark", "batchnorm", "score", "modification", "time"]

FULL_IMAGENET = 1_281_167          # images in the ILSVRC-2012 training set
AUTHORS_FULL_IMAGES = 1_280_000    # what the authors use for "full" when counting updates (§5)
FULL_EPOCHS = 43                   # converged epoch of the standard model (s0), the 100 % of updates

REGIONS = ("V1", "V2", "V4", "IT", "behavior")
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

# Runs the authors average for the 100 % normaliser (§7.1): CORnet-S_full s0 epoch 43 and s42 epoch 29.
NORMALISER_IDS = ("CORnet-S_full_epoch_43", "CORnet-S_full_seed42_epoch_29")
# Fig. 4B (``delta_heatmap``) normalises by s0 epoch 43 alone (§7.1).
DELTA_NORMALISER_IDS = ("CORnet-S_full_epoch_43",)
# Fig. 4B grid (``analysis/paper_plots.py::plot_figure_4`` → ``delta_heatmap``): image subsets × epochs, plus
# the full-data row.
FIG4B_IMAGES = (100, 1000, 10_000, 50_000, 100_000, 500_000)
FIG4B_EPOCHS = (0, 1, 2, 3, 5, 6, 10, 20)
# Seeds of the at-birth significance test (§7.3, Fig. 2 row).
AT_BIRTH_SEEDS = (0, 12, 42, 32, 43, 52, 62, 72, 82, 92)
# Trained conv weights (authors' counting rule, §2): full model and the CT/WC+CT sets.
CONV_WEIGHTS_FULL = 52_860_096
CONV_WEIGHTS_WC_CT = 1_378_560     # 1,376,256 conv3 weights + 2,304 norm3 BN weights (WC models, §2)

# Exact configs whose init and trained-layer set the facts document (§2 table, §7.3). Value:
# (init, trained, init_scope).
KNOWN_CONFIGS: dict[str, tuple[str, str | None, str | None]] = {
    "full": ("kn", "all", None),
    "train_V4": ("kn", "dt_v4", None),
    "train_IT_seed_0": ("kn", "dt_it", None),
    "train_random": ("kn", "decoder", None),
    "train_conv3_V2_bi": ("kn", "ct_v2", None),
    "train_conv3_V4_bi": ("kn", "ct_v4", None),
    "train_conv3_bi": ("kn", "ct", None),
    "train_conv1_V2_bi": ("kn", "conv1_v2", None),
    "train_conv1_V4_bi": ("kn", "conv1_v4", None),
    "train_conv1_bi": ("kn", "conv1", None),
    "train_batchnorm_V2": ("kn", "batchnorm_v2", None),
    "train_batchnorm_V4": ("kn", "batchnorm_v4", None),
    "train_batchnorm": ("kn", "batchnorm", None),
    "train_gmk1_cl2_7_7tr_bi": ("wc", "ct_v2", "V1-V2"),
    "train_gmk1_cl2_7_bi": ("wc", None, "V1-V2"),
    "cluster2_v2_V4_trconv3_bi": ("wc", "ct_v4", "V1-V4"),
    "cluster2_v2_IT_bi": ("wc", "decoder", "all"),
    "cluster2_v2_IT_trconv3_bi": ("wc", "ct", "all"),
    "cluster2_IT_full_train": ("wc", "all", "all"),
    # Fig. 7 alternative compressions, without / with CT (§7.3)
    "brain_wmc15_IT_bi": ("mixture_gaussian", "decoder", "all"),
    "brain_t7_t12_wmc15_IT_bi": ("mixture_gaussian", "ct", "all"),
    "brain3_knall_IT_bi": ("kernel_normal", "decoder", "all"),
    "brain3_t7_t12_knall_IT_bi": ("kernel_normal", "ct", "all"),
    "brain2_knall_IT_bi_v2": ("no_gabor", "decoder", "all"),
    "brain2_t7_t12_knall_IT_bi_v2": ("no_gabor", "ct", "all"),
}
# Config prefixes (first token) with a documented init family (§3.6).
_PREFIX_INIT = {"full": "kn", "cluster2": "wc", "brain": "mixture_gaussian", "brain3": "kernel_normal",
                "cluster9": "wc_no_gabor"}

_EPOCH_RE = re.compile(r"^(?P<body>.*?)_epoch_(?P<epoch>\d+(?:\.\d+)?)$")
_SUFFIX_RES = [
    ("con2", re.compile(r"_con2$")),
    ("lr", re.compile(r"_lr(?P<v>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)$")),
    ("weight_decay", re.compile(r"_wd(?P<v>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)$")),
    ("optimizer", re.compile(r"_op(?P<v>[A-Za-z]+)$")),
    ("seed", re.compile(r"_seed(?P<v>\d+)$")),     # `_seed_0` (underscore) does not match: it is a name
    ("images", re.compile(r"_img(?P<v>\d+)$")),
]
_TRANSFER_RE = re.compile(r"^v(?P<k>\d+)_CORnet-S_(?P<config>.+)$")

DECODED_FIELDS = ["family", "config", "init", "init_known", "init_scope", "trained", "images", "epoch", "seed",
                  "lr", "weight_decay", "optimizer", "con2", "transfer_mapping", "id_without_epoch", "parsed",
                  "parse_error"]


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


# -------------------------------------------------------------------------------------------------- decoding

def _float(text: str) -> float:
    return float(text)


def _init_of(config: str) -> tuple[str, bool, str | None]:
    """(init, known, scope) of a CORnet-S config; unknown → the raw prefix with known=False."""
    if config in KNOWN_CONFIGS:
        init, _, scope = KNOWN_CONFIGS[config]
        return init, True, scope
    tokens = config.split("_")
    prefix = tokens[0]
    scope = None
    if "IT" in tokens:
        scope = "all"
    elif "V4" in tokens:
        scope = "V1-V4"
    if prefix == "brain2" and config.endswith("_v2"):
        return "no_gabor", True, scope
    if prefix in _PREFIX_INIT:
        return _PREFIX_INIT[prefix], True, (scope if prefix != "full" else None)
    raw = "_".join(tokens[:2]) if prefix == "train" and len(tokens) > 1 else prefix
    return raw, False, None


def _trained_of(config: str) -> str | None:
    """The trained-layer set of a CORnet-S config (§2 table; §7.2 tokens for other known prefixes)."""
    if config in KNOWN_CONFIGS:
        return KNOWN_CONFIGS[config][1]
    tokens = config.split("_")
    # Documented tokens (§7.2): `_full_train` = all layers, `trconv3` / `t7_t12` = CT (with `_V4_`: up to V4).
    if config.endswith("_full_train"):
        return "all"
    if "trconv3" in tokens or re.search(r"(^|_)t7_t12(_|$)", config):
        if "V4" in tokens and "trconv3" in tokens:
            return "ct_v4"
        if "V4" not in tokens:
            return "ct"
        return None
    # `<prefix>_..._IT_bi` without CT trains the decoder only (cluster2_v2_IT_bi, Fig. 7 pairs): known prefixes only.
    if (tokens[0] in _PREFIX_INIT or tokens[0] == "brain2") and re.search(r"_IT_bi(_v2)?$", config):
        return "decoder"
    return None


def decode_model_id(modification: str, family: str) -> dict[str, Any]:
    """Decode one of the authors' model ids (``modification``) of architecture ``family`` into factors.

    Returns a dict with the keys of :data:`DECODED_FIELDS` plus ``model_id``. Never raises on a malformed id:
    it returns ``parsed=False`` and ``parse_error``. See the module docstring for the grammar.
    """
    out: dict[str, Any] = {"model_id": modification, "family": family, "config": None, "init": None,
                           "init_known": False, "init_scope": None, "trained": None, "images": None,
                           "epoch": None, "seed": 0, "lr": None, "weight_decay": None, "optimizer": None,
                           "con2": False, "transfer_mapping": None, "id_without_epoch": modification,
                           "parsed": False, "parse_error": None}
    m = _EPOCH_RE.match(modification)
    if not m:
        out["seed"] = None
        out["parse_error"] = "no trailing _epoch_<E>"
        return out
    body, epoch = m.group("body"), float(m.group("epoch"))
    if body != family and not body.startswith(family + "_"):
        out["seed"] = None
        out["parse_error"] = f"does not start with the family {family!r}"
        return out
    out["epoch"] = epoch
    out["id_without_epoch"] = body
    rest = body[len(family):]            # "" or "_<config...>"
    # Strip the optional suffixes from the end, in any order (the data has `_con2_img<N>`), each at most once.
    seen: set[str] = set()
    changed = True
    while changed:
        changed = False
        for key, rx in _SUFFIX_RES:
            if key in seen:
                continue
            sm = rx.search(rest)
            if sm is None:
                continue
            v = sm.groupdict().get("v")
            if key == "con2":
                out["con2"] = True
            elif key in ("lr", "weight_decay"):
                out[key] = _float(v)
            elif key in ("seed", "images"):
                out[key] = int(v)
            else:
                out[key] = v
            rest = rest[:sm.start()]
            seen.add(key)
            changed = True
    if rest and not rest.startswith("_"):
        out["parse_error"] = "config not separated from the family by '_'"
        return out
    config = rest[1:] if rest else None
    cornet_config = None
    if family == "CORnet-S":
        cornet_config = config
    elif config is not None:
        tm = _TRANSFER_RE.match(config)
        if tm:
            out["transfer_mapping"] = int(tm.group("k"))
            config = cornet_config = tm.group("config")
    out["config"] = config
    if cornet_config:
        out["init"], out["init_known"], out["init_scope"] = _init_of(cornet_config)
        out["trained"] = _trained_of(cornet_config)
    elif family == "CORnet-S":
        out["parse_error"] = "CORnet-S id without a config"
        return out
    out["parsed"] = True
    return out


def unparsed_ids(table: pd.DataFrame) -> list[str]:
    """Sorted model ids that do not follow the grammar.

    ``table`` is a :func:`tidy` table (uses its ``parsed`` column) or a :func:`read_raw` table (decodes).
    """
    if "parsed" in table.columns and "model_id" in table.columns:
        ids = table.loc[~table["parsed"].astype(bool), "model_id"]
        return sorted(set(ids))
    if {"modification", "model"} <= set(table.columns):
        pairs = table[["modification", "model"]].drop_duplicates()
        return sorted({mod for mod, fam in pairs.itertuples(index=False)
                       if not decode_model_id(mod, fam)["parsed"]})
    raise WiringupError("unparsed_ids needs a tidy table (model_id, parsed) or a raw table (modification, model)")


# ---------------------------------------------------------------------------------------------------- tidying

def benchmark_region(benchmark_id: str) -> str | None:
    """The region (V1, V2, V4, IT, behavior, imagenet) of a benchmark id; None when unknown."""
    for rx, region in _REGION_PATTERNS:
        if rx.search(benchmark_id):
            return region
    return None


def _check_missing(missing: str) -> None:
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
    _check_missing(missing)
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
    out["source"] = f"authors ({source})"
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


def write_brain_predictivity(table: pd.DataFrame, path: str | Path, *, missing: str = "nan") -> pd.DataFrame:
    """Write the per-model brain predictivity of a tidy table (its benchmark set: private or public) as CSV."""
    public = bool(table["public"].astype(bool).all()) if "public" in table.columns and len(table) else False
    bp = brain_predictivity(table, missing=missing, public=public)
    with atomic_path(path) as tmp:
        bp.to_csv(tmp, index=False)
    return bp


# ----------------------------------------------------------------------------------------------- aggregation

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
    _check_missing(missing)
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

    Per region, the runs with a score > 0 are averaged (0 if none); the result is the mean over regions.
    Ids absent from ``bp`` count as all-zero runs (as in the authors' code). Returns
    ``{"value", "per_region", "per_run", "model_ids", "absent"}``.
    """
    regions = list(regions)
    ids = list(model_ids)
    idx = bp.set_index("model_id")
    absent = [m for m in ids if m not in idx.index]
    rows = idx.reindex(ids)[regions].fillna(0.0)
    per_region = {}
    for r in regions:
        v = rows[r][rows[r] > 0]
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


def _with_seed(config: str, seed: int, suffix: str = "") -> str:
    return f"CORnet-S_{config}{suffix}{'' if seed == 0 else f'_seed{seed}'}"


def headline_numbers(private_tidy: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Recompute the paper's headline numbers (§7.4) from the private scores, with the authors' aggregation.

    Every entry is a dict with ``value`` (relative numbers in % of the normaliser), the ``model_ids`` it used,
    the paper's claim and the value listed in AUTHORS_CODE_FACTS.md §7.4 (``facts``), plus details.
    """
    from scipy import stats

    bp = brain_predictivity(private_tidy, missing="zero")
    idx = bp.set_index("model_id")

    def need(ids: list[str]) -> None:
        absent = [m for m in ids if m not in idx.index]
        if absent:
            raise WiringupError(f"headline_numbers: model ids {absent} are not in the score table; "
                                "pass the tidy table of the authors' private scores.sqlite")

    def bps(mid: str) -> float:
        return float(idx.loc[mid, "brain_predictivity"])

    need(list(NORMALISER_IDS))
    norm = normaliser(private_tidy)
    out: dict[str, dict[str, Any]] = {}
    full = authors_run_average(bp, NORMALISER_IDS)
    out["fully_trained_mean"] = {
        "value": norm, "unit": "brain predictivity", "paper": "0.42", "facts": 0.4215,
        "model_ids": list(NORMALISER_IDS), "per_region": full["per_region"], "per_run": full["per_run"]}

    rel = lambda v: 100.0 * v / norm  # noqa: E731
    kn_ids = [_with_seed("full", s) + "_epoch_00" for s in AT_BIRTH_SEEDS]
    wc_ids = [_with_seed("cluster2_v2_IT_trconv3_bi", s) + "_epoch_00" for s in AT_BIRTH_SEEDS]
    need(kn_ids + wc_ids)
    kn = np.array([rel(bps(m)) for m in kn_ids])
    wc = np.array([rel(bps(m)) for m in wc_ids])
    for key, arr, ids, paper, facts in (("kn_at_birth", kn, kn_ids, "43 ± 1.7 %", (42.6, 1.74)),
                                        ("wc_at_birth", wc, wc_ids, "54 ± 1.5 %", (53.8, 1.47))):
        out[key] = {"value": float(arr.mean()), "std": float(arr.std(ddof=0)), "std_ddof1": float(arr.std(ddof=1)),
                    "sem": float(arr.std(ddof=1) / math.sqrt(len(arr))), "n": int(len(arr)), "unit": "% of normaliser",
                    "paper": paper, "facts": {"mean": facts[0], "std": facts[1]}, "model_ids": ids,
                    "per_run": dict(zip(ids, arr.tolist()))}
    student = stats.ttest_ind(wc, kn, equal_var=True)
    welch = stats.ttest_ind(wc, kn, equal_var=False)
    out["at_birth_ttest"] = {"value": float(student.pvalue), "t": float(student.statistic),
                             "welch_p": float(welch.pvalue), "welch_t": float(welch.statistic),
                             "unit": "p (two-sided Student t-test; Welch alongside)", "paper": "significant",
                             "facts": {"t": 14.7, "p": 1.7e-11}, "model_ids": wc_ids + kn_ids}

    def rel_runs(key: str, ids: list[str], paper: str, facts: float, **extra: Any) -> None:
        need(ids)
        res = authors_run_average(bp, ids)
        out[key] = {"value": rel(res["value"]), "unit": "% of normaliser", "paper": paper, "facts": facts,
                    "model_ids": ids, "per_run": {m: rel(v) for m, v in res["per_run"].items()}, **extra}

    rel_runs("ct_relative", ["CORnet-S_train_conv3_bi_epoch_29", "CORnet-S_train_conv3_bi_seed42_epoch_31"],
             ">75 %", 76.0, trained_conv_weights=1_376_256,
             trained_fraction_percent=100.0 * 1_376_256 / CONV_WEIGHTS_FULL)
    full_synaptic = AUTHORS_FULL_IMAGES * FULL_EPOCHS * CONV_WEIGHTS_FULL
    full_supervised = AUTHORS_FULL_IMAGES * FULL_EPOCHS
    rel_runs("wc_ct_500k_20ep", ["CORnet-S_cluster2_v2_IT_trconv3_bi_img500000_epoch_20"], "79 % @ ~0.5 %", 79.7,
             synaptic_updates_percent=100.0 * 500_000 * 20 * CONV_WEIGHTS_WC_CT / full_synaptic)
    rel_runs("two_percent_updates", ["CORnet-S_full_img500000_epoch_02"], "76 % @ ~2 %", 76.2,
             supervised_updates_percent=100.0 * 500_000 * 2 / full_supervised)
    rel_runs("point_two_percent_updates", ["CORnet-S_full_img50000_epoch_02"], "50 % @ ~0.2 %", 49.5,
             supervised_updates_percent=100.0 * 50_000 * 2 / full_supervised)
    rel_runs("twenty_percent_updates", ["CORnet-S_full_img500000_epoch_20"], "97 % @ ~20 % (RP)", 97.2,
             supervised_updates_percent=100.0 * 500_000 * 20 / full_supervised)
    rel_runs("wc_ct_converged", ["CORnet-S_cluster2_v2_IT_trconv3_bi_epoch_38",
                                 "CORnet-S_cluster2_v2_IT_trconv3_bi_seed42_epoch_40"], "–", 82.0)
    rel_runs("kn_decoder_only", ["CORnet-S_train_random_epoch_28", "CORnet-S_train_random_seed42_epoch_22"],
             "–", 49.5)
    rel_runs("hmax", ["hmax_epoch_00"], "–", 34.9)
    rel_runs("pixels_epoch_00_only", ["pixels_epoch_00"], "~7 % (RP plot)", 4.9,
             note="pixels_epoch_00 lacks V1/V2, which the authors' rule counts as 0")
    # The pixel baseline split across two ids (§0.8): V1/V2 from pixels_epoch_06, the rest from pixels_epoch_00.
    need(["pixels_epoch_00", "pixels_epoch_06"])
    p00, p06 = idx.loc["pixels_epoch_00"], idx.loc["pixels_epoch_06"]
    combined = {r: float(p06[r] if r in ("V1", "V2") else p00[r]) for r in REGIONS}
    out["pixels_combined"] = {"value": rel(float(np.mean([0.0 if np.isnan(v) else v for v in combined.values()]))),
                              "unit": "% of normaliser", "paper": "~7 % (RP plot)", "facts": 6.8,
                              "model_ids": ["pixels_epoch_00", "pixels_epoch_06"], "per_region": combined}
    out["fig4b_max_gain"] = fig4b_max_gain(private_tidy, bp=bp)
    return out


def fig4b_max_gain(table: pd.DataFrame, *, bp: pd.DataFrame | None = None,
                   images: Iterable[int] = FIG4B_IMAGES, epochs: Iterable[int] = FIG4B_EPOCHS) -> dict[str, Any]:
    """Fig. 4B (``delta_heatmap``): WC+CT minus standard training, in percentage points of the s0 epoch-43 model
    (0.42493), on the authors' grid of image subsets × epochs plus the full-data ("All") row, seed 0.

    Cells where either model id is missing are skipped (and listed), never scored as 0. Returns the largest
    gain and its cell, the cell the paper names (1,000 images × 1 epoch, "up to 27 percent points"), the
    all-data converged cell (paper: −17 pp) and the top cells.
    """
    if bp is None:
        bp = brain_predictivity(table, missing="zero")
    idx = bp.set_index("model_id")
    norm = authors_run_average(bp, DELTA_NORMALISER_IDS)["value"]
    std_cfg, wc_cfg = "CORnet-S_full", "CORnet-S_cluster2_v2_IT_trconv3_bi"

    def gain(w_id: str, s_id: str) -> float:
        return 100.0 * (float(idx.loc[w_id, "brain_predictivity"]) - float(idx.loc[s_id, "brain_predictivity"])) / norm

    cells, skipped = [], []
    for n in list(images) + [None]:
        img = "" if n is None else f"_img{n}"
        for e in epochs:
            s_id, w_id = f"{std_cfg}{img}_epoch_{e:02d}", f"{wc_cfg}{img}_epoch_{e:02d}"
            if s_id not in idx.index or w_id not in idx.index:
                skipped.append([w_id, s_id])
                continue
            cells.append({"images": FULL_IMAGENET if n is None else n, "epoch": float(e), "wc_ct_id": w_id,
                          "standard_id": s_id, "gain_pp": gain(w_id, s_id)})
    if not cells:
        raise WiringupError("fig4b_max_gain: no (images, epoch) cell is scored for both standard and WC+CT "
                            "training; use the authors' private scores.sqlite")
    cells.sort(key=lambda c: -c["gain_pp"])
    best = cells[0]
    named = next((c for c in cells if c["images"] == 1000 and c["epoch"] == 1.0), None)
    conv_ids = [f"{wc_cfg}_epoch_38", f"{std_cfg}_epoch_43"]      # converged s0 epochs (§2 table, §7.1)
    converged = ({"model_ids": conv_ids, "gain_pp": gain(*conv_ids), "paper": "-17 pp"}
                 if all(m in idx.index for m in conv_ids) else None)
    return {"value": best["gain_pp"], "unit": "percentage points of the s0 epoch-43 model",
            "paper": "up to 27 pp (1 epoch on 1,000 images)", "facts": 26.6, "images": best["images"],
            "epoch": best["epoch"], "model_ids": [best["wc_ct_id"], best["standard_id"]], "normaliser": norm,
            "normaliser_ids": list(DELTA_NORMALISER_IDS), "paper_cell": named, "all_data_converged": converged,
            "grid": {"images": list(images) + ["all"], "epochs": list(epochs)}, "skipped_cells": skipped,
            "top_cells": cells[:5]}


# ------------------------------------------------------------------------------------------------------- CLI

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m wiringup.tables.authors",
        description="Import the authors' Brain-Score database (Geiger et al. 2022, scores.sqlite or "
                    "scores_public.sqlite) into a tidy CSV: one row per model id × benchmark, duplicates averaged "
                    "(n_duplicates, duplicate_spread), NULL scores counted (n_null), benchmark regions, and the "
                    "model id decoded into factors (config, init, trained layers, images, epoch, seed, ...).",
        epilog="Example: python -m wiringup.tables.authors --db ../shared/data/geiger2022/scores.sqlite "
               "--source private --out results/tables/authors_private.csv --headline "
               "results/tables/authors_headline.json")
    parser.add_argument("--db", required=True, help="path of scores.sqlite or scores_public.sqlite")
    parser.add_argument("--source", required=True,
                        help="label of the database, e.g. 'private' or 'public'; rows get backend authors-<source>")
    parser.add_argument("--out", required=True, help="CSV to write (atomically)")
    parser.add_argument("--missing", choices=MISSING_POLICIES, default="nan",
                        help="NULL scores: 'nan' keeps them missing (default); 'zero' counts them as 0, as the "
                             "authors' code does")
    parser.add_argument("--headline", metavar="JSON",
                        help="also recompute the paper's headline numbers (private database only) into this JSON")
    args = parser.parse_args(argv)
    try:
        raw = read_raw(args.db)
        table = tidy(raw, args.source, missing=args.missing)
        write_tidy(table, args.out)
        bad = unparsed_ids(table)
        print(f"{args.db}: {len(raw)} raw rows -> {len(table)} rows, {table['model_id'].nunique()} model ids "
              f"({len(bad)} not following the id grammar), {int((table['n_null'] > 0).sum())} rows with NULL "
              f"scores; wrote {args.out}")
        if args.headline:
            from wiringup.core.io import write_json

            nums = headline_numbers(table)
            write_json(args.headline, nums)
            for k, v in nums.items():
                print(f"  {k}: {v['value']:.4g} (facts: {v['facts']})")
            print(f"wrote {args.headline}")
    except WiringupError as exc:
        print(f"wiringup error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
