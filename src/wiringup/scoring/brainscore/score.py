"""Scoring a model on one of the paper's Brain-Score benchmarks through brainscore-vision (:func:`score_brainscore`).

Scores: brainscore-vision 2.4.2's ``NeuralBenchmark`` returns ``explained_variance`` = raw**2 / ceiling, while
the Brain-Score of the paper (2019-2021) returned raw / ceiling (see :mod:`wiringup.scoring.neural`). For the four
neural benchmarks :func:`score_brainscore` reports ``score`` = raw / ceiling (the paper's number) and
``score_brainscore_2x`` = what brainscore-vision returned; for the behavioural benchmark (i2n, ceiled per split
by sqrt(ceiling)) and ImageNet top-1 the two are the same number.

:func:`score_error` and :func:`score_per_split` read a raw or ceiling ``Score``'s error and per-split values.
"""
from __future__ import annotations

import contextlib
import os
import time
from typing import Any, Mapping

import numpy as np
from torch import nn

from wiringup.core.io import WiringupError
from wiringup.scoring.brainscore.catalog import (
    DEFAULT_READOUT,
    LEGACY_IDENTIFIERS,
    NEURAL_REGIONS,
    check_benchmark_id,
)
from wiringup.scoring.brainscore.model import brain_model, check_layers
from wiringup.scoring.brainscore.offline import (
    brainio_cache_dir,
    brainio_root,
    load_benchmark_checked,
    offline_guard,
)


def _scalar(value: Any) -> float | None:
    """A float from a Score / DataArray / number (the ``center`` of an aggregation dim), None if absent."""
    if value is None:
        return None
    try:
        if hasattr(value, "dims") and "aggregation" in value.dims:
            value = value.sel(aggregation="center")
        arr = np.asarray(getattr(value, "values", value), dtype=float)
        return float(arr) if arr.size == 1 else None
    except (TypeError, ValueError):
        return None


def score_error(score: Any) -> float | None:
    if score is None:
        return None
    if hasattr(score, "dims") and "aggregation" in score.dims:
        return _scalar(score.sel(aggregation="error"))
    return _scalar(getattr(score, "attrs", {}).get("error"))


def score_per_split(raw: Any) -> list[float] | None:
    """Per-split values from a raw Score's ``raw`` attribute (split x neuroid -> median over neuroids)."""
    per = getattr(raw, "attrs", {}).get("raw") if raw is not None else None
    if per is None or not hasattr(per, "dims") or "split" not in per.dims:
        return None
    if "neuroid" in per.dims:
        per = per.median("neuroid")
    return [float(v) for v in np.asarray(per.values, dtype=float).ravel()]


def _last_linear_out(model: nn.Module) -> int | None:
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    return linears[-1].out_features if linears else None


def score_brainscore(model: nn.Module, identifier: str, benchmark_id: str, input_size: int,
                     region_layers: Mapping[str, str], *, visual_degrees: float = 8,
                     behavioral_readout_layer: str | None = None, allow_download: bool = False,
                     cache_dir: str | os.PathLike | None = None, imagenet_dir: str | os.PathLike | None = None,
                     batch_size: int = 64, device: str | None = None,
                     store_activations: bool = False) -> dict[str, Any]:
    """Score ``model`` on one of the paper's Brain-Score benchmarks through brainscore-vision.

    Checks, in this order and before any activation is computed: the benchmark id, the layer names, the
    model's output size (ImageNet needs 1000 classes), and (offline) that the benchmark's data are cached.
    Returns the keys of :func:`wiringup.scoring.neural.score_neural` where they apply, plus ``backend="brainscore"``,
    ``score_brainscore_2x`` (the number brainscore-vision returned) and ``legacy_identifier``. For the neural
    benchmarks ``score`` = raw / ceiling (the paper's Brain-Score) and ``error`` = raw error / ceiling.
    """
    t0 = time.perf_counter()
    region = check_benchmark_id(benchmark_id)
    neural, readout = check_layers(model, region_layers, behavioral_readout_layer)
    if region in NEURAL_REGIONS and region not in neural:
        raise WiringupError(f"benchmark {benchmark_id!r} records region {region}, but region_layers has no {region!r} "
                            f"entry (it maps {sorted(neural)}); add e.g. {region}: {region}.output-t0")
    if region == "behavior" and readout is None:
        raise WiringupError(f"benchmark {benchmark_id!r} needs a behavioural readout layer (the paper: "
                            f"{DEFAULT_READOUT}); set region_layers['behavior']")
    if region == "imagenet" and _last_linear_out(model) not in (None, 1000):
        raise WiringupError(f"benchmark 'ImageNet-top1' reads 1000 ImageNet logits, but the model's last Linear "
                            f"layer has {_last_linear_out(model)} outputs; score a model trained with 1000 classes")
    root = brainio_cache_dir(cache_dir)
    layer = neural.get(region) if region in NEURAL_REGIONS else readout if region == "behavior" else "logits"

    guard = contextlib.nullcontext() if allow_download else offline_guard(benchmark_id, root)
    benchmark = load_benchmark_checked(benchmark_id, allow_download=allow_download, cache_dir=root,
                                       imagenet_dir=imagenet_dir)
    candidate = brain_model(model, identifier, input_size, {**neural, **({"behavior": readout} if readout else {})},
                            visual_degrees=visual_degrees, batch_size=batch_size, device=device,
                            store_activations=store_activations)
    with guard, (brainio_root(root) if allow_download else contextlib.nullcontext()):
        result = benchmark(candidate)

    value = _scalar(result)
    raw_score = result.attrs.get("raw")
    ceiling_score = result.attrs.get("ceiling")
    raw, ceiling = _scalar(raw_score), _scalar(ceiling_score)
    raw_error, ceiling_error = score_error(raw_score), score_error(ceiling_score)
    if region in NEURAL_REGIONS and raw is not None and ceiling:
        score, error = raw / ceiling, (raw_error / ceiling if raw_error is not None else None)
        per_split = [v / ceiling for v in (score_per_split(raw_score) or [])] or None
    else:
        score, error, per_split = value, score_error(result), None
    assembly = getattr(benchmark, "_assembly", None)
    n_stimuli = n_neuroids = None
    if region in NEURAL_REGIONS and assembly is not None:
        n_stimuli, n_neuroids = int(assembly.sizes["presentation"]), int(assembly.sizes["neuroid"])
    elif region == "behavior" and assembly is not None:
        n_stimuli = int(len(np.unique(assembly["stimulus_id"].values)))
    elif region == "imagenet":
        n_stimuli = int(len(benchmark._stimulus_set))
    return {
        "benchmark_id": benchmark_id,
        "legacy_identifier": LEGACY_IDENTIFIERS[benchmark_id],
        "region": region,
        "layer": layer,
        "score": score,
        "score_brainscore_2x": value,
        "raw": raw,
        "ceiling": ceiling,
        "error": error,
        "raw_error": raw_error,
        "ceiling_error": ceiling_error,
        "per_split": per_split,
        "raw_per_split": score_per_split(raw_score),
        "n_stimuli": n_stimuli,
        "n_neuroids": n_neuroids,
        "input_size": int(input_size),
        "visual_degrees": visual_degrees,
        "backend": "brainscore",
        "seconds": time.perf_counter() - t0,
    }
