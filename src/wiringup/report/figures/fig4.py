"""Fig. 4: brain predictivity vs supervised *synaptic* updates, and the WC+CT − standard heatmap (paper Sec. 6).

A: relative brain predictivity against supervised synaptic updates (labelled images × epochs × trained conv
weights, log axis) for standard training (KN init, all layers) and WC+CT (WC init, critical training) over
every image count and epoch; the models at birth (0 updates) as horizontal lines; reference models (other
architectures trained as usual, e.g. MobileNet, ResNet-50) and the baselines (pixels, HMAX).
B: per (images, epochs) cell, WC+CT minus standard training in percentage points of the fully trained model
(the authors' Fig. 4B divides by the s0 epoch-43 model alone, 0.42493, and uses seed 0 on their grid: six image
counts and all images × epochs 0, 1, 3, 6, 10, 20 and each run's converged checkpoint).
"""
from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from wiringup.report.figures import data as D
from wiringup.tables import authors as A
from wiringup.report.figures.common import FAMILY_COLORS, FigureResult, finish, heatmap, hline, legend, note_no_data, series
from wiringup.report.figures.panels import (_baseline_lines, aggregate, fam_selector, family_grid, prepare, reference_star,
                     source_title)

FAMILIES = [("standard", "standard training (KN, all layers)", "kn", "all"),
            ("wc_ct", "WC + CT", "wc", "ct")]


def reference_models(models: pd.DataFrame, source: str) -> pd.DataFrame:
    """Other architectures trained as usual: the authors' TF MobileNet and ResNet-50 with every layer trained."""
    m = models[(models["source"] == source) & (models["arch"] != "cornet_s") & (models["trained"] == "all")]
    m = m[(m["kind"] == "reference") | (m["converged"].astype(bool) & m["init"].isin(["kn"]))]
    return m[m["kind"] != "baseline"]


def synaptic_panel(ax, mt: D.ModelTable, families, *, notes: list[str], standard_variant: str | None = None,
                   references: bool = True) -> pd.DataFrame:
    sources = mt.source_names()
    drawn = []
    for slot, source in enumerate(sources):
        n_src = 0
        for key, label, init, trained in families:
            fam = fam_selector(init, trained, standard_variant)(mt.models, source)
            grid = fam[~fam["birth"]]
            agg = aggregate(grid, ["images", "epoch"], "rel_bp", "synaptic_updates")
            agg = agg[agg["synaptic_updates"] > 0] if len(agg) else agg
            if len(agg):
                agg = agg.sort_values("synaptic_updates")
                series(ax, agg["synaptic_updates"], agg["mean"], source=source, sources=sources, label=label,
                       color=FAMILY_COLORS[key], line=False, ms=4)
                drawn.append(agg.assign(source=source, family=key))
                n_src += 1
            birth = D.reported_births(fam, mt.sources[source])["rel_bp"].dropna()
            if len(birth):
                hline(ax, float(birth.mean()), source=source, sources=sources, color=FAMILY_COLORS[key],
                      label=f"{label} at birth (0 updates), n={len(birth)}")
        if not n_src:
            note_no_data(ax, source, "trained standard / WC+CT grids", notes, slot)
        if references:
            refs = reference_models(mt.models, source).dropna(subset=["rel_bp", "synaptic_updates"])
            for _, r in refs.iterrows():
                (pt,) = ax.plot([r["synaptic_updates"]], [r["rel_bp"]], marker="D", ms=6, ls="none",
                                color=FAMILY_COLORS["reference"])
                pt.set_gid(f"ref|{source}|{r['model_id']}")
                ax.annotate(r["arch"], (r["synaptic_updates"], r["rel_bp"]), fontsize=7, xytext=(3, 3),
                            textcoords="offset points")
            _baseline_lines(ax, mt, source, sources)
        reference_star(ax, mt, source, "synaptic_updates", slot)
    ax.set_xscale("log")
    ax.set_xlabel("supervised synaptic updates (epochs × labelled images × trained conv weights)")
    ax.set_ylabel("brain predictivity [% of fully trained]")
    legend(ax)
    return pd.concat(drawn, ignore_index=True) if drawn else pd.DataFrame()


def delta_grid(mt: D.ModelTable, source: str, standard_variant: str | None = None) -> pd.DataFrame:
    """WC+CT − standard brain predictivity per (images, epochs) cell, in percentage points of the source's
    difference normaliser."""
    epochs = A.FIG4B_EPOCHS if mt.sources[source].kind == "authors" else None
    wc = family_grid(mt, source, fam_selector("wc", "ct"), "brain_predictivity", epochs=epochs)
    std = family_grid(mt, source, fam_selector("kn", "all", standard_variant), "brain_predictivity", epochs=epochs)
    if wc.empty or std.empty:
        return pd.DataFrame()
    idx = [i for i in std.index if i in wc.index]
    cols = [c for c in std.columns if c in wc.columns]
    d = (wc.loc[idx, cols] - std.loc[idx, cols]) * 100.0 / mt.sources[source].delta_reference_bp
    return d.dropna(how="all").dropna(axis=1, how="all")


def plot_fig4(table: pd.DataFrame | D.ModelTable, outputs: list[str], *, style: dict[str, Any] | None = None,
              missing: str = "nan", run_recipe: dict[str, Any] | None = None,
              standard_variant: str | None = None) -> FigureResult:
    mt = prepare(table, missing=missing, run_recipe=run_recipe, standard_variant=standard_variant)
    sources = mt.source_names()
    notes: list[str] = []
    fig = plt.figure(figsize=(7 + 6 * len(sources), 5.2))
    gs = fig.add_gridspec(1, 1 + len(sources), width_ratios=[7] + [6] * len(sources))
    ax_a = fig.add_subplot(gs[0, 0])
    ax_a.set_title("A  brain predictivity vs supervised synaptic updates")
    a = synaptic_panel(ax_a, mt, FAMILIES, notes=notes, standard_variant=standard_variant)
    data = {"A": a}
    for i, source in enumerate(sources):
        ax = fig.add_subplot(gs[0, 1 + i])
        ax.set_title(source_title(mt, source, "B  WC+CT − standard [pp]"))
        d = delta_grid(mt, source, standard_variant)
        if d.empty:
            ax.set_axis_off()
            note_no_data(ax, source, "WC+CT and standard on a shared images × epochs grid", notes)
        else:
            heatmap(ax, d, source=source, cmap="RdYlGn", center=True, cbar_label="percentage points")
        data[f"B|{source}"] = d
    norms = "; ".join(f"{s}: B normalised by {mt.sources[s].delta_reference_bp:.4f} "
                      f"({', '.join(mt.sources[s].delta_reference_ids)})" for s in sources)
    grid = (f"seed 0, images {', '.join(f'{n:,}' for n in A.FIG4B_IMAGES)} and all, epochs "
            f"{', '.join(map(str, A.FIG4B_EPOCHS))} and 'conv.' (each run's epoch in the authors' convergence tables)")
    text = finish(fig, outputs, title="Fig. 4  Few supervised synaptic updates with WC + CT", captions=mt.captions(),
                  style=style, extra=f"B: {norms}. Authors' grid (analysis/paper_plots.py::plot_figure_4 → "
                  f"analysis/time_analysis.py::delta_heatmap): {grid}.")
    return FigureResult(fig, data, notes, text)
