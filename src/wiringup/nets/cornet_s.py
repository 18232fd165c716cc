"""CORnet-S exactly as the authors used it (Kubilius et al. 2019; AUTHORS_CODE_FACTS.md §1).

Module names are the anatomy and match the public ``cornet`` package, so that state-dict keys, the WC layer maps
and the trained-layer rules all key on the same names: ``V1.conv1``, ``V2.conv_input``, ``V2.skip``,
``V2.norm_skip``, ``V2.conv1..conv3``, per-timestep norms ``V2.norm1_0`` …, ``decoder.avgpool``,
``decoder.linear``. Each area's Identity ``output`` module is called once per timestep, so a forward hook sees
the ``-t0``, ``-t1`` … activations that Brain-Score's CORnet commitment reads.

``width`` scales every channel count (64, 128, 256, 512 and the 4× bottleneck) and is the only way the embedded
default shrinks the model; at ``width=1`` and 1000 classes the network has exactly 53,416,616 parameters, of
which 52,860,096 are conv weights.
"""
from __future__ import annotations

import math
from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

from wiringup.nets.common import scaled_channels

TIMES = {"V2": 2, "V4": 4, "IT": 2}
BASE_CHANNELS = {"V1": 64, "V2": 128, "V4": 256, "IT": 512}
SCALE = 4  # bottleneck expansion of CORblock_S

#: Brain-Score readout of the authors' CORnet commitment: every region at its first timestep (§1, "Readout").
REGION_LAYERS = {
    "V1": "V1.output-t0",
    "V2": "V2.output-t0",
    "V4": "V4.output-t0",
    "IT": "IT.output-t0",
    "behavior": "decoder.avgpool-t0",
}


class Flatten(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.size(0), -1)


class Identity(nn.Module):
    """A named no-op whose forward hook exposes an area's output at each timestep."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


class CORblock_S(nn.Module):  # noqa: N801 - the authors' class name
    """One recurrent CORnet-S area: a bottleneck block unrolled ``times`` steps with per-step BatchNorm.

    t = 0: ``skip = norm_skip(skip(x))`` and ``conv2`` has stride 2 (the area halves the resolution);
    t > 0: ``skip = x`` and ``conv2`` has stride 1. Weights are shared over time; norms are not.
    """

    def __init__(self, in_channels: int, out_channels: int, times: int = 1):
        super().__init__()
        self.times = times
        mid = out_channels * SCALE
        self.conv_input = nn.Conv2d(in_channels, out_channels, kernel_size=1, bias=False)
        self.skip = nn.Conv2d(out_channels, out_channels, kernel_size=1, stride=2, bias=False)
        self.norm_skip = nn.BatchNorm2d(out_channels)
        self.conv1 = nn.Conv2d(out_channels, mid, kernel_size=1, bias=False)
        self.nonlin1 = nn.ReLU(inplace=True)
        # Declared with stride 2 as in the original; forward() passes the per-timestep stride explicitly
        # instead of mutating the module (which breaks torch.compile and concurrent use).
        self.conv2 = nn.Conv2d(mid, mid, kernel_size=3, stride=2, padding=1, bias=False)
        self.nonlin2 = nn.ReLU(inplace=True)
        self.conv3 = nn.Conv2d(mid, out_channels, kernel_size=1, bias=False)
        self.nonlin3 = nn.ReLU(inplace=True)
        self.output = Identity()
        for t in range(times):
            setattr(self, f"norm1_{t}", nn.BatchNorm2d(mid))
            setattr(self, f"norm2_{t}", nn.BatchNorm2d(mid))
            setattr(self, f"norm3_{t}", nn.BatchNorm2d(out_channels))

    def forward(self, inp: torch.Tensor) -> torch.Tensor:
        x = self.conv_input(inp)
        output = x
        for t in range(self.times):
            if t == 0:
                skip = self.norm_skip(self.skip(x))
                stride = 2
            else:
                skip = x
                stride = 1
            x = self.nonlin1(getattr(self, f"norm1_{t}")(self.conv1(x)))
            x = F.conv2d(x, self.conv2.weight, None, stride=stride, padding=1)
            x = self.nonlin2(getattr(self, f"norm2_{t}")(x))
            x = getattr(self, f"norm3_{t}")(self.conv3(x))
            x = self.nonlin3(x + skip)
            output = self.output(x)
            x = output
        return output


def cornet_s(width: float = 1.0, num_classes: int = 1000) -> nn.Sequential:
    """Build CORnet-S with the authors' default ("Kaiming Normal", KN) initialisation.

    Initialisation (as in the ``cornet`` package): conv weights ~ N(0, sqrt(2 / (k·k·out_channels))),
    BatchNorm γ=1, β=0, the decoder Linear keeps PyTorch's default. Seed the global torch RNG before calling
    this for a reproducible model (see :func:`wiringup.nets.registry.build_model`).
    """
    if width <= 0:
        raise ValueError(f"width must be > 0, got {width}")
    c1, c2, c4, cit = (scaled_channels(BASE_CHANNELS[a], width) for a in ("V1", "V2", "V4", "IT"))
    model = nn.Sequential(OrderedDict([
        ("V1", nn.Sequential(OrderedDict([
            ("conv1", nn.Conv2d(3, c1, kernel_size=7, stride=2, padding=3, bias=False)),
            ("norm1", nn.BatchNorm2d(c1)),
            ("nonlin1", nn.ReLU(inplace=True)),
            ("pool", nn.MaxPool2d(kernel_size=3, stride=2, padding=1)),
            ("conv2", nn.Conv2d(c1, c1, kernel_size=3, stride=1, padding=1, bias=False)),
            ("norm2", nn.BatchNorm2d(c1)),
            ("nonlin2", nn.ReLU(inplace=True)),
            ("output", Identity()),
        ]))),
        ("V2", CORblock_S(c1, c2, times=TIMES["V2"])),
        ("V4", CORblock_S(c2, c4, times=TIMES["V4"])),
        ("IT", CORblock_S(c4, cit, times=TIMES["IT"])),
        ("decoder", nn.Sequential(OrderedDict([
            ("avgpool", nn.AdaptiveAvgPool2d(1)),
            ("flatten", Flatten()),
            ("linear", nn.Linear(cit, num_classes)),
            ("output", Identity()),
        ]))),
    ]))
    kaiming_normal_(model)
    return model


@torch.no_grad()
def kaiming_normal_(model: nn.Module) -> nn.Module:
    """The CORnet default init ("KN" in the paper): fan-out normal for convs, γ=1/β=0 for BatchNorm."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            n = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
            m.weight.normal_(0.0, math.sqrt(2.0 / n))
        elif isinstance(m, nn.BatchNorm2d):
            m.weight.fill_(1.0)
            m.bias.zero_()
    return model
