"""Shared pieces of every figure: colours, seed averaging, atomic saving, captions."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..io import atomic_path  # noqa: E402

REGION_ORDER = ["V1", "V2", "V4", "IT", "behavior"]
REGION_COLORS = {"V1": "#1b9e77", "V2": "#d95f02", "V4": "#7570b3", "IT": "#e7298a", "behavior": "#66a61e"}


def save_figure(fig: plt.Figure, outputs: list[str], dpi: int = 150) -> None:
    for out in outputs:
        out = Path(out)
        with atomic_path(out) as tmp:
            fig.savefig(tmp, format=out.suffix.lstrip("."), dpi=dpi, bbox_inches="tight")
    plt.close(fig)


def seed_mean(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Mean and s.e.m. of ``score`` over seeds for each group of ``keys``."""
    g = df.groupby(keys, dropna=False)["score"]
    out = g.agg(["mean", "count", "std"]).reset_index()
    out["sem"] = (out["std"] / np.sqrt(out["count"])).fillna(0.0)
    return out


def caption(table: pd.DataFrame) -> str:
    benches = ", ".join(f"{b} ({be})" for b, be in
                        table[["benchmark_id", "backend"]].drop_duplicates().itertuples(index=False))
    return f"data: this pipeline's runs; benchmarks: {benches}; scores ceiled (raw / split-half ceiling)"


def region_panel(ax, data: pd.DataFrame, regions: list[str], x: str, xscale: str, xlabel: str,
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


