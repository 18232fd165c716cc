"""ImageNet subset manifests: which training (or validation) images a run uses.

The data root is a folder in ImageNet's own layout (``<imagenet.root>/<split>/<synset>/<file>.JPEG``); how it is
read, labelled and checked is in :mod:`wiringup.data.imagefolder`. Labels are the index of the synset in the
sorted list of train class folders, as torchvision's ``ImageFolder`` assigns them.

Subsets
-------
:func:`subset_indices` draws ``n`` images **uniformly at random over all images of the split, not
per class**, as the authors did (their ``DataSubSet`` shuffles a 0/1 mask over all 1,281,167
training images). With ``n`` smaller than the number of classes some classes are absent; that is
allowed, and the manifest records ``n_classes_present``.

One deliberate difference from the authors: the subset of size ``n`` is the first ``n`` entries of
one seeded permutation (``np.random.default_rng(seed).permutation(n_available)``), so for one seed
the subsets **nest**: the 100-image subset is contained in the 1,000-image subset, which is contained
in the 10,000-image subset. Points of an image-count grid then differ only in *how many* images they
train on, not *which*, which removes the between-point variance of independent draws. The authors
drew an independent mask per run (seeded implicitly by ``--seed`` plus whatever the initialisation
had consumed); different seeds here still give different, independent subsets.

Manifest file format (version 2)
--------------------------------
UTF-8 text, ``\\n`` line ends. A commented header of ``# key: value`` lines, then a tab-separated
table with a header row::

    # wiringup-manifest: 2
    # split: train
    # seed: 0
    # n_requested: 100
    # n_available: 9469
    # n_classes: 10
    # n_classes_present: 10
    # classes: n01440764,n02102040,...
    path	label	sha256
    train/n01440764/n01440764_10026.JPEG	0	9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08

* ``wiringup-manifest`` (first line, required): format version, an integer (currently 2; version 1, the same
  without the ``sha256`` column, is still read).
* ``split``: the split folder the images come from.
* ``seed``: the seed of the subset permutation.
* ``n_requested``: an integer, or ``all``; the table has exactly that many rows (``n_available``
  for ``all``).
* ``n_available``: how many images the split holds.
* ``n_classes``: the number of classes (length of ``classes``); labels lie in ``[0, n_classes)``.
* ``n_classes_present``: how many distinct labels the rows use.
* ``classes``: comma-separated synsets in label order (the sorted train class folders).

``sha256`` is the hex digest of the image file's bytes when the manifest was made (the manifest job reads every
image once anyway). Every reader of the images (:class:`wiringup.data.images.ManifestDataset` for training and
top-1, :func:`wiringup.data.images.build_image_cache`) hashes the bytes it reads and refuses a file whose content
changed since, naming the file and the manifest: a JPEG with bytes overwritten mid-file still decodes (libjpeg's
corrupt-data warnings never reach Python), so only the hash catches it.

Rows are in **subset order** (the permutation order), so nesting is visible in the files: the first
100 rows of the ``n=500`` manifest equal the ``n=100`` manifest of the same seed. Paths are relative
to the data root and use ``/``, so a manifest stays valid for a moved copy of the data. A path's
first two components are the split and the synset of its label. No path appears twice. The same
arguments always produce a byte-identical file.
"""
from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from wiringup.core.io import WiringupError, atomic_path, rebuild_advice
from wiringup.data.imagefolder import ImageIndex, list_classes, scan_split, scan_images

__all__ = [
    "MANIFEST_VERSION",
    "Manifest",
    "subset_indices",
    "write_manifest",
    "read_manifest",
    "make_manifest",
]

MANIFEST_VERSION = 2
_READABLE_VERSIONS = (1, 2)  # version 1: no sha256 column (images not checked against the manifest)
_MAGIC = "wiringup-manifest"


@dataclass
class Manifest:
    """A manifest file read back by :func:`read_manifest`.

    ``meta`` holds the header fields with typed values (``version``, ``split``, ``seed``,
    ``n_requested`` (int or ``"all"``), ``n_available``, ``n_classes``, ``n_classes_present``,
    ``classes``); ``paths``/``labels`` are the rows in subset order; ``sha256`` the images' content digests (hex,
    as bytes; None for a version-1 file) and ``path`` the file it was read from.
    """

    meta: dict[str, Any]
    classes: list[str]
    paths: list[str]
    labels: np.ndarray = field(repr=False)
    sha256: np.ndarray | None = field(default=None, repr=False)
    path: str | None = None

    def __len__(self) -> int:
        return len(self.paths)


# --------------------------------------------------------------------------------------------
# subsets


def _parse_n(n: Any) -> int | str:
    """``"all"`` or a positive Python int (digit strings, e.g. Snakemake wildcards, are accepted)."""
    if isinstance(n, str):
        s = n.strip()
        if s.lower() == "all":
            return "all"
        if s.isdigit():
            return int(s)
        raise WiringupError(f"image count {n!r} is neither an integer nor 'all'; set it to e.g. 1000 or 'all'")
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
        raise WiringupError(
            f"image count {n!r} ({type(n).__name__}) is neither an integer nor 'all'; set it to e.g. 1000 or 'all'"
        )
    return int(n)


def _check_seed(seed: Any) -> int:
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise WiringupError(f"seed {seed!r} must be a non-negative integer")
    return int(seed)


def subset_indices(n_available: int, n: int | str, seed: int, where: str | None = None) -> np.ndarray:
    """Indices (int64) of an ``n``-image subset of ``n_available`` images, uniform over all images.

    The result is the first ``n`` entries of ``np.random.default_rng(seed).permutation(n_available)``,
    so for one seed smaller subsets are prefixes of larger ones (see the module docstring for why).
    ``n="all"`` gives the whole permutation (the same as ``n=n_available``). ``where`` (e.g. the split
    folder) is named in error messages.
    """
    n = _parse_n(n)
    seed = _check_seed(seed)
    n_available = int(n_available)
    place = f" in {where}" if where else ""
    if n_available < 1:
        raise WiringupError(f"no images are available{place}")
    if n == "all":
        n = n_available
    if n < 1:
        raise WiringupError(f"image count {n} must be at least 1; set the image count to a positive integer or 'all'")
    if n > n_available:
        raise WiringupError(
            f"requested {n} images but only {n_available} are available{place}; "
            f"lower the image count to at most {n_available} (or use 'all')"
        )
    return np.random.default_rng(seed).permutation(n_available)[:n].astype(np.int64)


# --------------------------------------------------------------------------------------------
# manifest files


def write_manifest(
    path: str | os.PathLike,
    index: ImageIndex,
    indices: Sequence[int] | np.ndarray,
    split: str,
    seed: int,
    n_requested: int | str,
    sha256: Sequence[str] | None = None,
) -> None:
    """Write the rows ``index[indices]`` (in that order) as a manifest file, atomically; ``sha256`` are the
    images' content digests in the same order (None: a version-1 file, without them)."""
    path = Path(path)
    n_req = _parse_n(n_requested)
    seed = _check_seed(seed)
    idx = np.asarray(indices)
    if idx.ndim != 1 or (idx.size and not np.issubdtype(idx.dtype, np.integer)):
        raise WiringupError(f"{path}: subset indices must be a 1-D integer array")
    idx = idx.astype(np.int64)
    n_available = len(index)
    expected = n_available if n_req == "all" else n_req
    if len(idx) != expected:
        raise WiringupError(f"{path}: {len(idx)} subset indices given but n_requested is {n_requested}")
    if len(idx) == 0 or idx.min() < 0 or idx.max() >= n_available:
        raise WiringupError(f"{path}: subset indices must lie in [0, {n_available})")
    if len(np.unique(idx)) != len(idx):
        raise WiringupError(f"{path}: subset indices contain duplicates")
    for c in index.classes:
        if not c or any(ch in c for ch in ",\t\n\r"):
            raise WiringupError(f"{path}: class name {c!r} cannot be stored (empty, or holds a comma/tab/newline)")
    labels = index.labels[idx]
    if sha256 is not None and len(sha256) != len(idx):
        raise WiringupError(f"{path}: {len(sha256)} image digests given for {len(idx)} rows")
    lines = [
        f"# {_MAGIC}: {MANIFEST_VERSION if sha256 is not None else 1}",
        f"# split: {split}",
        f"# seed: {seed}",
        f"# n_requested: {n_req}",
        f"# n_available: {n_available}",
        f"# n_classes: {len(index.classes)}",
        f"# n_classes_present: {len(np.unique(labels))}",
        f"# classes: {','.join(index.classes)}",
        "path\tlabel" + ("\tsha256" if sha256 is not None else ""),
    ]
    for row, (k, lab) in enumerate(zip(idx.tolist(), labels.tolist())):
        p = index.paths[k]
        if any(ch in p for ch in "\t\n\r"):
            raise WiringupError(f"{path}: image path {p!r} holds a tab or newline; rename that file")
        lines.append(f"{p}\t{lab}" + (f"\t{sha256[row]}" if sha256 is not None else ""))
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.write("\n".join(lines) + "\n")


_INT_KEYS = ("seed", "n_available", "n_classes", "n_classes_present")
_REQUIRED = ("split", "seed", "n_requested", "n_available", "n_classes", "n_classes_present", "classes")


def read_manifest(path: str | os.PathLike) -> Manifest:
    """Read and validate a manifest written by :func:`write_manifest`.

    Refuses (:class:`WiringupError` naming the file) a missing header or wrong version, missing or
    malformed header fields, malformed rows, duplicate paths, labels out of range, a path whose class
    folder does not match its label, and a row count different from the header.
    """
    path = Path(path)
    fix = rebuild_advice(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WiringupError(f"manifest {path} not found; run the manifest rule first") from None
    except UnicodeDecodeError:
        raise WiringupError(f"manifest {path} is not UTF-8 text; {fix}") from None

    def bad(msg: str) -> WiringupError:
        return WiringupError(f"manifest {path}: {msg}; {fix}")

    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    first = lines[0] if lines else ""
    if not first.startswith(f"# {_MAGIC}:"):
        raise bad(f"not a wiringup manifest (the first line must be '# {_MAGIC}: {MANIFEST_VERSION}')")
    raw: dict[str, str] = {}
    pos = 0
    while pos < len(lines) and lines[pos].startswith("#"):
        body = lines[pos][1:].strip()
        key, sep, value = body.partition(":")
        if not sep:
            raise bad(f"header line {pos + 1} {lines[pos]!r} is not '# key: value'")
        raw[key.strip()] = value.strip()
        pos += 1
    try:
        version = int(raw[_MAGIC])
    except ValueError:
        raise bad(f"format version {raw[_MAGIC]!r} is not an integer") from None
    if version not in _READABLE_VERSIONS:
        raise bad(f"format version {version} is not supported (this code reads versions {list(_READABLE_VERSIONS)})")
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise bad(f"header lacks {', '.join(missing)}")
    meta: dict[str, Any] = {"version": version}
    for key, value in raw.items():
        if key == _MAGIC:
            continue
        if key in _INT_KEYS:
            try:
                meta[key] = int(value)
            except ValueError:
                raise bad(f"header field {key} = {value!r} is not an integer") from None
        elif key == "n_requested":
            if value == "all":
                meta[key] = "all"
            else:
                try:
                    meta[key] = int(value)
                except ValueError:
                    raise bad(f"header field n_requested = {value!r} is not an integer or 'all'") from None
        elif key == "classes":
            meta[key] = value.split(",") if value else []
        else:
            meta[key] = value
    classes: list[str] = meta["classes"]
    if meta["n_classes"] != len(classes):
        raise bad(f"header says n_classes {meta['n_classes']} but lists {len(classes)} classes")
    if len(set(classes)) != len(classes):
        raise bad("header lists a class twice")
    columns = "path\tlabel" + ("\tsha256" if version >= 2 else "")
    shown = columns.replace("\t", "<TAB>")
    if pos >= len(lines) or lines[pos] != columns:
        raise bad(f"the table header row '{shown}' is missing after the comment header")
    rows = lines[pos + 1 :]
    expected = meta["n_available"] if meta["n_requested"] == "all" else meta["n_requested"]
    if len(rows) != expected:
        raise bad(f"has {len(rows)} rows but the header says {expected} (n_requested {meta['n_requested']})")
    if expected > meta["n_available"]:
        raise bad(f"n_requested {expected} exceeds n_available {meta['n_available']}")
    paths: list[str] = []
    digests: list[str] = []
    labels = np.empty(len(rows), dtype=np.int64)
    split = meta["split"]
    n_cols = columns.count("\t") + 1
    for k, row in enumerate(rows):
        line_no = pos + 2 + k
        parts = row.split("\t")
        if len(parts) != n_cols:
            raise bad(f"line {line_no} {row!r} is not '{shown}'")
        p, lab_text = parts[:2]
        if n_cols == 3:
            if len(parts[2]) != 64 or any(ch not in "0123456789abcdef" for ch in parts[2]):
                raise bad(f"line {line_no}: sha256 {parts[2]!r} is not a 64-digit hex digest")
            digests.append(parts[2])
        try:
            lab = int(lab_text)
        except ValueError:
            raise bad(f"line {line_no}: label {lab_text!r} is not an integer") from None
        if not 0 <= lab < len(classes):
            raise bad(f"line {line_no}: label {lab} is out of range [0, {len(classes)})")
        comps = p.split("/")
        if len(comps) < 3 or p.startswith("/") or ".." in comps or comps[0] != split or comps[1] != classes[lab]:
            raise bad(
                f"line {line_no}: path {p!r} is not '{split}/{classes[lab]}/<file>' "
                f"(relative to the data root, in the folder of its label {lab})"
            )
        paths.append(p)
        labels[k] = lab
    if len(set(paths)) != len(paths):
        dup = next(p for p, c in Counter(paths).items() if c > 1)
        raise bad(f"path {dup} appears more than once (duplicate rows)")
    present = len(np.unique(labels))
    if present != meta["n_classes_present"]:
        raise bad(f"header says n_classes_present {meta['n_classes_present']} but the rows use {present} classes")
    return Manifest(meta=meta, classes=list(classes), paths=paths, labels=labels,
                    sha256=np.array(digests, dtype="S64") if n_cols == 3 else None, path=str(path))


# --------------------------------------------------------------------------------------------
# convenience for the workflow


def make_manifest(
    root: str | os.PathLike,
    split: str,
    n: int | str,
    seed: int,
    out_path: str | os.PathLike,
    verify: bool = True,
    progress: bool = False,
) -> dict[str, Any]:
    """Scan ``root/split``, draw the ``n``-image subset for ``seed``, hash (and with ``verify``, decode) every
    image of it, write ``out_path`` with the images' sha256 (``progress``: a progress bar on stderr).

    Splits other than ``train`` are labelled with the train classes. Returns a summary for the
    provenance record: split, seed, n_requested, n_images, n_available, n_classes, n_classes_present,
    class_counts (synset -> images in the subset), modes (PIL mode -> count, or None without
    ``verify``), n_converted (images not stored as RGB), root and manifest paths.
    """
    root = Path(root)
    classes = list_classes(root, "train") if split != "train" else None
    index = scan_split(root, split, classes)
    idx = subset_indices(len(index), n, seed, where=str(root / split))
    chosen = [index.paths[k] for k in idx.tolist()]
    modes, digests = scan_images(root, chosen, decode=verify, progress=progress)
    write_manifest(out_path, index, idx, split, seed, n, sha256=digests)
    labels = index.labels[idx]
    counts = np.bincount(labels, minlength=len(index.classes))
    return {
        "split": split,
        "seed": int(seed),
        "n_requested": _parse_n(n),
        "n_images": int(len(idx)),
        "n_available": int(len(index)),
        "n_classes": len(index.classes),
        "n_classes_present": int((counts > 0).sum()),
        "class_counts": {c: int(k) for c, k in zip(index.classes, counts.tolist())},
        "verified": bool(verify),
        "modes": modes,
        "n_converted": None if modes is None else int(sum(v for m, v in modes.items() if m != "RGB")),
        "root": str(root),
        "manifest": str(out_path),
    }
