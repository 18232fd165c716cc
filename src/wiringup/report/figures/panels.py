"""Panels shared by several figures: brain predictivity against (synaptic) updates, per-region curves over
epochs and over images, images × epochs heatmaps. Each draws every source of a :class:`~.data.ModelTable`
and notes in the panel a source that has nothing to draw."""
from __future__ import annotations

from typing import Any, Callable, Iterable

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm

from wiringup.report.figures import data as D
from wiringup.report.figures.common import (REGION_COLORS, REGION_ORDER, hline, legend, note_no_data, series, set_xscale,
                     short_source)

FamilySelector = Callable[[pd.DataFrame, str], pd.DataFrame]
CONVERGED_COLUMN = float("inf")     # the grid column of converged checkpoints (heatmaps label it "conv.")


def prepare(table: pd.DataFrame | D.ModelTable, *, missing: str = "nan", run_recipe: dict[str, Any] | None = None,
            standard_variant: str | None = None, regions=None, seeds=None) -> D.ModelTable:
    """A ModelTable from a tidy score table (or pass one through). ``seeds`` restricts this run's models."""
    if isinstance(table, D.ModelTable):
        mt = table
    else:
        mt = D.model_table(table, missing=missing, run_recipe=run_recipe, standard_variant=standard_variant,
                           regions=regions if regions is not None else D.REGIONS)
    if seeds is not None:
        m = mt.models
        keep = (m["source"] != D.RUN_SOURCE) | m["seed"].isna() | m["seed"].isin(list(seeds)) | \
            (m["kind"] != "trained")
        mt = D.ModelTable(m[keep].reset_index(drop=True), mt.sources)
    return mt


def fam_selector(init: str, trained: str, standard_variant: str | None = None) -> FamilySelector:
    def select(models: pd.DataFrame, source: str) -> pd.DataFrame:
        if (init, trained) == ("kn", "all"):
            return D.standard_family(models, source=source, standard_variant=standard_variant)
        return D.family(models, init, trained, source=source)
    return select


def aggregate(df: pd.DataFrame, keys: list[str], value: str, x: str | None = None) -> pd.DataFrame:
    """Seed mean and s.e.m. of ``value`` per group of ``keys`` (and the group's mean ``x``)."""
    d = df.dropna(subset=[value])
    if d.empty:
        return pd.DataFrame(columns=keys + ["mean", "sem", "n"] + ([x] if x and x not in keys else []))
    out = D.seed_mean(d, keys, value)
    if x and x not in keys:
        out[x] = d.groupby(keys, dropna=False)[x].mean().to_numpy()
    return out


def image_norm(mt: D.ModelTable, selector: FamilySelector) -> LogNorm:
    counts = []
    for s in mt.source_names():
        counts += list(selector(mt.models, s)["images"].dropna())
    counts = [c for c in counts if c > 0] or [1, 10]
    return LogNorm(vmin=min(counts), vmax=max(counts) * 1.0001)


def updates_by_images(ax, mt: D.ModelTable, selector: FamilySelector, *, notes: list[str], x: str =
                      "supervised_updates", family_label: str = "standard", birth_label: str = "at birth (KN)",
                      baselines: bool = True, cmap: str = "viridis") -> pd.DataFrame:
    """Fig. 1A / 6: relative brain predictivity against updates, one curve per image count, per source."""
    sources = mt.source_names()
    norm = image_norm(mt, selector)
    cm = plt.get_cmap(cmap)
    drawn = []
    for slot, source in enumerate(sources):
        fam = selector(mt.models, source)
        trained = fam[~fam["birth"]]
        agg = aggregate(trained, ["images", "epoch"], "rel_bp", x)
        agg = agg[agg[x] > 0] if len(agg) else agg
        if agg.empty:
            note_no_data(ax, source, family_label, notes, slot)
        for images, d in agg.groupby("images"):
            d = d.sort_values(x)
            series(ax, d[x], d["mean"], d["sem"], source=source, sources=sources, color=cm(norm(images)),
                   label=f"{int(images):,} images")
        if len(agg):
            drawn.append(agg.assign(source=source))
        birth = D.reported_births(fam, mt.sources[source])["rel_bp"].dropna()
        if len(birth):
            hline(ax, float(birth.mean()), source=source, sources=sources, label=f"{birth_label}, n={len(birth)}")
        if baselines:
            _baseline_lines(ax, mt, source, sources)
        if np.isfinite(mt.sources[source].reference_bp):
            reference_star(ax, mt, source, x, slot)
    ax.set_xscale("log")
    ax.set_ylabel("brain predictivity [% of fully trained]")
    legend(ax, ncol=2)
    return pd.concat(drawn, ignore_index=True) if drawn else pd.DataFrame()


def reference_star(ax, mt: D.ModelTable, source: str, x: str, slot: int) -> None:
    """The fully trained reference models of ``source`` as one star at 100 %, at their mean ``x`` (none where
    that is missing or not positive, as on a log axis); labelled in the legend for the first source only."""
    info = mt.sources[source]
    refm = mt.models[(mt.models["source"] == source) & mt.models["model_id"].isin(info.reference_ids)]
    xs = refm[x].mean() if len(refm) else np.nan
    if np.isfinite(xs) and xs > 0:
        (pt,) = ax.plot([xs], [100.0], marker="*", ms=11, color="black", ls="none",
                        label="fully trained (100 %)" if slot == 0 else None)
        pt.set_gid(f"ref|{source}|reference")


def _baseline_lines(ax, mt: D.ModelTable, source: str, sources: list[str]) -> None:
    for arch, color in (("pixels", "#bb3e03"), ("hmax", "#6a4c93")):
        row = baseline(mt.models, source, arch)
        if row is not None and np.isfinite(row["rel_bp"]):
            hline(ax, float(row["rel_bp"]), source=source, sources=sources, label=f"{arch} baseline", color=color,
                  ls=":")


def baseline(models: pd.DataFrame, source: str, arch: str) -> pd.Series | None:
    """The baseline model ``arch`` (pixels, hmax) of a source: the authors' combined pixels id when present."""
    rows = models[(models["source"] == source) & (models["kind"] == "baseline") & (models["arch"] == arch)]
    if rows.empty:
        return None
    if (rows["model_id"] == D.PIXELS_COMBINED_ID).any():
        return rows[rows["model_id"] == D.PIXELS_COMBINED_ID].iloc[0]
    plain = rows[rows["config"].isna()] if "config" in rows else rows
    rows = plain if len(plain) else rows
    return rows.sort_values("n_regions", ascending=False).iloc[0]


def regions_of(mt: D.ModelTable, source: str, regions: list[str] | None = None) -> list[str]:
    scored = mt.sources[source].regions
    return [r for r in REGION_ORDER if r in scored and (regions is None or r in regions)]


def region_curves(ax, mt: D.ModelTable, source: str, selector: FamilySelector, *, over: str, notes: list[str],
                  label: str, regions: list[str] | None = None, compare: FamilySelector | None = None,
                  compare_label: str = "", slot: int = 0) -> pd.DataFrame:
    """Per-region relative scores of one source: ``over="epoch"`` on the full data set (0 = at birth), or
    ``over="images"`` at convergence. ``compare`` draws a second family thin and dashed."""
    sources = mt.source_names()
    drawn = []
    for sel, lab, faint in ((selector, label, False), (compare, compare_label, True)):
        if sel is None:
            continue
        fam = sel(mt.models, source)
        if over == "epoch":
            d = pd.concat([fam[fam["full_data"].astype(bool) & ~fam["birth"]],
                           D.reported_births(fam, mt.sources[source])])
        else:
            d = fam[fam["converged"].astype(bool) & ~fam["birth"]]
        for r in regions_of(mt, source, regions):
            agg = aggregate(d, [over], f"rel_{r}")
            if agg.empty:
                continue
            agg = agg.sort_values(over)
            if faint:
                (ln,) = ax.plot(agg[over], agg["mean"], color=REGION_COLORS[r], lw=0.8, ls="--", alpha=0.6,
                                label=f"{r} ({lab})")
                ln.set_gid(f"cmp|{source}|{r}")
            else:
                series(ax, agg[over], agg["mean"], agg["sem"], source=source, sources=[source],
                       color=REGION_COLORS[r], label=r)
                drawn.append(agg.assign(region=r, source=source))
    if not drawn:
        note_no_data(ax, source, label, notes, slot)
    set_xscale(ax, "symlog" if over == "epoch" else "log")
    ax.set_xlabel("training epochs (all images; 0 = at birth)" if over == "epoch"
                  else "labelled training images (trained to convergence)")
    ax.set_ylabel("score [% of fully trained, per region]")
    legend(ax, ncol=2)
    return pd.concat(drawn, ignore_index=True) if drawn else pd.DataFrame()


def source_title(mt: D.ModelTable, source: str, text: str) -> str:
    return text if len(mt.sources) == 1 else f"{text} — {short_source(source)}"


def family_grid(mt: D.ModelTable, source: str, selector: FamilySelector, value: str = "rel_bp", *,
                epochs: Iterable[float] | None = None) -> pd.DataFrame:
    """Images × epochs grid of a family's seed-averaged ``value``: this run's every image count and checkpoint;
    the authors' their heatmap grid (seed 0): their image counts and the full-data row × ``epochs`` (default
    Fig. 8's, :data:`wiringup.tables.authors.FIG8_EPOCHS`) and a last column :data:`CONVERGED_COLUMN` (``inf``,
    drawn "conv."): each run's converged checkpoint (the authors' convergence tables)."""
    fam = D.with_birth_per_images(selector(mt.models, source))
    if mt.sources[source].kind == "authors":
        import wiringup.tables.authors as A

        fam = fam[fam["seed"] == 0]
        images = [float(i) for i in A.FIG4B_IMAGES] + [float(A.FULL_IMAGENET)]
        g = D.grid(fam, value, images=images, epochs=[float(e) for e in (A.FIG8_EPOCHS if epochs is None else epochs)])
        conv = fam[fam["converged"].astype(bool) & ~fam["birth"].astype(bool)].dropna(subset=[value])
        if len(g) and len(conv):
            g[CONVERGED_COLUMN] = conv.groupby("images")[value].mean().reindex(g.index)
        return g
    return D.grid(fam, value)
