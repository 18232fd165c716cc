"""Test helpers for the brainscore backend: local benchmarks scored by brainscore-vision's own metric and ceiling.

:func:`score_local_through_brainscore` runs brainscore-vision's own ``load_metric('pls')`` and
``load_ceiling('internal_consistency')`` on a local :class:`~wiringup.scoring.benchmarks.neural_data.NeuralData`
benchmark, with activations taken through :func:`wiringup.scoring.brainscore.model.brain_model`; that is how the
backend, and our re-implementation of the metric and ceiling, are tested against brainscore-vision without any
network. :func:`stimulus_set_from_images` and :func:`neural_assemblies` build brainscore's ``StimulusSet`` and
``NeuroidAssembly`` objects from local data.

Import only after brainscore's caches are redirected (tests/test_brainscore_backend.py does that first).
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
from torch import nn

from wiringup.core.io import WiringupError
from wiringup.scoring.benchmarks.neural_data import NeuralData
from wiringup.scoring.brainscore.model import brain_model
from wiringup.scoring.brainscore.score import score_error, score_per_split
from wiringup.scoring.features import resolve_layer

log = logging.getLogger(__name__)


def stimulus_set_from_images(images: Sequence[Any], stimulus_ids: Sequence[str], folder: str | os.PathLike,
                             identifier: str, extra: Mapping[str, Sequence[Any]] | None = None) -> Any:
    """A brainscore ``StimulusSet`` for in-memory PIL images, written losslessly as PNG into ``folder``.

    Columns: ``stimulus_id``, ``filename``, ``stimulus_num`` (the given order) and any ``extra`` columns.
    """
    import pandas as pd
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

    if len(images) != len(stimulus_ids) or len(set(stimulus_ids)) != len(stimulus_ids):
        raise WiringupError("stimulus_set_from_images: need one unique stimulus id per image")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for i, (img, sid) in enumerate(zip(images, stimulus_ids)):
        path = folder / f"{i:06d}.png"
        (img if img.mode == "RGB" else img.convert("RGB")).save(path, format="PNG")
        paths[str(sid)] = path
    frame = pd.DataFrame({"stimulus_id": [str(s) for s in stimulus_ids],
                          "filename": [paths[str(s)].name for s in stimulus_ids],
                          "stimulus_num": np.arange(len(stimulus_ids)),
                          **{k: list(v) for k, v in (extra or {}).items()}})
    stimulus_set = StimulusSet(frame)
    stimulus_set.stimulus_paths = paths
    stimulus_set.identifier = identifier
    return stimulus_set


def _images_digest(images: Sequence[Any]) -> str:
    digest = hashlib.sha1()
    for img in images:
        digest.update(f"{img.size}{img.mode}".encode())
        digest.update(img.tobytes())
    return digest.hexdigest()[:12]


def neural_assemblies(data: NeuralData, stratify: Sequence[str] | None) -> tuple[Any, Any]:
    """(repetition assembly: one presentation per present repeat, trial-averaged assembly in data order)."""
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
    from brainscore_vision.benchmark_helpers.neural_common import average_repetition

    r = np.asarray(data.responses, dtype=float)
    stim, rep = np.nonzero(~np.isnan(r[0]))
    if np.isnan(r[:, stim, rep]).any():
        raise WiringupError(f"{data.benchmark_id}: the missing (NaN) repeats differ between neuroids; brainscore "
                            "needs the same repeats of each stimulus for every neuroid")
    ids = np.asarray(data.stimulus_ids, dtype=object).astype(str)
    coords = {"stimulus_id": ("presentation", ids[stim]), "stimulus_num": ("presentation", stim),
              "repetition": ("presentation", rep),
              "neuroid_id": ("neuroid", list(getattr(data, "neuroid_ids", None) or
                                             [f"n{i:03d}" for i in range(r.shape[0])])),
              "region": ("neuroid", [data.region] * r.shape[0])}
    if stratify is not None:
        coords["object_name"] = ("presentation", np.asarray(stratify, dtype=object).astype(str)[stim])
    repeated = NeuroidAssembly(r[:, stim, rep].T, coords=coords, dims=["presentation", "neuroid"])
    # brainscore's own averaging (a skip-NaN mean per stimulus); it sorts by stimulus, and the cross-validation
    # splits follow the target's order, so restore the data order
    averaged = average_repetition(repeated).sortby("stimulus_num").transpose("presentation", "neuroid")
    return repeated, averaged


def score_local_through_brainscore(model: nn.Module, data: NeuralData, layer: str, input_size: int, *,
                                   identifier: str = "wiringup-model", batch_size: int = 64,
                                   device: str | None = None, seed: int = 1,
                                   stratify: Sequence[str] | None = None, apply_visual_degrees: bool = False,
                                   visual_degrees: float = 8,
                                   work_dir: str | os.PathLike | None = None) -> dict[str, Any]:
    """Score ``layer`` on a local benchmark with brainscore-vision's own metric and ceiling.

    The images become a ``StimulusSet`` (PNG files in a temporary folder, or ``work_dir``), the responses a
    ``NeuroidAssembly`` (presentation x neuroid with a ``repetition`` coord, one presentation per recorded
    repeat). Activations come from ``brain_model(...).start_recording(region)`` / ``look_at(...)``; the raw
    score from ``load_metric('pls')`` on the trial-averaged responses (brainscore's own ``average_repetition``;
    splits over stimuli in data order, ``random_state=seed``, brainscore's default being 1; no stratification
    unless ``stratify`` gives object labels, e.g. ``data.stimulus_meta['object_name']``, as the MajajHong2015
    benchmarks do); the ceiling from ``load_ceiling('internal_consistency')`` on the repeats (brainscore fixes
    its ``random_state`` to 1: compare with ``score_neural(..., seed=1, ceiling_seed=1,
    ceiling_mode="global")``), or none when ``data.ceiling_scheme`` is ``"none"`` or there are no repeats.
    brainscore only has the ``"shuffle"`` cross-validation (ten 90/10 splits); a benchmark whose own scheme is
    ``"kfold_pooled"`` is scored that way anyway and the result says so in ``note``. By default no
    ``place_on_screen``, like :mod:`wiringup.scoring.features`; with ``apply_visual_degrees`` and a known
    ``data.image_degrees`` the stimuli are re-scaled to ``visual_degrees`` as Brain-Score's benchmarks do.
    Returns the dict of :func:`wiringup.scoring.neural.score_neural` (``score`` = raw / ceiling) plus
    ``backend="brainscore"`` and ``score_brainscore_2x`` = raw**2 / ceiling (brainscore-vision 2.x's
    convention).
    """
    t0 = time.perf_counter()
    resolve_layer(model, layer)
    if stratify is not None and len(stratify) != data.n_stimuli:
        raise WiringupError(f"stratify: {len(stratify)} labels for {data.n_stimuli} stimuli")
    from brainscore_vision import load_ceiling, load_metric

    region = data.region
    note = None
    own_scheme = getattr(data, "cv_scheme", "shuffle")
    if own_scheme != "shuffle":
        note = (f"{data.benchmark_id} is scored with {own_scheme!r} by wiringup.scoring.neural; brainscore-vision only has "
                "shuffle splits (10 x 90/10), which were used here")
        log.warning(note)
    candidate = brain_model(model, identifier, input_size, {region: layer}, visual_degrees=visual_degrees,
                            batch_size=batch_size, device=device)
    stim_identifier = f"wiringup.{data.benchmark_id}.{_images_digest(data.images)}"
    time_bin = tuple(getattr(data, "time_bin", None) or (70, 170))
    with contextlib.ExitStack() as stack:
        folder = Path(work_dir) if work_dir is not None else Path(stack.enter_context(
            tempfile.TemporaryDirectory(prefix="wiringup-stimuli-")))
        stimulus_set = stimulus_set_from_images(
            data.images, data.stimulus_ids, folder, stim_identifier,
            extra={"object_name": list(stratify)} if stratify is not None else None)
        degrees = getattr(data, "image_degrees", None)
        if apply_visual_degrees and degrees is not None:
            from brainscore_vision.benchmark_helpers.screen import place_on_screen

            stimulus_set = place_on_screen(stimulus_set, target_visual_degrees=visual_degrees,
                                           source_visual_degrees=degrees)
        candidate.start_recording(region, time_bins=[time_bin])
        source = candidate.look_at(stimulus_set)
    if "time_bin" in source.dims:
        source = source.squeeze("time_bin")
    source = source.transpose("presentation", "neuroid")
    repeated, target = neural_assemblies(data, stratify)

    metric = load_metric("pls", crossvalidation_kwargs=dict(
        stratification_coord="object_name" if stratify is not None else None, random_state=seed))
    raw_score = metric(source, target)
    raw, raw_error = float(raw_score.values), score_error(raw_score)
    raw_per_split = score_per_split(raw_score)
    per_neuroid = raw_score.attrs["raw"].mean("split") if "raw" in raw_score.attrs else None

    ceiling = ceiling_error = None
    reason = None
    n_repeats = (~np.isnan(data.responses[0])).sum(axis=1)
    ceiling_scheme = getattr(data, "ceiling_scheme", "internal_consistency")
    if ceiling_scheme == "none":
        reason = "ceiling scheme 'none' (trial averages only): the score is the unceiled raw r"
    elif (n_repeats >= 2).sum() < 3:
        reason = "fewer than 3 stimuli with 2 or more repeats: no split-half ceiling; report the unceiled score"
    else:
        ceiling_score = load_ceiling("internal_consistency")(repeated)
        ceiling, ceiling_error = float(ceiling_score.values), score_error(ceiling_score)
        if not math.isfinite(ceiling) or ceiling <= 0:
            reason = f"non-positive or undefined ceiling {ceiling}"
    if ceiling is not None and reason is None:
        score, error = raw / ceiling, (raw_error / ceiling if raw_error is not None else None)
        score_2x = raw ** 2 / ceiling
        per_split = [v / ceiling for v in raw_per_split] if raw_per_split else None
    else:
        score = error = score_2x = None
        per_split = raw_per_split
    return {
        "benchmark_id": data.benchmark_id,
        "region": region,
        "layer": layer,
        "score": score,
        "score_brainscore_2x": score_2x,
        "raw": raw,
        "ceiling": ceiling,
        "error": error,
        "raw_error": raw_error,
        "ceiling_error": ceiling_error,
        "ceiling_reason": reason,
        "per_split": per_split,
        "raw_per_split": raw_per_split,
        "per_neuroid_raw": None if per_neuroid is None else [float(v) for v in per_neuroid.values],
        "n_stimuli": data.n_stimuli,
        "n_neuroids": data.n_neuroids,
        "n_features": int(source.sizes["neuroid"]),
        "n_components": 25,
        "n_splits": len(raw_per_split) if raw_per_split else None,
        "cv_scheme": "shuffle",
        "n_folds": None,
        "stimulus_se": None,
        "ceiling_scheme": ceiling_scheme,
        "ceiling_mode": "brainscore",
        "seed": seed,
        "input_size": int(input_size),
        "backend": "brainscore",
        "note": note,
        "seconds": time.perf_counter() - t0,
    }
