"""Behavioural metrics on 16-way decisions, re-implemented on plain arrays (numpy only, no torch): Brain-Score's
error consistency and its inter-subject ceiling, and Hermann et al.'s shape bias.

What Brain-Score does (brainscore-vision 2.4.2, ``metrics/error_consistency/metric.py``, from Geirhos, Meding &
Wichmann 2020 and bethgelab/model-vs-human ``plotting/analyses.py``):

* **Error consistency of two observers** (``compare_single_subject``): both answer the same stimuli (matched by
  ``stimulus_id``); ``correct`` = answer == ``truth``; ``p_a``, ``p_b`` their accuracies; expected consistency
  ``e = p_a p_b + (1 - p_a)(1 - p_b)``, observed consistency ``o`` = fraction of stimuli where both are right
  or both wrong; Cohen's kappa ``(o - e) / (1 - e)``. A human "no answer" (``na``) is simply wrong.
* **Model vs humans** (``__call__``): kappa of the model against each subject, per condition; the mean over
  conditions, then over subjects, and then its **absolute value** (Brain-Score's deviation from the paper, to keep
  scores >= 0); ``error`` = std (ddof 0) over the (subject, condition) kappas.
* **Ceiling** (``ceiling``): the same kappa for every pair of subjects (``itertools.combinations`` of the sorted
  subjects), per condition, aggregated the same way (absolute mean, std). The Geirhos2021 benchmark reports
  ``raw / ceiling`` clipped to [0, 1] (``bound_score``).
* **Shape bias** (``benchmarks/hermann2020``, Hermann, Chen & Kornblith 2020): on the cue-conflict images whose
  shape and texture classes differ, ``shape_match`` = fraction of answers equal to the shape class,
  ``texture_match`` = fraction equal to the texture class; shape bias = shape_match / (shape_match +
  texture_match), i.e. the fraction of shape decisions among the shape-or-texture decisions. Brain-Score's
  ceiling for it is 1 (the score is the shape bias itself).

What we do: the same formulas, on (subject x stimulus) arrays of answers with one ``truth`` per stimulus (the
stimulus order replaces Brain-Score's sort by ``stimulus_id``). Where Brain-Score's arithmetic yields NaN
(``e == 1``: both observers always right, or always wrong) so do we, and like xarray's ``mean``/``std`` the
aggregation skips such values (an all-NaN result stays NaN). Added: per-subject / per-pair values, and a
binomial standard error for the shape bias (Brain-Score attaches none).
"""
from __future__ import annotations

import itertools
import warnings
from typing import Any, Sequence

import numpy as np

from wiringup.core.io import WiringupError

#: The 16 coarse ImageNet categories of Geirhos et al., sorted as Brain-Score passes them to the model
#: (``sorted(set(assembly['truth']))``).
CHOICE_LABELS_16 = ("airplane", "bear", "bicycle", "bird", "boat", "bottle", "car", "cat", "chair", "clock", "dog",
                    "elephant", "keyboard", "knife", "oven", "truck")


def pair_error_consistency(answers_a: Sequence[str], answers_b: Sequence[str], truth: Sequence[str]) -> float:
    """Cohen's kappa between two observers' correct/incorrect patterns on the same stimuli (Brain-Score's
    ``compare_single_subject``); NaN when the expected consistency is 1."""
    a, b, t = (np.asarray(x, dtype=object) for x in (answers_a, answers_b, truth))
    if not (a.shape == b.shape == t.shape) or a.ndim != 1 or a.size == 0:
        raise WiringupError(f"error consistency: need two equal-length answer lists and one truth per stimulus, got "
                            f"shapes {a.shape}, {b.shape}, {t.shape}")
    correct_a, correct_b = a == t, b == t
    p_a, p_b = correct_a.mean(), correct_b.mean()
    expected = p_a * p_b + (1 - p_a) * (1 - p_b)
    observed = (correct_a == correct_b).sum() / t.size
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(observed - expected) / np.float64(1.0 - expected))


def _conditions(conditions: Sequence[Any] | None, n: int) -> tuple[np.ndarray, list[Any]]:
    cond = np.zeros(n, dtype=object) if conditions is None else np.asarray(conditions, dtype=object)
    if cond.shape != (n,):
        raise WiringupError(f"error consistency: {cond.shape} condition labels for {n} stimuli")
    return cond, sorted(set(cond.tolist()), key=str)


def _nanmean(values: np.ndarray, axis: int | None = None) -> Any:
    with warnings.catch_warnings():  # all-NaN slices give NaN, as xarray's mean does
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(values, axis=axis)


def _aggregate(values: np.ndarray) -> tuple[float, float]:
    """Brain-Score's ``aggregate``: |mean over conditions, then over subjects (or pairs)|, std (ddof 0) over all;
    xarray's ``mean``/``std`` skip NaN (a condition where both observers are always right drops out)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(abs(_nanmean(_nanmean(values, axis=1), axis=0))), float(np.nanstd(values))


def error_consistency(model_answers: Sequence[str], human_answers: np.ndarray, truth: Sequence[str],
                      conditions: Sequence[Any] | None = None) -> dict[str, Any]:
    """Brain-Score's error consistency of one model with each human subject.

    ``model_answers``: one answer per stimulus; ``human_answers``: (subject, stimulus), in the same stimulus order;
    ``truth``: the correct answer per stimulus; ``conditions``: optional condition label per stimulus (one
    condition when None). Returns ``raw`` (|mean kappa|), ``error`` (std over subject x condition), ``per_subject``
    (mean kappa over conditions per subject, signed) and ``accuracy`` (the model's).
    """
    humans = np.asarray(human_answers, dtype=object)
    model = np.asarray(model_answers, dtype=object)
    if humans.ndim != 2 or humans.shape[1] != model.size:
        raise WiringupError(f"error consistency: human answers must be (subject, stimulus) with {model.size} stimuli, "
                            f"got shape {humans.shape}")
    cond, levels = _conditions(conditions, model.size)
    t = np.asarray(truth, dtype=object)
    values = np.array([[pair_error_consistency(model[cond == c], humans[s][cond == c], t[cond == c])
                        for c in levels] for s in range(humans.shape[0])])
    raw, error = _aggregate(values)
    return {"raw": raw, "error": error, "per_subject": _nanmean(values, axis=1).tolist(),
            "accuracy": float((model == t).mean())}


def error_consistency_ceiling(human_answers: np.ndarray, truth: Sequence[str],
                              conditions: Sequence[Any] | None = None) -> dict[str, Any]:
    """Brain-Score's ceiling of error consistency: the kappa of every pair of subjects (rows of ``human_answers``,
    in their given order, which should be the sorted subject names), aggregated like the model's score."""
    humans = np.asarray(human_answers, dtype=object)
    if humans.ndim != 2 or humans.shape[0] < 2:
        raise WiringupError(f"error consistency ceiling: need (subject, stimulus) answers of at least 2 subjects, got "
                            f"shape {humans.shape}")
    cond, levels = _conditions(conditions, humans.shape[1])
    t = np.asarray(truth, dtype=object)
    pairs = list(itertools.combinations(range(humans.shape[0]), 2))
    values = np.array([[pair_error_consistency(humans[i][cond == c], humans[j][cond == c], t[cond == c])
                        for c in levels] for i, j in pairs])
    ceiling, error = _aggregate(values)
    return {"ceiling": ceiling, "error": error, "per_pair": _nanmean(values, axis=1).tolist(), "pairs": pairs}


def shape_bias(answers: np.ndarray | Sequence[str], shape: Sequence[str], texture: Sequence[str]) -> dict[str, Any]:
    """Hermann et al.'s shape bias on the cue-conflict stimuli whose shape and texture classes differ.

    ``answers``: one answer per stimulus, or (observer, stimulus) answers pooled over observers (the human
    reference). Returns ``shape_bias`` (NaN when no answer matches either cue), ``shape_match``,
    ``texture_match`` (fractions of all conflict answers), the counts and ``error`` = the binomial standard error
    sqrt(b (1 - b) / (n_shape + n_texture)).
    """
    a = np.atleast_2d(np.asarray(answers, dtype=object))
    s, t = np.asarray(shape, dtype=object), np.asarray(texture, dtype=object)
    if a.shape[1] != s.size or s.shape != t.shape:
        raise WiringupError(f"shape bias: {a.shape[1]} answers per observer for {s.size} shape and {t.size} texture "
                            "labels")
    conflict = s != t
    if not conflict.any():
        raise WiringupError("shape bias: no cue-conflict stimulus (every shape class equals its texture class)")
    a = a[:, conflict]
    n_shape, n_texture = int((a == s[conflict]).sum()), int((a == t[conflict]).sum())
    n = n_shape + n_texture
    bias = n_shape / n if n else float("nan")
    return {"shape_bias": bias, "shape_match": n_shape / a.size, "texture_match": n_texture / a.size,
            "n_shape": n_shape, "n_texture": n_texture, "n_conflict_answers": int(a.size),
            "error": float(np.sqrt(bias * (1 - bias) / n)) if n else None}
