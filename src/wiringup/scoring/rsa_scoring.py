"""RSA scoring of a model layer on an RSA benchmark: features -> model matrix -> comparison with each subject ->
ceiled score (:func:`score_rsa`, :func:`score_rsa_features`).

The benchmark (:class:`~wiringup.scoring.benchmarks.rsa_data.RSAData`) carries its own scheme; the metric and the
ceiling are :mod:`wiringup.scoring.rsa` (numpy/scipy only, where Brain-Score's Coggan2024 definition and our
differences are written down). Stimuli with a known visual-degree size are first placed on the model's field as
Brain-Score does (:func:`wiringup.scoring.screen.place_on_screen`); features come from
:func:`wiringup.scoring.features.image_features` (the model's own preprocessing).
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np
from torch import nn

from wiringup.core.io import WiringupError
from wiringup.scoring.benchmarks.rsa_data import RSAData
from wiringup.scoring.features import image_features, resolve_layer
from wiringup.scoring.rsa import ceiled_score, coggan_constant_selected, model_matrix, sem, subject_scores
from wiringup.scoring.screen import place_on_screen


def score_rsa_features(features: np.ndarray, data: RSAData) -> dict[str, Any]:
    """Score precomputed features ((stimulus, unit), in ``data``'s stimulus order, after screen placement) on an
    RSA benchmark with its own scheme; the dict of :func:`score_rsa` without layer, input size and timing."""
    t0 = time.perf_counter()
    if features.shape[0] != data.n_stimuli:
        raise WiringupError(f"score_rsa_features: {features.shape[0]} feature rows for the {data.n_stimuli} "
                            f"stimuli of {data.benchmark_id}")
    matrix, n_units = model_matrix(features, data.model_matrix)
    per_subject = subject_scores(matrix, data.targets, data.comparison, data.entries)
    raw = float(per_subject.mean())
    raw_error = sem(per_subject) if data.n_subjects > 1 else None
    ceil = data.ceiling()
    c = ceil["ceiling"]
    score = ceiled_score(raw, c, data.ceiling_transform)
    error = None
    if score is not None and raw_error is not None:
        error = raw_error / c if data.ceiling_transform == "ratio" else 2 * abs(raw) * raw_error / c ** 2
    notes = []
    if n_units == 0:
        notes.append("no model unit passed Brain-Score's selection (|mean| > 3.1 SD of the unit means): raw is NaN "
                     "(Brain-Score would fail an assertion)")
    elif not np.isfinite(raw):
        constant = coggan_constant_selected(features) if data.model_matrix == "coggan_rsm" else 0
        notes.append(f"{constant} of the {n_units} selected units are constant over the stimuli (float32 rounding "
                     "let them pass Brain-Score's std != 0 filter; z-scoring them divides by zero, as in "
                     "Brain-Score's own code): the model RSM and raw are NaN" if constant else
                     "the model matrix is undefined (constant features for a stimulus, or constant matrix entries): "
                     "raw is NaN")
    negative = bool(raw < 0)
    if negative and data.ceiling_transform == "squared_bounded" and score is not None:
        notes.append(f"raw r {raw:.3f} is negative, but Brain-Score's ceiled score squares raw / ceiling, so the "
                     f"score {score:.3f} is positive; read raw")
    return {
        "benchmark_id": data.benchmark_id,
        "region": data.region,
        "layer": None,
        "score": score,
        "score_ratio": raw / c if c is not None and c > 0 else None,  # the paper's convention, for comparison
        "raw": raw,
        "ceiling": c,
        "error": error,
        "raw_error": raw_error,
        "ceiling_error": ceil["error"],
        "ceiling_upper": ceil.get("upper"),
        "ceiling_reason": ceil["reason"] if c is None or c > 0 else f"non-positive ceiling {c}",
        "per_split": None,
        "per_subject_raw": per_subject.tolist(),
        "per_subject_ceiling": ceil.get("per_subject"),
        "subject_ids": list(data.subject_ids),
        "n_stimuli": data.n_stimuli,
        "n_neuroids": None,
        "n_subjects": data.n_subjects,
        "n_features": int(features.shape[1]),
        "n_units_used": n_units,
        "model_matrix": data.model_matrix,
        "comparison": data.comparison,
        "entries": data.entries,
        "ceiling_scheme": data.ceiling_scheme,
        "ceiling_transform": data.ceiling_transform,
        "negative_raw": negative,
        "note": "; ".join(notes) or None,
        "seed": None,
        "input_size": None,
        "seconds": time.perf_counter() - t0,
    }


def score_rsa(model: nn.Module, data: RSAData, layer: str, input_size: int, batch_size: int = 64,
              device: str = "cpu", seed: int = 0, visual_degrees: float = 8) -> dict[str, Any]:
    """Score ``layer`` of ``model`` on an RSA benchmark (:class:`~wiringup.scoring.benchmarks.rsa_data.RSAData`).

    Stimuli with a known visual-degree size (``data.image_degrees``) are first placed on the model's
    ``visual_degrees`` field as Brain-Score does (:func:`wiringup.scoring.screen.place_on_screen`); then the
    model's preprocessing (:func:`wiringup.scoring.features.image_features`), the model matrix, the comparison
    with each subject and the ceiling, all by the benchmark's own scheme (module docstring). Deterministic:
    ``seed`` is recorded only. Returns the keys of :func:`wiringup.scoring.neural.score_features` where they
    apply (``per_split`` and ``n_neuroids`` None) plus ``raw_error``, ``score_ratio`` (raw / ceiling, the
    paper's convention, whatever the benchmark's transform), ``per_subject_raw``, ``n_subjects``, ``n_units_used``,
    the scheme names, ``visual_degrees`` and ``note``.
    """
    t0 = time.perf_counter()
    resolve_layer(model, layer)
    images = data.images if data.image_degrees is None else place_on_screen(data.images, data.image_degrees,
                                                                              visual_degrees)
    features = image_features(model, images, layer, input_size, batch_size=batch_size, device=device)
    out = score_rsa_features(features, data)
    out.update(layer=layer, input_size=int(input_size), seed=seed,
               visual_degrees=visual_degrees if data.image_degrees is not None else None,
               seconds=time.perf_counter() - t0)
    return out
