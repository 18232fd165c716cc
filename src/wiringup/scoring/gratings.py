"""Grating stimuli of Brain-Score's Marques2020 V1-property benchmarks, rendered as Brain-Score renders them, and
placed on the model's screen as Brain-Score's ``place_on_screen`` does (numpy + PIL, no torch).

**Rendering** (``marques_stim_common.Grating`` of brainscore-vision's data packaging, with the parameters of
``stimuli.json``): a single-channel 8-bit image of ``size_px`` pixels spanning ``degrees`` of visual angle; pixel
(row ``i``, column ``j``) sits at ``x = (j - size_px/2) / px_per_deg - position_x``,
``y = (i - size_px/2) / px_per_deg - position_y``; inside the hard disc ``x^2 + y^2 <= radius^2`` its value is
``uint8(255 * (t + 1) / 2)`` (truncated) with ``t = contrast * sin(2 pi sf (x cos a + y sin a) + b)``, outside
it is gray 128. The arithmetic is written in Brain-Score's order, so the pixels are identical.

**Placement** (``brainscore_vision.benchmark_helpers.screen.ImageConverter``): a ``degrees``-wide image shown to a
model with a ``visual_degrees`` field of view is centre-cropped to ``round(size_px * visual_degrees / degrees)``
pixels (a narrower field) or pasted centred on a gray canvas of that size (a wider one); the model's
preprocessing then resizes it to its input size. :func:`render_on_screen` renders only the pixels the crop keeps,
which gives the same pixels as rendering the whole image and cropping it, in a fraction of the time.

Brain-Score renders at 672 px for 12 degrees (56 px/deg). A smaller ``size_px`` is faster but under-samples the
finest gratings (14.7 c/deg needs more than 29.4 px/deg to be rendered without aliasing).
"""
from __future__ import annotations

import hashlib
from typing import Mapping, Sequence

import numpy as np
from PIL import Image

from wiringup.core.io import WiringupError
from wiringup.scoring.screen import place_on_screen

#: The stimulus columns of a grating, in Brain-Score's row order (slowest first; phase varies fastest).
GRATING_COLUMNS = ("position_y", "position_x", "contrast", "radius", "spatial_frequency", "orientation", "phase")
GRAY = np.uint8(np.uint8(255) / 2 + 1)  # 128, the script's uint8(white / 2 + 1)


def screen_window(size_px: int, degrees: float, visual_degrees: float) -> tuple[int, int]:
    """(offset, size) of the on-screen image in the source pixel grid: a centre crop (offset >= 0) when the
    model's field is narrower than the image, a centred paste on a gray canvas (offset < 0) when it is wider;
    rounded as Brain-Score's ``ImageConverter`` rounds (numpy's round-half-to-even)."""
    if size_px < 1 or degrees <= 0 or visual_degrees <= 0:
        raise WiringupError(f"screen_window: need size_px >= 1 and positive degrees, got {size_px}, {degrees}, "
                            f"{visual_degrees}")
    ratio = visual_degrees / degrees
    size = int(np.round(ratio * np.array([size_px, size_px]))[0])
    if ratio >= 1:
        return -int(np.round((size - size_px) / 2)), size
    return int(np.round((size_px - size) / 2)), size


def render_grating(size_px: int, degrees: float, position_y: float, position_x: float, contrast: float,
                   radius: float, spatial_frequency: float, orientation: float, phase: float,
                   window: tuple[int, int] | None = None) -> np.ndarray:
    """One grating as Brain-Score renders it: uint8 (size_px, size_px), or only the pixels
    ``[offset, offset + size)`` of each axis when ``window=(offset, size)`` lies inside the image."""
    px_to_deg = size_px / degrees
    idx = np.arange(size_px)
    if window is not None:
        offset, size = window
        if offset < 0 or offset + size > size_px:
            raise WiringupError(f"render_grating: window {window} lies outside the {size_px}-px image")
        idx = idx[offset:offset + size]
    x = (idx - size_px / 2) / px_to_deg - position_x
    y = (idx - size_px / 2) / px_to_deg - position_y
    xv, yv = np.meshgrid(x, y)
    a = orientation / 180 * np.pi
    b = phase / 180 * np.pi
    tex = np.sin((xv * np.cos(a) + yv * np.sin(a)) * spatial_frequency * 2 * np.pi + b) * contrast
    mask = xv ** 2 + yv ** 2 <= radius ** 2
    out = np.full(xv.shape, GRAY, dtype=np.uint8)
    out[mask] = np.uint8(((tex[mask] + 1) / 2) * np.uint8(255))
    return out


def render_on_screen(table: Mapping[str, Sequence[float]], rows: Sequence[int] | range, size_px: int,
                     degrees: float, visual_degrees: float) -> list[Image.Image]:
    """The gratings ``rows`` of a stimulus ``table`` (columns :data:`GRATING_COLUMNS`) as the model's screen shows
    them: rendered at ``size_px`` for ``degrees``, then cropped (only the kept pixels are rendered) or, for a
    wider field, pasted on gray (:func:`wiringup.scoring.screen.place_on_screen`). Grayscale (``L``) PIL images
    when cropped (the model's preprocessing converts them to RGB as Brain-Score's does), RGB when pasted."""
    offset, size = screen_window(size_px, degrees, visual_degrees)
    images = []
    for r in rows:
        args = {c: float(table[c][r]) for c in GRATING_COLUMNS}
        if offset >= 0:
            images.append(Image.fromarray(render_grating(size_px, degrees, window=(offset, size), **args), mode="L"))
        else:  # a wider field: Brain-Score pastes the image on a gray canvas
            full = Image.fromarray(render_grating(size_px, degrees, **args), mode="L")
            images.append(place_on_screen([full], degrees, visual_degrees)[0])
    return images


def table_digest(table: Mapping[str, Sequence[float]], salt: str = "") -> str:
    """SHA1 of a stimulus table's parameters (and ``salt``), to key renderings of it."""
    digest = hashlib.sha1(salt.encode())
    for c in GRATING_COLUMNS:
        digest.update(np.ascontiguousarray(table[c], dtype=np.float64).tobytes())
    return digest.hexdigest()


def blank_on_screen(size_px: int, degrees: float, visual_degrees: float) -> Image.Image:
    """Brain-Score's blank stimulus (uniform gray 128) as the model's screen shows it."""
    _, size = screen_window(size_px, degrees, visual_degrees)
    return Image.fromarray(np.full((size, size), GRAY, dtype=np.uint8), mode="L")


def grating_table(values: Mapping[str, Sequence[float]], order: Sequence[str]) -> dict[str, np.ndarray]:
    """The full factorial of ``values`` with ``order[0]`` varying slowest and ``order[-1]`` fastest, as columns.

    ``order`` names columns of :data:`GRATING_COLUMNS`, or ``radius_spatial_frequency_pairs`` (one axis whose
    values are ``[radius, spatial_frequency]`` pairs, as the Marques2020 orientation set has); a column not in
    ``order`` must have a single value, repeated on every row.
    """
    axes = []
    for name in order:
        vals = np.asarray(values[name], dtype=float)
        if name == "radius_spatial_frequency_pairs":
            if vals.ndim != 2 or vals.shape[1] != 2:
                raise WiringupError("grating_table: radius_spatial_frequency_pairs must be [radius, sf] pairs")
        elif vals.ndim != 1 or vals.size == 0:
            raise WiringupError(f"grating_table: {name} must be a non-empty list of numbers")
        axes.append((name, vals))
    n = int(np.prod([len(v) for _, v in axes]))
    table: dict[str, np.ndarray] = {}
    repeat = n
    for name, vals in axes:
        repeat //= len(vals)
        idx = np.tile(np.repeat(np.arange(len(vals)), repeat), n // (repeat * len(vals)))
        if name == "radius_spatial_frequency_pairs":
            table["radius"], table["spatial_frequency"] = vals[idx, 0], vals[idx, 1]
        else:
            table[name] = vals[idx]
    for c in GRATING_COLUMNS:  # a parameter outside ``order`` must have one value
        if c not in table and c in values and len(np.atleast_1d(values[c])) == 1:
            table[c] = np.full(n, float(np.atleast_1d(values[c])[0]))
    missing = [c for c in GRATING_COLUMNS if c not in table]
    if missing:
        raise WiringupError(f"grating_table: no values for {missing} (a parameter not in the row order must have "
                            "exactly one value)")
    return {c: table[c] for c in GRATING_COLUMNS}
