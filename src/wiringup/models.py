"""Model registry and parameter accounting shared by every architecture.

Two conventions of "number of parameters" appear in the paper and its code (AUTHORS_CODE_FACTS.md §1–2):
``total`` = every parameter (53,416,616 for CORnet-S), and ``conv_weights`` = Conv2d weights only
(52,860,096), the authors' "trained parameters". Both are reported everywhere.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .cornet_s import REGION_LAYERS as CORNET_REGION_LAYERS
from .cornet_s import cornet_s
from .io import WiringupError

def _pixels(**kwargs: Any) -> nn.Module:
    from .baselines import Pixels

    return Pixels(**kwargs)


ARCHITECTURES = {"cornet_s": cornet_s, "pixels": _pixels}
#: Region -> committed layer per architecture (the pixels baseline answers every region with its pixels).
REGION_LAYERS = {"cornet_s": CORNET_REGION_LAYERS,
                 "pixels": {r: "pixels" for r in ("V1", "V2", "V4", "IT", "behavior")}}


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


def apply_trained_layers(model: nn.Module, rules: list[str], allow_none: bool = False) -> dict[str, Any]:
    """Freeze every parameter whose name contains none of ``rules`` (the authors' substring rule, §2).

    ``'V2.conv3'`` therefore trains ``V2.conv3.weight`` but not ``V2.norm3_0.weight``. A rule that matches no
    parameter is an error naming the rule; a set that trains nothing is refused unless ``allow_none``.
    Returns the trained and frozen counts in both conventions.
    """
    names = [n for n, _ in model.named_parameters()]
    for rule in rules:
        if not any(rule in n for n in names):
            raise WiringupError(f"trained-layer rule {rule!r} matches no parameter; parameter names look like "
                                f"{names[:3]} … {names[-2:]}")
    for name, p in model.named_parameters():
        p.requires_grad_(any(rule in name for rule in rules))
    trained = count_parameters(model, trainable_only=True)
    if trained["total"] == 0 and not allow_none:
        raise WiringupError(f"trained-layer rules {rules} train no parameter; set allow_untrained to accept this")
    total = count_parameters(model)
    return {"trained": trained, "total": total,
            "frozen": {k: total[k] - trained[k] for k in total}}
