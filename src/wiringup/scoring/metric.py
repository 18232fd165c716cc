"""Brain-Score's PLS neural predictivity, re-implemented on plain arrays (numpy and scikit-learn only, no torch).

What Brain-Score does (brainscore-vision 2.4.2, read from its source; the paper used the 2019-2021 versions,
which compute the same metric):

* **Metric** ``load_metric('pls')`` = ``CrossRegressedCorrelation``: ``CrossValidation`` builds
  ``sklearn.model_selection.ShuffleSplit(n_splits=10, train_size=0.9, test_size=None, random_state=1)`` over
  the target's ``stimulus_id`` values in assembly order (``StratifiedShuffleSplit`` on ``object_name`` when
  the default ``stratification_coord='object_name'`` is kept, as the MajajHong2015 benchmarks do; data without
  that coord must pass ``crossvalidation_kwargs=dict(stratification_coord=None)``). Per split it fits
  ``PLSRegression(n_components=25, scale=False)`` from all model features to all neuroids jointly (sklearn
  centres X and Y but, with ``scale=False``, does not standardise them), predicts the held-out stimuli,
  computes ``scipy.stats.pearsonr`` per neuroid across held-out stimuli, and takes the **median over
  neuroids** (xarray's median, which skips NaN). Splits are then **averaged**; the score's ``error`` attribute
  is the **standard error of the mean over splits**, ``std(ddof=0) / sqrt(n_splits)``, not the std.

What we do, and where it differs:

* The same splits (``ShuffleSplit`` with the same arguments; ``random_state=seed``, default 0 where Brain-Score
  fixes 1), the same regression (sklearn's ``PLSRegression(scale=False)``, NIPALS), the same correlation,
  aggregation (nan-median over neuroids, mean over splits) and error (SEM over splits). We also return the
  plain std over splits as ``std``. Optional ``stratify`` labels reproduce the stratified variant.
* Speed: PLS is run on the training features expressed in an orthonormal basis of their row space
  (``Z = U sqrt(L)`` from the eigendecomposition of the centred train Gram matrix ``K = Xc Xc^T``; test
  features become ``Kt U / sqrt(L)``). Every NIPALS step is invariant under such a rotation of feature space
  and all PLS weights lie in the row space of the training features, so the predictions are the same as
  sklearn's on the raw features (up to float rounding; ``method="direct"`` runs sklearn on the raw features
  for checking). One N x N Gram matrix per call replaces ten fits on N x D matrices; this is exact, not an
  approximation. ``n_components`` is capped at ``min(n_components, n_features, rank of the train features)``
  where sklearn would raise (fewer features than components) or return NaN (rank below the number of
  components).
* Few stimuli: a benchmark may choose ``cv_scheme="kfold_pooled"`` (the 25-image MajajHong2015 slice does):
  K-fold out-of-sample predictions (default 5 folds) for every stimulus, centred within each test fold and
  pooled, one Pearson r per neuroid over all stimuli, median over neuroids, averaged over ``n_splits``
  reshuffles of the fold assignment (error = SEM over reshuffles); see :func:`pls_crossval` for why.
  Brain-Score's 90/10 ``ShuffleSplit`` would hold out 2-3 of 25 images per split.

The array helpers :func:`pearson_columns`, :func:`split_std_sem` and :class:`quiet_nan_warnings` are shared with
the ceiling (:mod:`wiringup.scoring.ceiling`).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from sklearn.cross_decomposition import PLSRegression
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit

from wiringup.core.io import WiringupError

#: The cross-validation schemes a benchmark may be scored with (see :func:`pls_crossval`).
CV_SCHEMES = ("shuffle", "kfold_pooled")


def pearson_columns(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson r between matching columns of a and b (samples x columns); NaN where one is constant."""
    a = a - a.mean(axis=0)
    b = b - b.mean(axis=0)
    den = np.sqrt((a * a).sum(axis=0) * (b * b).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (a * b).sum(axis=0) / den
    r[~(den > 0)] = np.nan
    return np.clip(r, -1.0, 1.0)


def split_std_sem(values: np.ndarray) -> tuple[float, float]:
    """(std over splits with ddof=0, skipping NaN; that std / sqrt(n_splits)) as xarray/Brain-Score do."""
    values = np.asarray(values, dtype=np.float64)
    if np.isnan(values).all():
        return float("nan"), float("nan")
    std = float(np.nanstd(values))
    return std, std / math.sqrt(len(values))


def _centered_gram(x: np.ndarray, max_chunk_bytes: int = 64 << 20) -> np.ndarray:
    """``(x - mean) (x - mean)^T`` in float64, built over column chunks so no float64 copy of x is made."""
    n, d = x.shape
    mean = x.mean(axis=0, dtype=np.float64)
    g = np.zeros((n, n), dtype=np.float64)
    step = max(1, max_chunk_bytes // (8 * n))
    for s in range(0, d, step):
        xc = x[:, s:s + step].astype(np.float64) - mean[s:s + step]
        g += xc @ xc.T
    return (g + g.T) / 2


def _pls_gram(g: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray, n_components: int,
              n_features: int, eig_rtol: float = 1e-12) -> tuple[np.ndarray, PLSRegression | None]:
    """Fit sklearn PLS on the train features in a rotated basis and predict the test stimuli."""
    a = g[:, train].mean(axis=1)  # x_i . m_train (in globally centred coordinates)
    c = a[train].mean()           # m_train . m_train
    k = g[np.ix_(train, train)] - a[train][:, None] - a[train][None, :] + c
    kt = g[np.ix_(test, train)] - a[test][:, None] - a[train][None, :] + c
    lam, u = np.linalg.eigh((k + k.T) / 2)
    keep = lam > max(lam[-1], 0.0) * eig_rtol if lam[-1] > 0 else np.zeros_like(lam, dtype=bool)
    if not keep.any():  # constant features: nothing to regress on
        return np.broadcast_to(y[train].mean(axis=0), (len(test), y.shape[1])).copy(), None
    lam, u = lam[keep], u[:, keep]
    s = np.sqrt(lam)
    z = u * s
    zt = (kt @ u) / s
    ncomp = min(n_components, n_features, z.shape[1])
    pls = _fit_pls(z, y[train], ncomp)
    return pls.predict(zt), pls


def _pls_direct(x: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray,
                n_components: int) -> tuple[np.ndarray, int]:
    """Exactly what Brain-Score runs: sklearn PLS on the raw features (components capped by the features and by
    the rank of the centred training features, at most ``n_train - 1``; the cap never binds for Brain-Score's
    sizes, but a degenerate model (e.g. a tiny sampled network whose layer is nearly constant) would otherwise make
    sklearn's PLS divide by zero and return NaN)."""
    xt = x[train]
    rank = int(np.linalg.matrix_rank(xt - xt.mean(axis=0))) if xt.shape[1] <= 4096 or len(train) <= 4096 else len(train) - 1
    pls = _fit_pls(xt, y[train], max(1, min(n_components, x.shape[1], len(train) - 1, rank)))
    return pls.predict(x[test]), pls


def _fit_pls(x: np.ndarray, y: np.ndarray, n_components: int) -> PLSRegression:
    """sklearn's PLSRegression as Brain-Score configures it; its ConvergenceWarnings are counted, not printed."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return PLSRegression(n_components=n_components, scale=False).fit(x, y)


def make_splits(n: int, n_splits: int, train_size: float, seed: int,
                stratify: np.ndarray | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Brain-Score's train/test splits over stimuli (in the given order)."""
    if stratify is not None:
        splitter = StratifiedShuffleSplit(n_splits=n_splits, train_size=train_size, test_size=None,
                                          random_state=seed)
        return list(splitter.split(np.zeros(n), np.asarray(stratify)))
    splitter = ShuffleSplit(n_splits=n_splits, train_size=train_size, test_size=None, random_state=seed)
    return list(splitter.split(np.zeros(n)))


def make_kfold_shuffles(n: int, n_folds: int, n_shuffles: int,
                        seed: int) -> list[list[tuple[np.ndarray, np.ndarray]]]:
    """``n_shuffles`` random K-fold partitions of ``n`` stimuli: sklearn's
    ``RepeatedKFold(n_splits=n_folds, n_repeats=n_shuffles, random_state=seed)``, grouped per shuffle. In each
    shuffle every stimulus is held out exactly once."""
    from sklearn.model_selection import RepeatedKFold

    if isinstance(n_folds, bool) or not isinstance(n_folds, (int, np.integer)) or n_folds < 2:
        raise WiringupError(f"K-fold cross-validation needs n_folds >= 2, got {n_folds!r}")
    if n < 2 * n_folds:
        raise WiringupError(f"K-fold cross-validation with {n_folds} folds needs at least {2 * n_folds} stimuli, "
                            f"got {n}; lower n_folds")
    splits = list(RepeatedKFold(n_splits=int(n_folds), n_repeats=int(n_shuffles), random_state=seed)
                  .split(np.zeros(n)))
    return [splits[k:k + n_folds] for k in range(0, len(splits), n_folds)]


def pls_crossval(features: np.ndarray, targets: np.ndarray, n_components: int = 25, n_splits: int = 10,
                 train_size: float = 0.9, seed: int = 0, stratify: np.ndarray | None = None,
                 method: str = "auto", scheme: str = "shuffle", n_folds: int = 5,
                 fold_centered: bool = True) -> dict[str, Any]:
    """Brain-Score's PLS neural predictivity (``load_metric('pls')``) on arrays, or its pooled K-fold variant.

    ``features`` is (stimulus, feature), ``targets`` (stimulus, neuroid), trial-averaged, same stimulus order.
    A ``PLSRegression(n_components, scale=False)`` maps all features to all neuroids jointly; components are
    capped by the features and by the rank of the centred training features (at most ``n_train - 1``).

    ``scheme="shuffle"`` (default; Brain-Score's): for each of ``n_splits`` ``ShuffleSplit(train_size,
    random_state=seed)`` splits of the stimuli (or ``StratifiedShuffleSplit`` on ``stratify`` labels), Pearson r
    per neuroid on the held-out stimuli, median over neuroids (NaN skipped) gives one value per split.

    ``scheme="kfold_pooled"`` (for benchmarks with few stimuli, e.g. 25, where a 10 % test split holds 2-3
    stimuli and a per-split Pearson r over them is meaningless; at n=25 the median of such 3-point r's is also
    biased upwards): each of ``n_splits`` shuffles partitions the stimuli into ``n_folds`` folds
    (:func:`make_kfold_shuffles`); each fold is predicted by a PLS fitted on the other folds only, so every
    stimulus gets exactly one out-of-sample prediction; then ONE Pearson r per neuroid over all stimuli and the
    median over neuroids give one value per shuffle; ``raw`` is the mean over shuffles. ``train_size`` and
    ``stratify`` are not used. With ``fold_centered=True`` (default) predictions and targets are centred
    within each test fold before pooling, i.e. the r is the per-fold Pearson r (which centres each test set,
    as Brain-Score's per-split r does) with covariances and variances summed over folds before dividing.
    Without it, pooling predictions of models fitted on different folds is biased below zero: a held-out
    fold's mean pulls its training mean, and so its prediction, the other way (measured at n=25, 5 folds: a
    pure-noise r of about -0.19 for wide features and -0.13 for 3 features, against about 0.00 and -0.03 fold
    centred). For a real linear signal the fold-centred value is close to the out-of-sample r of a model fitted
    on 80 % of the stimuli.

    Returns ``raw`` (mean over splits/shuffles), ``error`` (**standard error of the mean over
    splits/shuffles**, std(ddof=0)/sqrt(n_splits), which is what Brain-Score calls ``error``; for
    ``kfold_pooled`` it measures only the variability of fold assignment, not of the stimulus sample), ``std``
    (the std over splits, ddof=0), ``per_split``, ``per_neuroid`` (mean over splits of each neuroid's r),
    ``n_components`` (used, the smallest over fits), ``scheme``, ``n_folds`` (None for ``shuffle``),
    ``method`` and ``n_unconverged_components`` (PLS components, summed over fits, whose NIPALS power iteration
    stopped at sklearn's ``max_iter`` of 500 before reaching its tolerance; sklearn warns, and Brain-Score,
    like us, uses those weights as they are). ``kfold_pooled`` also returns ``stimulus_se``: a jackknife
    (leave-one-stimulus-out, predictions held fixed) standard error of the median-over-neuroids r of the
    shuffle-averaged predictions, a rough measure of the stimulus-sampling uncertainty that ``error`` omits.

    ``method="gram"`` is the fast exact route described in the module docstring; ``method="direct"`` fits
    sklearn on the raw features, as Brain-Score does; ``"auto"`` (default) takes ``"gram"`` when there are
    more features than stimuli (model layers) and ``"direct"`` otherwise (cheaper for narrow features).
    """
    x = np.asarray(features)
    y = np.asarray(targets, dtype=np.float64)
    if y.ndim == 1:
        y = y[:, None]
    if x.ndim != 2 or y.ndim != 2:
        raise WiringupError(f"pls_crossval: features must be (stimulus, feature) and targets (stimulus, neuroid); "
                            f"got shapes {x.shape} and {y.shape}")
    if x.shape[0] != y.shape[0]:
        raise WiringupError(f"pls_crossval: {x.shape[0]} feature rows but {y.shape[0]} target rows; both need "
                            "one row per stimulus, in the same order")
    if x.shape[0] < 10:
        raise WiringupError(f"pls_crossval: only {x.shape[0]} stimuli; cross-validation needs at least 10")
    if not np.isfinite(y).all():
        raise WiringupError("pls_crossval: targets contain NaN/inf; pass trial-averaged responses with a value "
                            "for every neuroid and stimulus")
    if not np.isfinite(x).all():
        raise WiringupError("pls_crossval: features contain NaN/inf; the model produced non-finite activations")
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    if method not in ("auto", "gram", "direct"):
        raise WiringupError(f"pls_crossval: unknown method {method!r}; use 'auto', 'gram' or 'direct'")
    if scheme not in CV_SCHEMES:
        raise WiringupError(f"pls_crossval: unknown cross-validation scheme {scheme!r}; use one of {CV_SCHEMES}")
    if method == "auto":
        method = "gram" if x.shape[1] > x.shape[0] else "direct"

    g = _centered_gram(x) if method == "gram" else None
    ncomps: list[int] = []
    unconverged = 0

    def fit_predict(train: np.ndarray, test: np.ndarray) -> np.ndarray:
        nonlocal unconverged
        try:
            if g is not None:
                pred, pls = _pls_gram(g, y, train, test, n_components, x.shape[1])
            else:
                pred, pls = _pls_direct(x, y, train, test, n_components)
        except (ValueError, np.linalg.LinAlgError) as err:
            raise WiringupError(
                f"pls_crossval: scikit-learn's PLS failed on a training split of {len(train)} stimuli × "
                f"{x.shape[1]} features ({type(err).__name__}: {err}); the layer's activations are probably "
                f"(nearly) constant over the stimuli: check the model and the layer") from err
        ncomps.append(pls.n_components if pls is not None else 0)
        if pls is not None:
            unconverged += sum(int(n) >= pls.max_iter for n in pls.n_iter_)
        return pred

    rs = []
    extra: dict[str, Any] = {}
    if scheme == "shuffle":
        splits = make_splits(x.shape[0], n_splits, train_size, seed, stratify)
        for train, test in splits:
            rs.append(pearson_columns(fit_predict(train, test), y[test]))
        n_done = len(splits)
    else:
        shuffles = make_kfold_shuffles(x.shape[0], n_folds, n_splits, seed)
        jack_pred, jack_y = np.zeros_like(y), np.zeros_like(y)
        for folds in shuffles:
            pred, target = np.empty_like(y), y.copy()
            for train, test in folds:
                pred[test] = fit_predict(train, test)
                if fold_centered:
                    pred[test] -= pred[test].mean(axis=0)
                    target[test] -= target[test].mean(axis=0)
            jack_pred += pred
            jack_y += target
            rs.append(pearson_columns(pred, target))
        n_done = len(shuffles)
        extra["stimulus_se"] = _jackknife_median_r(jack_pred / len(shuffles), jack_y / len(shuffles))
        extra["fold_centered"] = bool(fold_centered)
    r = np.array(rs)  # split x neuroid
    with np.errstate(all="ignore"), quiet_nan_warnings():
        per_split = np.nanmedian(r, axis=1)
        per_neuroid = np.nanmean(r, axis=0)
        raw = float(np.nanmean(per_split)) if not np.isnan(per_split).all() else float("nan")
    std, sem = split_std_sem(per_split)
    return {"raw": raw, "error": sem, "std": std, "per_split": per_split.tolist(),
            "per_neuroid": per_neuroid.tolist(), "n_components": int(min(ncomps)), "n_splits": n_done,
            "scheme": scheme, "n_folds": int(n_folds) if scheme == "kfold_pooled" else None,
            "method": method, "n_unconverged_components": unconverged, **extra}


def _jackknife_median_r(pred: np.ndarray, y: np.ndarray) -> float:
    """Jackknife SE over stimuli of median_neuroids(pearson(pred, y)), the predictions held fixed."""
    n = y.shape[0]
    vals = np.empty(n)
    keep = np.ones(n, dtype=bool)
    with quiet_nan_warnings():
        for i in range(n):
            keep[i] = False
            vals[i] = np.nanmedian(pearson_columns(pred[keep], y[keep]))
            keep[i] = True
    if np.isnan(vals).any():
        return float("nan")
    return float(np.sqrt((n - 1) / n * ((vals - vals.mean()) ** 2).sum()))


class quiet_nan_warnings:
    """Silence numpy's 'All-NaN slice' / 'Mean of empty slice' RuntimeWarnings inside the block."""

    def __enter__(self) -> None:
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc: Any) -> None:
        self._ctx.__exit__(*exc)
