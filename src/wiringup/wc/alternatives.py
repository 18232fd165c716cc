"""The alternative compressions of paper Fig. 7 (App. B.3; AUTHORS_CODE_FACTS.md §3.5–3.6).

``fit_alternative(model, method, ...)`` (and ``fit_alternatives``, ``fit_alternative(s)_checkpoint``) make a
:class:`~wiringup.wc.distributions.WCDistributions` in the same file format as WC, with ``compression`` =
``mixture_gaussian`` | ``kernel_normal`` | ``no_gabor`` (:data:`wiringup.plan.wc.ALTERNATIVES`):
*No Gabor prior* = kernel normal (per output kernel i a normal N(mean_i, std_i) over its ``in·kh·kw`` weights,
2 numbers per kernel) for all 17 convs; *Kernel normal* = the Gabor prior for V1.conv1 and V1.conv2 (V1.conv2: a
Gabor fit per 3×3 slice, a mixture over the ``10·in``-d per-kernel features), kernel normal elsewhere; *Mixture
Gaussian* = as Kernel normal, but a full-covariance mixture over the flattened 3×3 slices of V2/V4/IT.conv2
(``weight_gmm``; each new slice drawn independently). With the authors' sizes (V1.conv1 4, V1.conv2 1,
V2/V4/IT.conv2 5/8/4 components: :data:`~wiringup.plan.wc.AUTHORS_SECOND_LAYER_GABOR_COMPONENTS`,
:data:`~wiringup.plan.wc.AUTHORS_WEIGHT_GMM_COMPONENTS`) the authors' counting rule gives the paper's 428,114 /
433,735 / 20,026 numbers at full size (:data:`wiringup.wc.distributions.PAPER_PARAMETER_COUNTS`). The weight
mixtures use sklearn's default tolerance (:data:`WEIGHT_GMM_KW`) on a seeded subsample of at most
:data:`~wiringup.plan.wc.WEIGHT_GMM_MAX_POINTS` slices. The layers are sampled by :mod:`wiringup.wc.sample`.
"""
from __future__ import annotations

import os
import time
from typing import Any, Mapping, Sequence

import numpy as np
from torch import nn

from wiringup.core.io import WiringupError, sha256_file
from wiringup.nets.checkpoints import load_model
from wiringup.plan.wc import (ALTERNATIVES, AUTHORS_SECOND_LAYER_GABOR_COMPONENTS, AUTHORS_WEIGHT_GMM_COMPONENTS,
                              WEIGHT_GMM_MAX_POINTS, WEIGHT_GMM_N_INIT)
from wiringup.wc import gabor
from wiringup.wc.distributions import (GaborGMMLayer, KernelNormalLayer, Layer, WCDistributions, WeightGMMLayer,
                                       bn_layers, check_architecture, conv_layers, load_wc)
from wiringup.wc.fit import GMM_KW, fit_bn_layer, fit_gabor_prior, fit_gmm, kernel_slices
from wiringup.wc.sample import layer_rng

#: Largest weight mixture the BIC search tries (the authors' range, §3.6).
WEIGHT_GMM_MAX_COMPONENTS = 8
#: sklearn's defaults for the weight mixtures: the authors' tol=1e-15 / max_iter=5000 / n_init=20 on up to 4.2 M
#: 9-d points would take hours on a CPU (see module doc).
WEIGHT_GMM_KW = {"covariance_type": "full", "max_iter": 100, "tol": 1e-3}


def fit_kernel_normal_layer(name: str, weight: np.ndarray) -> KernelNormalLayer:
    """Per output kernel i: mean and std (ddof=0) of all its ``in·kh·kw`` weights (§3.5)."""
    w = np.asarray(weight, dtype=np.float64)
    if w.ndim != 4:
        raise WiringupError(f"{name}: expected a conv weight (out, in, kh, kw), got shape {w.shape}")
    out, inp, kh, kw = w.shape
    flat = w.reshape(out, -1)
    return KernelNormalLayer(name=name, mean=flat.mean(1), std=flat.std(1), in_channels=inp, out_channels=out,
                             kernel_size=(kh, kw))


def fit_weight_gmm_layer(name: str, weight: np.ndarray, *, components: int | None = None,
                         max_components: int = WEIGHT_GMM_MAX_COMPONENTS, seed: int = 0,
                         max_points: int = WEIGHT_GMM_MAX_POINTS, n_init: int = WEIGHT_GMM_N_INIT) -> WeightGMMLayer:
    """A full-covariance mixture over the layer's flattened (out, in) kernel slices (§3.5, "dim 1"), fitted on a
    seeded subsample of at most ``max_points`` slices; ``components`` None: minimum BIC over 1..max_components."""
    weight = np.asarray(weight, dtype=np.float32)
    out, inp, kh, kw = weight.shape
    X = kernel_slices(weight).astype(np.float64)
    n = X.shape[0]
    rng = layer_rng(seed, name)
    sub = X if n <= max_points else X[np.sort(rng.choice(n, size=int(max_points), replace=False))]
    gm, sel = fit_gmm(sub, components=components, max_components=max_components, seed=seed, n_init=n_init,
                      name=name, gmm_kw=WEIGHT_GMM_KW)
    sel.update({"points": int(n), "fitted_points": int(sub.shape[0]),
                "settings": {**WEIGHT_GMM_KW, "n_init": sel.get("n_init", n_init)}})
    return WeightGMMLayer(name=name, weights=gm.weights_.astype(np.float64), means=gm.means_.astype(np.float64),
                          covariances=gm.covariances_.astype(np.float64), in_channels=inp, out_channels=out,
                          kernel_size=(kh, kw), selection=sel)


def alternative_plan(method: str, convs: Mapping[str, tuple[int, ...]]) -> dict[str, str]:
    """Layer -> layer method of a Fig. 7 compression (§3.6) for conv shapes ``convs`` (model order)."""
    if method not in ALTERNATIVES:
        raise WiringupError(f"unknown alternative compression {method!r}; known: {list(ALTERNATIVES)} (and wc)")
    names = list(convs)
    plan = {}
    for i, name in enumerate(names):
        kh, kw = convs[name][2:]
        if method == "no_gabor":
            plan[name] = "kernel_normal"
        elif i < 2:                      # V1.conv1 and V1.conv2: the Gabor prior
            plan[name] = "gabor_gmm"
        elif method == "mixture_gaussian" and (kh, kw) != (1, 1):
            plan[name] = "weight_gmm"
        else:
            plan[name] = "kernel_normal"
    return plan


def fit_alternative(model: nn.Module, method: str, *, wc: WCDistributions | None = None,
                    gabor_components: int | None = None, gabor_niter: int = gabor.DEFAULT_NITER,
                    first_layer_gabor_params: np.ndarray | None = None,
                    second_layer_gabor_params: np.ndarray | None = None,
                    second_layer_gabor_niter: int = gabor.DEFAULT_NITER,
                    second_layer_components: int | None = AUTHORS_SECOND_LAYER_GABOR_COMPONENTS,
                    weight_gmm_components: Mapping[str, int | None] | None = None,
                    weight_gmm_max_points: int = WEIGHT_GMM_MAX_POINTS, weight_gmm_n_init: int = WEIGHT_GMM_N_INIT,
                    seed: int = 0, gabor_n_jobs: int = 1, arch: str = "cornet_s",
                    source: Mapping[str, Any] | None = None, progress: bool = False) -> WCDistributions:
    """One of the Fig. 7 alternative compressions of ``model`` (paper App. B.3; AUTHORS_CODE_FACTS.md §3.5–3.6).

    * ``no_gabor``: kernel normal for all 17 convs.
    * ``kernel_normal``: Gabor prior for V1.conv1 and V1.conv2, kernel normal for the other 15 convs.
    * ``mixture_gaussian``: Gabor prior for V1.conv1 and V1.conv2, a weight mixture for the other 3×3 convs
      (V2/V4/IT.conv2), kernel normal for the 1×1 convs.

    BatchNorm as in WC. With ``wc`` (a WC set fitted to the *same* model) the first layer's mixture and the
    BatchNorm normals and statistics are taken from it, so an alternative differs from WC only where the method
    does; otherwise they are fitted here (``gabor_components``, ``gabor_niter``, ``first_layer_gabor_params``).
    V1.conv2's Gabor prior: a Gabor fit per 3×3 (kernel, channel) slice (``second_layer_gabor_niter``
    basin-hopping steps, or ``second_layer_gabor_params``), then a mixture of ``second_layer_components``
    components (None: BIC) over the ``10·in``-d per-kernel features. ``weight_gmm_components``: layer -> mixture
    size (None: BIC over 1..8); default :data:`AUTHORS_WEIGHT_GMM_COMPONENTS`.
    """
    width = check_architecture(model, arch)
    convs = conv_layers(model)
    plan = alternative_plan(method, {n: tuple(c.weight.shape) for n, c in convs.items()})
    if wc is not None:
        if wc.arch != arch or abs(wc.width - width) > 1e-9:
            raise WiringupError(f"the WC set ({wc.arch}, width {wc.width}) was not fitted to this model ({arch}, "
                                f"width {width}); fit the alternatives from the WC set's own checkpoint")
    comps = dict(AUTHORS_WEIGHT_GMM_COMPONENTS if weight_gmm_components is None else weight_gmm_components)
    unknown = sorted(set(comps) - set(convs))
    if unknown:
        raise WiringupError(f"weight_gmm_components names layers that {arch} does not have: {unknown}")
    names = list(convs)
    layers: dict[str, Layer] = {}
    timings: dict[str, float] = {}
    how: dict[str, str] = {}
    for i, (name, conv) in enumerate(convs.items()):
        t0 = time.perf_counter()
        w = conv.weight.detach().cpu().float().numpy()
        kind = plan[name]
        if kind == "kernel_normal":
            layers[name] = fit_kernel_normal_layer(name, w)
        elif kind == "weight_gmm":
            layers[name] = fit_weight_gmm_layer(name, w, components=comps.get(name), seed=seed,
                                                max_points=weight_gmm_max_points, n_init=weight_gmm_n_init)
        elif i == 0 and wc is not None and isinstance(wc.layers.get(name), GaborGMMLayer):
            layers[name] = wc.layers[name]
            how[name] = "the WC set's Gabor mixture (same fits, same mixture)"
        elif i == 0:
            layers[name] = fit_gabor_prior(name, w, gabor_params=first_layer_gabor_params, niter=gabor_niter,
                                            seed=seed, n_jobs=gabor_n_jobs, components=gabor_components)
            how[name] = "Gabor fits and mixture fitted here"
        else:
            layers[name] = fit_gabor_prior(name, w, gabor_params=second_layer_gabor_params,
                                            niter=second_layer_gabor_niter, seed=seed, n_jobs=gabor_n_jobs,
                                            components=second_layer_components, gmm_n_init=GMM_KW["n_init"])
            fits = ("given (see source.second_layer_gabor_fit)" if second_layer_gabor_params is not None
                    else f"fitted here (niter={second_layer_gabor_niter})")
            how[name] = (f"Gabor fits of the {w.shape[2]}x{w.shape[3]} slices {fits}; a mixture of "
                         f"{layers[name].n_components} component(s) fitted here")
        timings[name] = time.perf_counter() - t0
        if progress:
            print(f"{name}: {kind} {timings[name]:.1f} s", flush=True)
    if wc is not None:
        bns = dict(wc.batchnorm)
        how["batchnorm"] = "the WC set's BatchNorm normals and running statistics"
    else:
        bns = {n: fit_bn_layer(n, m) for n, m in bn_layers(model).items()}
        how["batchnorm"] = "BatchNorm normals and running statistics fitted here"
    src = {"kind": "fit", "compression": method, "seed": seed, "plan": plan, "how": how, "timings_s": timings,
           "weight_gmm_components": {n: comps.get(n) for n, k in plan.items() if k == "weight_gmm"},
           "second_layer": names[1] if method != "no_gabor" else None, **dict(source or {})}
    notes = [f"{method}: paper App. B.3 / AUTHORS_CODE_FACTS.md §3.6; layer methods in source.plan",
             "BatchNorm running statistics are the trained ones, stored separately and not counted (§3.7/§3.8)"]
    return WCDistributions(arch=arch, width=float(width), layers=layers, batchnorm=bns, source=src, notes=notes,
                           compression=method)


def fit_alternatives(model: nn.Module, methods: Sequence[str], *, second_layer_gabor_niter: int = gabor.DEFAULT_NITER,
                     second_layer_gabor_params: np.ndarray | None = None, seed: int = 0, gabor_n_jobs: int = 1,
                     **kwargs: Any) -> dict[str, WCDistributions]:
    """:func:`fit_alternative` for several methods, fitting V1.conv2's Gabor parameters once for all of them."""
    methods = list(dict.fromkeys(methods))
    for m in methods:
        alternative_plan(m, {})
    params = second_layer_gabor_params
    src = dict(kwargs.pop("source", None) or {})
    if params is not None:
        src.setdefault("second_layer_gabor_fit", {"how": "given (fitted beforehand)"})
    if params is None and any(m != "no_gabor" for m in methods):
        convs = conv_layers(model)
        second = list(convs)[1]
        t0 = time.perf_counter()
        w = convs[second].weight.detach().cpu().float().numpy()
        params = gabor.fit_gabors(w, niter=second_layer_gabor_niter, seed=seed, n_jobs=gabor_n_jobs)
        src["second_layer_gabor_fit"] = {
            "layer": second, "how": f"fitted here: basinhopping niter={second_layer_gabor_niter}, T=1e-5, "
                                    f"L-BFGS-B, seed {seed}", "seconds": round(time.perf_counter() - t0, 2)}
    return {m: fit_alternative(model, m, second_layer_gabor_params=params, seed=seed, gabor_n_jobs=gabor_n_jobs,
                               source=src, **kwargs) for m in methods}


def fit_alternatives_checkpoint(path: str | os.PathLike, methods: Sequence[str], *,
                                wc_path: str | os.PathLike | None = None,
                                **kwargs: Any) -> dict[str, WCDistributions]:
    """:func:`fit_alternatives` on a pipeline checkpoint; ``wc_path``: the WC file fitted to the same checkpoint
    (its first layer and BatchNorm are reused; a WC file of another checkpoint is refused)."""
    model, wc, source = _alternative_inputs(path, wc_path, kwargs.get("arch", "cornet_s"))
    return fit_alternatives(model, methods, wc=wc, source={**source, **dict(kwargs.pop("source", None) or {})},
                            **kwargs)


def _alternative_inputs(path: str | os.PathLike, wc_path: str | os.PathLike | None,
                        arch: str) -> tuple[nn.Module, WCDistributions | None, dict[str, Any]]:
    model, meta, model_config = load_model(path, arch=arch)
    sha = sha256_file(path)
    wc = None
    extra: dict[str, Any] = {}
    if wc_path is not None:
        wc = load_wc(wc_path)
        if wc.compression != "wc":
            raise WiringupError(f"{wc_path}: holds the {wc.compression!r} compression, not WC")
        fitted = wc.source.get("checkpoint_sha256")
        if fitted is not None and fitted != sha:
            raise WiringupError(f"{wc_path} was fitted to another checkpoint ({wc.source.get('checkpoint')}); "
                                f"the alternatives of {path} need the WC file of that same checkpoint")
        extra = {"wc_file": str(wc_path), "wc_file_sha256": sha256_file(wc_path)}
    return model, wc, {"checkpoint": str(path), "checkpoint_sha256": sha, "model": dict(model_config), **extra}


def fit_alternative_checkpoint(path: str | os.PathLike, method: str, *, wc_path: str | os.PathLike | None = None,
                               **kwargs: Any) -> WCDistributions:
    """:func:`fit_alternative` on a pipeline checkpoint; ``wc_path``: the WC file fitted to the same checkpoint
    (its first layer and BatchNorm are reused; a WC file of another checkpoint is refused)."""
    model, wc, source = _alternative_inputs(path, wc_path, kwargs.get("arch", "cornet_s"))
    source.update(dict(kwargs.pop("source", None) or {}))
    return fit_alternative(model, method, wc=wc, source=source, **kwargs)
