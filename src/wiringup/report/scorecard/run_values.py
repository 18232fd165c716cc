"""How the scorecard computes a claim's value from this run's score table.

The analogue of :mod:`wiringup.report.scorecard.authors_values` for this pipeline's models: every source is called
with the :class:`~wiringup.report.scorecard.context.Context` and returns ``(value, detail)``, or
``(None, "not run at this scale ...")`` when the run has no such models. Parameterised sources are frozen
dataclasses (:class:`RunAtFraction`, :class:`RunBirth`, ...), one-off ones plain functions. This run's
benchmarks are local, so the values are relative to this run's own reference model.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from wiringup.report.figures import data as D
from wiringup.report.scorecard.context import (Context, ids_text, mean_of, run_births, run_converged,
                                               run_standard)
from wiringup.report.scorecard.verdicts import NOT_RUN


# ------------------------------------------------------------------------------------ parameterised sources

@dataclass(frozen=True)
class RunAtFraction:
    """This run's standard-training point nearest (log scale, within a factor 2) to ``fraction`` of the
    reference model's supervised updates; relative brain predictivity."""

    fraction: float

    def __call__(self, ctx: Context) -> tuple[float | None, str]:
        info = ctx.rinfo()
        std = run_standard(ctx)
        if info is None or std.empty or not np.isfinite(info.reference_bp):
            return None, NOT_RUN
        ref_updates = ctx.rm[ctx.rm["model_id"].isin(info.reference_ids)]["supervised_updates"].mean()
        pts = std[~std["birth"] & std["rel_bp"].notna() & (std["supervised_updates"] > 0)]
        if pts.empty or not np.isfinite(ref_updates):
            return None, NOT_RUN
        agg = pts.groupby(["images", "epoch"]).agg(rel=("rel_bp", "mean"), u=("supervised_updates", "mean"))
        dist = (np.log10(agg["u"]) - np.log10(self.fraction * ref_updates)).abs()
        best = dist.idxmin()
        if dist[best] > math.log10(2):
            return None, (f"{NOT_RUN}: nearest standard point has {100 * agg.loc[best, 'u'] / ref_updates:.2g} % of "
                          f"the reference's supervised updates")
        return float(agg.loc[best, "rel"]), (f"{int(best[0]):,} images × {best[1]:g} epochs = "
                                             f"{100 * agg.loc[best, 'u'] / ref_updates:.2g} % of the reference's "
                                             f"{ref_updates:,.0f} supervised updates")


@dataclass(frozen=True)
class RunRegionsAtEpoch:
    """The smallest relative score over the scored ``regions`` of standard training on all images at ``epoch``."""

    epoch: float
    regions: list[str]

    def __call__(self, ctx: Context):
        std = run_standard(ctx)
        if std.empty:
            return None, NOT_RUN
        d = std[std["full_data"].astype(bool) & np.isclose(std["epoch"].astype(float), self.epoch)]
        scored = [r for r in self.regions if r in (ctx.rinfo().regions if ctx.rinfo() else [])]
        if d.empty or not scored:
            return None, (f"{NOT_RUN} (no epoch-{self.epoch:g} checkpoint on all images, or regions {self.regions} "
                          "not scored)")
        vals = {r: float(d[f"rel_{r}"].mean()) for r in scored}
        unscored = [r for r in self.regions if r not in scored]
        return min(vals.values()), ", ".join(f"{r} {v:.1f}" for r, v in vals.items()) + \
            (f" (not scored: {', '.join(unscored)})" if unscored else "")


@dataclass(frozen=True)
class RunBirth:
    """This run's family ``init`` × ``trained`` at birth: mean ± sd of the relative brain predictivity."""

    init: str
    trained: str

    def __call__(self, ctx: Context):
        b = run_births(ctx, self.init, self.trained)
        if b.empty:
            return None, NOT_RUN
        sd = float(b["rel_bp"].std(ddof=0))
        return float(b["rel_bp"].mean()), (f"mean ± sd {b['rel_bp'].mean():.1f} ± {sd:.2f}, n = {len(b)} "
                                           f"({ids_text(b)})")


@dataclass(frozen=True)
class RunConverged:
    """The mean ``column`` of this run's converged (all images) models of the family ``init`` × ``trained``."""

    init: str
    trained: str
    column: str

    def __call__(self, ctx: Context):
        d = run_converged(ctx, self.init, self.trained)
        v = mean_of(d, self.column)
        return (v, ids_text(d)) if v is not None else (None, NOT_RUN)


@dataclass(frozen=True)
class RunTransfer:
    """WC+CT of ``arch`` (init wc, set ct) against its standard training (init kn, all layers), last checkpoints."""

    arch: str

    def __call__(self, ctx: Context):
        m = ctx.rm
        if m.empty:
            return None, NOT_RUN
        m = m[(m["arch"] == self.arch) & m["converged"].astype(bool)]   # a run's last checkpoint (never at birth)
        ct = m[(m["init"] == "wc") & (m["trained"] == "ct")]
        std = m[(m["init"] == "kn") & (m["trained"] == "all")]
        if ct.empty or std.empty:
            return None, NOT_RUN
        a, b = ct["brain_predictivity"].mean(), std["brain_predictivity"].mean()
        if not np.isfinite(b):
            return None, NOT_RUN
        # the values as the authors' column gives them: a short standard run scoring near zero inflates the ratio
        return 100.0 * a / b, f"{ids_text(ct)} {a:.3f} / {ids_text(std)} {b:.3f}"


# ------------------------------------------------------------------------------------------ one-off sources

def run_reference(ctx: Context):
    """This run's reference (100 %) brain predictivity and its model ids."""
    info = ctx.rinfo()
    return ((info.reference_bp if info and np.isfinite(info.reference_bp) else None),
            ("this run's reference model(s) " + ", ".join(info.reference_ids)) if info and info.reference_ids
            else NOT_RUN)


def run_slope(ctx: Context):
    """Least-squares slope of relative brain predictivity on log10(supervised updates), standard checkpoints."""
    std = run_standard(ctx)
    d = std[~std["birth"] & std["rel_bp"].notna() & (std["supervised_updates"] > 0)] if len(std) else std
    if len(d) < 3 or d["supervised_updates"].nunique() < 2:
        return None, NOT_RUN
    k = np.polyfit(np.log10(d["supervised_updates"]), d["rel_bp"], 1)[0]
    return float(k), f"{len(d)} standard checkpoints, supervised updates {d['supervised_updates'].min():,.0f}–" \
                     f"{d['supervised_updates'].max():,.0f}"


def run_pixels(ctx: Context):
    """This run's pixels baseline, relative to its reference."""
    m = ctx.rm
    p = m[(m["kind"] == "baseline") & (m["arch"] == "pixels")] if len(m) else m
    v = mean_of(p, "rel_bp")
    return (v, "pixels baseline " + ids_text(p)) if v is not None else (None, NOT_RUN)


def run_birth_gain(ctx: Context):
    """WC minus KN at birth (pp of this run's reference)."""
    wc, kn = run_births(ctx, "wc", "ct"), run_births(ctx, "kn", "all")
    if wc.empty or kn.empty:
        return None, NOT_RUN
    return float(wc["rel_bp"].mean() - kn["rel_bp"].mean()), f"n = {len(wc)} WC, {len(kn)} KN at birth"


def run_birth_test(ctx: Context):
    """Two-sided permutation test of WC vs KN at birth over this run's seeds."""
    from wiringup.tables.statistics import compare

    wc, kn = run_births(ctx, "wc", "ct"), run_births(ctx, "kn", "all")
    if len(wc) < 2 or len(kn) < 2:
        return None, f"{NOT_RUN} (needs ≥ 2 seeds of WC and KN at birth; has {len(wc)} and {len(kn)})"
    r = compare(wc["rel_bp"].to_numpy(), kn["rel_bp"].to_numpy(), label_a="WC", label_b="KN")
    return r["permutation_p"], f"two-sided permutation p = {r['permutation_p']:.2g}, Welch p = {r['welch_p']:.2g}, " \
                               f"n = {len(wc)} vs {len(kn)}"


def run_ct_weights(ctx: Context):
    """The share of the reference's conv weights that this run's CT trains (%)."""
    d = run_converged(ctx, "kn", "ct")
    std = run_standard(ctx)
    ref = std[std["model_id"].isin(ctx.rinfo().reference_ids)] if ctx.rinfo() and len(std) else std
    if d.empty or ref.empty or not ref["trained_conv_weights"].notna().any():
        return None, NOT_RUN
    pct = 100.0 * d["trained_conv_weights"].mean() / ref["trained_conv_weights"].mean()
    return float(pct), f"{d['trained_conv_weights'].mean():,.0f} of {ref['trained_conv_weights'].mean():,.0f} conv " \
                       f"weights; score {d['rel_bp'].mean():.1f} %"


def run_wc_ct_best(ctx: Context):
    """This run's WC+CT model nearest (log scale) to 0.5 % of the reference's synaptic updates."""
    m = ctx.rm
    if m.empty:
        return None, NOT_RUN
    fam = D.family(m, "wc", "ct", include_birth=False).dropna(subset=["rel_bp", "synaptic_updates"])
    info = ctx.rinfo()
    ref = m[m["model_id"].isin(info.reference_ids)]["synaptic_updates"].mean() if info else np.nan
    if fam.empty or not np.isfinite(ref):
        return None, NOT_RUN
    fam = fam.assign(pct=100.0 * fam["synaptic_updates"] / ref)
    near_half = fam.iloc[(np.log10(fam["pct"].clip(lower=1e-9)) - np.log10(0.5)).abs().argsort()[:1]]
    r = near_half.iloc[0]
    return float(r["rel_bp"]), f"{r['model_id']}: {r['pct']:.2g} % of the reference's synaptic updates"


def run_fig4b_max(ctx: Context):
    """The largest cell of this run's Fig. 4B grid (WC+CT minus standard training, pp)."""
    from wiringup.report.figures.fig4 import delta_grid

    if ctx.rsrc is None:
        return None, NOT_RUN
    d = delta_grid(ctx.run, ctx.rsrc, ctx.standard_variant)
    if d.empty or not np.isfinite(d.to_numpy()).any():
        return None, f"{NOT_RUN} (needs WC+CT and standard training on a shared images × epochs grid)"
    s = d.stack()
    (images, epoch), v = s.idxmax(), float(s.max())
    return v, f"largest cell {int(images):,} images × {epoch:g} epochs of {s.size} cells"
