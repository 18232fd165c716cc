"""brainscore-vision's own Geirhos2021 / Hermann2020 benchmark classes on a local
:class:`~wiringup.scoring.benchmarks.geirhos2021.Geirhos2021Data`, offline (the parity check of that family).

:func:`registered_geirhos2021` puts the local data into brainscore-vision's registries under the ids its data plugin
declares (``data_registry`` / ``stimulus_set_registry['Geirhos2021_<experiment>']``), as a Brain-Score data plugin
would: the plugin module is imported first (its S3 entries), then our loaders replace them, and the previous entries
come back when the block ends. The stimulus set follows Brain-Score's packaging (``brainscore_vision/data/geirhos2021/
data_packaging``): ``stimulus_id`` = ``image_id`` = the file stem, ``truth``, ``condition`` and, for cue conflict,
``original_image_category`` / ``conflict_image_category`` and their variations; the images are written losslessly as
PNG, so Brain-Score sees exactly the pixels our loader decoded. The assembly is a ``BehavioralAssembly`` of the human
answers with ``stimulus_id``, ``truth``, ``condition``, ``subject`` and ``choice`` per trial.

:func:`score_geirhos2021_brainscore` then loads brainscore's benchmark (``load_benchmark(data.benchmark_id)``) and
runs it on our model wrapped as a ``ModelCommitment`` (:func:`~wiringup.scoring.brainscore.model.brain_model`, 8 deg),
with ``place_on_screen`` writing under a temporary folder and result caching off. Brain-Score decides through
``LabelBehavior``, which needs **1000 ImageNet logits**: a model with another head is refused by brainscore
itself, so parity is only possible for 1000-output models.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np
from torch import nn

from wiringup.scoring.brainscore.catalog import DEFAULT_READOUT
from wiringup.scoring.brainscore.model import brain_model
from wiringup.scoring.brainscore.score import score_error

if TYPE_CHECKING:
    from wiringup.scoring.benchmarks.geirhos2021 import Geirhos2021Data


def _stimulus_rows(data: "Geirhos2021Data") -> list[dict[str, Any]]:
    rows = []
    for sid, truth in zip(data.stimulus_ids, data.truth):
        if data.experiment == "cue-conflict":
            original, conflict = sid.split("-")
            rows.append({"stimulus_id": sid, "image_id": sid, "original_image": original, "conflict_image": conflict,
                         "truth": truth, "category": truth, "original_image_category": truth,
                         "original_image_variation": original[len(truth):],
                         "conflict_image_category": conflict.rstrip("0123456789"),
                         "conflict_image_variation": conflict[len(conflict.rstrip("0123456789")):], "condition": 0})
        else:
            rows.append({"stimulus_id": sid, "image_id": sid, "image_category": truth, "truth": truth,
                         "image_variation": sid[len(truth):], "condition": 0})
    return rows


def _stimulus_set(data: "Geirhos2021Data", folder: Path) -> Any:
    import pandas as pd
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

    stimuli = StimulusSet(pd.DataFrame(_stimulus_rows(data)))
    stimuli.stimulus_paths = {sid: str(folder / f"{sid}.png") for sid in data.stimulus_ids}
    stimuli.identifier = f"Geirhos2021_{data.experiment}"
    return stimuli


def _assembly(data: "Geirhos2021Data", folder: Path) -> Any:
    from brainscore_core.supported_data_standards.brainio.assemblies import BehavioralAssembly

    n_sub, n_stim = data.human_answers.shape
    ids = np.tile(np.asarray(data.stimulus_ids, dtype=object), n_sub)
    truth = np.tile(np.asarray(data.truth, dtype=object), n_sub)
    answers = data.human_answers.reshape(-1)
    assembly = BehavioralAssembly(
        answers, dims=["presentation"],
        coords={"stimulus_id": ("presentation", ids), "image_id": ("presentation", ids),
                "truth": ("presentation", truth), "category": ("presentation", truth),
                "choice": ("presentation", answers),
                "condition": ("presentation", np.tile(np.asarray(data.conditions).astype(int), n_sub)),
                "subject": ("presentation", np.repeat(np.asarray(data.subjects, dtype=object), n_stim)),
                "session": ("presentation", np.ones(n_sub * n_stim, dtype=int))})
    assembly.name = f"brendel.Geirhos2021_{data.experiment}"
    assembly.attrs["stimulus_set"] = _stimulus_set(data, folder)
    assembly.attrs["stimulus_set_identifier"] = f"Geirhos2021_{data.experiment}"
    return assembly


@contextlib.contextmanager
def registered_geirhos2021(data: "Geirhos2021Data", folder: str | os.PathLike) -> Iterator[str]:
    """Within the block, brainscore-vision loads ``Geirhos2021_<experiment>`` (assembly and stimulus set) from
    ``data`` (images written as PNG into ``folder``); yields that id. The plugin's own entries are restored after."""
    import brainscore_vision
    import brainscore_vision.data.geirhos2021  # noqa: F401 -- the plugin's S3 entries first, then ours

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for sid, img in zip(data.stimulus_ids, data.images):
        img.save(folder / f"{sid}.png", format="PNG")
    key = f"Geirhos2021_{data.experiment}"
    saved = (brainscore_vision.data_registry.get(key), brainscore_vision.stimulus_set_registry.get(key))
    brainscore_vision.data_registry[key] = lambda: _assembly(data, folder)
    brainscore_vision.stimulus_set_registry[key] = lambda: _stimulus_set(data, folder)
    try:
        yield key
    finally:
        for registry, entry in zip((brainscore_vision.data_registry, brainscore_vision.stimulus_set_registry), saved):
            if entry is None:
                registry.pop(key, None)
            else:
                registry[key] = entry


@contextlib.contextmanager
def _screen_and_caches(root: Path) -> Iterator[None]:
    """place_on_screen writes under ``root``; result caching (its converted stimulus sets, activations) is off."""
    from brainscore_vision.benchmark_helpers import screen

    saved_root, saved_env = screen.root_path, os.environ.get("RESULTCACHING_DISABLE")
    screen.root_path = root / "stimuli_on_screen"
    os.environ["RESULTCACHING_DISABLE"] = "1"
    try:
        yield
    finally:
        screen.root_path = saved_root
        if saved_env is None:
            os.environ.pop("RESULTCACHING_DISABLE", None)
        else:
            os.environ["RESULTCACHING_DISABLE"] = saved_env


def score_geirhos2021_brainscore(model: nn.Module, data: "Geirhos2021Data", input_size: int, *,
                                 identifier: str = "wiringup-model", readout_layer: str = DEFAULT_READOUT,
                                 visual_degrees: float = 8, batch_size: int = 64, device: str | None = None,
                                 work_dir: str | os.PathLike | None = None) -> dict[str, Any]:
    """Run brainscore-vision's own benchmark ``data.benchmark_id`` on ``model`` (1000 ImageNet outputs needed),
    offline, on the local data. Returns ``score`` (what brainscore returned), ``raw``, ``ceiling``, their errors, and
    ``choices`` (the model's answers in ``data``'s stimulus order, as brainscore computed them)."""
    from brainscore_vision import load_benchmark

    t0 = time.perf_counter()
    with contextlib.ExitStack() as stack:
        root = Path(work_dir) if work_dir is not None else Path(stack.enter_context(
            tempfile.TemporaryDirectory(prefix="wiringup-geirhos-")))
        stack.enter_context(registered_geirhos2021(data, root / "stimuli"))
        stack.enter_context(_screen_and_caches(root))
        benchmark = load_benchmark(data.benchmark_id)
        candidate = brain_model(model, identifier, input_size, {"behavior": readout_layer},
                                visual_degrees=visual_degrees, batch_size=batch_size, device=device)
        seen: list[Any] = []
        look_at = candidate.look_at

        def recording_look_at(stimuli, *args, **kwargs):
            labels = look_at(stimuli, *args, **kwargs)
            seen.append(labels)
            return labels

        candidate.look_at = recording_look_at
        result = benchmark(candidate)
    labels = seen[-1]
    by_id = dict(zip(labels["stimulus_id"].values, np.asarray(labels.values).reshape(-1)))
    raw, ceiling = result.attrs.get("raw"), result.attrs.get("ceiling")
    return {"benchmark_id": data.benchmark_id, "backend": "brainscore", "score": float(result.values),
            "raw": float(raw.values) if raw is not None else float(result.values),
            "ceiling": float(ceiling.values) if ceiling is not None else 1.0,
            "raw_error": score_error(raw), "ceiling_error": score_error(ceiling),
            "choices": [str(by_id[s]) for s in data.stimulus_ids], "n_stimuli": data.n_stimuli,
            "input_size": int(input_size), "visual_degrees": visual_degrees, "seconds": time.perf_counter() - t0}
