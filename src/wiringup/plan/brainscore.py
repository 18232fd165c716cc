"""The Brain-Score benchmark ids the ``brainscore`` backend knows, torch- and brainscore-free, so that the plan
refuses an unknown id at start (:func:`check_benchmark_ids`, called by :func:`wiringup.plan.scoring.plan`) instead
of inside a score job; and where rule ``prefetch_brainscore`` writes its marker.

The ids are brainscore-vision 2.4.2's (registered in
``brainscore_vision/benchmarks/{freemanziemba2013,majajhong2015,rajalingham2018,imagenet}/__init__.py``; a test
checks them against the installed package). :mod:`wiringup.scoring.brainscore.catalog` re-exports these tables.
"""
from __future__ import annotations

import difflib
from typing import Iterable

from wiringup.core.io import WiringupError

#: Benchmark id -> region. The first six are what the paper reports (Brain-Score's private data: downloading
#: them needs Brain-Score's credentials); the last five are their public variants (downloadable by anyone).
BENCHMARK_REGIONS: dict[str, str] = {
    "FreemanZiemba2013.V1-pls": "V1",
    "FreemanZiemba2013.V2-pls": "V2",
    "MajajHong2015.V4-pls": "V4",
    "MajajHong2015.IT-pls": "IT",
    "Rajalingham2018-i2n": "behavior",
    "ImageNet-top1": "imagenet",
    "FreemanZiemba2013public.V1-pls": "V1",
    "FreemanZiemba2013public.V2-pls": "V2",
    "MajajHong2015public.V4-pls": "V4",
    "MajajHong2015public.IT-pls": "IT",
    "Rajalingham2018public-i2n": "behavior",
}

#: The identifiers the paper's Brain-Score (2020) used for the same benchmarks.
LEGACY_IDENTIFIERS: dict[str, str] = {
    "FreemanZiemba2013.V1-pls": "movshon.FreemanZiemba2013.V1-pls",
    "FreemanZiemba2013.V2-pls": "movshon.FreemanZiemba2013.V2-pls",
    "MajajHong2015.V4-pls": "dicarlo.Majaj2015.V4-pls",
    "MajajHong2015.IT-pls": "dicarlo.Majaj2015.IT-pls",
    "Rajalingham2018-i2n": "dicarlo.Rajalingham2018-i2n",
    "ImageNet-top1": "fei-fei.Deng2009-top1",
    "FreemanZiemba2013public.V1-pls": "movshon.FreemanZiemba2013public.V1-pls",
    "FreemanZiemba2013public.V2-pls": "movshon.FreemanZiemba2013public.V2-pls",
    "MajajHong2015public.V4-pls": "dicarlo.Majaj2015public.V4-pls",
    "MajajHong2015public.IT-pls": "dicarlo.Majaj2015public.IT-pls",
    "Rajalingham2018public-i2n": "dicarlo.Rajalingham2018public-i2n",
}

IMAGENET_TOP1 = "ImageNet-top1"
CONFIG_BENCHMARKS = "scoring.brainscore.benchmarks"
#: Written by rule prefetch_brainscore once the BrainIO cache holds every active benchmark's data; every score
#: job of the brainscore backend reads it (as an ``ancient`` input: a later prefetch rescores nothing).
PREFETCH_MARKER = "results/brainscore/prefetch.json"


def did_you_mean(benchmark_id: str) -> list[str]:
    """Known ids close to ``benchmark_id``: its brainscore-vision 2.x name if it is a paper-era id, else the ids
    whose spelling is close (case ignored)."""
    legacy = {v.lower(): k for k, v in LEGACY_IDENTIFIERS.items()}
    if benchmark_id.lower() in legacy:
        return [legacy[benchmark_id.lower()]]
    lower = {k.lower(): k for k in BENCHMARK_REGIONS}
    if benchmark_id.lower() in lower:
        return [lower[benchmark_id.lower()]]
    close = difflib.get_close_matches(benchmark_id.lower(), list(lower) + list(legacy), n=2, cutoff=0.6)
    return list(dict.fromkeys(lower.get(c) or legacy[c] for c in close))


def unknown_benchmark_message(benchmark_id: str, where: str = f"config key {CONFIG_BENCHMARKS}") -> str:
    near = did_you_mean(benchmark_id)
    hint = f" (did you mean {' or '.join(repr(n) for n in near)}?)" if near else ""
    return (f"{where}: unknown Brain-Score benchmark {benchmark_id!r}{hint}; the brainscore backend knows "
            f"brainscore-vision 2.4.2's ids of the paper's benchmarks: {', '.join(BENCHMARK_REGIONS)}")


def check_benchmark_ids(ids: Iterable[str], where: str = f"config key {CONFIG_BENCHMARKS}") -> None:
    """Refuse (:class:`WiringupError` naming ``where``, the known ids and the closest) any id that is not known."""
    for b in ids:
        if b not in BENCHMARK_REGIONS:
            raise WiringupError(unknown_benchmark_message(str(b), where))
