"""The in-memory format of an RSA benchmark (:class:`RSAData`) and its packaging (one self-contained netCDF4 file).

An RSA benchmark is a set of brain similarity or dissimilarity matrices over a set of images (one per subject,
or a single one), not responses per neuroid, so it does not fit
:class:`~wiringup.scoring.benchmarks.neural_data.NeuralData`. The families ``coggan2024_fmri``
(:mod:`~wiringup.scoring.benchmarks.coggan2024`) and ``kiani2007_rsa92``
(:mod:`~wiringup.scoring.benchmarks.kiani2007`) load into it; :mod:`wiringup.scoring.rsa_scoring` scores it by
the scheme the benchmark carries (``model_matrix``, ``comparison``, ``entries``, ``ceiling_scheme``,
``ceiling_transform``; the metric and ceiling are :mod:`wiringup.scoring.rsa`).

Packaged RSA format (``wiringup-rsa`` version 1, one netCDF4 file written by xarray's ``netcdf4`` engine under
a temporary name and renamed into place):

* ``targets`` (``subject, stimulus, stimulus_col``) float64: the brain matrices, rows and columns in stimulus
  order; coord ``subject`` (the subject ids).
* ``stimulus_pixels`` (``stimulus, pixel_row, pixel_col, channel``) uint8 RGB, zlib-compressed, each image
  top-left aligned in a canvas of the largest size, true sizes in ``stimulus_height``/``stimulus_width``; coord
  ``stimulus`` = the stimulus ids, plus any per-stimulus metadata (``object_name``, ``category``, ...).
* Dataset attrs: ``format``, ``version``, ``family`` (the config type, which the packaged-assembly dispatch
  reads), ``benchmark_id``, ``region``, ``description``, ``citation``, ``target_kind``, ``model_matrix``,
  ``comparison``, ``entries``, ``ceiling_scheme``, ``ceiling_transform``, ``image_degrees`` (NaN when unknown)
  and ``meta_json``.

:func:`read_npz`, :func:`read_table` and :func:`read_images` are the checked file readers the family loaders share.
"""
from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from PIL import Image

from wiringup.core.io import WiringupError, atomic_path
from wiringup.scoring.benchmarks.assembly import read_packaged
from wiringup.scoring.rsa import (
    CEILING_SCHEMES,
    CEILING_TRANSFORMS,
    COMPARISONS,
    ENTRIES,
    MATRIX_KIND,
    MODEL_MATRICES,
    leave_one_out_ceiling,
)

RSA_FORMAT = "wiringup-rsa"
RSA_VERSION = 1


@dataclass
class RSAData:
    """Brain matrices over a set of images, ready for RSA scoring.

    ``targets`` has shape (subject, stimulus, stimulus), float64, finite; ``images[i]`` / ``stimulus_ids[i]``
    belong to row and column i. ``target_kind`` is ``"similarity"`` or ``"dissimilarity"`` and must be the kind
    of ``model_matrix``. ``family`` is the config type the benchmark was loaded as; ``image_degrees`` the
    stimuli's visual-degree size (None: unknown, the whole image is resized to the model's input);
    ``stimulus_meta`` maps a column name to one value per stimulus.
    """

    benchmark_id: str
    region: str
    description: str
    citation: str
    family: str
    stimulus_ids: list[str]
    images: list[Image.Image]
    targets: np.ndarray
    subject_ids: list[str]
    target_kind: str
    model_matrix: str
    comparison: str
    entries: str
    ceiling_scheme: str
    ceiling_transform: str
    image_degrees: float | None = None
    stimulus_meta: dict[str, list[Any]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        where = f"benchmark {self.benchmark_id!r}"
        t = np.asarray(self.targets, dtype=np.float64)
        if t.ndim != 3 or t.shape[1] != t.shape[2] or t.shape[0] < 1:
            raise WiringupError(f"{where}: targets must be (subject, stimulus, stimulus), got shape {t.shape}")
        if not np.isfinite(t).all():
            raise WiringupError(f"{where}: targets hold {int((~np.isfinite(t)).sum())} non-finite value(s)")
        self.targets = t
        n_sub, n = t.shape[:2]
        self.stimulus_ids = [str(s) for s in self.stimulus_ids]
        self.subject_ids = [str(s) for s in self.subject_ids]
        if not (len(self.stimulus_ids) == len(self.images) == n):
            raise WiringupError(f"{where}: {len(self.stimulus_ids)} stimulus ids and {len(self.images)} images but "
                                f"{n} x {n} matrices; they must match one to one")
        if len(set(self.stimulus_ids)) != n:
            raise WiringupError(f"{where}: stimulus ids repeat")
        if len(self.subject_ids) != n_sub:
            raise WiringupError(f"{where}: {len(self.subject_ids)} subject ids for {n_sub} matrices")
        for name, values in self.stimulus_meta.items():
            if len(values) != n:
                raise WiringupError(f"{where}: stimulus_meta[{name!r}] has {len(values)} values for {n} stimuli")
        for name, value, allowed in (("model_matrix", self.model_matrix, MODEL_MATRICES),
                                     ("comparison", self.comparison, COMPARISONS), ("entries", self.entries, ENTRIES),
                                     ("ceiling_scheme", self.ceiling_scheme, CEILING_SCHEMES),
                                     ("ceiling_transform", self.ceiling_transform, CEILING_TRANSFORMS)):
            if value not in allowed:
                raise WiringupError(f"{where}: unknown {name} {value!r}; use one of {allowed}")
        if self.target_kind != MATRIX_KIND[self.model_matrix]:
            raise WiringupError(f"{where}: targets are {self.target_kind!r} matrices but model matrix "
                                f"{self.model_matrix!r} is a {MATRIX_KIND[self.model_matrix]} matrix")
        if self.ceiling_scheme == "leave_one_subject_out" and n_sub < 2:
            raise WiringupError(f"{where}: a leave-one-subject-out ceiling needs >= 2 subjects, got {n_sub}")

    @property
    def n_stimuli(self) -> int:
        return int(self.targets.shape[1])

    @property
    def n_subjects(self) -> int:
        return int(self.targets.shape[0])

    def ceiling(self) -> dict[str, Any]:
        """The benchmark's ceiling by its ``ceiling_scheme`` (:func:`wiringup.scoring.rsa.leave_one_out_ceiling`);
        ``ceiling`` is None with a ``reason`` when there is none."""
        if self.ceiling_scheme == "none":
            return {"ceiling": None, "error": None, "per_subject": None, "upper": None,
                    "reason": "ceiling scheme 'none' (a single target matrix): the score is the unceiled raw r"}
        return leave_one_out_ceiling(self.targets, self.comparison, self.entries)

    def summary(self) -> dict[str, Any]:
        """The metadata every benchmark exposes, with its computed ceiling: ``NeuralData.summary``'s keys (None where
        they do not apply: no neuroids, repeats or cross-validation) plus the RSA scheme and ``n_subjects``."""
        ceil = self.ceiling()
        return {
            "benchmark_id": self.benchmark_id,
            "description": self.description,
            "citation": self.citation,
            "region": self.region,
            "family": self.family,
            "n_stimuli": self.n_stimuli,
            "n_neuroids": None,
            "n_subjects": self.n_subjects,
            "n_repeats_max": None,
            "ceiling": ceil["ceiling"],
            "ceiling_error": ceil["error"],
            "ceiling_upper": ceil["upper"],
            "ceiling_reason": ceil["reason"],
            "ceiling_scheme": self.ceiling_scheme,
            "ceiling_transform": self.ceiling_transform,
            "ceiling_mode": None,
            "model_matrix": self.model_matrix,
            "comparison": self.comparison,
            "entries": self.entries,
            "cv_scheme": None,
            "n_folds": None,
            "image_degrees": self.image_degrees,
        }


def read_npz(path: Path, folder_kind: str) -> dict[str, np.ndarray]:
    """Every array of a ``.npz`` archive (no pickles); a missing or unreadable file is a WiringupError."""
    if not path.is_file():
        raise WiringupError(f"{path}: file not found; the {folder_kind} folder needs its {path.name}")
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except Exception as exc:  # noqa: BLE001 -- any read failure is a data problem
        raise WiringupError(f"{path}: not a readable .npz archive ({exc})") from None


def read_table(path: Path, folder_kind: str, columns: Sequence[str], n_rows: int) -> list[dict[str, str]]:
    """The rows of a CSV stimulus table, which must have ``columns`` and ``n_rows`` rows whose ``index`` runs
    0..n_rows-1 in order (the matrix order)."""
    if not path.is_file():
        raise WiringupError(f"{path}: file not found; the {folder_kind} folder needs its {path.name}")
    try:
        with path.open(newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise WiringupError(f"{path}: not a readable CSV file ({exc})") from None
    missing = [c for c in columns if not rows or c not in rows[0]]
    if missing:
        raise WiringupError(f"{path}: columns {missing} missing (need {list(columns)})")
    if [r["index"] for r in rows] != [str(i) for i in range(n_rows)]:
        raise WiringupError(f"{path}: {len(rows)} rows; column 'index' must run 0..{n_rows - 1} in order (the "
                            "matrix order)")
    return rows


def read_images(folder: Path, files: Sequence[str], listed_in: str) -> list[Image.Image]:
    """The images ``folder/<file>`` as RGB PIL images; a missing or unreadable one is a WiringupError."""
    images = []
    for name in files:
        p = folder / name
        if not p.is_file():
            raise WiringupError(f"{p}: stimulus image not found (listed in {listed_in})")
        try:
            with Image.open(p) as img:
                images.append(img.convert("RGB"))
        except Exception as exc:  # noqa: BLE001
            raise WiringupError(f"{p}: not a readable image ({exc})") from None
    return images


def images_to_pixels(images: Sequence[Image.Image]) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """(stimulus, row, col, 3) uint8 canvas of the largest size, images top-left aligned, and their (h, w)."""
    arrays = [np.asarray(img if img.mode == "RGB" else img.convert("RGB"), dtype=np.uint8) for img in images]
    sizes = [a.shape[:2] for a in arrays]
    pixels = np.zeros((len(arrays), max(h for h, _ in sizes), max(w for _, w in sizes), 3), dtype=np.uint8)
    for i, a in enumerate(arrays):
        pixels[i, :a.shape[0], :a.shape[1]] = a
    return pixels, sizes


def to_dataset(data: RSAData, *, family: str | None = None) -> Any:
    """``data`` as one self-contained ``xarray.Dataset`` (format in the module docstring); ``family``, when
    given, must be ``data.family``."""
    import xarray as xr

    if family is not None and data.family != family:
        raise WiringupError(f"benchmark {data.benchmark_id!r} is of family {data.family!r}, not {family!r}")

    pixels, sizes = images_to_pixels(data.images)
    stimulus_coords = {"stimulus": ("stimulus", np.asarray(data.stimulus_ids, dtype=object)),
                       "stimulus_height": ("stimulus", np.asarray([h for h, _ in sizes], dtype=np.int64)),
                       "stimulus_width": ("stimulus", np.asarray([w for _, w in sizes], dtype=np.int64))}
    for name, vals in data.stimulus_meta.items():
        if name in stimulus_coords:
            raise WiringupError(f"benchmark {data.benchmark_id!r}: stimulus_meta key {name!r} is reserved")
        arr = np.asarray(vals)
        stimulus_coords[name] = ("stimulus", arr.astype(object) if arr.dtype.kind in "UO" else arr)
    targets = xr.DataArray(data.targets, dims=("subject", "stimulus", "stimulus_col"),
                           coords={"subject": np.asarray(data.subject_ids, dtype=object)})
    stimuli = xr.DataArray(pixels, dims=("stimulus", "pixel_row", "pixel_col", "channel"), coords=stimulus_coords)
    attrs = {"format": RSA_FORMAT, "version": RSA_VERSION, "family": data.family,
             "benchmark_id": data.benchmark_id, "region": data.region, "description": data.description,
             "citation": data.citation, "target_kind": data.target_kind, "model_matrix": data.model_matrix,
             "comparison": data.comparison, "entries": data.entries, "ceiling_scheme": data.ceiling_scheme,
             "ceiling_transform": data.ceiling_transform,
             "image_degrees": float("nan") if data.image_degrees is None else float(data.image_degrees),
             "meta_json": json.dumps(data.meta, sort_keys=True, default=str)}
    return xr.Dataset({"targets": targets, "stimulus_pixels": stimuli}, attrs=attrs)


def from_dataset(ds: Any, *, family: str | None = None, where: str = "dataset") -> RSAData:
    """The :class:`RSAData` a :func:`to_dataset` dataset holds; ``family``, when given, must be its family."""
    attrs = ds.attrs
    if attrs.get("format") != RSA_FORMAT:
        raise WiringupError(f"{where}: not a packaged RSA benchmark (no format={RSA_FORMAT!r} attribute)")
    if int(attrs.get("version", -1)) != RSA_VERSION:
        raise WiringupError(f"{where}: packaged RSA version {attrs.get('version')} is not supported ({RSA_VERSION}); "
                            "package the benchmark again")
    if family is not None and attrs.get("family") != family:
        raise WiringupError(f"{where}: holds family {attrs.get('family')!r}, not {family!r}")
    if "targets" not in ds or "stimulus_pixels" not in ds:
        raise WiringupError(f"{where}: variables 'targets' and 'stimulus_pixels' are required; package it again")
    px = ds["stimulus_pixels"]
    heights, widths, pixels = px["stimulus_height"].values, px["stimulus_width"].values, px.values
    images = [Image.fromarray(np.ascontiguousarray(pixels[i, :int(h), :int(w)]), mode="RGB")
              for i, (h, w) in enumerate(zip(heights, widths))]
    reserved = ("stimulus", "stimulus_height", "stimulus_width")
    stimulus_meta = {c: px.coords[c].values.tolist() for c in px.coords
                     if px.coords[c].dims == ("stimulus",) and c not in reserved}
    degrees = float(attrs["image_degrees"])
    return RSAData(
        benchmark_id=str(attrs["benchmark_id"]), region=str(attrs["region"]), description=str(attrs["description"]),
        citation=str(attrs["citation"]), family=str(attrs["family"]),
        stimulus_ids=[str(s) for s in px["stimulus"].values], images=images,
        targets=np.asarray(ds["targets"].transpose("subject", "stimulus", "stimulus_col").values, dtype=np.float64),
        subject_ids=[str(s) for s in ds["subject"].values], target_kind=str(attrs["target_kind"]),
        model_matrix=str(attrs["model_matrix"]), comparison=str(attrs["comparison"]), entries=str(attrs["entries"]),
        ceiling_scheme=str(attrs["ceiling_scheme"]), ceiling_transform=str(attrs["ceiling_transform"]),
        image_degrees=None if math.isnan(degrees) else degrees, stimulus_meta=stimulus_meta,
        meta=json.loads(attrs["meta_json"]))


def package_rsa(data: RSAData, out_path: str | Path, *, family: str | None = None, compress_level: int = 4) -> Path:
    """Write ``data`` to one self-contained netCDF4 file (atomically); returns the path. ``family``, when given,
    must be ``data.family``."""
    out_path = Path(out_path)
    ds = to_dataset(data, family=family)
    _, height, width, _ = ds["stimulus_pixels"].shape
    encoding = {"targets": {"zlib": True, "complevel": compress_level},
                "stimulus_pixels": {"zlib": True, "complevel": compress_level, "chunksizes": (1, height, width, 3)}}
    with atomic_path(out_path) as tmp:
        ds.to_netcdf(tmp, engine="netcdf4", format="NETCDF4", encoding=encoding)
    return out_path


def load_packaged_rsa(path: str | Path, region: str | None = None, *, family: str | None = None) -> RSAData:
    """Read a file written by :func:`package_rsa` back into the identical :class:`RSAData`; ``family`` and
    ``region``, when given, must be the packaged ones."""
    path = Path(path)
    ds = read_packaged(path, "fix the benchmark's path or package it")
    data = from_dataset(ds, family=family, where=str(path))
    if region is not None and region != data.region:
        raise WiringupError(f"{path}: holds region {data.region!r}, but the config asks for {region!r}")
    return data
