"""Model checkpoint files: one format for every saved model.

A checkpoint is a ``torch.save`` dict loadable with ``torch.load(weights_only=True)`` (no pickled code)::

    {"format": "wiringup-checkpoint", "version": 1,
     "model": {"arch": "cornet_s", "width": 0.25, "num_classes": 10},   # enough to rebuild the module
     "state_dict": {...},                                                 # tensors, original layer names
     "meta": {...}}                                                       # JSON-able: run, epoch, updates, provenance

``meta`` always holds ``images`` (labelled images in the training set, 0 at birth), ``epoch`` (nominal),
``supervised_updates`` (= images × epoch, the paper's convention), ``images_seen`` (exact count of images
processed), ``step``, the trained-parameter counts and a provenance record.
"""
from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import torch
from torch import nn

from wiringup.core.io import WiringupError, atomic_path, rebuild_advice
from wiringup.nets.batchnorm import restore_bn_eval
from wiringup.nets.registry import build_model

FORMAT = "wiringup-checkpoint"
VERSION = 1


def save_checkpoint(path: str | os.PathLike, model: nn.Module, model_config: dict[str, Any],
                    meta: dict[str, Any]) -> None:
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    payload = {"format": FORMAT, "version": VERSION, "model": dict(model_config), "state_dict": state,
               "meta": meta}
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def read_checkpoint(path: str | os.PathLike, arch: str | None = None) -> dict[str, Any]:
    """Read and validate a checkpoint file; refuse truncated, foreign or other-architecture files.

    Every refusal is a :class:`~wiringup.core.io.WiringupError` naming the file and saying what it is instead: not a
    PyTorch file at all (a text file, an empty file), a truncated or damaged one, a pickled Python object (a
    whole module saved with ``torch.save(model)``: never unpickled here), a bare ``state_dict`` or another
    program's dict, an unsupported version, or a checkpoint of another architecture.
    """
    path = Path(path)
    if not path.is_file():
        raise WiringupError(f"{path}: checkpoint not found")
    with open(path, "rb") as f:
        head = f.read(64)
    redo = rebuild_advice(path)
    if not head.startswith(b"PK\x03\x04"):  # torch.save writes a zip archive
        what = "an empty file" if not head else f"it begins with {head[:24]!r}"
        raise WiringupError(f"{path}: not a wiringup checkpoint: not a PyTorch file ({what}); models must come "
                            f"from this pipeline's rules (init_model, train); if it did, {redo}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if "weights only" in str(exc).lower():
            raise WiringupError(f"{path}: not a wiringup checkpoint: it holds pickled Python objects (such as a "
                                "whole module saved with torch.save(model)), which are never unpickled here; "
                                "save a wiringup checkpoint (wiringup.nets.checkpoints.save_checkpoint) instead") from None
        raise WiringupError(f"{path}: not a readable checkpoint (truncated or corrupt: {exc}); {redo}") from None
    except Exception as exc:  # noqa: BLE001 - torch raises many types for damaged files
        raise WiringupError(f"{path}: not a readable checkpoint (truncated or corrupt: {type(exc).__name__}: "
                            f"{exc}); {redo}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        kind = ""
        if isinstance(payload, dict) and payload and all(isinstance(v, torch.Tensor) for v in payload.values()):
            kind = " (it looks like a bare state_dict)"
        raise WiringupError(f"{path}: not a wiringup checkpoint (no '{FORMAT}' header){kind}; models must come "
                            "from this pipeline's init/train rules")
    if payload.get("version") != VERSION:
        raise WiringupError(f"{path}: checkpoint version {payload.get('version')} is not supported ({VERSION})")
    for key, kind in (("model", dict), ("state_dict", dict), ("meta", dict)):
        if not isinstance(payload.get(key), kind):
            raise WiringupError(f"{path}: damaged checkpoint: '{key}' is missing or not a {kind.__name__}; {redo}")
    if arch is not None and payload["model"].get("arch") != arch:
        raise WiringupError(f"{path}: checkpoint is a {payload['model'].get('arch')!r} model, expected {arch!r}")
    return payload


def read_model_config(path: str | os.PathLike) -> dict[str, Any]:
    """The ``model`` entry of a checkpoint (arch, width, num_classes) without reading its tensors into memory."""
    path = Path(path)
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception:  # noqa: BLE001 - let read_checkpoint say what is wrong
        payload = read_checkpoint(path)
    if not isinstance(payload, dict) or not isinstance(payload.get("model"), dict):
        payload = read_checkpoint(path)
    return dict(payload["model"])


def load_model(path: str | os.PathLike, arch: str | None = None
               ) -> tuple[nn.Module, dict[str, Any], dict[str, Any]]:
    """Rebuild the module described by a checkpoint and load its weights (strictly).

    Returns ``(model, meta, model_config)``. BatchNorm layers listed in ``meta["bn_batch_stats_at_eval"]``
    normalise with batch statistics at eval again (module state; :mod:`wiringup.nets.batchnorm`).
    """
    payload = read_checkpoint(path, arch)
    model = build_model(**payload["model"])
    try:
        model.load_state_dict(payload["state_dict"], strict=True)
    except RuntimeError as exc:
        raise WiringupError(f"{path}: weights do not fit the model {payload['model']}: {exc}") from None
    restore_bn_eval(model, payload["meta"])
    return model, payload["meta"], payload["model"]
