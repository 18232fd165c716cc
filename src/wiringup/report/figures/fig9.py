"""Fig. 9: individual benchmark scores of the WC+CT model (paper appendix C).

A: per-region scores of WC + CT (% of the fully trained model's score in that region) over epochs on all
images (0 = at birth); standard training (KN, all layers) thin and dashed for comparison.
B: the same at convergence against the number of labelled images. One row of panels per source.
"""
from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from wiringup.report.figures import data as D
from wiringup.report.figures.common import FigureResult, finish
from wiringup.report.figures.panels import fam_selector, prepare, region_curves, source_title


def plot_fig9(table: pd.DataFrame | D.ModelTable, outputs: list[str], *, style: dict[str, Any] | None = None,
              missing: str = "nan", run_recipe: dict[str, Any] | None = None,
              standard_variant: str | None = None, regions: list[str] | None = None) -> FigureResult:
    mt = prepare(table, missing=missing, run_recipe=run_recipe, standard_variant=standard_variant, regions=regions)
    sources = mt.source_names()
    notes: list[str] = []
    fig, axes = plt.subplots(len(sources), 2, figsize=(13, 4.6 * len(sources)), squeeze=False)
    wc, std = fam_selector("wc", "ct"), fam_selector("kn", "all", standard_variant)
    a, b = [], []
    for i, source in enumerate(sources):
        axes[i, 0].set_title(source_title(mt, source, "A  WC + CT per region vs epochs"))
        axes[i, 1].set_title(source_title(mt, source, "B  WC + CT per region vs images"))
        a.append(region_curves(axes[i, 0], mt, source, wc, over="epoch", notes=notes, label="WC + CT",
                               regions=regions, compare=std, compare_label="standard"))
        b.append(region_curves(axes[i, 1], mt, source, wc, over="images", notes=notes, label="WC + CT",
                               regions=regions, compare=std, compare_label="standard"))
    text = finish(fig, outputs, title="Fig. 9  Individual benchmark scores of WC + CT", captions=mt.captions(),
                  style=style)
    return FigureResult(fig, {"A": pd.concat(a, ignore_index=True), "B": pd.concat(b, ignore_index=True)}, notes,
                        text)
