"""From a tidy score table (this run's, the authors', or both) to one row per model, normalised per source.

Every figure of the paper plots *models*: a brain predictivity (the mean over the V1, V2, V4, IT and behaviour
scores) or per-region scores, usually relative to "a fully trained model" (the 100 %). :func:`model_table` turns
any tidy score table whose rows carry a ``source`` column (``"this run"``, ``"authors (private)"``, ...) into
one row per (source, model) with

* the shared factors: ``arch``, ``init``, ``trained``, ``images``, ``epoch``, ``seed``, ``optimizer``, ``lr``,
  ``weight_decay``, ``schedule``, ``run_id`` (the training run, without its checkpoint epoch), ``converged``
  (this checkpoint ends its run), ``birth`` (epoch 0), ``default_recipe`` (the source's standard optimiser,
  learning rate, weight decay and schedule), ``supervised_updates``, ``trained_conv_weights``,
  ``synaptic_updates``;
* one column per region (the mean of that region's benchmarks), ``imagenet``, ``brain_predictivity`` and
  ``n_regions``;
* ``rel_<region>``, ``rel_imagenet`` and ``rel_bp``: 100 × the value over the source's reference model.

Each source is normalised by its own reference, described by a :class:`SourceInfo` (benchmark suite,
reference model ids and values, missing-score policy) that figure captions print:

* **authors' data** (rows with ``backend`` ``authors-<db>``, from :func:`wiringup.tables.authors.tidy`): the
  private (or public) Brain-Score benchmark of each region (AUTHORS_CODE_FACTS.md §6); the reference is the
  authors' own 100 %: ``CORnet-S_full`` s0 epoch 43 and s42 epoch 29 averaged per region (0.42150, §7.1).
  Supervised updates use the authors' count (1.28 M images per full epoch); trained conv weights per
  trained-layer set are the authors' counts (§2, §3.9). The converged checkpoint of a run is the one the
  authors list in §2 (:data:`AUTHORS_CONVERGED`) where listed, else the run's last scored checkpoint (the
  database has no convergence flag). The pixels baseline is the combination of ``pixels_epoch_00`` and the
  V1/V2 scores stored under ``pixels_epoch_06`` (§0.8), as the row ``pixels_epoch_00+06``.
* **this run** (any other rows): each region is the mean of this run's benchmarks of that region (local
  benchmarks are not Brain-Score's; the suite is named); the brain predictivity is the mean over the regions
  the source scores at all. The reference is the standard-training variant (``standard_variant``, else KN
  init with every layer trained and the default recipe) at the largest image count and its last checkpoint,
  averaged over seeds.

Missing scores follow ``missing``: ``"nan"`` (default) leaves a model lacking a benchmark without a brain
predictivity (it is left out of figures, and the captions count it); ``"zero"`` is the authors' rule (a
missing or NULL benchmark counts as 0), which reproduces their figures exactly.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np
import pandas as pd

from wiringup.tables import authors as A
from wiringup.core.io import WiringupError

REGIONS = ("V1", "V2", "V4", "IT", "behavior")
RUN_SOURCE = "this run"

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

FACTOR_COLUMNS = ["source", "model_id", "kind", "arch", "variant", "config", "canonical", "init", "trained", "images",
                  "full_data", "epoch", "seed", "optimizer", "lr", "weight_decay", "schedule", "default_recipe",
                  "run_id", "converged", "birth", "supervised_updates", "trained_conv_weights", "synaptic_updates"]
VALUE_COLUMNS = list(REGIONS) + ["imagenet", "n_regions", "brain_predictivity"]


@dataclass
class SourceInfo:
    """What a figure caption says about one source: its benchmark suite, reference (100 %) and policy."""

    name: str
    kind: str                                  # "run" or "authors"
    suite: str                                 # benchmark ids and backend, in words
    regions: list[str]                         # regions the source scores (the brain predictivity averages them)
    reference_ids: list[str] = field(default_factory=list)
    reference_bp: float = float("nan")
    reference_regions: dict[str, float] = field(default_factory=dict)
    # Fig. 4B's difference heatmap: the authors divide by CORnet-S_full s0 epoch 43 alone (0.42493, §7.1)
    delta_reference_ids: list[str] = field(default_factory=list)
    delta_reference_bp: float = float("nan")
    missing: str = "nan"
    n_models: int = 0
    n_without_bp: int = 0                      # models lacking a benchmark of a scored region

    @property
    def normaliser(self) -> str:
        if not np.isfinite(self.reference_bp):
            return f"{self.name}: no reference model (relative values undefined)"
        ids = ", ".join(self.reference_ids[:3]) + (" ..." if len(self.reference_ids) > 3 else "")
        return f"{self.name}: 100 % = {self.reference_bp:.4f} ({ids})"

    def caption(self) -> str:
        policy = ("a missing benchmark counts as 0 (authors' rule)" if self.missing == "zero" else
                  f"{self.n_without_bp} of {self.n_models} models lack a benchmark and have no brain predictivity")
        return (f"{self.name} — benchmarks: {self.suite}; brain predictivity = mean over "
                f"{', '.join(self.regions)}; {self.normaliser}; {policy}")


@dataclass
class ModelTable:
    models: pd.DataFrame
    sources: dict[str, SourceInfo]

    def source_names(self) -> list[str]:
        """Sources in drawing order: this run last (drawn on top), the authors' first."""
        return sorted(self.sources, key=lambda s: (s == RUN_SOURCE, s))

    def captions(self) -> str:
        return "\n".join(self.sources[s].caption() for s in self.source_names())


def read_tables(paths: Iterable[str]) -> pd.DataFrame:
    """This run's score table and/or the authors' tidy tables (their leading columns are the same), concatenated;
    column ``source`` tells them apart ("this run" where a table has none)."""
    from wiringup.tables.scores import read_score_table

    tables = []
    for path in paths:
        head = pd.read_csv(path, nrows=0)
        table = A.read_tidy(path) if "parsed" in head.columns else read_score_table(path)
        if "source" not in table.columns:
            table["source"] = RUN_SOURCE
        tables.append(table)
    if not tables:
        raise WiringupError("read_tables: no score table given")
    return pd.concat(tables, ignore_index=True) if len(tables) > 1 else tables[0]


def _is_authors(rows: pd.DataFrame) -> bool:
    return rows["backend"].astype(str).str.startswith("authors-").all()


def model_table(table: pd.DataFrame, *, missing: str = "nan", regions: Iterable[str] = REGIONS,
                run_recipe: dict[str, Any] | None = None, standard_variant: str | None = None) -> ModelTable:
    """One row per (source, model) with factors, per-region scores and relative values (module docstring).

    ``run_recipe``: this run's default training recipe (``optimizer``, ``lr``, ``weight_decay``), the config's
    ``training`` section; rows of this run with another recipe are hyper-parameter variants.
    """
    if missing not in A.MISSING_POLICIES:
        raise WiringupError(f"missing={missing!r}: choose 'nan' (a missing score stays missing) or 'zero' "
                            "(the authors' rule)")
    needed = {"source", "model_id", "benchmark_id", "backend", "region", "score"}
    absent = needed - set(table.columns)
    if absent:
        raise WiringupError(f"the score table lacks columns {sorted(absent)}; pass results/tables/scores.csv or an "
                            "authors_*.csv table written by the authors_import rule")
    regions = [r for r in REGIONS if r in set(regions)]
    parts, infos = [], {}
    for source, rows in table.groupby("source", sort=True):
        if _is_authors(rows):
            models, info = _authors_models(rows, source, missing, regions)
        else:
            models, info = _run_models(rows, source, missing, regions, run_recipe or {}, standard_variant)
        parts.append(models)
        infos[source] = info
    if not parts:
        raise WiringupError("the score table is empty: nothing to draw")
    models = pd.concat(parts, ignore_index=True)
    for col in FACTOR_COLUMNS + VALUE_COLUMNS:
        if col not in models.columns:
            models[col] = np.nan
    # relative values, each source against its own reference
    for source, info in infos.items():
        sel = models["source"] == source
        models.loc[sel, "rel_bp"] = 100.0 * models.loc[sel, "brain_predictivity"] / info.reference_bp
        for r in list(REGIONS) + ["imagenet"]:
            ref = info.reference_regions.get(r, float("nan"))
            models.loc[sel, f"rel_{r}"] = 100.0 * models.loc[sel, r] / ref if ref else np.nan
    cols = FACTOR_COLUMNS + VALUE_COLUMNS + ["rel_bp"] + [f"rel_{r}" for r in list(REGIONS) + ["imagenet"]]
    return ModelTable(models[cols].reset_index(drop=True), infos)


# ------------------------------------------------------------------------------------------------ authors

def _authors_models(rows: pd.DataFrame, source: str, missing: str, regions: list[str]):
    public = bool(rows["backend"].astype(str).eq("authors-public").all())
    rows = rows.copy()
    pix = _pixels_combined(rows)
    if pix is not None:
        rows = pd.concat([rows, pix], ignore_index=True)
    bp = A.brain_predictivity(rows, regions=regions, missing=missing, public=public)
    bench = A.AUTHORS_BENCHMARKS[public]
    m = pd.DataFrame({"source": source, "model_id": bp["model_id"]})
    for r in REGIONS:
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
    _count(info, m)
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


# ------------------------------------------------------------------------------------------------- this run

def _run_models(rows: pd.DataFrame, source: str, missing: str, regions: list[str], recipe: dict[str, Any],
                standard_variant: str | None):
    neural = rows[rows["region"].isin(regions)]
    covered = [r for r in regions if r in set(neural["region"])]
    per_region = (neural.groupby(["model_id", "region"])["score"]
                  .agg(lambda s: s.mean() if s.notna().all() else np.nan).unstack("region"))
    ids = pd.Index(sorted(rows["model_id"].unique()), name="model_id")
    per_region = per_region.reindex(index=ids, columns=covered)
    m = pd.DataFrame({"source": source, "model_id": ids})
    for r in REGIONS:
        m[r] = per_region[r].to_numpy() if r in per_region.columns else np.nan
    top1 = rows[rows["region"] == "imagenet"].groupby("model_id")["score"].mean()
    m["imagenet"] = top1.reindex(ids).to_numpy()
    vals = per_region[covered] if covered else pd.DataFrame(index=ids)
    m["n_regions"] = vals.notna().sum(axis=1).to_numpy().astype(int)
    if not covered:
        m["brain_predictivity"] = np.nan
    elif missing == "zero":
        m["brain_predictivity"] = vals.fillna(0.0).mean(axis=1).to_numpy()
    else:
        m["brain_predictivity"] = vals.mean(axis=1, skipna=False).to_numpy()
    facts = rows.drop_duplicates("model_id").set_index("model_id").reindex(ids)

    def col(name, default=np.nan):
        return facts[name].to_numpy() if name in facts.columns else np.full(len(ids), default, dtype=object)

    m["arch"] = col("arch", None)
    base = m["model_id"].str.startswith("baselines/")
    m.loc[base & m["arch"].isna(), "arch"] = m.loc[base, "model_id"].str.split("/").str[-1]
    m["arch"] = m["arch"].fillna("cornet_s")
    m["variant"] = col("variant", None)
    m["config"] = m["variant"]
    m["canonical"] = True
    m["init"] = col("init", None)
    m["trained"] = col("trained", None)
    m["images"] = pd.to_numeric(pd.Series(col("images")), errors="coerce").to_numpy()
    m["epoch"] = pd.to_numeric(pd.Series(col("epoch")), errors="coerce").to_numpy()
    m["seed"] = pd.to_numeric(pd.Series(col("seed")), errors="coerce").to_numpy()
    m["optimizer"] = [o.lower() if isinstance(o, str) else None for o in col("optimizer", None)]
    m["lr"] = pd.to_numeric(pd.Series(col("lr")), errors="coerce").to_numpy()
    m["weight_decay"] = pd.to_numeric(pd.Series(col("weight_decay")), errors="coerce").to_numpy()
    m["schedule"] = None
    m["supervised_updates"] = pd.to_numeric(pd.Series(col("supervised_updates")), errors="coerce").to_numpy()
    m["synaptic_updates"] = pd.to_numeric(pd.Series(col("synaptic_updates")), errors="coerce").to_numpy()
    m["trained_conv_weights"] = pd.to_numeric(pd.Series(col("trained_conv_weights")), errors="coerce").to_numpy()
    m["kind"] = np.where(base | m["arch"].isin(["pixels", "hmax"]), "baseline", "trained")
    m["birth"] = (m["kind"] == "trained") & (m["epoch"].fillna(0) == 0)
    m.loc[m["birth"], ["supervised_updates", "synaptic_updates"]] = 0.0
    m.loc[m["birth"], "trained_conv_weights"] = 0.0
    m.loc[m["kind"] == "baseline", ["supervised_updates", "synaptic_updates"]] = 0.0
    m["default_recipe"] = (m["kind"] == "trained") & (m["birth"] | _recipe_matches(m, recipe))
    m["run_id"] = [mid.rsplit("/epoch_", 1)[0] if "/epoch_" in mid else mid for mid in m["model_id"]]
    max_epoch = m.groupby("run_id")["epoch"].transform("max")
    m["converged"] = (m["kind"] == "trained") & ~m["birth"] & (m["epoch"] == max_epoch)
    known = m["images"].notna() & (m["kind"] == "trained") & ~m["birth"]
    m["full_data"] = known & (m["images"] == m.loc[known & (m["arch"] == "cornet_s"), "images"].max())
    m.loc[m["birth"], "full_data"] = True

    suite = ", ".join(f"{b} ({be})" for b, be in
                      rows[rows["region"].isin(covered + ["imagenet"])][["benchmark_id", "backend"]]
                      .drop_duplicates().sort_values("benchmark_id").itertuples(index=False))
    local = (rows["backend"] == "local").any()
    info = SourceInfo(name=source, kind="run", regions=covered, missing=missing,
                      suite=(suite or "none") + ("; local benchmarks are not Brain-Score's" if local else ""))
    std = standard_family(m, source=source, standard_variant=standard_variant)
    std = std[~std["birth"] & std["converged"] & std["full_data"] & std["brain_predictivity"].notna()]
    if not std.empty:
        info.reference_ids = sorted(std["model_id"])
        info.reference_bp = float(std["brain_predictivity"].mean())
        info.reference_regions = {r: float(std[r].mean()) for r in list(REGIONS) + ["imagenet"]
                                  if std[r].notna().any()}
        info.delta_reference_ids, info.delta_reference_bp = info.reference_ids, info.reference_bp
    _count(info, m)
    return m, info


def _recipe_matches(m: pd.DataFrame, recipe: dict[str, Any]) -> pd.Series:
    """Rows trained with the run's default optimiser, learning rate and weight decay (unrecorded = default)."""
    ok = pd.Series(True, index=m.index)
    if recipe.get("optimizer") is not None:
        ok &= m["optimizer"].isna() | (m["optimizer"] == str(recipe["optimizer"]).lower())
    for key in ("lr", "weight_decay"):
        if recipe.get(key) is not None:
            v = m[key].astype(float)
            ok &= v.isna() | np.isclose(v.fillna(0.0), float(recipe[key]), rtol=1e-6, atol=0.0)
    return ok


def _count(info: SourceInfo, m: pd.DataFrame) -> None:
    info.n_models = int(len(m))
    info.n_without_bp = int(m["brain_predictivity"].isna().sum())


# ------------------------------------------------------------------------------------------------- selections

def family(models: pd.DataFrame, init: str, trained: str, *, arch: str = "cornet_s", default_recipe: bool = True,
           source: str | None = None, include_birth: bool = True) -> pd.DataFrame:
    """Checkpoints of one training family (``init`` × ``trained`` set) of ``arch``, plus its models at birth.

    Of the authors' models only the config that stands for the family counts (:data:`AUTHORS_FAMILY_CONFIG`).
    At birth a model of this run has no trained set (None); an authors' model at birth carries its config's
    trained set, so their at-birth rows are the family's own ``epoch_00`` ids.
    """
    m = models if source is None else models[models["source"] == source]
    base = (m["arch"] == arch) & (m["kind"] == "trained") & (m["init"] == init) & m["canonical"].astype(bool)
    trained_rows = base & ~m["birth"] & (m["trained"] == trained)
    if default_recipe:
        trained_rows &= m["default_recipe"].astype(bool)
    birth = base & m["birth"] & (m["trained"].isna() | (m["trained"] == trained)) if include_birth else False
    if include_birth and default_recipe:
        birth &= m["default_recipe"].astype(bool)
    return m[trained_rows | birth]


def standard_family(models: pd.DataFrame, *, source: str | None = None,
                    standard_variant: str | None = None) -> pd.DataFrame:
    """Standard training: KN init, every layer trained, the default recipe (this run: ``standard_variant``)."""
    fam = family(models, "kn", "all", source=source)
    if standard_variant is not None:
        is_run = fam["source"] == RUN_SOURCE if "source" in fam else False
        keep = ~is_run | fam["birth"] | (fam["variant"] == standard_variant)
        fam = fam[keep]
    return fam


def reported_births(fam: pd.DataFrame, info: SourceInfo) -> pd.DataFrame:
    """The at-birth models a figure's "at birth" line averages: all of this run's; of the authors' data the
    full-data ids of the 10 seeds of their significance test (§7.3; the database holds further WC seeds, some
    scoring ~21 %, that the paper does not report)."""
    b = fam[fam["birth"]]
    if info.kind == "authors":
        b = b[b["full_data"].astype(bool) & b["seed"].isin([float(s) for s in A.AT_BIRTH_SEEDS])]
    return b


def with_birth_per_images(fam: pd.DataFrame) -> pd.DataFrame:
    """Training grid of a family with its at-birth models repeated as epoch 0 of every image count.

    An at-birth model that already carries an image count (the authors' ``_img<N>_epoch_00`` ids) stays with it.
    """
    trained = fam[~fam["birth"]]
    birth = fam[fam["birth"]]
    rows = [trained]
    for source, g in birth.groupby("source"):
        counts = sorted(trained.loc[trained["source"] == source, "images"].dropna().unique())
        generic = g[g["images"].isna() | g["full_data"].astype(bool)]
        specific = g[~g.index.isin(generic.index)]
        rows.append(specific)
        for n in counts:
            if (specific["images"] == n).any():
                continue
            b = generic.copy()
            b["images"] = n
            rows.append(b)
    out = pd.concat(rows, ignore_index=True) if rows else fam.iloc[:0]
    return out


def seed_mean(df: pd.DataFrame, keys: list[str], value: str) -> pd.DataFrame:
    """Mean, s.e.m. (ddof 1; 0 for one seed) and count of ``value`` over the rows of each group of ``keys``."""
    d = df.dropna(subset=[value])
    if d.empty:
        return pd.DataFrame(columns=keys + ["mean", "sem", "n"])
    g = d.groupby(keys, dropna=False)[value]
    out = g.agg(["mean", "std", "count"]).reset_index()
    out["sem"] = (out["std"] / np.sqrt(out["count"])).fillna(0.0)
    return out.rename(columns={"count": "n"}).drop(columns=["std"])


def grid(models: pd.DataFrame, value: str, *, images: Iterable[float] | None = None,
         epochs: Iterable[float] | None = None) -> pd.DataFrame:
    """Seed-averaged ``value`` as an images × epochs table (index images, columns epochs)."""
    d = seed_mean(models, ["images", "epoch"], value)
    if d.empty:
        return pd.DataFrame()
    t = d.pivot_table(index="images", columns="epoch", values="mean")
    if images is not None:
        t = t.reindex(index=[i for i in images if i in t.index])
    if epochs is not None:
        t = t.reindex(columns=[e for e in epochs if e in t.columns])
    return t
