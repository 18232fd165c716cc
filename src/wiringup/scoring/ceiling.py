"""Brain-Score's split-half ceiling (internal consistency with Spearman-Brown), on plain arrays (numpy only).

What Brain-Score does (brainscore-vision 2.4.2; the paper's 2019-2021 versions compute the same ceiling):
``load_ceiling('internal_consistency')``: ``CrossValidationSingle`` splits the *unique values of the*
``repetition`` *coord* (the same repetition indices for every stimulus) with ``ShuffleSplit(n_splits=10,
train_size=0.5, random_state=1)``; each half is averaged per stimulus, Pearson r per neuroid across stimuli
between the halves, **Spearman-Brown per neuroid** (2r/(1+r)), then the median over neuroids, then the mean over
splits; ``error`` is the SEM over splits.

What we do, and where it differs: by default (``mode="per_stimulus"``) each stimulus's *own* available repeats
are split into two halves as equal as possible, so stimuli with different repeat counts (NaN-padded) get
balanced halves. The split uses the same random permutation of repetition slots as Brain-Score, so with equal
repeat counts the halves, and the result, are identical to Brain-Score's. ``mode="global"`` reproduces
Brain-Score's global split of repetition indices exactly also for ragged data (its halves can then be
unbalanced); there, a stimulus whose repeats all fall into one half is left out of that split (Brain-Score
would fail). A stimulus with fewer than 2 repeats is always left out of the ceiling. With a single repeat
everywhere there is no ceiling: ``ceiling`` is None with a ``reason``.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from sklearn.model_selection import ShuffleSplit

from wiringup.core.io import WiringupError
from wiringup.scoring.metric import pearson_columns, quiet_nan_warnings, split_std_sem


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
        corr = pearson_columns(mean_a.T, mean_b.T)
        with np.errstate(all="ignore"):
            sb = 2 * corr / (1 + corr)
        sb_rows.append(sb)
        with quiet_nan_warnings():
            per_split.append(float(np.nanmedian(sb)))
    per_split_arr = np.array(per_split)
    with quiet_nan_warnings():
        ceiling = float(np.nanmean(per_split_arr))
        per_neuroid = np.nanmean(np.array(sb_rows), axis=0)
    std, sem = split_std_sem(per_split_arr)
    if not math.isfinite(ceiling):
        return {**empty, "reason": "split-half consistency is undefined (constant responses)"}
    return {"ceiling": ceiling, "error": sem, "std": std, "per_split": per_split_arr.tolist(),
            "per_neuroid": per_neuroid.tolist(), "n_stimuli_used": int(r.shape[1]), "mode": mode,
            "reason": None}
