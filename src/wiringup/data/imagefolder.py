"""ImageNet-layout data roots: the classes and images of a split, and a check that every image decodes.

The data root is a folder in ImageNet's own layout (the layout torchvision's ``ImageFolder`` reads)::

    <imagenet.root>/train/<synset>/<file>.JPEG
    <imagenet.root>/val/<synset>/<file>.JPEG

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

import hashlib
import io
import os
import warnings
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np
from PIL import Image, ImageFile

from wiringup.core.io import WiringupError

__all__ = [
    "IMAGE_EXTENSIONS",
    "ImageIndex",
    "check_root",
    "list_classes",
    "scan_split",
    "open_image",
    "file_sha256",
    "scan_images",
    "verify_images",
]

IMAGE_EXTENSIONS = frozenset({".jpeg", ".jpg", ".png"})
_MAX_LISTED = 20
_MIN_PARALLEL = 512  # below this, starting worker processes costs more than it saves
#: PIL warnings about metadata the pixels do not depend on (EXIF, MPO, XMP, TIFF tag counts): kept as warnings,
#: since ImageNet JPEGs with damaged EXIF blocks decode correctly. Every other PIL warning while decoding (e.g.
#: "Invalid APNG", a truncated TIFF read) refuses the image.
_METADATA_WARNINGS = r"(?i).*(exif|mpo|xmp|metadata)"


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


def check_root(root: Path) -> None:
    """Refuse an ImageNet root that is not a folder, naming the config key to set."""
    if not root.is_dir():
        raise WiringupError(
            f"ImageNet root {root} {'is a file, not a folder' if root.exists() else 'does not exist'}; set "
            f"`imagenet.root` in the config (absolute or relative to `data_root`) to an ImageNet-layout folder "
            f"(holding train/<synset>/*.JPEG and val/<synset>/*.JPEG)"
        )


def list_classes(root: str | os.PathLike, split: str = "train") -> list[str]:
    """Sorted class (synset) folder names of ``root/split``, checking the layout.

    Raises :class:`WiringupError` when the root or the split folder is missing, when image files lie
    directly in the split folder (e.g. ImageNet's flat val folder), or when there are no class folders.
    This only lists folders; :func:`scan_split` also lists the images.
    """
    root = Path(root)
    check_root(root)
    split_dir = root / split
    if not split_dir.is_dir():
        raise WiringupError(
            f"{split_dir} does not exist: the data root must hold a `{split}/` folder of class (synset) "
            f"subfolders in ImageNet layout ({split}/<synset>/<image>.JPEG); check `imagenet.root` in the config"
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


def _hash_mismatch(path: Path, actual: str, expected: str, manifest: str | os.PathLike | None) -> WiringupError:
    where = f"the manifest {manifest}" if manifest else "its manifest"
    return WiringupError(
        f"image {path} changed since {where} was written (content sha256 {actual[:16]}..., the manifest recorded "
        f"{expected[:16]}...); restore the original file (e.g. re-extract the data set). If the change is intended, "
        "delete the manifest and rerun the same command: it is rebuilt, and every model trained on it retrained")


def open_image(path: str | os.PathLike, sha256: str | bytes | None = None,
               manifest: str | os.PathLike | None = None) -> Image.Image:
    """Open an image and decode it fully, in its stored mode; any failure is a :class:`WiringupError`.

    Truncated files are refused (``ImageFile.LOAD_TRUNCATED_IMAGES`` is set to False: this project
    never trains on silently grey-padded images), and so is every warning PIL raises while decoding (e.g. an
    invalid APNG, a truncated TIFF read; not the decompression-bomb size warning, nor warnings about metadata such
    as a damaged EXIF block: :data:`_METADATA_WARNINGS`). The format is taken
    from the content, not the name. ``sha256`` (the hex digest a manifest recorded, ``manifest`` naming it)
    refuses a file whose content changed since: the bytes are hashed as they are read, then decoded from memory.
    libjpeg's own corrupt-data warnings never reach Python (Pillow silences them): a JPEG with bytes overwritten
    mid-file decodes, which only the content hash catches.
    """
    path = Path(path)
    data = _read(path)
    if sha256 is not None:
        expected = sha256.decode() if isinstance(sha256, bytes) else str(sha256)
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected:
            raise _hash_mismatch(path, actual, expected, manifest)
    return _decode(path, data)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise WiringupError(f"image {path} not found; the data changed since the manifest was made — restore it, or "
                            "delete the manifest and rerun the same command") from None
    except OSError as exc:
        raise WiringupError(f"image {path} could not be read ({exc}); replace or remove it") from None


def _decode(path: Path, data: bytes) -> Image.Image:
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a decoder's warning about the data is an error here
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # size only (errors above 2x the limit)
            warnings.filterwarnings("ignore", message=_METADATA_WARNINGS)  # metadata the pixels do not use
            with Image.open(io.BytesIO(data)) as im:
                im.load()  # decodes every byte
        return im
    except Image.UnidentifiedImageError:
        raise WiringupError(f"image {path} is not a readable image (unknown or corrupt format); replace or remove it") from None
    except Exception as exc:  # PIL raises OSError, SyntaxError, ValueError, struct.error, warnings... on bad data
        raise WiringupError(
            f"image {path} is corrupt or truncated ({type(exc).__name__}: {exc}); replace or remove it"
        ) from None


def file_sha256(path: str | os.PathLike) -> str:
    """The sha256 hex digest of a file's content (what a manifest records per image)."""
    return hashlib.sha256(_read(Path(path))).hexdigest()


def _probe(path: Path) -> tuple[str | None, str | None, str | None]:
    """(mode, sha256, None) for a good image, (None, None, reason) for a bad one; the file is read once."""
    try:
        data = _read(path)
        im = _decode(path, data)
    except WiringupError as exc:
        return None, None, str(exc)
    return im.mode, hashlib.sha256(data).hexdigest(), None


def _hash_only(path: Path) -> tuple[str | None, str | None, str | None]:
    try:
        return "", file_sha256(path), None
    except WiringupError as exc:
        return None, None, str(exc)


def _bar(items: Iterable[Any], n: int, progress: bool, decode: bool) -> Iterable[Any]:
    if not progress:
        return items
    from tqdm import tqdm

    return tqdm(items, total=n, unit="img", mininterval=5, ascii=True,
                desc="verify (hash + decode)" if decode else "hash")


def scan_images(root: str | os.PathLike, paths: Iterable[str], decode: bool = True,
                max_workers: int = 2, progress: bool = False) -> tuple[dict[str, int] | None, list[str]]:
    """Hash (and with ``decode``, fully decode) every image ``root/p``; return (how many images have each PIL mode,
    or None without ``decode``; the sha256 hex digest of each file, in order).

    ``max_workers`` worker processes share the work (for 512 images or more; fewer run in-process). ``progress``:
    a progress bar on stderr (the job's log), updated at most every 5 s.

    E.g. ``{"L": 242, "RGB": 9227}``: everything but ``RGB`` is converted on loading (see
    :func:`wiringup.data.images.load_rgb`), so the counts say how many images were converted. All
    failures are collected first; then one :class:`WiringupError` lists them (the first 20 and a count).
    """
    root = Path(root)
    full = [root / p for p in paths]
    work = _probe if decode else _hash_only
    if max_workers > 1 and len(full) >= _MIN_PARALLEL:
        # Processes, not threads: for small ImageNet-sized files the per-image Python overhead holds
        # the GIL long enough that threads are slower than one process (measured on imagenette80).
        chunk = max(1, min(256, len(full) // (4 * max_workers)))
        with ProcessPoolExecutor(max_workers=max_workers) as pool:
            results = list(_bar(pool.map(work, full, chunksize=chunk), len(full), progress, decode))
    else:
        results = [work(p) for p in _bar(full, len(full), progress, decode)]
    modes: Counter[str] = Counter()
    failures: list[str] = []
    hashes: list[str] = []
    for mode, digest, reason in results:
        if mode is None:
            failures.append(reason or "unreadable")
        else:
            modes[mode] += 1
            hashes.append(digest or "")
    if failures:
        listed = "\n  ".join(failures[:_MAX_LISTED])
        more = f"\n  ... and {len(failures) - _MAX_LISTED} more" if len(failures) > _MAX_LISTED else ""
        raise WiringupError(
            f"{len(failures)} of {len(full)} images under {root} could not be read:\n  {listed}{more}\n"
            f"Replace or remove these files (e.g. re-extract the dataset), then rerun."
        )
    return (dict(sorted(modes.items())) if decode else None), hashes


def verify_images(root: str | os.PathLike, paths: Iterable[str], max_workers: int = 2) -> dict[str, int]:
    """Decode every image ``root/p`` fully; return how many images have each PIL mode (:func:`scan_images`)."""
    modes, _ = scan_images(root, paths, decode=True, max_workers=max_workers)
    return modes or {}
