"""Local neural benchmarks: recorded responses plus the images that evoked them.

Brain-Score packages a neural benchmark as a ``NeuroidAssembly`` (presentation x neuroid [x time_bin], with
``stimulus_id``/``repetition`` coords) plus a ``StimulusSet``, and downloads both from its servers. The
benchmarks the paper used (FreemanZiemba2013 V1/V2, MajajHong2015 V4/IT, Rajalingham2018) are reachable only
that way. This module holds benchmarks that are available as local files, in one plain in-memory format,
:class:`NeuralData`: the images, and a ``neuroid x stimulus x repeat`` float array with NaN where a repeat is
missing. :mod:`wiringup.scoring.neural` scores models on it with a re-implementation of Brain-Score's PLS metric and
split-half ceiling.

Every benchmark carries its own scoring scheme: ``cv_scheme`` (``"shuffle"``: Brain-Score's ten 90/10
``ShuffleSplit`` splits; ``"kfold_pooled"``: K-fold predictions pooled over all stimuli, for benchmarks with
few stimuli, see :func:`wiringup.scoring.neural.pls_crossval`), ``n_folds`` and ``ceiling_scheme``
(``"internal_consistency"``: Brain-Score's split-half consistency of the repeats; ``"none"``: trial averages
only, the score is reported unceiled). :meth:`NeuralData.summary` gives the metadata every benchmark exposes
(id, one-line description, citation, region, n_stimuli, n_neuroids, computed ceiling).

**Stimulus size.** Brain-Score places each stimulus on a canvas so that its visual-degree size matches the
model's 8 deg field of view. Local benchmarks do not: the whole image is resized to the model's input size
(:func:`wiringup.scoring.neural.preprocess_stimuli`). For MajajHong2015 (8 deg images) that is what Brain-Score does
too; the Cowley images (112 px) carry no visual-degree size, so their mapping to the model's field is
unknown (``image_degrees`` is None).

Registered loaders (``BENCHMARK_TYPES``; a config entry needs ``type``, ``path`` (relative to the data root)
and ``region``, and may override the loader's CV scheme with ``cv_scheme`` / ``n_folds``, passed to
:func:`load_benchmark`; its key must equal the id the loader derives):

``cowley2023``
    One recording session folder of Cowley, Stan, Pillow & Smith (2023): macaque V4 spike counts (100 ms bins)
    to 112x112 RGB images. Generic over session folders: any folder with ``images.zip`` and
    ``responses_raw.npy`` and/or ``responses_avg.npy`` is a benchmark ``Cowley2023.<folder name>.V4-pls``. With
    repeats (e.g. 210325) it is ceiled; with trial averages only (e.g. 201025) it is scored unceiled (raw r).
    A *local* V4 benchmark, **not** Brain-Score's ``MajajHong2015.V4-pls``; scores are not comparable with the
    paper's V4 numbers. CV scheme ``shuffle``.
``majajhong2015_slice``
    The 25-image test slice of the MajajHong2015 public data (Brain-Score's packaging, BrainIO netCDF
    ``assembly.nc`` + ``images/<image_id>.png`` + ``images/test_images.csv``), region ``V4`` or ``IT``:
    ``MajajHong2015slice.V4-pls`` / ``MajajHong2015slice.IT-pls``. Not Brain-Score's MajajHong2015 benchmark
    (2,560 images); CV scheme ``kfold_pooled`` (25 stimuli are too few for 90/10 splits).
``assembly``
    A file written by :func:`package_assembly` (any of the above, self-contained: responses, coords, scheme
    and the stimuli's pixels in one netCDF file). Loads to exactly the :class:`NeuralData` that was packaged.

Packaged assembly format (``wiringup-assembly`` version 1, one netCDF4 file, written by xarray's ``netcdf4``
engine to a temporary name and renamed into place):

* data variable named after the benchmark id, dims ``(presentation, neuroid, time_bin)``, float64, one
  presentation per (stimulus, repetition slot) that holds data (BrainIO style: missing repeats are absent
  rows, not NaN), stimulus-major order. Coords: ``stimulus_id``, ``repetition`` on ``presentation``;
  ``neuroid_id``, ``region`` and any per-neuroid metadata (``animal``, ``arr``, ...) on ``neuroid``;
  ``time_bin_start``/``time_bin_end`` (ms, NaN when unknown) on ``time_bin``. Attrs: ``benchmark_id``,
  ``region``, ``description``, ``citation``, ``ceiling_scheme``, ``cv_scheme``, ``n_folds``,
  ``image_degrees`` (NaN when unknown), ``n_repeat_slots``, ``stimuli_storage``, ``meta_json``.
* the stimuli **inside the file**: ``stimulus_pixels`` (``stimulus, pixel_row, pixel_col, channel``) uint8
  RGB, zlib-compressed, each image top-left aligned in a canvas of the largest size, with its true size in
  ``stimulus_height``/``stimulus_width``; the ``stimulus`` coord holds the ids in benchmark order, plus any
  per-stimulus metadata (``object_name``, ...). One file is atomic to write, cannot get out of step with a
  sibling image folder, and is all that scoring needs.
"""
from __future__ import annotations

import dataclasses
import io
import json
import math
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
from PIL import Image

from wiringup.core.io import WiringupError, atomic_path

COWLEY2023_CITATION = (
    "Cowley, B. R., Stan, P. L., Pillow, J. W. & Smith, M. A. (2023). Compact deep neural network models of "
    "visual cortex. bioRxiv. Data: github.com/cowleygroup/V4_compact_models (GPL-3.0)."
)
MAJAJHONG2015_CITATION = (
    "Majaj, N. J., Hong, H., Solomon, E. A. & DiCarlo, J. J. (2015). Simple learned weighted sums of inferior "
    "temporal neuronal firing rates accurately predict human core object recognition performance. J. Neurosci. "
    "35(39), 13402-13418. Test slice packaged by the Brain-Score team (brain-score/brainio_contrib, "
    "brainio_collection; MIT licence)."
)

CV_SCHEMES = ("shuffle", "kfold_pooled")
CEILING_SCHEMES = ("internal_consistency", "none")
ASSEMBLY_FORMAT = "wiringup-assembly"
ASSEMBLY_VERSION = 1


@dataclass
class NeuralData:
    """Neural responses to a set of images, ready for scoring.

    ``responses`` has shape (neuroid, stimulus, repeat), float, NaN where a repeat is missing (repeat counts
    may differ between stimuli). ``images[i]`` and ``stimulus_ids[i]`` belong to ``responses[:, i, :]``.
    ``neuroid_ids`` name the rows (default ``n000``, ``n001``, ...); ``stimulus_meta`` / ``neuroid_meta`` map a
    coord name to one value per stimulus / neuroid (e.g. ``object_name``, ``animal``). ``cv_scheme``,
    ``n_folds`` and ``ceiling_scheme`` say how :func:`wiringup.scoring.neural.score_neural` scores this benchmark
    (see the module docstring); ``image_degrees`` is the stimuli's visual-degree size (None: unknown) and
    ``time_bin`` the response window in ms (None: unknown).
    """

    benchmark_id: str
    region: str
    description: str
    citation: str
    stimulus_ids: list[str]
    images: list[Image.Image]
    responses: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)
    neuroid_ids: list[str] = field(default_factory=list)
    stimulus_meta: dict[str, list[Any]] = field(default_factory=dict)
    neuroid_meta: dict[str, list[Any]] = field(default_factory=dict)
    cv_scheme: str = "shuffle"
    n_folds: int = 5
    ceiling_scheme: str = "internal_consistency"
    image_degrees: float | None = None
    time_bin: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        where = f"benchmark {self.benchmark_id!r}"
        if self.responses.ndim != 3:
            raise WiringupError(f"{where}: responses must be (neuroid, stimulus, repeat), got shape "
                                f"{self.responses.shape}")
        n_neuroids, n_stimuli, _ = self.responses.shape
        if not (len(self.stimulus_ids) == len(self.images) == n_stimuli):
            raise WiringupError(f"{where}: {len(self.stimulus_ids)} stimulus ids and {len(self.images)} images but "
                                f"responses to {n_stimuli} stimuli; they must match one to one")
        if not self.neuroid_ids:
            self.neuroid_ids = [f"n{i:03d}" for i in range(n_neuroids)]
        self.neuroid_ids = [str(n) for n in self.neuroid_ids]
        self.stimulus_ids = [str(s) for s in self.stimulus_ids]
        if len(self.neuroid_ids) != n_neuroids:
            raise WiringupError(f"{where}: {len(self.neuroid_ids)} neuroid ids for {n_neuroids} neuroids")
        for name, values in self.stimulus_meta.items():
            if len(values) != n_stimuli:
                raise WiringupError(f"{where}: stimulus_meta[{name!r}] has {len(values)} values for {n_stimuli} "
                                    "stimuli")
        for name, values in self.neuroid_meta.items():
            if len(values) != n_neuroids:
                raise WiringupError(f"{where}: neuroid_meta[{name!r}] has {len(values)} values for {n_neuroids} "
                                    "neuroids")
        if self.cv_scheme not in CV_SCHEMES:
            raise WiringupError(f"{where}: unknown cv scheme {self.cv_scheme!r}; use one of {CV_SCHEMES}")
        if self.ceiling_scheme not in CEILING_SCHEMES:
            raise WiringupError(f"{where}: unknown ceiling scheme {self.ceiling_scheme!r}; use one of "
                                f"{CEILING_SCHEMES}")
        if isinstance(self.n_folds, bool) or not isinstance(self.n_folds, (int, np.integer)) or self.n_folds < 2:
            raise WiringupError(f"{where}: n_folds must be an integer >= 2, got {self.n_folds!r}")
        self.n_folds = int(self.n_folds)

    @property
    def n_stimuli(self) -> int:
        return int(self.responses.shape[1])

    @property
    def n_neuroids(self) -> int:
        return int(self.responses.shape[0])

    @property
    def n_repeats_max(self) -> int:
        return int(self.responses.shape[2])

    def mean_responses(self) -> np.ndarray:
        """Trial-averaged responses, (neuroid, stimulus): the mean over the available repeats."""
        return np.nanmean(self.responses, axis=2)

    def ceiling(self, n_splits: int = 10, seed: int = 0, mode: str = "global") -> dict[str, Any]:
        """The benchmark's ceiling by its ``ceiling_scheme`` (:func:`wiringup.scoring.neural.split_half_ceiling` for
        ``internal_consistency``); ``ceiling`` is None with a ``reason`` when there is none."""
        if self.ceiling_scheme == "none":
            return {"ceiling": None, "error": None, "std": None, "per_split": [], "per_neuroid": [],
                    "n_stimuli_used": 0, "mode": mode,
                    "reason": "ceiling scheme 'none' (trial averages only): the score is the unceiled raw r"}
        from wiringup.scoring.neural import split_half_ceiling  # scoring imports this module

        return split_half_ceiling(self.responses, n_splits=n_splits, seed=seed, mode=mode)

    def summary(self, ceiling_splits: int = 10, ceiling_seed: int = 0,
                ceiling_mode: str = "global") -> dict[str, Any]:
        """The metadata every benchmark exposes, with its ceiling computed by its ceiling scheme."""
        ceil = self.ceiling(n_splits=ceiling_splits, seed=ceiling_seed, mode=ceiling_mode)
        return {
            "benchmark_id": self.benchmark_id,
            "description": self.description,
            "citation": self.citation,
            "region": self.region,
            "n_stimuli": self.n_stimuli,
            "n_neuroids": self.n_neuroids,
            "n_repeats_max": self.n_repeats_max,
            "ceiling": ceil["ceiling"],
            "ceiling_error": ceil["error"],
            "ceiling_reason": ceil.get("reason"),
            "ceiling_scheme": self.ceiling_scheme,
            "ceiling_mode": ceiling_mode,
            "cv_scheme": self.cv_scheme,
            "n_folds": self.n_folds if self.cv_scheme == "kfold_pooled" else None,
            "image_degrees": self.image_degrees,
        }

    def subset(self, indices: Sequence[int]) -> "NeuralData":
        """The same benchmark restricted to the stimuli ``indices`` (in that order); ``meta['subset']`` records
        them. Used by layer selection to keep selection and reporting stimuli apart."""
        idx = np.asarray(indices, dtype=np.int64)
        if idx.ndim != 1 or idx.size == 0 or idx.min() < 0 or idx.max() >= self.n_stimuli:
            raise WiringupError(f"benchmark {self.benchmark_id!r}: subset indices must be a non-empty list within "
                                f"0..{self.n_stimuli - 1}")
        if len(np.unique(idx)) != idx.size:
            raise WiringupError(f"benchmark {self.benchmark_id!r}: subset indices repeat a stimulus")
        return NeuralData(
            benchmark_id=self.benchmark_id, region=self.region, description=self.description,
            citation=self.citation, stimulus_ids=[self.stimulus_ids[i] for i in idx],
            images=[self.images[i] for i in idx], responses=self.responses[:, idx, :],
            meta={**self.meta, "subset": idx.tolist()}, neuroid_ids=list(self.neuroid_ids),
            stimulus_meta={k: [v[i] for i in idx] for k, v in self.stimulus_meta.items()},
            neuroid_meta={k: list(v) for k, v in self.neuroid_meta.items()}, cv_scheme=self.cv_scheme,
            n_folds=self.n_folds, ceiling_scheme=self.ceiling_scheme, image_degrees=self.image_degrees,
            time_bin=self.time_bin)


def _read_zip_images(path: Path) -> tuple[list[str], list[Image.Image]]:
    """Read every ``*.jpg``/``*.png`` member of a zip into RGB PIL images, ordered by name (no extraction)."""
    if not path.is_file():
        raise WiringupError(f"{path}: file not found; each session folder needs its images.zip")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise WiringupError(f"{path}: not a readable zip file ({exc}); replace it with an intact copy") from None
    with archive:
        names = sorted(n for n in archive.namelist()
                       if not n.endswith("/") and n.lower().endswith((".jpg", ".jpeg", ".png")))
        if not names:
            raise WiringupError(f"{path}: holds no .jpg/.png images")
        ids, images = [], []
        for name in names:
            try:
                with Image.open(io.BytesIO(archive.read(name))) as img:
                    images.append(img.convert("RGB"))
            except Exception as exc:  # noqa: BLE001 -- any decode failure is a data problem
                raise WiringupError(f"{path}: member {name} is not a readable image ({exc})") from None
            ids.append(Path(name).stem)
    return ids, images


def _check_image_order(path: Path, ids: list[str]) -> None:
    """Cowley images are image0001..imageNNNN; the response order relies on it."""
    numbers = []
    for sid in ids:
        m = re.fullmatch(r"image(\d+)", sid)
        if m is None:
            raise WiringupError(f"{path}: unexpected member name {sid!r}; expected image0001.jpg, image0002.jpg, "
                                "... in response order")
        numbers.append(int(m.group(1)))
    if numbers != list(range(1, len(ids) + 1)):
        raise WiringupError(f"{path}: image numbers are not 1..{len(ids)} without gaps, so they cannot be matched "
                            "to the response rows; restore the original images.zip")


def _load_npy(path: Path) -> np.ndarray:
    try:
        arr = np.load(path, allow_pickle=False)
    except Exception as exc:  # noqa: BLE001
        raise WiringupError(f"{path}: not a readable .npy array ({exc})") from None
    if not np.issubdtype(arr.dtype, np.number):
        raise WiringupError(f"{path}: dtype {arr.dtype} is not numeric")
    return arr.astype(np.float64, copy=False)


def load_cowley2023(session_dir: Path, region: str = "V4") -> NeuralData:
    """Load one session folder of the Cowley et al. (2023) V4 data.

    The folder holds ``images.zip`` (``image0001.jpg`` ... in response order, read without extraction) and
    ``responses_raw.npy`` (neurons x images x repeats, NaN-padded) and/or ``responses_avg.npy``
    (neurons x images). The raw file is preferred; with only the average, the repeat axis has length 1 and no
    split-half ceiling can be computed.
    """
    session_dir = Path(session_dir)
    if region != "V4":
        raise WiringupError(f"{session_dir}: the Cowley et al. (2023) data are V4 recordings, but region "
                            f"{region!r} was requested; set the benchmark's region to V4 in the config")
    if not session_dir.is_dir():
        raise WiringupError(f"{session_dir}: session folder not found; point the benchmark path at a folder "
                            "such as <data>/cowley2023_v4/210325")
    session = session_dir.name
    zip_path = session_dir / "images.zip"
    raw_path = session_dir / "responses_raw.npy"
    avg_path = session_dir / "responses_avg.npy"

    if raw_path.is_file():
        resp_path = raw_path
        responses = _load_npy(raw_path)
        if responses.ndim != 3:
            raise WiringupError(f"{raw_path}: expected 3 dimensions (neurons x images x repeats), got shape "
                                f"{responses.shape}")
        if np.isinf(responses).any():
            raise WiringupError(f"{raw_path}: contains infinite values; only finite spike counts and NaN "
                                "(missing repeat) are allowed")
    elif avg_path.is_file():
        resp_path = avg_path
        responses = _load_npy(avg_path)
        if responses.ndim != 2:
            raise WiringupError(f"{avg_path}: expected 2 dimensions (neurons x images), got shape "
                                f"{responses.shape}")
        if not np.isfinite(responses).all():
            raise WiringupError(f"{avg_path}: contains NaN or infinite values; trial averages must all be finite")
        responses = responses[:, :, None]
    else:
        raise WiringupError(f"{session_dir}: neither responses_raw.npy nor responses_avg.npy found; a Cowley "
                            "session folder needs one of them")

    n_neurons, n_images, _ = responses.shape
    if n_neurons == 0 or n_images == 0:
        raise WiringupError(f"{resp_path}: empty array of shape {responses.shape}")
    present = ~np.isnan(responses)
    dead = np.flatnonzero(~present.any(axis=(1, 2)))
    if dead.size:
        raise WiringupError(f"{resp_path}: neuron(s) {dead[:10].tolist()} have no response at all (all NaN); "
                            "remove them from the file")
    empty = np.flatnonzero(~present.any(axis=(0, 2)))
    if empty.size:
        raise WiringupError(f"{resp_path}: image(s) {(empty[:10] + 1).tolist()} (1-based) have no response at "
                            "all (all NaN); remove them and their images")
    holes = np.argwhere(~present.any(axis=2))
    if holes.size:
        n, i = holes[0]
        raise WiringupError(f"{resp_path}: {len(holes)} neuron/image pair(s) have no repeat at all, e.g. neuron "
                            f"{n}, image {i + 1}; every neuron needs a response to every image")

    if resp_path == raw_path and avg_path.is_file():
        avg = _load_npy(avg_path)
        mean = np.nanmean(responses, axis=2)
        if avg.shape != mean.shape or not np.allclose(avg, mean, rtol=1e-6, atol=1e-6):
            raise WiringupError(f"{avg_path}: does not equal the repeat average of {raw_path.name} (shapes "
                                f"{avg.shape} vs {mean.shape}); the two files come from different sessions or "
                                "one is corrupt")

    ids, images = _read_zip_images(zip_path)
    _check_image_order(zip_path, ids)
    if len(images) != n_images:
        raise WiringupError(f"{zip_path}: holds {len(images)} images but {resp_path.name} has responses to "
                            f"{n_images}; the images and responses must come from the same session")

    n_rep = present.sum(axis=2)
    has_repeats = resp_path == raw_path and int(n_rep.max()) >= 2
    description = (
        f"Local V4 benchmark on Cowley et al. (2023), session {session}: {n_neurons} macaque V4 neurons, "
        f"{n_images} images (112x112 RGB, no visual-degree size; the whole image is resized to the model's input "
        "size), spike counts in 100 ms bins, "
        + (f"{int(n_rep.min())}-{int(n_rep.max())} repeats per image, ceiled by split-half internal consistency"
           if has_repeats else "trial averages only (no repeats, so no split-half ceiling): the score is the "
           "UNCEILED raw PLS correlation")
        + ". Scored with a re-implementation of Brain-Score's PLS neural predictivity. This is NOT Brain-Score's "
        "V4 benchmark (MajajHong2015.V4-pls); its scores are not comparable with the paper's V4 numbers."
    )
    return NeuralData(
        benchmark_id=f"Cowley2023.{session}.{region}-pls",
        region=region,
        description=description,
        citation=COWLEY2023_CITATION,
        stimulus_ids=ids,
        images=images,
        responses=responses,
        meta={"session": session, "responses_file": str(resp_path), "images_file": str(zip_path),
              "has_repeats": resp_path == raw_path},
        neuroid_ids=[f"{session}.n{i:03d}" for i in range(n_neurons)],
        cv_scheme="shuffle",
        ceiling_scheme="internal_consistency" if has_repeats else "none",
        image_degrees=None,
        time_bin=None,
    )


# ------------------------------------------------------------------------------------- MajajHong2015 slice

def _open_dataarray(path: Path) -> Any:
    """Open a BrainIO netCDF assembly as an in-memory DataArray (the file is closed before returning)."""
    import xarray as xr

    if not path.is_file():
        raise WiringupError(f"{path}: file not found; the MajajHong2015 slice folder needs its assembly.nc")
    try:
        with xr.open_dataset(path, engine="netcdf4") as ds:
            ds = ds.load()
    except Exception as exc:  # noqa: BLE001 -- any read failure is a data problem
        raise WiringupError(f"{path}: not a readable netCDF file ({exc}); replace it with an intact copy") from None
    names = list(ds.data_vars)
    if len(names) != 1:
        raise WiringupError(f"{path}: expected one data variable (the assembly), found {names}")
    da = ds[names[0]]
    # Assemblies written by xarray directly may store coords that BrainIO keeps on the variable; either works.
    return da


def _coord(path: Path, da: Any, names: Sequence[str], dim: str) -> np.ndarray:
    for name in names:
        if name in da.coords and da.coords[name].dims == (dim,):
            return np.asarray(da.coords[name].values)
    raise WiringupError(f"{path}: no {' or '.join(repr(n) for n in names)} coord on dimension {dim!r}; "
                        "is this a BrainIO neural assembly?")


def load_majajhong2015_slice(path: Path, region: str = "IT") -> NeuralData:
    """Load one region of the 25-image MajajHong2015 test slice (BrainIO netCDF assembly plus PNG images).

    ``path`` is the folder holding ``assembly.nc`` and ``images/`` (or the ``assembly.nc`` file itself). The
    assembly's presentations (one per image x repetition; BrainIO stores its MultiIndex flattened, as plain
    ``image_id``/``stimulus_id`` and ``repetition`` coords on ``presentation``) are reshaped to (neuroid,
    stimulus, repetition); stimuli keep the order of their first presentation. The single time bin is kept;
    more than one is refused. ``images/test_images.csv`` (``image_id``, ``object_name``, ...) must list exactly
    the assembly's images, each ``images/<image_id>.png`` (or the csv's ``image_current_relative_file_path``).
    """
    path = Path(path)
    if path.is_dir():
        folder, nc_path = path, path / "assembly.nc"
    elif path.suffix == ".nc":
        folder, nc_path = path.parent, path
    else:
        raise WiringupError(f"{path}: not found; point the benchmark path at the majajhong2015_slice folder "
                            "(with assembly.nc and images/)")
    if region not in ("V4", "IT"):
        raise WiringupError(f"{nc_path}: region {region!r} is not a MajajHong2015 region; use V4 or IT")
    da = _open_dataarray(nc_path)
    dims = set(da.dims)
    if not {"presentation", "neuroid"} <= dims or not dims <= {"presentation", "neuroid", "time_bin"}:
        raise WiringupError(f"{nc_path}: dims {da.dims}; a neural assembly needs presentation and neuroid "
                            "(and optionally time_bin)")
    time_bin = None
    if "time_bin" in dims:
        if da.sizes["time_bin"] != 1:
            raise WiringupError(f"{nc_path}: {da.sizes['time_bin']} time bins; select one (Brain-Score's "
                                "MajajHong2015 uses 70-170 ms) before loading")
        if "time_bin_start" in da.coords and "time_bin_end" in da.coords:
            time_bin = (float(da.time_bin_start.values[0]), float(da.time_bin_end.values[0]))
        da = da.isel(time_bin=0, drop=True)
    regions = _coord(nc_path, da, ["region"], "neuroid").astype(str)
    if region not in set(regions):
        raise WiringupError(f"{nc_path}: no neuroid with region {region!r} (regions present: "
                            f"{sorted(set(regions))}); fix the benchmark's region in the config")
    image_ids = _coord(nc_path, da, ["stimulus_id", "image_id"], "presentation").astype(str)
    repetition = _coord(nc_path, da, ["repetition"], "presentation")
    keep = np.flatnonzero(regions == region)
    values = np.asarray(da.transpose("neuroid", "presentation").values, dtype=np.float64)[keep]
    if not np.isfinite(values).all():
        bad = np.argwhere(~np.isfinite(values))[0]
        raise WiringupError(f"{nc_path}: {int((~np.isfinite(values)).sum())} NaN/inf responses in region {region} "
                            f"(e.g. neuroid {int(keep[bad[0]])}, presentation {int(bad[1])}); a BrainIO assembly "
                            "leaves missing trials out instead of storing NaN. Replace the file with an intact copy")

    stim_order, first = np.unique(image_ids, return_index=True)
    stim_order = stim_order[np.argsort(first)]
    stim_index = {s: i for i, s in enumerate(stim_order)}
    reps = np.unique(repetition)
    rep_index = {r: i for i, r in enumerate(reps.tolist())}
    responses = np.full((len(keep), len(stim_order), len(reps)), np.nan)
    filled = np.zeros((len(stim_order), len(reps)), dtype=bool)
    si = np.array([stim_index[s] for s in image_ids])
    ri = np.array([rep_index[r] for r in repetition.tolist()])
    if (np.bincount(si * len(reps) + ri, minlength=filled.size) > 1).any():
        raise WiringupError(f"{nc_path}: some (image_id, repetition) pair occurs twice; the presentations are "
                            "ambiguous")
    responses[:, si, ri] = values
    filled[si, ri] = True

    csv_path = folder / "images" / "test_images.csv"
    if not csv_path.is_file():
        raise WiringupError(f"{csv_path}: file not found; the MajajHong2015 slice needs its stimulus table "
                            "(image_id, object_name, ...) beside the images")
    import pandas as pd

    try:
        table = pd.read_csv(csv_path, dtype=str)
    except Exception as exc:  # noqa: BLE001
        raise WiringupError(f"{csv_path}: not a readable csv ({exc})") from None
    if "image_id" not in table.columns:
        raise WiringupError(f"{csv_path}: no image_id column")
    table = table.set_index("image_id", drop=False)
    if table.index.duplicated().any():
        raise WiringupError(f"{csv_path}: image ids repeat")
    if set(table.index) != set(stim_order):
        raise WiringupError(f"{csv_path}: lists {len(table)} images but {nc_path.name} has responses to "
                            f"{len(stim_order)} (in the table only: {sorted(set(table.index) - set(stim_order))[:3]}, "
                            f"in the assembly only: {sorted(set(stim_order) - set(table.index))[:3]}); the images "
                            "and responses must be the same stimulus set")
    table = table.loc[list(stim_order)]
    images = []
    for sid in stim_order:
        rel = table.at[sid, "image_current_relative_file_path"] if "image_current_relative_file_path" in table \
            else f"{sid}.png"
        img_path = folder / "images" / str(rel)
        if not img_path.is_file():
            raise WiringupError(f"{img_path}: image file not found (stimulus {sid}); restore the images folder")
        try:
            with Image.open(img_path) as img:
                images.append(img.convert("RGB"))
        except Exception as exc:  # noqa: BLE001
            raise WiringupError(f"{img_path}: not a readable image ({exc})") from None

    neuroid_ids = (_coord(nc_path, da, ["neuroid_id"], "neuroid").astype(str)[keep].tolist()
                   if "neuroid_id" in da.coords else [f"{region}.n{i:03d}" for i in range(len(keep))])
    neuroid_meta = {}
    for name in ("animal", "arr", "hemisphere", "subregion", "row", "col", "x", "y"):
        if name in da.coords and da.coords[name].dims == ("neuroid",):
            neuroid_meta[name] = np.asarray(da.coords[name].values)[keep].tolist()
    stimulus_meta = {c: table[c].astype(str).tolist() for c in ("object_name", "category_name") if c in table}
    n_rep = filled.sum(axis=1)
    window = f"{time_bin[0]:.0f}-{time_bin[1]:.0f} ms" if time_bin else "one time bin"
    description = (
        f"Local {region} benchmark on a 25-image slice of the MajajHong2015 public data (Majaj et al. 2015, the "
        f"test slice packaged by Brain-Score): {len(keep)} {region} sites, {len(stim_order)} HvM images (8 deg, "
        f"like the model; the whole image is resized to the model's input size), {int(n_rep.min())}-"
        f"{int(n_rep.max())} repetitions, responses in {window}; ceiled by split-half internal consistency; "
        "K-fold pooled cross-validation. This is NOT Brain-Score's MajajHong2015 benchmark (2,560 images); its "
        "scores are not comparable with the paper's."
    )
    return NeuralData(
        benchmark_id=f"MajajHong2015slice.{region}-pls",
        region=region,
        description=description,
        citation=MAJAJHONG2015_CITATION,
        stimulus_ids=stim_order.tolist(),
        images=images,
        responses=responses,
        meta={"responses_file": str(nc_path), "images_dir": str(folder / "images"),
              "assembly_name": str(da.name), "repetitions": reps.tolist(), "has_repeats": True},
        neuroid_ids=neuroid_ids,
        stimulus_meta=stimulus_meta,
        neuroid_meta=neuroid_meta,
        cv_scheme="kfold_pooled",
        n_folds=5,
        ceiling_scheme="internal_consistency",
        image_degrees=8.0,
        time_bin=time_bin,
    )


# ------------------------------------------------------------------------------------- packaged assemblies

def _attr_value(value: Any) -> Any:
    return float("nan") if value is None else value


def package_assembly(data: NeuralData, out_path: str | Path, compress_level: int = 4) -> Path:
    """Write ``data`` to one self-contained netCDF4 file (format in the module docstring); returns the path.

    The file is written under a temporary name beside ``out_path`` and renamed into place. Stimuli must be
    RGB PIL images (they are stored as uint8 pixels, losslessly).
    """
    import xarray as xr

    out_path = Path(out_path)
    r = data.responses
    n_neuroids, n_stimuli, n_slots = r.shape
    present = ~np.isnan(r).all(axis=0)  # (stimulus, slot) with any data
    stim, slot = np.nonzero(present)    # stimulus-major order
    values = r[:, stim, slot].T[:, :, None]  # presentation x neuroid x time_bin

    sizes = [(img.height, img.width) for img in data.images]
    height, width = max(h for h, _ in sizes), max(w for _, w in sizes)
    pixels = np.zeros((n_stimuli, height, width, 3), dtype=np.uint8)
    for i, img in enumerate(data.images):
        a = np.asarray(img.convert("RGB") if img.mode != "RGB" else img, dtype=np.uint8)
        pixels[i, :a.shape[0], :a.shape[1]] = a

    tb = data.time_bin if data.time_bin is not None else (float("nan"), float("nan"))
    neuroid_coords = {"neuroid_id": ("neuroid", np.asarray(data.neuroid_ids, dtype=object)),
                      "region": ("neuroid", np.asarray([data.region] * n_neuroids, dtype=object))}
    for name, vals in data.neuroid_meta.items():
        arr = np.asarray(vals)
        neuroid_coords[name] = ("neuroid", arr.astype(object) if arr.dtype.kind in "UO" else arr)
    assembly = xr.DataArray(
        values, dims=("presentation", "neuroid", "time_bin"), name=data.benchmark_id,
        coords={"stimulus_id": ("presentation", np.asarray(data.stimulus_ids, dtype=object)[stim]),
                "repetition": ("presentation", slot.astype(np.int64)),
                **neuroid_coords,
                "time_bin_start": ("time_bin", np.asarray([tb[0]], dtype=np.float64)),
                "time_bin_end": ("time_bin", np.asarray([tb[1]], dtype=np.float64))},
        attrs={"benchmark_id": data.benchmark_id, "region": data.region, "description": data.description,
               "citation": data.citation, "ceiling_scheme": data.ceiling_scheme, "cv_scheme": data.cv_scheme,
               "n_folds": int(data.n_folds), "image_degrees": float(_attr_value(data.image_degrees)),
               "n_repeat_slots": int(n_slots),
               "stimuli_storage": "inside: variable stimulus_pixels (stimulus, pixel_row, pixel_col, channel) "
                                  "uint8 RGB, top-left aligned; true sizes in stimulus_height/stimulus_width",
               "meta_json": json.dumps(data.meta, sort_keys=True, default=str)})
    stimulus_coords = {"stimulus": ("stimulus", np.asarray(data.stimulus_ids, dtype=object)),
                       "stimulus_height": ("stimulus", np.asarray([h for h, _ in sizes], dtype=np.int64)),
                       "stimulus_width": ("stimulus", np.asarray([w for _, w in sizes], dtype=np.int64))}
    for name, vals in data.stimulus_meta.items():
        if name in ("stimulus", "stimulus_height", "stimulus_width"):
            raise WiringupError(f"benchmark {data.benchmark_id!r}: stimulus_meta key {name!r} is reserved")
        arr = np.asarray(vals)
        stimulus_coords[name] = ("stimulus", arr.astype(object) if arr.dtype.kind in "UO" else arr)
    stimuli = xr.DataArray(pixels, dims=("stimulus", "pixel_row", "pixel_col", "channel"), coords=stimulus_coords)
    ds = xr.Dataset({data.benchmark_id: assembly, "stimulus_pixels": stimuli},
                    attrs={"format": ASSEMBLY_FORMAT, "version": ASSEMBLY_VERSION,
                           "assembly_variable": data.benchmark_id})
    encoding = {data.benchmark_id: {"zlib": True, "complevel": compress_level},
                "stimulus_pixels": {"zlib": True, "complevel": compress_level,
                                    "chunksizes": (1, height, width, 3)}}
    with atomic_path(out_path) as tmp:
        ds.to_netcdf(tmp, engine="netcdf4", format="NETCDF4", encoding=encoding)
    return out_path


def load_assembly(path: str | Path, region: str | None = None) -> NeuralData:
    """Read a file written by :func:`package_assembly` back into the identical :class:`NeuralData`.

    ``region``, when given (the config passes it), must equal the packaged region.
    """
    import xarray as xr

    path = Path(path)
    if not path.is_file():
        raise WiringupError(f"{path}: packaged assembly not found; write it with wiringup.scoring.benchmarks."
                            "package_assembly or fix the benchmark's path")
    try:
        with xr.open_dataset(path, engine="netcdf4") as ds:
            ds = ds.load()
    except Exception as exc:  # noqa: BLE001
        raise WiringupError(f"{path}: not a readable netCDF file ({exc}); package the benchmark again") from None
    if ds.attrs.get("format") != ASSEMBLY_FORMAT:
        raise WiringupError(f"{path}: not a wiringup packaged assembly (no format={ASSEMBLY_FORMAT!r} attribute); "
                            "raw BrainIO assemblies load with their own benchmark type")
    if int(ds.attrs.get("version", -1)) != ASSEMBLY_VERSION:
        raise WiringupError(f"{path}: packaged assembly version {ds.attrs.get('version')} is not supported "
                            f"({ASSEMBLY_VERSION}); package the benchmark again")
    name = ds.attrs.get("assembly_variable")
    if name not in ds or "stimulus_pixels" not in ds:
        raise WiringupError(f"{path}: variables {name!r} and 'stimulus_pixels' are required; package it again")
    da, px = ds[name], ds["stimulus_pixels"]
    attrs = da.attrs
    if region is not None and region != attrs["region"]:
        raise WiringupError(f"{path}: holds region {attrs['region']!r}, but the config asks for {region!r}")
    stimulus_ids = [str(s) for s in px["stimulus"].values]
    index = {s: i for i, s in enumerate(stimulus_ids)}
    pres_stim = [str(s) for s in da["stimulus_id"].values]
    unknown = sorted(set(pres_stim) - set(index))
    if unknown:
        raise WiringupError(f"{path}: presentations of stimuli without pixels, e.g. {unknown[:3]}")
    n_slots = int(attrs["n_repeat_slots"])
    rep = np.asarray(da["repetition"].values, dtype=np.int64)
    if rep.size and (rep.min() < 0 or rep.max() >= n_slots):
        raise WiringupError(f"{path}: repetition values outside 0..{n_slots - 1}")
    si = np.array([index[s] for s in pres_stim], dtype=np.int64)
    values = np.asarray(da.transpose("presentation", "neuroid", "time_bin").values, dtype=np.float64)[:, :, 0]
    if np.isinf(values).any():
        raise WiringupError(f"{path}: {int(np.isinf(values).sum())} infinite response value(s); the file is "
                            "damaged, package the benchmark again")
    responses = np.full((da.sizes["neuroid"], len(stimulus_ids), n_slots), np.nan)
    responses[:, si, rep] = values.T
    holes = np.argwhere(np.isnan(responses).all(axis=2))  # NaN is a missing repeat, never a missing response
    if holes.size:
        n, s = holes[0]
        raise WiringupError(f"{path}: {len(holes)} neuroid/stimulus pair(s) have no finite response (all NaN), "
                            f"e.g. neuroid {da['neuroid_id'].values[n]!s}, stimulus {stimulus_ids[s]}; the file "
                            "is damaged, package the benchmark again")
    heights, widths = px["stimulus_height"].values, px["stimulus_width"].values
    pixels = px.values
    images = [Image.fromarray(np.ascontiguousarray(pixels[i, :int(h), :int(w)]), mode="RGB")
              for i, (h, w) in enumerate(zip(heights, widths))]
    reserved_n = {"neuroid_id", "region"}
    neuroid_meta = {c: da.coords[c].values.tolist() for c in da.coords
                    if da.coords[c].dims == ("neuroid",) and c not in reserved_n}
    stimulus_meta = {c: px.coords[c].values.tolist() for c in px.coords
                     if px.coords[c].dims == ("stimulus",) and c not in ("stimulus", "stimulus_height",
                                                                          "stimulus_width")}
    tb = (float(da["time_bin_start"].values[0]), float(da["time_bin_end"].values[0]))
    degrees = float(attrs["image_degrees"])
    return NeuralData(
        benchmark_id=str(attrs["benchmark_id"]),
        region=str(attrs["region"]),
        description=str(attrs["description"]),
        citation=str(attrs["citation"]),
        stimulus_ids=stimulus_ids,
        images=images,
        responses=responses,
        meta=json.loads(attrs["meta_json"]),
        neuroid_ids=[str(n) for n in da["neuroid_id"].values],
        stimulus_meta=stimulus_meta,
        neuroid_meta=neuroid_meta,
        cv_scheme=str(attrs["cv_scheme"]),
        n_folds=int(attrs["n_folds"]),
        ceiling_scheme=str(attrs["ceiling_scheme"]),
        image_degrees=None if math.isnan(degrees) else degrees,
        time_bin=None if any(math.isnan(t) for t in tb) else tb,
    )


BENCHMARK_TYPES: dict[str, Callable[..., NeuralData]] = {
    "cowley2023": load_cowley2023,
    "majajhong2015_slice": load_majajhong2015_slice,
    "assembly": load_assembly,
}


def load_benchmark(kind: str, path: Path, cv_scheme: str | None = None, n_folds: int | None = None,
                   **kw: Any) -> NeuralData:
    """Load a local benchmark of a registered ``kind`` from ``path`` (``kw``: the loader's own arguments, e.g.
    ``region``). ``cv_scheme`` / ``n_folds``, when given (a config entry's optional ``cv`` keys), replace the
    loader's default scheme, which is what the benchmark is scored with."""
    try:
        loader = BENCHMARK_TYPES[kind]
    except KeyError:
        raise WiringupError(f"unknown local benchmark type {kind!r}; known types: "
                            f"{', '.join(sorted(BENCHMARK_TYPES))}. Fix the benchmark's type in the config") from None
    data = loader(Path(path), **kw)
    if cv_scheme is not None or n_folds is not None:
        data = dataclasses.replace(data, cv_scheme=data.cv_scheme if cv_scheme is None else cv_scheme,
                                   n_folds=data.n_folds if n_folds is None else n_folds)  # re-validated
    return data
