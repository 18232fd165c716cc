"""Fig. 5: dissecting the training reductions (paper Sec. 7, App. D).

A (transfer): for each architecture, the brain predictivity of standard training (KN init, every layer trained)
and of WC+CT (weights sampled from CORnet-S's WC distributions through the layer mapping, then Critical Training),
against the number of trained conv weights (log axis); each pair is annotated with the share of the standard
score that WC+CT keeps and the parameter reduction, in the conv-weights convention and in the paper's (trained
conv weights against *all* parameters of the standard model: ResNet-50 80.3 %, MobileNet 43.3 % at full width —
the paper's "almost 80 %" and "43 %"). CORnet-S is drawn too when both its families are in the table.
B (dissection): per architecture, absolute per-region scores of KN, WC, KN+CT and WC+CT.

Rows are picked from a :class:`~.data.ModelTable`, so any tidy score table works (this run's, the authors'
(``wiringup.tables.authors``), or both):

* **this run** — transfer architectures: the at-birth models ``init/<arch>_{kn,wc}`` (KN, WC) and the runs of the
  transfer variants (``variant_kinds``: variant -> ``standard`` | ``kn_ct`` | ``wc_ct``; otherwise by init and
  ``trained`` = ``all``/``ct``); CORnet-S: the at-birth models (init ``kn``/``wc``, no training) and the ``ct``
  trained-layer family per init. A trained condition uses the last checkpoint of its run with the most images.
* **the authors' data** — transfer architectures: the runs the paper draws (AUTHORS_CODE_FACTS.md §7.3,
  :data:`AUTHORS_RUNS`), each at its latest checkpoint with every region scored (``resnet_v3`` WC+CT: epoch 22;
  its epoch 28 has one benchmark); the MobileNet standard is the pretrained TF-slim model. KN and WC at birth are
  the ``epoch_00`` checkpoints of those runs where scored (ResNet-50 only; their MobileNet runs have none). CORnet-S: the converged
  runs the authors' ``analysis/paper_plots.py::plot_figure_5`` names (:data:`wiringup.tables.authors.FIG5B_MODELS`)
  at their converged epochs: KN = ``train_random`` (decoder trained: the paper's "KN" bar) and KN+CT =
  ``train_conv3_bi``, each the mean of seeds 0 and 42 (their ``model_versions``); WC = ``cluster2_v2_IT_bi_seed42``
  and WC+CT = ``cluster2_v2_IT_trconv3_bi_seed42``, seed 42 only (seed 0's runs are left out, as in the paper).

A condition without rows is listed in the panel ("missing: …") and in the figure's notes, never drawn as zero.
"""
from __future__ import annotations

from typing import Any, Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import NullFormatter

from wiringup.report.figures import data as D
from wiringup.tables import authors as A
from wiringup.report.figures.common import REGION_COLORS, FigureResult, finish, legend, note_no_data, series
from wiringup.report.figures.panels import prepare

ARCH_ALIASES = {"mobilenet": "mobilenet_v1"}
ARCH_LABELS = {"cornet_s": "CORnet-S", "resnet50": "ResNet-50", "mobilenet_v1": "MobileNet v1"}
ARCH_ORDER = ["cornet_s", "resnet50", "mobilenet_v1"]
TRANSFER = ("resnet50", "mobilenet_v1")
DISSECTION = ["KN", "WC", "KN+CT", "WC+CT"]
CONDITION_COLORS = {"KN": "#bdbdbd", "WC": "#8ecae6", "KN+CT": "#555555", "WC+CT": "#023e8a", "standard": "#e76f51"}
#: Transfer runs the paper's Fig. 5A draws (id without epoch), per (architecture, condition).
AUTHORS_RUNS = {
    ("resnet50", "standard"): "resnet_v1_CORnet-S_full",
    ("resnet50", "WC+CT"): "resnet_v3_CORnet-S_cluster2_v2_IT_trconv3_bi",
    ("mobilenet_v1", "standard"): "mobilenet_v1_1.0_224",
    ("mobilenet_v1", "WC+CT"): "mobilenet_v6_CORnet-S_cluster2_v2_IT_trconv3_bi",
}
AUTHORS_BIRTH = {"standard": "KN", "WC+CT": "WC"}
_KIND_CONDITION = {"standard": "standard", "kn_ct": "KN+CT", "wc_ct": "WC+CT"}
VALUES = list(D.REGIONS) + ["imagenet", "brain_predictivity"]


def _latest_complete(rows: pd.DataFrame) -> pd.DataFrame:
    """Per run, its latest checkpoint among those with the most regions scored."""
    out = []
    for _, g in rows.groupby("run_id", sort=True):
        g = g[g["n_regions"] == g["n_regions"].max()]
        out.append(g[g["epoch"] == g["epoch"].max()])
    return pd.concat(out) if out else rows.iloc[:0]


def _last_of_largest(rows: pd.DataFrame) -> pd.DataFrame:
    """This run: the runs with the most images, each at its last checkpoint."""
    if rows.empty:
        return rows
    rows = rows[rows["images"] == rows["images"].max()] if rows["images"].notna().any() else rows
    return rows[rows["converged"].astype(bool)]


def _run_condition(m: pd.DataFrame, arch: str, variant_kinds: Mapping[str, str]) -> pd.Series:
    """Condition of each of this run's rows of ``arch`` (None where it is none of Fig. 5's)."""
    cond = pd.Series([None] * len(m), index=m.index, dtype=object)
    birth = m["birth"].astype(bool)
    cond[birth & (m["init"] == "kn")] = "KN"
    cond[birth & (m["init"] == "wc")] = "WC"
    trained = ~birth & m["default_recipe"].astype(bool)
    by_variant = m["variant"].map(lambda v: _KIND_CONDITION.get(variant_kinds.get(v)) if isinstance(v, str)
                                  else None)
    named = trained & by_variant.notna()
    cond[named] = by_variant[named]
    rest = trained & ~named   # not a listed transfer variant: by init and trained set
    cond[rest & (m["trained"] == "ct") & (m["init"] == "kn")] = "KN+CT"
    cond[rest & (m["trained"] == "ct") & (m["init"] == "wc")] = "WC+CT"
    cond[rest & (m["trained"] == "all") & (m["init"] == "kn")] = "standard"
    return cond


def select_conditions(mt: D.ModelTable, source: str, variant_kinds: Mapping[str, str] | None = None
                      ) -> pd.DataFrame:
    """The models of each (architecture, condition) of one source (rows of the ModelTable plus ``condition``)."""
    variant_kinds = dict(variant_kinds or {})
    m = mt.models[mt.models["source"] == source].copy()
    m["arch"] = m["arch"].map(lambda a: ARCH_ALIASES.get(a, a))
    parts = []
    if mt.sources[source].kind == "authors":
        for (arch, cond), run in AUTHORS_RUNS.items():
            runs = m[(m["arch"] == arch) & (m["run_id"] == run)]
            parts.append(_latest_complete(runs[~runs["birth"].astype(bool)]).assign(condition=cond))
            # at birth: epoch 0 of the same runs (ResNet-50: KN from the standard run, WC from the WC+CT run)
            parts.append(runs[runs["birth"].astype(bool)].assign(condition=AUTHORS_BIRTH[cond]))
        cor = m[(m["arch"] == "cornet_s")]
        for cond, name in A.FIG5B_MODELS.items():   # the runs plot_figure_5 names, at their converged epochs
            parts.append(cor[cor["model_id"].isin(A.converged_ids(name))].assign(condition=cond))
        std = D.standard_family(cor, source=source)
        parts.append(std[~std["birth"] & std["converged"].astype(bool) & std["full_data"].astype(bool)]
                     .assign(condition="standard"))
    else:
        m = m[m["kind"] == "trained"]
        for arch in ARCH_ORDER:
            a = m[m["arch"] == arch]
            if a.empty:
                continue
            cond = _run_condition(a, arch, variant_kinds)
            chosen = {c: a[cond == c] for c in ("KN", "WC")}
            chosen.update({c: _last_of_largest(a[cond == c]) for c in ("KN+CT", "WC+CT")})
            std, ref = a[cond == "standard"], chosen["WC+CT"]
            pt = std.iloc[:0]
            if len(ref) and len(std):   # standard training at the WC+CT point (same images and epoch)
                pt = std[(std["images"] == ref["images"].iloc[0])
                         & np.isclose(std["epoch"].astype(float), float(ref["epoch"].iloc[0]))]
            chosen["standard"] = pt if len(pt) else _last_of_largest(std)
            parts += [d.assign(condition=c) for c, d in chosen.items()]
    out = pd.concat(parts, ignore_index=True) if parts else mt.models.iloc[:0].assign(condition=None)
    return out


def summarise(sel: pd.DataFrame) -> pd.DataFrame:
    """Seed means (and s.e.m.) per (source, arch, condition) of every region, ImageNet and brain predictivity."""
    rows = []
    for (source, arch, cond), g in sel.groupby(["source", "arch", "condition"], sort=False):
        r = {"source": source, "arch": arch, "condition": cond, "n": int(len(g)),
             "model_ids": ",".join(sorted(g["model_id"])),
             "images": float(g["images"].mean()) if g["images"].notna().any() else np.nan,
             "epoch": float(g["epoch"].mean()) if g["epoch"].notna().any() else np.nan,
             "trained_conv_weights": float(g["trained_conv_weights"].mean())
             if g["trained_conv_weights"].notna().any() else np.nan}
        for v in VALUES:
            x = g[v].dropna()
            r[v] = float(x.mean()) if len(x) else np.nan
            r[f"{v}_sem"] = float(x.std(ddof=1) / np.sqrt(len(x))) if len(x) > 1 else 0.0
        rows.append(r)
    return pd.DataFrame(rows)


def _total_parameters(arch: str, width: float, num_classes: int, parameters: pd.DataFrame | None = None) -> float:
    """Every parameter of ``arch`` at ``width``: from the parameter table (results/tables/transfer_parameters.csv)
    when it has the row, else counted on the meta device."""
    if parameters is not None and len(parameters):
        p = parameters[(parameters["arch"] == arch) & np.isclose(parameters["width"].astype(float), width)
                       & (parameters["num_classes"] == num_classes)]
        if len(p):
            return float(p["total_parameters"].iloc[0])
    import torch

    from wiringup.nets.registry import ARCHITECTURES, count_parameters

    with torch.device("meta"):
        model = ARCHITECTURES[arch](width=width, num_classes=num_classes)
    return float(count_parameters(model)["total"])


def transfer_pairs(summary: pd.DataFrame, widths: Mapping[tuple[str, str], float] | None = None,
                   num_classes: Mapping[str, int] | None = None, parameters: pd.DataFrame | None = None
                   ) -> pd.DataFrame:
    """Per (source, arch): standard vs WC+CT — score kept and parameter reductions in both conventions."""
    rows = []
    widths, num_classes = dict(widths or {}), dict(num_classes or {})
    for (source, arch), g in summary.groupby(["source", "arch"], sort=False):
        std, wcct = g[g["condition"] == "standard"], g[g["condition"] == "WC+CT"]
        if std.empty or wcct.empty:
            continue
        s, w = std.iloc[0], wcct.iloc[0]
        total = _total_parameters(arch, widths.get((source, arch), 1.0), num_classes.get(source, 1000), parameters)
        rows.append({
            "source": source, "arch": arch, "standard_bp": s["brain_predictivity"], "wc_ct_bp": w["brain_predictivity"],
            "score_kept_percent": 100.0 * w["brain_predictivity"] / s["brain_predictivity"],
            "standard_imagenet": s["imagenet"], "wc_ct_imagenet": w["imagenet"],
            "standard_conv_weights": s["trained_conv_weights"], "wc_ct_conv_weights": w["trained_conv_weights"],
            "total_parameters": total,
            "conv_weight_reduction_percent": 100.0 * (1 - w["trained_conv_weights"] / s["trained_conv_weights"]),
            "parameter_reduction_percent": 100.0 * (1 - w["trained_conv_weights"] / total),
            "standard_ids": s["model_ids"], "wc_ct_ids": w["model_ids"]})
    return pd.DataFrame(rows)


def _widths(table: pd.DataFrame) -> dict[tuple[str, str], float]:
    if "width" not in table.columns or "arch" not in table.columns:
        return {}
    d = table.dropna(subset=["width", "arch"])
    return {(s, ARCH_ALIASES.get(a, a)): float(w) for (s, a), w in d.groupby(["source", "arch"])["width"].first().items()}


def plot_fig5(table: pd.DataFrame | D.ModelTable, outputs: list[str], *, style: dict[str, Any] | None = None,
              missing: str = "nan", run_recipe: dict[str, Any] | None = None, standard_variant: str | None = None,
              variant_kinds: Mapping[str, str] | None = None, num_classes: int = 1000,
              regions: list[str] | None = None, parameters: pd.DataFrame | None = None) -> FigureResult:
    """Fig. 5 A (transfer) and B (dissection) from any tidy score table; see the module doc.

    ``variant_kinds``: this run's transfer variants -> ``standard`` | ``kn_ct`` | ``wc_ct``; ``num_classes``: this
    run's classifier size (for the parameter totals of the paper's reduction convention); ``parameters``: the
    parameter table of :func:`wiringup.wc.transfer.parameter_table` (else the totals are counted here).
    """
    widths = _widths(table) if isinstance(table, pd.DataFrame) else {}
    mt = prepare(table, missing=missing, run_recipe=run_recipe, standard_variant=standard_variant)
    sources = mt.source_names()
    notes: list[str] = []
    sel = pd.concat([select_conditions(mt, s, variant_kinds) for s in sources], ignore_index=True)
    summary = summarise(sel) if len(sel) else pd.DataFrame(columns=["source", "arch", "condition"])
    classes = {s: (num_classes if mt.sources[s].kind == "run" else 1000) for s in sources}
    pairs = transfer_pairs(summary, widths, classes, parameters) if len(summary) else pd.DataFrame()

    archs_b = [a for a in ARCH_ORDER if len(summary) and (summary["arch"] == a).any()] or list(TRANSFER)
    fig = plt.figure(figsize=(5.5 + 4.2 * len(archs_b), 4.2 * len(sources) + 0.6))
    gs = fig.add_gridspec(len(sources), 1 + len(archs_b), width_ratios=[1.3] + [1.0] * len(archs_b))
    ax_a = fig.add_subplot(gs[:, 0])
    ax_a.set_title("A  transfer: standard vs WC+CT")
    for slot, source in enumerate(sources):
        p = pairs[pairs["source"] == source] if len(pairs) else pairs
        if p.empty:
            note_no_data(ax_a, source, "standard and WC+CT of one architecture", notes, slot)
            continue
        for _, r in p.iterrows():
            color = {"cornet_s": "#444444", "resnet50": "#d62828", "mobilenet_v1": "#2a9d8f"}.get(r["arch"], "k")
            label = ARCH_LABELS.get(r["arch"], r["arch"])
            series(ax_a, [r["standard_conv_weights"], r["wc_ct_conv_weights"]], [r["standard_bp"], r["wc_ct_bp"]],
                   source=source, sources=sources, label=label, color=color, ms=7)
            ax_a.annotate(f"{r['score_kept_percent']:.0f} % of score\n−{r['conv_weight_reduction_percent']:.0f} % "
                          f"conv w. (−{r['parameter_reduction_percent']:.0f} % params)",
                          (r["wc_ct_conv_weights"], r["wc_ct_bp"]), textcoords="offset points", xytext=(6, -4),
                          fontsize=7, color=color)
    ax_a.set_xscale("log")
    ax_a.xaxis.set_minor_formatter(NullFormatter())
    ax_a.margins(x=0.15, y=0.1)
    ax_a.set_xlabel("trained conv weights (standard: right end; WC+CT: left end)")
    ax_a.set_ylabel("brain predictivity (mean over regions scored)")
    legend(ax_a, loc="lower right")

    regs = [r for r in (regions or list(D.REGIONS)) if r in D.REGIONS]
    b_data = {}
    for row, source in enumerate(sources):
        regs_s = [r for r in regs if r in mt.sources[source].regions] or regs
        for col, arch in enumerate(archs_b):
            ax = fig.add_subplot(gs[row, 1 + col])
            ax.set_title(f"B  {ARCH_LABELS.get(arch, arch)}" + (f" [{source}]" if len(sources) > 1 else ""))
            s = summary[(summary["source"] == source) & (summary["arch"] == arch)] if len(summary) else summary
            present = [c for c in DISSECTION if len(s) and (s["condition"] == c).any()]
            width = 0.8 / len(DISSECTION)
            x = np.arange(len(regs_s))
            for i, c in enumerate(DISSECTION):
                if c not in present:
                    continue
                r = s[s["condition"] == c].iloc[0]
                vals = [r[g] for g in regs_s]
                errs = [r[f"{g}_sem"] for g in regs_s]
                bars = ax.bar(x - 0.4 + width * (i + 0.5), vals, width, yerr=errs, color=CONDITION_COLORS[c],
                              label=c, capsize=2)
                for patch in bars.patches:
                    patch.set_gid(f"bar|{source}|{arch}|{c}")
                b_data[(source, arch, c)] = dict(zip(regs_s, vals))
            absent = [c for c in DISSECTION if c not in present]
            if absent:
                if not present:
                    note_no_data(ax, source, f"{ARCH_LABELS.get(arch, arch)}: no KN/WC/KN+CT/WC+CT models", notes)
                else:
                    ax.text(0.02, 0.97, "missing: " + ", ".join(absent), transform=ax.transAxes, fontsize=7,
                            va="top", color="#b00020")
                    notes.append(f"{source} {arch}: missing {', '.join(absent)}")
            ax.set_xticks(x)
            ax.set_xticklabels(regs_s, fontsize=8)
            for t, g in zip(ax.get_xticklabels(), regs_s):
                t.set_color(REGION_COLORS.get(g, "k"))
            ax.axhline(0, color="0.6", lw=0.6)
            ax.set_ylabel("score (ceiled)")
            legend(ax, loc="upper right")
    extra = ("A: seed means; WC+CT keeps X % of the standard model's brain predictivity with the stated fewer "
             "trained conv weights (in brackets: against all parameters of the standard model, the paper's "
             "convention). B: absolute per-region scores. This run: KN/WC are the models at birth and the trained "
             "conditions the last checkpoint of the run with the most images; the authors: the runs of their "
             "Fig. 5 (KN/WC of CORnet-S with the decoder trained).")
    if notes:
        extra += " Missing: " + "; ".join(notes)
    text = finish(fig, outputs, title="Fig. 5  Dissecting training reductions: transfer (A) and KN/WC/CT (B)",
                  captions=mt.captions(), extra=extra, style=style)
    return FigureResult(fig, {"selected": sel, "summary": summary, "A": pairs,
                              "B": pd.DataFrame([{"source": k[0], "arch": k[1], "condition": k[2], **v}
                                                 for k, v in b_data.items()])}, notes, text)
