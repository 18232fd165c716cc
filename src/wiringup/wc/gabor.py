"""The Gabor prior of Weight Compression's first layer (AUTHORS_CODE_FACTS.md §3.4; paper App. B.1).

Three pieces, each a re-implementation of the authors' behaviour (no code copied):

* :func:`gabor_kernel` — the authors' Gabor function on a ``ks × ks`` grid ``y, x ∈ [−(ks//2) .. ks//2]``
  (``[−3..3]`` for ks=7)::

      x' =  (x − xc)·cosθ + (y − yc)·sinθ
      y' = −(x − xc)·sinθ + (y − yc)·cosθ
      g  = exp(−½(x'²/σx² + y'²/σy²)) / (2π·σx·σy) · cos(2π·f·x' + φ) · scale

  The kernel is indexed ``[row, col] = [y, x]`` (``y, x = np.mgrid[...]``: rows are y, columns are x). The facts
  file does not say which way round the authors' grid was; with the transposed convention a kernel is mirrored
  about its diagonal (θ ↦ π/2 − θ). The paper's Eq. 3 (σ = n/f) is *not* what the code does: σx, σy are fitted
  directly, as here.
* :func:`fit_gabor` / :func:`fit_gabors` — per (kernel, colour channel): minimise the MSE between the min-max
  normalised Gabor and the min-max normalised kernel with ``scipy.optimize.basinhopping`` (T=1e-5, local
  L-BFGS-B with maxiter 2e5, gtol 1e-25), from the authors' start point and within their bounds
  (:data:`GABOR_INIT`, :data:`GABOR_BOUNDS`). Because of the min-max normalisation ``scale`` is not identifiable:
  its fitted value is wherever the optimiser leaves it (yet the sampler uses it as the kernel's amplitude).
  The authors ran ``niter=15`` basin-hopping steps (:data:`AUTHORS_NITER`); the default here is
  :data:`DEFAULT_NITER` = 8, about half the time (64×3 fits: ~15 s with 2 processes on a busy 2-core machine
  versus ~27 s for 15) with about the same share of fits stuck in a poor local minimum on synthetic Gabor
  kernels (3 steps: twice as many) — pass ``niter=15`` for the authors' setting. The local descent uses the
  exact gradient of the objective (:func:`_objective_and_grad`) instead of finite differences, and fits run
  with one BLAS thread. Each fit draws its basin-hopping steps from its own ``numpy`` Generator seeded by
  ``(seed, kernel, channel)``, so a fit is reproducible, independent of the others and of ``n_jobs`` (the
  authors seeded the global RNG once with ``np.random.seed(1)``).
* :func:`gabor_features` / :func:`features_to_params` — the mixture's 10-d per-channel encoding
  ``(f, sin2θ, cos2θ, σx, σy, sinφ, cosφ, xc, yc, scale)``, channels concatenated (30-d for RGB; the paper's
  "3 × 8 = 27" is neither the code's dimension nor correct arithmetic) and its inverse ``θ = atan2(s, c)/2``,
  ``φ = atan2(s, c)``.

Symmetries of a fit: θ is only defined modulo π together with the sign of φ (θ+π flips x', which equals
φ ↦ −φ), φ modulo 2π, and scale is free. The authors' sin2θ, cos2θ encoding folds θ but not φ's sign (see
:func:`gabor_features`); compare kernels, not raw parameters.
"""
from __future__ import annotations

import math
import time
from typing import Sequence

import numpy as np
from scipy import optimize
from threadpoolctl import threadpool_limits

from wiringup.plan.wc import GABOR_NITER

#: Names of the 8 fitted Gabor parameters, then the final fit MSE (the 9th column of the authors' file).
PARAM_NAMES = ("f", "theta", "sigma_x", "sigma_y", "phi", "xc", "yc", "scale")
FIT_COLUMNS = PARAM_NAMES + ("mse",)
#: Names of the 10 mixture features per colour channel.
FEATURE_NAMES = ("f", "sin2theta", "cos2theta", "sigma_x", "sigma_y", "sin_phi", "cos_phi", "xc", "yc", "scale")
FEATURES_PER_CHANNEL = len(FEATURE_NAMES)

#: The authors' start point (f, θ, σx, σy, φ, xc, yc, scale).
GABOR_INIT = (0.2, 0.0, 4.0, 4.0, 0.0, 0.0, 0.0, 1.0)
#: The authors' box bounds, same order.
GABOR_BOUNDS = ((1.0 / 14.0, 0.5), (-2 * math.pi, 2 * math.pi), (2.0, 14.0), (2.0, 14.0),
                (-2 * math.pi, 2 * math.pi), (-2.0, 2.0), (-2.0, 2.0), (1e-5, 2.0))
AUTHORS_NITER = 15
DEFAULT_NITER = GABOR_NITER
BASINHOPPING_T = 1e-5
LBFGSB_OPTIONS = {"maxiter": 200_000, "gtol": 1e-25}


def _grid(ks: int) -> tuple[np.ndarray, np.ndarray]:
    r = ks // 2
    y, x = np.mgrid[-r:ks - r, -r:ks - r].astype(np.float64)
    return y, x


def gabor_kernel(f: float, theta: float, sigma_x: float, sigma_y: float, phi: float, xc: float, yc: float,
                 scale: float, ks: int = 7) -> np.ndarray:
    """The authors' Gabor function on a ``ks × ks`` grid (float64, ``[y, x]`` indexing, see module doc)."""
    y, x = _grid(ks)
    return _gabor(np.asarray([f, theta, sigma_x, sigma_y, phi, xc, yc, scale], dtype=np.float64), x, y)


def _gabor(p: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    f, theta, sx, sy, phi, xc, yc, scale = p
    c, s = math.cos(theta), math.sin(theta)
    dx, dy = x - xc, y - yc
    xr = dx * c + dy * s
    yr = -dx * s + dy * c
    env = np.exp(-0.5 * (xr * xr / (sx * sx) + yr * yr / (sy * sy))) / (2.0 * math.pi * sx * sy)
    return env * np.cos(2.0 * math.pi * f * xr + phi) * scale


def gabor_kernels(params: np.ndarray, ks: int = 7) -> np.ndarray:
    """Vectorised :func:`gabor_kernel`: ``params[..., 8]`` → kernels ``[..., ks, ks]`` (float64)."""
    p = np.asarray(params, dtype=np.float64)
    if p.shape[-1] < 8:
        raise ValueError(f"need 8 Gabor parameters in the last axis, got shape {p.shape}")
    y, x = _grid(ks)
    f, theta, sx, sy, phi, xc, yc, scale = (p[..., i, None, None] for i in range(8))
    dx, dy = x - xc, y - yc
    xr = dx * np.cos(theta) + dy * np.sin(theta)
    yr = -dx * np.sin(theta) + dy * np.cos(theta)
    env = np.exp(-0.5 * (xr ** 2 / sx ** 2 + yr ** 2 / sy ** 2)) / (2.0 * np.pi * sx * sy)
    return env * np.cos(2.0 * np.pi * f * xr + phi) * scale


def minmax(a: np.ndarray) -> np.ndarray:
    """(a − min) / (max − min); a constant array maps to zeros."""
    a = np.asarray(a, dtype=np.float64)
    lo, hi = a.min(), a.max()
    return (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)


def gabor_mse(params: Sequence[float], kernel: np.ndarray) -> float:
    """The fit objective: MSE between min-max normalised Gabor and min-max normalised ``kernel``."""
    kernel = np.asarray(kernel, dtype=np.float64)
    y, x = _grid(kernel.shape[-1])
    return float(np.mean((minmax(_gabor(np.asarray(params, dtype=np.float64), x, y)) - minmax(kernel)) ** 2))


def _objective_and_grad(p: np.ndarray, x: np.ndarray, y: np.ndarray, target: np.ndarray
                        ) -> tuple[float, np.ndarray]:
    """The fit MSE and its exact gradient (the min-max normalisation is differentiated through its argmin and
    argmax, which is exact almost everywhere). An exact gradient instead of L-BFGS-B's finite differences
    makes each fit ~10× faster; the objective itself is the authors'."""
    f, theta, sx, sy, phi, xc, yc, scale = p
    c, s = math.cos(theta), math.sin(theta)
    dx, dy = x - xc, y - yc
    xr = dx * c + dy * s
    yr = -dx * s + dy * c
    a = 1.0 / (2.0 * math.pi * sx * sy)
    env = np.exp(-0.5 * (xr * xr / (sx * sx) + yr * yr / (sy * sy)))
    arg = 2.0 * math.pi * f * xr + phi
    cs, sn = np.cos(arg), np.sin(arg)
    base = a * env * scale          # g = base · cos(arg)
    g = base * cs
    imin, imax = int(np.argmin(g)), int(np.argmax(g))
    rng_ = g[imax] - g[imin]
    n = g.size
    if not rng_ > 0:
        d = -target
        return float(d @ d) / n, np.zeros(8)
    gn = (g - g[imin]) / rng_
    d = gn - target
    loss = float(d @ d) / n
    # Jacobian of g (n × 8)
    dg_dxr = base * (-xr / (sx * sx) * cs - sn * 2.0 * math.pi * f)
    dg_dyr = base * (-yr / (sy * sy) * cs)
    jac = np.empty((n, 8))
    jac[:, 0] = -base * sn * 2.0 * math.pi * xr
    jac[:, 1] = dg_dxr * yr - dg_dyr * xr
    jac[:, 2] = g * (-1.0 / sx + xr * xr / sx ** 3)
    jac[:, 3] = g * (-1.0 / sy + yr * yr / sy ** 3)
    jac[:, 4] = -base * sn
    jac[:, 5] = -c * dg_dxr + s * dg_dyr
    jac[:, 6] = -s * dg_dxr - c * dg_dyr
    jac[:, 7] = g / scale if scale != 0 else a * env * cs
    jmin, jmax = jac[imin], jac[imax]
    # d gn_i = (dg_i − dg_min)/R − gn_i (dg_max − dg_min)/R
    w = 2.0 / n * d
    grad = (w @ jac - w.sum() * jmin) / rng_ - (w @ gn) * (jmax - jmin) / rng_
    return loss, grad


def fit_gabor(kernel: np.ndarray, *, niter: int = DEFAULT_NITER, seed: int | Sequence[int] = 0,
              init: Sequence[float] = GABOR_INIT,
              bounds: Sequence[tuple[float, float]] = GABOR_BOUNDS) -> np.ndarray:
    """Fit one square 2-D kernel; returns the 8 parameters plus the final MSE (9 values, float64).

    ``niter`` basin-hopping steps (authors: 15, default here 3), each a bounded L-BFGS-B descent.
    """
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim != 2 or kernel.shape[0] != kernel.shape[1]:
        raise ValueError(f"fit_gabor needs one square 2-D kernel, got shape {kernel.shape}")
    y, x = _grid(kernel.shape[0])
    target = minmax(kernel).ravel()
    xf, yf = x.ravel(), y.ravel()
    lo = np.array([b[0] for b in bounds])
    hi = np.array([b[1] for b in bounds])

    def objective(p: np.ndarray) -> tuple[float, np.ndarray]:
        # basin-hopping steps may leave the box; L-BFGS-B starts from the clipped point, so evaluate there
        return _objective_and_grad(np.clip(p, lo, hi), xf, yf, target)

    res = optimize.basinhopping(
        objective, np.asarray(init, dtype=np.float64), niter=niter, T=BASINHOPPING_T,
        minimizer_kwargs={"method": "L-BFGS-B", "jac": True, "bounds": list(bounds),
                          "options": dict(LBFGSB_OPTIONS)},
        rng=np.random.default_rng(seed))
    p = np.clip(np.asarray(res.x, dtype=np.float64), lo, hi)
    return np.concatenate([p, [objective(p)[0]]])


def _fit_slices(weights: np.ndarray, index: list[tuple[int, int]], niter: int, seed: int) -> np.ndarray:
    # L-BFGS-B on 8 parameters gains nothing from BLAS threads, and they cost ~4x on a busy 2-core machine
    with threadpool_limits(1):
        return np.stack([fit_gabor(weights[o, c], niter=niter, seed=(seed, o, c)) for o, c in index])


def fit_gabors(weights: np.ndarray, *, niter: int = DEFAULT_NITER, seed: int = 0, n_jobs: int = 1,
               progress: bool = False) -> np.ndarray:
    """Fit every (output kernel, input channel) slice of a conv weight ``(out, in, ks, ks)``.

    Returns ``(out, in, 9)``: the 8 Gabor parameters and the fit MSE, the layout of the authors'
    ``gm_gabor_V1.conv1.npy``. Slice ``(o, c)`` uses the basin-hopping seed ``(seed, o, c)``, so the result does
    not depend on ``n_jobs``. Worker processes are started with ``fork`` (they run only numpy/scipy, and a forked
    child does not re-run the calling script, which ``spawn`` would do to a Snakemake script without a
    ``__main__`` guard); where ``fork`` is unavailable the fits run in this process.
    """
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 4 or w.shape[2] != w.shape[3]:
        raise ValueError(f"fit_gabors needs a conv weight (out, in, ks, ks), got shape {w.shape}")
    index = [(o, c) for o in range(w.shape[0]) for c in range(w.shape[1])]
    t0 = time.perf_counter()
    n_jobs = max(1, min(int(n_jobs), len(index)))
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        n_jobs = 1
    if n_jobs == 1:
        rows = _fit_slices(w, index, niter, seed)
    else:
        from concurrent.futures import ProcessPoolExecutor

        chunks = [index[i::n_jobs] for i in range(n_jobs)]
        with ProcessPoolExecutor(n_jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            parts = list(pool.map(_fit_slices, [w] * n_jobs, chunks, [niter] * n_jobs, [seed] * n_jobs))
        rows = np.empty((len(index), len(FIT_COLUMNS)))
        for i, part in enumerate(parts):
            rows[i::n_jobs] = part
    if progress:
        print(f"gabor fit of {len(index)} slices: {time.perf_counter() - t0:.1f} s", flush=True)
    return rows.reshape(w.shape[:2] + (len(FIT_COLUMNS),))


def canonical_theta(params: np.ndarray) -> np.ndarray:
    """The same kernels with θ folded into (−π/2, π/2]: each half-turn removed flips the sign of φ."""
    p = np.array(params, dtype=np.float64, copy=True)
    theta = p[..., 1]
    folded = theta - np.pi * np.ceil((theta - np.pi / 2) / np.pi)     # in (−π/2, π/2]
    half_turns = np.rint((theta - folded) / np.pi).astype(np.int64)
    p[..., 1] = folded
    p[..., 4] = np.where(half_turns % 2 == 1, -p[..., 4], p[..., 4])
    return p


def gabor_features(params: np.ndarray, canonical: bool = False) -> np.ndarray:
    """``(n, channels, ≥8)`` Gabor parameters → ``(n, 10·channels)`` mixture features (see module doc).

    The authors' encoding (``canonical=False``) stores θ only through sin2θ, cos2θ but φ as fitted, so a fit
    with θ outside (−π/2, π/2] (mod 2π) comes back from :func:`features_to_params` rotated by π *without* the
    compensating φ ↦ −φ: a different kernel (40 of the 192 shipped fits; median correlation with the fitted
    kernel 0.53). ``canonical=True`` first folds θ with :func:`canonical_theta`, which makes the encoding
    lossless; it is not what the authors did.
    """
    p = np.asarray(params, dtype=np.float64)
    if p.ndim != 3 or p.shape[-1] < 8:
        raise ValueError(f"need Gabor parameters of shape (kernels, channels, 8 or 9), got {p.shape}")
    if canonical:
        p = canonical_theta(p)
    f, theta, sx, sy, phi, xc, yc, scale = (p[..., i] for i in range(8))
    feats = np.stack([f, np.sin(2 * theta), np.cos(2 * theta), sx, sy, np.sin(phi), np.cos(phi), xc, yc, scale],
                     axis=-1)
    return feats.reshape(p.shape[0], p.shape[1] * FEATURES_PER_CHANNEL)


def features_to_params(features: np.ndarray, channels: int = 3) -> np.ndarray:
    """Inverse of :func:`gabor_features`: ``(n, 10·channels)`` → ``(n, channels, 8)``.

    θ = atan2(sin2θ, cos2θ)/2 and φ = atan2(sinφ, cosφ); the other values are taken as sampled (no clipping to
    the fit bounds, as in the authors' sampler).
    """
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != channels * FEATURES_PER_CHANNEL:
        raise ValueError(f"need features of shape (n, {channels * FEATURES_PER_CHANNEL}), got {x.shape}")
    x = x.reshape(x.shape[0], channels, FEATURES_PER_CHANNEL)
    f, s2, c2, sx, sy, sp, cp, xc, yc, scale = (x[..., i] for i in range(FEATURES_PER_CHANNEL))
    return np.stack([f, np.arctan2(s2, c2) / 2.0, sx, sy, np.arctan2(sp, cp), xc, yc, scale], axis=-1)


def kernels_from_features(features: np.ndarray, channels: int = 3, ks: int = 7) -> np.ndarray:
    """Mixture samples ``(n, 10·channels)`` → conv weights ``(n, channels, ks, ks)`` (float64)."""
    return gabor_kernels(features_to_params(features, channels), ks)
