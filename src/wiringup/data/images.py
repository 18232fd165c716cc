"""Loading manifest images for training and evaluation.

* :func:`load_rgb` reads any image as fully decoded RGB (ImageNet holds grayscale and CMYK JPEGs and
  one PNG under ``.JPEG`` names; the content decides, not the extension). Broken files raise
  :class:`~wiringup.core.io.WiringupError` naming the file.
* :func:`train_transform` / :func:`eval_transform` are the authors' recipe (AUTHORS_CODE_FACTS §5):
  RandomResizedCrop + horizontal flip for training; resize to ``input_size·256/224`` then
  centre-crop for evaluation; ImageNet mean/std normalisation for both.
* :class:`ManifestDataset` serves the rows of a :class:`~wiringup.data.manifests.Manifest`. Its random
  augmentation is a pure function of ``(seed, epoch, index)``: each ``__getitem__`` seeds a forked
  torch RNG from those three numbers, so the tensors do not depend on DataLoader workers, on the
  order items are requested in, or on anything drawn before — a resumed run sees exactly the
  augmentations of an uninterrupted one — and the caller's global RNG is left untouched.
* :func:`epoch_order` is the matching deterministic sample order of one epoch.

The fast path (config ``training.data_cache``):

* :func:`build_image_cache` decodes every image of a manifest once (same RGB conversion as :func:`load_rgb`)
  and stores it as uint8 pixels in one file (format below), optionally shrunk so its short side is at most
  ``short_side`` pixels. :class:`ImageCache` reads it memory-mapped.
* :class:`CachedManifestDataset` serves the same ``(tensor, label)`` items as :class:`ManifestDataset` with
  :func:`train_transform`, from the cache: no JPEG decoding, and the crop/resize/flip done by torch on uint8
  tensors (torchvision's tensor kernels) instead of PIL. Its random draws are those of the uncached path: the
  crop box and the flip of item ``i`` in epoch ``e`` come from a torch generator seeded with
  ``item_seed(seed, e, i)``, drawn in torchvision's order (:func:`random_resized_crop_params` equals
  ``RandomResizedCrop.get_params``), so resume stays exact. It is **not bit-identical** to the uncached path:
  torch's antialiased bilinear resampling rounds differently from PIL's, so about 40 % of items differ from the
  uncached tensors by 1-2 grey levels in some pixels (max 0.035 in normalised units, measured on Imagenette);
  images larger than the cache's ``short_side`` also differ by that resize. Crop boxes and flips are identical.

Cache file format (``wiringup-image-cache`` version 1), little-endian::

    bytes 0-7    magic b"WUIMGC\x00\x01"
    bytes 8-15   uint64 offset T of the trailer;  bytes 16-23  uint64 length of the trailer
    bytes 64-T   the pixels: image k is heights[k] x widths[k] x 3 uint8 (HWC, RGB) at byte 64 + offsets[k]
    trailer      an uncompressed .npz: offsets (int64), heights, widths (int32), labels (int64), and meta (a JSON
                 string: format, version, n, short_side, manifest_sha256, paths_sha256)
"""
from __future__ import annotations

import hashlib
import io
import json
import math
import os
import sys
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import torch
from PIL import Image
from torchvision import transforms as T

from wiringup.core.io import WiringupError, atomic_path, rebuild_advice
from wiringup.data.imagefolder import check_root, open_image
from wiringup.data.manifests import Manifest
# The normalisation every network of this project expects (one definition, shared with scoring's preprocessing).
from wiringup.nets.preprocessing import IMAGENET_MEAN, IMAGENET_STD

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
    "CACHE_FORMAT",
    "build_image_cache",
    "ImageCache",
    "random_resized_crop_params",
    "CachedManifestDataset",
]


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


def load_rgb(path: str | os.PathLike, sha256: str | bytes | None = None,
             manifest: str | os.PathLike | None = None) -> Image.Image:
    """Read ``path`` as a fully decoded RGB image.

    Every mode is converted as torchvision's ``ImageFolder`` loader does (``convert("RGB")``: L, LA,
    P, RGBA (alpha dropped), CMYK, YCbCr, 1 ...), except high-bit-depth grayscale (I;16, I, F), which
    is scaled to 8 bit instead of clipped. A missing, corrupt, truncated, or non-image file raises
    :class:`WiringupError` naming it, and so does a file whose content no longer has the ``sha256`` its
    ``manifest`` recorded (:func:`wiringup.data.imagefolder.open_image`).
    """
    im = open_image(path, sha256=sha256, manifest=manifest)
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


class _EpochDataset(torch.utils.data.Dataset):
    """A manifest's images (``paths``) whose per-sample augmentation is seeded by (seed, ``epoch``, index); the
    trainer sets ``epoch`` before each epoch."""

    @property
    def epoch(self) -> int:
        return self._epoch

    @epoch.setter
    def epoch(self, value: int) -> None:
        self._epoch = _check_nonneg("epoch", value)

    def __len__(self) -> int:
        return len(self.paths)

    def _index(self, i: int) -> int:
        """``i`` as a non-negative index (negative ones count from the end); IndexError outside the dataset."""
        n = len(self.paths)
        i = int(i)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"index {i} out of range for a dataset of {n} images")
        return i


class ManifestDataset(_EpochDataset):
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
        check_root(self.root)
        self.paths = list(manifest.paths)
        self.labels = np.asarray(manifest.labels, dtype=np.int64)
        if len(self.paths) != len(self.labels):
            raise WiringupError(f"manifest has {len(self.paths)} paths but {len(self.labels)} labels")
        self.classes = list(manifest.classes)
        self.sha256, self.manifest_path = _digests(manifest)
        self.transform = transform
        self.seed = _check_nonneg("seed", seed)
        self._epoch = 0

    def __getitem__(self, i: int):
        i = self._index(i)
        img = load_rgb(self.root / self.paths[i], self.sha256[i] if self.sha256 is not None else None,
                       self.manifest_path)
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



# ---------------------------------------------------------------------------------------------------------------
# fast path: decode once into a uint8 cache, augment with torch on uint8 tensors

CACHE_FORMAT = "wiringup-image-cache"
CACHE_VERSION = 1
_MAGIC = b"WUIMGC\x00\x01"
_DATA_START = 64
#: RandomResizedCrop's defaults, as :func:`train_transform` uses them
_RRC_SCALE = (0.08, 1.0)
_RRC_RATIO = (3 / 4, 4 / 3)


def _paths_digest(paths: Iterable[str]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.encode())
        h.update(b"\n")
    return h.hexdigest()


def _digests(manifest: Manifest) -> tuple[np.ndarray | None, str | None]:
    """The manifest's image digests and its path; a version-1 manifest (no digests) is used with a warning."""
    if manifest.sha256 is None:
        print(f"warning: manifest {manifest.path} records no image content hashes (format version 1): changed "
              "images are not caught; delete it and rerun the same command to rebuild it with them", file=sys.stderr)
    return manifest.sha256, manifest.path


def _cache_pixels(args: tuple[Path, int | None, bytes | None, str | None]) -> np.ndarray:
    """One image as HWC uint8, its short side shrunk to ``short_side`` (PIL bilinear, antialiased) if larger."""
    path, short_side, sha256, manifest = args
    im = load_rgb(path, sha256, manifest)
    w, h = im.size
    if short_side is not None and min(w, h) > short_side:
        f = short_side / min(w, h)
        size = (short_side, max(1, round(h * f))) if w <= h else (max(1, round(w * f)), short_side)
        im = im.resize(size, Image.BILINEAR)
    return np.asarray(im, dtype=np.uint8)


def build_image_cache(root: str | os.PathLike, manifest: Manifest, out_path: str | os.PathLike, *,
                      short_side: int | None = None, manifest_sha256: str | None = None, workers: int = 1,
                      progress: bool = False) -> dict[str, Any]:
    """Decode every image of ``manifest`` (paths relative to ``root``) once into the cache file ``out_path``.

    ``short_side``: images whose short side is longer are shrunk to it (``None``: stored as decoded).
    ``workers`` > 1 decodes in that many processes (the file is the same). Written atomically. Returns a
    summary (images, bytes, resized count, seconds).
    """
    import time

    root = Path(root)
    if short_side is not None:
        short_side = _check_size(short_side)
    n = len(manifest.paths)
    if n == 0:
        raise WiringupError("the manifest holds no images; nothing to cache")
    digests, source = _digests(manifest)
    jobs = [(root / p, short_side, None if digests is None else digests[k], source)
            for k, p in enumerate(manifest.paths)]
    offsets = np.zeros(n, dtype=np.int64)
    heights = np.zeros(n, dtype=np.int32)
    widths = np.zeros(n, dtype=np.int32)
    t0 = time.time()
    pool = None
    if workers and workers > 1:
        import multiprocessing as mp

        pool = mp.get_context("fork").Pool(int(workers))
        items = pool.imap(_cache_pixels, jobs, chunksize=32)
    else:
        items = map(_cache_pixels, jobs)
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=n, unit="img", mininterval=5, ascii=True)
    resized = 0
    try:
        with atomic_path(out_path) as tmp:
            with open(tmp, "wb") as f:
                f.write(b"\0" * _DATA_START)
                pos = 0
                for k, a in enumerate(items):
                    offsets[k], heights[k], widths[k] = pos, a.shape[0], a.shape[1]
                    if short_side is not None and min(a.shape[:2]) == short_side:
                        resized += 1
                    f.write(np.ascontiguousarray(a).tobytes())
                    pos += a.nbytes
                    if bar is not None:
                        bar.update(1)
                meta = {"format": CACHE_FORMAT, "version": CACHE_VERSION, "n": n, "short_side": short_side,
                        "manifest_sha256": manifest_sha256, "paths_sha256": _paths_digest(manifest.paths)}
                buf = io.BytesIO()
                np.savez(buf, offsets=offsets, heights=heights, widths=widths,
                         labels=np.asarray(manifest.labels, dtype=np.int64), meta=np.array(json.dumps(meta)))
                trailer = buf.getvalue()
                t_off = _DATA_START + pos
                f.write(trailer)
                f.seek(0)
                f.write(_MAGIC + np.array([t_off, len(trailer)], dtype="<u8").tobytes())
    finally:
        if pool is not None:
            pool.close()
            pool.join()
        if bar is not None:
            bar.close()
    return {"images": n, "pixel_bytes": int(pos), "file_bytes": int(t_off + len(trailer)),
            "short_side": short_side, "at_short_side": resized, "seconds": round(time.time() - t0, 3)}


class ImageCache:
    """A cache file written by :func:`build_image_cache`, read memory-mapped (safe to share with workers)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        redo = rebuild_advice(self.path)
        try:
            with open(self.path, "rb") as f:
                head = f.read(_DATA_START)
                if len(head) < 24 or head[:8] != _MAGIC:
                    raise WiringupError(f"{self.path}: not a {CACHE_FORMAT} file (bad header); {redo}")
                t_off, t_len = (int(v) for v in np.frombuffer(head[8:24], dtype="<u8"))
                f.seek(t_off)
                trailer = f.read(t_len)
        except FileNotFoundError:
            raise WiringupError(f"{self.path}: image cache not found; run the rule that makes it") from None
        if t_len == 0 or len(trailer) != t_len:
            raise WiringupError(f"{self.path}: truncated image cache; {redo}")
        try:
            with np.load(io.BytesIO(trailer), allow_pickle=False) as z:
                self.offsets = z["offsets"]
                self.heights = z["heights"]
                self.widths = z["widths"]
                self.labels = z["labels"]
                self.meta = json.loads(str(z["meta"]))
        except Exception as exc:  # noqa: BLE001 - any damage reads as one message
            raise WiringupError(f"{self.path}: damaged image cache index ({exc}); {redo}") from None
        if self.meta.get("format") != CACHE_FORMAT or self.meta.get("version") != CACHE_VERSION:
            raise WiringupError(f"{self.path}: unsupported cache format {self.meta.get('format')!r} "
                                f"v{self.meta.get('version')}; {redo}")
        self._pixels_len = t_off - _DATA_START
        self._pixels: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.offsets)

    def __getstate__(self) -> dict[str, Any]:  # a worker process maps the file itself
        state = dict(self.__dict__)
        state["_pixels"] = None
        return state

    @property
    def pixels(self) -> np.ndarray:
        if self._pixels is None:
            self._pixels = np.memmap(self.path, dtype=np.uint8, mode="r", offset=_DATA_START,
                                     shape=(self._pixels_len,))
        return self._pixels

    def image(self, i: int) -> np.ndarray:
        """Image ``i`` as an HWC uint8 array (a read-only view of the mapped file)."""
        h, w, o = int(self.heights[i]), int(self.widths[i]), int(self.offsets[i])
        return self.pixels[o:o + h * w * 3].reshape(h, w, 3)

    def check_matches(self, manifest: Manifest, manifest_sha256: str | None = None) -> None:
        """Refuse a cache made from another manifest (or another version of it), naming both files."""
        what = None
        if len(self) != len(manifest.paths):
            what = f"{len(self)} images, the manifest {len(manifest.paths)}"
        elif self.meta.get("paths_sha256") != _paths_digest(manifest.paths):
            what = "other image paths"
        elif not np.array_equal(self.labels, np.asarray(manifest.labels, dtype=np.int64)):
            what = "other labels"
        elif manifest_sha256 and self.meta.get("manifest_sha256") not in (None, manifest_sha256):
            what = "another version of the manifest"
        if what:
            raise WiringupError(f"{self.path}: image cache does not match its manifest ({what}); "
                                f"{rebuild_advice(self.path)}")


_LOG_RATIO_CACHE: dict[tuple[float, float], torch.Tensor] = {}


def random_resized_crop_params(height: int, width: int, generator: torch.Generator,
                               scale: Sequence[float] = _RRC_SCALE,
                               ratio: Sequence[float] = _RRC_RATIO) -> tuple[int, int, int, int]:
    """``(top, left, h, w)`` of a random crop: ``torchvision.transforms.RandomResizedCrop.get_params`` with the
    same draws in the same order, from ``generator`` instead of the global RNG (a test checks they agree)."""
    area = height * width
    key = (float(ratio[0]), float(ratio[1]))
    log_ratio = _LOG_RATIO_CACHE.get(key)
    if log_ratio is None:
        log_ratio = _LOG_RATIO_CACHE.setdefault(key, torch.log(torch.tensor(ratio)))
    for _ in range(10):
        target_area = area * torch.empty(1).uniform_(scale[0], scale[1], generator=generator).item()
        aspect_ratio = torch.exp(torch.empty(1).uniform_(log_ratio[0], log_ratio[1], generator=generator)).item()
        w = int(round(math.sqrt(target_area * aspect_ratio)))
        h = int(round(math.sqrt(target_area / aspect_ratio)))
        if 0 < w <= width and 0 < h <= height:
            i = torch.randint(0, height - h + 1, size=(1,), generator=generator).item()
            j = torch.randint(0, width - w + 1, size=(1,), generator=generator).item()
            return int(i), int(j), h, w
    in_ratio = float(width) / float(height)
    if in_ratio < min(ratio):
        w = width
        h = int(round(w / min(ratio)))
    elif in_ratio > max(ratio):
        h = height
        w = int(round(h * max(ratio)))
    else:
        w, h = width, height
    return (height - h) // 2, (width - w) // 2, h, w


class CachedManifestDataset(_EpochDataset):
    """The items of ``ManifestDataset(root, manifest, train_transform(input_size), seed)``, from an image cache.

    Same interface (``epoch``, ``labels``, ``classes``, ``len``); see the module docstring for how its tensors
    relate to the uncached path (same crops and flips, resampling rounded by torch instead of PIL).
    """

    def __init__(self, cache: str | os.PathLike | ImageCache, manifest: Manifest, input_size: int, seed: int = 0,
                 manifest_sha256: str | None = None):
        self.cache = cache if isinstance(cache, ImageCache) else ImageCache(cache)
        self.cache.check_matches(manifest, manifest_sha256)
        self.paths = list(manifest.paths)
        self.labels = np.asarray(manifest.labels, dtype=np.int64)
        self.classes = list(manifest.classes)
        self.input_size = _check_size(input_size)
        self.seed = _check_nonneg("seed", seed)
        self._epoch = 0
        self._mean = torch.as_tensor(IMAGENET_MEAN, dtype=torch.float32).view(-1, 1, 1)
        self._std = torch.as_tensor(IMAGENET_STD, dtype=torch.float32).view(-1, 1, 1)

    def augment_uint8(self, i: int) -> torch.Tensor:
        """Item ``i`` of the current epoch after crop, resize and flip: a 3 x S x S uint8 tensor."""
        from torchvision.transforms.v2 import functional as F2

        g = torch.Generator().manual_seed(item_seed(self.seed, self._epoch, i))
        img = torch.from_numpy(np.array(self.cache.image(i))).permute(2, 0, 1)
        top, left, h, w = random_resized_crop_params(img.shape[1], img.shape[2], g)
        s = self.input_size
        x = F2.resized_crop(img, top, left, h, w, [s, s], interpolation=F2.InterpolationMode.BILINEAR,
                            antialias=True)
        if torch.rand(1, generator=g) < 0.5:  # RandomHorizontalFlip's draw, after the crop's
            x = x.flip(-1)
        return x

    def __getitem__(self, i: int):
        i = self._index(i)
        x = self.augment_uint8(i).contiguous()
        # ToTensor + Normalize, with the same operations (so equal uint8 pixels give equal tensors)
        x = x.to(dtype=torch.float32).div(255).sub_(self._mean).div_(self._std)
        return x, int(self.labels[i])
