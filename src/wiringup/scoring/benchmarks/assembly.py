"""Packaged assemblies: one self-contained netCDF4 file per local benchmark (:func:`package_assembly`), read back
by :func:`load_assembly` (benchmark type ``assembly``) into exactly the :class:`NeuralData` that was packaged.

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

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from wiringup.core.io import WiringupError, atomic_path, rebuild_advice
from wiringup.scoring.benchmarks.neural_data import NeuralData

ASSEMBLY_FORMAT = "wiringup-assembly"
ASSEMBLY_VERSION = 1


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
                            "assembly.package_assembly or fix the benchmark's path")
    try:
        with xr.open_dataset(path, engine="netcdf4") as ds:
            ds = ds.load()
    except Exception as exc:  # noqa: BLE001
        raise WiringupError(f"{path}: not a readable netCDF file ({exc}); {rebuild_advice(path)}") from None
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


def read_packaged(path: str | Path, missing_hint: str) -> Any:
    """The loaded ``xarray.Dataset`` of a packaged benchmark file (any family); a missing file is refused with
    ``missing_hint`` (what writes it), an unreadable one with the advice to package it again."""
    import xarray as xr

    path = Path(path)
    if not path.is_file():
        raise WiringupError(f"{path}: packaged benchmark not found; {missing_hint}")
    try:
        with xr.open_dataset(path, engine="netcdf4") as ds:
            return ds.load()
    except Exception as exc:  # noqa: BLE001 - any read failure is a data problem
        raise WiringupError(f"{path}: not a readable netCDF file ({exc}); package the benchmark again") from None
