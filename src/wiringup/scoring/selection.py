"""Layer selection: Brain-Score-style layer commitment for models without fixed region layers (local backend).

:func:`layer_selection` / :func:`score_with_layer_selection` — Brain-Score commits a region to one layer of a
model without fixed region layers (ResNet-50, MobileNet; AUTHORS_CODE_FACTS §6) by scoring every candidate
layer on the benchmark's *public* stimuli and reporting the chosen layer on the *private* ones, so the choice
never sees the reported data. Locally the same is done inside one benchmark: :func:`selection_split` draws a
seeded random partition of the stimuli into a **selection** part (``selection_fraction``, default half) and a
disjoint **report** part (the rest). Every candidate is scored (raw PLS predictivity with the benchmark's own
cross-validation scheme, fitted and correlated on selection stimuli only) and the best is chosen (ties: first
in ``candidate_layers``; the ceiling does not depend on the layer, so raw scores decide). The reported score
is that layer's score with features, PLS fits, correlations and ceiling computed on the report stimuli only.
No stimulus is used both to choose and to report. The price: both parts have fewer stimuli than the benchmark,
so with the 25-image MajajHong slice selection rests on 12 images and should be read as a rough guide.

The selection scores use :func:`wiringup.scoring.metric.pls_crossval` on features from
:func:`wiringup.scoring.features.image_features` (a model's own preprocessing, e.g.
:class:`wiringup.nets.pixels.Pixels`, is used there); the report uses :func:`wiringup.scoring.neural.score_features`.
"""
from __future__ import annotations

import time
from typing import Any, Sequence

import numpy as np
from torch import nn

from wiringup.core.io import WiringupError
from wiringup.scoring.benchmarks.neural_data import NeuralData
from wiringup.scoring.features import image_features
from wiringup.scoring.metric import pls_crossval
from wiringup.scoring.neural import score_features


def selection_split(n_stimuli: int, selection_fraction: float = 0.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(selection, report) stimulus indices: a seeded random partition, each part sorted.

    ``round(selection_fraction * n)`` stimuli of ``np.random.default_rng(seed).permutation(n)`` choose the layer,
    the rest report its score.
    """
    if not 0 < selection_fraction < 1:
        raise WiringupError(f"selection_fraction must lie strictly between 0 and 1, got {selection_fraction!r}")
    perm = np.random.default_rng(seed).permutation(int(n_stimuli))
    k = int(round(selection_fraction * n_stimuli))
    if k < 1 or k >= n_stimuli:
        raise WiringupError(f"selection_fraction {selection_fraction} of {n_stimuli} stimuli leaves one part empty")
    return np.sort(perm[:k]), np.sort(perm[k:])


def _select(model: nn.Module, data: NeuralData, candidate_layers: Sequence[str], input_size: int,
            batch_size: int, device: str, selection: np.ndarray, pls_kw: dict[str, Any]
            ) -> tuple[str, dict[str, float], np.ndarray]:
    if len(candidate_layers) == 0:
        raise WiringupError("layer_selection: no candidate layers given")
    if len(set(candidate_layers)) != len(candidate_layers):
        raise WiringupError(f"layer_selection: candidate layers repeat: {list(candidate_layers)}")
    sel_data = data.subset(selection)
    targets = sel_data.mean_responses().T
    scores: dict[str, float] = {}
    best, best_score, best_features = None, -np.inf, None
    for layer in candidate_layers:
        feats = image_features(model, data.images, layer, input_size, batch_size=batch_size, device=device)
        raw = pls_crossval(feats[selection], targets, scheme=sel_data.cv_scheme, n_folds=sel_data.n_folds,
                           **pls_kw)["raw"]
        scores[layer] = raw
        if np.isfinite(raw) and raw > best_score:
            best, best_score, best_features = layer, raw, feats
    if best is None:
        raise WiringupError(f"layer_selection on {data.benchmark_id}: no candidate layer gave a finite score "
                            f"({scores})")
    return best, scores, best_features


def layer_selection(model: nn.Module, data: NeuralData, candidate_layers: Sequence[str], input_size: int,
                    batch_size: int = 64, device: str = "cpu", selection_fraction: float = 0.5,
                    selection_seed: int = 0, n_components: int = 25, n_splits: int = 10, seed: int = 0,
                    train_size: float = 0.9) -> tuple[str, dict[str, float]]:
    """Choose the region's layer: the candidate with the best raw PLS predictivity on the **selection**
    stimuli of :func:`selection_split` (``selection_fraction``, ``selection_seed``), cross-validated within
    them by the benchmark's scheme. Returns ``(best_layer, {layer: selection raw score})``.

    Report the chosen layer on the other stimuli only (:func:`score_with_layer_selection` does both).
    """
    selection, _ = selection_split(data.n_stimuli, selection_fraction, selection_seed)
    pls_kw = dict(n_components=n_components, n_splits=n_splits, seed=seed, train_size=train_size)
    best, scores, _ = _select(model, data, candidate_layers, input_size, batch_size, device, selection, pls_kw)
    return best, scores


def score_with_layer_selection(model: nn.Module, data: NeuralData, candidate_layers: Sequence[str],
                               input_size: int, batch_size: int = 64, device: str = "cpu",
                               selection_fraction: float = 0.5, selection_seed: int = 0, n_components: int = 25,
                               n_splits: int = 10, seed: int = 0, train_size: float = 0.9,
                               ceiling_splits: int = 10, ceiling_seed: int = 0,
                               ceiling_mode: str = "global") -> dict[str, Any]:
    """Layer commitment plus report: :func:`layer_selection` on the selection stimuli, then the chosen layer
    scored (PLS, ceiling, ceiled score, as :func:`wiringup.scoring.neural.score_neural`) on the disjoint report
    stimuli only. The result dict is ``score_neural``'s, with ``layer`` = the chosen layer, ``n_stimuli`` =
    the report stimuli, and ``layer_selection`` = {candidates, selection_scores, selection_stimuli,
    report_stimuli (ids), selection_fraction, selection_seed}.
    """
    t0 = time.perf_counter()
    selection, report = selection_split(data.n_stimuli, selection_fraction, selection_seed)
    pls_kw = dict(n_components=n_components, n_splits=n_splits, seed=seed, train_size=train_size)
    best, scores, feats = _select(model, data, candidate_layers, input_size, batch_size, device, selection, pls_kw)
    out = score_features(feats[report], data.subset(report), ceiling_splits=ceiling_splits,
                         ceiling_seed=ceiling_seed, ceiling_mode=ceiling_mode, **pls_kw)
    out.update(layer=best, input_size=int(input_size), seconds=time.perf_counter() - t0, layer_selection={
        "candidates": list(candidate_layers), "selection_scores": scores,
        "selection_stimuli": [data.stimulus_ids[i] for i in selection],
        "report_stimuli": [data.stimulus_ids[i] for i in report],
        "selection_fraction": selection_fraction, "selection_seed": selection_seed})
    return out
