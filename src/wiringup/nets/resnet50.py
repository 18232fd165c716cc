"""ResNet-50, a transfer target of paper Sec. 7 (App. D.1, Fig. 5); built through :mod:`wiringup.nets.registry`.

Architecture
    ``resnet50``: torchvision's ResNet-50 (``torchvision.models.resnet50(weights=None)``; never pretrained, nothing
    is downloaded). ``width`` scales every channel count (stem 64, stage planes 64/128/256/512, bottleneck
    expansion 4 kept): at ``width=1`` the builder *is* torchvision's function (25,557,032 parameters at 1000
    classes, 23,454,912 of them conv weights); at other widths :class:`ScaledResNet50` builds the same module
    tree (same names: ``conv1``, ``bn1``, ``layer1.0.conv1`` …, ``layer1.0.downsample.0``, ``fc``) with
    torchvision's ``Bottleneck`` blocks and torchvision's initialisation, and is bit-identical to torchvision's
    model at ``width=1`` under the same seed (tested).
    Pretrained weights are refused (``pretrained=True``/``weights=...`` raise): the pipeline never downloads;
    the "standard" comparator of Fig. 5A is trained by the pipeline (variant ``resnet50_standard``).

Region → layer commitment (:data:`REGION_LAYERS`)
    A documented fixed choice, not a layer search: each region is read at the output of the last layer that the
    paper's layer mapping (:data:`wiringup.wc.transfer.MAPPINGS`) gives to that CORnet area's area-closing layer:
    V1 ``maxpool`` (the stem, mapped to V1), V2 ``layer1``, V4 ``layer3``, IT ``layer4``, behaviour ``avgpool``.
    V4 and IT sit at CORnet-S's feature strides (16, 32); V2 (``layer1``) is at stride 4, since the stage the
    mapping gives V2 does not downsample. Layer selection (``scoring.layer_selection``) can search
    :data:`CANDIDATE_LAYERS` instead.
"""
from __future__ import annotations

from typing import Any

from torch import nn

from wiringup.nets.common import refuse_pretrained, scaled_channels

RESNET50_BLOCKS = (3, 4, 6, 3)
RESNET50_PLANES = (64, 128, 256, 512)

#: Region -> committed layer (module doc, "Region → layer commitment").
REGION_LAYERS = {"V1": "maxpool", "V2": "layer1", "V4": "layer3", "IT": "layer4", "behavior": "avgpool"}

#: Candidate layers of Brain-Score-style layer selection (``scoring.layer_selection``, local backend): every
#: block output from the stem to the pooled features, in depth order (Brain-Score's own list for this model).
CANDIDATE_LAYERS = ["maxpool", *[f"layer1.{i}" for i in range(3)], *[f"layer2.{i}" for i in range(4)],
                    *[f"layer3.{i}" for i in range(6)], *[f"layer4.{i}" for i in range(3)], "avgpool"]


def _resnet_classes():
    from torchvision.models.resnet import Bottleneck, ResNet

    return Bottleneck, ResNet


def _make_scaled_resnet50_class():
    Bottleneck, ResNet = _resnet_classes()

    class ScaledResNet50(ResNet):
        """torchvision's ResNet-50 with every channel count × ``width`` (module names, block structure and
        initialisation as torchvision's ``ResNet.__init__``; construction order kept, so ``width=1`` reproduces
        ``torchvision.models.resnet50()`` bit for bit under the same seed)."""

        def __init__(self, width: float = 1.0, num_classes: int = 1000):
            nn.Module.__init__(self)
            self._norm_layer = nn.BatchNorm2d
            self.inplanes = scaled_channels(64, width)
            self.dilation = 1
            self.groups = 1
            self.base_width = 64
            self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
            self.bn1 = nn.BatchNorm2d(self.inplanes)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
            planes = [scaled_channels(p, width) for p in RESNET50_PLANES]
            self.layer1 = self._make_layer(Bottleneck, planes[0], RESNET50_BLOCKS[0])
            self.layer2 = self._make_layer(Bottleneck, planes[1], RESNET50_BLOCKS[1], stride=2)
            self.layer3 = self._make_layer(Bottleneck, planes[2], RESNET50_BLOCKS[2], stride=2)
            self.layer4 = self._make_layer(Bottleneck, planes[3], RESNET50_BLOCKS[3], stride=2)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(planes[3] * Bottleneck.expansion, num_classes)
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)

    return ScaledResNet50


def scaled_resnet50(width: float = 1.0, num_classes: int = 1000) -> nn.Module:
    """:class:`ScaledResNet50` at any width (see the module doc); :func:`resnet50` uses torchvision at width 1."""
    if width <= 0:
        raise ValueError(f"width must be > 0, got {width}")
    return _make_scaled_resnet50_class()(width=width, num_classes=num_classes)


def resnet50(width: float = 1.0, num_classes: int = 1000, pretrained: bool = False, weights: Any = None
             ) -> nn.Module:
    """ResNet-50 with torchvision's definition and default (Kaiming-normal fan-out) init, never pretrained."""
    refuse_pretrained("resnet50", pretrained, weights)
    if width <= 0:
        raise ValueError(f"width must be > 0, got {width}")
    if float(width) == 1.0:
        import torchvision

        return torchvision.models.resnet50(weights=None, num_classes=num_classes)
    return scaled_resnet50(width=width, num_classes=num_classes)
