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
* No ``place_on_screen``: local benchmarks carry no visual-degree information, so the whole image is resized
  to the model's input size.
"""
from __future__ import annotations

import logging
import math
import re
import time
from typing import Any, Sequence

import numpy as np
import torch
from PIL import Image
from sklearn.cross_decomposition import PLSRegression
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from torch import nn

from .benchmarks import NeuralData
from .io import WiringupError

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
    """Preprocess and extract in chunks of ``chunk`` images, so the preprocessed tensor stays small."""
    resolve_layer(model, layer)
    out: np.ndarray | None = None
    for start in range(0, len(images), chunk):
        feats = extract_features(model, preprocess_stimuli(images[start:start + chunk], input_size), layer,
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
    """Exactly what Brain-Score runs: sklearn PLS on the raw features."""
    pls = _fit_pls(x[train], y[train], min(n_components, x.shape[1]))
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


def pls_crossval(features: np.ndarray, targets: np.ndarray, n_components: int = 25, n_splits: int = 10,
                 train_size: float = 0.9, seed: int = 0, stratify: np.ndarray | None = None,
                 method: str = "auto") -> dict[str, Any]:
    """Brain-Score's PLS neural predictivity (``load_metric('pls')``) on arrays.

    ``features`` is (stimulus, feature), ``targets`` (stimulus, neuroid), trial-averaged, same stimulus order.
    For each of ``n_splits`` ``ShuffleSplit(train_size, random_state=seed)`` splits of the stimuli (or
    ``StratifiedShuffleSplit`` on ``stratify`` labels) a ``PLSRegression(n_components, scale=False)`` maps all
    features to all neuroids jointly; Pearson r per neuroid on the held-out stimuli; median over neuroids
    (NaN skipped) gives one value per split.

    Returns ``raw`` (mean over splits), ``error`` (**standard error of the mean over splits**,
    std(ddof=0)/sqrt(n_splits), which is what Brain-Score calls ``error``), ``std`` (the std over splits,
    ddof=0), ``per_split``, ``per_neuroid`` (mean over splits of each neuroid's r), ``n_components`` (used),
    ``method`` and ``n_unconverged_components`` (PLS components, summed over splits, whose NIPALS power
    iteration stopped at sklearn's ``max_iter`` of 500 before reaching its tolerance; sklearn warns, and
    Brain-Score, like us, uses those weights as they are).

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
    if method == "auto":
        method = "gram" if x.shape[1] > x.shape[0] else "direct"

    splits = make_splits(x.shape[0], n_splits, train_size, seed, stratify)
    g = _centered_gram(x) if method == "gram" else None
    rs, ncomps, unconverged = [], [], 0
    for train, test in splits:
        if g is not None:
            pred, pls = _pls_gram(g, y, train, test, n_components, x.shape[1])
        else:
            pred, pls = _pls_direct(x, y, train, test, n_components)
        rs.append(_pearson_columns(pred, y[test]))
        ncomps.append(pls.n_components if pls is not None else 0)
        if pls is not None:
            unconverged += sum(int(n) >= pls.max_iter for n in pls.n_iter_)
    r = np.array(rs)  # split x neuroid
    with np.errstate(all="ignore"), _quiet_nan_warnings():
        per_split = np.nanmedian(r, axis=1)
        per_neuroid = np.nanmean(r, axis=0)
        raw = float(np.nanmean(per_split)) if not np.isnan(per_split).all() else float("nan")
    std, sem = _sem(per_split)
    return {"raw": raw, "error": sem, "std": std, "per_split": per_split.tolist(),
            "per_neuroid": per_neuroid.tolist(), "n_components": int(min(ncomps)), "n_splits": len(splits),
            "method": method, "n_unconverged_components": unconverged}


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
                 ceiling_mode: str = "global") -> dict[str, Any]:
    """Score ``layer`` of ``model`` on a local benchmark: PLS predictivity of the trial-averaged responses,
    divided by the split-half ceiling of the repeats.

    The ceiling defaults to Brain-Score's split of repetition indices (``ceiling_mode="global"``);
    ``"per_stimulus"`` balances each stimulus' own repeats (see :func:`split_half_ceiling`).

    ``score`` = raw / ceiling (None when the benchmark has no repeats, then only ``raw`` is meaningful),
    ``error`` = raw error / ceiling (SEM over splits), ``per_split`` ceiled when there is a ceiling.
    """
    t0 = time.perf_counter()
    resolve_layer(model, layer)
    log.info("scoring %s on %s (%d stimuli, %d neuroids)", layer, data.benchmark_id, data.n_stimuli,
             data.n_neuroids)
    features = image_features(model, data.images, layer, input_size, batch_size=batch_size, device=device)
    metric = pls_crossval(features, data.mean_responses().T, n_components=n_components, n_splits=n_splits,
                          train_size=train_size, seed=seed)
    ceil = split_half_ceiling(data.responses, n_splits=ceiling_splits, seed=ceiling_seed, mode=ceiling_mode)
    c = ceil["ceiling"]
    if c is not None and c > 0:
        score, error = metric["raw"] / c, metric["error"] / c
        per_split = [v / c for v in metric["per_split"]]
    else:
        score, error, per_split = None, None, metric["per_split"]
    return {
        "benchmark_id": data.benchmark_id,
        "region": data.region,
        "layer": layer,
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
        "ceiling_mode": ceiling_mode,
        "seed": seed,
        "input_size": int(input_size),
        "seconds": time.perf_counter() - t0,
    }
