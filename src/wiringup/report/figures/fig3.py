"""Fig. 3 C/D: critical training (CT) vs downstream training (DT) and the other trained-layer sets (paper Sec. 5).

C: brain predictivity of converged models (all images, default recipe, seed mean) against the fraction of the
standard model's conv weights that they train; one curve per way of reducing the trained layers, each from
standard training (100 % of weights) down to the smallest set:

* DT (downstream training): all → V4+IT (``dt_v4``) → IT (``dt_it``) → decoder only (``decoder``);
* CT (critical training): all → ``ct_v2`` → ``ct_v4`` → ``ct`` (conv3 of V2, V4, IT + decoder);
* conv1 training (``conv1_v2`` … ``conv1``), BatchNorm training (``batchnorm_v2`` … ``batchnorm``);
* WC init with CT: ``ct_v2``, ``ct_v4``, ``ct``, decoder only (init ``wc``).

D: the same models' ImageNet top-1 relative to the standard model. Panels A and B of the paper are diagrams.
"""
from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from wiringup.report.figures import data as D
from wiringup.report.figures.common import FAMILY_COLORS, FigureResult, finish, legend, note_no_data, series
from wiringup.report.figures.panels import aggregate, prepare

CURVES = [  # (label, init, trained sets from most to fewest trained weights, start at standard training?)
    ("Downstream training (DT)", "kn", ["dt_v4", "dt_it", "decoder"], True, FAMILY_COLORS["dt"]),
    ("Critical training (CT)", "kn", ["ct_v2", "ct_v4", "ct"], True, "#1d4ed8"),
    ("conv1 training", "kn", ["conv1_v2", "conv1_v4", "conv1"], True, FAMILY_COLORS["conv1"]),
    ("BatchNorm training", "kn", ["batchnorm_v2", "batchnorm_v4", "batchnorm"], True, FAMILY_COLORS["batchnorm"]),
    ("WC init + CT", "wc", ["ct_v2", "ct_v4", "ct", "decoder"], False, "#03045e"),
]


def converged_sets(mt: D.ModelTable, source: str, standard_variant: str | None = None) -> pd.DataFrame:
    """One row per (init, trained set): seed means of the converged full-data models of a source, with the
    fraction of the standard model's conv weights they train (``weights_percent``)."""
    m = mt.models
    rows = []
    std_all = D.standard_family(m, source=source, standard_variant=standard_variant)
    std_all = std_all[~std_all["birth"]]
    std = std_all[std_all["converged"].astype(bool) & std_all["full_data"].astype(bool)]
    full_weights = std["trained_conv_weights"].mean()
    sets = {}
    for _, init, trained_sets, _, _ in CURVES:
        for t in trained_sets:
            fam = D.family(m, init, t, source=source, include_birth=False)
            conv = fam[fam["converged"].astype(bool)]
            if mt.sources[source].kind == "authors" or conv.empty:
                sets[(init, t)] = conv[conv["full_data"].astype(bool)]
            else:   # this run trains the variants on a subset of the grid: their largest image count
                sets[(init, t)] = conv[conv["images"] == conv["images"].max()]
    if mt.sources[source].kind == "run":
        # the standard model at the variants' (images, epoch) point, when they are not on the full data set
        points = {(float(i), float(e)) for d in sets.values() for i, e in zip(d["images"], d["epoch"])}
        if points and not any(d["full_data"].astype(bool).any() for d in sets.values() if len(d)):
            images, epoch = max(points)
            matched = std_all[(std_all["images"] == images) & np.isclose(std_all["epoch"].astype(float), epoch)]
            if len(matched):
                std = matched
    sets = {("kn", "all"): std, **sets}
    for (init, t), d in sets.items():
        if d.empty:
            continue
        bp, top1 = aggregate(d, ["source"], "rel_bp"), aggregate(d, ["source"], "rel_imagenet")
        rows.append({"source": source, "init": init, "trained": t, "n": int(len(d)),
                     "model_ids": ",".join(sorted(d["model_id"])),
                     "trained_conv_weights": float(d["trained_conv_weights"].mean()),
                     "weights_percent": 100.0 * float(d["trained_conv_weights"].mean()) / full_weights
                     if full_weights else np.nan,
                     "rel_bp": float(bp["mean"].iloc[0]) if len(bp) else np.nan,
                     "rel_bp_sem": float(bp["sem"].iloc[0]) if len(bp) else np.nan,
                     "rel_imagenet": float(top1["mean"].iloc[0]) if len(top1) else np.nan})
    return pd.DataFrame(rows)


def plot_fig3(table: pd.DataFrame | D.ModelTable, outputs: list[str], *, style: dict[str, Any] | None = None,
              missing: str = "nan", run_recipe: dict[str, Any] | None = None,
              standard_variant: str | None = None) -> FigureResult:
    mt = prepare(table, missing=missing, run_recipe=run_recipe, standard_variant=standard_variant)
    sources = mt.source_names()
    notes: list[str] = []
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8))
    sets = pd.concat([converged_sets(mt, s, standard_variant) for s in sources] or [pd.DataFrame()],
                     ignore_index=True)
    for ax, value, title, ylabel in (
            (axes[0], "rel_bp", "C  brain predictivity vs trained weights", "brain predictivity [% of standard]"),
            (axes[1], "rel_imagenet", "D  ImageNet top-1 vs trained weights", "ImageNet top-1 [% of standard]")):
        ax.set_title(title)
        for slot, source in enumerate(sources):
            s = sets[sets["source"] == source] if len(sets) else sets
            drawn = 0
            std = s[(s["init"] == "kn") & (s["trained"] == "all")] if len(s) else s
            for label, init, trained_sets, from_std, color in CURVES:
                pts = s[(s["init"] == init) & s["trained"].isin(trained_sets)] if len(s) else s
                if pts.empty:
                    continue
                if from_std and len(std):
                    pts = pd.concat([std, pts], ignore_index=True)
                pts = pts.dropna(subset=[value, "weights_percent"]).sort_values("weights_percent", ascending=False)
                if pts.empty:
                    continue
                series(ax, pts["weights_percent"], pts[value], source=source, sources=sources, label=label,
                       color=color)
                drawn += 1
            if len(std) and np.isfinite(std[value].iloc[0]):
                (pt,) = ax.plot([100.0], [std[value].iloc[0]], marker="*", ms=11, color="black", ls="none",
                                label="standard training" if slot == 0 else None)
                pt.set_gid(f"ref|{source}|standard")
            if not drawn:
                note_no_data(ax, source, "converged trained-layer variants on all images", notes, slot)
        ax.set_xlabel("trained conv weights [% of the standard model's]")
        ax.set_ylabel(ylabel)
        ax.set_xlim(-3, 105)
        legend(ax)
    text = finish(fig, outputs, title="Fig. 3  Training only critical layers (CT) vs downstream training (DT)",
                  captions=mt.captions(), style=style,
                  extra="Converged models trained on all images, seed means (this run: each variant at its largest "
                        "image count and last checkpoint, the curves starting at standard training at the same point "
                        "when the variants do not use all images). Trained weights counted as the authors did (conv "
                        "weights; WC models add the trained norm3 BatchNorm weights): 100 % = 52,860,096 for the "
                        "full-size CORnet-S; this run counts its own (scaled) model.")
    return FigureResult(fig, {"sets": sets}, notes, text)
