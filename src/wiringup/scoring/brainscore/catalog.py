"""The paper's Brain-Score benchmarks in brainscore-vision 2.x: names, regions, paper-era identifiers, the data
each loads, and the config keys of the brainscore backend. No brainscore-vision import.
"""
from __future__ import annotations

from wiringup.core.io import WiringupError
from wiringup.plan.brainscore import (  # noqa: F401 - re-exported
    BENCHMARK_REGIONS,
    IMAGENET_TOP1,
    LEGACY_IDENTIFIERS,
    unknown_benchmark_message,
)

#: The paper's benchmarks under their brainscore-vision 2.x names (registered in
#: ``brainscore_vision/benchmarks/{freemanziemba2013,majajhong2015,rajalingham2018,imagenet}/__init__.py``),
#: each mapped to its region. The first six are what the paper reports (private data); the rest are the
#: public variants. The tables live in :mod:`wiringup.plan.brainscore` (torch-free), so the plan refuses an
#: unknown id at start.
PAPER_BENCHMARKS: dict[str, str] = BENCHMARK_REGIONS
PRIVATE_BENCHMARKS: tuple[str, ...] = tuple(list(PAPER_BENCHMARKS)[:6])
PUBLIC_BENCHMARKS: tuple[str, ...] = tuple(list(PAPER_BENCHMARKS)[6:])
#: The five benchmarks whose unweighted mean is the paper's brain predictivity (ImageNet is excluded).
BRAIN_BENCHMARKS: tuple[str, ...] = PRIVATE_BENCHMARKS[:5]

PUBLIC_VARIANT: dict[str, str] = dict(zip(PRIVATE_BENCHMARKS[:5], PUBLIC_BENCHMARKS))

#: The data each benchmark loads (read from the benchmarks' code): data-registry names (assemblies, which pull
#: their stimulus set in) and extra stimulus sets (the i2n readout's fitting images).
BENCHMARK_DATA: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "FreemanZiemba2013.V1-pls": (("FreemanZiemba2013.private",), ()),
    "FreemanZiemba2013.V2-pls": (("FreemanZiemba2013.private",), ()),
    "MajajHong2015.V4-pls": (("MajajHong2015.private",), ()),
    "MajajHong2015.IT-pls": (("MajajHong2015.private",), ()),
    "Rajalingham2018-i2n": (("Rajalingham2018.private",), ("objectome.public",)),
    "ImageNet-top1": ((), ()),
    "FreemanZiemba2013public.V1-pls": (("FreemanZiemba2013.public",), ()),
    "FreemanZiemba2013public.V2-pls": (("FreemanZiemba2013.public",), ()),
    "MajajHong2015public.V4-pls": (("MajajHong2015.public",), ()),
    "MajajHong2015public.IT-pls": (("MajajHong2015.public",), ()),
    "Rajalingham2018public-i2n": (("Rajalingham2018.public",), ("objectome.public",)),
}

NEURAL_REGIONS = ("V1", "V2", "V4", "IT")
DEFAULT_READOUT = "decoder.avgpool-t0"
CONFIG_ALLOW_DOWNLOAD = "scoring.brainscore.allow_download"
CONFIG_CACHE_DIR = "scoring.brainscore.cache_dir"
CONFIG_IMAGENET_DIR = "scoring.brainscore.imagenet_dir"


def check_benchmark_id(benchmark_id: str, where: str = "config key scoring.brainscore.benchmarks") -> str:
    """The region of a known benchmark id; :class:`WiringupError` naming the known ids (and the closest) else."""
    if benchmark_id not in PAPER_BENCHMARKS:
        raise WiringupError(unknown_benchmark_message(benchmark_id, where))
    return PAPER_BENCHMARKS[benchmark_id]
