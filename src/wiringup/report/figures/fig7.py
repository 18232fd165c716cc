"""Fig. 7: alternative weight compressions, without training (grey) and after critical training (blue).

Methods (paper App. B.3; AUTHORS_CODE_FACTS.md §3.6): WC, Mixture Gaussian, Kernel normal, No Gabor prior. Per
source one panel: the brain predictivity (mean over the source's regions; mean ± s.e.m. over seeds, seeds as
dots) of each method without training and after CT, with KN at birth as a dashed line.

* This run: "without training" = the models at birth of the method's init (``weight_compression.at_birth``;
  ``method_inits`` maps a method to its init names, e.g. wc -> [wc, wc_ct]); "after CT" = checkpoints of any of
  those inits with the trained-layer set ``ct``, at the largest image count and then the largest epoch present
  for that method (the point is printed in the caption). Trained alternatives exist only when the config
  trains them; a missing bar is named in the panel and the caption.
* The authors (as drawn in their ``analysis/paper_plots.py``, §7.3): "without training" = the decoder-only
  configs (``cluster2_v2_IT_bi``, ``brain_wmc15_IT_bi``, ``brain3_knall_IT_bi``, ``brain2_knall_IT_bi_v2``),
  "after CT" = the CT configs, both at epoch 6, each the runs ``supp_5`` names: the seeds of their
  ``model_versions`` list where the config has one (WC: seeds 42 and 0; WC+CT: seeds 0 and 42, seed 94 left out),
  else seed 0 (:data:`wiringup.tables.authors.FIG7_MODELS`). With every BatchNorm's statistics frozen, training
  only the decoder leaves the five brain scores at their at-birth values.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from wiringup.tables import authors as A
from wiringup.report.figures import data as D
from wiringup.report.figures.common import FigureResult, finish, note_no_data, short_source

METHODS = [("wc", "WC"), ("mixture_gaussian", "Mixture Gaussian"), ("kernel_normal", "Kernel normal"),
           ("no_gabor", "No Gabor prior")]
BIRTH_COLOR, CT_COLOR = "#9e9e9e", "#1d4ed8"


def method_rows(mt: D.ModelTable, source: str, method: str, *, method_inits: Mapping[str, Sequence[str]],
                birth_init: str | None = None, seeds: Sequence[int] | None = None
                ) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """(rows without training, rows after CT, a description of the CT point) of one method in one source."""
    m = mt.models[(mt.models["source"] == source) & (mt.models["arch"] == "cornet_s")]
    if mt.sources[source].kind == "authors":   # the runs supp_5 names (model_versions where listed), at epoch 6
        name_birth, name_ct = A.FIG7_MODELS[method]
        return (m[m["model_id"].isin(A.epoch_ids(name_birth, A.FIG7_EPOCH))],
                m[m["model_id"].isin(A.epoch_ids(name_ct, A.FIG7_EPOCH))], f"epoch {A.FIG7_EPOCH:g}, all images")
    names = list(method_inits.get(method, [method]))
    init = birth_init or (names[0] if names else method)
    birth = m[m["birth"].astype(bool) & (m["init"] == init)]
    if seeds is not None:
        birth = birth[birth["seed"].isin(list(seeds))]
    ct = m[~m["birth"].astype(bool) & m["init"].isin(names) & (m["trained"] == "ct")]
    point = ""
    if not ct.empty:
        images = ct["images"].max()
        ct = ct[ct["images"] == images]
        epoch = ct["epoch"].max()
        ct = ct[ct["epoch"] == epoch]
        point = f"{int(images):,} images, epoch {epoch:g}"
    return birth.drop_duplicates("seed"), ct.drop_duplicates("seed"), point


def plot_fig7(table: pd.DataFrame | D.ModelTable, outputs: Sequence[str], *,
              method_inits: Mapping[str, Sequence[str]] | None = None,
              at_birth: Mapping[str, Any] | None = None, regions: Sequence[str] | None = None,
              missing: str = "nan", style: Mapping[str, Any] | None = None,
              run_recipe: Mapping[str, Any] | None = None, standard_variant: str | None = None,
              value: str = "auto") -> FigureResult:
    """Fig. 7 (module doc). ``method_inits``: method -> this run's init names (default: the method's own name);
    ``at_birth``: the config's ``weight_compression.at_birth`` ({control, seeds, compare}) to pick this run's
    at-birth inits and seeds; ``value``: ``brain_predictivity``, ``rel_bp`` (% of the source's fully trained
    model) or ``auto`` (``rel_bp`` where the source has a fully trained reference, else ``brain_predictivity``)."""
    method_inits = {k: list(v) for k, v in (method_inits or {m: [m] for m, _ in METHODS}).items()}
    ab = dict(at_birth or {})
    compare = dict(ab.get("compare") or {})
    control = ab.get("control", "kn")
    mt = table if isinstance(table, D.ModelTable) else D.model_table(
        table, missing=missing, regions=regions if regions is not None else D.REGIONS,
        run_recipe=dict(run_recipe or {}), standard_variant=standard_variant)
    sources = mt.source_names()
    fig, axes = plt.subplots(1, len(sources), figsize=(6.5 * len(sources), 4.6), squeeze=False)
    notes: list[str] = []
    rows = []
    points = []
    for col, source in enumerate(sources):
        ax = axes[0, col]
        info = mt.sources[source]
        authors = info.kind == "authors"
        val = value if value != "auto" else ("rel_bp" if np.isfinite(info.reference_bp) else "brain_predictivity")
        x = np.arange(len(METHODS))
        drawn = 0
        missing_bars = []
        for i, (method, label) in enumerate(METHODS):
            birth_init = next((n for n in method_inits.get(method, []) if n in compare), None)
            birth, ct, point = method_rows(mt, source, method, method_inits=method_inits, birth_init=birth_init,
                                           seeds=compare.get(birth_init) if birth_init else None)
            for k, (what, rws, color) in enumerate((("without training", birth, BIRTH_COLOR),
                                                    ("after CT", ct, CT_COLOR))):
                v = rws[val].to_numpy(dtype=float)
                v = v[np.isfinite(v)]
                pos = x[i] + (k - 0.5) * 0.38
                if v.size == 0:
                    missing_bars.append(f"{label} {what}")
                    ax.text(pos, 0.0, "not scored", rotation=90, ha="center", va="bottom", fontsize=6,
                            color="#b00020", transform=ax.get_xaxis_transform())
                    continue
                sem = v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else 0.0
                shown = what not in ax.get_legend_handles_labels()[1]
                bar = ax.bar(pos, v.mean(), 0.38, yerr=sem, color=color, capsize=2, label=what if shown else None)
                bar.patches[0].set_gid(f"data|{source}|{method}|{what}")
                ax.plot(np.full(v.size, pos) + np.linspace(-0.06, 0.06, v.size), v, ".", color="k", ms=3,
                        zorder=3)
                drawn += 1
                rows.append({"source": source, "method": method, "what": what, "mean": v.mean(), "sem": sem,
                             "n": v.size, "point": point if what == "after CT" else "at birth"})
            if point and not authors:
                points.append(f"{label}: {point}")
        # KN at birth as the reference line
        m = mt.models[mt.models["source"] == source]
        if authors:
            kn = m[m["birth"].astype(bool) & (m["config"] == "full") & m["seed"].isin(list(A.AT_BIRTH_SEEDS))]
        else:
            kn = m[m["birth"].astype(bool) & (m["init"] == control)]
            if ab.get("seeds"):
                kn = kn[kn["seed"].isin(list(ab["seeds"]))]
        kv = kn[val].to_numpy(dtype=float)
        kv = kv[np.isfinite(kv)]
        if kv.size:
            line = ax.axhline(kv.mean(), color="0.3", ls="--", lw=1, label=f"KN at birth (n={kv.size})")
            line.set_gid(f"ref|{source}|kn")
        ax.set_xticks(x)
        ax.set_xticklabels([lab for _, lab in METHODS], fontsize=8)
        ax.set_xlim(-0.6, len(METHODS) - 0.4)
        ax.set_ylabel("brain predictivity" + (" (% of fully trained)" if val == "rel_bp" else "")
                      + ("" if authors or len(info.regions) == 5 else f" ({', '.join(info.regions)})"))
        ax.set_title(short_source(source), fontsize=9)
        if drawn:
            ax.legend(fontsize=7)
        else:
            note_no_data(ax, source, "no alternative compression scored", notes)
        if missing_bars:
            notes.append(f"{source}: not in the table: {'; '.join(missing_bars)}")
    caption = mt.captions() + ("\nthis run's CT bars: " + "; ".join(points) if points else "") + (
        "\nauthors: without training = decoder-only configs at epoch 6 (BatchNorm statistics frozen: brain scores as "
        "at birth), after CT = CT configs at epoch 6, as the authors drew Fig. 7" if any(
            mt.sources[s].kind == "authors" for s in sources) else "")
    text = finish(fig, list(outputs), title="Fig. 7  Alternative weight compressions: without training and after CT",
                  captions=caption, extra="\n".join(notes), style=style)
    return FigureResult(fig, {"bars": pd.DataFrame(rows)}, notes, text)
