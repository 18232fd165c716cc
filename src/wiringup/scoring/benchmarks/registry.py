"""The registry of local benchmark families: config ``type`` -> loader (``BENCHMARK_TYPES``), :func:`load_benchmark`,
and for the families that are not PLS benchmarks (:data:`FAMILIES`) how each is packaged, read back and scored.
Adding a family is one module in :mod:`wiringup.scoring.benchmarks` plus its entries here.

PLS families (``cowley2023``, ``majajhong2015_slice``) load to :class:`NeuralData`, are packaged by
:func:`~wiringup.scoring.benchmarks.assembly.package_assembly` and scored by :func:`wiringup.scoring.neural.score_neural`
(with layer selection where configured). Every other family brings its own data class, packaging (a netCDF file
with attr ``family``) and scorer (``SCORER``); it is scored at the fixed region layer.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Callable

from wiringup.core.io import WiringupError
from wiringup.scoring.benchmarks import coggan2024, cowley2023_sessions, geirhos2021, kiani2007, marques2020
from wiringup.scoring.benchmarks.assembly import load_assembly, package_assembly
from wiringup.scoring.benchmarks.coggan2024 import load_coggan2024
from wiringup.scoring.benchmarks.cowley2023 import load_cowley2023
from wiringup.scoring.benchmarks.cowley2023_sessions import load_cowley2023_sessions
from wiringup.scoring.benchmarks.geirhos2021 import load_geirhos2021
from wiringup.scoring.benchmarks.kiani2007 import load_kiani2007
from wiringup.scoring.benchmarks.majajhong2015 import load_majajhong2015_slice
from wiringup.scoring.benchmarks.marques2020 import load_marques2020
from wiringup.scoring.benchmarks.neural_data import NeuralData


BENCHMARK_TYPES: dict[str, Callable[..., Any]] = {
    "cowley2023": load_cowley2023,
    "cowley2023_sessions": load_cowley2023_sessions,
    "majajhong2015_slice": load_majajhong2015_slice,
    "coggan2024_fmri": load_coggan2024,
    "kiani2007_rsa92": load_kiani2007,
    "geirhos2021": load_geirhos2021,
    "marques2020": load_marques2020,
    "assembly": load_assembly,
}


@dataclasses.dataclass(frozen=True)
class Family:
    """A non-PLS family: write its packaged file, read it back, score a model on it."""

    package: Callable[[Any, str | Path], Any]
    load_packaged: Callable[[str | Path], Any]
    scorer: Callable[..., dict[str, Any]]


FAMILIES: dict[str, Family] = {
    "coggan2024_fmri": Family(coggan2024.package_coggan2024, coggan2024.load_packaged_coggan2024, coggan2024.SCORER),
    "kiani2007_rsa92": Family(kiani2007.package_kiani2007, kiani2007.load_packaged_kiani2007, kiani2007.SCORER),
    "cowley2023_sessions": Family(cowley2023_sessions.package_cowley2023_sessions,
                                  cowley2023_sessions.load_packaged_cowley2023_sessions, cowley2023_sessions.SCORER),
    "geirhos2021": Family(geirhos2021.package_geirhos2021, geirhos2021.load_packaged_geirhos2021, geirhos2021.SCORER),
    "marques2020": Family(marques2020.package_marques2020, marques2020.load_packaged_marques2020, marques2020.SCORER),
}

#: Keys of a benchmark's config entry that are not the loader's own arguments.
ENTRY_KEYS = ("id", "type", "path", "region", "backend", "cv_scheme", "n_folds", "enabled")


def loader_arguments(entry: dict[str, Any]) -> dict[str, Any]:
    """A config entry's family-specific loader arguments (e.g. ``target``, ``experiment``, ``image_size``)."""
    return {k: v for k, v in entry.items() if k not in ENTRY_KEYS}


def package_benchmark(kind: str, data: Any, out_path: str | Path) -> Any:
    """Write the packaged file of a benchmark of config type ``kind`` (netCDF, stimuli or their recipe inside)."""
    return FAMILIES[kind].package(data, out_path) if kind in FAMILIES else package_assembly(data, out_path)


def packaged_family(path: str | Path) -> str | None:
    """The ``family`` attribute of a packaged file (None for a PLS assembly, whose files carry none)."""
    import netCDF4

    try:
        with netCDF4.Dataset(str(path), "r") as ds:
            return ds.getncattr("family") if "family" in ds.ncattrs() else None
    except OSError:
        return None  # unreadable: load_assembly names the file and what to do


def load_packaged(path: str | Path, region: str | None = None) -> Any:
    """Read back a packaged benchmark file of any family."""
    family = packaged_family(path)
    if family in FAMILIES:
        return FAMILIES[family].load_packaged(path)
    return load_assembly(path, region=region)


def load_benchmark(kind: str, path: Path, cv_scheme: str | None = None, n_folds: int | None = None,
                   **kw: Any) -> Any:
    """Load a local benchmark of a registered ``kind`` from ``path`` (``kw``: the loader's own arguments, e.g.
    ``region``). ``cv_scheme`` / ``n_folds``, when given (a config entry's optional ``cv`` keys), replace the
    loader's default scheme, which is what the benchmark is scored with."""
    try:
        loader = BENCHMARK_TYPES[kind]
    except KeyError:
        raise WiringupError(f"unknown local benchmark type {kind!r}; known types: "
                            f"{', '.join(sorted(BENCHMARK_TYPES))}. Fix the benchmark's type in the config") from None
    data = loader(Path(path), **kw)
    if (cv_scheme is not None or n_folds is not None) and isinstance(data, NeuralData):
        data = dataclasses.replace(data, cv_scheme=data.cv_scheme if cv_scheme is None else cv_scheme,
                                   n_folds=data.n_folds if n_folds is None else n_folds)  # re-validated
    return data
