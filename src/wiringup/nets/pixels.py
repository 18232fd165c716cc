"""The pixel baseline model (:class:`Pixels`).

:class:`Pixels` — the paper's pixel baseline (AUTHORS_CODE_FACTS §6; the authors' ``base_models/pixel_model.py``):
each image is converted to RGB, resized to 256x256 with PIL's ``Image.resize`` default filter (the authors call
``image.resize((256, 256))`` without one; that is bicubic since Pillow 7, the Pillow of their Brain-Score runs)
and its raw uint8 values are the features: 256*256*3 = 196,608 per image, flattened in the authors'
(row, column, channel) order (PLS is invariant to the order anyway). Brain-Score passes no preprocessing to the
pixel model, so there is no ImageNet normalisation and no visual-degree placement beyond the benchmark's own.

How it plugs into scoring (:mod:`wiringup.scoring.features`): the features are the output of an Identity layer
named ``pixels``, so :func:`~wiringup.scoring.features.extract_features` reads them like any model layer. Since the
generic :func:`~wiringup.nets.preprocessing.preprocess_stimuli` normalises images (and resizes them bilinearly to
``input_size``), the pixel model brings its own preprocessing instead, as Brain-Score models do:
``Pixels.preprocess_stimuli``, which :func:`~wiringup.scoring.features.image_features` (and so ``score_neural`` and
:func:`~wiringup.scoring.selection.layer_selection`) uses in place of the generic one, ignoring ``input_size``.
This is the faithful route: no lossy normalise/denormalise round trip and the authors' resampling filter.
``Pixels(from_normalized=True)`` is the alternative for callers that hold only the generic normalised tensors: its
preprocessing is the generic one at 256 px and its forward pass inverts the ImageNet normalisation (x*std + mean,
*255, rounded to integers), which gives the uint8 values of a bilinear 256x256 resize instead of a bicubic one.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from PIL import Image
from torch import nn

from wiringup.core.io import WiringupError
from wiringup.nets.preprocessing import IMAGENET_MEAN, IMAGENET_STD, preprocess_stimuli

PIXELS_SIZE = 256


class Pixels(nn.Module):
    """The pixel baseline: raw uint8 RGB values of the ``size`` x ``size``-resized image (default 256, Brain-Score's
    pixel model; the pipeline passes config ``scoring.pixels_size``), at the layer ``pixels``.

    ``preprocess_stimuli(images)`` (used by :func:`wiringup.scoring.features.image_features` in place of the generic
    preprocessing) returns the (N, 3, size, size) float tensor of uint8 values; ``forward`` returns them
    unchanged in (N, size, size, 3) layout through the Identity ``pixels``. See the module docstring for
    ``from_normalized``.
    """

    def __init__(self, size: int = PIXELS_SIZE, from_normalized: bool = False):
        super().__init__()
        self.size = int(size)
        self.from_normalized = bool(from_normalized)
        self.pixels = nn.Identity()
        self.register_buffer("_mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("_std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    def preprocess_stimuli(self, images: Sequence[Image.Image]) -> torch.Tensor:
        if len(images) == 0:
            raise WiringupError("Pixels.preprocess_stimuli: no images given")
        if self.from_normalized:
            return preprocess_stimuli(images, self.size)
        arrays = [np.asarray((im if im.mode == "RGB" else im.convert("RGB")).resize((self.size, self.size)),
                             dtype=np.uint8) for im in images]
        return torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).float()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != 3 or tuple(x.shape[2:]) != (self.size, self.size):
            raise WiringupError(f"Pixels: expected (N, 3, {self.size}, {self.size}) stimuli, got {tuple(x.shape)}; "
                                "let wiringup.scoring.features.image_features preprocess the images (it uses "
                                "Pixels.preprocess_stimuli)")
        if self.from_normalized:
            x = torch.round((x * self._std + self._mean) * 255).clamp(0, 255)
        return self.pixels(x.permute(0, 2, 3, 1).contiguous())

