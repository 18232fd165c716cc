"""The architecture registry: every buildable network, its region -> layer commitment and its candidate layers.

:data:`ARCHITECTURES` maps the config's ``model.arch`` to a builder (CORnet-S, the pixels baseline, and the transfer
targets of paper Sec. 7, ResNet-50 and MobileNet v1); :func:`build_model` builds one deterministically from a seed.
:func:`count_parameters` counts a model's parameters by kind. Trained-layer sets and their parameter accounting
live in :mod:`wiringup.nets.trained_layers`.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from wiringup.core.io import WiringupError
from wiringup.nets import mobilenet_v1 as _mobilenet_v1
from wiringup.nets import resnet50 as _resnet50
from wiringup.nets.cornet_s import REGION_LAYERS as CORNET_REGION_LAYERS
from wiringup.nets.cornet_s import cornet_s
from wiringup.plan.ids import REGIONS


def _pixels(**kwargs: Any) -> nn.Module:
    from wiringup.nets.pixels import Pixels

    return Pixels(**kwargs)


# resnet50 / mobilenet_v1: the transfer targets of paper Sec. 7 (wiringup.nets.resnet50, wiringup.nets.mobilenet_v1;
# torchvision-style, never pretrained, `width` scales channels).
ARCHITECTURES = {"cornet_s": cornet_s, "pixels": _pixels, "resnet50": _resnet50.resnet50,
                 "mobilenet_v1": _mobilenet_v1.mobilenet_v1}
#: Region -> committed layer per architecture (the pixels baseline answers every region with its pixels; the
#: transfer architectures' documented fixed choice is in the module docs of wiringup.nets.resnet50 and
#: wiringup.nets.mobilenet_v1).
REGION_LAYERS = {"cornet_s": CORNET_REGION_LAYERS,
                 "pixels": {r: "pixels" for r in REGIONS},
                 "resnet50": _resnet50.REGION_LAYERS, "mobilenet_v1": _mobilenet_v1.REGION_LAYERS}
#: Candidates of layer selection (``scoring.layer_selection``): CORnet-S every timestep's output of each area (V1
#: runs once, V2 twice, V4 four times, IT twice) and the pooled features; the transfer architectures' block outputs.
CANDIDATE_LAYERS = {"cornet_s": ["V1.output-t0", "V2.output-t0", "V2.output-t1",
                                 *[f"V4.output-t{t}" for t in range(4)], "IT.output-t0", "IT.output-t1",
                                 "decoder.avgpool-t0"],
                    "resnet50": _resnet50.CANDIDATE_LAYERS, "mobilenet_v1": _mobilenet_v1.CANDIDATE_LAYERS}


def build_model(arch: str = "cornet_s", seed: int = 0, **kwargs: Any) -> nn.Module:
    """Build an architecture with its default (KN) init, deterministically from ``seed``."""
    if arch not in ARCHITECTURES:
        raise WiringupError(f"unknown architecture {arch!r} (config key model.arch); known: {sorted(ARCHITECTURES)}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return ARCHITECTURES[arch](**kwargs)


def count_parameters(model: nn.Module, trainable_only: bool = False) -> dict[str, int]:
    """Parameter counts by kind; ``trainable_only`` counts only ``requires_grad`` parameters."""
    counts = {"total": 0, "conv_weights": 0, "batchnorm": 0, "linear": 0, "other": 0}
    for mod in model.modules():
        for pname, p in mod.named_parameters(recurse=False):
            if trainable_only and not p.requires_grad:
                continue
            n = p.numel()
            counts["total"] += n
            if isinstance(mod, nn.Conv2d) and pname == "weight":
                counts["conv_weights"] += n
            elif isinstance(mod, nn.modules.batchnorm._BatchNorm):
                counts["batchnorm"] += n
            elif isinstance(mod, nn.Linear):
                counts["linear"] += n
            else:
                counts["other"] += n
    return counts
