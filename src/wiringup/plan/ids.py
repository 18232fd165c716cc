"""The names the DAG gives things, each defined once: model ids, run folders, checkpoint labels, the model slice
of the config, and the brain regions. Torch-free.

A **model id** is the path of a model under ``results/models`` without ``.pt``; it names the model in every score
JSON path (``results/scores/<benchmark>/<model id>.json``) and in the score table's ``model_id`` column::

    init/<init>/seed<S>                          a model at birth (rule init_model, transfer_init)
    <variant>/n<images>_seed<S>/epoch_<label>    a checkpoint of a training run (the training rules)
    baselines/<name>                             a baseline (rule baseline_model)
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from wiringup.core.io import WiringupError

#: The brain regions of the paper's benchmarks, in the paper's order (``scoring.predictivity_regions``).
REGIONS = ("V1", "V2", "V4", "IT", "behavior")
#: Where the models live.
MODELS = "results/models"


def epoch_label(epoch: float) -> str:
    """The authors' checkpoint label: ``%02d`` for whole epochs (``00``, ``01``, ``43``), fractions as written
    (``0.1``, ``0.5``)."""
    e = float(epoch)
    return f"{int(e):02d}" if e.is_integer() else f"{e:.6f}".rstrip("0")


def birth_id(init: str, seed: int | str) -> str:
    """Model id of a model at birth."""
    return f"init/{init}/seed{seed}"


def run_id(variant: str, images: int | str, seed: int | str) -> str:
    """Model-id prefix of a training run (its folder under results/models)."""
    return f"{variant}/n{images}_seed{seed}"


def checkpoint_id(variant: str, images: int | str, seed: int | str, epoch: float) -> str:
    """Model id of a training run's checkpoint at ``epoch``."""
    return f"{run_id(variant, images, seed)}/epoch_{epoch_label(epoch)}"


def baseline_id(name: str) -> str:
    return f"baselines/{name}"


def model_path(model_id: str) -> str:
    return f"{MODELS}/{model_id}.pt"


def birth_path(init: str, seed: int | str) -> str:
    return model_path(birth_id(init, seed))


def run_dir(variant: str, images: int | str, seed: int | str) -> str:
    return f"{MODELS}/{run_id(variant, images, seed)}"


def score_path(benchmark: str, model_id: str) -> str:
    return f"results/scores/{benchmark}/{model_id}.json"


_PATTERNS = {
    "birth": re.compile(r"init/(?P<init>[A-Za-z0-9_]+)/seed(?P<seed>\d+)"),
    "checkpoint": re.compile(r"(?P<variant>[A-Za-z0-9_]+)/n(?P<images>\d+|all)_seed(?P<seed>\d+)"
                             r"/epoch_(?P<label>\d+(\.\d+)?)"),
    "baseline": re.compile(r"baselines/(?P<baseline>[A-Za-z0-9_]+)"),
}


def parse_model_id(model_id: str) -> dict[str, Any]:
    """The parts of a model id: ``{"kind": "birth", "init", "seed"}``, ``{"kind": "checkpoint", "variant",
    "images", "seed", "label"}`` or ``{"kind": "baseline", "baseline"}`` (seeds as int, images as written)."""
    for kind, pattern in _PATTERNS.items():
        m = pattern.fullmatch(model_id)
        if m:
            parts: dict[str, Any] = m.groupdict()
            if "seed" in parts:
                parts["seed"] = int(parts["seed"])
            return {"kind": kind, **parts}
    raise WiringupError(f"{model_id!r} is not a model id (init/<init>/seed<S>, <variant>/n<images>_seed<S>/"
                        "epoch_<label> or baselines/<name>)")


def birth_init(model_id: str) -> str | None:
    """The init of a model id at birth (``init/<init>/seed<S>``), else None."""
    m = _PATTERNS["birth"].fullmatch(model_id)
    return m.group("init") if m else None


def model_slice(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config that defines the CORnet-S architecture (and nothing else): ``{arch, width, num_classes}`` of
    ``model`` (a validated config: the schema fills the defaults)."""
    m = config["model"]
    return {"arch": m["arch"], "width": m["width"], "num_classes": m["num_classes"]}
