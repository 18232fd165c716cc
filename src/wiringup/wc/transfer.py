"""Transfer of Weight Compression and Critical Training to ResNet-50 and MobileNet (paper Sec. 7, App. D.1,
Fig. 5; AUTHORS_CODE_FACTS.md §3.3 step 5 and §3.9).

Architectures
    ResNet-50 and MobileNet v1 are built by :mod:`wiringup.nets.resnet50` and :mod:`wiringup.nets.mobilenet_v1`
    (through :func:`wiringup.nets.registry.build_model`; their module docs also give each architecture's
    region → layer commitment). This module maps them onto CORnet-S.

Layer mapping (the authors' ``utils/models.py``; re-expressed here as rules, see :data:`MAPPINGS`)
    Every conv (and BN) layer of the target is mapped to one CORnet-S layer, whose WC distribution is sampled
    at the target's shape.
    ResNet-50 (``mapping_1``): ``conv1``/``bn1`` → ``V1.conv1``/``V1.norm1``; ``layer1`` → V2, ``layer2`` and
    ``layer3`` → V4, ``layer4`` → IT; in each bottleneck ``conv{1,2,3}`` → ``<area>.conv{1,2,3}``,
    ``bn{i}`` → ``<area>.norm{i}_<t>`` (t per block: layer1 0,1,1; layer2 0,1,2,3; layer3 0,1,2,3,2,3;
    layer4 0,1,1) and ``downsample.0``/``.1`` → ``<area>.skip``/``<area>.norm_skip``. ``fc`` is unmapped.
    MobileNet v1 (``mobilenet_mapping_6``): ``model.0.0`` → ``V1.conv1``, ``model.1.0`` → ``V1.conv2``; every
    other depthwise conv → the 3×3 ``conv2`` of its area (blocks 2–5 V2, 6–10 V4, 11–13 IT); pointwise convs →
    ``conv_input`` (blocks 1, 5, 10: the first 1×1 of V2, V4, IT), ``conv1`` (blocks 2, 3, 6, 11) or
    ``conv3`` (blocks 4, 7, 8, 9, 12, 13). Each BN takes its conv's source.

Sampling (:func:`sample_transfer_model`)
    The model is first built with its KN init under ``seed`` (so ``fc`` has PyTorch's default init), then every
    conv is drawn from its mapped distribution with a ``numpy`` Generator seeded by ``(seed, crc32(target
    layer name))``: the same seed gives bit-identical weights. k-means layers use
    :func:`wiringup.wc.sample.sample_kmeans_weight` at the target shape: ``frac`` = target in-channels /
    CORnet in-channels rescales the cluster counts, so a depthwise conv (one input channel per group) gets
    counts ≈ round(share of the cluster), i.e. mostly 0, and the leftover rule fills its single slot with the
    **last** cluster — the authors' sampler applied as they applied it. The first conv (Gabor prior) is
    rendered at the target's kernel size (App. D.1: "Since the Gabor function is scalable we can produce Gabor
    kernels of varying size"; 7×7 in ResNet-50, 3×3 in MobileNet, on the grid −(k//2)..k//2). If a k-means
    source and its target differ in kernel size, kernels are sampled at the source size and each 2-D slice is
    resized (§3.3 step 5; :func:`resize_kernels`). Neither paper mapping needs that (ResNet-50 and MobileNet
    3×3 layers map to CORnet 3×3 layers), but custom mappings may.
    BatchNorm stays at PyTorch defaults (γ=1, β=0, live running statistics), as in the authors' transfer runs
    (``resnet_v3`` deletes ``bn_init``/``batchnorm``; MobileNet sets ``no_bn``; App. D.1).

Critical training sets (:data:`CT_RULES`, the authors' substring rule of §2)
    ResNet-50: ``conv3``, ``bn3``, ``fc`` — every bottleneck's last 1×1 conv and its BN, and the classifier:
    5,029,888 of 23,454,912 conv weights (21.4 %). MobileNet: the pointwise layers mapped to ``conv3``
    (``model.{4,7,8,9,12,13}.3`` and their BN ``.4``), the strided depthwise layers ``model.{2,6,12}.{0,1}``
    (the authors' ``add_layers``; ``model.4.0`` is strided too but not in their list), and ``fc``:
    2,399,552 of 3,185,088 conv weights (75.3 %). :func:`ct_layers_from_mapping` derives the mapped part of
    both sets from the mapping (tested to select exactly the same parameters).

Resizing (:func:`resize_kernels`)
    The authors used ``skimage.transform.resize(anti_aliasing=True)`` per 2-D slice; skimage is not a
    dependency here, so slices are resized with ``torch.nn.functional.interpolate(mode="bilinear",
    antialias=True, align_corners=False)``: the same bilinear interpolation on pixel centres, with a triangle
    (instead of Gaussian) anti-aliasing filter when shrinking. The authors' loop reused its index variable there
    (a latent bug, §3.3), which is not reproduced.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Mapping, Sequence

import numpy as np
import torch
from torch import nn

# The transfer vocabulary lives in the torch-free plan (wiringup.plan.transfer): TRANSFER_ARCHS (the architectures
# this module maps onto CORnet-S, the source of every WC distribution), INIT_KINDS (``kn``: the architecture's
# default Kaiming-normal init; ``wc``: sampled from CORnet-S WC distributions through the mapping), VARIANT_KINDS
# (the transfer variants' trained-layer conditions) and init_name (the at-birth model of arch A and init I is
# ``results/models/init/<A>_<I>/seed<S>.pt``; its checkpoint says ``arch`` = A, ``meta.init`` = I).
from wiringup.plan.transfer import INIT_KINDS, TRANSFER_ARCHS, VARIANT_KINDS, init_name  # noqa: F401 - re-exported
from wiringup.core.io import WiringupError
from wiringup.nets.resnet50 import RESNET50_BLOCKS

# ----------------------------------------------------------------------------------------------- layer maps
#: ResNet-50 stage -> CORnet-S area, and the CORnet timestep of each block's BN (mapping_1).
_RESNET_AREAS = {"layer1": "V2", "layer2": "V4", "layer3": "V4", "layer4": "IT"}
_RESNET_BN_T = {"layer1": (0, 1, 1), "layer2": (0, 1, 2, 3), "layer3": (0, 1, 2, 3, 2, 3), "layer4": (0, 1, 1)}
#: MobileNet block -> (source of the depthwise conv, source of the pointwise conv) (mobilenet_mapping_6).
_MOBILENET_BLOCKS = {
    1: ("V1.conv2", "V2.conv_input"), 2: ("V2.conv2", "V2.conv1"), 3: ("V2.conv2", "V2.conv1"),
    4: ("V2.conv2", "V2.conv3"), 5: ("V2.conv2", "V4.conv_input"), 6: ("V4.conv2", "V4.conv1"),
    7: ("V4.conv2", "V4.conv3"), 8: ("V4.conv2", "V4.conv3"), 9: ("V4.conv2", "V4.conv3"),
    10: ("V4.conv2", "IT.conv_input"), 11: ("IT.conv2", "IT.conv1"), 12: ("IT.conv2", "IT.conv3"),
    13: ("IT.conv2", "IT.conv3"),
}


def _resnet50_mapping() -> dict[str, str]:
    m = {"conv1": "V1.conv1", "bn1": "V1.norm1"}
    for stage, n in zip(_RESNET_AREAS, RESNET50_BLOCKS):
        area = _RESNET_AREAS[stage]
        for b in range(n):
            t = _RESNET_BN_T[stage][b]
            for i in (1, 2, 3):
                m[f"{stage}.{b}.conv{i}"] = f"{area}.conv{i}"
                m[f"{stage}.{b}.bn{i}"] = f"{area}.norm{i}_{t}"
            if b == 0:
                m[f"{stage}.{b}.downsample.0"] = f"{area}.skip"
                m[f"{stage}.{b}.downsample.1"] = f"{area}.norm_skip"
    return m


def _mobilenet_v1_mapping() -> dict[str, str]:
    m = {"model.0.0": "V1.conv1", "model.0.1": "V1.conv1"}
    for i, (dw, pw) in _MOBILENET_BLOCKS.items():
        m.update({f"model.{i}.0": dw, f"model.{i}.1": dw, f"model.{i}.3": pw, f"model.{i}.4": pw})
    return m


#: Target conv/BN module name -> CORnet-S layer name, per architecture (the paper's mappings; module doc).
MAPPINGS: dict[str, dict[str, str]] = {"resnet50": _resnet50_mapping(), "mobilenet_v1": _mobilenet_v1_mapping()}
#: The authors' names of these mappings.
MAPPING_NAMES = {"resnet50": "mapping_1", "mobilenet_v1": "mobilenet_mapping_6"}

#: Critical-training rules (substrings of parameter names, the authors' rule of §2).
CT_RULES: dict[str, list[str]] = {
    "resnet50": ["conv3", "bn3", "fc"],
    "mobilenet_v1": ["model.4.3", "model.4.4", "model.7.3", "model.7.4", "model.8.3", "model.8.4",
                     "model.9.3", "model.9.4", "model.12.3", "model.12.4", "model.13.3", "model.13.4",
                     "model.2.0", "model.2.1", "model.6.0", "model.6.1", "model.12.0", "model.12.1", "fc"],
}
#: CORnet-S layers that critical training trains (§2: ``V2.conv3``, ``V4.conv3``, ``IT.conv3`` + decoder).
CORNET_CT_LAYERS = ("V2.conv3", "V4.conv3", "IT.conv3")
#: CORnet-S's own CT rules (§2; the ``ct`` trained-layer set of the config), for the reference rows of the tables.
CORNET_CT_RULES = [*CORNET_CT_LAYERS, "decoder"]
#: Layers the authors' MobileNet CT adds beyond the mapping (``add_layers`` of ``transfer_models.py``).
CT_EXTRA_LAYERS = {"resnet50": (), "mobilenet_v1": ("model.2.0", "model.2.1", "model.6.0", "model.6.1",
                                                     "model.12.0", "model.12.1")}
#: Paper's measured counts at full width (AUTHORS_CODE_FACTS.md §3.9): (CT conv weights, all conv weights).
PAPER_CT_CONV_WEIGHTS = {"resnet50": (5_029_888, 23_454_912), "mobilenet_v1": (2_399_552, 3_185_088)}


def _ct_rules(arch: str) -> list[str]:
    return CORNET_CT_RULES if arch == "cornet_s" else CT_RULES[arch]


def _check_arch(arch: str) -> None:
    if arch not in TRANSFER_ARCHS:
        raise WiringupError(f"unknown transfer architecture {arch!r}; known: {list(TRANSFER_ARCHS)}")


def _norm_source(source: str) -> str:
    """The CORnet-S conv a mapped BN source belongs to (``V4.norm3_2`` -> ``V4.conv3``)."""
    area, name = source.split(".", 1)
    if name.startswith("norm_skip"):
        return f"{area}.skip"
    if name.startswith("norm"):
        return f"{area}.conv{name[4]}"
    return source


def _meta_model(arch: str, width: float = 1.0, num_classes: int = 1000) -> nn.Module:
    from wiringup.nets.registry import ARCHITECTURES

    with torch.device("meta"):
        return ARCHITECTURES[arch](width=width, num_classes=num_classes)


def ct_layers_from_mapping(arch: str, mapping: Mapping[str, str] | None = None) -> list[str]:
    """Module names of the CT set derived as the authors did: every conv or BN whose CORnet source belongs to
    ``V2/V4/IT.conv3``, every layer the mapping leaves out (the classifier), plus :data:`CT_EXTRA_LAYERS`."""
    _check_arch(arch)
    mapping = MAPPINGS[arch] if mapping is None else mapping
    model = _meta_model(arch)
    out = []
    for name, m in model.named_modules():
        if not isinstance(m, (nn.Conv2d, nn.BatchNorm2d, nn.Linear)):
            continue
        if name not in mapping or _norm_source(mapping[name]) in CORNET_CT_LAYERS \
                or name in CT_EXTRA_LAYERS[arch]:
            out.append(name)
    return out


def trained_counts(arch: str, rules: Sequence[str] | None, width: float = 1.0, num_classes: int = 1000
                   ) -> dict[str, Any]:
    """Trained/frozen parameter counts of ``arch`` under substring ``rules`` (None: every layer), both
    conventions (``conv_weights``: the authors' count; ``total``: every parameter); no weights are allocated."""
    from wiringup.nets.trained_layers import apply_trained_layers

    model = _meta_model(arch, width, num_classes)
    return apply_trained_layers(model, list(rules) if rules is not None else [""])


def parameter_table(archs: Mapping[str, float] | Sequence[str] = TRANSFER_ARCHS, num_classes: int = 1000
                    ) -> list[dict[str, Any]]:
    """One row per architecture × width (the given widths and full width): total parameters, conv weights, and
    the CT set's trained counts and reductions in both conventions. ``archs`` maps arch -> width; ``cornet_s``
    may be included as the reference (its CT rules: :data:`CORNET_CT_RULES`)."""
    widths = dict(archs) if isinstance(archs, Mapping) else {a: 1.0 for a in archs}
    rows = []
    for arch, width in widths.items():
        if arch != "cornet_s":
            _check_arch(arch)
        for w, nc in sorted({(1.0, 1000), (float(width), int(num_classes))}):
            c = trained_counts(arch, _ct_rules(arch), width=w, num_classes=nc)
            t, tot = c["trained"], c["total"]
            rows.append({
                "arch": arch, "width": w, "num_classes": nc, "mapping": MAPPING_NAMES.get(arch, "(source)"),
                "ct_rules": " ".join(_ct_rules(arch)),
                "total_parameters": tot["total"], "conv_weights": tot["conv_weights"],
                "ct_trained_conv_weights": t["conv_weights"], "ct_trained_parameters": t["total"],
                "ct_conv_weights_percent": 100.0 * t["conv_weights"] / tot["conv_weights"],
                "ct_parameters_percent": 100.0 * t["total"] / tot["total"],
                # the paper's "parameter reduction": trained conv weights vs every parameter of the standard model
                "reduction_vs_total_percent": 100.0 * (1 - t["conv_weights"] / tot["total"]),
            })
    return rows


# ------------------------------------------------------------------------------------------------- sampling
def resize_kernels(weight: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """Resize every 2-D slice of ``weight`` ``(out, in, kh, kw)`` to ``size`` (module doc, "Resizing")."""
    import torch.nn.functional as F

    w = np.asarray(weight)
    if w.ndim != 4:
        raise WiringupError(f"resize_kernels: need a 4-d conv weight, got shape {w.shape}")
    th, tw = (size, size) if isinstance(size, int) else size
    if (th, tw) == w.shape[2:]:
        return w.astype(np.float32, copy=True)
    out, inp, kh, kw = w.shape
    t = torch.from_numpy(np.ascontiguousarray(w, dtype=np.float32)).reshape(out * inp, 1, kh, kw)
    shrink = th < kh or tw < kw
    r = F.interpolate(t, size=(int(th), int(tw)), mode="bilinear", align_corners=False, antialias=shrink)
    return r.reshape(out, inp, int(th), int(tw)).numpy()


@torch.no_grad()
def sample_transfer_model(wc: Any, arch: str, seed: int, *, width: float = 1.0, num_classes: int = 1000,
                          mapping: Mapping[str, str] | None = None, zero_noise_1x1: bool = True,
                          gabor_clip_to_bounds: bool = False) -> nn.Module:
    """A new ``arch`` network whose conv weights are drawn from CORnet-S WC distributions ``wc`` (a
    :class:`wiringup.wc.distributions.WCDistributions`) through ``mapping`` (default: the paper's, see
    :data:`MAPPINGS`); BN at defaults; the classifier at PyTorch's default init under ``seed``.

    ``zero_noise_1x1`` / ``gabor_clip_to_bounds`` as in :func:`wiringup.wc.sample.sample_model`.
    The returned module carries ``wiringup_transfer`` (mapping name, seed, per-layer source and method).
    """
    from wiringup.nets.registry import build_model
    from wiringup.wc.distributions import GaborGMMLayer, KMeansLayer
    from wiringup.wc.sample import kmeans_noise, layer_rng, sample_gabor_weight, sample_kmeans_weight

    _check_arch(arch)
    if getattr(wc, "arch", None) != "cornet_s":
        raise WiringupError(f"transfer samples from CORnet-S WC distributions; these were made for "
                            f"{getattr(wc, 'arch', None)!r}")
    mapping_name = MAPPING_NAMES[arch] if mapping is None else "custom"
    mapping = MAPPINGS[arch] if mapping is None else dict(mapping)
    model = build_model(arch, seed=seed, width=width, num_classes=num_classes)
    layers: dict[str, dict[str, Any]] = OrderedDict()
    for name, conv in model.named_modules():
        if not isinstance(conv, nn.Conv2d):
            continue
        if name not in mapping:
            raise WiringupError(f"{arch} layer {name!r} has no CORnet-S source in the mapping; every conv must be "
                                "mapped")
        src = mapping[name]
        if src not in wc.layers:
            raise WiringupError(f"{arch} layer {name!r} maps to {src!r}, which the WC set does not hold "
                                f"(it holds {sorted(wc.layers)})")
        dist = wc.layers[src]
        if not isinstance(dist, (GaborGMMLayer, KMeansLayer)):
            raise WiringupError(f"{src}: transfer samples WC distributions (k-means clusters, Gabor prior); this set "
                                f"holds a {type(dist).__name__} there — use a WC fit (results/wc/<name>/"
                                "distributions.npz), not an alternative compression")
        rng = layer_rng(seed, name)
        shape = tuple(int(s) for s in conv.weight.shape)
        info: dict[str, Any] = {"source": src, "shape": list(shape), "groups": conv.groups}
        if isinstance(dist, GaborGMMLayer):
            w = sample_gabor_weight(dist, shape, rng, clip_to_bounds=gabor_clip_to_bounds)
            info["method"] = f"gabor_gmm rendered at {shape[2]}x{shape[3]}"
        else:
            kh, kw = dist.kernel_size
            w = sample_kmeans_weight(dist, (shape[0], shape[1], kh, kw), rng,
                                     noise=kmeans_noise(dist, zero_noise_1x1, src))
            info["method"] = "kmeans"
            if (kh, kw) != shape[2:]:
                w = resize_kernels(w, shape[2:])
                info["method"] = f"kmeans at {kh}x{kw}, resized to {shape[2]}x{shape[3]}"
        conv.weight.copy_(torch.from_numpy(np.ascontiguousarray(w, dtype=np.float32)))
        layers[name] = info
    model.wiringup_transfer = {"arch": arch, "mapping": mapping_name, "seed": int(seed), "width": float(width),
                               "zero_noise_1x1": bool(zero_noise_1x1),
                               "gabor_clip_to_bounds": bool(gabor_clip_to_bounds),
                               "batchnorm": "PyTorch defaults (gamma 1, beta 0, live running statistics)",
                               "layers": dict(layers)}
    return model


def main(argv: list[str] | None = None) -> int:
    """``python -m wiringup.wc.transfer [--width W] [--num-classes N]``: print the parameter table."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m wiringup.wc.transfer",
                                 description="Trained/total parameter counts of the transfer architectures' CT sets")
    ap.add_argument("--width", type=float, default=1.0)
    ap.add_argument("--num-classes", type=int, default=1000)
    a = ap.parse_args(argv)
    for r in parameter_table({arch: a.width for arch in TRANSFER_ARCHS}, num_classes=a.num_classes):
        print(f"{r['arch']:13s} width {r['width']:<5g} classes {r['num_classes']:<5d} total {r['total_parameters']:>11,d}"
              f"  conv {r['conv_weights']:>11,d}  CT conv {r['ct_trained_conv_weights']:>10,d} "
              f"({r['ct_conv_weights_percent']:.1f} %)  CT all {r['ct_trained_parameters']:>10,d} "
              f"({r['ct_parameters_percent']:.1f} %)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
