"""Loading manifest images for training and evaluation.

* :func:`load_rgb` reads any image as fully decoded RGB (ImageNet holds grayscale and CMYK JPEGs and
  one PNG under ``.JPEG`` names; the content decides, not the extension). Broken files raise
  :class:`~wiringup.io.WiringupError` naming the file.
* :func:`train_transform` / :func:`eval_transform` are the authors' recipe (AUTHORS_CODE_FACTS §5):
  RandomResizedCrop + horizontal flip for training; resize to ``input_size·256/224`` then
  centre-crop for evaluation; ImageNet mean/std normalisation for both.
* :class:`ManifestDataset` serves the rows of a :class:`~wiringup.manifests.Manifest`. Its random
  augmentation is a pure function of ``(seed, epoch, index)``: each ``__getitem__`` seeds a forked
  torch RNG from those three numbers, so the tensors do not depend on DataLoader workers, on the
  order items are requested in, or on anything drawn before — a resumed run sees exactly the
  augmentations of an uninterrupted one — and the caller's global RNG is left untouched.
* :func:`epoch_order` is the matching deterministic sample order of one epoch.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from PIL import Image
from torchvision import transforms as T

from .io import WiringupError
from .manifests import Manifest, open_image

__all__ = [
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "load_rgb",
    "train_transform",
    "eval_transform",
    "eval_resize_size",
    "item_seed",
    "ManifestDataset",
    "epoch_order",
]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _to_8bit(im: Image.Image) -> Image.Image:
    """Map high-bit-depth single-channel modes (I;16*, I, F) to ``L`` by scaling, not clipping.

    PIL's own ``convert("RGB")`` clips these to 0..255, which turns most 16-bit images white.
    ``I;16*`` is scaled from 0..65535; ``I`` likewise unless all values already fit in 0..255;
    ``F`` is scaled from 0..1 when its values lie there, otherwise clipped to 0..255.
    """
    a = np.asarray(im, dtype=np.float64)
    if im.mode.startswith("I;16"):
        a = a / 257.0
    elif im.mode == "I":
        if a.size and (a.min() < 0 or a.max() > 255):
            a = a / 257.0
    elif im.mode == "F":
        if a.size and a.min() >= 0 and a.max() <= 1:
            a = a * 255.0
    return Image.fromarray(np.clip(np.rint(a), 0, 255).astype(np.uint8), mode="L")


def load_rgb(path: str | os.PathLike) -> Image.Image:
    """Read ``path`` as a fully decoded RGB image.

    Every mode is converted as torchvision's ``ImageFolder`` loader does (``convert("RGB")``: L, LA,
    P, RGBA (alpha dropped), CMYK, YCbCr, 1 ...), except high-bit-depth grayscale (I;16, I, F), which
    is scaled to 8 bit instead of clipped. A missing, corrupt, truncated, or non-image file raises
    :class:`WiringupError` naming it.
    """
    im = open_image(path)
    if im.mode == "RGB":
        return im
    try:
        if im.mode.startswith("I;16") or im.mode in ("I", "F"):
            im = _to_8bit(im)
        return im.convert("RGB")
    except Exception as exc:
        raise WiringupError(f"image {path} (mode {im.mode}) could not be converted to RGB ({exc}); replace it") from None


def _check_size(input_size: int) -> int:
    if isinstance(input_size, bool) or not isinstance(input_size, (int, np.integer)) or input_size < 1:
        raise WiringupError(f"input size {input_size!r} must be a positive integer (config key `training.input_size`)")
    return int(input_size)


def train_transform(input_size: int) -> T.Compose:
    """RandomResizedCrop(input_size) (scale 0.08–1, ratio 3/4–4/3, antialiased), flip, tensor, normalise."""
    input_size = _check_size(input_size)
    return T.Compose([
        T.RandomResizedCrop(input_size, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3), antialias=True),
        T.RandomHorizontalFlip(),
        T.ToTensor(),
        T.Normalize(IMAGENET_MEAN, IMAGENET_STD),
    ])


def eval_resize_size(input_size: int) -> int:
    """The short side images are resized to before the centre crop: 256 for 224, in proportion otherwise."""
    return int(round(_check_size(input_size) * 256 / 224))


def eval_transform(input_size: int) -> T.Compose:
    """Resize(round(input_size·256/224)), CenterCrop(input_size), tensor, normalise."""
    input_size = _check_size(input_size)
    return T.Compose([
        T.Resize(eval_resize_size(input_size), antialias=True),
        T.CenterCrop(input_size),
        T.ToTensor(),
        T.Normalize(IMAGENET_MEAN, IMAGENET_STD),
    ])


def _check_nonneg(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise WiringupError(f"{name} {value!r} must be a non-negative integer")
    return int(value)


def item_seed(seed: int, epoch: int, index: int) -> int:
    """The torch seed of one sample's augmentation: a hash of ``(seed, epoch, index)`` (a uint32)."""
    return int(np.random.SeedSequence([seed, epoch, index]).generate_state(1)[0])


class ManifestDataset(torch.utils.data.Dataset):
    """The images of a manifest, as ``(tensor, label)`` pairs.

    ``root`` is the data root the manifest's relative paths start from. ``transform`` maps a PIL RGB
    image to a tensor (``None`` returns the PIL image). Set ``epoch`` before each epoch: item ``i``
    of epoch ``e`` is transformed with the CPU torch generator seeded by ``item_seed(seed, e, i)`` inside
    ``torch.random.fork_rng``, so its augmentation depends on nothing else, and the global torch
    RNG is the same after the call as before. (torchvision's transforms draw from the torch RNG
    only; a transform that uses Python's ``random`` or NumPy's global RNG would not be covered.)
    """

    def __init__(self, root: str | os.PathLike, manifest: Manifest, transform: Callable | None, seed: int = 0):
        self.root = Path(root)
        if not self.root.is_dir():
            raise WiringupError(
                f"data root {self.root} does not exist; set `data.root` in the config to an ImageNet-layout folder"
            )
        self.paths = list(manifest.paths)
        self.labels = np.asarray(manifest.labels, dtype=np.int64)
        if len(self.paths) != len(self.labels):
            raise WiringupError(f"manifest has {len(self.paths)} paths but {len(self.labels)} labels")
        self.classes = list(manifest.classes)
        self.transform = transform
        self.seed = _check_nonneg("seed", seed)
        self._epoch = 0

    @property
    def epoch(self) -> int:
        return self._epoch

    @epoch.setter
    def epoch(self, value: int) -> None:
        self._epoch = _check_nonneg("epoch", value)

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int):
        n = len(self.paths)
        i = int(i)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"index {i} out of range for a dataset of {n} images")
        img = load_rgb(self.root / self.paths[i])
        if self.transform is not None:
            with torch.random.fork_rng(devices=[]):
                # Seeds only the CPU generator, which is all torchvision's transforms draw from;
                # torch.manual_seed would also visit every accelerator backend (~0.3 ms per call).
                torch.default_generator.manual_seed(item_seed(self.seed, self._epoch, i))
                img = self.transform(img)
        return img, int(self.labels[i])


def epoch_order(n: int, seed: int, epoch: int) -> np.ndarray:
    """The shuffled sample order (int64 indices 0..n-1) of one epoch: ``default_rng([seed, epoch]).permutation(n)``."""
    n = _check_nonneg("n", n)
    return np.random.default_rng([_check_nonneg("seed", seed), _check_nonneg("epoch", epoch)]).permutation(n).astype(np.int64)
