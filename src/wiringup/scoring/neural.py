"""Neural predictivity: Brain-Score's PLS metric and split-half ceiling, re-implemented on plain arrays.

What Brain-Score does (brainscore-vision 2.4.2, read from its source; the paper used the 2019-2021 versions,
which compute the same metric and ceiling):

* **Stimuli.** ``load_preprocess_images(image_size=224)`` for CORnet: resize the whole image to 224x224 (no
  crop), ``ToTensor``, ImageNet mean/std normalisation. Before that, ``place_on_screen`` rescales the stimuli
  from the benchmark's visual degrees to the model's (8 deg).
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
* **Ceiling** ``load_ceiling('internal_consistency')``: ``CrossValidationSingle`` splits the *unique values of
  the* ``repetition`` *coord* (the same repetition indices for every stimulus) with
  ``ShuffleSplit(n_splits=10, train_size=0.5, random_state=1)``; each half is averaged per stimulus, Pearson r
  per neuroid across stimuli between the halves, **Spearman-Brown per neuroid** (2r/(1+r)), then the median
  over neuroids, then the mean over splits; ``error`` is again the SEM over splits.
* **Ceiled score.** Brain-Score of the paper's era (``ceil_score``) reports raw / ceiling with the raw
  error copied unchanged. brainscore-vision 2.4.2's ``NeuralBenchmark`` instead reports ``explained_variance``
  = raw**2 / ceiling (also with the raw error unchanged).

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
* Ceiling: by default (``mode="per_stimulus"``) each stimulus's *own* available repeats are split into two
  halves as equal as possible, so stimuli with different repeat counts (NaN-padded) get balanced halves. The
  split uses the same random permutation of repetition slots as Brain-Score, so with equal repeat counts the
  halves, and the result, are identical to Brain-Score's. ``mode="global"`` reproduces Brain-Score's global
  split of repetition indices exactly also for ragged data (its halves can then be unbalanced); there, a
  stimulus whose repeats all fall into one half is left out of that split (Brain-Score would fail). A stimulus
  with fewer than 2 repeats is always left out of the ceiling. With a single repeat everywhere there is no
  ceiling: ``ceiling`` is None with a ``reason``.
* Ceiled score = raw / ceiling (as in the paper's Brain-Score), and its ``error`` = raw error / ceiling
  (Brain-Score copies the raw error unchanged; ``raw_error`` keeps that number).
* No ``place_on_screen``: the whole image is resized to the model's input size. For the MajajHong2015 slice
  (8 deg images, the model's 8 deg) that is what Brain-Score does; the Cowley images carry no visual-degree
  size, so their mapping to the model's field of view is unknown.
* Few stimuli: a benchmark may choose ``cv_scheme="kfold_pooled"`` (the 25-image MajajHong2015 slice does):
  K-fold out-of-sample predictions (default 5 folds) for every stimulus, centred within each test fold and
  pooled, one Pearson r per neuroid over all stimuli, median over neuroids, averaged over ``n_splits``
  reshuffles of the fold assignment (error = SEM over reshuffles); see :func:`pls_crossval` for why.
  Brain-Score's 90/10 ``ShuffleSplit`` would hold out 2-3 of 25 images per split.
* :func:`imagenet_top1` scores a model's classifier on an ImageNet-layout manifest (top-1 accuracy).
"""
from __future__ import annotations

import logging
import math
import re
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from PIL import Image
from sklearn.cross_decomposition import PLSRegression
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from torch import nn

from wiringup.scoring.benchmarks import NeuralData
from wiringup.core.io import WiringupError

log = logging.getLogger(__name__)

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

_LAYER_RE = re.compile(r"^(?P<module>.+)-t(?P<t>\d+)$")


# ----------------------------------------------------------------------------------------------- stimuli

def preprocess_stimuli(images: Sequence[Image.Image], input_size: int) -> torch.Tensor:
    """Brain-Score/CORnet preprocessing: resize the whole image to ``input_size`` x ``input_size`` (no crop),
    ``ToTensor``, ImageNet normalisation. Returns (N, 3, S, S) float32."""
    from torchvision import transforms

    if len(images) == 0:
        raise WiringupError("preprocess_stimuli: no images given")
    tf = transforms.Compose([
        transforms.Resize((int(input_size), int(input_size))),
        transforms.ToTensor(),
        transforms.Normalize(mean=IMAGENET_MEAN, std=IMAGENET_STD),
    ])
    return torch.stack([tf(img if img.mode == "RGB" else img.convert("RGB")) for img in images])


# ---------------------------------------------------------------------------------------------- features

def parse_layer(layer: str) -> tuple[str, int]:
    """``"V4.output-t2"`` -> (``"V4.output"``, 2); no ``-tK`` suffix means timestep 0."""
    m = _LAYER_RE.match(layer)
    if m:
        return m.group("module"), int(m.group("t"))
    return layer, 0


def resolve_layer(model: nn.Module, layer: str) -> tuple[nn.Module, str, int]:
    """The submodule a layer name refers to, its name and timestep; WiringupError if there is none."""
    name, t = parse_layer(layer)
    modules = dict(model.named_modules())
    if name and name in modules:
        return modules[name], name, t
    names = [n for n in modules if n]
    preferred = [n for n in names if n.endswith("output") or n.startswith("decoder")]
    shown = (preferred + [n for n in names if n not in preferred])[:12]
    raise WiringupError(
        f"layer {layer!r}: the model has no submodule {name!r}. Valid names include: {', '.join(shown)}"
        f"{' ...' if len(names) > len(shown) else ''} (add -t0, -t1, ... to pick the call within one forward "
        "pass). Fix the layer name in the config.")


class _Captured(Exception):
    """Raised from the hook once the wanted activation is stored, to skip the rest of the forward pass."""


def extract_features(model: nn.Module, stimuli: torch.Tensor, layer: str, batch_size: int = 64,
                     device: str = "cpu") -> np.ndarray:
    """Activations of ``layer`` for every stimulus, flattened: (N, D) float32.

    ``layer`` is a submodule name with an optional timestep suffix: ``"V4.output-t0"`` is the FIRST call of
    module ``V4.output`` within one forward pass (CORnet-S calls its Identity ``output`` once per timestep),
    ``-t1`` the second, and so on; no suffix means ``-t0``. The forward pass is stopped as soon as that call
    has happened (later layers cannot change it). The model is moved to ``device`` and run in eval mode under
    ``torch.no_grad()``; its train/eval mode is restored afterwards.
    """
    module, name, t = resolve_layer(model, layer)  # before any forward pass
    if stimuli.ndim != 4:
        raise WiringupError(f"extract_features: stimuli must be (N, 3, H, W), got shape {tuple(stimuli.shape)}")
    n = stimuli.shape[0]
    state: dict[str, Any] = {"calls": 0, "out": None}

    def hook(_mod: nn.Module, _inp: Any, out: Any) -> None:
        call = state["calls"]
        state["calls"] = call + 1
        if call == t:
            o = out[0] if isinstance(out, (tuple, list)) else out
            state["out"] = o.detach().reshape(o.shape[0], -1).to("cpu", torch.float32).numpy()
            raise _Captured

    was_training = model.training
    model.to(device)
    model.eval()
    handle = module.register_forward_hook(hook)
    features: np.ndarray | None = None
    try:
        with torch.no_grad():
            for start in range(0, n, batch_size):
                batch = stimuli[start:start + batch_size].to(device)
                state["calls"], state["out"] = 0, None
                try:
                    model(batch)
                except _Captured:
                    pass
                out = state["out"]
                if out is None:
                    raise WiringupError(
                        f"layer {layer!r}: module {name!r} was called {state['calls']} time(s) in one forward pass, "
                        f"so timestep t{t} does not exist; use -t0 ... -t{max(state['calls'] - 1, 0)}")
                if features is None:
                    features = np.empty((n, out.shape[1]), dtype=np.float32)
                elif out.shape[1] != features.shape[1]:
                    raise WiringupError(f"layer {layer!r}: activation size changed between batches "
                                        f"({features.shape[1]} vs {out.shape[1]}); all stimuli must have one size")
                features[start:start + out.shape[0]] = out
    finally:
        handle.remove()
        model.train(was_training)
    assert features is not None
    return features


def image_features(model: nn.Module, images: Sequence[Image.Image], layer: str, input_size: int,
                   batch_size: int = 64, device: str = "cpu", chunk: int = 256) -> np.ndarray:
    """Preprocess and extract in chunks of ``chunk`` images, so the preprocessed tensor stays small.

    A model that brings its own stimulus preprocessing (a ``preprocess_stimuli(images)`` method returning an
    (N, 3, H, W) tensor, as Brain-Score models bring theirs, e.g. :class:`wiringup.nets.pixels.Pixels`) gets it
    instead of :func:`preprocess_stimuli`; ``input_size`` is then not used.
    """
    resolve_layer(model, layer)
    own = getattr(model, "preprocess_stimuli", None)
    if not callable(own) or isinstance(own, nn.Module):  # a submodule of that name is not a preprocessing hook
        own = None
    prep = own if own is not None else (lambda ims: preprocess_stimuli(ims, input_size))
    out: np.ndarray | None = None
    for start in range(0, len(images), chunk):
        feats = extract_features(model, prep(images[start:start + chunk]), layer,
                                 batch_size=batch_size, device=device)
        if out is None:
            out = np.empty((len(images), feats.shape[1]), dtype=np.float32)
        out[start:start + feats.shape[0]] = feats
    if out is None:
        raise WiringupError("image_features: no images given")
    return out


# ------------------------------------------------------------------------------------------------ metric

def _pearson_columns(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson r between matching columns of a and b (samples x columns); NaN where one is constant."""
    a = a - a.mean(axis=0)
    b = b - b.mean(axis=0)
    den = np.sqrt((a * a).sum(axis=0) * (b * b).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (a * b).sum(axis=0) / den
    r[~(den > 0)] = np.nan
    return np.clip(r, -1.0, 1.0)


def _sem(values: np.ndarray) -> tuple[float, float]:
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


CV_SCHEMES = ("shuffle", "kfold_pooled")


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
            rs.append(_pearson_columns(fit_predict(train, test), y[test]))
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
            rs.append(_pearson_columns(pred, target))
        n_done = len(shuffles)
        extra["stimulus_se"] = _jackknife_median_r(jack_pred / len(shuffles), jack_y / len(shuffles))
        extra["fold_centered"] = bool(fold_centered)
    r = np.array(rs)  # split x neuroid
    with np.errstate(all="ignore"), _quiet_nan_warnings():
        per_split = np.nanmedian(r, axis=1)
        per_neuroid = np.nanmean(r, axis=0)
        raw = float(np.nanmean(per_split)) if not np.isnan(per_split).all() else float("nan")
    std, sem = _sem(per_split)
    return {"raw": raw, "error": sem, "std": std, "per_split": per_split.tolist(),
            "per_neuroid": per_neuroid.tolist(), "n_components": int(min(ncomps)), "n_splits": n_done,
            "scheme": scheme, "n_folds": int(n_folds) if scheme == "kfold_pooled" else None,
            "method": method, "n_unconverged_components": unconverged, **extra}


def _jackknife_median_r(pred: np.ndarray, y: np.ndarray) -> float:
    """Jackknife SE over stimuli of median_neuroids(pearson(pred, y)), the predictions held fixed."""
    n = y.shape[0]
    vals = np.empty(n)
    keep = np.ones(n, dtype=bool)
    with _quiet_nan_warnings():
        for i in range(n):
            keep[i] = False
            vals[i] = np.nanmedian(_pearson_columns(pred[keep], y[keep]))
            keep[i] = True
    if np.isnan(vals).any():
        return float("nan")
    return float(np.sqrt((n - 1) / n * ((vals - vals.mean()) ** 2).sum()))


class _quiet_nan_warnings:
    """Silence numpy's 'All-NaN slice' / 'Mean of empty slice' RuntimeWarnings inside the block."""

    def __enter__(self) -> None:
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc: Any) -> None:
        self._ctx.__exit__(*exc)


# ----------------------------------------------------------------------------------------------- ceiling

def split_half_ceiling(responses: np.ndarray, n_splits: int = 10, seed: int = 0,
                       mode: str = "per_stimulus") -> dict[str, Any]:
    """Split-half internal consistency with Spearman-Brown correction (``load_ceiling('internal_consistency')``).

    ``responses`` is (neuroid, stimulus, repeat) with NaN for missing repeats (the same repeats must be missing
    for every neuroid). Repetition slots that hold no data at all are dropped. For each of ``n_splits``
    ``ShuffleSplit(train_size=0.5, random_state=seed)`` splits of the repetition slots, the two halves are
    averaged per stimulus, Pearson r per neuroid across stimuli between the halves, Spearman-Brown
    2r/(1+r) per neuroid, then the median over neuroids (NaN skipped). ``mode`` decides how a stimulus's
    repeats are halved (see the module docstring): ``"per_stimulus"`` (default; balanced halves of each
    stimulus's own repeats, identical to Brain-Score when all stimuli have the same repeats) or ``"global"``
    (Brain-Score's split of repetition indices). Stimuli with fewer than 2 repeats are left out.

    Returns ``ceiling`` (mean over splits, or None with a ``reason`` when no stimulus has 2 repeats),
    ``error`` (SEM over splits, as Brain-Score), ``std`` (std over splits, ddof=0), ``per_split``,
    ``per_neuroid`` (mean over splits of the corrected per-neuroid consistency) and ``n_stimuli_used``.
    """
    r = np.asarray(responses, dtype=np.float64)
    if r.ndim != 3:
        raise WiringupError(f"split_half_ceiling: responses must be (neuroid, stimulus, repeat), got shape {r.shape}")
    if mode not in ("per_stimulus", "global"):
        raise WiringupError(f"split_half_ceiling: unknown mode {mode!r}; use 'per_stimulus' or 'global'")
    present = ~np.isnan(r)
    avail = present[0]
    if (present != avail[None]).any():
        raise WiringupError("split_half_ceiling: the missing (NaN) repeats differ between neuroids; every neuroid "
                            "must have the same repeats of each stimulus")
    slots = avail.any(axis=0)
    r, avail = r[:, :, slots], avail[:, slots]
    n_rep = avail.sum(axis=1)
    usable = n_rep >= 2
    empty = {"ceiling": None, "error": None, "std": None, "per_split": [], "per_neuroid": [],
             "n_stimuli_used": int(usable.sum()), "mode": mode}
    if r.shape[2] < 2 or usable.sum() == 0:
        return {**empty, "reason": "only one repeat per stimulus: no split-half ceiling; report the unceiled score"}
    if usable.sum() < 3:
        return {**empty, "reason": f"only {int(usable.sum())} stimuli have 2 or more repeats; too few for a "
                                   "split-half ceiling"}
    r, avail, n_rep = r[:, usable], avail[usable], n_rep[usable]
    values = np.where(avail[None], r, 0.0)
    n_slots = avail.shape[1]
    first_half_size = (n_rep + 1) // 2  # ceil: ShuffleSplit's test part, which comes first in its permutation

    sb_rows, per_split = [], []
    splitter = ShuffleSplit(n_splits=n_splits, train_size=0.5, test_size=None, random_state=seed)
    for train, test in splitter.split(np.zeros(n_slots)):
        if mode == "global":
            in_a = np.zeros(n_slots, bool)
            in_a[train] = True
            mask_a, mask_b = avail & in_a, avail & ~in_a
        else:
            perm = np.concatenate([test, train])  # sklearn's permutation: test = perm[:n_test], train = rest
            ap = avail[:, perm]
            rank = np.cumsum(ap, axis=1)
            mask_b = np.zeros_like(avail)
            mask_a = np.zeros_like(avail)
            mask_b[:, perm] = ap & (rank <= first_half_size[:, None])
            mask_a[:, perm] = ap & (rank > first_half_size[:, None])
        na, nb = mask_a.sum(axis=1), mask_b.sum(axis=1)
        ok = (na > 0) & (nb > 0)
        mean_a = (values[:, ok] * mask_a[None, ok]).sum(axis=2) / na[ok]
        mean_b = (values[:, ok] * mask_b[None, ok]).sum(axis=2) / nb[ok]
        corr = _pearson_columns(mean_a.T, mean_b.T)
        with np.errstate(all="ignore"):
            sb = 2 * corr / (1 + corr)
        sb_rows.append(sb)
        with _quiet_nan_warnings():
            per_split.append(float(np.nanmedian(sb)))
    per_split_arr = np.array(per_split)
    with _quiet_nan_warnings():
        ceiling = float(np.nanmean(per_split_arr))
        per_neuroid = np.nanmean(np.array(sb_rows), axis=0)
    std, sem = _sem(per_split_arr)
    if not math.isfinite(ceiling):
        return {**empty, "reason": "split-half consistency is undefined (constant responses)"}
    return {"ceiling": ceiling, "error": sem, "std": std, "per_split": per_split_arr.tolist(),
            "per_neuroid": per_neuroid.tolist(), "n_stimuli_used": int(r.shape[1]), "mode": mode,
            "reason": None}


# ----------------------------------------------------------------------------------------------- scoring

def score_neural(model: nn.Module, data: NeuralData, layer: str, input_size: int, batch_size: int = 64,
                 device: str = "cpu", n_components: int = 25, n_splits: int = 10, seed: int = 0,
                 train_size: float = 0.9, ceiling_splits: int = 10, ceiling_seed: int = 0,
                 ceiling_mode: str = "global", cv_scheme: str | None = None,
                 n_folds: int | None = None) -> dict[str, Any]:
    """Score ``layer`` of ``model`` on a local benchmark: PLS predictivity of the trial-averaged responses,
    divided by the benchmark's ceiling.

    The cross-validation scheme is the benchmark's own (``data.cv_scheme``, ``data.n_folds``) unless
    ``cv_scheme`` / ``n_folds`` override it; with ``"kfold_pooled"``, ``n_splits`` is the number of fold
    shuffles and ``train_size`` is unused (see :func:`pls_crossval`). The ceiling follows
    ``data.ceiling_scheme``: Brain-Score's split-half internal consistency, by default with its split of
    repetition indices (``ceiling_mode="global"``; ``"per_stimulus"`` balances each stimulus' own repeats, see
    :func:`split_half_ceiling`), or none for trial-averaged data.

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


# ---------------------------------------------------------------------------------------------- ImageNet

def imagenet_top1(model: nn.Module, root: str | Path, manifest: Any, input_size: int, batch_size: int = 64,
                  num_workers: int = 0, device: str = "cpu",
                  benchmark_id: str = "ImageNet-top1") -> dict[str, Any]:
    """Top-1 accuracy of ``model``'s logits over the images of ``manifest`` (a :class:`~wiringup.data.manifests.
    Manifest` or the path of a manifest file), read from the ImageNet-layout folder ``root``.

    Images get :func:`wiringup.data.images.eval_transform` (resize to ``input_size``*256/224, centre crop,
    normalise); the model runs in eval mode under ``torch.no_grad()`` (its mode is restored). A prediction is
    correct when the argmax over the model's outputs equals the manifest label (the index of the synset in the
    sorted train class folders, which is how the model was trained). Use ``benchmark_id="ImageNet-top1"`` for
    the full ILSVRC-2012 validation set and a local id (e.g. ``"Imagenette80-top1"``) for a subset.

    Returns the score-dict keys that apply: ``benchmark_id``, ``region`` (None), ``layer`` (``"logits"``),
    ``score`` = ``raw`` = accuracy, ``ceiling`` 1.0, ``error`` (binomial standard error sqrt(p(1-p)/n)),
    ``n_stimuli``, ``n_correct``, ``n_classes``, ``per_class`` (synset -> accuracy, for classes present),
    ``input_size``, ``seconds``.
    """
    from wiringup.data.images import ManifestDataset, eval_transform
    from wiringup.data.manifests import Manifest, read_manifest

    t0 = time.perf_counter()
    if not isinstance(manifest, Manifest):
        manifest = read_manifest(manifest)
    if len(manifest) == 0:
        raise WiringupError(f"imagenet_top1: the manifest for {benchmark_id} holds no images")
    dataset = ManifestDataset(root, manifest, eval_transform(input_size))
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=num_workers)
    labels = np.asarray(manifest.labels, dtype=np.int64)
    preds = np.empty(len(dataset), dtype=np.int64)
    was_training = model.training
    model.to(device)
    model.eval()
    pos = 0
    try:
        with torch.no_grad():
            for x, _ in loader:
                logits = model(x.to(device))
                if isinstance(logits, (tuple, list)):
                    logits = logits[0]
                if logits.ndim != 2 or logits.shape[1] <= int(labels.max()):
                    raise WiringupError(f"imagenet_top1: the model outputs shape {tuple(logits.shape)}, but the "
                                        f"manifest's labels go up to {int(labels.max())}; the model's classifier "
                                        f"must have one output per class of the manifest ({len(manifest.classes)})")
                preds[pos:pos + len(x)] = logits.argmax(dim=1).cpu().numpy()
                pos += len(x)
    finally:
        model.train(was_training)
    correct = preds == labels
    acc = float(correct.mean())
    per_class = {manifest.classes[c]: float(correct[labels == c].mean()) for c in np.unique(labels).tolist()}
    return {
        "benchmark_id": benchmark_id,
        "region": None,
        "layer": "logits",
        "score": acc,
        "raw": acc,
        "ceiling": 1.0,
        "error": math.sqrt(acc * (1 - acc) / len(labels)),
        "n_stimuli": int(len(labels)),
        "n_correct": int(correct.sum()),
        "n_classes": len(manifest.classes),
        "per_class": per_class,
        "input_size": int(input_size),
        "seconds": time.perf_counter() - t0,
    }
