"""The in-memory format of a local neural benchmark (:class:`NeuralData`), shared by every benchmark family.

Responses are a ``neuroid x stimulus x repeat`` float array with NaN where a repeat is missing, beside the PIL
images that evoked them, their ids and per-stimulus / per-neuroid metadata, and the benchmark's own scoring
scheme (``cv_scheme``, ``n_folds``, ``ceiling_scheme``; see :mod:`wiringup.scoring.benchmarks`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
from PIL import Image

from wiringup.core.io import WiringupError
from wiringup.scoring.ceiling import split_half_ceiling
from wiringup.scoring.metric import CV_SCHEMES

#: How a benchmark is ceiled: Brain-Score's split-half internal consistency, or none (trial averages only).
CEILING_SCHEMES = ("internal_consistency", "none")


@dataclass
class NeuralData:
    """Neural responses to a set of images, ready for scoring.

    ``responses`` has shape (neuroid, stimulus, repeat), float, NaN where a repeat is missing (repeat counts
    may differ between stimuli). ``images[i]`` and ``stimulus_ids[i]`` belong to ``responses[:, i, :]``.
    ``neuroid_ids`` name the rows (default ``n000``, ``n001``, ...); ``stimulus_meta`` / ``neuroid_meta`` map a
    coord name to one value per stimulus / neuroid (e.g. ``object_name``, ``animal``). ``cv_scheme``,
    ``n_folds`` and ``ceiling_scheme`` say how :func:`wiringup.scoring.neural.score_neural` scores this benchmark
    (see :mod:`wiringup.scoring.benchmarks`); ``image_degrees`` is the stimuli's visual-degree size (None: unknown) and
    ``time_bin`` the response window in ms (None: unknown).
    """

    benchmark_id: str
    region: str
    description: str
    citation: str
    stimulus_ids: list[str]
    images: list[Image.Image]
    responses: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)
    neuroid_ids: list[str] = field(default_factory=list)
    stimulus_meta: dict[str, list[Any]] = field(default_factory=dict)
    neuroid_meta: dict[str, list[Any]] = field(default_factory=dict)
    cv_scheme: str = "shuffle"
    n_folds: int = 5
    ceiling_scheme: str = "internal_consistency"
    image_degrees: float | None = None
    time_bin: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        where = f"benchmark {self.benchmark_id!r}"
        if self.responses.ndim != 3:
            raise WiringupError(f"{where}: responses must be (neuroid, stimulus, repeat), got shape "
                                f"{self.responses.shape}")
        n_neuroids, n_stimuli, _ = self.responses.shape
        if not (len(self.stimulus_ids) == len(self.images) == n_stimuli):
            raise WiringupError(f"{where}: {len(self.stimulus_ids)} stimulus ids and {len(self.images)} images but "
                                f"responses to {n_stimuli} stimuli; they must match one to one")
        if not self.neuroid_ids:
            self.neuroid_ids = [f"n{i:03d}" for i in range(n_neuroids)]
        self.neuroid_ids = [str(n) for n in self.neuroid_ids]
        self.stimulus_ids = [str(s) for s in self.stimulus_ids]
        if len(self.neuroid_ids) != n_neuroids:
            raise WiringupError(f"{where}: {len(self.neuroid_ids)} neuroid ids for {n_neuroids} neuroids")
        for name, values in self.stimulus_meta.items():
            if len(values) != n_stimuli:
                raise WiringupError(f"{where}: stimulus_meta[{name!r}] has {len(values)} values for {n_stimuli} "
                                    "stimuli")
        for name, values in self.neuroid_meta.items():
            if len(values) != n_neuroids:
                raise WiringupError(f"{where}: neuroid_meta[{name!r}] has {len(values)} values for {n_neuroids} "
                                    "neuroids")
        if self.cv_scheme not in CV_SCHEMES:
            raise WiringupError(f"{where}: unknown cv scheme {self.cv_scheme!r}; use one of {CV_SCHEMES}")
        if self.ceiling_scheme not in CEILING_SCHEMES:
            raise WiringupError(f"{where}: unknown ceiling scheme {self.ceiling_scheme!r}; use one of "
                                f"{CEILING_SCHEMES}")
        if isinstance(self.n_folds, bool) or not isinstance(self.n_folds, (int, np.integer)) or self.n_folds < 2:
            raise WiringupError(f"{where}: n_folds must be an integer >= 2, got {self.n_folds!r}")
        self.n_folds = int(self.n_folds)

    @property
    def n_stimuli(self) -> int:
        return int(self.responses.shape[1])

    @property
    def n_neuroids(self) -> int:
        return int(self.responses.shape[0])

    @property
    def n_repeats_max(self) -> int:
        return int(self.responses.shape[2])

    def mean_responses(self) -> np.ndarray:
        """Trial-averaged responses, (neuroid, stimulus): the mean over the available repeats."""
        return np.nanmean(self.responses, axis=2)

    def ceiling(self, n_splits: int = 10, seed: int = 0, mode: str = "global") -> dict[str, Any]:
        """The benchmark's ceiling by its ``ceiling_scheme`` (:func:`wiringup.scoring.ceiling.split_half_ceiling`
        for ``internal_consistency``); ``ceiling`` is None with a ``reason`` when there is none."""
        if self.ceiling_scheme == "none":
            return {"ceiling": None, "error": None, "std": None, "per_split": [], "per_neuroid": [],
                    "n_stimuli_used": 0, "mode": mode,
                    "reason": "ceiling scheme 'none' (trial averages only): the score is the unceiled raw r"}
        return split_half_ceiling(self.responses, n_splits=n_splits, seed=seed, mode=mode)

    def summary(self, ceiling_splits: int = 10, ceiling_seed: int = 0,
                ceiling_mode: str = "global") -> dict[str, Any]:
        """The metadata every benchmark exposes, with its ceiling computed by its ceiling scheme."""
        ceil = self.ceiling(n_splits=ceiling_splits, seed=ceiling_seed, mode=ceiling_mode)
        return {
            "benchmark_id": self.benchmark_id,
            "description": self.description,
            "citation": self.citation,
            "region": self.region,
            "n_stimuli": self.n_stimuli,
            "n_neuroids": self.n_neuroids,
            "n_repeats_max": self.n_repeats_max,
            "ceiling": ceil["ceiling"],
            "ceiling_error": ceil["error"],
            "ceiling_reason": ceil.get("reason"),
            "ceiling_scheme": self.ceiling_scheme,
            "ceiling_mode": ceiling_mode,
            "cv_scheme": self.cv_scheme,
            "n_folds": self.n_folds if self.cv_scheme == "kfold_pooled" else None,
            "image_degrees": self.image_degrees,
        }

    def subset(self, indices: Sequence[int]) -> "NeuralData":
        """The same benchmark restricted to the stimuli ``indices`` (in that order); ``meta['subset']`` records
        them. Used by layer selection to keep selection and reporting stimuli apart."""
        idx = np.asarray(indices, dtype=np.int64)
        if idx.ndim != 1 or idx.size == 0 or idx.min() < 0 or idx.max() >= self.n_stimuli:
            raise WiringupError(f"benchmark {self.benchmark_id!r}: subset indices must be a non-empty list within "
                                f"0..{self.n_stimuli - 1}")
        if len(np.unique(idx)) != idx.size:
            raise WiringupError(f"benchmark {self.benchmark_id!r}: subset indices repeat a stimulus")
        return NeuralData(
            benchmark_id=self.benchmark_id, region=self.region, description=self.description,
            citation=self.citation, stimulus_ids=[self.stimulus_ids[i] for i in idx],
            images=[self.images[i] for i in idx], responses=self.responses[:, idx, :],
            meta={**self.meta, "subset": idx.tolist()}, neuroid_ids=list(self.neuroid_ids),
            stimulus_meta={k: [v[i] for i in idx] for k, v in self.stimulus_meta.items()},
            neuroid_meta={k: list(v) for k, v in self.neuroid_meta.items()}, cv_scheme=self.cv_scheme,
            n_folds=self.n_folds, ceiling_scheme=self.ceiling_scheme, image_degrees=self.image_degrees,
            time_bin=self.time_bin)
