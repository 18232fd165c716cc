"""The authors' data as rows of a model table (:func:`authors_models`), with their conventions.

Rows with ``backend`` ``authors-<db>`` (from :func:`wiringup.tables.authors.tidy`) use the private (or public)
Brain-Score benchmark of each region (AUTHORS_CODE_FACTS.md §6); the reference is the authors' own 100 %:
``CORnet-S_full`` s0 epoch 43 and s42 epoch 29 averaged per region (0.42150, §7.1). Supervised updates use the
authors' count (1.28 M images per full epoch); trained conv weights per trained-layer set are the authors'
counts (§2, §3.9, :data:`AUTHORS_TRAINED_CONV_WEIGHTS`). The converged checkpoint of a run is the one the
authors list in §2 (:data:`AUTHORS_CONVERGED`) where listed, else the run's last scored checkpoint (the
database has no convergence flag). The pixels baseline is the combination of ``pixels_epoch_00`` and the
V1/V2 scores stored under ``pixels_epoch_06`` (§0.8), as the row ``pixels_epoch_00+06``
(:data:`PIXELS_COMBINED_ID`). :func:`wiringup.report.figures.data.model_table` calls this for every source
of the authors.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from wiringup.tables import authors as A
from wiringup.report.figures.source_info import SourceInfo

# Converged checkpoints the authors average for the §2 table (``benchmark/database.py::model_versions``): config →
# {seed: epoch}. Listed runs of other seeds (e.g. CORnet-S_full s94) are not "converged" for the figures; a run
# of a config not listed here converges at its last scored checkpoint (this differs from the listed epoch only
# for CORnet-S_train_conv3_bi s0, scored up to epoch 37 but converged at 29).
AUTHORS_CONVERGED: dict[str, dict[int, int]] = {
    "full": {0: 43, 42: 29},
    "train_V4": {0: 43, 42: 31},
    "train_IT_seed_0": {0: 37, 42: 40},
    "train_random": {0: 28, 42: 22},
    "train_conv3_V2_bi": {0: 26, 42: 31},
    "train_conv3_V4_bi": {0: 26, 42: 37},
    "train_conv3_bi": {0: 29, 42: 31},
    "train_gmk1_cl2_7_7tr_bi": {0: 33, 42: 28},
    "cluster2_v2_V4_trconv3_bi": {0: 41, 94: 25},
    "cluster2_v2_IT_bi": {0: 24, 42: 31},
    "cluster2_v2_IT_trconv3_bi": {0: 38, 42: 40},
}

# Trained conv weights of the full-size models, the authors' counting rule (conv weights only; WC models add the
# norm3 BN weights they train), AUTHORS_CODE_FACTS.md §2 and §3.9. Key: (arch, init family, trained set).
_CT = 1_376_256
AUTHORS_TRAINED_CONV_WEIGHTS: dict[tuple[str, str, str], int] = {
    ("cornet_s", "kn", "all"): A.CONV_WEIGHTS_FULL,
    ("cornet_s", "kn", "dt_v4"): 50_298_880,
    ("cornet_s", "kn", "dt_it"): 40_239_104,
    ("cornet_s", "kn", "decoder"): 0,
    ("cornet_s", "kn", "ct_v2"): 50_364_416,
    ("cornet_s", "kn", "ct_v4"): 40_566_784,
    ("cornet_s", "kn", "ct"): _CT,
    ("cornet_s", "kn", "conv1_v2"): 50_364_416,
    ("cornet_s", "kn", "conv1_v4"): 40_566_784,
    ("cornet_s", "kn", "conv1"): _CT,
    ("cornet_s", "kn", "batchnorm_v2"): 50_298_880,
    ("cornet_s", "kn", "batchnorm_v4"): 40_239_104,
    ("cornet_s", "kn", "batchnorm"): 0,
    ("cornet_s", "wc", "all"): A.CONV_WEIGHTS_FULL,
    ("cornet_s", "wc", "ct_v2"): 50_383_872,
    ("cornet_s", "wc", "ct_v4"): 40_577_792,
    ("cornet_s", "wc", "ct"): A.CONV_WEIGHTS_WC_CT,
    ("cornet_s", "wc", "decoder"): 0,
    ("resnet50", "*", "all"): 23_454_912,
    ("resnet50", "*", "ct"): 5_029_888,
    ("mobilenet", "*", "all"): 3_185_088,
    ("mobilenet", "*", "ct"): 2_399_552,
}
# Any other init with these trained sets trains the same layers as KN (the compressed init does not change them).
_FAMILY_ARCH = {"CORnet-S": "cornet_s", "resnet": "resnet50", "mobilenet": "mobilenet", "alexnet": "alexnet",
                "pixels": "pixels", "hmax": "hmax"}
# The one config of the authors that stands for each (init, trained set) family of CORnet-S (their figures draw
# these; many exploratory configs decode to the same factors, e.g. other `cluster2_*` WC+CT variants).
AUTHORS_FAMILY_CONFIG: dict[tuple[str, str], str] = {
    (init, trained): cfg for cfg, (init, trained, _scope) in A.KNOWN_CONFIGS.items() if trained is not None}
AUTHORS_RECIPE = {"optimizer": "sgd", "lr": 0.1, "weight_decay": 1e-4, "schedule": "plateau"}
PIXELS_COMBINED_ID = "pixels_epoch_00+06"


def authors_models(rows: pd.DataFrame, source: str, missing: str,
                   regions: list[str]) -> tuple[pd.DataFrame, SourceInfo]:
    """The model rows (factors and per-region values, before normalisation) and the :class:`SourceInfo` of one
    source of the authors' tidy rows (module docstring)."""
    public = bool(rows["backend"].astype(str).eq("authors-public").all())
    rows = rows.copy()
    pix = _pixels_combined(rows)
    if pix is not None:
        rows = pd.concat([rows, pix], ignore_index=True)
    bp = A.brain_predictivity(rows, regions=regions, missing=missing, public=public)
    bench = A.AUTHORS_BENCHMARKS[public]
    m = pd.DataFrame({"source": source, "model_id": bp["model_id"]})
    for r in A.REGIONS:
        m[r] = bp[r] if r in bp.columns else np.nan
    m["imagenet"] = bp["imagenet"] if "imagenet" in bp.columns else np.nan
    m["n_regions"] = bp["n_regions"]
    m["brain_predictivity"] = bp["brain_predictivity"]
    fam = bp["family"].astype(object)
    m["arch"] = fam.map(_FAMILY_ARCH).fillna(fam)
    parsed = _as_bool(bp["parsed"])
    transfer = bp["transfer_mapping"].notna()
    trainable = parsed & ((fam == "CORnet-S") | transfer)
    m["kind"] = np.where(trainable, "trained", np.where(parsed, "reference", "unparsed"))
    m.loc[m["arch"].isin(["pixels", "hmax"]), "kind"] = "baseline"
    m.loc[m["model_id"] == "mobilenet_v1_1.0_224_epoch_100", "kind"] = "reference"
    m["variant"] = bp["config"]
    m["config"] = bp["config"]
    m["init"] = bp["init"]
    m["trained"] = bp["trained"]
    m["images"] = bp["images"].astype(float)
    m["full_data"] = _as_bool(bp["full_data"])
    m["epoch"] = bp["epoch"].astype(float)
    m["seed"] = bp["seed"].astype(float)
    m["optimizer"] = bp["optimizer"].astype(object).where(bp["optimizer"].notna(), None)
    m.loc[trainable, "optimizer"] = m.loc[trainable, "optimizer"].fillna(AUTHORS_RECIPE["optimizer"])
    m["optimizer"] = m["optimizer"].map(lambda o: o.lower() if isinstance(o, str) else o)
    m["lr"] = np.where(trainable, bp["lr"].astype(float).fillna(AUTHORS_RECIPE["lr"]), np.nan)
    m["weight_decay"] = np.where(trainable, bp["weight_decay"].astype(float).fillna(AUTHORS_RECIPE["weight_decay"]),
                                 np.nan)
    m["schedule"] = np.where(trainable, np.where(_as_bool(bp["con2"]), "con2", "plateau"), None)
    m["default_recipe"] = (trainable & (m["optimizer"] == "sgd") & np.isclose(m["lr"], 0.1)
                           & np.isclose(m["weight_decay"], 1e-4) & (m["schedule"] == "plateau"))
    m["run_id"] = bp["id_without_epoch"]
    m["canonical"] = [c == AUTHORS_FAMILY_CONFIG.get((i, t)) if isinstance(t, str) else False
                      for c, i, t in zip(m["config"], m["init"], m["trained"])]
    m["birth"] = trainable & (m["epoch"] == 0)
    m["supervised_updates"] = np.where(trainable, bp["supervised_updates_authors"].astype(float), np.nan)
    m["trained_conv_weights"] = [_authors_weights(a, i, t) if k == "trained" else np.nan
                                 for a, i, t, k in zip(m["arch"], m["init"], m["trained"], m["kind"])]
    tf = m["model_id"] == "mobilenet_v1_1.0_224_epoch_100"    # the pretrained TF MobileNet: 100 nominal epochs
    m.loc[tf, "trained_conv_weights"] = AUTHORS_TRAINED_CONV_WEIGHTS[("mobilenet", "*", "all")]
    m.loc[tf, "supervised_updates"] = A.AUTHORS_FULL_IMAGES * 100.0
    m.loc[tf, "trained"] = "all"
    m.loc[m["birth"], "trained_conv_weights"] = 0.0
    m["synaptic_updates"] = m["supervised_updates"] * m["trained_conv_weights"]
    m.loc[m["kind"] == "baseline", ["supervised_updates", "synaptic_updates"]] = 0.0
    m["converged"] = _authors_converged(m)

    ref_ids = [i for i in A.NORMALISER_IDS if i in set(m["model_id"])]
    info = SourceInfo(name=source, kind="authors", regions=list(regions), missing=missing,
                      suite=("Brain-Score " + ("public" if public else "private") + " benchmarks "
                             + ", ".join(bench[r] for r in regions)
                             + ("; ImageNet " + bench["imagenet"] if "imagenet" in bench else "")
                             + " (the authors' raw scores, Geiger et al. 2022)"))
    if ref_ids:
        bpz = bp if missing == "zero" else A.brain_predictivity(rows, regions=regions, missing="zero", public=public)
        ref = A.authors_run_average(bpz, ref_ids, regions=regions)
        info.reference_ids, info.reference_bp = ref_ids, ref["value"]
        info.reference_regions = dict(ref["per_region"])
        if "imagenet" in bpz.columns:
            info.reference_regions["imagenet"] = A.authors_run_average(bpz, ref_ids, regions=["imagenet"])["value"]
        delta_ids = [i for i in A.DELTA_NORMALISER_IDS if i in set(m["model_id"])] or ref_ids
        info.delta_reference_ids = delta_ids
        info.delta_reference_bp = A.authors_run_average(bpz, delta_ids, regions=regions)["value"]
    info.count(m)
    return m, info


def _as_bool(s: pd.Series) -> pd.Series:
    """A column of booleans that may hold NaN (after concatenation with this run's table) or 'True' strings."""
    return pd.Series([v is True or v == "True" or (isinstance(v, (bool, np.bool_)) and bool(v)) for v in s],
                     index=s.index, dtype=bool)


def _authors_weights(arch: str, init: Any, trained: Any) -> float:
    if not isinstance(trained, str):
        return np.nan
    for key in ((arch, init, trained), (arch, "*", trained), (arch, "kn", trained)):
        if key in AUTHORS_TRAINED_CONV_WEIGHTS:
            return float(AUTHORS_TRAINED_CONV_WEIGHTS[key])
    return np.nan


def _authors_converged(m: pd.DataFrame) -> pd.Series:
    out = pd.Series(False, index=m.index)
    trained = m[(m["kind"] == "trained") & m["epoch"].notna()]
    for run_id, g in trained.groupby("run_id"):
        cfg, arch = g["config"].iloc[0], g["arch"].iloc[0]
        listed = AUTHORS_CONVERGED.get(cfg) if arch == "cornet_s" and g["full_data"].iloc[0] \
            and g["default_recipe"].iloc[0] else None
        if listed is not None:
            seed = int(g["seed"].iloc[0])
            if seed in listed:
                out[g.index[g["epoch"] == float(listed[seed])]] = True
            continue
        if g["epoch"].max() > 0:
            out[g["epoch"].idxmax()] = True
    return out


def _pixels_combined(rows: pd.DataFrame) -> pd.DataFrame | None:
    """The authors' pixels baseline as one model: V1/V2 from ``pixels_epoch_06``, the rest from ``_00`` (§0.8)."""
    p00 = rows[rows["model_id"] == "pixels_epoch_00"]
    p06 = rows[(rows["model_id"] == "pixels_epoch_06") & rows["region"].isin(["V1", "V2"])]
    if p00.empty or p06.empty:
        return None
    keep = p00[~p00["region"].isin(["V1", "V2"])]
    out = pd.concat([keep, p06], ignore_index=True)
    out["model_id"] = PIXELS_COMBINED_ID
    out["epoch"] = 0.0
    return out
