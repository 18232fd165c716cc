"""Helpers shared by the architecture builders: channel counts scaled by ``width``, and the refusal of
pretrained weights (the pipeline never downloads anything)."""
from __future__ import annotations

from typing import Any

from wiringup.core.io import WiringupError


def scaled_channels(base: int, width: float) -> int:
    """``base`` channels × ``width``, rounded, at least 1."""
    return max(1, int(round(base * width)))


def refuse_pretrained(arch: str, pretrained: Any, weights: Any) -> None:
    """Raise :class:`WiringupError` if a builder of ``arch`` is asked for pretrained weights."""
    if pretrained or weights is not None:
        raise WiringupError(
            f"{arch}: pretrained weights are not supported — the pipeline never downloads anything. The standard "
            f"(all layers trained) comparator of Fig. 5A is trained by the pipeline: list `standard` in "
            f"transfer.variants (variant {arch}_standard) and set its training scale with transfer.images and "
            "experiments.supervised_updates.epochs; there is no config key for pretrained weights")
