"""Fig. 1: brain predictivity vs supervised updates, epochs and images (paper Sec. 3), standard training.

A: brain predictivity (% of the source's fully trained model) against supervised updates (labelled images ×
epochs, log axis), one curve per image count, the models at birth and the baselines as horizontal lines.
B: per-region scores (% of the fully trained model's score in that region) over epochs on all images.
C: per-region scores at convergence against the number of labelled images.
Any source (this run, the authors' data, both): A overlays them; B and C get one row per source.
"""
from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from wiringup.core.io import WiringupError
from wiringup.report.figures import data as D
from wiringup.report.figures.common import FigureResult, finish
from wiringup.report.figures.panels import fam_selector, prepare, region_curves, source_title, updates_by_images


def supervised_grid(table: pd.DataFrame, experiment: dict[str, Any], init: str) -> pd.DataFrame:
    """Rows of this run's supervised-updates grid (score table rows): the variant's checkpoints plus its
    at-birth models repeated as epoch 0 of every image count."""
    seeds = set(experiment["seeds"])
    trained = table[(table["variant"] == experiment["variant"]) & table["seed"].isin(seeds)].copy()
    birth = table[table["variant"].isna() & (table["init"] == init) & table["seed"].isin(seeds)]
    if trained.empty:
        raise WiringupError(f"the score table has no rows of variant {experiment['variant']!r}")
    rows = [trained]
    for images in trained["images"].unique():
        b = birth.copy()
        b["images"] = images
        rows.append(b)
    grid = pd.concat(rows, ignore_index=True)
    grid["epoch"] = grid["epoch"].astype(float)
    return grid


def plot_fig1(table: pd.DataFrame | D.ModelTable, outputs: list[str], *, experiment: dict[str, Any] | None = None,
              style: dict[str, Any] | None = None, init: str = "kn", regions: list[str] | None = None,
              missing: str = "nan", run_recipe: dict[str, Any] | None = None) -> FigureResult:
    """Draw Fig. 1 from a tidy score table (any sources) into ``outputs`` (one file per format).

    ``experiment``: this run's ``experiments.supervised_updates`` (its variant is the standard training and its
    seeds the ones drawn). Returns the figure and the plotted data (panels ``A``, ``B``, ``C``).
    """
    experiment = experiment or {}
    mt = prepare(table, missing=missing, run_recipe=run_recipe, standard_variant=experiment.get("variant"),
                 regions=regions, seeds=experiment.get("seeds"))
    select = fam_selector(init, "all", experiment.get("variant"))
    sources = mt.source_names()
    notes: list[str] = []
    fig = plt.figure(figsize=(15, 4.4 + 3.6 * (len(sources) - 1)))
    gs = fig.add_gridspec(len(sources), 3)
    ax_a = fig.add_subplot(gs[:, 0])
    a = updates_by_images(ax_a, mt, select, notes=notes, family_label="standard training (KN, all layers)",
                          birth_label=f"at birth ({init.upper()})")
    ax_a.set_xlabel("supervised updates (labelled images × epochs)")
    ax_a.set_title("A  brain predictivity vs supervised updates")
    b, c = [], []
    for i, source in enumerate(sources):
        ax_b, ax_c = fig.add_subplot(gs[i, 1]), fig.add_subplot(gs[i, 2])
        ax_b.set_title(source_title(mt, source, "B  per region vs epochs"))
        ax_c.set_title(source_title(mt, source, "C  per region vs images"))
        b.append(region_curves(ax_b, mt, source, select, over="epoch", notes=notes, label="standard training",
                               regions=regions))
        c.append(region_curves(ax_c, mt, source, select, over="images", notes=notes, label="standard training",
                               regions=regions))
    text = finish(fig, outputs, title="Fig. 1  High brain predictivity with few supervised updates "
                  "(standard training)", captions=mt.captions(), style=style,
                  extra="Converged = the last checkpoint of a run (authors: the epochs of their §2 table where "
                        "listed).")
    return FigureResult(fig, {"A": a, "B": pd.concat(b, ignore_index=True), "C": pd.concat(c, ignore_index=True)},
                        notes, text)
