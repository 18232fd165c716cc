"""brainscore-vision's OWN Marques2020 benchmark classes on our local Marques2020 data, offline (the parity
reference for :mod:`wiringup.scoring.benchmarks.marques2020`).

:func:`register_marques2020` registers the local data under the ids brainscore-vision's ``data/marques2020`` plugin
declares, as a Brain-Score data plugin would (the plugin module is imported first, so its S3 entries are already
in the registries and ours replace them): the property assembly (``data_registry[<dataset>]``, e.g.
``DeValois1982a``: a ``PropertyAssembly`` neuroid x neuronal_property with attrs ``number_of_trials`` and
``<property>_bins``, the stimulus set attached as the S3 loader attaches it) and the stimulus sets the benchmark
and its shared property code load by fixed id (``Marques2020_blank``, ``Marques2020_receptive_field``,
``Marques2020_orientation`` and the benchmark's own set), the gratings written as PNG files at the data's
``image_size`` (12 degrees; the blank 2/3 of it, uniform gray, as Brain-Score's 448-of-672 px blank), each set's
identifier equal to its registry key. :func:`score_marques2020_brainscore` then runs
``brainscore_vision.load_benchmark(<id>)`` on our model committed as :func:`wiringup.scoring.brainscore.model.
brain_model` commits it, with result caching switched off (``RESULTCACHING_DISABLE``: Brain-Score caches RF maps,
firing-rate maps and properties by model identifier), ``place_on_screen`` writing into the work folder, and
numpy's global generator seeded just before the raw score's bootstrap (the ceiling's draws follow from the same
generator, as in ``PropertiesBenchmark.__call__``). Registry entries are restored afterwards. No network.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator

import numpy as np
from PIL import Image
from torch import nn

from wiringup.core.io import atomic_path
from wiringup.scoring.benchmarks.marques2020 import BLANK, Marques2020Data
from wiringup.scoring.brainscore.model import brain_model, weights_fingerprint
from wiringup.scoring.gratings import GRATING_COLUMNS, GRAY, render_grating, table_digest

PLUGIN = "brainscore_vision.data.marques2020"


def _stimulus_set(identifier: str, table: dict[str, np.ndarray] | None, folder: Path, size_px: int,
                  degrees: float) -> Any:
    """A brainscore ``StimulusSet`` of the gratings of ``table`` (or the blank), PNG files in ``folder``
    (written once per folder: a marker with the parameters' digest lets later registrations reuse them)."""
    import pandas as pd
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

    folder = folder / identifier
    folder.mkdir(parents=True, exist_ok=True)
    n = 1 if table is None else len(table["phase"])
    ids = [f"{identifier}_{i:05d}" for i in range(n)]
    paths = {sid: folder / f"{sid}.png" for sid in ids}
    salt = f"{size_px}:{degrees}"
    digest = table_digest(table, salt) if table is not None else salt
    marker = folder / "written.sha1"
    if not (marker.is_file() and marker.read_text() == digest):
        marker.unlink(missing_ok=True)
        for i, sid in enumerate(ids):
            if table is None:
                blank_px = int(round(size_px * 2 / 3))
                pixels = np.full((blank_px, blank_px), GRAY, dtype=np.uint8)
            else:
                pixels = render_grating(size_px, degrees, **{c: float(table[c][i]) for c in GRATING_COLUMNS})
            Image.fromarray(pixels, mode="L").save(paths[sid], format="PNG")
        with atomic_path(marker) as tmp:
            tmp.write_text(digest)
    frame = {"stimulus_id": ids, "filename": [p.name for p in paths.values()], "degrees": [degrees] * n}
    if table is not None:
        frame.update({c: np.asarray(table[c], dtype=float) for c in GRATING_COLUMNS})
    stimulus_set = StimulusSet(pd.DataFrame(frame))
    stimulus_set.stimulus_paths = paths
    stimulus_set.identifier = identifier
    return stimulus_set


def property_assembly(data: Marques2020Data, stimulus_set: Any) -> Any:
    """The data column as Brain-Score's ``PropertyAssembly`` (as ``load_assembly_from_s3`` returns it)."""
    from brainscore_core.supported_data_standards.brainio.assemblies import PropertyAssembly

    n = data.values.size
    assembly = PropertyAssembly(data.values.reshape(-1, 1).copy(),
                                coords={"neuroid_id": ("neuroid", list(range(n))),
                                        "region": ("neuroid", [data.region] * n),
                                        "neuronal_property": [data.property_name]},
                                dims=["neuroid", "neuronal_property"])
    assembly.attrs["number_of_trials"] = data.number_of_trials
    assembly.attrs[f"{data.property_name}_bins"] = np.asarray(data.bin_edges, dtype=float)
    assembly.attrs["stimulus_set_identifier"] = stimulus_set.identifier
    assembly.attrs["stimulus_set"] = stimulus_set
    assembly.attrs["identifier"] = data.dataset
    return assembly


@contextlib.contextmanager
def register_marques2020(data: Marques2020Data, folder: str | os.PathLike) -> Iterator[dict[str, Any]]:
    """Within the block, brainscore-vision loads ``data``'s assembly and stimulus sets from ``folder`` (written
    there first); the registries' previous entries are restored afterwards. Yields the stimulus sets by id."""
    import importlib

    import brainscore_vision

    importlib.import_module(PLUGIN)  # its S3 registrations run now, never after ours
    folder = Path(folder)
    sets = {BLANK: _stimulus_set(BLANK, None, folder, data.image_size, data.degrees)}
    for name, table in data.stimulus_sets.items():
        sets[name] = _stimulus_set(name, table, folder, data.image_size, data.degrees)
    stimulus_registry, data_registry = brainscore_vision.stimulus_set_registry, brainscore_vision.data_registry
    saved = {("s", k): stimulus_registry.get(k) for k in sets} | {("d", data.dataset):
                                                                  data_registry.get(data.dataset)}
    try:
        for name, stimuli in sets.items():
            stimulus_registry[name] = (lambda s=stimuli: s)
        data_registry[data.dataset] = lambda: property_assembly(data, sets[data.stimulus_set])
        yield sets
    finally:
        for (kind, key), value in saved.items():
            registry = stimulus_registry if kind == "s" else data_registry
            if value is None:
                registry.pop(key, None)
            else:
                registry[key] = value


@contextlib.contextmanager
def _offline_settings(work: Path) -> Iterator[None]:
    """Result caching off, ``place_on_screen`` writing under ``work``, no S3 result cache."""
    from brainscore_vision.benchmark_helpers import screen

    saved_env = {k: os.environ.get(k) for k in ("RESULTCACHING_DISABLE", "RESULTCACHING_S3_BUCKET")}
    saved_root = screen.root_path
    os.environ["RESULTCACHING_DISABLE"] = "1"
    os.environ.pop("RESULTCACHING_S3_BUCKET", None)
    screen.root_path = work / "stimuli_on_screen"
    try:
        yield
    finally:
        screen.root_path = saved_root
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_brainscore_benchmark(candidate: Any, data: Marques2020Data, *, seed: int = 0,
                             work_dir: str | os.PathLike | None = None) -> dict[str, Any]:
    """brainscore-vision's own benchmark ``data.benchmark_id`` on a ``BrainModel`` ``candidate``, with ``data``
    registered (:func:`register_marques2020`), result caching off and the bootstrap seeded (module docstring)."""
    t0 = time.perf_counter()
    import brainscore_vision

    captured: dict[str, Any] = {}
    with contextlib.ExitStack() as stack:
        work = Path(work_dir) if work_dir is not None else Path(stack.enter_context(
            tempfile.TemporaryDirectory(prefix="wiringup-marques2020-bs-")))
        stack.enter_context(register_marques2020(data, work / "stimuli"))
        stack.enter_context(_offline_settings(work))
        benchmark = brainscore_vision.load_benchmark(data.benchmark_id)
        metric, properties = benchmark._similarity_metric, benchmark._neuronal_property

        def seeded_metric(model_property, data_property):
            np.random.seed(seed)  # Brain-Score's bootstrap draws from numpy's global generator
            return metric(model_property, data_property)

        def recorded_properties(**kwargs):
            captured["properties"] = properties(**kwargs)
            return captured["properties"]

        benchmark._similarity_metric, benchmark._neuronal_property = seeded_metric, recorded_properties
        score = benchmark(candidate)
    raw, ceiling = score.attrs["raw"], score.attrs["ceiling"]
    props = captured.get("properties")
    values = None if props is None else np.asarray(props.sel(neuronal_property=data.property_name).values)
    return {"benchmark_id": data.benchmark_id, "score": float(score.values), "raw": float(raw.values),
            "ceiling": float(ceiling.values), "raw_error": float(raw.attrs.get("error", np.nan)),
            "model_values": values, "seed": seed, "backend": "brainscore", "seconds": time.perf_counter() - t0}


def score_marques2020_brainscore(model: nn.Module, data: Marques2020Data, layer: str, input_size: int, *,
                                 seed: int = 0, visual_degrees: float = 8.0, batch_size: int = 64,
                                 device: str | None = None, identifier: str | None = None,
                                 work_dir: str | os.PathLike | None = None) -> dict[str, Any]:
    """Score ``layer`` on ``data``'s benchmark with brainscore-vision's own benchmark class (offline), our model
    committed by :func:`~wiringup.scoring.brainscore.model.brain_model` (region ``V1`` -> ``layer``).

    Compare with :func:`wiringup.scoring.benchmarks.marques2020.score_marques2020` at the same ``seed``,
    ``input_size`` and ``visual_degrees``. Returns ``score``, ``raw``, ``ceiling``, ``raw_error`` (Brain-Score's
    error, the bootstrap std), the model property values brainscore computed, and ``seconds``.
    """
    t0 = time.perf_counter()
    identifier = identifier or f"wiringup-marques2020-w{weights_fingerprint(model)}-{int(input_size)}px"
    candidate = brain_model(model, identifier, input_size, {data.region: layer}, visual_degrees=visual_degrees,
                            batch_size=batch_size, device=device)
    out = run_brainscore_benchmark(candidate, data, seed=seed, work_dir=work_dir)
    out.update(input_size=int(input_size), seconds=time.perf_counter() - t0)
    return out
