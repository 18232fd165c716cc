"""Neural predictivity of a model layer on a local benchmark: features -> PLS metric -> ceiled score.

:func:`score_neural` extracts a layer's features (:mod:`wiringup.scoring.features`) for the stimuli of a
:class:`~wiringup.scoring.benchmarks.neural_data.NeuralData` benchmark; :func:`score_features` scores
precomputed features: Brain-Score's PLS predictivity of the trial-averaged responses
(:func:`wiringup.scoring.metric.pls_crossval`, with the benchmark's own cross-validation scheme) divided by the
benchmark's ceiling (:meth:`NeuralData.ceiling`, Brain-Score's split-half internal consistency,
:func:`wiringup.scoring.ceiling.split_half_ceiling`, or none for trial-averaged data).

Ceiled score = raw / ceiling (as in the paper's Brain-Score, ``ceil_score``), and its ``error`` = raw error /
ceiling (Brain-Score copies the raw error unchanged; ``raw_error`` keeps that number). brainscore-vision
2.4.2's ``NeuralBenchmark`` instead reports ``explained_variance`` = raw**2 / ceiling (also with the raw error
unchanged); the brainscore backend (:mod:`wiringup.scoring.brainscore`) reports both.
"""
from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
from torch import nn

from wiringup.core.io import WiringupError
from wiringup.scoring.benchmarks.neural_data import NeuralData
from wiringup.scoring.features import image_features, resolve_layer
from wiringup.scoring.metric import pls_crossval

log = logging.getLogger(__name__)


def score_neural(model: nn.Module, data: NeuralData, layer: str, input_size: int, batch_size: int = 64,
                 device: str = "cpu", n_components: int = 25, n_splits: int = 10, seed: int = 0,
                 train_size: float = 0.9, ceiling_splits: int = 10, ceiling_seed: int = 0,
                 ceiling_mode: str = "global", cv_scheme: str | None = None,
                 n_folds: int | None = None) -> dict[str, Any]:
    """Score ``layer`` of ``model`` on a local benchmark: PLS predictivity of the trial-averaged responses,
    divided by the benchmark's ceiling.

    The cross-validation scheme is the benchmark's own (``data.cv_scheme``, ``data.n_folds``) unless
    ``cv_scheme`` / ``n_folds`` override it; with ``"kfold_pooled"``, ``n_splits`` is the number of fold
    shuffles and ``train_size`` is unused (see :func:`wiringup.scoring.metric.pls_crossval`). The ceiling follows
    ``data.ceiling_scheme``: Brain-Score's split-half internal consistency, by default with its split of
    repetition indices (``ceiling_mode="global"``; ``"per_stimulus"`` balances each stimulus' own repeats, see
    :func:`wiringup.scoring.ceiling.split_half_ceiling`), or none for trial-averaged data.

    ``score`` = raw / ceiling (None when the benchmark has no ceiling, then only ``raw`` is meaningful),
    ``error`` = raw error / ceiling (SEM over splits), ``per_split`` ceiled when there is a ceiling.
    """
    t0 = time.perf_counter()
    resolve_layer(model, layer)
    log.info("scoring %s on %s (%d stimuli, %d neuroids)", layer, data.benchmark_id, data.n_stimuli,
             data.n_neuroids)
    features = image_features(model, data.images, layer, input_size, batch_size=batch_size, device=device)
    out = score_features(features, data, n_components=n_components, n_splits=n_splits, seed=seed,
                         train_size=train_size, ceiling_splits=ceiling_splits, ceiling_seed=ceiling_seed,
                         ceiling_mode=ceiling_mode, cv_scheme=cv_scheme, n_folds=n_folds)
    out.update(layer=layer, input_size=int(input_size), seconds=time.perf_counter() - t0)
    return out


def score_features(features: np.ndarray, data: NeuralData, n_components: int = 25, n_splits: int = 10,
                   seed: int = 0, train_size: float = 0.9, ceiling_splits: int = 10, ceiling_seed: int = 0,
                   ceiling_mode: str = "global", cv_scheme: str | None = None,
                   n_folds: int | None = None) -> dict[str, Any]:
    """:func:`score_neural` on precomputed features ((stimulus, feature), in ``data``'s stimulus order)."""
    t0 = time.perf_counter()
    scheme = data.cv_scheme if cv_scheme is None else cv_scheme
    folds = data.n_folds if n_folds is None else n_folds
    if features.shape[0] != data.n_stimuli:
        raise WiringupError(f"score_features: {features.shape[0]} feature rows for the {data.n_stimuli} stimuli "
                            f"of {data.benchmark_id}")
    metric = pls_crossval(features, data.mean_responses().T, n_components=n_components, n_splits=n_splits,
                          train_size=train_size, seed=seed, scheme=scheme, n_folds=folds)
    ceil = data.ceiling(n_splits=ceiling_splits, seed=ceiling_seed, mode=ceiling_mode)
    c = ceil["ceiling"]
    if c is not None and c > 0:
        score, error = metric["raw"] / c, metric["error"] / c
        per_split = [v / c for v in metric["per_split"]]
    else:
        score, error, per_split = None, None, metric["per_split"]
    return {
        "benchmark_id": data.benchmark_id,
        "region": data.region,
        "layer": None,
        "score": score,
        "raw": metric["raw"],
        "ceiling": c,
        "error": error,
        "raw_error": metric["error"],
        "ceiling_error": ceil["error"],
        "ceiling_reason": ceil["reason"] if c is None or c > 0 else f"non-positive ceiling {c}",
        "per_split": per_split,
        "raw_per_split": metric["per_split"],
        "per_neuroid_raw": metric["per_neuroid"],
        "n_stimuli": data.n_stimuli,
        "n_neuroids": data.n_neuroids,
        "n_features": int(features.shape[1]),
        "n_components": metric["n_components"],
        "n_unconverged_components": metric["n_unconverged_components"],
        "n_splits": n_splits,
        "cv_scheme": scheme,
        "n_folds": metric["n_folds"],
        "stimulus_se": metric.get("stimulus_se"),
        "ceiling_scheme": data.ceiling_scheme,
        "ceiling_mode": ceiling_mode,
        "seed": seed,
        "input_size": None,
        "seconds": time.perf_counter() - t0,
    }
