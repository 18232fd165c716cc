"""Fig. 1: brain predictivity vs supervised updates, epochs and images (paper Sec. 3)."""
from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from ..io import WiringupError
from .common import REGION_ORDER, caption, region_panel, save_figure, seed_mean

def supervised_grid(table: pd.DataFrame, experiment: dict[str, Any], init: str) -> pd.DataFrame:
    """Rows of the supervised-updates grid: the variant's checkpoints plus its at-birth models as epoch 0."""
    seeds = set(experiment["seeds"])
    trained = table[(table["variant"] == experiment["variant"]) & table["seed"].isin(seeds)].copy()
    birth = table[table["variant"].isna() & (table["init"] == init) & table["seed"].isin(seeds)]
    if trained.empty:
        raise WiringupError(f"the score table has no rows of variant {experiment['variant']!r}")
    # At birth every image count starts from the same model: repeat its rows once per image count.
    rows = [trained]
    for images in trained["images"].unique():
        b = birth.copy()
        b["images"] = images
        rows.append(b)
    grid = pd.concat(rows, ignore_index=True)
    grid["epoch"] = grid["epoch"].astype(float)
    return grid


def plot_fig1(table: pd.DataFrame, outputs: list[str], *, experiment: dict[str, Any],
              style: dict[str, Any] | None = None, init: str = "kn",
              regions: list[str] | None = None) -> dict[str, Any]:
    """Fig. 1: A brain predictivity vs supervised updates (log x); B per-region score vs epochs; C vs images.

    Only neural benchmarks of ``regions`` count (ImageNet never does); A averages each region's benchmarks, then
    the regions (the brain predictivity when all five regions are scored).
    Returns the plotted data (for tests).
    """
    style = style or {}
    regions_cfg = list(regions or REGION_ORDER)
    grid = supervised_grid(table[table["region"].isin(regions_cfg)], experiment, init)
    ok = grid.dropna(subset=["score"])
    # brain predictivity as in wiringup.results.brain_predictivity: mean over regions of each region's mean
    per_region_model = ok.groupby(["model_id", "images", "epoch", "seed", "region"], dropna=False)["score"] \
        .mean().reset_index()
    per_model = per_region_model.groupby(["model_id", "images", "epoch", "seed"], dropna=False)["score"] \
        .mean().reset_index()
    mean = seed_mean(per_model, ["images", "epoch"])
    mean["supervised_updates"] = mean["images"] * mean["epoch"]
    regions = [r for r in REGION_ORDER if r in set(ok["region"])]
    per_region = seed_mean(per_region_model, ["region", "images", "epoch"])
    all_images = max(grid["images"])
    last_epoch = max(grid["epoch"])

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4))
    ax = axes[0]
    birth = mean[mean["epoch"] == 0]["mean"]
    if len(birth):
        ax.axhline(float(birth.mean()), color="0.5", ls="--", lw=1, label="at birth (KN)")
    cmap = plt.get_cmap("viridis")
    image_counts = sorted(mean["images"].unique())
    for i, images in enumerate(image_counts):
        d = mean[(mean["images"] == images) & (mean["epoch"] > 0)].sort_values("supervised_updates")
        ax.errorbar(d["supervised_updates"], d["mean"], yerr=d["sem"], marker="o", ms=4,
                    color=cmap(i / max(1, len(image_counts) - 1)), label=f"{int(images):,} images")
    ax.set_xscale("log")
    ax.set_xlabel("supervised updates (labelled images × epochs)")
    if len(regions) == 1:
        ax.set_ylabel(f"score ({regions[0]})")
    else:
        ax.set_ylabel("brain predictivity" + ("" if len(regions) == 5 else f" ({', '.join(regions)})"))
    ax.set_title("A  brain predictivity vs supervised updates")
    ax.legend(fontsize=8)

    region_panel(axes[1], per_region[per_region["images"] == all_images], regions, "epoch", "symlog",
                  f"epochs ({int(all_images):,} images; 0 = at birth)", "B  per region vs epochs")
    region_panel(axes[2], per_region[per_region["epoch"] == last_epoch], regions, "images", "log",
                  f"labelled training images (epoch {last_epoch:g})", "C  per region vs images")
    fig.suptitle("Fig. 1  Fewer supervised updates (standard training)", fontsize=11)
    fig.text(0.5, -0.02, caption(ok), ha="center", fontsize=8, color="0.3")
    fig.tight_layout()
    save_figure(fig, outputs, dpi=style.get("dpi", 150))
    return {"A": mean, "B": per_region[per_region["images"] == all_images],
            "C": per_region[per_region["epoch"] == last_epoch]}
