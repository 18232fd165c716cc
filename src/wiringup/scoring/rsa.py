"""Representational similarity analysis (RSA) on plain arrays: model matrices, their comparison with brain
matrices, and the leave-one-subject-out noise ceiling (numpy and scipy only; no torch at import).

A benchmark (:class:`~wiringup.scoring.benchmarks.rsa_data.RSAData`) carries one brain matrix per subject
(``targets``, subject x stimulus x stimulus) and its own scheme, four names:

``model_matrix``
    ``"coggan_rsm"``: Brain-Score's ``Coggan2024_fMRI`` RSA (:func:`coggan_rsm`), a similarity matrix;
    ``"correlation_distance"``: 1 - Pearson r between the stimuli's feature vectors, all units
    (:func:`correlation_distance_rdm`; Kriegeskorte et al. 2008's RDM), a dissimilarity matrix.
``comparison``
    ``"pearson"`` (``np.corrcoef``) or ``"spearman"`` (``scipy.stats.spearmanr``) between matrix entries.
``entries``
    ``"offdiag"``: every off-diagonal cell, both triangles, row-major (for asymmetric matrices such as
    Coggan's split-half RSMs); ``"upper"``: the upper triangle without the diagonal (symmetric RDMs).
``ceiling_transform``
    ``"squared_bounded"``: score = (raw / ceiling)**2 clipped to [0, 1] (Brain-Score's Coggan ``ceiler`` and
    ``bound_score``); ``"ratio"``: score = raw / ceiling, unclipped (the pipeline's convention elsewhere).

The raw score is the mean over subjects of the comparison between the model matrix and each subject's matrix.
The ceiling (``ceiling_scheme="leave_one_subject_out"``) is the lower bound of the noise ceiling (Nili et al.
2014): the mean over subjects of the comparison between one subject's matrix and the mean matrix of the others,
i.e. the raw score the other subjects' mean would get in the model's place. ``"none"``: a single target matrix
(no ceiling; the score is None and ``raw`` is reported). Scoring a model on a benchmark with these pieces is
:mod:`wiringup.scoring.rsa_scoring`.

**Brain-Score's Coggan2024_fMRI** (brainscore-vision 2.4.2, ``benchmarks/coggan2024_fMRI/benchmark.py``) is the
scheme (coggan_rsm, pearson, offdiag, leave_one_subject_out, squared_bounded), computed as it does:
``RSA`` (units with zero variance across stimuli dropped; units kept where ``|mean| > 3.1 * std of the unit
means``; z-scored per unit; ``np.corrcoef`` between stimuli), ``get_score`` (Pearson r over the off-diagonal
cells per subject, mean over subjects), ``get_ceiling`` and ``ceiler``/``bound_score``. Where we differ: its
``RSA`` asserts exactly 24 stimuli and at least one selected unit; :func:`coggan_rsm` takes any number and
returns an all-NaN matrix (raw NaN, with a ``note``) when no unit survives the selection. Brain-Score returns no
error; we add ``raw_error`` (SEM over subjects) and ``error`` (propagated to the ceiled score:
2 |raw| raw_error / ceiling**2). Its ceiled score
squares the ratio, so a *negative* raw correlation gets a positive score (e.g. raw -0.2, ceiling 0.24 -> 0.69);
we keep that for parity and flag it with ``negative_raw`` and a ``note``. Everything is deterministic (no
splits, no seed).
"""
from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from wiringup.core.io import WiringupError

MODEL_MATRICES = ("coggan_rsm", "correlation_distance")
#: The kind of matrix each model matrix is (a benchmark's targets must be of the same kind).
MATRIX_KIND = {"coggan_rsm": "similarity", "correlation_distance": "dissimilarity"}
COMPARISONS = ("pearson", "spearman")
ENTRIES = ("offdiag", "upper")
CEILING_SCHEMES = ("leave_one_subject_out", "none")
CEILING_TRANSFORMS = ("squared_bounded", "ratio")
#: Brain-Score's unit selection in the Coggan RSA: keep units whose |mean| exceeds this many SDs of the unit means.
COGGAN_SELECTION_SD = 3.1


def _check(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise WiringupError(f"RSA: unknown {name} {value!r}; use one of {allowed}")


def matrix_entries(matrix: np.ndarray, entries: str) -> np.ndarray:
    """The compared cells of a square matrix: ``"offdiag"`` (both triangles, row-major, as Brain-Score's
    ``flatten()[off_diag_indices]``) or ``"upper"`` (upper triangle, row-major)."""
    _check("entries", entries, ENTRIES)
    m = np.asarray(matrix)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise WiringupError(f"RSA: expected a square matrix, got shape {m.shape}")
    n = m.shape[0]
    if entries == "offdiag":
        return m[~np.eye(n, dtype=bool)]
    return m[np.triu_indices(n, k=1)]


def coggan_rsm(features: np.ndarray) -> tuple[np.ndarray, int]:
    """Brain-Score's Coggan2024 ``RSA`` on (stimulus, unit) features: (RSM, number of selected units).

    Computed in the features' own dtype, with the same numpy expressions (activations are float32, so the unit
    selection sees the same rounding as Brain-Score's). No surviving unit: an all-NaN RSM and 0.
    """
    patterns = np.asarray(features)
    if patterns.ndim != 2 or patterns.shape[0] < 2:
        raise WiringupError(f"coggan_rsm: features must be (stimulus, unit) with >= 2 stimuli, got {patterns.shape}")
    n_conds = patterns.shape[0]
    patterns, selected = _coggan_selection(patterns)
    if not selected.any():
        return np.full((n_conds, n_conds), np.nan), 0
    patterns = patterns[:, selected]
    patterns = (patterns - patterns.mean(0)) / patterns.std(0)
    return np.corrcoef(patterns), int(selected.sum())


def _coggan_selection(patterns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Brain-Score's Coggan unit selection: the non-constant units (``std != 0``) and, among them, the mask of
    those whose |mean| exceeds :data:`COGGAN_SELECTION_SD` SDs of the unit means."""
    patterns = patterns[:, patterns.std(axis=0) != 0]
    if not patterns.size:
        return patterns, np.zeros(0, dtype=bool)
    means = patterns.mean(axis=0)
    return patterns, np.abs(means) > (means.std() * COGGAN_SELECTION_SD)


def coggan_constant_selected(features: np.ndarray) -> int:
    """How many units that :func:`coggan_rsm` selects have one value over all stimuli: a float32 column whose
    values are all equal can still have ``std != 0`` by rounding in the strided reduction (e.g. 1.5e-7), pass
    Brain-Score's constant-unit filter, be selected for its large mean, and then z-score to NaN (std 0 after the
    column copy), which makes the whole RSM undefined. Brain-Score's own expressions do the same; this count
    only explains such a NaN in the score's note."""
    patterns, selected = _coggan_selection(np.asarray(features))
    return int((np.ptp(patterns[:, selected], axis=0) == 0).sum()) if selected.any() else 0


def correlation_distance_rdm(features: np.ndarray) -> np.ndarray:
    """1 - Pearson r between the stimuli's feature vectors (all units), float64; NaN rows/columns for a stimulus
    whose features are constant."""
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2:
        raise WiringupError(f"correlation_distance_rdm: features must be (stimulus, unit) with >= 2 stimuli, got "
                            f"{x.shape}")
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return 1.0 - np.corrcoef(x)


def model_matrix(features: np.ndarray, kind: str) -> tuple[np.ndarray, int]:
    """The model's matrix of ``kind`` (see the module docstring) and the number of units it used."""
    _check("model matrix", kind, MODEL_MATRICES)
    if kind == "coggan_rsm":
        return coggan_rsm(features)
    return correlation_distance_rdm(features), int(np.asarray(features).shape[1])


def compare(a: np.ndarray, b: np.ndarray, method: str) -> float:
    """Pearson (``np.corrcoef``, as Brain-Score) or Spearman r between two vectors; NaN if either has a NaN or
    is constant."""
    _check("comparison", method, COMPARISONS)
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if not (np.isfinite(a).all() and np.isfinite(b).all()) or a.std() == 0 or b.std() == 0:
        return float("nan")
    if method == "pearson":
        return float(np.corrcoef(a, b)[0, 1])
    from scipy.stats import spearmanr

    return float(spearmanr(a, b).correlation)


def subject_scores(matrix: np.ndarray, targets: np.ndarray, comparison: str, entries: str) -> np.ndarray:
    """The comparison between ``matrix`` and each subject's matrix in ``targets`` (subject, stimulus, stimulus)."""
    model = matrix_entries(matrix, entries)
    return np.array([compare(matrix_entries(t, entries), model, comparison) for t in targets])


def leave_one_out_ceiling(targets: np.ndarray, comparison: str, entries: str) -> dict[str, Any]:
    """Noise ceiling of ``targets`` (subject, stimulus, stimulus), Nili et al. (2014): ``ceiling`` (the lower
    bound: mean over subjects of the comparison of each subject with the mean of the others; Brain-Score's
    Coggan ``get_ceiling``), ``per_subject`` (those values), ``error`` (their SEM, std ddof=0 / sqrt(n)) and
    ``upper`` (the upper bound: each subject against the mean of all, itself included)."""
    t = np.asarray(targets, dtype=np.float64)
    n = t.shape[0]
    if t.ndim != 3 or n < 2:
        raise WiringupError(f"leave_one_out_ceiling: need (subject, stimulus, stimulus) with >= 2 subjects, got "
                            f"shape {t.shape}")
    per = np.array([compare(matrix_entries(t[s], entries),
                            matrix_entries(t[[i for i in range(n) if i != s]].mean(axis=0), entries), comparison)
                    for s in range(n)])
    upper = subject_scores(t.mean(axis=0), t, comparison, entries)
    return {"ceiling": float(per.mean()), "per_subject": per.tolist(), "error": sem(per),
            "upper": float(upper.mean()), "reason": None}


def sem(values: np.ndarray) -> float:
    """Standard error of the mean over subjects: std (ddof=0) / sqrt(n), as Brain-Score's errors."""
    return float(np.std(values) / math.sqrt(len(values)))


def ceiled_score(raw: float, ceiling: float | None, transform: str) -> float | None:
    """The ceiled score: ``squared_bounded`` (Brain-Score's Coggan: (raw / ceiling)**2 clipped to [0, 1]) or
    ``ratio`` (raw / ceiling). None without a positive ceiling; NaN for a NaN raw score."""
    _check("ceiling transform", transform, CEILING_TRANSFORMS)
    if ceiling is None or not ceiling > 0:
        return None
    if transform == "ratio":
        return raw / ceiling
    value = (raw / ceiling) ** 2
    return value if math.isnan(value) else min(max(value, 0.0), 1.0)
