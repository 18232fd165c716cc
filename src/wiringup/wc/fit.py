"""Fitting Weight Compression to a trained CORnet-S (paper Sec. 4, App. B.1–B.2; AUTHORS_CODE_FACTS.md §3).

``fit_wc(model, ...)`` (and ``fit_wc_checkpoint``) make a :class:`~wiringup.wc.distributions.WCDistributions`
(file format and parameter count: :mod:`wiringup.wc.distributions`). Here also the pieces the Fig. 7
alternatives (:mod:`wiringup.wc.alternatives`) and the importer (:mod:`wiringup.wc.authors`) reuse: k-means with
the elbow rule, the authors' Gaussian mixture with its BIC search, the Gabor prior of a layer, BatchNorm normals.

The method (``fit_wc``)
    Compress a (trained) CORnet-S. Every conv layer but the first is clustered with sklearn k-means over its
    kernel slices (3×3 / 7×7: each (out, in) slice, flattened, is one point) or its scalar weights (1×1: each
    weight is a 1-D point). Per cluster j it stores the centre, ``count_mean[j]`` / ``count_std[j]`` (ddof=0,
    across output kernels) of the number of each kernel's input slices that fall in cluster j, and
    ``weight_std[j]`` = mean over the members of std(centre − member) across the kh·kw elements (0 for 1×1,
    §0.5, §3.3). The first layer gets the Gabor prior (:mod:`wiringup.wc.gabor`): a Gabor fit per kernel and
    colour channel, then a full-covariance Gaussian mixture over the 30-d per-kernel feature vectors, its size
    by minimum BIC over 1..14 (or fixed). Each BatchNorm layer gets one normal for γ and one for β (mean, std
    across channels), and keeps the trained ``running_mean``/``running_var`` separately (not counted in the
    budget, §3.7/§3.8).

Choosing k (the elbow)
    The authors chose k by eye from the WCSS (k-means inertia) curve for k = 2..15 (§3.2). Here the choice is
    automatic: the **maximum-distance-to-chord ("kneedle") rule** — normalise k and WCSS over ``k_range`` to
    [0, 1] and pick the k whose point lies furthest below the straight line joining the curve's first and last
    points; a curve with no point below that chord (no knee) gives the smallest k. The whole curve, the rule's
    pick and the k used are recorded per layer. ``k_per_layer`` overrides the rule per layer (the curve is
    still computed and recorded); :data:`AUTHORS_K` holds the authors' choices.
    The curve is computed on a seeded subsample of at most ``curve_points`` points (default 10,000;
    :func:`numpy.random.default_rng` seeded by ``(seed, layer)``) with ``KMeans(k-means++, n_init=3,
    max_iter=300, random_state=0)`` per k. The final clustering at the chosen k is the authors' exact
    ``KMeans(init='k-means++', n_init=10, max_iter=300, random_state=0)`` on **all** points for layers with at
    most ``exact_max_points`` points (default 100,000: V1.conv2, V2's 1×1 layers, V4.conv_input, V4.skip at
    full width). Larger layers (up to 4,194,304 slices in IT.conv2) instead run the same n_init=10 k-means++ on
    the subsample, then Lloyd iterations (max_iter 300) on all points from the best subsample centres; the
    header records which solver each layer used. Counts, spreads and the WCSS reported for the chosen k always
    come from the assignment of all points.
"""
from __future__ import annotations

import os
import time
from typing import Any, Mapping, Sequence

import numpy as np
from torch import nn

from wiringup.core.io import WiringupError, sha256_file
from wiringup.nets.checkpoints import load_model
from wiringup.plan.wc import K_RANGE
from wiringup.wc import gabor
from wiringup.wc.distributions import (BatchNormLayer, GaborGMMLayer, KMeansLayer, WCDistributions, bn_layers,
                                       check_architecture, conv_layers)
from wiringup.wc.sample import layer_rng

#: The authors' k for the 16 clustered layers of CORnet-S: the number of clusters in the files their sampler loads
#: (``cluster_<layer>.pkl``, §3.2, §4; tests/test_config_parity.py reads them). Their ``n_components`` dict says 9
#: for IT.conv2, but ``cluster_IT.conv2.pkl`` holds 4 (the 9 are ``cluster_IT.conv2_comp8.pkl``, which no sampler
#: loads by name); every 1×1 layer has 2. config/paper.yaml sets these as ``k_per_layer``.
AUTHORS_K: dict[str, int] = {
    "V1.conv2": 7, "V2.conv2": 5, "V4.conv2": 8, "IT.conv2": 4,
    **{f"{area}.{conv}": 2 for area in ("V2", "V4", "IT") for conv in ("conv_input", "skip", "conv1", "conv3")},
}
#: k of the authors' (unused by WC) k-means compression of the first layer, ``cluster_V1.conv1.pkl``.
AUTHORS_K_FIRST_LAYER: dict[str, int] = {"V1.conv1": 8}
#: Settings of the authors' k-means (§3.2).
KMEANS_KW = {"init": "k-means++", "n_init": 10, "max_iter": 300, "random_state": 0}
#: Settings of the authors' Gaussian mixture (§3.4) and the BIC search range.
GMM_KW = {"covariance_type": "full", "max_iter": 5000, "tol": 1e-15, "n_init": 20}
GMM_MAX_COMPONENTS = 14
ELBOW_RULE = "max-distance-to-chord (kneedle) on the min-max-normalised WCSS curve"


# ----------------------------------------------------------------------------------------------------- k-means
def elbow_k(ks: Sequence[int], wcss: Sequence[float]) -> int:
    """The maximum-distance-to-chord ("kneedle") elbow of a WCSS curve (see module doc)."""
    ks = np.asarray(ks, dtype=np.float64)
    w = np.asarray(wcss, dtype=np.float64)
    if ks.size == 0:
        raise ValueError("empty WCSS curve")
    if ks.size < 3 or not np.all(np.isfinite(w)) or w.max() - w.min() <= 1e-9 * max(abs(w.max()), 1e-300):
        return int(ks[0])
    x = (ks - ks[0]) / (ks[-1] - ks[0])
    y = (w - w.min()) / (w.max() - w.min())
    chord = y[0] + (y[-1] - y[0]) * x
    below = chord - y
    i = int(np.argmax(below))
    return int(ks[i]) if below[i] > 0 else int(ks[0])


def _kmeans(points: np.ndarray, k: int, *, init: Any = "k-means++", n_init: int = 10, threads: int | None = None):
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    kw = dict(KMEANS_KW, n_clusters=int(k), init=init, n_init=n_init)
    if not isinstance(init, str):
        kw.pop("random_state")
    with threadpool_limits(threads):
        return KMeans(**kw).fit(points)


def kernel_slices(weight: np.ndarray) -> np.ndarray:
    out, inp, kh, kw = weight.shape
    return np.ascontiguousarray(weight.reshape(out * inp, kh * kw), dtype=np.float32)


def fit_kmeans_layer(name: str, weight: np.ndarray, *, k: int | None = None, k_range: tuple[int, int] = K_RANGE,
                     seed: int = 0, curve_points: int = 10_000, curve_n_init: int = 3,
                     exact_max_points: int = 100_000, threads: int | None = None) -> KMeansLayer:
    """Cluster one conv weight ``(out, in, kh, kw)`` (see module doc: points, elbow, solver, statistics).

    ``k_range`` is inclusive at both ends; ``k`` (if given) overrides the elbow rule. ``threads`` caps the
    BLAS/OpenMP threads of the large k-means runs (None: the library default, all cores; small runs always use
    one). On a shared machine one thread is often several times faster than two busy ones.
    """
    weight = np.asarray(weight, dtype=np.float32)
    out, inp, kh, kw = weight.shape
    X = kernel_slices(weight)
    n = X.shape[0]
    kmin, kmax = int(k_range[0]), int(k_range[1])
    if kmin < 1 or kmax < kmin:
        raise WiringupError(f"{name}: bad k_range {k_range}; need 1 <= min <= max")
    if k is not None and not 1 <= int(k) <= n:
        raise WiringupError(f"{name}: {n} kernel slices cannot form {k} clusters; lower k for this layer "
                            "(config weight_compression.fits.<name>.k_per_layer)")
    if n < kmin:
        raise WiringupError(f"{name}: only {n} kernel slices, fewer than the smallest k={kmin}; lower k_range")
    rng = layer_rng(seed, name)
    sub = X if n <= curve_points else X[np.sort(rng.choice(n, size=int(curve_points), replace=False))]
    # k beyond the number of distinct points is meaningless (WCSS 0, sklearn warns): the curve stops there
    distinct = int(np.unique(sub, axis=0).shape[0])
    ks = [kk for kk in range(kmin, kmax + 1) if kk <= distinct]
    curve = []
    for kk in ks:  # small problems: one BLAS/OpenMP thread is much faster on a busy 2-core machine
        km = _kmeans(sub, kk, n_init=curve_n_init, threads=1)
        curve.append(float(km.inertia_))
    rule_k = elbow_k(ks, curve) if ks else min(kmin, distinct)
    chosen = int(k) if k is not None else rule_k
    if chosen > n:
        raise WiringupError(f"{name}: {n} kernel slices cannot form {chosen} clusters")
    if n <= exact_max_points:
        final = _kmeans(X, chosen, n_init=KMEANS_KW["n_init"], threads=1 if n * kh * kw < 200_000 else threads)
        solver = (f"sklearn KMeans(k-means++, n_init=10, max_iter=300, random_state=0) on all {n} points")
    else:
        start = _kmeans(sub, chosen, n_init=KMEANS_KW["n_init"], threads=1)
        final = _kmeans(X, chosen, init=start.cluster_centers_, n_init=1, threads=threads)
        solver = (f"sklearn KMeans(k-means++, n_init=10, max_iter=300, random_state=0) on a seeded subsample of "
                  f"{sub.shape[0]} points, then Lloyd (max_iter=300) on all {n} points from its centres "
                  f"({final.n_iter_} iterations)")
    centers = final.cluster_centers_.astype(np.float32)
    labels = final.labels_.astype(np.int64)
    counts = np.bincount(np.repeat(np.arange(out), inp) * chosen + labels, minlength=out * chosen)
    counts = counts.reshape(out, chosen).astype(np.float64)
    Xd = X.astype(np.float64)
    resid = Xd - centers[labels].astype(np.float64)
    members = np.bincount(labels, minlength=chosen).astype(np.float64)
    per_point_std = resid.std(axis=1)  # std(centre − member) across the kh·kw elements; 0 for 1×1
    with np.errstate(invalid="ignore", divide="ignore"):
        weight_std = np.where(members > 0, np.bincount(labels, per_point_std, chosen) / members, 0.0)
        mean_el = np.stack([np.bincount(labels, X[:, e], chosen) for e in range(kh * kw)], 1) / members[:, None]
        dev = Xd - mean_el[labels]
        member_std = np.where(members > 0, np.sqrt(np.bincount(labels, (dev ** 2).sum(1), chosen)
                                                   / (members * kh * kw)), 0.0)
    wcss_all = float((resid ** 2).sum())
    elbow = {"k": ks, "wcss": curve, "curve_points": int(sub.shape[0]), "curve_distinct_points": distinct,
             "curve_n_init": int(curve_n_init),
             "rule": ELBOW_RULE, "rule_k": int(rule_k), "chosen_k": chosen,
             "choice": "override" if k is not None else "rule", "wcss_chosen_all_points": wcss_all}
    return KMeansLayer(name=name, centers=centers.reshape(chosen, kh, kw), count_mean=counts.mean(0),
                       count_std=counts.std(0), weight_std=weight_std.astype(np.float64),
                       member_std=member_std.astype(np.float64), in_channels=inp, out_channels=out,
                       elbow=elbow, solver=solver)


# -------------------------------------------------------------------------------------------- Gabor + mixture
def fit_gmm(features: np.ndarray, *, components: int | None = None, max_components: int = GMM_MAX_COMPONENTS,
            seed: int = 0, n_init: int = GMM_KW["n_init"], name: str = "Gabor mixture",
            gmm_kw: Mapping[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
    """The authors' mixture: ``GaussianMixture(full, max_iter=5000, tol=1e-15, n_init=20)``; its size by minimum
    BIC over 1..``max_components`` (capped at the number of samples) unless ``components`` is given.
    ``gmm_kw`` overrides those settings (the weight mixtures use sklearn's defaults, see module doc); ``name``
    (the layer) appears in errors. A single component needs no restarts (its fit is the sample mean and
    covariance), so it runs once."""
    from sklearn.mixture import GaussianMixture
    from threadpoolctl import threadpool_limits

    X = np.asarray(features, dtype=np.float64)
    kw = dict(GMM_KW, **dict(gmm_kw or {}))
    kw.update(n_init=n_init, random_state=seed)
    with threadpool_limits(1):
        if components is not None:
            if not 1 <= int(components) <= X.shape[0]:
                raise WiringupError(f"{name}: {X.shape[0]} kernels cannot form a mixture of {components} "
                                    "components; lower the number of components for this layer")
            if int(components) == 1:
                kw["n_init"] = 1
            gm = GaussianMixture(int(components), **kw).fit(X)
            return gm, {"selection": "fixed", "n_components": int(components), "seed": seed,
                        "n_init": kw["n_init"]}
        fits, bic = [], []
        for m in range(1, min(max_components, X.shape[0]) + 1):
            gm = GaussianMixture(m, **kw).fit(X)
            fits.append(gm)
            bic.append(float(gm.bic(X)))
        best = int(np.argmin(bic))
    return fits[best], {"selection": "bic", "n_components": best + 1, "bic": bic,
                        "components_tried": list(range(1, len(bic) + 1)), "seed": seed, "n_init": n_init}


def gabor_gmm_layer(name: str, gabor_params: np.ndarray, *, components: int | None = None, seed: int = 0,
                    kernel_size: int = 7, gmm_n_init: int = GMM_KW["n_init"], canonical_theta: bool = False,
                    extra: Mapping[str, Any] | None = None) -> GaborGMMLayer:
    """Fit the mixture to per-slice Gabor parameters ``(out, in, 9)`` (the authors' file layout).

    ``canonical_theta=True`` folds θ into (−π/2, π/2] (flipping φ) before encoding, which makes the authors'
    feature encoding lossless (see :func:`wiringup.wc.gabor.gabor_features`); the authors did not.
    """
    params = np.asarray(gabor_params, dtype=np.float64)
    gm, sel = fit_gmm(gabor.gabor_features(params, canonical=canonical_theta), components=components, seed=seed,
                      n_init=gmm_n_init, name=name)
    sel.update({"features": list(gabor.FEATURE_NAMES), "features_layout": "channel-major, 10 per channel",
                "canonical_theta": bool(canonical_theta)})
    sel.update(extra or {})
    return GaborGMMLayer(name=name, weights=gm.weights_.astype(np.float64), means=gm.means_.astype(np.float64),
                         covariances=gm.covariances_.astype(np.float64), gabor_params=params,
                         in_channels=params.shape[1], out_channels=params.shape[0], kernel_size=kernel_size,
                         selection=sel)


# --------------------------------------------------------------------------------------------------- BatchNorm
def fit_bn_layer(name: str, bn: nn.modules.batchnorm._BatchNorm) -> BatchNormLayer:
    """One normal per γ vector and per β vector (ddof=0 across channels) + the running statistics."""
    g = bn.weight.detach().cpu().double().numpy() if bn.weight is not None else np.ones(bn.num_features)
    b = bn.bias.detach().cpu().double().numpy() if bn.bias is not None else np.zeros(bn.num_features)
    rm = bn.running_mean.detach().cpu().float().numpy().copy() if bn.running_mean is not None else None
    rv = bn.running_var.detach().cpu().float().numpy().copy() if bn.running_var is not None else None
    return BatchNormLayer(name=name, num_features=bn.num_features, gamma=np.array([g.mean(), g.std()]),
                          beta=np.array([b.mean(), b.std()]), running_mean=rm, running_var=rv)


# --------------------------------------------------------------------------------------------------------- fit
def fit_wc(model: nn.Module, *, k_per_layer: Mapping[str, int] | None = None, k_range: tuple[int, int] = K_RANGE,
           gabor_components: int | None = None, seed: int = 0, gabor_niter: int = gabor.DEFAULT_NITER,
           gabor_n_jobs: int = 2, gabor_params: np.ndarray | None = None, arch: str = "cornet_s",
           first_layer: str = "gabor_gmm", curve_points: int = 10_000, curve_n_init: int = 3,
           exact_max_points: int = 100_000, gabor_canonical_theta: bool = False,
           source: Mapping[str, Any] | None = None, progress: bool = False,
           threads: int | None = None) -> WCDistributions:
    """Compress ``model`` (a CORnet-S of any width) into WC distributions; see the module doc.

    ``k_per_layer`` overrides the elbow rule per layer (e.g. :data:`AUTHORS_K`); ``gabor_components`` fixes the
    mixture size (None: minimum BIC over 1..14); ``gabor_niter`` basin-hopping steps per Gabor fit (authors: 15,
    :data:`wiringup.wc.gabor.AUTHORS_NITER`); ``gabor_params`` skips the Gabor fit and uses these ``(out, 3, 9)``
    fits; ``first_layer="kmeans"`` clusters the first layer too (the authors' alternative, not WC);
    ``gabor_canonical_theta=True`` makes the mixture's feature encoding lossless (not the authors' choice, see
    :func:`wiringup.wc.gabor.gabor_features`).
    ``threads`` caps the threads of the large k-means runs (see :func:`fit_kmeans_layer`).
    Per-layer fit times are recorded in ``source["timings_s"]``.
    """
    width = check_architecture(model, arch)
    if first_layer not in ("gabor_gmm", "kmeans"):
        raise WiringupError(f"first_layer must be 'gabor_gmm' or 'kmeans', got {first_layer!r}")
    convs = conv_layers(model)
    overrides = dict(k_per_layer or {})
    unknown = sorted(set(overrides) - set(convs))
    if unknown:
        raise WiringupError(f"k_per_layer names layers that {arch} does not have: {unknown}")
    timings: dict[str, float] = {}
    layers: dict[str, KMeansLayer | GaborGMMLayer] = {}
    first = next(iter(convs))
    for name, conv in convs.items():
        t0 = time.perf_counter()
        w = conv.weight.detach().cpu().float().numpy()
        if name == first and first_layer == "gabor_gmm":
            layers[name] = fit_gabor_prior(name, w, gabor_params=gabor_params, niter=gabor_niter, seed=seed,
                                            n_jobs=gabor_n_jobs, components=gabor_components,
                                            canonical_theta=gabor_canonical_theta)
        else:
            layers[name] = fit_kmeans_layer(name, w, k=overrides.get(name), k_range=k_range, seed=seed,
                                            curve_points=curve_points, curve_n_init=curve_n_init,
                                            exact_max_points=exact_max_points, threads=threads)
        timings[name] = time.perf_counter() - t0
        if progress:
            print(f"{name}: {timings[name]:.1f} s", flush=True)
    t0 = time.perf_counter()
    bns = {n: fit_bn_layer(n, m) for n, m in bn_layers(model).items()}
    timings["batchnorm"] = time.perf_counter() - t0
    src = {"kind": "fit", "seed": seed, "k_range": list(k_range), "k_per_layer": overrides,
           "first_layer": first_layer, "timings_s": timings, **dict(source or {})}
    notes = ["BatchNorm running statistics are the trained ones, stored separately and not counted (§3.7/§3.8)"]
    return WCDistributions(arch=arch, width=float(width), layers=layers, batchnorm=bns, source=src, notes=notes)


def fit_gabor_prior(name: str, w: np.ndarray, *, gabor_params: np.ndarray | None, niter: int, seed: int,
                     n_jobs: int, components: int | None, canonical_theta: bool = False,
                     gmm_n_init: int = GMM_KW["n_init"]) -> GaborGMMLayer:
    """Gabor fits of every (kernel, channel) slice of ``w`` (or the given fits), then the mixture."""
    if w.shape[2] != w.shape[3]:
        raise WiringupError(f"{name}: the Gabor prior needs square kernels, got {w.shape[2:]}")
    if gabor_params is None:
        params = gabor.fit_gabors(w, niter=niter, seed=seed, n_jobs=n_jobs)
        how = {"gabor_fit": f"fitted here: basinhopping niter={niter}, T=1e-5, L-BFGS-B, seed {seed}"}
    else:
        params = np.asarray(gabor_params, dtype=np.float64)
        if params.shape != (w.shape[0], w.shape[1], len(gabor.FIT_COLUMNS)):
            raise WiringupError(f"{name}: gabor_params has shape {params.shape}, need "
                                f"{(w.shape[0], w.shape[1], len(gabor.FIT_COLUMNS))}")
        how = {"gabor_fit": "given (not fitted here)"}
    return gabor_gmm_layer(name, params, components=components, seed=seed, kernel_size=w.shape[2],
                           canonical_theta=canonical_theta, gmm_n_init=gmm_n_init, extra=how)


def fit_wc_checkpoint(path: str | os.PathLike, **kwargs: Any) -> WCDistributions:
    """:func:`fit_wc` on a pipeline checkpoint, recording its path and sha256 in the header."""
    arch = kwargs.get("arch", "cornet_s")
    model, meta, model_config = load_model(path, arch=arch)
    source = {"checkpoint": str(path), "checkpoint_sha256": sha256_file(path), "model": dict(model_config),
              **dict(kwargs.pop("source", None) or {})}
    return fit_wc(model, source=source, **kwargs)
