"""Shared pieces of every figure: colours, seed averaging, atomic saving, captions, per-source styles.

A figure function draws every source of its table (this run, the authors' data, or both overlaid): curves of
one source share a line style and marker (:func:`source_style`); a panel that has no rows of a source says
so in the panel (:func:`note_no_data`) instead of failing. Data lines carry a ``gid`` ``"data|<source>|<label>"``
so tests can count the plotted points (:func:`data_lines`).
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from wiringup.core.io import atomic_path  # noqa: E402
from wiringup.plan.ids import REGIONS  # noqa: E402

REGION_ORDER = list(REGIONS)
REGION_COLORS = {"V1": "#1b9e77", "V2": "#d95f02", "V4": "#7570b3", "IT": "#e7298a", "behavior": "#66a61e",
                 "imagenet": "#444444"}
# Line style and marker per source: the authors' data solid with circles, this run dashed with squares.
SOURCE_STYLES = [dict(ls="-", marker="o"), dict(ls="--", marker="s"), dict(ls=":", marker="^"),
                 dict(ls="-.", marker="D")]
FAMILY_COLORS = {"standard": "#8ecae6", "kn_ct": "#555555", "wc_ct": "#023e8a", "dt": "#999999",
                 "conv1": "#e76f51", "batchnorm": "#2a9d8f", "wc": "#023e8a", "reference": "#7f7f7f"}


@dataclass
class FigureResult:
    """What a figure function drew: the figure (closed, still inspectable), its data per panel, its notes."""

    figure: plt.Figure
    data: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    caption: str = ""

    def __getitem__(self, key: str) -> pd.DataFrame:     # old API: plot_fig1(...)["A"]
        return self.data[key]


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
    set_xscale(ax, xscale)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("score")
    ax.set_title(title)
    ax.legend(fontsize=8)


# ------------------------------------------------------------------------------------ multi-source drawing

def set_xscale(ax, xscale: str) -> None:
    if xscale == "symlog":
        ax.set_xscale("symlog", linthresh=0.1)
    else:
        ax.set_xscale(xscale)


def source_style(sources: list[str], source: str) -> dict[str, Any]:
    return dict(SOURCE_STYLES[sources.index(source) % len(SOURCE_STYLES)])


def short_source(source: str) -> str:
    return source.replace("authors (private)", "authors").replace("authors (public)", "authors-public")


def series(ax, x, y, yerr=None, *, source: str, sources: list[str], label: str, color: Any = None,
           line: bool = True, ms: float = 4.0, **kw: Any):
    """Draw one data series of ``source`` (with error bars when given) and tag it for tests."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    st = source_style(sources, source)
    if not line:
        st["ls"] = "none"
    shown = label if len(sources) == 1 else f"{label} [{short_source(source)}]"
    if yerr is not None and np.any(np.asarray(yerr, dtype=float) > 0):
        cont = ax.errorbar(x, y, yerr=np.asarray(yerr, dtype=float), ms=ms, color=color, label=shown, lw=1.2,
                           elinewidth=0.8, **st, **kw)
        artist = cont.lines[0]
    else:
        (artist,) = ax.plot(x, y, ms=ms, color=color, label=shown, lw=1.2, **st, **kw)
    artist.set_gid(f"data|{source}|{label}")
    return artist


def hline(ax, y: float, *, source: str, sources: list[str], label: str, color: Any = "0.5", ls: str = "--"):
    """A horizontal reference (at birth, a baseline); tagged ``ref|...`` (not counted as data points)."""
    if y is None or not np.isfinite(y):
        return None
    shown = label if len(sources) == 1 else f"{label} [{short_source(source)}]"
    line = ax.axhline(y, color=color, ls=ls if len(sources) == 1 else source_style(sources, source)["ls"],
                      lw=1, label=shown)
    line.set_gid(f"ref|{source}|{label}")
    return line


def note_no_data(ax, source: str, what: str = "", notes: list[str] | None = None, slot: int = 0) -> None:
    """Write "no data from <source>" into a panel (and record it in ``notes``)."""
    text = f"no data from {source}" + (f" ({what})" if what else "")
    ax.text(0.02, 0.97 - 0.07 * slot, text, transform=ax.transAxes, ha="left", va="top", fontsize=8,
            color="#b00020", bbox=dict(facecolor="white", edgecolor="#b00020", alpha=0.8, lw=0.5),
            gid=f"nodata|{source}")
    if notes is not None:
        notes.append(f"{ax.get_title() or 'panel'}: {text}")


def empty_panel(ax) -> bool:
    return not any((ln.get_gid() or "").startswith("data|") for ln in ax.lines) and not ax.images


def data_lines(ax, source: str | None = None) -> list:
    """The tagged data lines of a panel (optionally of one source)."""
    out = []
    for ln in ax.lines:
        gid = ln.get_gid() or ""
        if gid.startswith("data|") and (source is None or gid.split("|")[1] == source):
            out.append(ln)
    return out


def n_points(ax, source: str | None = None) -> int:
    """Finite points drawn in a panel's data lines (heatmaps: finite cells)."""
    n = sum(int(np.isfinite(np.asarray(ln.get_ydata(), dtype=float)).sum()) for ln in data_lines(ax, source))
    for im in ax.images:
        gid = im.get_gid() or ""
        if source is None or gid.split("|")[1:2] == [source]:
            n += int(np.isfinite(np.ma.filled(im.get_array(), np.nan)).sum())
    return n


def legend(ax, **kw: Any) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(fontsize=kw.pop("fontsize", 7), **kw)


def finish(fig: plt.Figure, outputs: list[str], *, title: str, captions: str, extra: str = "",
           style: dict[str, Any] | None = None, width: int = 190) -> str:
    """Title, the caption (sources, benchmark suites, normalisers, figure notes) under the figure; save."""
    style = style or {}
    fig.suptitle(title, fontsize=11)
    text = "\n".join(textwrap.fill(line, width) for line in (captions + ("\n" + extra if extra else "")).split("\n"))
    fig.tight_layout()
    fig.text(0.01, 0.0, text, ha="left", va="top", fontsize=7, color="0.25")
    if outputs:
        save_figure(fig, outputs, dpi=style.get("dpi", 150))
    else:
        plt.close(fig)
    return text


def heatmap(ax, table: pd.DataFrame, *, source: str, cmap: str = "viridis", vmin=None, vmax=None,
            fmt: str = "{:.0f}", center: bool = False, cbar_label: str = "") -> None:
    """Images × epochs table as a heatmap with the values written in the cells."""
    values = table.to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    if vmin is None:
        vmin = float(finite.min()) if finite.size else 0.0
    if vmax is None:
        vmax = float(finite.max()) if finite.size else 1.0
    if center:
        lim = np.nanmax(np.abs(values)) if np.isfinite(values).any() else 1.0
        vmin, vmax = -lim, lim
    im = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto", origin="lower")
    im.set_gid(f"heat|{source}")
    ax.set_xticks(range(len(table.columns)))
    ax.set_xticklabels(["conv." if e == float("inf") else f"{e:g}" for e in table.columns], fontsize=7)
    ax.set_yticks(range(len(table.index)))
    ax.set_yticklabels([f"{int(i):,}" for i in table.index], fontsize=7)
    ax.set_xlabel("training epochs")
    ax.set_ylabel("labelled images")
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=6,
                    color="white" if (not center and v < (vmin + vmax) / 2) else "black")
    cb = ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.02)
    cb.set_label(cbar_label, fontsize=7)
