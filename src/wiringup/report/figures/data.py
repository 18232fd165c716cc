"""From a tidy score table (this run's, the authors', or both) to one row per model, normalised per source.

Every figure of the paper plots *models*: a brain predictivity (the mean over the V1, V2, V4, IT and behaviour
scores) or per-region scores, usually relative to "a fully trained model" (the 100 %). :func:`model_table` turns
any tidy score table whose rows carry a ``source`` column (``"this run"``, ``"authors (private)"``, ...) into
one row per (source, model) with

* the shared factors: ``arch``, ``init``, ``trained``, ``images``, ``epoch``, ``seed``, ``optimizer``, ``lr``,
  ``weight_decay``, ``schedule``, ``run_id`` (the training run, without its checkpoint epoch), ``converged``
  (this checkpoint ends its run; the authors' data: the epoch of their convergence tables, for the runs of their
  inclusion lists), ``birth`` (epoch 0), ``default_recipe`` (the source's standard optimiser,
  learning rate, weight decay and schedule), ``supervised_updates``, ``trained_conv_weights``,
  ``synaptic_updates``;
* one column per region (the mean of that region's benchmarks), ``imagenet``, ``brain_predictivity`` and
  ``n_regions``;
* ``rel_<region>``, ``rel_imagenet`` and ``rel_bp``: 100 × the value over the source's reference model.

Each source is normalised by its own reference, described by a :class:`SourceInfo` (benchmark suite,
reference model ids and values, missing-score policy) that figure captions print:

* **authors' data** (rows with ``backend`` ``authors-<db>``, from :func:`wiringup.tables.authors.tidy`): the
  private (or public) Brain-Score benchmark of each region; the reference is the authors' own 100 % (0.42150);
  their counts of updates and trained weights, converged checkpoints and pixels baseline
  (:mod:`wiringup.report.figures.authors_models`).
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

from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np
import pandas as pd

from wiringup.tables import authors as A
from wiringup.core.io import WiringupError
from wiringup.plan.figures import RUN_LABEL
from wiringup.plan.ids import REGIONS
# AUTHORS_RECIPE and PIXELS_COMBINED_ID are part of this module's interface for the figures
from wiringup.report.figures.authors_models import (AUTHORS_RECIPE, PIXELS_COMBINED_ID,  # noqa: F401
                                                    authors_models)
from wiringup.report.figures.source_info import SourceInfo

RUN_SOURCE = RUN_LABEL

FACTOR_COLUMNS = ["source", "model_id", "kind", "arch", "variant", "config", "canonical", "init", "trained", "images",
                  "full_data", "epoch", "seed", "optimizer", "lr", "weight_decay", "schedule", "default_recipe",
                  "run_id", "converged", "birth", "supervised_updates", "trained_conv_weights", "synaptic_updates"]
VALUE_COLUMNS = list(REGIONS) + ["imagenet", "n_regions", "brain_predictivity"]


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
            models, info = authors_models(rows, source, missing, regions)
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


# ------------------------------------------------------------------------------------------------- this run

def region_suite(rows: pd.DataFrame, regions: list[str]) -> str:
    """The region -> benchmarks map of a run's score rows, in words, as every caption prints it:
    ``V1: A (local); V2: B (local); ...``, and a warning when any benchmark is scored locally."""
    pairs = rows[rows["region"].isin(regions)][["region", "benchmark_id", "backend"]].drop_duplicates()
    parts = []
    for r in regions:
        here = pairs[pairs["region"] == r].sort_values("benchmark_id")
        if not here.empty:
            parts.append(f"{r}: " + ", ".join(f"{b} ({be})" for b, be in here[["benchmark_id", "backend"]]
                                              .itertuples(index=False)))
    local = (rows["backend"] == "local").any()
    return ("; ".join(parts) or "none") + (" (local benchmarks are not Brain-Score's)" if local else "")


def _run_models(rows: pd.DataFrame, source: str, missing: str, regions: list[str], recipe: dict[str, Any],
                standard_variant: str | None):
    from wiringup.tables.scores import region_score_rows

    # never blank a region: unceiled benchmarks left out, undefined scores count as 0 (both logged)
    kept, unceiled, undefined = region_score_rows(rows, regions, where=f"figures, source {source!r}")
    neural = kept[kept["region"].isin(regions)]
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

    info = SourceInfo(name=source, kind="run", regions=covered, missing=missing,
                      suite=region_suite(rows, covered + ["imagenet"]), unceiled_excluded=unceiled,
                      undefined_as_zero=undefined)
    std = standard_family(m, source=source, standard_variant=standard_variant)
    std = std[~std["birth"] & std["converged"] & std["full_data"] & std["brain_predictivity"].notna()]
    if not std.empty:
        info.reference_ids = sorted(std["model_id"])
        info.reference_bp = float(std["brain_predictivity"].mean())
        info.reference_regions = {r: float(std[r].mean()) for r in list(REGIONS) + ["imagenet"]
                                  if std[r].notna().any()}
        info.delta_reference_ids, info.delta_reference_bp = info.reference_ids, info.reference_bp
    info.count(m)
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


# ------------------------------------------------------------------------------------------------- selections

def family(models: pd.DataFrame, init: str, trained: str, *, arch: str = "cornet_s", default_recipe: bool = True,
           source: str | None = None, include_birth: bool = True) -> pd.DataFrame:
    """Checkpoints of one training family (``init`` × ``trained`` set) of ``arch``, plus its models at birth.

    Of the authors' models only the config that stands for the family counts
    (:data:`~wiringup.report.figures.authors_models.AUTHORS_FAMILY_CONFIG`).
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
