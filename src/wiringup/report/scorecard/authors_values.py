"""How the scorecard computes a claim's value from the authors' raw scores.

Every value source is called with the :class:`~wiringup.report.scorecard.context.Context` and returns
``(value, detail)``: the number (or, for :func:`fig5b`, a text starting with its verdict) and which models it
comes from. The parameterised sources are frozen dataclasses (:class:`Headline`, :class:`ModelMean`, ...), so a
claim names its computation as data (``authors=Headline("ct_relative", detail="...")``); the one-off
computations are plain functions. The authors' values use their own aggregation (a missing benchmark counts as
0): the headline numbers of :func:`wiringup.tables.authors.headline_numbers` and the authors' model table of
:func:`wiringup.report.figures.data.model_table` with ``missing="zero"``.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from wiringup.core.io import WiringupError
from wiringup.plan.ids import REGIONS
from wiringup.report.figures import data as D
from wiringup.report.scorecard.context import BIRTH_KN, BIRTH_WC, FIG5B_IDS, FULL_SYNAPTIC, Context, ids_text
from wiringup.tables import authors as A


# ------------------------------------------------------------------------------------ parameterised sources

@dataclass(frozen=True)
class Headline:
    """A headline number (``key`` of :func:`~wiringup.tables.authors.headline_numbers`); detail: ``detail`` and
    its first model ids."""

    key: str
    detail: str = ""

    def __call__(self, ctx: Context):
        h = ctx.headline[self.key]
        return h["value"], (self.detail or "") + ", ".join(h["model_ids"][:3]) + \
            (" …" if len(h["model_ids"]) > 3 else "")


@dataclass(frozen=True)
class BirthMean:
    """An at-birth headline number (``kn_at_birth`` / ``wc_at_birth``) with its sd, n and s.e.m."""

    key: str

    def __call__(self, ctx: Context):
        h = ctx.headline[self.key]
        return h["value"], (f"mean ± sd (ddof 0) {h['value']:.1f} ± {h['std']:.2f}, n = {h['n']} "
                            f"(s.e.m. {h['sem']:.2f})")


@dataclass(frozen=True)
class ModelMean:
    """The mean of ``column`` over the authors' models ``ids``; detail: ``detail`` and the ids."""

    ids: list[str]
    column: str
    detail: str = ""

    def __call__(self, ctx: Context):
        return ctx.a_mean(self.ids, self.column), self.detail + ", ".join(self.ids)


@dataclass(frozen=True)
class RegionsMin:
    """The smallest relative score over ``regions`` of one authors' model (``state``: e.g. converged)."""

    model_id: str
    regions: list[str]
    state: str

    def __call__(self, ctx: Context):
        return min(ctx.a(self.model_id, f"rel_{r}") for r in self.regions), f"{self.model_id} ({self.state})"


@dataclass(frozen=True)
class RegionsAtEpoch:
    """The smallest relative score over ``regions`` of standard training on all images after ``epoch`` epochs:
    the authors' Fig. 1B average of the ``CORnet-S_full`` runs (model_versions: s0, s42) scored at that epoch;
    ``also`` (epoch, region): a second point for the detail."""

    epoch: float
    regions: list[str]
    also: tuple[float, str] | None = None

    def __call__(self, ctx: Context):
        ids = A.epoch_ids("CORnet-S_full", self.epoch)
        res = ctx.a_runs(ids)
        vals = {r: res[f"rel_{r}"] for r in self.regions}
        detail = f"{', '.join(ids)} ({res['n']} scored): " + ", ".join(f"{r} {v:.1f}" for r, v in vals.items())
        if self.also:
            other = ctx.a_runs(A.epoch_ids("CORnet-S_full", self.also[0]))["rel_" + self.also[1]]
            detail += f"; at epoch {self.also[0]:g}: {self.also[1]} {other:.1f}"
        return min(vals.values()), detail


@dataclass(frozen=True)
class RegionsConverged:
    """The smallest relative score over ``regions`` of standard training converged on ``images`` images;
    ``also`` (images, region): a second point for the detail."""

    images: int
    regions: list[str]
    also: tuple[int, str] | None = None

    def __call__(self, ctx: Context):
        std = D.standard_family(ctx.am)
        d = std[std["converged"].astype(bool) & (std["images"] == self.images)]
        vals = {r: float(d[f"rel_{r}"].mean()) for r in self.regions}
        detail = ids_text(d) + ": " + ", ".join(f"{r} {v:.2f}" for r, v in vals.items())
        if self.also:
            e = std[std["converged"].astype(bool) & (std["images"] == self.also[0])]
            detail += f"; at {self.also[0]:,} images: {self.also[1]} {e[f'rel_{self.also[1]}'].mean():.1f}"
        return min(vals.values()), detail


@dataclass(frozen=True)
class FirstAbove:
    """The fewest synaptic updates (trillions) with which standard training (s0) exceeds ``threshold`` %."""

    threshold: float

    def __call__(self, ctx: Context):
        std = D.standard_family(ctx.am)
        d = std[(std["seed"] == 0) & ~std["birth"] & (std["rel_bp"] > self.threshold)]
        row = d.sort_values("synaptic_updates").iloc[0]
        return float(row["synaptic_updates"]) / 1e12, f"{row['model_id']} ({row['rel_bp']:.1f} %)"


@dataclass(frozen=True)
class Ratio:
    """100 × the brain predictivity of ``numerator`` over that of ``denominator`` (two authors' model ids)."""

    numerator: str
    denominator: str
    detail: str

    def __call__(self, ctx: Context):
        a, b = ctx.a(self.numerator, "brain_predictivity"), ctx.a(self.denominator, "brain_predictivity")
        return 100.0 * a / b, f"{self.numerator} {a:.3f} / {self.denominator} {b:.3f}; {self.detail}"


@dataclass(frozen=True)
class Fig7PairDifference:
    """Fig. 7: the mean absolute difference (pp, epoch 6) between two compressions, without and with CT (each a
    pair of CORnet-S configs)."""

    untrained: tuple[str, str]
    ct: tuple[str, str]

    def __call__(self, ctx: Context):
        d = [abs(fig7_value(ctx, f"CORnet-S_{a}") - fig7_value(ctx, f"CORnet-S_{b}")) for a, b in (self.untrained,
                                                                                                  self.ct)]
        return float(np.mean(d)), f"untrained {d[0]:.2f} pp, with CT {d[1]:.2f} pp (epoch 6)"


@dataclass(frozen=True)
class Constant:
    """A number the paper states about the model itself (no scores involved)."""

    value: float
    detail: str

    def __call__(self, ctx: Context):
        return self.value, self.detail


@dataclass(frozen=True)
class NotRecomputable:
    """The raw scores cannot give the value (``reason``)."""

    reason: str

    def __call__(self, ctx: Context):
        return None, self.reason


# ------------------------------------------------------------------------------------------ one-off sources

def slope(ctx: Context):
    """Least-squares slope of relative brain predictivity on log10(supervised updates), standard grid, s0."""
    std = D.standard_family(ctx.am)
    d = std[(std["seed"] == 0) & ~std["birth"] & std["rel_bp"].notna() & (std["supervised_updates"] > 0)]
    k = np.polyfit(np.log10(d["supervised_updates"]), d["rel_bp"], 1)[0]
    return float(k), f"{len(d)} standard models (seed 0)"


def birth_gain(ctx: Context):
    """WC minus KN at birth (pp of the fully trained model), the 10 seeds each."""
    return (ctx.headline["wc_at_birth"]["value"] - ctx.headline["kn_at_birth"]["value"],
            "mean of the 10 WC minus the 10 KN at-birth models")


def exact_permutation_p(a: np.ndarray, b: np.ndarray) -> tuple[float, float, int]:
    """Exact permutation test of mean(a) − mean(b) over every split of the pooled values into groups of the sizes
    of a and b (all C(n_a + n_b, n_a) relabelings): (two-sided p, one-sided p for
    a > b, number of relabelings). The same test and p-values as ``scipy.stats.permutation_test`` in its exact mode
    (:func:`wiringup.tables.statistics.compare`), without
    its per-partition Python loop (10 vs 10 seeds: 184,756 relabelings in well under a second)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    pooled = np.concatenate([a, b])
    n, k = len(pooled), len(a)
    if n > 24:
        raise WiringupError(f"exact_permutation_p: {n} values are too many to enumerate; "
                            "use wiringup.tables.statistics")
    count = math.comb(n, k)
    idx = np.fromiter(itertools.chain.from_iterable(itertools.combinations(range(n), k)), dtype=np.int64,
                      count=count * k).reshape(count, k)
    sum_a = pooled[idx].sum(axis=1)
    diff = sum_a / k - (pooled.sum() - sum_a) / (n - k)
    observed = a.mean() - b.mean()
    tol = 1e-12 * max(1.0, abs(observed))
    greater = float(np.mean(diff >= observed - tol))
    less = float(np.mean(diff <= observed + tol))
    return min(1.0, 2 * min(greater, less)), greater, int(len(diff))   # two-sided as scipy: twice the smaller tail


def birth_test(ctx: Context):
    """The exact permutation test of WC vs KN at birth (10 seeds each); Welch's t-test alongside."""
    from scipy import stats

    wc = np.array([ctx.a(i, "rel_bp") for i in BIRTH_WC])
    kn = np.array([ctx.a(i, "rel_bp") for i in BIRTH_KN])
    two, one, n = exact_permutation_p(wc, kn)
    welch = stats.ttest_ind(wc, kn, equal_var=False).pvalue
    return two, (f"exact permutation test over all {n:,} relabelings: two-sided p = {two:.2g}, one-sided p = "
                 f"{one:.2g}; Welch p = {welch:.2g}")


def wc_regions(ctx: Context):
    """WC at birth per region (V4 the value, every region in the detail)."""
    vals = {r: ctx.a_mean(BIRTH_WC, f"rel_{r}") for r in REGIONS}
    return vals["V4"], "10 WC at-birth models: " + ", ".join(f"{r} {v:.1f}" for r, v in vals.items()) + \
        " (paper: V4 75, IT 39, behaviour 6; V1, V2 'no loss')"


def ct_weight_fraction(ctx: Context):
    """The share of conv weights CT trains (%), with CT's score in the detail."""
    return (100.0 * 1_376_256 / A.CONV_WEIGHTS_FULL, f"CT trains 1,376,256 of {A.CONV_WEIGHTS_FULL:,} conv "
            f"weights; its score is {ctx.headline['ct_relative']['value']:.1f} %")


def conv1_bn(ctx: Context):
    """(conv1 − CT, BatchNorm − CT) in pp, converged s0 models (conv1 and BatchNorm runs are not in the authors'
    convergence tables: their last checkpoint, epoch 30)."""
    ct = ctx.a(A.converged_id("CORnet-S_train_conv3_bi"), "rel_bp")
    c1 = ctx.a("CORnet-S_train_conv1_bi_epoch_30", "rel_bp")
    bn = ctx.a("CORnet-S_train_batchnorm_epoch_30", "rel_bp")
    return (c1 - ct, bn - ct), f"CT {ct:.1f}, conv1 {c1:.1f}, BatchNorm {bn:.1f} % (s0, converged)"


def wc_ct_half_percent(ctx: Context):
    """WC+CT on 500,000 images × 20 epochs (~0.5 % of the synaptic updates)."""
    h = ctx.headline["wc_ct_500k_20ep"]
    return (h["value"], f"WC+CT 500,000 images × 20 epochs: {500_000 * 20 * A.CONV_WEIGHTS_WC_CT / 1e12:.1f} trillion "
            f"= {h['synaptic_updates_percent']:.2f} % of {FULL_SYNAPTIC / 1e12:,.0f} trillion")


def fig4b_max(ctx: Context):
    """The largest cell of Fig. 4B (WC+CT minus standard training, pp) on the authors' grid."""
    f = ctx.headline["fig4b_max_gain"]
    cell = f["paper_cell"]
    when = f"{f['epoch']:g} epochs" if isinstance(f["epoch"], float) else "convergence"
    return f["value"], (f"largest of the {f['n_cells']} cells of the authors' grid (epochs "
                        f"{', '.join(map(str, f['grid']['epochs']))}): {int(f['images']):,} images × {when}; the "
                        f"paper's cell 1,000 × 1: {cell['gain_pp']:.2f} pp; normaliser {f['normaliser']:.5f}")


def fig4b_all_data(ctx: Context):
    """Fig. 4B's converged all-data cell (WC+CT minus standard training, pp)."""
    converged = ctx.headline["fig4b_max_gain"]["all_data_converged"]
    return converged["gain_pp"], " vs ".join(converged["model_ids"])


def fig5b(ctx: Context):
    """The regions where WC (over KN, decoder only) and CT (over KN) gain most, on the runs of the authors' Fig. 5B
    (KN, KN+CT: s0 and s42; WC: s42); the value is the verdict text."""
    regions = list(REGIONS)
    kn = {r: ctx.a_mean(FIG5B_IDS["KN"], r) for r in regions}
    wc = {r: ctx.a_mean(FIG5B_IDS["WC"], r) for r in regions}
    ct = {r: ctx.a_mean(FIG5B_IDS["KN+CT"], r) for r in regions}
    wc_gain = {r: wc[r] - kn[r] for r in regions}
    ct_gain = {r: ct[r] - kn[r] for r in regions}
    top_wc = sorted(regions, key=lambda r: -wc_gain[r])[:2]
    top_ct = sorted(regions, key=lambda r: -ct_gain[r])[:3]
    ok = set(top_wc) == {"V1", "V2"} and set(top_ct) == {"V4", "IT", "behavior"}
    verdict = f"{'holds' if ok else 'fails'}: WC largest in {', '.join(top_wc)}; CT largest in {', '.join(top_ct)}"
    return verdict, ("WC − KN: " + ", ".join(f"{r} {v:+.3f}" for r, v in wc_gain.items())
                     + "; KN+CT − KN: " + ", ".join(f"{r} {v:+.3f}" for r, v in ct_gain.items()))


def fig7_value(ctx: Context, name: str, col: str = "rel_bp") -> float:
    """Fig. 7 (``supp_5``): the authors' average of the runs of ``name`` at epoch 6 (model_versions where
    listed)."""
    return ctx.a_runs(A.epoch_ids(name, A.FIG7_EPOCH))[col]


def fig7_drop(ctx: Context):
    """Kernel normal minus No Gabor prior at epoch 6, untrained (the value) and after CT (pp)."""
    (kn_u, kn_c), (ng_u, ng_c) = A.FIG7_MODELS["kernel_normal"], A.FIG7_MODELS["no_gabor"]
    u = fig7_value(ctx, kn_u) - fig7_value(ctx, ng_u)
    c = fig7_value(ctx, kn_c) - fig7_value(ctx, ng_c)
    return float(u), f"untrained {u:.1f} pp, after CT {c:.1f} pp (paper: 13 and 9)"
