"""ImageNet top-1 accuracy of a model's classifier on an ImageNet-layout manifest (local backend).

:func:`imagenet_top1` is the local counterpart of Brain-Score's ``ImageNet-top1``: the model's own logits (no
fitted readout), evaluation transform of training (resize, centre crop, normalise), top-1 accuracy with a
binomial standard error. Brain-Score's ``ImageNet-top1`` itself runs through :mod:`wiringup.scoring.brainscore`.
"""
from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from wiringup.core.io import WiringupError


def imagenet_top1(model: nn.Module, root: str | Path, manifest: Any, input_size: int, batch_size: int = 64,
                  num_workers: int = 0, device: str = "cpu",
                  benchmark_id: str = "ImageNet-top1") -> dict[str, Any]:
    """Top-1 accuracy of ``model``'s logits over the images of ``manifest`` (a :class:`~wiringup.data.manifests.
    Manifest` or the path of a manifest file), read from the ImageNet-layout folder ``root``.

    Images get :func:`wiringup.data.images.eval_transform` (resize to ``input_size``*256/224, centre crop,
    normalise); the model runs in eval mode under ``torch.no_grad()`` (its mode is restored). A prediction is
    correct when the argmax over the model's outputs equals the manifest label (the index of the synset in the
    sorted train class folders, which is how the model was trained). Use ``benchmark_id="ImageNet-top1"`` for
    the full ILSVRC-2012 validation set and a local id (e.g. ``"Imagenette80-top1"``) for a subset.

    Returns the score-dict keys that apply: ``benchmark_id``, ``region`` (None), ``layer`` (``"logits"``),
    ``score`` = ``raw`` = accuracy, ``ceiling`` 1.0, ``error`` (binomial standard error sqrt(p(1-p)/n)),
    ``n_stimuli``, ``n_correct``, ``n_classes``, ``per_class`` (synset -> accuracy, for classes present),
    ``input_size``, ``seconds``.
    """
    from wiringup.data.images import ManifestDataset, eval_transform
    from wiringup.data.manifests import Manifest, read_manifest

    t0 = time.perf_counter()
    if not isinstance(manifest, Manifest):
        manifest = read_manifest(manifest)
    if len(manifest) == 0:
        raise WiringupError(f"imagenet_top1: the manifest for {benchmark_id} holds no images")
    dataset = ManifestDataset(root, manifest, eval_transform(input_size))
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=num_workers)
    labels = np.asarray(manifest.labels, dtype=np.int64)
    preds = np.empty(len(dataset), dtype=np.int64)
    was_training = model.training
    model.to(device)
    model.eval()
    pos = 0
    try:
        with torch.no_grad():
            for x, _ in loader:
                logits = model(x.to(device))
                if isinstance(logits, (tuple, list)):
                    logits = logits[0]
                if logits.ndim != 2 or logits.shape[1] <= int(labels.max()):
                    raise WiringupError(f"imagenet_top1: the model outputs shape {tuple(logits.shape)}, but the "
                                        f"manifest's labels go up to {int(labels.max())}; the model's classifier "
                                        f"must have one output per class of the manifest ({len(manifest.classes)})")
                preds[pos:pos + len(x)] = logits.argmax(dim=1).cpu().numpy()
                pos += len(x)
    finally:
        model.train(was_training)
    correct = preds == labels
    acc = float(correct.mean())
    per_class = {manifest.classes[c]: float(correct[labels == c].mean()) for c in np.unique(labels).tolist()}
    return {
        "benchmark_id": benchmark_id,
        "region": None,
        "layer": "logits",
        "score": acc,
        "raw": acc,
        "ceiling": 1.0,
        "error": math.sqrt(acc * (1 - acc) / len(labels)),
        "n_stimuli": int(len(labels)),
        "n_correct": int(correct.sum()),
        "n_classes": len(manifest.classes),
        "per_class": per_class,
        "input_size": int(input_size),
        "seconds": time.perf_counter() - t0,
    }
