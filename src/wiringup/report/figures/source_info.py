"""What the figures know about one source of a model table (:class:`SourceInfo`): its benchmark suite, its
reference model (the 100 %) and its missing-score policy, as figure captions print them."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class SourceInfo:
    """What a figure caption says about one source: its benchmark suite, reference (100 %) and policy."""

    name: str
    kind: str                                  # "run" or "authors"
    suite: str                                 # region -> benchmark ids (backend), in words
    regions: list[str]                         # regions the source scores (the brain predictivity averages them)
    reference_ids: list[str] = field(default_factory=list)
    reference_bp: float = float("nan")
    reference_regions: dict[str, float] = field(default_factory=dict)
    # Fig. 4B's difference heatmap: the authors divide by CORnet-S_full s0 epoch 43 alone (0.42493, §7.1)
    delta_reference_ids: list[str] = field(default_factory=list)
    delta_reference_bp: float = float("nan")
    missing: str = "nan"
    converged_note: str = ""                   # how the converged checkpoints were chosen (the authors' tables)
    unceiled_excluded: list[str] = field(default_factory=list)  # benchmarks without a ceiling: out of the means
    undefined_as_zero: list[str] = field(default_factory=list)  # "<model>|<benchmark>" undefined scores counted 0
    n_models: int = 0
    n_without_bp: int = 0                      # models lacking a benchmark of a scored region

    @property
    def normaliser(self) -> str:
        if not np.isfinite(self.reference_bp):
            return f"{self.name}: no reference model (relative values undefined)"
        ids = ", ".join(self.reference_ids[:3]) + (" ..." if len(self.reference_ids) > 3 else "")
        return f"{self.name}: 100 % = {self.reference_bp:.4f} ({ids})"

    def caption(self) -> str:
        policy = ("a missing benchmark counts as 0 (authors' rule)" if self.missing == "zero" else
                  f"{self.n_without_bp} of {self.n_models} models lack a benchmark and have no brain predictivity")
        return (f"{self.name} — benchmarks: {self.suite}; brain predictivity = mean over "
                f"{', '.join(self.regions)}; {self.normaliser}; {policy}"
                + (f"; {self.converged_note}" if self.converged_note else "")
                + (f"; excluded (unceiled, reported raw): {', '.join(self.unceiled_excluded)}"
                   if self.unceiled_excluded else "")
                + (f"; {len(self.undefined_as_zero)} undefined score(s) (degenerate model matrix, raw NaN) counted "
                   f"as 0: {', '.join(z.replace('|', ' on ') for z in self.undefined_as_zero[:4])}"
                   + (" ..." if len(self.undefined_as_zero) > 4 else "") if self.undefined_as_zero else ""))

    def count(self, models: pd.DataFrame) -> None:
        """Record how many models the source has and how many of them lack a brain predictivity."""
        self.n_models = int(len(models))
        self.n_without_bp = int(models["brain_predictivity"].isna().sum())

