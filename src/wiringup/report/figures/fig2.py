"""Fig. 2 B and C: Weight Compression (paper Sec. 4).

B (:func:`plot_fig2b`, reads one WC file only): the first layer's Gabor kernels *sampled* from the WC file's
mixture (RGB, each kernel min-max scaled for display), the cluster centres of every k-means layer with kernels
larger than 1×1 (V1.conv2, V2/V4/IT.conv2; diverging colours, one scale per layer; each centre's share of a
kernel's input channels, count mean / in-channels, above it), and the elbow curves (WCSS vs k, min-max scaled)
with the elbow rule's k and the k used.

C (:func:`plot_fig2c`): KN vs WC at birth — per region and for the mean over regions, mean ± s.e.m. over seeds
with every seed as a dot and the permutation-test significance, and the brain predictivity relative to the
source's fully trained model. Works on any tidy score table (this run's, the authors', or both; one row of
panels per source): this run's groups are the models at birth of the inits ``kn`` / ``wc``
(``results/models/init/<init>/seed<S>``); the authors' are their significance-test models
(``CORnet-S_full`` and ``CORnet-S_cluster2_v2_IT_trconv3_bi`` at epoch 0, seeds
:data:`wiringup.tables.authors.AT_BIRTH_SEEDS`; AUTHORS_CODE_FACTS.md §7.3). Significance comes from the WC
statistics table (rule ``wc_stats``) for this run when given, else it is computed here with the same test
(:func:`wiringup.tables.statistics.compare`).
"""
from __future__ import annotations

import os
import warnings
from typing import Any, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from wiringup.tables import authors as A
from wiringup.core.io import WiringupError
from wiringup.tables.statistics import compare
from wiringup.report.figures import data as D
from wiringup.report.figures.common import REGION_ORDER, FigureResult, finish, note_no_data, short_source

KN_COLOR, WC_COLOR = "#9e9e9e", "#023e8a"
#: The authors' at-birth models per init family (their Fig. 2 significance test, §7.3).
AUTHORS_AT_BIRTH_CONFIG = {"kn": "full", "wc": "cluster2_v2_IT_trconv3_bi"}


# ------------------------------------------------------------------------------------------------------- 2B
def plot_fig2b(wc: Any, outputs: Sequence[str], *, style: Mapping[str, Any] | None = None, seed: int = 0,
               max_kernels: int = 64, path: str | None = None) -> FigureResult:
    """Fig. 2B from a WC file (path) or :class:`~wiringup.wc.distributions.WCDistributions`."""
    from wiringup.wc.distributions import GaborGMMLayer, KMeansLayer, load_wc
    from wiringup.wc.fit import ELBOW_RULE
    from wiringup.wc.sample import sample_gabor_weight

    if isinstance(wc, (str, os.PathLike)):
        path = str(wc)
        wc = load_wc(wc)
    notes: list[str] = []
    first_name, first = next(iter(wc.layers.items()))
    kmeans = [(n, l) for n, l in wc.layers.items() if isinstance(l, KMeansLayer) and l.kernel_size != (1, 1)]
    elbows = [(n, l) for n, l in wc.layers.items() if isinstance(l, KMeansLayer) and l.elbow.get("wcss")]
    kmax = max([l.k for _, l in kmeans], default=1)
    fig = plt.figure(figsize=(14, 7.2))
    gs = fig.add_gridspec(max(1, len(kmeans)), 3, width_ratios=[1.15, 1.25, 0.9], wspace=0.25, hspace=0.55)
    data: dict[str, pd.DataFrame] = {}

    # A: sampled first-layer kernels
    ax = fig.add_subplot(gs[:, 0])
    if isinstance(first, GaborGMMLayer):
        n = min(max_kernels, first.out_channels)
        rng = np.random.default_rng([int(seed), 2])
        k = sample_gabor_weight(first, (n, first.in_channels, first.kernel_size, first.kernel_size), rng)
        cols = int(np.ceil(np.sqrt(n)))
        rows = int(np.ceil(n / cols))
        ks = first.kernel_size
        canvas = np.ones((rows * (ks + 1) - 1, cols * (ks + 1) - 1, 3))
        for i in range(n):
            img = np.transpose(k[i, :3], (1, 2, 0)) if k.shape[1] >= 3 else np.repeat(k[i, :1], 3, 0).transpose(1, 2, 0)
            lo, hi = img.min(), img.max()
            img = (img - lo) / (hi - lo) if hi > lo else np.full_like(img, 0.5)
            r, c = divmod(i, cols)
            canvas[r * (ks + 1):r * (ks + 1) + ks, c * (ks + 1):c * (ks + 1) + ks] = img
        ax.imshow(canvas, interpolation="nearest")
        ax.set_title(f"A  {first_name}: {n} kernels sampled from the Gabor mixture\n"
                     f"({first.n_components} component(s), {first.selection.get('selection', '?')}; seed {seed})",
                     fontsize=9)
        data["A"] = pd.DataFrame({"kernel": range(n), "max_abs": np.abs(k).reshape(n, -1).max(1)})
    else:
        note_no_data(ax, "this WC file", f"{first_name} is {first.method}, not a Gabor mixture", notes)
    ax.set_xticks([])
    ax.set_yticks([])

    # B: cluster centres of the k×k k-means layers
    rows_b = []
    for i, (name, layer) in enumerate(kmeans):
        ax = fig.add_subplot(gs[i, 1])
        kh, kw = layer.kernel_size
        share = layer.count_mean / max(1, layer.in_channels)
        order = np.argsort(-share)
        lim = float(np.abs(layer.centers).max()) or 1.0
        canvas = np.full((kh, kmax * (kw + 1) - 1), np.nan)
        for j, c in enumerate(order):
            canvas[:, j * (kw + 1):j * (kw + 1) + kw] = layer.centers[c]
            ax.text(j * (kw + 1) + (kw - 1) / 2, -0.75, f"{100 * share[c]:.0f}%", ha="center", va="bottom",
                    fontsize=6)
            rows_b.append({"layer": name, "cluster": int(c), "share": float(share[c]),
                           "weight_std": float(layer.weight_std[c])})
        ax.imshow(np.ma.masked_invalid(canvas), cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_ylabel(f"{name}\nk={layer.k}", fontsize=7, rotation=0, ha="right", va="center")
        if i == 0:
            ax.set_title("B  cluster centres (share of input channels above)", fontsize=9, pad=12)
    if not kmeans:
        ax = fig.add_subplot(gs[:, 1])
        note_no_data(ax, "this WC file", "no k-means layer with kernels > 1x1", notes)
        ax.axis("off")
    data["B"] = pd.DataFrame(rows_b)

    # C: elbow curves
    ax = fig.add_subplot(gs[:, 2])
    rows_c = []
    cmap = plt.get_cmap("viridis")
    for i, (name, layer) in enumerate(elbows):
        ks, w = np.asarray(layer.elbow["k"], float), np.asarray(layer.elbow["wcss"], float)
        y = (w - w.min()) / (w.max() - w.min()) if w.max() > w.min() else np.zeros_like(w)
        color = cmap(i / max(1, len(elbows) - 1))
        (line,) = ax.plot(ks, y + 0.0 * i, color=color, lw=1, label=name)
        line.set_gid(f"data|elbow|{name}")
        chosen = layer.elbow.get("chosen_k")
        if chosen in list(ks):
            ax.plot([chosen], [y[list(ks).index(chosen)]], "o", color=color, ms=4)
        rows_c.append({"layer": name, "rule_k": layer.elbow.get("rule_k"), "chosen_k": chosen,
                       "choice": layer.elbow.get("choice")})
    if elbows:
        ax.set_xlabel("k (clusters)")
        ax.set_ylabel("WCSS (min-max scaled)")
        ax.legend(fontsize=5, ncol=2)
        ax.set_title("C  elbow curves (dot: k used)", fontsize=9)
    else:
        note_no_data(ax, "this WC file", "no elbow curves (the authors chose k by eye)", notes)
        ax.axis("off")
    data["C"] = pd.DataFrame(rows_c)

    pc = wc.parameter_count()
    src = wc.source
    origin = (f"fitted to {src.get('checkpoint')}" if src.get("kind") == "fit" else
              f"the authors' files ({src.get('directory')})" if src.get("kind") == "authors" else str(src.get("kind")))
    caption = (f"WC file {path or '(in memory)'}: {wc.arch} width {wc.width:g}, {origin}; "
               f"{pc['authors_rule']:,} numbers by the authors' counting rule (paper, full size: 4,166); "
               f"elbow rule: {ELBOW_RULE}.")
    with warnings.catch_warnings():   # the image grid is not tight_layout-compatible; its spacing is set above
        warnings.simplefilter("ignore", UserWarning)
        text = finish(fig, list(outputs), title="Fig. 2B  Weight Compression: sampled Gabor kernels and cluster "
                      "centres", captions=caption, extra="\n".join(notes), style=style)
    return FigureResult(fig, data, notes, text)


# ------------------------------------------------------------------------------------------------------- 2C
def at_birth_groups(mt: D.ModelTable, source: str, inits: Mapping[str, str],
                    seeds: Mapping[str, Sequence[int] | None] | None = None) -> dict[str, pd.DataFrame]:
    """label -> the models at birth of a group in one source (one row per seed).

    This run: ``birth`` rows whose ``init`` is the group's init (and seed in ``seeds[label]`` when given). The
    authors: their at-birth significance models (:data:`AUTHORS_AT_BIRTH_CONFIG`, seeds ``AT_BIRTH_SEEDS``);
    an init family without such a config: its canonical config's epoch-0 models.
    """
    m = mt.models[mt.models["source"] == source]
    authors = mt.sources[source].kind == "authors"
    out = {}
    for label, init in inits.items():
        rows = m[m["birth"].astype(bool) & (m["init"] == init) & (m["arch"] == "cornet_s")]
        if authors:
            cfg = AUTHORS_AT_BIRTH_CONFIG.get(init)
            rows = rows[rows["config"] == cfg] if cfg else rows[rows["canonical"].astype(bool)]
            if cfg:
                rows = rows[rows["seed"].isin(list(A.AT_BIRTH_SEEDS))]
        elif seeds and seeds.get(label) is not None:
            rows = rows[rows["seed"].isin([int(s) for s in seeds[label]])]
        rows = rows.sort_values("seed").drop_duplicates("seed")
        out[label] = rows
    return out


def _stat(stats: pd.DataFrame | None, comparison: str | None, region: str) -> float | None:
    if stats is None or comparison is None or stats.empty:
        return None
    hit = stats[(stats["comparison"] == comparison) & (stats["region"] == region)
                & stats["level"].isin(["region", "mean", "benchmark"])]
    return float(hit["permutation_p"].iloc[0]) if len(hit) else None


def plot_fig2c(table: pd.DataFrame | D.ModelTable, outputs: Sequence[str], *, stats: pd.DataFrame | None = None,
               inits: Mapping[str, str] | None = None, seeds: Mapping[str, Sequence[int] | None] | None = None,
               comparison: str | None = None, regions: Sequence[str] | None = None, missing: str = "nan",
               style: Mapping[str, Any] | None = None, run_recipe: Mapping[str, Any] | None = None,
               standard_variant: str | None = None, by: str = "region",
               title: str = "Fig. 2C  At birth: Kaiming Normal vs Weight Compression") -> FigureResult:
    """Fig. 2C (module doc). ``inits``: label -> init, default ``{"KN": "kn", "WC": "wc"}`` (the first is the
    control); ``seeds``: label -> seeds of this run's groups; ``stats``: the WC statistics table and
    ``comparison`` its comparison name for this run (default ``<wc>_vs_<kn>_at_birth``). ``by="benchmark"``
    draws each benchmark of the regions instead of each region (this run's tables; the last bar pair is still
    the per-seed mean over regions)."""
    from wiringup.tables.wc_stats import stars

    inits = dict(inits or {"KN": "kn", "WC": "wc"})
    if len(inits) != 2:
        raise WiringupError(f"plot_fig2c compares two groups, got {list(inits)}")
    (lab_b, init_b), (lab_a, init_a) = list(inits.items())
    comparison = comparison or f"{init_a}_vs_{init_b}_at_birth"
    mt = table if isinstance(table, D.ModelTable) else D.model_table(
        table, missing=missing, regions=regions if regions is not None else D.REGIONS,
        run_recipe=dict(run_recipe or {}), standard_variant=standard_variant)
    sources = mt.source_names()
    fig, axes = plt.subplots(len(sources), 2, figsize=(13, 4.2 * len(sources)), squeeze=False,
                             gridspec_kw={"width_ratios": [2.3, 1]})
    notes: list[str] = []
    data: dict[str, pd.DataFrame] = {}
    summary_lines = []
    for row, source in enumerate(sources):
        info = mt.sources[source]
        groups = at_birth_groups(mt, source, {lab_b: init_b, lab_a: init_a}, seeds)
        regs = [r for r in REGION_ORDER if r in info.regions]
        per_bench = None
        if by == "benchmark" and info.kind == "run":
            src_rows = table[(table["source"] == source) & table["region"].isin(regs)] \
                if not isinstance(table, D.ModelTable) else None
            if src_rows is not None and len(src_rows):
                per_bench = src_rows.pivot_table(index="model_id", columns="benchmark_id", values="score",
                                                 aggfunc="mean")
        ax, axr = axes[row]
        short = short_source(source)
        if any(g.empty for g in groups.values()):
            missing_labels = [lab for lab, g in groups.items() if g.empty]
            note_no_data(ax, source, f"no models at birth of {', '.join(missing_labels)}", notes)
            note_no_data(axr, source, "", None)
            continue
        rows = []
        cols = (list(per_bench.columns) if per_bench is not None else regs) + ["mean"]
        x = np.arange(len(cols))
        width = 0.36
        for gi, (label, g) in enumerate(groups.items()):
            vals = {r: g[r].to_numpy(dtype=float) for r in regs}
            if per_bench is not None:
                vals = {b: per_bench.reindex(g["model_id"])[b].to_numpy(dtype=float) for b in per_bench.columns}
            vals["mean"] = g[regs].mean(axis=1, skipna=False).to_numpy(dtype=float) if regs else np.array([])
            color = KN_COLOR if gi == 0 else WC_COLOR
            for j, c in enumerate(cols):
                v = vals[c][np.isfinite(vals[c])]
                if v.size == 0:
                    continue
                sem = v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else 0.0
                pos = x[j] + (gi - 0.5) * width
                bar = ax.bar(pos, v.mean(), width, yerr=sem, color=color, alpha=0.85, capsize=2,
                             label=f"{label} (n={v.size})" if j == 0 else None)
                bar.patches[0].set_gid(f"data|{source}|{label}|{c}")
                ax.plot(np.full(v.size, pos) + np.linspace(-0.08, 0.08, v.size), v, ".", color="k", ms=3)
                rows.append({"source": source, "group": label, "region": c, "mean": v.mean(), "sem": sem,
                             "n": v.size})
        d = pd.DataFrame(rows)
        data[f"{short}:regions"] = d
        # significance: the stats table for this run, else computed here with the same test
        top = ax.get_ylim()[1]
        for j, c in enumerate(cols):
            a, b = (d[(d["group"] == lab_a) & (d["region"] == c)], d[(d["group"] == lab_b) & (d["region"] == c)])
            if a.empty or b.empty:
                continue
            p = _stat(stats, comparison, c) if info.kind == "run" else None
            if p is None:
                if c == "mean":
                    va = groups[lab_a][regs].mean(axis=1, skipna=False)
                    vb = groups[lab_b][regs].mean(axis=1, skipna=False)
                elif per_bench is not None:
                    va = per_bench.reindex(groups[lab_a]["model_id"])[c]
                    vb = per_bench.reindex(groups[lab_b]["model_id"])[c]
                else:
                    va, vb = groups[lab_a][c], groups[lab_b][c]
                va, vb = va.dropna().to_numpy(float), vb.dropna().to_numpy(float)
                p = compare(va, vb, label_a=lab_a, label_b=lab_b)["permutation_p"] if min(va.size, vb.size) > 1 \
                    else None
            y = max(a["mean"].iloc[0] + a["sem"].iloc[0], b["mean"].iloc[0] + b["sem"].iloc[0])
            ax.text(x[j], y + 0.02 * abs(top), f"{stars(p)}\np={p:.2g}" if p is not None else "", ha="center",
                    va="bottom", fontsize=7)
            d.loc[(d["region"] == c), "permutation_p"] = p
        ax.set_xticks(x)
        ax.set_xticklabels([c.replace("-pls", "").replace(".V4", "\nV4").replace(".IT", "\nIT")
                            if c != "mean" else "mean of\nregions" for c in cols], fontsize=8)
        ax.set_ylabel("score (ceiled)")
        ax.axhline(0, color="0.3", lw=0.6)
        ax.set_title(f"{short}: {lab_b} vs {lab_a} at birth, per {'benchmark' if per_bench is not None else 'region'}",
                     fontsize=9)
        ax.legend(fontsize=7, loc="upper right")
        ax.margins(y=0.15)
        # relative brain predictivity (% of the source's fully trained model)
        rel = []
        for gi, (label, g) in enumerate(groups.items()):
            v = g["rel_bp"].to_numpy(dtype=float)
            v = v[np.isfinite(v)]
            if v.size:
                sem = v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else 0.0
                bar = axr.bar(gi, v.mean(), 0.6, yerr=sem, color=KN_COLOR if gi == 0 else WC_COLOR, capsize=3)
                bar.patches[0].set_gid(f"data|{source}|{label}|rel_bp")
                axr.plot(np.full(v.size, gi) + np.linspace(-0.12, 0.12, v.size), v, ".", color="k", ms=3)
                axr.text(gi, v.mean() + sem, f"{v.mean():.1f}±{sem:.1f} %", ha="center", va="bottom", fontsize=8)
                rel.append({"source": source, "group": label, "mean": v.mean(), "sem": sem, "n": v.size})
        if rel:
            axr.set_xticks(range(len(groups)))
            axr.set_xticklabels(list(groups))
            axr.set_ylabel("brain predictivity, % of fully trained")
            axr.set_title(f"{short}: relative to {', '.join(info.reference_ids[:2])}"
                          f"{' …' if len(info.reference_ids) > 2 else ''}", fontsize=8)
            axr.margins(y=0.15)
            data[f"{short}:relative"] = pd.DataFrame(rel)
            summary_lines.append(f"{source}: " + "; ".join(f"{r['group']} {r['mean']:.1f} ± {r['sem']:.1f} % "
                                                           f"(n={r['n']})" for r in rel))
        else:
            note_no_data(axr, source, "no fully trained reference model", notes)
            axr.set_xticks([])
            axr.set_yticks([])
    captions = mt.captions() + "\n" + "\n".join(summary_lines) + (
        "\nbars: mean ± s.e.m. over seeds, dots: seeds; significance: two-sided exact permutation test of the "
        "difference in means (*** p<0.001, ** p<0.01, * p<0.05); the mean of regions is taken per seed")
    text = finish(fig, list(outputs), title=title,
                  captions=captions, extra="\n".join(notes), style=style)
    return FigureResult(fig, data, notes, text)
