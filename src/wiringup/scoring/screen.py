"""Brain-Score's ``place_on_screen`` on in-memory PIL images (PIL and numpy only).

A Brain-Score benchmark shows its stimuli at the visual-degree size they had in the experiment; a model sees
``visual_degrees`` (8 in the paper's CORnet commitment). brainscore-vision's
``benchmark_helpers.screen.place_on_screen`` therefore re-scales every stimulus by ``ratio = target / source``
degrees before the model's own preprocessing (``ImageConverter.apply_ratio``, 2.4.2):

* ``ratio < 1`` (stimulus larger than the model's field): centre crop to ``round(ratio * size)`` pixels, the
  top-left corner at ``round((size - crop) / 2)`` (numpy rounding, half to even);
* ``ratio >= 1``: paste the image, centred (same rounding), onto a ``round(ratio * size)`` RGB canvas of
  PIL's ``"gray"`` (128, 128, 128);
* equal degrees: the images unchanged.

:func:`place_on_screen` does exactly that, so a local benchmark with a known ``image_degrees`` shows the model the
same pixels as Brain-Score (which writes the converted images to PNG, losslessly, and reads them back as RGB).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from PIL import Image

from wiringup.core.io import WiringupError


def place_on_screen(images: Sequence[Image.Image], source_degrees: float,
                    target_degrees: float) -> list[Image.Image]:
    """Re-scale stimuli of ``source_degrees`` visual degrees to a model field of ``target_degrees``, as
    brainscore-vision's ``place_on_screen`` does (see the module docstring). Returns new RGB images (the input
    list's images themselves when the degrees are equal)."""
    if not (source_degrees and source_degrees > 0 and target_degrees and target_degrees > 0):
        raise WiringupError(f"place_on_screen: visual degrees must be positive, got source {source_degrees!r}, "
                            f"target {target_degrees!r}")
    if source_degrees == target_degrees:
        return list(images)
    ratio = target_degrees / source_degrees
    out = []
    for image in images:
        image = image if image.mode == "RGB" else image.convert("RGB")
        size = np.array(image.size)
        new_size = (ratio * size).round().astype(int)
        if ratio >= 1:
            canvas = Image.new("RGB", tuple(int(v) for v in new_size), "gray")
            topleft = ((new_size - size) / 2).round().astype(int)
            canvas.paste(image, tuple(int(v) for v in topleft))
            out.append(canvas)
        else:
            left, upper = ((size - new_size) / 2).round().astype(int)
            right, lower = np.array([left, upper]) + new_size
            out.append(image.crop((int(left), int(upper), int(right), int(lower))))
    return out
