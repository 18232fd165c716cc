"""The authors' sampler (AUTHORS_CODE_FACTS.md §3.3): a new network at birth drawn from a WC set.

``sample_model(wc, seed=...)`` draws every conv and BatchNorm layer of a new CORnet-S from a
:class:`~wiringup.wc.distributions.WCDistributions` (WC, a Fig. 7 alternative, or the authors' files); the
per-layer samplers (:func:`sample_kmeans_weight`, :func:`sample_gabor_weight`, the alternatives'
:func:`sample_kernel_normal_weight` and :func:`sample_weight_gmm_weight`) and the per-layer generator
:func:`layer_rng` are also used by the transfer sampler (:mod:`wiringup.wc.transfer`) and the fits.
``sampled_meta`` / ``restore_sampled_state`` carry a sampled model's facts through a checkpoint. The switches'
defaults (the authors' behaviour) are :data:`wiringup.plan.wc.SAMPLER_DEFAULTS`. A BatchNorm treatment after
sampling (experiment (b)'s arms: re-estimated running statistics, batch statistics at eval) is :mod:`wiringup.wc.bn`.

Sampling (``sample_model``), per k-means layer and per new output kernel
    1. n_j = |round(N(count_mean_j, count_std_j) · frac)| with frac = new_in / old_in (round half to even);
    2. fill input-channel slots in cluster order 0..k−1 with centre_j + N(0, weight_std_j) elementwise,
       truncating when all slots are full; 3. fill the slots left over with the **last** cluster; 4. permute the
    kernel's input channels at random. ``zero_noise_1x1=True`` (the authors' behaviour) keeps weight_std = 0
    for 1×1 layers, so every 1×1 weight is exactly one of the centres; ``False`` uses ``member_std_j``, the std
    of the scalar weights within cluster j (pooled over elements for k×k layers), which a fit records but the
    authors' files do not ship. First layer: draw ``out_channels`` feature vectors from the mixture (component
    counts multinomial, then a multivariate normal per component, grouped by component as sklearn's
    ``sample`` does) and rebuild Gabor kernels at the layer's kernel size, using the samples as drawn, as the
    authors did. A mixture of 4–5 full-covariance components fitted to 64 points in 30 dimensions is nearly
    degenerate, so samples can have σ ≤ 0 or tiny σ: with the shipped fits (BIC: 5 components) the largest
    |weight| of a sampled first layer is ~3.5× (median over seeds, up to ~40×) that of the fitted kernels.
    ``gabor_clip_to_bounds=True`` clips f, σ, centre and scale to the fit bounds instead. BatchNorm: γ ~ N(μγ, σγ),
    β ~ N(μβ, σβ); with ``copy_bn_stats=True`` (authors) the stored running statistics are copied and the layer
    gets ``track_running_stats=False`` — it normalises with those fixed statistics in eval and with batch
    statistics in training, never updating them. Layers named in ``default_bn`` keep PyTorch's defaults
    (γ=1, β=0, live statistics), as the authors' ``norm3_*`` layers under WC+CT (§3.7). The decoder keeps
    PyTorch's default init under ``seed`` (the model is first built by ``build_model(arch, seed=seed)``).
    Every layer draws from its own ``numpy.random.Generator`` seeded by ``(seed, crc32(layer name))`` — never
    the global RNG — so the same seed gives bit-identical weights and a layer's weights do not depend on which
    other layers are sampled.
    Note: ``track_running_stats`` is module state, not state-dict content; after reloading a sampled model from
    a checkpoint call :func:`freeze_bn_running_stats` again (the names are in ``model.wiringup_wc``).
"""
from __future__ import annotations

import os
import zlib
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import torch
from torch import nn

from wiringup.core.io import WiringupError, sha256_file
from wiringup.nets.registry import build_model
from wiringup.plan.wc import SAMPLER_DEFAULTS
from wiringup.wc import gabor
from wiringup.wc.distributions import (GaborGMMLayer, KernelNormalLayer, KMeansLayer, WCDistributions,
                                       WeightGMMLayer, bn_layers, conv_layers)

#: Name patterns of the BatchNorm layers that the authors' WC+CT leaves at PyTorch defaults (§3.7).
WCCT_DEFAULT_BN = ("norm3_",)


def layer_rng(seed: int, name: str) -> np.random.Generator:
    """The per-layer Generator of every sampler: seeded by ``(seed, crc32(layer name))``."""
    return np.random.default_rng([int(seed), zlib.crc32(name.encode())])


def kmeans_noise(dist: KMeansLayer, zero_noise_1x1: bool, where: str) -> np.ndarray | None:
    """The ``noise`` argument of :func:`sample_kmeans_weight` for ``dist``: ``None`` (the fitted per-cluster noise;
    exactly the centres for 1×1 layers, the authors' zero noise) unless ``zero_noise_1x1`` is off for a 1×1 layer,
    which then needs the within-cluster std of its scalar weights (``where`` names the layer or file in the error)."""
    if zero_noise_1x1 or dist.kernel_size != (1, 1):
        return None
    if not np.all(np.isfinite(dist.member_std)):
        raise WiringupError(f"{where}: zero_noise_1x1=False needs the within-cluster std of the 1×1 weights, which "
                            "this WC set does not hold (the authors' files do not ship it); use a WC fit of a "
                            "checkpoint")
    return dist.member_std


# ----------------------------------------------------------------------------------------------------- sampling
def sample_kmeans_weight(layer: KMeansLayer, shape: Sequence[int], rng: np.random.Generator,
                         noise: np.ndarray | None = None) -> np.ndarray:
    """The authors' cluster sampler for one conv weight of ``shape`` (out, in, kh, kw); float32."""
    out, inp, kh, kw = (int(s) for s in shape)
    if (kh, kw) != layer.kernel_size:
        raise WiringupError(f"{layer.name}: distributions hold {layer.kernel_size} kernels, the layer needs "
                            f"{(kh, kw)} (resizing kernels across architectures is not implemented)")
    k = layer.k
    frac = inp / layer.in_channels
    counts = np.abs(np.rint(rng.normal(layer.count_mean, layer.count_std, size=(out, k)) * frac))
    cum = np.cumsum(counts, axis=1)
    slots = np.arange(inp, dtype=np.float64)
    assign = np.minimum((slots[None, :, None] >= cum[:, None, :]).sum(-1), k - 1)  # leftover slots: last cluster
    assign = rng.permuted(assign, axis=1)
    centers = layer.centers.reshape(k, kh * kw).astype(np.float32)
    w = centers[assign]
    std = layer.weight_std if noise is None else noise
    std = np.asarray(std, dtype=np.float32)
    if np.any(std > 0):
        w = w + rng.standard_normal(w.shape, dtype=np.float32) * std[assign][..., None]
    return w.reshape(out, inp, kh, kw)


def sample_gmm(layer: GaborGMMLayer | WeightGMMLayer, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` feature vectors from the mixture: multinomial component counts, then per component a multivariate
    normal (Cholesky), grouped by component as sklearn's ``GaussianMixture.sample``."""
    w = np.asarray(layer.weights, dtype=np.float64)
    per = rng.multinomial(int(n), w / w.sum())
    parts = []
    for j, m in enumerate(per):
        if m:
            try:
                parts.append(rng.multivariate_normal(layer.means[j], layer.covariances[j], size=int(m),
                                                     method="cholesky"))
            except np.linalg.LinAlgError:
                parts.append(rng.multivariate_normal(layer.means[j], layer.covariances[j], size=int(m),
                                                     method="eigh"))
    return np.concatenate(parts, axis=0)


def sample_gabor_weight(layer: GaborGMMLayer, shape: Sequence[int], rng: np.random.Generator,
                        clip_to_bounds: bool = False) -> np.ndarray:
    """Gabor kernels from mixture samples; ``clip_to_bounds`` clips f, σx, σy, xc, yc, scale to the fit bounds
    (not the authors' sampler, which uses the samples as drawn — σ can come out ≤ 0 or tiny, see module doc)."""
    out, inp, kh, kw = (int(s) for s in shape)
    if inp != layer.in_channels:
        raise WiringupError(f"{layer.name}: the Gabor mixture describes {layer.in_channels} input channels, the "
                            f"layer has {inp}")
    if kh != kw:
        raise WiringupError(f"{layer.name}: the Gabor prior needs square kernels, got {(kh, kw)}")
    params = gabor.features_to_params(sample_gmm(layer, out, rng), channels=inp)
    if clip_to_bounds:
        for i in (0, 2, 3, 5, 6, 7):
            params[..., i] = np.clip(params[..., i], *gabor.GABOR_BOUNDS[i])
    return gabor.gabor_kernels(params, ks=kh).astype(np.float32)


def sample_kernel_normal_weight(layer: KernelNormalLayer, shape: Sequence[int],
                                rng: np.random.Generator) -> np.ndarray:
    """Kernel i ~ N(mean[i], std[i]) elementwise; the layer must have the fitted number of output kernels."""
    out, inp, kh, kw = (int(s) for s in shape)
    if out != layer.out_channels or (kh, kw) != tuple(layer.kernel_size):
        raise WiringupError(f"{layer.name}: kernel-normal distributions describe {layer.out_channels} kernels of "
                            f"{tuple(layer.kernel_size)}, the layer needs {out} of {(kh, kw)}; sample at the "
                            "fitted width")
    w = rng.standard_normal((out, inp * kh * kw), dtype=np.float32)
    w = w * layer.std.astype(np.float32)[:, None] + layer.mean.astype(np.float32)[:, None]
    return w.reshape(out, inp, kh, kw)


def sample_weight_gmm_weight(layer: WeightGMMLayer, shape: Sequence[int], rng: np.random.Generator) -> np.ndarray:
    """Every (out, in) slice drawn independently from the mixture (drawn grouped by component, then shuffled)."""
    out, inp, kh, kw = (int(s) for s in shape)
    if (kh, kw) != tuple(layer.kernel_size):
        raise WiringupError(f"{layer.name}: the weight mixture describes {tuple(layer.kernel_size)} slices, the "
                            f"layer needs {(kh, kw)}")
    x = sample_gmm(layer, out * inp, rng)
    x = x[rng.permutation(x.shape[0])]
    return x.astype(np.float32).reshape(out, inp, kh, kw)


def freeze_bn_running_stats(model: nn.Module, names: Iterable[str]) -> None:
    """Set ``track_running_stats=False`` on the named BN layers (the authors' WC BN handling, §3.7)."""
    bns = bn_layers(model)
    for n in names:
        if n not in bns:
            raise WiringupError(f"no BatchNorm layer {n!r} in the model")
        bns[n].track_running_stats = False


def _matches(name: str, patterns: Iterable[str]) -> bool:
    return any(p in name for p in patterns)


@torch.no_grad()
def sample_model(wc: WCDistributions, *, seed: int, width: float | None = None, arch: str = "cornet_s",
                 num_classes: int = 1000, copy_bn_stats: bool = SAMPLER_DEFAULTS["copy_bn_stats"],
                 zero_noise_1x1: bool = SAMPLER_DEFAULTS["zero_noise_1x1"],
                 default_bn: Sequence[str] = tuple(SAMPLER_DEFAULTS["default_bn"]),
                 gabor_clip_to_bounds: bool = SAMPLER_DEFAULTS["gabor_clip_to_bounds"]) -> nn.Module:
    """A new network with every conv and BN layer drawn from ``wc`` (the authors' sampler; see module doc).

    ``width`` defaults to the distributions' width; any width works for the convs (frac rescales the counts,
    out-channels just draw more or fewer kernels). ``copy_bn_stats`` needs stored statistics of the same channel
    count (else pass False); with no statistics stored (the authors' files) BN keeps 0/1 and live statistics.
    ``default_bn``: substrings of BN layer names left at PyTorch defaults (e.g. :data:`WCCT_DEFAULT_BN`).
    ``gabor_clip_to_bounds=True`` clips the first layer's sampled Gabor parameters to the fit bounds (not the
    authors' behaviour).
    The returned module carries ``wiringup_wc`` (a dict: seed, options, BN layers with frozen statistics).
    """
    if arch != wc.arch:
        raise WiringupError(f"distributions were made for {wc.arch!r}, cannot sample {arch!r}")
    width = wc.width if width is None else float(width)
    model = build_model(arch, seed=seed, width=width, num_classes=num_classes)
    for name, conv in conv_layers(model).items():
        if name not in wc.layers:
            raise WiringupError(f"{name}: no distribution in the WC set; it covers {sorted(wc.layers)}")
        dist = wc.layers[name]
        rng = layer_rng(seed, name)
        shape = tuple(conv.weight.shape)
        if isinstance(dist, GaborGMMLayer):
            w = sample_gabor_weight(dist, shape, rng, clip_to_bounds=gabor_clip_to_bounds)
        elif isinstance(dist, KernelNormalLayer):
            w = sample_kernel_normal_weight(dist, shape, rng)
        elif isinstance(dist, WeightGMMLayer):
            w = sample_weight_gmm_weight(dist, shape, rng)
        else:
            w = sample_kmeans_weight(dist, shape, rng, noise=kmeans_noise(dist, zero_noise_1x1, name))
        conv.weight.copy_(torch.from_numpy(w))
    frozen = []
    for name, bn in bn_layers(model).items():
        if name not in wc.batchnorm:
            raise WiringupError(f"{name}: no BatchNorm distribution in the WC set")
        if _matches(name, default_bn):
            continue
        dist = wc.batchnorm[name]
        rng = layer_rng(seed, name)
        c = bn.num_features
        bn.weight.copy_(torch.from_numpy(rng.normal(dist.gamma[0], dist.gamma[1], size=c).astype(np.float32)))
        bn.bias.copy_(torch.from_numpy(rng.normal(dist.beta[0], dist.beta[1], size=c).astype(np.float32)))
        if copy_bn_stats and dist.running_mean is not None:
            if dist.running_mean.shape[0] != c:
                raise WiringupError(f"{name}: stored running statistics have {dist.running_mean.shape[0]} "
                                    f"channels, the width-{width} model has {c}; sample at width {wc.width} or "
                                    "pass copy_bn_stats=False")
            bn.running_mean.copy_(torch.from_numpy(dist.running_mean))
            bn.running_var.copy_(torch.from_numpy(dist.running_var))
            bn.track_running_stats = False
            frozen.append(name)
    model.wiringup_wc = {"seed": int(seed), "width": width, "compression": wc.compression,
                         "copy_bn_stats": copy_bn_stats,
                         "zero_noise_1x1": zero_noise_1x1, "default_bn": list(default_bn),
                         "gabor_clip_to_bounds": gabor_clip_to_bounds,
                         "bn_frozen_running_stats": frozen}
    return model


def sampled_meta(wc: WCDistributions, wc_path: str | os.PathLike, model: nn.Module) -> dict[str, Any]:
    """Checkpoint meta entries of a model sampled by :func:`sample_model` from the file ``wc_path``:
    ``wc_method``, ``wc_source`` (file, its sha256, what it was made from), ``wc_sampler`` (the switches),
    ``wc_parameter_count`` (authors' rule) and ``bn_frozen_running_stats`` (for :func:`restore_sampled_state`)."""
    info = dict(getattr(model, "wiringup_wc", {}))
    src = wc.source
    origin = {"kind": src.get("kind")}
    for key in ("checkpoint", "checkpoint_sha256", "directory", "it_conv2", "wc_file"):
        if key in src:
            origin[key] = src[key]
    return {"wc_method": wc.compression,
            "wc_source": {"file": str(wc_path), "sha256": sha256_file(wc_path), **origin},
            "wc_sampler": {k: info.get(k) for k in ("copy_bn_stats", "zero_noise_1x1", "default_bn",
                                                    "gabor_clip_to_bounds")},
            "wc_parameter_count": wc.parameter_count()["authors_rule"],
            "bn_frozen_running_stats": list(info.get("bn_frozen_running_stats", []))}


def restore_sampled_state(model: nn.Module, meta: Mapping[str, Any]) -> list[str]:
    """After loading a checkpoint made by :func:`sample_model`: freeze the BatchNorm layers whose running
    statistics were copied (``track_running_stats=False`` is module state, not in the state dict). Eval is
    unaffected either way; training needs it to keep the authors' behaviour (batch statistics, never updated).
    Returns the names frozen (none for models that were not sampled with copied statistics)."""
    names = list(meta.get("bn_frozen_running_stats") or [])
    freeze_bn_running_stats(model, names)
    return names
