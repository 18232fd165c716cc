"""Stimulus preprocessing of the model side: what a model is shown (Brain-Score's ``load_preprocess_images``).

Brain-Score's CORnet commitment preprocesses with ``load_preprocess_images(image_size=224)``: resize the whole
image to 224x224 (no crop), ``ToTensor``, ImageNet mean/std normalisation. :func:`preprocess_stimuli` does the
same at any ``input_size``. Scoring (:func:`wiringup.scoring.features.image_features`) uses it for every model
that does not bring its own preprocessing; :class:`wiringup.nets.pixels.Pixels` brings its own and uses this one
(and the ImageNet statistics) only for its ``from_normalized`` variant. Brain-Score's ``place_on_screen``
(re-scaling stimuli from the benchmark's visual degrees to the model's) is not done here: the whole image is
resized to the model's input size.
"""
from __future__ import annotations

from typing import Sequence

import torch
from PIL import Image

from wiringup.core.io import WiringupError

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def preprocess_stimuli(images: Sequence[Image.Image], input_size: int) -> torch.Tensor:
    """Brain-Score/CORnet preprocessing: resize the whole image to ``input_size`` x ``input_size`` (no crop),
    ``ToTensor``, ImageNet normalisation. Returns (N, 3, S, S) float32."""
    from torchvision import transforms

    if len(images) == 0:
        raise WiringupError("preprocess_stimuli: no images given")
    tf = transforms.Compose([
        transforms.Resize((int(input_size), int(input_size))),
        transforms.ToTensor(),
        transforms.Normalize(mean=IMAGENET_MEAN, std=IMAGENET_STD),
    ])
    return torch.stack([tf(img if img.mode == "RGB" else img.convert("RGB")) for img in images])

