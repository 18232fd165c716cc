"""ImageNet-layout data roots: the classes and images of a split, and a check that every image decodes.

The data root is a folder in ImageNet's own layout (the layout torchvision's ``ImageFolder`` reads)::

    <data.root>/train/<synset>/<file>.JPEG
    <data.root>/val/<synset>/<file>.JPEG

Labels are the index of the synset in the **sorted list of train class folders**, exactly as
``ImageFolder`` assigns them; the validation split is labelled with the train classes, so a val
class folder that train lacks is an error. Image files are recognised by extension (``.jpeg``,
``.jpg``, ``.png``, any case); hidden files (``.DS_Store``, ``._x.JPEG``) and other files are
ignored. Whether a file really is a JPEG does not matter (ImageNet has a PNG and CMYK JPEGs under
``.JPEG`` names); :func:`verify_images` decodes every chosen file and reports what it found.

:func:`scan_split` lists a split as an :class:`ImageIndex`, from which :mod:`wiringup.data.manifests` draws
subsets and writes manifest files.
"""
from __future__ import annotations

import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np
from PIL import Image, ImageFile

from wiringup.core.io import WiringupError

__all__ = [
    "IMAGE_EXTENSIONS",
    "ImageIndex",
    "list_classes",
    "scan_split",
    "open_image",
    "verify_images",
]

IMAGE_EXTENSIONS = frozenset({".jpeg", ".jpg", ".png"})
_MAX_LISTED = 20
_MIN_PARALLEL = 512  # below this, starting worker processes costs more than it saves


@dataclass
class ImageIndex:
    """All images of one split: ``paths[k]`` (relative to the data root) has label ``labels[k]``.

    ``classes`` holds the synsets in label order; ``paths`` are sorted by (label, path).
    """

    classes: list[str]
    paths: list[str]
    labels: np.ndarray = field(repr=False)

    def __len__(self) -> int:
        return len(self.paths)


# --------------------------------------------------------------------------------------------
# scanning


def _is_image_name(name: str) -> bool:
    return not name.startswith(".") and os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS


def _check_root(root: Path) -> None:
    if not root.is_dir():
        raise WiringupError(
            f"data root {root} does not exist; set `data.root` in the config to an ImageNet-layout folder "
            f"(holding train/<synset>/*.JPEG and val/<synset>/*.JPEG)"
        )


def list_classes(root: str | os.PathLike, split: str = "train") -> list[str]:
    """Sorted class (synset) folder names of ``root/split``, checking the layout.

    Raises :class:`WiringupError` when the root or the split folder is missing, when image files lie
    directly in the split folder (e.g. ImageNet's flat val folder), or when there are no class folders.
    This only lists folders; :func:`scan_split` also lists the images.
    """
    root = Path(root)
    _check_root(root)
    split_dir = root / split
    if not split_dir.is_dir():
        raise WiringupError(
            f"{split_dir} does not exist: the data root must hold a `{split}/` folder of class (synset) "
            f"subfolders in ImageNet layout ({split}/<synset>/<image>.JPEG); check `data.root` in the config"
        )
    dirs: list[str] = []
    flat: list[str] = []
    with os.scandir(split_dir) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir():
                dirs.append(entry.name)
            elif _is_image_name(entry.name):
                flat.append(entry.name)
    if flat:
        flat.sort()
        raise WiringupError(
            f"{split_dir} holds {len(flat)} image file(s) directly (e.g. {flat[0]}) instead of in class folders; "
            f"arrange {split} into synset folders ({split}/<synset>/<image>.JPEG) — for ImageNet's flat val "
            f"folder, move each image into the folder of its synset using the devkit's validation labels"
        )
    if not dirs:
        raise WiringupError(
            f"{split_dir} has no class folders; expected ImageNet layout {split}/<synset>/<image>.JPEG"
        )
    return sorted(dirs)


def _list_images(class_dir: Path) -> list[str]:
    """Image files under ``class_dir`` (recursively, like ImageFolder), relative, '/'-separated, sorted."""
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(class_dir, followlinks=True):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        rel = os.path.relpath(dirpath, class_dir)
        for name in filenames:
            if _is_image_name(name):
                found.append(name if rel == "." else f"{Path(rel).as_posix()}/{name}")
    return sorted(found)


def scan_split(root: str | os.PathLike, split: str, classes: list[str] | None = None) -> ImageIndex:
    """Index every image of ``root/split``.

    ``classes`` fixes the label order; pass the train classes (``scan_split(root, "train").classes``
    or :func:`list_classes`) when scanning any split other than train, so that val labels match
    train labels. Without it the split's own sorted class folders are used (ImageFolder semantics).
    A class folder not in ``classes`` is an error, as is a class folder without images.
    """
    root = Path(root)
    folders = list_classes(root, split)
    if classes is None:
        classes = folders
    else:
        classes = [str(c) for c in classes]
        if not classes:
            raise WiringupError(f"scan_split({root / split}): the list of classes is empty")
        dup = sorted(c for c, k in Counter(classes).items() if k > 1)
        if dup:
            raise WiringupError(f"scan_split({root / split}): class list names {dup[0]} more than once")
        known = set(classes)
        unknown = [f for f in folders if f not in known]
        if unknown:
            raise WiringupError(
                f"{root / split / unknown[0]} is a class folder with no matching class folder in train/ "
                f"({len(unknown)} such folder(s): {', '.join(unknown[:5])}); {split} must use the train classes — "
                f"remove the folder or add the class to train/"
            )
    label_of = {c: k for k, c in enumerate(classes)}
    paths: list[str] = []
    labels: list[int] = []
    for folder in sorted(folders, key=label_of.__getitem__):
        names = _list_images(root / split / folder)
        if not names:
            raise WiringupError(
                f"{root / split / folder} is an empty class folder (no .JPEG/.jpg/.png files); "
                f"remove it or put its images back"
            )
        paths.extend(f"{split}/{folder}/{name}" for name in names)
        labels.extend([label_of[folder]] * len(names))
    return ImageIndex(classes=list(classes), paths=paths, labels=np.asarray(labels, dtype=np.int64))


# --------------------------------------------------------------------------------------------
# image checks


def open_image(path: str | os.PathLike) -> Image.Image:
    """Open an image and decode it fully, in its stored mode; any failure is a :class:`WiringupError`.

    Truncated files are refused (``ImageFile.LOAD_TRUNCATED_IMAGES`` is set to False: this project
    never trains on silently grey-padded images). The format is taken from the content, not the name.
    """
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    path = Path(path)
    try:
        with Image.open(path) as im:
            im.load()  # decodes every byte; the pixels stay usable after the file is closed
        return im
    except FileNotFoundError:
        raise WiringupError(f"image {path} not found; the data changed since the manifest was made — rerun it") from None
    except Image.UnidentifiedImageError:
        raise WiringupError(f"image {path} is not a readable image (unknown or corrupt format); replace or remove it") from None
    except Exception as exc:  # PIL raises OSError, SyntaxError, ValueError, struct.error... on bad data
        raise WiringupError(
            f"image {path} is corrupt or truncated ({type(exc).__name__}: {exc}); replace or remove it"
        ) from None


def _probe(path: Path) -> tuple[str | None, str | None]:
    """(mode, None) for a good image, (None, reason) for a bad one."""
    try:
        im = open_image(path)
    except WiringupError as exc:
        return None, str(exc)
    return im.mode, None


def verify_images(root: str | os.PathLike, paths: Iterable[str], max_workers: int = 2) -> dict[str, int]:
    """Decode every image ``root/p`` fully; return how many images have each PIL mode.

    ``max_workers`` worker processes share the work (for 512 images or more; fewer run in-process).

    E.g. ``{"L": 242, "RGB": 9227}``: everything but ``RGB`` is converted on loading (see
    :func:`wiringup.data.images.load_rgb`), so the counts say how many images were converted. All
    failures are collected first; then one :class:`WiringupError` lists them (the first 20 and a count).
    """
    root = Path(root)
    paths = list(paths)
    full = [root / p for p in paths]
    if max_workers > 1 and len(full) >= _MIN_PARALLEL:
        # Processes, not threads: for small ImageNet-sized files the per-image Python overhead holds
        # the GIL long enough that threads are slower than one process (measured on imagenette80).
        chunk = max(1, min(256, len(full) // (4 * max_workers)))
        with ProcessPoolExecutor(max_workers=max_workers) as pool:
            results = list(pool.map(_probe, full, chunksize=chunk))
    else:
        results = [_probe(p) for p in full]
    modes: Counter[str] = Counter()
    failures: list[str] = []
    for mode, reason in results:
        if mode is None:
            failures.append(reason or "unreadable")
        else:
            modes[mode] += 1
    if failures:
        listed = "\n  ".join(failures[:_MAX_LISTED])
        more = f"\n  ... and {len(failures) - _MAX_LISTED} more" if len(failures) > _MAX_LISTED else ""
        raise WiringupError(
            f"{len(failures)} of {len(full)} images under {root} could not be read:\n  {listed}{more}\n"
            f"Replace or remove these files (e.g. re-extract the dataset), then rerun."
        )
    return dict(sorted(modes.items()))
