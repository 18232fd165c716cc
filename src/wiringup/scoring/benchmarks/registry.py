"""The registry of local benchmark families: config ``type`` -> loader (``BENCHMARK_TYPES``), and
:func:`load_benchmark`. Adding a family is one module in :mod:`wiringup.scoring.benchmarks` plus one entry here.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Callable

from wiringup.core.io import WiringupError
from wiringup.scoring.benchmarks.assembly import load_assembly
from wiringup.scoring.benchmarks.cowley2023 import load_cowley2023
from wiringup.scoring.benchmarks.majajhong2015 import load_majajhong2015_slice
from wiringup.scoring.benchmarks.neural_data import NeuralData


BENCHMARK_TYPES: dict[str, Callable[..., NeuralData]] = {
    "cowley2023": load_cowley2023,
    "majajhong2015_slice": load_majajhong2015_slice,
    "assembly": load_assembly,
}


def load_benchmark(kind: str, path: Path, cv_scheme: str | None = None, n_folds: int | None = None,
                   **kw: Any) -> NeuralData:
    """Load a local benchmark of a registered ``kind`` from ``path`` (``kw``: the loader's own arguments, e.g.
    ``region``). ``cv_scheme`` / ``n_folds``, when given (a config entry's optional ``cv`` keys), replace the
    loader's default scheme, which is what the benchmark is scored with."""
    try:
        loader = BENCHMARK_TYPES[kind]
    except KeyError:
        raise WiringupError(f"unknown local benchmark type {kind!r}; known types: "
                            f"{', '.join(sorted(BENCHMARK_TYPES))}. Fix the benchmark's type in the config") from None
    data = loader(Path(path), **kw)
    if cv_scheme is not None or n_folds is not None:
        data = dataclasses.replace(data, cv_scheme=data.cv_scheme if cv_scheme is None else cv_scheme,
                                   n_folds=data.n_folds if n_folds is None else n_folds)  # re-validated
    return data
