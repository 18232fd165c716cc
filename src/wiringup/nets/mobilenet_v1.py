"""MobileNet v1, a transfer target of paper Sec. 7 (App. D.1, Fig. 5); built through :mod:`wiringup.nets.registry`.

Architecture
    ``mobilenet_v1``: MobileNet v1 (Howard et al. 2017) with the authors' PyTorch layout (``base_models/
    mobilenet.py::Net``): ``model`` is a Sequential of 15 entries, ``model.0`` = conv 3×3 s2 3→32 (``.0``) + BN
    (``.1``) + ReLU (``.2``); ``model.1`` … ``model.13`` = depthwise-separable blocks (``.0`` depthwise 3×3,
    ``.1`` BN, ``.2`` ReLU, ``.3`` pointwise 1×1, ``.4`` BN, ``.5`` ReLU; stride 2 in blocks 2, 4, 6, 12);
    ``model.14`` the average pool; ``fc`` the classifier. So the authors' layer names (``model.4.3``,
    ``model.12.0`` …) and their trained-layer rules apply unchanged. ``width`` is MobileNet's width multiplier
    α (every channel count × α, rounded). Two deliberate differences: ``model.14`` is an adaptive average pool
    (the authors' ``AvgPool2d(7)`` equals it at 224 px; an adaptive pool also works at the 64 px of the embedded
    default), and the initialisation is the same fan-out Kaiming normal as CORnet-S and torchvision (conv
    weight ~ N(0, √(2 / (k·k·out_channels))), BN γ=1, β=0; the classifier keeps PyTorch's default), so "KN"
    means one thing for every architecture. Full width: 4,231,976 parameters at 1000 classes, 3,185,088 of
    them conv weights.
    Pretrained weights are refused (``pretrained=True``/``weights=...`` raise): the pipeline never downloads;
    the "standard" comparator of Fig. 5A is trained by the pipeline (variant ``mobilenet_v1_standard``).

Region → layer commitment (:data:`REGION_LAYERS`)
    A documented fixed choice, not a layer search: each region is read at the output of the last layer that the
    paper's layer mapping (:data:`wiringup.wc.transfer.MAPPINGS`) gives to that CORnet area's area-closing layer:
    V1 ``model.1.2`` (after the layer mapped to ``V1.conv2``), V2 ``model.4`` (last block mapped to
    ``V2.conv3``), V4 ``model.9``, IT ``model.13``, behaviour ``model.14``. V2, V4 and IT sit at CORnet-S's
    feature strides (8, 16, 32). Layer selection (``scoring.layer_selection``) can search :data:`CANDIDATE_LAYERS`
    instead.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from wiringup.nets.common import refuse_pretrained, scaled_channels

#: (in, out, stride) of ``model.0`` (a plain conv) and the 13 depthwise-separable blocks ``model.1..13``.
MOBILENET_V1_LAYERS = ((3, 32, 2), (32, 64, 1), (64, 128, 2), (128, 128, 1), (128, 256, 2), (256, 256, 1),
                       (256, 512, 2), (512, 512, 1), (512, 512, 1), (512, 512, 1), (512, 512, 1), (512, 512, 1),
                       (512, 1024, 2), (1024, 1024, 1))

#: Region -> committed layer (module doc, "Region → layer commitment").
REGION_LAYERS = {"V1": "model.1.2", "V2": "model.4", "V4": "model.9", "IT": "model.13", "behavior": "model.14"}

#: Candidate layers of Brain-Score-style layer selection (``scoring.layer_selection``, local backend): every
#: block output from the stem to the pooled features, in depth order (Brain-Score's own list for this model).
CANDIDATE_LAYERS = [f"model.{i}" for i in range(15)]


class MobileNetV1(nn.Module):
    """MobileNet v1 in the authors' PyTorch layout (``model.{i}.{j}``, ``fc``); see the module doc."""

    def __init__(self, width: float = 1.0, num_classes: int = 1000):
        super().__init__()
        if width <= 0:
            raise ValueError(f"width must be > 0, got {width}")
        blocks: list[nn.Module] = []
        for i, (inp, out, stride) in enumerate(MOBILENET_V1_LAYERS):
            o = scaled_channels(out, width)
            if i == 0:
                blocks.append(nn.Sequential(
                    nn.Conv2d(inp, o, 3, stride, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True)))
            else:
                c = scaled_channels(inp, width)
                blocks.append(nn.Sequential(
                    nn.Conv2d(c, c, 3, stride, 1, groups=c, bias=False), nn.BatchNorm2d(c), nn.ReLU(inplace=True),
                    nn.Conv2d(c, o, 1, 1, 0, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True)))
        blocks.append(nn.AdaptiveAvgPool2d(1))
        self.model = nn.Sequential(*blocks)
        self.fc = nn.Linear(scaled_channels(MOBILENET_V1_LAYERS[-1][1], width), num_classes)
        with torch.no_grad():
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                elif isinstance(m, nn.BatchNorm2d):
                    m.weight.fill_(1.0)
                    m.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.model(x)
        return self.fc(torch.flatten(x, 1))


def mobilenet_v1(width: float = 1.0, num_classes: int = 1000, pretrained: bool = False, weights: Any = None
                 ) -> nn.Module:
    """MobileNet v1 with width multiplier ``width`` (1.0 = the paper's), never pretrained."""
    refuse_pretrained("mobilenet_v1", pretrained, weights)
    return MobileNetV1(width=width, num_classes=num_classes)
