"""Paper figures, drawn only from the tidy score table (never from checkpoints).

Each ``plot_*`` function takes the table (``wiringup.results.read_score_table``), the output paths (one per
format) and the config slices it needs, and writes every format atomically.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .io import WiringupError, atomic_path  # noqa: E402

REGION_ORDER = ["V1", "V2", "V4", "IT", "behavior"]
REGION_COLORS = {"V1": "#1b9e77", "V2": "#d95f02", "V4": "#7570b3", "IT": "#e7298a", "behavior": "#66a61e"}


def save_figure(fig: plt.Figure, outputs: list[str], dpi: int = 150) -> None:
    for out in outputs:
        out = Path(out)
        with atomic_path(out) as tmp:
            fig.savefig(tmp, format=out.suffix.lstrip("."), dpi=dpi, bbox_inches="tight")
    plt.close(fig)


def _seed_mean(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Mean and s.e.m. of ``score`` over seeds for each group of ``keys``."""
    g = df.groupby(keys, dropna=False)["score"]
    out = g.agg(["mean", "count", "std"]).reset_index()
    out["sem"] = (out["std"] / np.sqrt(out["count"])).fillna(0.0)
    return out


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


def _caption(table: pd.DataFrame) -> str:
    benches = ", ".join(f"{b} ({be})" for b, be in
                        table[["benchmark_id", "backend"]].drop_duplicates().itertuples(index=False))
    return f"data: this pipeline's runs; benchmarks: {benches}; scores ceiled (raw / split-half ceiling)"


def _region_panel(ax, data: pd.DataFrame, regions: list[str], x: str, xscale: str, xlabel: str,
                  title: str) -> None:
    """One line per region of seed-averaged scores against ``x``."""
    for region in regions:
        d = data[data["region"] == region].sort_values(x)
        ax.errorbar(d[x], d["mean"], yerr=d["sem"], marker="o", ms=4, color=REGION_COLORS.get(region),
                    label=region)
    if xscale == "symlog":
        ax.set_xscale("symlog", linthresh=0.1)
    else:
        ax.set_xscale(xscale)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("score")
    ax.set_title(title)
    ax.legend(fontsize=8)


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
    mean = _seed_mean(per_model, ["images", "epoch"])
    mean["supervised_updates"] = mean["images"] * mean["epoch"]
    regions = [r for r in REGION_ORDER if r in set(ok["region"])]
    per_region = _seed_mean(per_region_model, ["region", "images", "epoch"])
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

    _region_panel(axes[1], per_region[per_region["images"] == all_images], regions, "epoch", "symlog",
                  f"epochs ({int(all_images):,} images; 0 = at birth)", "B  per region vs epochs")
    _region_panel(axes[2], per_region[per_region["epoch"] == last_epoch], regions, "images", "log",
                  f"labelled training images (epoch {last_epoch:g})", "C  per region vs images")
    fig.suptitle("Fig. 1  Fewer supervised updates (standard training)", fontsize=11)
    fig.text(0.5, -0.02, _caption(ok), ha="center", fontsize=8, color="0.3")
    fig.tight_layout()
    save_figure(fig, outputs, dpi=style.get("dpi", 150))
    return {"A": mean, "B": per_region[per_region["images"] == all_images],
            "C": per_region[per_region["epoch"] == last_epoch]}
