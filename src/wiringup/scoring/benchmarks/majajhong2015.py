"""Benchmark family ``majajhong2015_slice``: the 25-image MajajHong2015 test slice (V4 or IT), read from
Brain-Score's BrainIO packaging (netCDF ``assembly.nc`` plus PNG stimuli and ``images/test_images.csv``).

Not Brain-Score's MajajHong2015 benchmark (2,560 images); see :mod:`wiringup.scoring.benchmarks`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np
from PIL import Image

from wiringup.core.io import WiringupError
from wiringup.scoring.benchmarks.neural_data import NeuralData

MAJAJHONG2015_CITATION = (
    "Majaj, N. J., Hong, H., Solomon, E. A. & DiCarlo, J. J. (2015). Simple learned weighted sums of inferior "
    "temporal neuronal firing rates accurately predict human core object recognition performance. J. Neurosci. "
    "35(39), 13402-13418. Test slice packaged by the Brain-Score team (brain-score/brainio_contrib, "
    "brainio_collection; MIT licence)."
)


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
