"""Fig. 6: the findings generalise across hyper-parameters (paper appendix; ``supp_7`` in the authors' code).

Brain predictivity (% of the fully trained model) against supervised updates, on the axes of Fig. 1A, for
standard training (KN init, every layer trained) with the default recipe (SGD, lr 0.1, weight decay 1e-4,
plateau schedule: black) and each other recipe of the source: learning rates, weight decays, optimisers, and
the authors' alternative convergence schedule (``_con2``). One curve per recipe and image count.
"""
from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from wiringup.report.figures import data as D
from wiringup.report.figures.common import FigureResult, finish, legend, note_no_data, series
from wiringup.report.figures.panels import aggregate, prepare


def recipe_label(row: pd.Series, default: dict[str, Any]) -> str:
    """What differs from the source's default recipe, e.g. ``lr 0.01``, ``wd 1e-05``, ``adam``, ``schedule con2``."""
    parts = []
    if isinstance(row.get("optimizer"), str) and row["optimizer"] != str(default.get("optimizer", "sgd")).lower():
        parts.append(row["optimizer"])
    for key, short in (("lr", "lr"), ("weight_decay", "wd")):
        v, d = row.get(key), default.get(key)
        if v is not None and np.isfinite(v) and d is not None and not np.isclose(v, d, rtol=1e-6, atol=0):
            parts.append(f"{short} {v:g}")
    if isinstance(row.get("schedule"), str) and row["schedule"] not in (None, default.get("schedule", "plateau")):
        parts.append(f"schedule {row['schedule']}")
    if not parts and isinstance(row.get("variant"), str):
        parts.append(str(row["variant"]))
    return ", ".join(parts) or "default"


def recipe_variants(mt: D.ModelTable, source: str, run_recipe: dict[str, Any] | None = None,
                    standard_variant: str | None = None) -> pd.DataFrame:
    """Trained standard-family checkpoints (KN, all layers, CORnet-S) with a non-default recipe, labelled."""
    m = mt.models
    m = m[(m["source"] == source) & (m["arch"] == "cornet_s") & (m["kind"] == "trained") & (m["init"] == "kn")
          & (m["trained"] == "all") & ~m["birth"] & m["canonical"].astype(bool)]
    variants = m[~m["default_recipe"].astype(bool)]
    if mt.sources[source].kind == "run" and standard_variant is not None:
        # this run: other variants of KN/all (e.g. a schedule change the table cannot see) count as well
        variants = pd.concat([variants, m[m["default_recipe"].astype(bool) & m["variant"].notna()
                                          & (m["variant"] != standard_variant)]])
    default = D.AUTHORS_RECIPE if mt.sources[source].kind == "authors" else {**D.AUTHORS_RECIPE, **(run_recipe or {})}
    if variants.empty:
        return variants.assign(recipe=pd.Series(dtype=object))
    return variants.assign(recipe=[recipe_label(r, default) for _, r in variants.iterrows()])


def plot_fig6(table: pd.DataFrame | D.ModelTable, outputs: list[str], *, style: dict[str, Any] | None = None,
              missing: str = "nan", run_recipe: dict[str, Any] | None = None,
              standard_variant: str | None = None) -> FigureResult:
    mt = prepare(table, missing=missing, run_recipe=run_recipe, standard_variant=standard_variant)
    sources = mt.source_names()
    notes: list[str] = []
    fig, ax = plt.subplots(figsize=(10, 6))
    ax.set_title("brain predictivity vs supervised updates, per training recipe")
    cmap = plt.get_cmap("tab10")
    drawn = []
    labels: list[str] = []
    for slot, source in enumerate(sources):
        var = recipe_variants(mt, source, run_recipe, standard_variant)
        std = D.standard_family(mt.models, source=source, standard_variant=standard_variant)
        std = std[~std["birth"]]
        # the default recipe on all images, and on each image count a variant was trained on
        counts = set(std.loc[std["full_data"].astype(bool), "images"].dropna())
        counts |= set(var["images"].dropna()) if len(var) else set()
        for images in sorted(counts, reverse=True):
            agg = aggregate(std[std["images"] == images], ["epoch"], "rel_bp", "supervised_updates")
            if agg.empty:
                continue
            agg = agg.sort_values("supervised_updates")
            full = bool(std.loc[std["images"] == images, "full_data"].astype(bool).all())
            series(ax, agg["supervised_updates"], agg["mean"], agg["sem"], source=source, sources=sources,
                   label="default recipe" + ("" if full else f", {int(images):,} images"),
                   color="black" if full else "0.45")
            drawn.append(agg.assign(source=source, recipe="default", images=images))
        n_var = 0
        for (recipe, images), d in var.groupby(["recipe", "images"]) if len(var) else []:
            agg = aggregate(d, ["epoch"], "rel_bp", "supervised_updates")
            if agg.empty:
                continue
            if recipe not in labels:
                labels.append(recipe)
            full = bool(d["full_data"].astype(bool).all())
            series(ax, agg.sort_values("supervised_updates")["supervised_updates"],
                   agg.sort_values("supervised_updates")["mean"], source=source, sources=sources,
                   color=cmap(labels.index(recipe) % 10),
                   label=recipe if full else f"{recipe}, {int(images):,} images")
            drawn.append(agg.assign(source=source, recipe=recipe, images=images))
            n_var += 1
        if not n_var:
            note_no_data(ax, source, "hyper-parameter variants", notes, slot)
        n_missing = int(var["rel_bp"].isna().sum()) if len(var) else 0
        if n_missing:
            notes.append(f"{source}: {n_missing} hyper-parameter checkpoints lack a benchmark (not drawn)")
    ax.set_xscale("log")
    ax.set_xlabel("supervised updates (labelled images × epochs)")
    ax.set_ylabel("brain predictivity [% of fully trained]")
    legend(ax, ncol=2)
    text = finish(fig, outputs, title="Fig. 6  Findings generalise across hyper-parameters", captions=mt.captions(),
                  style=style, extra="; ".join(n for n in notes if "lack a benchmark" in n))
    return FigureResult(fig, {"A": pd.concat(drawn, ignore_index=True) if drawn else pd.DataFrame()}, notes, text)
