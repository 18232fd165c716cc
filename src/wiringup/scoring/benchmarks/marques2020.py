"""Benchmark family ``marques2020``: Brain-Score's Marques2020 V1 single-neuron property benchmarks, on the
published property histograms and the grating parameters in ``<data>/marques2020_v1`` (``properties.json``,
``stimuli.json``; see its README).

Seven of Brain-Score's 22 Marques2020 benchmarks have their data there; the ids are Brain-Score's
(:data:`MARQUES2020_BENCHMARKS`), region V1. One benchmark compares the distribution of one property over the
model's V1 units with the distribution over macaque V1 neurons.

**As Brain-Score defines it** (brainscore-vision 2.4.2 ``benchmarks/marques2020``, ``PropertiesBenchmark``):
the gratings are regenerated from ``stimuli.json`` (:mod:`wiringup.scoring.gratings`, pixel-identical to
Brain-Score's renderer), shown on the model's ``visual_degrees`` screen (centre crop of the 12-degree images) and
resized to the model's input; the V1 layer's units are kept if their receptive field lies at the stimulus position,
their activations are mapped to firing rates, and their properties computed (:mod:`wiringup.scoring.v1_properties`,
same code path as Brain-Score's). The score is Brain-Score's bootstrapped KS similarity divided by its ceiling, the
same similarity of the data with itself (:mod:`wiringup.scoring.distribution_similarity`); the draws come from
``numpy.random.RandomState(seed)``: the raw score first, then the ceiling from the same generator, exactly as
brainscore-vision draws from numpy's global generator after ``np.random.seed(seed)``.

**Where it differs.** (1) Brain-Score's ``error`` is the bootstrap std of the raw score, copied unceiled; here
``raw_error`` is that number and ``error`` = raw_error / ceiling (the project's convention). (2) Brain-Score's code
fails when no unit lies in the receptive-field window or passes the response threshold (and when exactly one unit
does: ``np.squeeze`` drops the unit axis); here the score is then 0 with a ``note`` (its metric's value for an
undefined model distribution), and one unit is scored as one. (3) Brain-Score holds all 3,528 x units
receptive-field activations in memory (2.8 GB for a 64 x 56 x 56 layer); here they are reduced chunk by chunk,
with the same result. (4) Brain-Score caches the RF map, firing-rate map and properties on disk by model
identifier; here the responses are cached in memory by a fingerprint of the weights
(:mod:`wiringup.scoring.v1_recording`), so the 7 benchmarks on one model in one process render and run the
9,097 gratings once.

**Scale** (:func:`load_marques2020` ``image_size``): Brain-Score renders the 12-degree gratings at 672 px
(56 px/deg), which the model sees cropped to its 8 degrees (448 px) and resized to its input. The stimuli are
regenerated on every score, never stored (9,097 images at 672 px would be 4 GB; rendering costs ~3 ms per image
at 672 px, far less at small sizes), so ``image_size`` is a free parameter: 672 (default, Brain-Score's) or e.g.
96 for a 64-px model (1.5 x the input: the 8-degree crop is exactly the input size, no resize). Below ~360 px
the finest gratings (up to 14.7 c/deg) are under-sampled, so scores at small ``image_size`` are a scaled-down
version of the benchmark, not Brain-Score's numbers. No neuron subsampling is needed (Brain-Score keeps every
unit; so does this). The model's input size matters more: at 64 px the CORnet-S V1 output is a 16 x 16 grid,
0.5 degrees apart, so only a few of its units (2 to 4 of 4,096 for width 0.25) have their RF centre within
Brain-Score's 0.15 degrees of the stimulus position, and each distribution is that of a handful of units (at
224 px the grid is 0.14 degrees apart).

The packaged file (:func:`package_marques2020`) holds the data column, its bins, the four stimulus tables (all
parameters of every grating) and a digest of sample renderings that :func:`load_packaged_marques2020` checks.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from torch import nn

from wiringup.core.io import WiringupError, atomic_path
from wiringup.scoring.benchmarks.assembly import read_packaged
from wiringup.scoring.distribution_similarity import N_BOOTSTRAP, bootstrap_similarity, property_ceiling
from wiringup.scoring.gratings import GRATING_COLUMNS, grating_table, render_grating
from wiringup.scoring.v1_properties import RF_DELTA, check_grating_order
from wiringup.scoring.v1_recording import ORIENTATION_SET, RF_SET, ModelResponses, measure_properties

FAMILY = "marques2020"
FORMAT = "wiringup-marques2020"
VERSION = 1
BLANK = "Marques2020_blank"

#: Brain-Score's benchmark id -> (source dataset, property) for the 7 benchmarks whose data are local.
MARQUES2020_BENCHMARKS: dict[str, tuple[str, str]] = {
    "Marques2020_DeValois1982-pref_or": ("DeValois1982a", "preferred_orientation"),
    "Marques2020_DeValois1982-peak_sf": ("DeValois1982b", "peak_spatial_frequency"),
    "Marques2020_Cavanaugh2002-surround_suppression_index": ("Cavanaugh2002a", "surround_suppression_index"),
    "Marques2020_Cavanaugh2002-grating_summation_field": ("Cavanaugh2002a", "grating_summation_field"),
    "Marques2020_Cavanaugh2002-surround_diameter": ("Cavanaugh2002a", "surround_diameter"),
    "Marques2020_Schiller1976-sf_selective": ("Schiller1976c", "spatial_frequency_selective"),
    "Marques2020_Schiller1976-sf_bandwidth": ("Schiller1976c", "spatial_frequency_bandwidth"),
}

MARQUES2020_CITATION = (
    "Marques, T., Schrimpf, M. & DiCarlo, J. J. (2021). Multi-scale hierarchical neural network models that bridge "
    "from single neurons in the primate primary visual cortex to object recognition behavior. bioRxiv "
    "2021.03.01.433495. Property histograms and grating parameters from brain-score/vision (MIT), digitised from: "
)


@dataclass
class Marques2020Data:
    """One Marques2020 V1-property benchmark: the data distribution and the gratings that measure it.

    ``values``: the data column as Brain-Score stores it (``n_neurons`` rows, NaN padding first for properties
    measured on fewer cells, then values drawn inside each bin as ``gen_sample`` draws them); ``bin_edges`` its
    histogram bins. ``stimulus_sets`` maps Brain-Score's stimulus-set ids (receptive field, orientation and this
    benchmark's own ``stimulus_set``) to their tables (columns :data:`~wiringup.scoring.gratings.GRATING_COLUMNS`,
    Brain-Score's row order). ``image_size`` px span ``degrees`` (Brain-Score: 672 px, 12 degrees).
    """

    benchmark_id: str
    region: str
    description: str
    citation: str
    dataset: str
    property_name: str
    values: np.ndarray
    bin_edges: np.ndarray
    stimulus_set: str
    stimulus_sets: dict[str, dict[str, np.ndarray]]
    image_size: int = 672
    degrees: float = 12.0
    number_of_trials: int = 20
    time_bin: tuple[float, float] = (70.0, 170.0)
    ceiling_scheme: str = "property_self_similarity"
    unit: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        where = f"benchmark {self.benchmark_id!r}"
        self.values = np.asarray(self.values, dtype=float).reshape(-1)
        self.bin_edges = np.asarray(self.bin_edges, dtype=float).reshape(-1)
        if self.bin_edges.size < 2 or np.any(np.diff(self.bin_edges) <= 0):
            raise WiringupError(f"{where}: bin edges must be at least 2 increasing numbers")
        if not np.isfinite(self.values).any():
            raise WiringupError(f"{where}: the data column has no finite value")
        for name in (RF_SET, ORIENTATION_SET, self.stimulus_set):
            if name not in self.stimulus_sets:
                raise WiringupError(f"{where}: stimulus set {name!r} is missing")
        for name, table in self.stimulus_sets.items():
            if sorted(table) != sorted(GRATING_COLUMNS):
                raise WiringupError(f"{where}: stimulus set {name!r} needs exactly the columns {GRATING_COLUMNS}")
            self.stimulus_sets[name] = {c: np.asarray(table[c], dtype=float) for c in GRATING_COLUMNS}
            check_grating_order(self.stimulus_sets[name])
        if int(self.image_size) < 8:
            raise WiringupError(f"{where}: image_size {self.image_size} is too small (Brain-Score: 672)")
        self.image_size = int(self.image_size)
        if self.ceiling_scheme != "property_self_similarity":
            raise WiringupError(f"{where}: unknown ceiling scheme {self.ceiling_scheme!r}")

    @property
    def n_stimuli(self) -> int:
        return len(self.stimulus_sets[self.stimulus_set]["phase"])

    @property
    def n_neuroids(self) -> int:
        """Data cells with a value (the NaN padding rows are not cells of this property)."""
        return int(np.isfinite(self.values).sum())

    @property
    def counts(self) -> np.ndarray:
        return np.histogram(self.values[np.isfinite(self.values)], bins=self.bin_edges)[0]

    def ceiling(self, seed: int = 0, n_bootstrap: int = N_BOOTSTRAP) -> dict[str, Any]:
        """Brain-Score's ceiling (the data's similarity with itself) drawn from a fresh ``RandomState(seed)``.
        (A score draws its ceiling after the raw score from the same generator, as Brain-Score does.)"""
        return property_ceiling(self.values, self.bin_edges, np.random.RandomState(seed), n_samples=n_bootstrap)

    def summary(self, ceiling_seed: int = 0) -> dict[str, Any]:
        ceil = self.ceiling(seed=ceiling_seed)
        return {"benchmark_id": self.benchmark_id, "description": self.description, "citation": self.citation,
                "region": self.region, "n_stimuli": self.n_stimuli, "n_neuroids": self.n_neuroids,
                "ceiling": ceil["score"], "ceiling_error": ceil["error"], "ceiling_reason": None,
                "ceiling_scheme": self.ceiling_scheme, "property": self.property_name, "dataset": self.dataset,
                "stimulus_set": self.stimulus_set, "image_size": self.image_size, "image_degrees": self.degrees,
                "bin_edges": self.bin_edges.tolist(), "counts": self.counts.tolist()}


# ------------------------------------------------------------------------------------------------------ loader

def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise WiringupError(f"{path}: file not found; the Marques2020 folder needs properties.json and "
                            "stimuli.json")
    try:
        out = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise WiringupError(f"{path}: not readable JSON ({exc}); replace it with an intact copy") from None
    if not isinstance(out, dict):
        raise WiringupError(f"{path}: expected a JSON object at the top level")
    return out


def _get(path: Path, obj: Any, *keys: str) -> Any:
    for i, key in enumerate(keys):
        if not isinstance(obj, dict) or key not in obj:
            raise WiringupError(f"{path}: missing key {'.'.join(keys[:i + 1])!r}")
        obj = obj[key]
    return obj


def _numbers(path: Path, value: Any, what: str, integer: bool = False) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise WiringupError(f"{path}: {what} must be a list of numbers, got {value!r}") from None
    if arr.size == 0 or not np.isfinite(arr).all():
        raise WiringupError(f"{path}: {what} must be finite numbers, got {value!r}")
    arr = arr.reshape(-1)
    if integer and (np.any(arr < 0) or np.any(arr != np.round(arr))):
        raise WiringupError(f"{path}: {what} must be non-negative integers, got {value!r}")
    return arr


def gen_sample(counts: np.ndarray, bins: np.ndarray, scale: str, rng: np.random.RandomState) -> np.ndarray:
    """Brain-Score's ``gen_sample``: per bin, ``counts[k]`` values uniform between its edges (in log2 for
    ``log2``), bin after bin; ``binary``: ``counts[0]`` zeros then ``counts[1]`` ones (no draw)."""
    if scale == "binary":
        return np.concatenate((np.zeros(int(counts[0])), np.ones(int(counts[1]))))
    edges = np.log2(bins) if scale == "log2" else np.asarray(bins, dtype=float)
    parts = [rng.random_sample(int(c)) * (edges[k + 1] - edges[k]) + edges[k] for k, c in enumerate(counts)]
    sample = np.concatenate(parts) if parts else np.empty(0)
    return 2 ** sample if scale == "log2" else sample


def _data_column(path: Path, entry: dict[str, Any], dataset: str, prop: str, sample_seed: int) -> tuple:
    """The property column as Brain-Score's packaging script draws it (every property of the dataset in order,
    from one generator, so a seed gives Brain-Score's assembly for that seed)."""
    n_neurons = int(_numbers(path, _get(path, entry, "n_neurons"), f"{dataset}.n_neurons", integer=True)[0])
    rng = np.random.RandomState(sample_seed)
    column = None
    for name in _get(path, entry, "property_order"):
        p = _get(path, entry, "properties", name)
        where = f"{dataset}.properties.{name}"
        counts = _numbers(path, _get(path, p, "counts"), f"{where}.counts", integer=True).astype(np.int64)
        bins = _numbers(path, _get(path, p, "bin_edges"), f"{where}.bin_edges")
        scale = _get(path, p, "scale")
        if counts.ndim != 1 or bins.ndim != 1 or bins.size != counts.size + 1:
            raise WiringupError(f"{path}: {where}: {counts.size} counts need {counts.size + 1} bin edges, got "
                                f"{bins.size}")
        if np.any(np.diff(bins) <= 0) or (scale == "log2" and bins[0] <= 0):
            raise WiringupError(f"{path}: {where}.bin_edges must increase (and be positive for log2)")
        if scale not in ("linear", "log2", "binary") or (scale == "binary" and counts.size != 2):
            raise WiringupError(f"{path}: {where}.scale {scale!r} must be linear, log2 or binary (2 bins)")
        n_cells = int(_get(path, p, "n_cells"))
        padding = int(_get(path, p, "nan_padding"))
        if counts.sum() != n_cells or n_cells + padding != n_neurons:
            raise WiringupError(f"{path}: {where}: counts sum to {counts.sum()}, n_cells is {n_cells} and "
                                f"nan_padding {padding}; they must satisfy sum = n_cells = n_neurons - padding "
                                f"({n_neurons})")
        values = np.concatenate((np.full(padding, np.nan), gen_sample(counts, bins, scale, rng)))
        if name == prop:
            column = (values, bins, p)
    if column is None:
        raise WiringupError(f"{path}: {dataset} has no property {prop!r} in its property_order")
    return column


def _stimulus_tables(path: Path, stim: dict[str, Any], names: list[str]) -> dict[str, dict[str, np.ndarray]]:
    tables = {}
    for name in names:
        entry = _get(path, stim, "stimulus_sets", name)
        order = list(_get(path, entry, "row_order_brainscore"))
        values = _get(path, entry, "values")
        try:
            table = grating_table(values, order)
        except (WiringupError, KeyError) as exc:
            raise WiringupError(f"{path}: stimulus_sets.{name}: {exc}") from None
        n = int(_get(path, entry, "n_stimuli"))
        if len(table["phase"]) != n:
            raise WiringupError(f"{path}: stimulus_sets.{name}: the values give {len(table['phase'])} gratings, "
                                f"n_stimuli says {n}")
        try:
            check_grating_order(table)
        except WiringupError as exc:
            raise WiringupError(f"{path}: stimulus_sets.{name}: {exc}") from None
        tables[name] = table
    return tables


def load_marques2020(path: Path, region: str | None = "V1", benchmark: str | None = None, image_size: int = 672,
                     sample_seed: int = 0) -> Marques2020Data:
    """Load one Marques2020 V1-property benchmark from the folder with ``properties.json`` and ``stimuli.json``.

    ``benchmark``: Brain-Score's id (one of :data:`MARQUES2020_BENCHMARKS`). ``image_size``: the pixels the
    12-degree gratings are rendered at (Brain-Score: 672; see the module docstring for smaller sizes).
    ``sample_seed``: the seed of Brain-Score's ``gen_sample`` draw of the data values (the metric only sees their
    histogram, so the score does not depend on it).
    """
    path = Path(path)
    if benchmark not in MARQUES2020_BENCHMARKS:
        raise WiringupError(f"marques2020: unknown or missing benchmark {benchmark!r}; set the benchmark's "
                            f"`benchmark` key to one of {', '.join(MARQUES2020_BENCHMARKS)}")
    if region not in (None, "V1"):
        raise WiringupError(f"{path}: the Marques2020 benchmarks are V1 benchmarks, but region {region!r} was "
                            "requested; set the benchmark's region to V1")
    if not path.is_dir():
        raise WiringupError(f"{path}: folder not found; point the benchmark path at <data>/marques2020_v1")
    props_path, stim_path = path / "properties.json", path / "stimuli.json"
    props, stim = _read_json(props_path), _read_json(stim_path)
    dataset, prop = MARQUES2020_BENCHMARKS[benchmark]
    entry = _get(props_path, props, "datasets", dataset)
    values, bins, p = _data_column(props_path, entry, dataset, prop, sample_seed)
    if benchmark not in p.get("benchmarks", []):
        raise WiringupError(f"{props_path}: {dataset}.properties.{prop}.benchmarks does not list {benchmark!r}")
    own = str(_get(props_path, entry, "stimulus_set"))
    degrees = float(_numbers(stim_path, _get(stim_path, stim, "display", "degrees"), "display.degrees")[0])
    tables = _stimulus_tables(stim_path, stim, list(dict.fromkeys([RF_SET, ORIENTATION_SET, own])))
    for name in (ORIENTATION_SET, own):
        if len(set(tables[name]["position_y"])) != 1 or len(set(tables[name]["position_x"])) != 1:
            raise WiringupError(f"{stim_path}: stimulus_sets.{name} must have one position")
    paper = _get(props_path, entry, "paper")
    n_trials = int(_get(props_path, entry, "attrs", "number_of_trials"))
    description = (
        f"Brain-Score's {benchmark} (V1 single-neuron property '{prop}', {dataset}: {int(np.isfinite(values).sum())} "
        f"macaque V1 cells in {bins.size - 1} bins): the distribution of the property over the model's V1 units "
        f"whose receptive field lies at the stimulus position, measured with the {own} gratings "
        f"({len(tables[own]['phase'])} images, regenerated at {image_size} px for {degrees:g} degrees"
        + (", Brain-Score's size" if image_size == 672 else ", scaled down from Brain-Score's 672 px") +
        "), compared by Brain-Score's bootstrapped KS similarity and ceiled by the data's similarity with itself.")
    return Marques2020Data(
        benchmark_id=benchmark, region="V1", description=description, citation=MARQUES2020_CITATION + paper,
        dataset=dataset, property_name=prop, values=values, bin_edges=bins, stimulus_set=own, stimulus_sets=tables,
        image_size=image_size, degrees=degrees, number_of_trials=n_trials, unit=str(p.get("unit", "")),
        meta={"source": str(path), "sample_seed": int(sample_seed), "scale": p.get("scale")})


# --------------------------------------------------------------------------------------------------- packaging

def render_digest(data: Marques2020Data, size_px: int = 112, per_set: int = 8) -> str:
    """SHA1 (12 hex digits) over ``per_set`` evenly spaced gratings of every stimulus set rendered at
    ``size_px``: packaged with the parameters, so a loader sees whether the renderer still draws the same pixels."""
    digest = hashlib.sha1()
    for name in sorted(data.stimulus_sets):
        table = data.stimulus_sets[name]
        for r in np.linspace(0, len(table["phase"]) - 1, per_set).round().astype(int):
            args = {c: float(table[c][r]) for c in GRATING_COLUMNS}
            digest.update(render_grating(size_px, data.degrees, **args).tobytes())
    return digest.hexdigest()[:12]


def to_dataset(data: Marques2020Data) -> Any:
    """The packaged form (xarray Dataset; attr ``family`` = ``marques2020``)."""
    import xarray as xr

    variables: dict[str, Any] = {
        "property_values": xr.DataArray(data.values, dims=("neuroid",)),
        "bin_edges": xr.DataArray(data.bin_edges, dims=("bin_edge",))}
    for i, (name, table) in enumerate(data.stimulus_sets.items()):
        for col in GRATING_COLUMNS:
            variables[f"set{i}_{col}"] = xr.DataArray(table[col], dims=(f"set{i}_stimulus",))
    fields = {f.name: getattr(data, f.name) for f in dataclasses.fields(data)
              if f.name not in ("values", "bin_edges", "stimulus_sets", "meta", "time_bin")}
    attrs = {"format": FORMAT, "version": VERSION, "family": FAMILY, **fields,
             "time_bin": list(data.time_bin), "stimulus_set_names": json.dumps(list(data.stimulus_sets)),
             "render_digest": render_digest(data), "meta_json": json.dumps(data.meta, sort_keys=True, default=str)}
    return xr.Dataset(variables, attrs=attrs)


def from_dataset(ds: Any, source: str = "dataset") -> Marques2020Data:
    """Read :func:`to_dataset`'s form back into the identical :class:`Marques2020Data`."""
    a = ds.attrs
    if a.get("format") != FORMAT or a.get("family") != FAMILY:
        raise WiringupError(f"{source}: not a packaged Marques2020 benchmark (format {a.get('format')!r}, family "
                            f"{a.get('family')!r})")
    if int(a.get("version", -1)) != VERSION:
        raise WiringupError(f"{source}: packaged Marques2020 version {a.get('version')} is not supported "
                            f"({VERSION}); package the benchmark again")
    try:
        names = json.loads(a["stimulus_set_names"])
        sets = {name: {c: np.asarray(ds[f"set{i}_{c}"].values, dtype=float) for c in GRATING_COLUMNS}
                for i, name in enumerate(names)}
        data = Marques2020Data(
            benchmark_id=str(a["benchmark_id"]), region=str(a["region"]), description=str(a["description"]),
            citation=str(a["citation"]), dataset=str(a["dataset"]), property_name=str(a["property_name"]),
            values=np.asarray(ds["property_values"].values, dtype=float),
            bin_edges=np.asarray(ds["bin_edges"].values, dtype=float), stimulus_set=str(a["stimulus_set"]),
            stimulus_sets=sets, image_size=int(a["image_size"]), degrees=float(a["degrees"]),
            number_of_trials=int(a["number_of_trials"]), time_bin=tuple(float(t) for t in a["time_bin"]),
            ceiling_scheme=str(a["ceiling_scheme"]), unit=str(a["unit"]), meta=json.loads(a["meta_json"]))
    except (KeyError, ValueError, TypeError) as exc:
        raise WiringupError(f"{source}: damaged packaged Marques2020 benchmark ({exc!r}); package it again") from None
    if render_digest(data) != a.get("render_digest"):
        raise WiringupError(f"{source}: the gratings rendered now differ from those rendered when it was packaged "
                            "(render digest mismatch); the renderer or the stimulus tables changed")
    return data


def package_marques2020(data: Marques2020Data, path: str | Path) -> Path:
    """Write one self-contained netCDF4 file (written to a temporary name, renamed into place)."""
    path = Path(path)
    ds = to_dataset(data)
    encoding = {name: {"zlib": True, "complevel": 4} for name in ds.data_vars}
    with atomic_path(path) as tmp:
        ds.to_netcdf(tmp, engine="netcdf4", format="NETCDF4", encoding=encoding)
    return path


def load_packaged_marques2020(path: str | Path, region: str | None = None) -> Marques2020Data:
    path = Path(path)
    ds = read_packaged(path, 'write it with package_marques2020')
    data = from_dataset(ds, source=str(path))
    if region is not None and region != data.region:
        raise WiringupError(f"{path}: holds region {data.region!r}, but the config asks for {region!r}")
    return data


# ------------------------------------------------------------------------------------------------------ scoring

def score_marques2020(model: nn.Module, data: Marques2020Data, layer: str, input_size: int, batch_size: int = 64,
                      device: str = "cpu", seed: int = 0, visual_degrees: float = 8.0, image_size: int | None = None,
                      n_bootstrap: int = N_BOOTSTRAP, rf_delta: float = RF_DELTA, chunk: int = 256,
                      cache: bool = True) -> dict[str, Any]:
    """Score ``layer`` of ``model`` on one Marques2020 benchmark (see the module docstring).

    ``visual_degrees``: the model's field of view (8, as committed); ``image_size`` overrides ``data.image_size``;
    ``seed`` seeds the bootstrap (raw score, then ceiling, from one ``RandomState``). ``score`` = raw / ceiling,
    ``error`` = bootstrap std / ceiling (``raw_error`` unceiled, as Brain-Score reports it). ``cache``: reuse the
    responses of the previous call on the same weights and settings (:mod:`wiringup.scoring.v1_recording`).
    """
    t0 = time.perf_counter()
    source = ModelResponses(model, layer, input_size, int(image_size or data.image_size), degrees=data.degrees,
                            visual_degrees=visual_degrees, batch_size=batch_size, device=device, chunk=chunk,
                            cache=cache)
    measured = measure_properties(source, data.stimulus_sets, data.stimulus_set, data.dataset, region=data.region,
                                  rf_delta=rf_delta)
    out = score_properties(measured, data, seed=seed, n_bootstrap=n_bootstrap, rf_delta=rf_delta)
    out.update(layer=layer, input_size=int(input_size), image_size=source.size_px,
               visual_degrees=source.visual_degrees, seconds=time.perf_counter() - t0)
    return out


def score_properties(measured: dict[str, Any], data: Marques2020Data, seed: int = 0,
                     n_bootstrap: int = N_BOOTSTRAP, rf_delta: float = RF_DELTA) -> dict[str, Any]:
    """The score of measured model properties (:func:`~wiringup.scoring.v1_recording.measure_properties`):
    Brain-Score's bootstrapped KS similarity, then its ceiling from the same ``RandomState(seed)``."""
    values = np.asarray(measured["properties"].get(data.property_name, np.empty(0)), dtype=float)
    rng = np.random.RandomState(seed)
    note = None
    if values.size == 0:
        note = (f"no unit lies within {rf_delta} deg of the stimulus position and passes the response threshold "
                "(Brain-Score's code fails here): scored 0")
        raw = {"score": 0.0, "error": 0.0, "model_hist": None}
    else:
        raw = bootstrap_similarity(values, data.values, data.bin_edges, rng, n_samples=n_bootstrap)
    ceil = property_ceiling(data.values, data.bin_edges, rng, n_samples=n_bootstrap)
    c = ceil["score"]
    finite = values[np.isfinite(values)]
    return {
        "benchmark_id": data.benchmark_id, "region": data.region, "layer": None,
        "score": raw["score"] / c if c > 0 else None, "raw": raw["score"], "ceiling": c,
        "error": raw["error"] / c if c > 0 else None, "raw_error": raw["error"], "ceiling_error": ceil["error"],
        "per_split": None, "n_stimuli": data.n_stimuli, "n_neuroids": data.n_neuroids,
        "ceiling_scheme": data.ceiling_scheme, "seed": seed, "input_size": None, "property": data.property_name,
        "n_units": measured["n_units"], "n_units_in_rf": measured["n_units_in_rf"],
        "n_units_responsive": measured["n_units_responsive"], "n_units_with_value": int(finite.size),
        "model_median": float(np.median(finite)) if finite.size else None,
        "model_hist": None if raw["model_hist"] is None else [float(v) for v in raw["model_hist"]],
        "data_hist": [float(v) for v in ceil["data_hist"]], "bin_edges": data.bin_edges.tolist(),
        "n_bootstrap": int(n_bootstrap), "image_size": data.image_size, "visual_degrees": None,
        "affine": measured.get("affine"), "note": note, "seconds": None,
    }


SCORER = score_marques2020
