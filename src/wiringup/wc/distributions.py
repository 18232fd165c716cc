"""WC distributions: what a Weight Compression set holds and its file format (paper Sec. 4, App. B).

The per-layer distributions (k-means clusters, the Gabor mixture of the first layer, the Fig. 7 kernel normals
and weight mixtures, BatchNorm normals), :class:`WCDistributions` (one set: the paper's WC or one of the Fig. 7
alternatives, with its parameter count and file header), the CORnet-S layer layout every set is checked
against, and the file format (:func:`save_wc` / :func:`load_wc`). Re-implements the authors' method as recorded
in AUTHORS_CODE_FACTS.md §3–§4 (no code copied). The rest of Weight Compression:

* :mod:`wiringup.wc.fit` — ``fit_wc``: compress a trained CORnet-S (k-means with the elbow rule, the Gabor prior
  of the first layer, BatchNorm normals);
* :mod:`wiringup.wc.alternatives` — ``fit_alternative``: the alternative compressions of paper Fig. 7;
* :mod:`wiringup.wc.authors` — ``import_authors``: the same object from the authors' published files;
* :mod:`wiringup.wc.sample` — ``sample_model``: the authors' sampler (a new network at birth);
* :mod:`wiringup.wc.summary` — the JSON / CSV summary written beside each file;
* :mod:`wiringup.wc.gabor` — the Gabor function, its fit and the mixture's feature encoding.

The Kaiming-Normal (KN) control needs no code here: it is :func:`wiringup.nets.registry.build_model`.

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
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from wiringup.core.io import WiringupError, atomic_path, rebuild_advice
from wiringup.nets.registry import ARCHITECTURES
from wiringup.plan.wc import COMPRESSIONS
from wiringup.wc import gabor

FORMAT = "wiringup-wc"
VERSION = 1
#: Parameter counts the paper states for full-size CORnet-S (App. B.3), reproduced exactly by
#: :meth:`WCDistributions.parameter_count` (``authors_rule``) with the authors' choices (tests check it).
PAPER_PARAMETER_COUNTS = {"wc": 4_166, "mixture_gaussian": 428_114, "kernel_normal": 433_735, "no_gabor": 20_026}


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


def stored_mixture(m: int, d: int) -> int:
    """Free numbers of an m-component, d-dimensional full-covariance mixture (weights sum to 1, Σ symmetric)."""
    return m * (1 + d + d * (d + 1) // 2) - 1


@dataclass
class WCDistributions:
    """Everything needed to sample a WC network; see the module doc for the meaning of each field.

    ``compression`` names the method of the whole set: ``wc`` (the paper's Weight Compression) or one of the
    Fig. 7 :data:`~wiringup.plan.wc.ALTERNATIVES`; each layer says its own method (``kmeans``, ``gabor_gmm``, ``kernel_normal``,
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
                stored += stored_mixture(l.n_components, l.dim)
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
def arch_layout(arch: str, width: float) -> dict[str, Any]:
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
    ref = arch_layout(arch, 1.0)["convs"][next(iter(arch_layout(arch, 1.0)["convs"]))]
    return first.out_channels / ref[0]


def check_architecture(model: nn.Module, arch: str = "cornet_s", what: str = "model") -> float:
    """Refuse a module that is not ``arch`` (layer names, kernel sizes); return its width."""
    convs, bns = conv_layers(model), bn_layers(model)
    ref = arch_layout(arch, 1.0)
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
    header = json.dumps(wc.header(), sort_keys=True, allow_nan=False, default=json_default)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, header=np.array(header), **_arrays(wc))


def json_default(obj: Any) -> Any:
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
        raise WiringupError(f"{path}: not a readable WC file ({type(exc).__name__}: {exc}); "
                            f"{rebuild_advice(path)}") from None
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
        ref = arch_layout(h["arch"], 1.0)
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
