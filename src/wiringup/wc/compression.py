"""Weight Compression (WC): compress a trained network into a few thousand numbers and sample new networks.

Re-implements the authors' method as recorded in AUTHORS_CODE_FACTS.md §3–§4 (paper §4 and App. B; no code
copied). Four entry points:

``fit_wc(model, ...)``
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
``import_authors(directory, ...)``
    Build the same object from the authors' published ``cluster_<layer>.pkl`` / ``gm_gabor_V1.conv1.npy``.
``sample_model(wc, seed=...)``
    The authors' sampler (§3.3): a new CORnet-S whose weights are drawn from the distributions.
``save_wc`` / ``load_wc``
    The file format (below).
``fit_alternative(model, method, ...)``
    The alternative compressions of paper Fig. 7 (App. B.3; AUTHORS_CODE_FACTS.md §3.5–3.6), same file format
    with ``compression`` = ``mixture_gaussian`` | ``kernel_normal`` | ``no_gabor``:
    *No Gabor prior* = kernel normal (per output kernel i a normal N(mean_i, std_i) over its ``in·kh·kw``
    weights, 2 numbers per kernel) for all 17 convs; *Kernel normal* = the Gabor prior for V1.conv1 and V1.conv2
    (V1.conv2: a Gabor fit per 3×3 slice, a mixture over the ``10·in``-d per-kernel features), kernel normal
    elsewhere; *Mixture Gaussian* = as Kernel normal, but a full-covariance mixture over the flattened 3×3 slices
    of V2/V4/IT.conv2 (``weight_gmm``; each new slice drawn independently). With the authors' sizes (V1.conv1 4,
    V1.conv2 1, V2/V4/IT.conv2 5/8/4 components) the authors' counting rule gives the paper's 428,114 / 433,735 /
    20,026 numbers at full size (:data:`PAPER_PARAMETER_COUNTS`). The weight mixtures use sklearn's default
    tolerance (:data:`WEIGHT_GMM_KW`) on a seeded subsample of at most :data:`WEIGHT_GMM_MAX_POINTS` slices.
    ``sampled_meta`` / ``restore_sampled_state`` carry a sampled model's facts through a checkpoint.

The Kaiming-Normal (KN) control needs no code here: it is :func:`wiringup.nets.registry.build_model`.

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

Parameter count (§3.8, the authors' ``runtime/compression.py`` rule, reported as ``authors_rule``)
    k-means layer: |centres| + 3k (centres + count mean, count std, noise std per cluster); Gabor mixture:
    m·(1 + d + d²) with d = 30, i.e. 931 per component (weight, mean, *full 30×30* covariance — the symmetric
    covariance really has 465 free numbers); BatchNorm: 2 per WC-initialised layer (although 4 numbers are
    sampled); copied running statistics are not counted. With the authors' files (IT.conv2 with 4 clusters:
    k-means part 384), 4 mixture components and 29 BN layers: 384 + 4·931 + 58 = **4,166**, the paper's
    number (App. B.3); 1 component gives 1,373, the "+1,373" of the facts' §2 table. (The facts' §3.8 "4,097
    (k=4)" does not follow from its own formula; 5,097 is k=5.) With the default ``_comp8`` IT.conv2 file the
    k-means part is 444 and the total 4,226 for 4 components. ``stored_numbers`` counts what the file really holds for sampling (symmetric covariance,
    4 per BN layer, plus the copied running statistics listed separately).

File format (``.npz``, no pickle; read with ``numpy.load(allow_pickle=False)``)
    * ``header``: a 0-d unicode array holding a JSON object: ``format`` = ``"wiringup-wc"``, ``version`` = 1,
      ``compression`` (``wc`` or an alternative; absent = ``wc``), ``arch``, ``width``, ``source`` (kind
      ``fit`` with checkpoint path + sha256, or kind ``authors`` with the directory, the files read and their
      sha256), ``layers`` (``method`` = ``kmeans`` | ``gabor_gmm`` | ``kernel_normal`` | ``weight_gmm``; kmeans: ``k``, ``shape``, ``in_channels``, ``out_channels``, ``elbow`` = {``k``: [...],
      ``wcss``: [...], ``curve_points``, ``rule``, ``rule_k``, ``chosen_k``, ``choice``}, ``solver``;
      gabor_gmm: ``n_components``, ``selection``, ``bic``, …), ``batchnorm`` (``method`` = ``bn_normal`` |
      ``bn_default``, ``num_features``, ``running_stats``), ``parameter_count`` and ``notes``.
    * arrays named ``<layer>::<field>``: kmeans ``centers`` (k, kh, kw) float32, ``count_mean``, ``count_std``,
      ``weight_std``, ``member_std`` (k,) float64 (``member_std`` NaN when unknown); gabor_gmm ``weights`` (m,),
      ``means`` (m, 10·in), ``covariances`` (m, 10·in, 10·in), ``gabor_params`` (out, in, 9); kernel_normal
      ``mean``, ``std`` (out,); weight_gmm ``weights`` (m,), ``means`` (m, kh·kw), ``covariances``; BN
      ``gamma`` and ``beta`` (2,) = (mean, std) float64, ``running_mean`` / ``running_var`` (C,) float32 when stored.
"""
from __future__ import annotations

import functools
import json
import os
import pickle
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import torch
from torch import nn

from wiringup.wc import gabor
from wiringup.core.io import WiringupError, atomic_path, sha256_file
from wiringup.nets.registry import ARCHITECTURES, build_model

FORMAT = "wiringup-wc"
VERSION = 1

#: The authors' chosen k (`utils/cluster.py` ``n_components``, §3.2) for the 16 clustered layers of CORnet-S.
AUTHORS_K: dict[str, int] = {
    "V1.conv2": 7, "V2.conv2": 5, "V4.conv2": 8, "IT.conv2": 9,
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
#: Name patterns of the BatchNorm layers that the authors' WC+CT leaves at PyTorch defaults (§3.7).
WCCT_DEFAULT_BN = ("norm3_",)

#: The compressions of paper Fig. 7 (App. B.3; AUTHORS_CODE_FACTS.md §3.5–3.6): ``wc`` and the alternatives.
ALTERNATIVES = ("mixture_gaussian", "kernel_normal", "no_gabor")
COMPRESSIONS = ("wc",) + ALTERNATIVES
#: Mixture sizes of the authors' weight-mixture layers (Mixture Gaussian, §3.6: V2 5, IT 4 components). V4's 8
#: is not in the facts: it is the only value that gives the paper's 428,114 parameters (App. B.3) with the
#: others, so we take it (the authors' search range was BIC over 1..8).
AUTHORS_WEIGHT_GMM_COMPONENTS: dict[str, int] = {"V2.conv2": 5, "V4.conv2": 8, "IT.conv2": 4}
#: Mixture size of the Gabor prior of the second layer (V1.conv2) under Mixture Gaussian / Kernel normal: 1, the
#: only value that gives the paper's 433,735 and 428,114 parameters (one 640-d full-covariance component).
AUTHORS_SECOND_LAYER_GABOR_COMPONENTS = 1
#: Mixture size of the first layer's Gabor prior in the paper (App. B.1; BIC chose 4).
PAPER_GABOR_COMPONENTS = 4
#: Parameter counts the paper states for full-size CORnet-S (App. B.3), reproduced exactly by
#: :meth:`WCDistributions.parameter_count` (``authors_rule``) with the authors' choices (tests check it).
PAPER_PARAMETER_COUNTS = {"wc": 4_166, "mixture_gaussian": 428_114, "kernel_normal": 433_735, "no_gabor": 20_026}
#: Weight mixtures are fitted on at most this many kernel slices (seeded subsample; see module doc).
WEIGHT_GMM_MAX_POINTS = 50_000
WEIGHT_GMM_MAX_COMPONENTS = 8

_AUTHORS_KEYS = {"mean", "std", "weight_stds", "components", "centers"}
_AUTHORS_IT_CONV2 = {"comp8": "cluster_IT.conv2_comp8.pkl", "plain": "cluster_IT.conv2.pkl"}


# --------------------------------------------------------------------------------------------------- containers
@dataclass
class KMeansLayer:
    """Cluster distribution of one conv layer (see module doc)."""

    name: str
    centers: np.ndarray            # (k, kh, kw) float32
    count_mean: np.ndarray         # (k,) float64
    count_std: np.ndarray          # (k,) float64
    weight_std: np.ndarray         # (k,) float64
    member_std: np.ndarray         # (k,) float64, NaN where unknown (authors' files)
    in_channels: int
    out_channels: int
    elbow: dict[str, Any] = field(default_factory=dict)
    solver: str = ""
    method: str = "kmeans"

    @property
    def k(self) -> int:
        return int(self.centers.shape[0])

    @property
    def kernel_size(self) -> tuple[int, int]:
        return int(self.centers.shape[1]), int(self.centers.shape[2])

    def authors_count(self) -> int:
        return int(self.centers.size + 3 * self.k)


class _Mixture:
    """Size of a Gaussian-mixture layer (``weights`` (m,), ``means`` (m, d)) and its parameter count by the
    authors' rule, m·(1 + d + d²)."""

    @property
    def n_components(self) -> int:
        return int(self.weights.shape[0])

    @property
    def dim(self) -> int:
        return int(self.means.shape[1])

    def authors_count(self) -> int:
        return int(self.n_components * (1 + self.dim + self.dim ** 2))


@dataclass
class GaborGMMLayer(_Mixture):
    """Gabor prior of the first layer: a Gaussian mixture over per-kernel Gabor feature vectors."""

    name: str
    weights: np.ndarray            # (m,)
    means: np.ndarray              # (m, d)
    covariances: np.ndarray        # (m, d, d)
    gabor_params: np.ndarray       # (out, in, 9): the per-slice fits the mixture was fitted to
    in_channels: int
    out_channels: int
    kernel_size: int
    selection: dict[str, Any] = field(default_factory=dict)
    method: str = "gabor_gmm"


@dataclass
class KernelNormalLayer:
    """Kernel normal (Fig. 7 alternatives, §3.5): per output kernel i, N(mean[i], std[i]) over all its weights."""

    name: str
    mean: np.ndarray               # (out,) float64
    std: np.ndarray                # (out,) float64, ddof=0
    in_channels: int
    out_channels: int
    kernel_size: tuple[int, int]
    method: str = "kernel_normal"

    def authors_count(self) -> int:
        return int(2 * self.out_channels)


@dataclass
class WeightGMMLayer(_Mixture):
    """Weight mixture (Mixture Gaussian, §3.5): a full-covariance Gaussian mixture over the layer's kernel slices
    (each (out, in) slice, flattened, is one point); a new kernel's slices are drawn from it independently."""

    name: str
    weights: np.ndarray            # (m,)
    means: np.ndarray              # (m, kh·kw)
    covariances: np.ndarray        # (m, kh·kw, kh·kw)
    in_channels: int
    out_channels: int
    kernel_size: tuple[int, int]
    selection: dict[str, Any] = field(default_factory=dict)
    method: str = "weight_gmm"


Layer = KMeansLayer | GaborGMMLayer | KernelNormalLayer | WeightGMMLayer
LAYER_METHODS = ("kmeans", "gabor_gmm", "kernel_normal", "weight_gmm")


@dataclass
class BatchNormLayer:
    """γ ~ N(gamma[0], gamma[1]), β ~ N(beta[0], beta[1]); optional trained running statistics."""

    name: str
    num_features: int
    gamma: np.ndarray              # (2,) mean, std
    beta: np.ndarray               # (2,) mean, std
    running_mean: np.ndarray | None = None
    running_var: np.ndarray | None = None
    method: str = "bn_normal"      # or "bn_default": γ=1, β=0 and no statistics (authors' files ship no BN)

    def authors_count(self) -> int:
        return 2 if self.method == "bn_normal" else 0


def _stored_mixture(m: int, d: int) -> int:
    """Free numbers of an m-component, d-dimensional full-covariance mixture (weights sum to 1, Σ symmetric)."""
    return m * (1 + d + d * (d + 1) // 2) - 1


@dataclass
class WCDistributions:
    """Everything needed to sample a WC network; see the module doc for the meaning of each field.

    ``compression`` names the method of the whole set: ``wc`` (the paper's Weight Compression) or one of the
    Fig. 7 :data:`ALTERNATIVES`; each layer says its own method (``kmeans``, ``gabor_gmm``, ``kernel_normal``,
    ``weight_gmm``).
    """

    arch: str
    width: float
    layers: dict[str, Layer]
    batchnorm: dict[str, BatchNormLayer]
    source: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    compression: str = "wc"

    def parameter_count(self) -> dict[str, Any]:
        """The budget by the authors' rule (§3.8) and the numbers actually stored (module doc)."""
        per_layer = {n: l.authors_count() for n, l in self.layers.items()}
        by_method = {m: int(sum(c for n, c in per_layer.items() if self.layers[n].method == m))
                     for m in LAYER_METHODS}
        bn = sum(b.authors_count() for b in self.batchnorm.values())
        stored = 0
        for l in self.layers.values():
            if isinstance(l, (GaborGMMLayer, WeightGMMLayer)):
                stored += _stored_mixture(l.n_components, l.dim)
            else:
                stored += l.authors_count()
        stored_bn = 4 * sum(b.method == "bn_normal" for b in self.batchnorm.values())
        running = sum(b.running_mean.size + b.running_var.size for b in self.batchnorm.values()
                      if b.running_mean is not None)
        return {
            "rule": ("kmeans |centres|+3k; gabor_gmm and weight_gmm m*(1+d+d^2); kernel_normal 2 per output "
                     "kernel; 2 per WC-initialised BN layer (§3.8)"),
            "compression": self.compression,
            "authors_rule": int(sum(per_layer.values()) + bn),
            **by_method, "batchnorm": int(bn),
            "per_layer": per_layer,
            "stored_numbers": int(stored + stored_bn),
            "bn_running_stats_not_counted": int(running),
        }

    def header(self) -> dict[str, Any]:
        layers = {}
        for name, l in self.layers.items():
            if isinstance(l, KMeansLayer):
                layers[name] = {"method": "kmeans", "k": l.k, "shape": [l.out_channels, l.in_channels,
                                                                         *l.kernel_size],
                                "in_channels": l.in_channels, "out_channels": l.out_channels,
                                "elbow": l.elbow, "solver": l.solver}
            elif isinstance(l, GaborGMMLayer):
                layers[name] = {"method": "gabor_gmm", "n_components": l.n_components, "dim": l.dim,
                                "shape": [l.out_channels, l.in_channels, l.kernel_size, l.kernel_size],
                                "in_channels": l.in_channels, "out_channels": l.out_channels,
                                "kernel_size": l.kernel_size, "selection": l.selection}
            elif isinstance(l, KernelNormalLayer):
                layers[name] = {"method": "kernel_normal",
                                "shape": [l.out_channels, l.in_channels, *l.kernel_size],
                                "in_channels": l.in_channels, "out_channels": l.out_channels}
            else:
                layers[name] = {"method": "weight_gmm", "n_components": l.n_components, "dim": l.dim,
                                "shape": [l.out_channels, l.in_channels, *l.kernel_size],
                                "in_channels": l.in_channels, "out_channels": l.out_channels,
                                "selection": l.selection}
        bns = {n: {"method": b.method, "num_features": b.num_features,
                   "running_stats": b.running_mean is not None} for n, b in self.batchnorm.items()}
        return {"format": FORMAT, "version": VERSION, "compression": self.compression, "arch": self.arch,
                "width": self.width, "source": self.source, "layers": layers, "batchnorm": bns,
                "parameter_count": self.parameter_count(), "notes": list(self.notes)}


# ------------------------------------------------------------------------------------------- architecture layout
@functools.lru_cache(maxsize=None)
def _layout(arch: str, width: float) -> dict[str, Any]:
    """Conv and BN shapes of ``arch`` at ``width`` (built on the meta device: no memory, no time)."""
    if arch not in ARCHITECTURES:
        raise WiringupError(f"unknown architecture {arch!r}; known: {sorted(ARCHITECTURES)}")
    with torch.device("meta"):
        model = ARCHITECTURES[arch](width=width)
    convs = {n: tuple(m.weight.shape) for n, m in model.named_modules() if isinstance(m, nn.Conv2d)}
    bns = {n: m.num_features for n, m in model.named_modules() if isinstance(m, nn.BatchNorm2d)}
    return {"convs": convs, "bns": bns}


def conv_layers(model: nn.Module) -> dict[str, nn.Conv2d]:
    return {n: m for n, m in model.named_modules() if isinstance(m, nn.Conv2d)}


def bn_layers(model: nn.Module) -> dict[str, nn.BatchNorm2d]:
    return {n: m for n, m in model.named_modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)}


def _model_width(model: nn.Module, arch: str) -> float:
    first = next(iter(conv_layers(model).values()))
    ref = _layout(arch, 1.0)["convs"][next(iter(_layout(arch, 1.0)["convs"]))]
    return first.out_channels / ref[0]


def check_architecture(model: nn.Module, arch: str = "cornet_s", what: str = "model") -> float:
    """Refuse a module that is not ``arch`` (layer names, kernel sizes); return its width."""
    convs, bns = conv_layers(model), bn_layers(model)
    ref = _layout(arch, 1.0)
    missing = [n for n in ref["convs"] if n not in convs] + [n for n in ref["bns"] if n not in bns]
    extra = [n for n in convs if n not in ref["convs"]] + [n for n in bns if n not in ref["bns"]]
    if missing or extra:
        raise WiringupError(f"{what} is not a {arch} network: missing layers {missing[:5]}, unexpected layers "
                            f"{extra[:5]}; WC distributions are fitted to and sampled for {arch} only")
    for n, shape in ref["convs"].items():
        if tuple(convs[n].weight.shape[2:]) != shape[2:]:
            raise WiringupError(f"{what}: layer {n} has kernel {tuple(convs[n].weight.shape[2:])}, {arch} has "
                                f"{shape[2:]}")
    return _model_width(model, arch)


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


def _points(weight: np.ndarray) -> np.ndarray:
    out, inp, kh, kw = weight.shape
    return np.ascontiguousarray(weight.reshape(out * inp, kh * kw), dtype=np.float32)


def fit_kmeans_layer(name: str, weight: np.ndarray, *, k: int | None = None, k_range: tuple[int, int] = (2, 15),
                     seed: int = 0, curve_points: int = 10_000, curve_n_init: int = 3,
                     exact_max_points: int = 100_000, threads: int | None = None) -> KMeansLayer:
    """Cluster one conv weight ``(out, in, kh, kw)`` (see module doc: points, elbow, solver, statistics).

    ``k_range`` is inclusive at both ends; ``k`` (if given) overrides the elbow rule. ``threads`` caps the
    BLAS/OpenMP threads of the large k-means runs (None: the library default, all cores; small runs always use
    one). On a shared machine one thread is often several times faster than two busy ones.
    """
    weight = np.asarray(weight, dtype=np.float32)
    out, inp, kh, kw = weight.shape
    X = _points(weight)
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


def _default_bn(name: str, c: int) -> BatchNormLayer:
    return BatchNormLayer(name=name, num_features=c, gamma=np.array([1.0, 0.0]), beta=np.array([0.0, 0.0]),
                          method="bn_default")


# --------------------------------------------------------------------------------------------------------- fit
def fit_wc(model: nn.Module, *, k_per_layer: Mapping[str, int] | None = None, k_range: tuple[int, int] = (2, 15),
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
            layers[name] = _fit_gabor_prior(name, w, gabor_params=gabor_params, niter=gabor_niter, seed=seed,
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


def _fit_gabor_prior(name: str, w: np.ndarray, *, gabor_params: np.ndarray | None, niter: int, seed: int,
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
    from wiringup.nets.checkpoints import load_model

    arch = kwargs.get("arch", "cornet_s")
    model, meta, model_config = load_model(path, arch=arch)
    source = {"checkpoint": str(path), "checkpoint_sha256": sha256_file(path), "model": dict(model_config),
              **dict(kwargs.pop("source", None) or {})}
    return fit_wc(model, source=source, **kwargs)


# ---------------------------------------------------------------------------------- Fig. 7 alternative methods
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
                         max_points: int = WEIGHT_GMM_MAX_POINTS, n_init: int = 1) -> WeightGMMLayer:
    """A full-covariance mixture over the layer's flattened (out, in) kernel slices (§3.5, "dim 1"), fitted on a
    seeded subsample of at most ``max_points`` slices; ``components`` None: minimum BIC over 1..max_components."""
    weight = np.asarray(weight, dtype=np.float32)
    out, inp, kh, kw = weight.shape
    X = _points(weight).astype(np.float64)
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
                    weight_gmm_max_points: int = WEIGHT_GMM_MAX_POINTS, weight_gmm_n_init: int = 1,
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
            layers[name] = _fit_gabor_prior(name, w, gabor_params=first_layer_gabor_params, niter=gabor_niter,
                                            seed=seed, n_jobs=gabor_n_jobs, components=gabor_components)
            how[name] = "Gabor fits and mixture fitted here"
        else:
            layers[name] = _fit_gabor_prior(name, w, gabor_params=second_layer_gabor_params,
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
    from wiringup.nets.checkpoints import load_model

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


# ----------------------------------------------------------------------------------------------------- importer
class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickle only plain containers and numpy arrays/scalars; refuse any other class."""

    _ALLOWED = {("numpy", "dtype"), ("numpy", "ndarray"),
                ("numpy.core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "scalar"),
                ("numpy._core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "scalar")}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        if name in ("_reconstruct", "scalar"):
            try:  # numpy >= 2 moved numpy.core to numpy._core (numpy.core still works, with a warning)
                from numpy._core import multiarray
            except ImportError:
                from numpy.core import multiarray
            return getattr(multiarray, name)
        return getattr(np, name)


def read_authors_cluster_file(path: str | os.PathLike, *, kernel_size: tuple[int, int] | None = None,
                              in_channels: int | None = None) -> dict[str, Any]:
    """Read and validate one authors' ``cluster_<layer>.pkl`` (§4); refuse anything else, naming the file."""
    path = Path(path)
    if not path.is_file():
        raise WiringupError(f"{path}: authors' cluster file not found; check the wc_distributions directory")
    try:
        with open(path, "rb") as fh:
            d = _NumpyOnlyUnpickler(fh).load()
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means the file is not the documented one
        raise WiringupError(f"{path}: not a readable authors' cluster file ({type(exc).__name__}: {exc})") from None
    if not isinstance(d, dict) or set(d) != _AUTHORS_KEYS:
        keys = sorted(d) if isinstance(d, dict) else type(d).__name__
        raise WiringupError(f"{path}: expected a dict with keys {sorted(_AUTHORS_KEYS)}, got {keys}")
    k = d["components"]
    centers = d["centers"]
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise WiringupError(f"{path}: 'components' must be a positive int, got {k!r}")
    if not isinstance(centers, np.ndarray) or centers.ndim != 4 or centers.shape[:2] != (1, k):
        raise WiringupError(f"{path}: 'centers' must be an array of shape (1, {k}, kh, kw), got "
                            f"{getattr(centers, 'shape', type(centers).__name__)}")
    vals = {}
    for key in ("mean", "std", "weight_stds"):
        v = d[key]
        try:
            arr = np.asarray(v, dtype=np.float64)
        except (TypeError, ValueError):
            arr = None
        if not isinstance(v, (list, tuple, np.ndarray)) or arr is None or arr.shape != (k,):
            raise WiringupError(f"{path}: '{key}' must hold {k} numbers")
        vals[key] = arr
    arrays = [vals["mean"], vals["std"], vals["weight_stds"], centers.astype(np.float64)]
    if not all(np.all(np.isfinite(a)) for a in arrays):
        raise WiringupError(f"{path}: non-finite values")
    if (vals["std"] < 0).any() or (vals["weight_stds"] < 0).any() or (vals["mean"] < 0).any():
        raise WiringupError(f"{path}: negative mean count or standard deviation")
    if kernel_size is not None and tuple(centers.shape[2:]) != tuple(kernel_size):
        raise WiringupError(f"{path}: centres are {centers.shape[2:]} kernels, the layer has {tuple(kernel_size)}")
    total = float(vals["mean"].sum())
    if in_channels is not None and abs(total - in_channels) > 1e-6 * max(1, in_channels):
        raise WiringupError(f"{path}: mean counts sum to {total}, but the layer has {in_channels} input channels")
    return {"k": int(k), "centers": centers[0].astype(np.float32), "count_mean": vals["mean"],
            "count_std": vals["std"], "weight_std": vals["weight_stds"], "in_channels": int(round(total))}


def read_authors_gabor_file(path: str | os.PathLike, shape: tuple[int, int] | None = None) -> np.ndarray:
    """Read the authors' ``gm_gabor_V1.conv1.npy``: fitted Gabor parameters (out, in, 9), not a mixture."""
    path = Path(path)
    if not path.is_file():
        raise WiringupError(f"{path}: authors' Gabor file not found; check the wc_distributions directory")
    try:
        a = np.load(path, allow_pickle=False)
    except Exception as exc:  # noqa: BLE001
        raise WiringupError(f"{path}: not a readable .npy array ({type(exc).__name__}: {exc})") from None
    if not isinstance(a, np.ndarray) or a.ndim != 3 or a.shape[2] != len(gabor.FIT_COLUMNS) \
            or not np.issubdtype(a.dtype, np.floating) or not np.all(np.isfinite(a)):
        raise WiringupError(f"{path}: expected finite float Gabor parameters of shape (kernels, channels, 9), "
                            f"got {getattr(a, 'dtype', '?')} {getattr(a, 'shape', '?')}")
    if shape is not None and a.shape[:2] != tuple(shape):
        raise WiringupError(f"{path}: {a.shape[:2]} kernels × channels, the layer has {tuple(shape)}")
    return a.astype(np.float64)


def import_authors(directory: str | os.PathLike, *, it_conv2: str = "comp8", gabor_components: int | None = None,
                   first_layer: str = "gabor_gmm", bn_source: str | os.PathLike | nn.Module | None = None,
                   seed: int = 0, gmm_n_init: int = GMM_KW["n_init"], gabor_canonical_theta: bool = False,
                   arch: str = "cornet_s") -> WCDistributions:
    """WC distributions from the authors' published files (§4).

    ``it_conv2``: ``"comp8"`` (default) reads ``cluster_IT.conv2_comp8.pkl`` (9 clusters, the authors'
    ``n_components``); ``"plain"`` reads ``cluster_IT.conv2.pkl`` (4 clusters; byte-identical to ``_comp4``),
    the file the authors' sampler loads by layer name and the one their 1,373 / 4,166 counts imply.
    The Gabor file holds per-slice fits, not the mixture, so the mixture is refitted here
    (``gabor_components`` None: minimum BIC over 1..14; 4: the old configs and the paper). ``first_layer=
    "kmeans"`` uses ``cluster_V1.conv1.pkl`` instead (not the WC configuration). The authors ship no BatchNorm
    statistics: without ``bn_source`` every BN layer is ``bn_default`` (γ=1, β=0, running stats 0/1, 0 in the
    budget); with ``bn_source`` (a checkpoint path or a module; a full-width CORnet-S) γ/β normals and running
    statistics are fitted from it.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise WiringupError(f"{directory}: authors' WC directory not found")
    if it_conv2 not in _AUTHORS_IT_CONV2:
        raise WiringupError(f"it_conv2 must be one of {sorted(_AUTHORS_IT_CONV2)}, got {it_conv2!r}")
    if first_layer not in ("gabor_gmm", "kmeans"):
        raise WiringupError(f"first_layer must be 'gabor_gmm' or 'kmeans', got {first_layer!r}")
    layout = _layout(arch, 1.0)
    files: dict[str, str] = {}
    layers: dict[str, KMeansLayer | GaborGMMLayer] = {}
    notes = []
    first = next(iter(layout["convs"]))
    for name, (out, inp, kh, kw) in layout["convs"].items():
        if name == first and first_layer == "gabor_gmm":
            path = directory / f"gm_gabor_{name}.npy"
            params = read_authors_gabor_file(path, shape=(out, inp))
            files[name] = path.name
            layers[name] = gabor_gmm_layer(
                name, params, components=gabor_components, seed=seed, kernel_size=kh, gmm_n_init=gmm_n_init,
                canonical_theta=gabor_canonical_theta,
                extra={"gabor_fit": f"authors' fitted parameters ({path.name}); mixture refitted by wiringup "
                                    "(the authors' mixture is not shipped)"})
            continue
        fname = _AUTHORS_IT_CONV2[it_conv2] if name == "IT.conv2" else f"cluster_{name}.pkl"
        path = directory / fname
        d = read_authors_cluster_file(path, kernel_size=(kh, kw), in_channels=inp)
        files[name] = fname
        k = d["k"]
        layers[name] = KMeansLayer(
            name=name, centers=d["centers"], count_mean=d["count_mean"], count_std=d["count_std"],
            weight_std=d["weight_std"], member_std=np.full(k, np.nan), in_channels=inp, out_channels=out,
            elbow={"k": [], "wcss": [], "rule": "none (authors' file; k chosen by eye)", "rule_k": None,
                   "chosen_k": k, "choice": "authors"},
            solver="authors' file")
    sel = layers[first].selection if isinstance(layers[first], GaborGMMLayer) else {}
    if sel:
        notes.append(f"{first}: Gaussian mixture refitted here to the authors' Gabor parameters "
                     f"({sel['selection']}, {sel['n_components']} components); the authors' own mixture is not "
                     "shipped and its size is not recorded (paper and old configs: 4)")
    notes.append(f"IT.conv2 from {files['IT.conv2']} ({layers['IT.conv2'].k} clusters); the authors' "
                 "n_components says 9, cluster_IT.conv2.pkl holds 4")
    if bn_source is None:
        bns = {n: _default_bn(n, c) for n, c in layout["bns"].items()}
        notes.append("BatchNorm: the authors ship no BN statistics, so every BN layer keeps PyTorch defaults "
                     "(γ=1, β=0, running mean 0 / var 1) and adds nothing to the budget")
        bn_info: dict[str, Any] = {"kind": "default"}
    else:
        if isinstance(bn_source, nn.Module):
            bn_model, bn_info = bn_source, {"kind": "module"}
        else:
            from wiringup.nets.checkpoints import load_model

            bn_model = load_model(bn_source, arch=arch)[0]
            bn_info = {"kind": "checkpoint", "path": str(bn_source), "sha256": sha256_file(bn_source)}
        bw = check_architecture(bn_model, arch, what=f"BatchNorm source {bn_info.get('path', 'module')}")
        if abs(bw - 1.0) > 1e-9:
            raise WiringupError(f"BatchNorm source {bn_info.get('path', 'module')} has width {bw}; the authors' "
                                "distributions are full width (1.0), so its BN statistics must be too")
        bns = {n: fit_bn_layer(n, m) for n, m in bn_layers(bn_model).items()}
        notes.append(f"BatchNorm normals and running statistics fitted from {bn_info.get('path', 'a module')}")
    hashes = {n: sha256_file(directory / f) for n, f in files.items()}
    source = {"kind": "authors", "directory": str(directory), "files": files, "sha256": hashes,
              "it_conv2": it_conv2, "first_layer": first_layer, "gabor_components": gabor_components,
              "seed": seed, "bn_source": bn_info}
    return WCDistributions(arch=arch, width=1.0, layers=layers, batchnorm=bns, source=source, notes=notes)


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
                 num_classes: int = 1000, copy_bn_stats: bool = True, zero_noise_1x1: bool = True,
                 default_bn: Sequence[str] = (), gabor_clip_to_bounds: bool = False) -> nn.Module:
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


# -------------------------------------------------------------------------------------------------- file format
def _arrays(wc: WCDistributions) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for name, l in wc.layers.items():
        if isinstance(l, KMeansLayer):
            out.update({f"{name}::centers": l.centers.astype(np.float32),
                        f"{name}::count_mean": l.count_mean.astype(np.float64),
                        f"{name}::count_std": l.count_std.astype(np.float64),
                        f"{name}::weight_std": l.weight_std.astype(np.float64),
                        f"{name}::member_std": l.member_std.astype(np.float64)})
        elif isinstance(l, GaborGMMLayer):
            out.update({f"{name}::weights": l.weights, f"{name}::means": l.means,
                        f"{name}::covariances": l.covariances, f"{name}::gabor_params": l.gabor_params})
        elif isinstance(l, KernelNormalLayer):
            out.update({f"{name}::mean": l.mean.astype(np.float64), f"{name}::std": l.std.astype(np.float64)})
        else:
            out.update({f"{name}::weights": l.weights.astype(np.float64), f"{name}::means": l.means.astype(np.float64),
                        f"{name}::covariances": l.covariances.astype(np.float64)})
    for name, b in wc.batchnorm.items():
        out[f"{name}::gamma"] = b.gamma.astype(np.float64)
        out[f"{name}::beta"] = b.beta.astype(np.float64)
        if b.running_mean is not None:
            out[f"{name}::running_mean"] = b.running_mean.astype(np.float32)
            out[f"{name}::running_var"] = b.running_var.astype(np.float32)
    return out


def save_wc(wc: WCDistributions, path: str | os.PathLike) -> None:
    """Write ``wc`` as one ``.npz`` (arrays + JSON header; no pickle), atomically."""
    path = Path(path)
    if path.suffix != ".npz":
        raise WiringupError(f"{path}: WC files end in .npz")
    header = json.dumps(wc.header(), sort_keys=True, allow_nan=False, default=_json_default)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, header=np.array(header), **_arrays(wc))


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def load_wc(path: str | os.PathLike) -> WCDistributions:
    """Read a WC file written by :func:`save_wc`; refuse corrupt, foreign or inconsistent files, naming them."""
    path = Path(path)
    if not path.is_file():
        raise WiringupError(f"{path}: WC file not found")
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as exc:
        raise WiringupError(f"{path}: not a readable WC file ({type(exc).__name__}: {exc}); delete it and rerun "
                            "the rule that makes it") from None
    if not isinstance(data, dict) or "header" not in data:
        raise WiringupError(f"{path}: not a wiringup WC file (no header)")
    try:
        h = json.loads(str(data.pop("header")[()]))
    except (json.JSONDecodeError, TypeError, ValueError) as exc:
        raise WiringupError(f"{path}: WC header is not valid JSON ({exc})") from None
    if not isinstance(h, dict) or h.get("format") != FORMAT:
        raise WiringupError(f"{path}: not a wiringup WC file (format {h.get('format') if isinstance(h, dict) else h!r}"
                            f", expected {FORMAT!r})")
    if h.get("version") != VERSION:
        raise WiringupError(f"{path}: WC file version {h.get('version')} is not supported (this code reads {VERSION})")

    def arr(key: str, shape: tuple | None = None) -> np.ndarray:
        if key not in data:
            raise WiringupError(f"{path}: array {key!r} is missing; the file is damaged")
        a = data[key]
        if shape is not None and a.shape != shape:
            raise WiringupError(f"{path}: array {key!r} has shape {a.shape}, the header implies {shape}")
        return a

    try:
        layers: dict[str, KMeansLayer | GaborGMMLayer] = {}
        for name, m in h["layers"].items():
            if m["method"] == "kmeans":
                k = int(m["k"])
                kh, kw = m["shape"][2:]
                layers[name] = KMeansLayer(
                    name=name, centers=arr(f"{name}::centers", (k, kh, kw)),
                    count_mean=arr(f"{name}::count_mean", (k,)), count_std=arr(f"{name}::count_std", (k,)),
                    weight_std=arr(f"{name}::weight_std", (k,)), member_std=arr(f"{name}::member_std", (k,)),
                    in_channels=int(m["in_channels"]), out_channels=int(m["out_channels"]), elbow=m["elbow"],
                    solver=m["solver"])
            elif m["method"] == "gabor_gmm":
                c, d = int(m["n_components"]), int(m["dim"])
                layers[name] = GaborGMMLayer(
                    name=name, weights=arr(f"{name}::weights", (c,)), means=arr(f"{name}::means", (c, d)),
                    covariances=arr(f"{name}::covariances", (c, d, d)),
                    gabor_params=arr(f"{name}::gabor_params",
                                     (int(m["out_channels"]), int(m["in_channels"]), len(gabor.FIT_COLUMNS))),
                    in_channels=int(m["in_channels"]), out_channels=int(m["out_channels"]),
                    kernel_size=int(m["kernel_size"]), selection=m["selection"])
            elif m["method"] == "kernel_normal":
                out, inp, kh, kw = (int(v) for v in m["shape"])
                layers[name] = KernelNormalLayer(
                    name=name, mean=arr(f"{name}::mean", (out,)), std=arr(f"{name}::std", (out,)),
                    in_channels=inp, out_channels=out, kernel_size=(kh, kw))
            elif m["method"] == "weight_gmm":
                c, d = int(m["n_components"]), int(m["dim"])
                out, inp, kh, kw = (int(v) for v in m["shape"])
                if d != kh * kw:
                    raise WiringupError(f"{path}: layer {name}: mixture dimension {d} does not match kernels "
                                        f"{kh}x{kw}")
                layers[name] = WeightGMMLayer(
                    name=name, weights=arr(f"{name}::weights", (c,)), means=arr(f"{name}::means", (c, d)),
                    covariances=arr(f"{name}::covariances", (c, d, d)), in_channels=inp, out_channels=out,
                    kernel_size=(kh, kw), selection=m["selection"])
            else:
                raise WiringupError(f"{path}: layer {name} has unknown method {m['method']!r}")
        bns = {}
        for name, m in h["batchnorm"].items():
            c = int(m["num_features"])
            stats = bool(m["running_stats"])
            bns[name] = BatchNormLayer(
                name=name, num_features=c, gamma=arr(f"{name}::gamma", (2,)), beta=arr(f"{name}::beta", (2,)),
                running_mean=arr(f"{name}::running_mean", (c,)) if stats else None,
                running_var=arr(f"{name}::running_var", (c,)) if stats else None, method=m["method"])
        if h["arch"] not in ARCHITECTURES:
            raise WiringupError(f"{path}: WC header names architecture {h['arch']!r}, which this code cannot build "
                                f"(known: {sorted(ARCHITECTURES)}); the file was not written by wiringup or is "
                                "damaged")
        # the header is written with sorted keys: restore the model's layer order
        ref = _layout(h["arch"], 1.0)
        layers = {**{n: layers[n] for n in ref["convs"] if n in layers}, **layers}
        bns = {**{n: bns[n] for n in ref["bns"] if n in bns}, **bns}
        compression = h.get("compression", "wc")
        if compression not in COMPRESSIONS:
            raise WiringupError(f"{path}: unknown compression {compression!r} (known: {list(COMPRESSIONS)})")
        wc = WCDistributions(arch=h["arch"], width=float(h["width"]), layers=layers, batchnorm=bns,
                             source=h["source"], notes=h["notes"], compression=compression)
    except (KeyError, TypeError, ValueError) as exc:
        raise WiringupError(f"{path}: WC header is incomplete or inconsistent ({type(exc).__name__}: {exc})") from None
    for name, l in wc.layers.items():
        if isinstance(l, KMeansLayer):
            vals = [l.centers, l.count_mean, l.count_std, l.weight_std]
        elif isinstance(l, KernelNormalLayer):
            vals = [l.mean, l.std]
        else:
            vals = [l.weights, l.means, l.covariances]
        if not all(np.all(np.isfinite(v)) for v in vals):
            raise WiringupError(f"{path}: layer {name} holds non-finite values")
    for name, b in wc.batchnorm.items():
        if not (np.all(np.isfinite(b.gamma)) and np.all(np.isfinite(b.beta))):
            raise WiringupError(f"{path}: BatchNorm layer {name} holds non-finite values")
    if wc.parameter_count()["authors_rule"] != h.get("parameter_count", {}).get("authors_rule"):
        raise WiringupError(f"{path}: the parameter count in the header does not match the arrays; damaged file")
    return wc


# ------------------------------------------------------------------------------------------ pipeline helpers
SUMMARY_COLUMNS = ["layer", "method", "out_channels", "in_channels", "kernel", "k", "rule_k", "choice",
                   "n_components", "selection", "parameters", "stored_numbers", "solver"]


def layer_table(wc: WCDistributions) -> list[dict[str, Any]]:
    """One row per conv layer (then BatchNorm): method, shape, k or mixture size and how it was chosen, and the
    parameter count (authors' rule) and numbers stored."""
    rows = []
    for name, l in wc.layers.items():
        kernel = "x".join(str(v) for v in (l.kernel_size if not isinstance(l, GaborGMMLayer)
                                            else (l.kernel_size, l.kernel_size)))
        row = {"layer": name, "method": l.method, "out_channels": l.out_channels, "in_channels": l.in_channels,
               "kernel": kernel, "k": None, "rule_k": None, "choice": None, "n_components": None,
               "selection": None, "parameters": l.authors_count(), "stored_numbers": l.authors_count(),
               "solver": None}
        if isinstance(l, KMeansLayer):
            row.update(k=l.k, rule_k=l.elbow.get("rule_k"), choice=l.elbow.get("choice"), solver=l.solver)
        elif isinstance(l, (GaborGMMLayer, WeightGMMLayer)):
            row.update(n_components=l.n_components, selection=l.selection.get("selection"),
                       stored_numbers=_stored_mixture(l.n_components, l.dim))
        rows.append(row)
    bn = [b for b in wc.batchnorm.values()]
    rows.append({"layer": f"BatchNorm ({len(bn)} layers)",
                 "method": ",".join(sorted({b.method for b in bn})) or "none", "out_channels": None,
                 "in_channels": None, "kernel": None, "k": None, "rule_k": None, "choice": None,
                 "n_components": None, "selection": None, "parameters": sum(b.authors_count() for b in bn),
                 "stored_numbers": 4 * sum(b.method == "bn_normal" for b in bn), "solver": None})
    return rows


def summary(wc: WCDistributions, path: str | os.PathLike | None = None) -> dict[str, Any]:
    """A small JSON-able summary of a WC set: method, source, parameter counts, per-layer choices."""
    src = {k: v for k, v in wc.source.items() if k not in ("timings_s", "plan", "how", "sha256")}
    out = {"format": "wiringup-wc-summary", "file": str(path) if path is not None else None,
           "file_sha256": sha256_file(path) if path is not None and Path(path).is_file() else None,
           "compression": wc.compression, "arch": wc.arch, "width": wc.width, "source": src,
           "parameter_count": wc.parameter_count(), "paper_parameter_count_full_size":
           PAPER_PARAMETER_COUNTS.get(wc.compression), "layers": layer_table(wc), "notes": list(wc.notes)}
    if "timings_s" in wc.source:
        out["fit_seconds"] = round(float(sum(wc.source["timings_s"].values())), 2)
    return out


def write_summary(wc: WCDistributions, wc_path: str | os.PathLike, json_path: str | os.PathLike,
                  csv_path: str | os.PathLike) -> dict[str, Any]:
    """Write :func:`summary` as JSON and :func:`layer_table` as CSV (atomically); return the summary."""
    import csv

    from wiringup.core.io import write_json

    info = summary(wc, wc_path)
    write_json(json_path, json.loads(json.dumps(info, default=_json_default)))
    with atomic_path(Path(csv_path)) as tmp:
        with open(tmp, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=SUMMARY_COLUMNS)
            writer.writeheader()
            for row in info["layers"]:
                writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in SUMMARY_COLUMNS})
    return info


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
