"""Brain-Score's distribution similarity of single-neuron properties (numpy only): the Kolmogorov-Smirnov-based
similarity of two histograms, its bootstrap over model neurons, and the ceiling, as in brainscore-vision's
``metrics/distribution_similarity`` (``ks_similarity``, ``BootstrapDistributionSimilarity``,
``NeuronalPropertyCeiling``), used by the Marques2020 V1-property benchmarks
(:mod:`wiringup.scoring.benchmarks.marques2020`).

* :func:`ks_similarity`: ``1 - max|cumsum(p) - cumsum(q)| / kolm_max``, where ``kolm_max`` is the larger KS
  distance between the data histogram ``q`` and a histogram with all mass in the first or in the last bin (the
  largest distance possible for ``q``).
* :func:`bootstrap_similarity`: model and data values are clipped to the bin range; the data histogram is
  ``np.histogram(data, bins)`` normalised (NaN values, Brain-Score's padding for properties measured on fewer
  cells, are not counted); ``n_samples`` times, ``n`` model values are drawn with replacement (``n`` = the number
  of data rows, NaN padding included, as in Brain-Score), histogrammed the same way and compared with
  :func:`ks_similarity`. The score is the nan-mean of the similarities and the error their nan-std (Brain-Score's
  ``error`` is this std, not a standard error); when more than 100 of them are NaN (Brain-Score compares with its
  constant 1000 / 10 whatever ``n_samples`` is), score and error are 0.
* :func:`property_ceiling`: the same metric comparing the data with itself.

The draws: Brain-Score calls ``np.random.choice`` on numpy's unseeded global generator. Here the caller passes a
``numpy.random.RandomState``: ``RandomState(s).choice(a, n)`` draws exactly what ``np.random.choice(a, n)`` draws
after ``np.random.seed(s)``, so a benchmark scored with seed ``s`` here equals brainscore-vision's run after
``np.random.seed(s)``. In Brain-Score's ``PropertiesBenchmark.__call__`` the raw score draws first and the ceiling
continues from the same generator; :func:`wiringup.scoring.benchmarks.marques2020.score_marques2020` does the same.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from wiringup.core.io import WiringupError

#: Brain-Score's number of bootstrap samples (``NSAMPLES``), also its NaN-tolerance base (``NSAMPLES / 10``).
N_BOOTSTRAP = 1000


def ks_similarity(p: np.ndarray, q: np.ndarray) -> float:
    """1 - the KS distance between the cumulative histograms ``p`` (model) and ``q`` (data), divided by the
    largest KS distance any histogram can have from ``q`` (all mass in its first or last bin)."""
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    z1, z2 = np.zeros_like(p), np.zeros_like(p)
    z1[0], z2[-1] = 1, 1
    kolm_raw = np.max(np.abs(np.cumsum(p) - np.cumsum(q)))
    kolm_max = max(np.max(np.abs(np.cumsum(z1) - np.cumsum(q))), np.max(np.abs(np.cumsum(z2) - np.cumsum(q))))
    return float(1 - kolm_raw / kolm_max)


def _normalised_hist(values: np.ndarray, bins: np.ndarray) -> np.ndarray:
    hist = np.histogram(values, bins=bins)[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        return hist / hist.sum()


def bootstrap_similarity(model_values: np.ndarray, data_values: np.ndarray, bins: np.ndarray,
                         rng: np.random.RandomState, n_samples: int = N_BOOTSTRAP) -> dict[str, Any]:
    """Brain-Score's bootstrapped KS similarity of the model's property distribution to the data's.

    ``data_values``: the data column as Brain-Score stores it (NaN rows for padding); ``bins``: the data's bin
    edges; ``rng`` is advanced exactly as ``np.random.choice`` advances numpy's global generator. Returns
    ``score`` (nan-mean), ``error`` (nan-std), ``per_sample`` similarities, the ``data_hist`` and the
    mean ``model_hist``.
    """
    bins = np.asarray(bins, dtype=float)
    data = np.clip(np.asarray(data_values, dtype=float), bins[0], bins[-1])  # NaN stays NaN
    model = np.asarray(model_values, dtype=float).reshape(-1)
    model = np.where(model < bins[0], bins[0], np.where(model > bins[-1], bins[-1], model))
    if model.size == 0:
        raise WiringupError("bootstrap_similarity: the model has no neuron with this property")
    if not isinstance(rng, np.random.RandomState):
        raise WiringupError("bootstrap_similarity: rng must be a numpy.random.RandomState (Brain-Score's draws)")
    n_neurons = data.shape[0]
    data_hist = _normalised_hist(data, bins)
    model_hist = np.zeros((n_samples, data_hist.shape[0]))
    sims = np.zeros(n_samples)
    for s in range(n_samples):
        model_hist[s] = _normalised_hist(rng.choice(model, n_neurons), bins)
        with np.errstate(invalid="ignore", divide="ignore"):
            sims[s] = ks_similarity(model_hist[s], data_hist)
    if np.isnan(sims).sum() > N_BOOTSTRAP / 10:
        center, error = 0.0, 0.0
    else:
        center, error = float(np.nanmean(sims)), float(np.nanstd(sims))
    finite = np.isfinite(model_hist).all(axis=1)
    mean_hist = model_hist[finite].mean(axis=0) if finite.any() else np.full(data_hist.shape, np.nan)
    return {"score": center, "error": error, "per_sample": sims, "data_hist": data_hist,
            "model_hist": mean_hist, "n_samples": int(n_samples), "n_draw": int(n_neurons),
            "n_nan_samples": int(np.isnan(sims).sum())}


def property_ceiling(data_values: np.ndarray, bins: np.ndarray, rng: np.random.RandomState,
                     n_samples: int = N_BOOTSTRAP) -> dict[str, Any]:
    """Brain-Score's ``NeuronalPropertyCeiling``: :func:`bootstrap_similarity` of the data with itself."""
    return bootstrap_similarity(data_values, data_values, bins, rng, n_samples=n_samples)
