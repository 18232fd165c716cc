"""The authors' data as rows of a model table (:func:`authors_models`), with their conventions.

Rows with ``backend`` ``authors-<db>`` (from :func:`wiringup.tables.authors.tidy`) use the private (or public)
Brain-Score benchmark of each region (AUTHORS_CODE_FACTS.md §6); the reference is the authors' own 100 %:
``CORnet-S_full`` s0 epoch 43 and s42 epoch 29 averaged per region (0.42150, §7.1). Supervised updates use the authors'
count (1.28 M images per full epoch); trained conv weights per trained-layer set are the authors' counts (§2, §3.9,
:data:`AUTHORS_TRAINED_CONV_WEIGHTS`). The converged checkpoint of a run is the epoch of the authors' convergence
tables (``global_data.convergence_epoch`` / ``convergence_images``, :mod:`wiringup.tables.authors.convergence`)
where they list the run, else the run's last scored checkpoint (the database has no convergence flag); a run that
the authors' inclusion list of its config leaves out (``model_versions``, :func:`wiringup.tables.authors.included`,
e.g. ``CORnet-S_full`` seed 94) has no converged checkpoint, and its trained checkpoints are not ``canonical``, so
no figure averages them. The source's caption says which runs are not listed, whose listed epoch is not scored and
which runs are left out (:func:`convergence_note`).
The pixels baseline is the combination of ``pixels_epoch_00`` and the V1/V2 scores stored under ``pixels_epoch_06``
(§0.8), as the row ``pixels_epoch_00+06`` (:data:`PIXELS_COMBINED_ID`).
:func:`wiringup.report.figures.data.model_table` calls this for every source of the authors.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from wiringup.tables import authors as A
from wiringup.tables.authors.convergence import SOURCE as CONVERGENCE_SOURCE
from wiringup.tables.authors.runs import MODEL_VERSIONS_SOURCE
from wiringup.report.figures.source_info import SourceInfo

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
    m["converged"], info_note = _authors_converged(m)
    # trained checkpoints of runs the authors' inclusion lists leave out (e.g. CORnet-S_full seed 94) are averaged
    # by no figure: they do not stand for their family
    left_out = ~m["birth"].astype(bool) & pd.Series([isinstance(r, str) and not A.included(r) for r in m["run_id"]],
                                                    index=m.index)
    m.loc[left_out, "canonical"] = False

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
    info.converged_note = info_note
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


def _authors_converged(m: pd.DataFrame) -> tuple[pd.Series, str]:
    """The converged checkpoint of every trained run (module docstring) and the caption's note on it."""
    out = pd.Series(False, index=m.index)
    trained = m[(m["kind"] == "trained") & m["epoch"].notna()]
    unlisted, unscored, left_out = [], [], []
    drawn = m["canonical"].astype(bool) & m["default_recipe"].astype(bool)     # runs the figures draw
    for run_id, g in trained.groupby("run_id"):
        shown = bool(drawn[g.index].any())
        if not A.included(run_id):
            if shown and g["epoch"].max() > 0:
                left_out.append(run_id)
            continue
        listed = A.listed_epoch(run_id)
        if listed is not None:
            hit = g.index[g["epoch"] == float(listed)]
            out[hit] = True
            if not len(hit) and shown:
                unscored.append(f"{run_id} (epoch {listed})")
            continue
        if g["epoch"].max() > 0:
            out[g["epoch"].idxmax()] = True
            if shown:
                unlisted.append(run_id)
    return out, convergence_note(unlisted, unscored, left_out)


def convergence_note(unlisted: list[str], unscored: list[str], left_out: list[str]) -> str:
    """Caption text: how converged checkpoints are chosen, and the runs of the figures where the authors' tables
    do not decide it."""
    def names(ids: list[str]) -> str:
        return ", ".join(sorted(ids))

    text = (f"converged = the epoch of the authors' convergence tables ({CONVERGENCE_SOURCE}) and only the runs "
            f"of their inclusion lists ({MODEL_VERSIONS_SOURCE})")
    if unlisted:
        text += f"; not in the tables, converged = last scored checkpoint: {names(unlisted)}"
    if unscored:
        text += f"; listed epoch not scored (no converged point): {names(unscored)}"
    if left_out:
        text += f"; left out by the inclusion lists: {names(left_out)}"
    return text


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
