"""The authors' published WC files (AUTHORS_CODE_FACTS.md §4): ``import_authors`` reads their
``cluster_<layer>.pkl`` (k-means clusters, unpickled with numpy-only classes) and ``gm_gabor_V1.conv1.npy``
(per-slice Gabor fits; the mixture is refitted here) into a :class:`~wiringup.wc.distributions.WCDistributions`,
refusing anything else and naming the file.
"""
from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np
from torch import nn

from wiringup.core.io import WiringupError, sha256_file
from wiringup.nets.checkpoints import load_model
from wiringup.plan.wc import AUTHORS_IT_CONV2_FILES
from wiringup.wc import gabor
from wiringup.wc.distributions import (BatchNormLayer, GaborGMMLayer, KMeansLayer, WCDistributions, arch_layout,
                                       bn_layers, check_architecture)
from wiringup.wc.fit import GMM_KW, fit_bn_layer, gabor_gmm_layer

_AUTHORS_KEYS = {"mean", "std", "weight_stds", "components", "centers"}


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
    if it_conv2 not in AUTHORS_IT_CONV2_FILES:
        raise WiringupError(f"it_conv2 must be one of {sorted(AUTHORS_IT_CONV2_FILES)}, got {it_conv2!r}")
    if first_layer not in ("gabor_gmm", "kmeans"):
        raise WiringupError(f"first_layer must be 'gabor_gmm' or 'kmeans', got {first_layer!r}")
    layout = arch_layout(arch, 1.0)
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
        fname = AUTHORS_IT_CONV2_FILES[it_conv2] if name == "IT.conv2" else f"cluster_{name}.pkl"
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


def _default_bn(name: str, c: int) -> BatchNormLayer:
    return BatchNormLayer(name=name, num_features=c, gamma=np.array([1.0, 0.0]), beta=np.array([0.0, 0.0]),
                          method="bn_default")
