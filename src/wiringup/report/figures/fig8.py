"""Fig. 8: detailed analysis of WC+CT (paper appendix C).

A: relative brain predictivity against supervised synaptic updates for standard training (KN init, all
layers), critical training alone (KN + CT) and WC + CT, over every image count and epoch; at-birth models
(0 updates) as horizontal lines.
B: brain predictivity (% of the fully trained model) of WC + CT per (labelled images, epochs) cell.
C: the same for standard training. Heatmaps are drawn per source (the authors': seed 0 on the grid of their
``analysis/paper_plots.py::supp_4`` → ``analysis/time_analysis.py::image_epoch_heatmap``: six image counts and all
images × epochs 0, 1, 2, 3, 5, 6, 10, 20 and each run's converged checkpoint, "conv.").
"""
from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from wiringup.report.figures import data as D
from wiringup.report.figures.common import FigureResult, finish, heatmap, note_no_data
from wiringup.report.figures.fig4 import synaptic_panel
from wiringup.report.figures.panels import fam_selector, family_grid, prepare, source_title

FAMILIES = [("standard", "standard training (KN, all layers)", "kn", "all"),
            ("kn_ct", "KN + CT", "kn", "ct"),
            ("wc_ct", "WC + CT", "wc", "ct")]


def plot_fig8(table: pd.DataFrame | D.ModelTable, outputs: list[str], *, style: dict[str, Any] | None = None,
              missing: str = "nan", run_recipe: dict[str, Any] | None = None,
              standard_variant: str | None = None) -> FigureResult:
    mt = prepare(table, missing=missing, run_recipe=run_recipe, standard_variant=standard_variant)
    sources = mt.source_names()
    notes: list[str] = []
    fig = plt.figure(figsize=(15, 5 + 4.6 * len(sources)))
    gs = fig.add_gridspec(1 + len(sources), 2, height_ratios=[5] + [4.6] * len(sources))
    ax_a = fig.add_subplot(gs[0, :])
    ax_a.set_title("A  brain predictivity vs supervised synaptic updates")
    data = {"A": synaptic_panel(ax_a, mt, FAMILIES, notes=notes, standard_variant=standard_variant,
                                references=False)}
    for i, source in enumerate(sources):
        for j, (key, init, trained, title) in enumerate((("B", "wc", "ct", "B  WC + CT"),
                                                        ("C", "kn", "all", "C  standard training"))):
            ax = fig.add_subplot(gs[1 + i, j])
            ax.set_title(source_title(mt, source, f"{title} [% of fully trained]"))
            g = family_grid(mt, source, fam_selector(init, trained, standard_variant), "rel_bp")
            if g.empty:
                ax.set_axis_off()
                note_no_data(ax, source, f"{title[3:]} over images × epochs", notes)
            else:
                heatmap(ax, g, source=source, cmap="viridis", vmin=0, vmax=100, cbar_label="% of fully trained")
            data[f"{key}|{source}"] = g
    text = finish(fig, outputs, title="Fig. 8  Detailed analysis of WC + CT", captions=mt.captions(), style=style)
    return FigureResult(fig, data, notes, text)
