"""Coggan2024 fMRI in brainscore-vision, offline: our local data registered under the ids its data plugin declares,
and brainscore-vision's OWN benchmark ``tong.Coggan2024_fMRI.<region>-rdm`` run on our model.

brainscore-vision 2.4.2 loads the data through ``load_dataset('Coggan2024_fMRI')`` / ``load_stimulus_set(
'Coggan2024_fMRI')``, whose plugin (``brainscore_vision/data/coggan2024_fMRI/__init__.py``) would download them
from S3. :func:`register_coggan2024` imports that plugin module first (Python imports it once, so its S3 entries
cannot overwrite ours later) and then sets both registry entries to the locally packaged data
(:class:`~wiringup.scoring.benchmarks.rsa_data.RSAData`, one per region), built as the plugin's
``data_packaging.py`` builds them:

* stimulus set: identifier ``tong.Coggan2024_fMRI``, columns ``stimulus_id``, ``object_name``,
  ``occlusion_condition``, ``stimulus_paths`` = the stimuli written losslessly as PNG, no ``degrees`` column
  (the benchmark passes 9 degrees to ``place_on_screen``);
* assembly: a ``NeuroidAssembly`` of dims (presentation, presentation, neuroid), 24 x 24 x (9 subjects x regions),
  neuroids region-major (``region``, ``subject`` coords), presentation coords ``stimulus_id``, ``object_name``,
  ``occlusion_condition``, attrs ``stimulus_set`` / ``stimulus_set_identifier`` / ``identifier``.

:func:`score_coggan2024_brainscore` then calls brainscore-vision's ``load_benchmark`` and the benchmark on our
model as a ``ModelCommitment`` (:func:`wiringup.scoring.brainscore.model.brain_model`, 8 degrees), inside the
offline guard (no S3 call can happen), with result caching off (brainscore's ``place_on_screen`` cache is keyed by
the stimulus-set identifier only) and the re-scaled stimuli written to a folder of the run.
"""
from __future__ import annotations

import contextlib
import importlib
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import numpy as np
from torch import nn

from wiringup.core.io import WiringupError
from wiringup.scoring.benchmarks.coggan2024 import BENCHMARK_IDS, FAMILY
from wiringup.scoring.benchmarks.rsa_data import RSAData
from wiringup.scoring.brainscore.model import brain_model
from wiringup.scoring.brainscore.offline import _patched, offline_guard

DATASET_ID = "Coggan2024_fMRI"
STIMULUS_SET_IDENTIFIER = "tong.Coggan2024_fMRI"
PLUGIN_MODULE = "brainscore_vision.data.coggan2024_fMRI"


def _by_region(datas: RSAData | Sequence[RSAData]) -> dict[str, RSAData]:
    datas = [datas] if isinstance(datas, RSAData) else list(datas)
    out: dict[str, RSAData] = {}
    for d in datas:
        if d.family != FAMILY:
            raise WiringupError(f"benchmark {d.benchmark_id!r} is not a Coggan2024 benchmark (family {d.family!r})")
        if d.region in out:
            raise WiringupError(f"two Coggan2024 benchmarks for region {d.region}")
        out[d.region] = d
    if not out:
        raise WiringupError("register_coggan2024: no Coggan2024 benchmark given")
    first = next(iter(out.values()))
    for d in out.values():
        if d.stimulus_ids != first.stimulus_ids or d.subject_ids != first.subject_ids:
            raise WiringupError(f"{d.benchmark_id}: stimuli or subjects differ from {first.benchmark_id}'s; load all "
                                "regions from one data folder")
    return out


def coggan_stimulus_set(data: RSAData, folder: str | os.PathLike) -> Any:
    """The plugin's stimulus set from ``data``: the images written as ``<folder>/<stimulus_id>.png``."""
    import pandas as pd
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for sid, img in zip(data.stimulus_ids, data.images):
        paths[sid] = folder / f"{sid}.png"
        img.save(paths[sid], format="PNG")
    stimulus_set = StimulusSet(pd.DataFrame({"stimulus_id": data.stimulus_ids,
                                             **{k: list(v) for k, v in data.stimulus_meta.items()}}))
    stimulus_set.stimulus_paths = paths
    stimulus_set.identifier = STIMULUS_SET_IDENTIFIER
    stimulus_set.name = "coggan2024_fMRI"
    return stimulus_set


def coggan_assembly(datas: Mapping[str, RSAData], stimulus_set: Any) -> Any:
    """The plugin's ``NeuroidAssembly`` (as ``data_packaging.py`` builds it) for the regions in ``datas``."""
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly

    regions = [r for r in ("V1", "V2", "V4", "IT") if r in datas]
    first = datas[regions[0]]
    values = np.stack([datas[r].targets[s] for r in regions for s in range(first.n_subjects)], axis=2)
    assembly = NeuroidAssembly(
        values, dims=["presentation", "presentation", "neuroid"],
        coords={"stimulus_id": ("presentation", list(first.stimulus_ids)),
                "object_name": ("presentation", list(first.stimulus_meta["object_name"])),
                "occlusion_condition": ("presentation", list(first.stimulus_meta["occlusion_condition"])),
                "subject": ("neuroid", [s for _ in regions for s in first.subject_ids]),
                "region": ("neuroid", [r for r in regions for _ in first.subject_ids])})
    assembly.name = "coggan2024_fMRI"
    assembly.attrs.update(stimulus_set=stimulus_set, stimulus_set_identifier=stimulus_set.identifier,
                          identifier=STIMULUS_SET_IDENTIFIER)
    return assembly


def register_coggan2024(datas: RSAData | Sequence[RSAData], folder: str | os.PathLike) -> None:
    """Register the local Coggan2024 data (one :class:`RSAData` per region; the stimuli written under ``folder``)
    as brainscore-vision's ``Coggan2024_fMRI`` dataset and stimulus set."""
    by_region = _by_region(datas)
    import brainscore_vision

    importlib.import_module(PLUGIN_MODULE)  # its S3 registrations run now, once, and are overwritten below
    stimulus_set = coggan_stimulus_set(next(iter(by_region.values())), folder)
    brainscore_vision.stimulus_set_registry[DATASET_ID] = lambda: stimulus_set
    brainscore_vision.data_registry[DATASET_ID] = lambda: coggan_assembly(by_region, stimulus_set)


@contextlib.contextmanager
def _env(name: str, value: str) -> Iterator[None]:
    saved = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = saved


def score_coggan2024_brainscore(model: nn.Module, datas: RSAData | Sequence[RSAData], region: str, layer: str,
                                input_size: int, *, identifier: str = "wiringup-model", visual_degrees: float = 8,
                                batch_size: int = 64, device: str | None = None,
                                work_dir: str | os.PathLike | None = None) -> dict[str, Any]:
    """Score ``layer`` of ``model`` with brainscore-vision's own ``tong.Coggan2024_fMRI.<region>-rdm`` on the
    local data (``datas``: the region's :class:`RSAData`, or several regions'), offline.

    Returns the keys of :func:`wiringup.scoring.rsa_scoring.score_rsa` that brainscore reports (``score`` = what the
    benchmark returned, (raw / ceiling)**2 bounded to [0, 1]; ``raw``; ``ceiling``; ``per_subject_raw``;
    ``per_subject_ceiling``) plus ``backend="brainscore"``.
    """
    t0 = time.perf_counter()
    by_region = _by_region(datas)
    if region not in by_region:
        raise WiringupError(f"score_coggan2024_brainscore: no data for region {region!r} (given: {sorted(by_region)})")
    benchmark_id = BENCHMARK_IDS[region]
    candidate = brain_model(model, identifier, input_size, {region: layer}, visual_degrees=visual_degrees,
                            batch_size=batch_size, device=device)
    from brainscore_vision import load_benchmark
    from brainscore_vision.benchmark_helpers import screen

    with contextlib.ExitStack() as stack:
        folder = Path(work_dir) if work_dir is not None else Path(stack.enter_context(
            tempfile.TemporaryDirectory(prefix="wiringup-coggan2024-")))
        register_coggan2024(list(by_region.values()), folder / "stimuli")
        stack.enter_context(offline_guard(benchmark_id, folder / "brainio"))
        stack.enter_context(_env("RESULTCACHING_DISABLE", "1"))
        stack.enter_context(_patched([(screen, "root_path", folder / "stimuli_on_screen")]))
        result = load_benchmark(benchmark_id)(candidate)
        raw_score, ceiling_score = result.attrs["raw"], result.attrs["ceiling"]
    data = by_region[region]
    return {
        "benchmark_id": benchmark_id,
        "region": region,
        "layer": layer,
        "score": float(result.values),
        "raw": float(raw_score.values),
        "ceiling": float(ceiling_score.values),
        "per_subject_raw": [float(v) for v in raw_score.attrs["raw"]],
        "per_subject_ceiling": [float(v) for v in ceiling_score.attrs["raw"]],
        "n_stimuli": data.n_stimuli,
        "n_subjects": data.n_subjects,
        "input_size": int(input_size),
        "visual_degrees": visual_degrees,
        "backend": "brainscore",
        "seconds": time.perf_counter() - t0,
    }
