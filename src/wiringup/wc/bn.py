"""BatchNorm treatments of models at birth (experiment (b); :data:`wiringup.plan.wc.BN_TREATMENTS`).

Models sampled from the authors' files carry no BatchNorm source: every BN layer is at PyTorch's defaults (γ=1,
β=0, running mean 0, variance 1), the identity at eval. The authors' own at-birth WC models had trained BN
statistics (AUTHORS_CODE_FACTS.md §3.7). A treatment, applied after sampling (or to a KN control, which gets the
same one), makes the BN layers one of:

``none``
    as made (:func:`wiringup.wc.sample.sample_model` / :func:`wiringup.nets.registry.build_model`): for the
    authors' files and KN, running statistics 0/1.
``reestimate``
    running statistics re-estimated from unlabelled images (:func:`reestimate_bn_stats`): forward passes in
    train mode over the images in a fixed order, no gradient, no labels; every BN normalises by its batch's
    statistics during the passes (as in training), and afterwards each BN's ``running_mean`` / ``running_var`` are
    the per-channel mean and unbiased variance of that layer's inputs pooled over every image and position of
    the passes (not a momentum average). Weights, γ and β are unchanged. The images are the first ``images`` of
    a training manifest (labels unused) at the init's input size with the evaluation transform
    (:func:`manifest_batches`); their paths, count and the manifest's sha256 go into the checkpoint meta.
``batch_stats``
    batch statistics at eval, never updating the running statistics: PyTorch < 1.6 with
    ``track_running_stats=False`` (:mod:`wiringup.nets.batchnorm`; the checkpoint lists the layers, and
    :func:`wiringup.nets.checkpoints.load_model` restores them). A stimulus's response then depends on its batch.

No treatment draws random numbers: a model is determined by its seed (the sampler's) and, for ``reestimate``,
by the images. :func:`apply_bn_treatment` returns the checkpoint meta entries (``bn_treatment`` and, for
``batch_stats``, ``bn_batch_stats_at_eval``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import numpy as np
import torch
from torch import nn

from wiringup.core.io import WiringupError, sha256_file
from wiringup.nets.batchnorm import META_KEY, batchnorm_layers, use_batch_stats_at_eval
from wiringup.plan.wc import BN_TREATMENTS


def reestimate_bn_stats(model: nn.Module, batches: Iterable[torch.Tensor]) -> dict[str, Any]:
    """Re-estimate every BN layer's running statistics from ``batches`` of images (module doc, ``reestimate``).

    The model runs in train mode under ``torch.no_grad()``; its parameters are untouched, and each module's
    train/eval mode is restored afterwards. ``num_batches_tracked`` becomes the number of batches. Returns
    ``{"images": n, "batches": b, "layers": [...]}``.
    """
    bns = batchnorm_layers(model)
    if not bns:
        raise WiringupError("the model has no BatchNorm layer to re-estimate")
    sums: dict[str, list] = {}

    def hook(name):
        def pre(module, args):
            x = args[0].detach().to(torch.float64)
            s = sums.setdefault(name, [0, torch.zeros(x.shape[1], dtype=torch.float64),
                                       torch.zeros(x.shape[1], dtype=torch.float64)])
            s[0] += x.numel() // x.shape[1]
            s[1] += x.sum(dim=(0, 2, 3))
            s[2] += (x * x).sum(dim=(0, 2, 3))
        return pre

    modes = {m: m.training for m in model.modules()}
    handles = [bn.register_forward_pre_hook(hook(n)) for n, bn in bns.items()]
    n_images = n_batches = 0
    try:
        model.train()
        with torch.no_grad():
            for x in batches:
                if x.shape[0] < 2:
                    raise WiringupError("BatchNorm re-estimation needs batches of at least 2 images")
                model(x)
                n_images += int(x.shape[0])
                n_batches += 1
    finally:
        for h in handles:
            h.remove()
        for m, training in modes.items():
            m.train(training)
    if not n_batches:
        raise WiringupError("BatchNorm re-estimation got no images")
    missing = [n for n in bns if n not in sums]
    if missing:
        raise WiringupError(f"BatchNorm layer(s) {missing} saw no input during the re-estimation passes")
    with torch.no_grad():
        for name, bn in bns.items():
            count, s1, s2 = sums[name]
            mean = s1 / count
            var = (s2 / count - mean * mean).clamp_min(0.0) * (count / (count - 1))
            bn.running_mean.copy_(mean.to(bn.running_mean.dtype))
            bn.running_var.copy_(var.to(bn.running_var.dtype))
            if bn.num_batches_tracked is not None:
                bn.num_batches_tracked.fill_(n_batches)
    return {"images": n_images, "batches": n_batches, "layers": list(bns)}


def manifest_batches(manifest_path: str | Path, root: str | Path, *, images: int, input_size: int,
                     batch_size: int) -> tuple[Iterator[torch.Tensor], dict[str, Any]]:
    """The first ``images`` images of a manifest (its order), evaluation transform at ``input_size``, in batches of
    ``batch_size`` (a last batch of one image joins the one before); labels unused. Returns the batches and the
    record of what was read (manifest, its sha256, the count and paths)."""
    from wiringup.data.images import ManifestDataset, eval_transform
    from wiringup.data.manifests import read_manifest

    manifest = read_manifest(manifest_path)
    if len(manifest) < images:
        raise WiringupError(f"{manifest_path}: {len(manifest)} images, BatchNorm re-estimation asks for {images} "
                            "(weight_compression.bn_reestimate.images)")
    dataset = ManifestDataset(root, manifest, eval_transform(int(input_size)))
    bounds = list(range(0, images, int(batch_size))) + [images]
    if len(bounds) > 2 and bounds[-1] - bounds[-2] < 2:
        bounds.pop(-2)

    def gen():
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            yield torch.stack([dataset[i][0] for i in range(lo, hi)])

    paths = list(manifest.paths[:images])
    info = {"manifest": str(manifest_path), "manifest_sha256": sha256_file(manifest_path), "images": int(images),
            "paths": paths, "input_size": int(input_size), "batch_size": int(batch_size),
            "transform": "evaluation (resize, centre crop, ImageNet normalisation)"}
    return gen(), info


def apply_bn_treatment(model: nn.Module, treatment: str | Mapping[str, Any] | None, *,
                       batches: Iterable[torch.Tensor] | None = None,
                       images_info: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Apply a BatchNorm treatment (module doc) to ``model`` in place; returns its checkpoint meta entries.

    ``treatment``: a name of :data:`~wiringup.plan.wc.BN_TREATMENTS` or rule init_model's ``bn`` params
    (``{"mode": ...}``); None = ``none``. ``reestimate`` needs ``batches`` (e.g. from :func:`manifest_batches`,
    whose record is ``images_info``).
    """
    spec = dict(treatment) if isinstance(treatment, Mapping) else {"mode": treatment or "none"}
    mode = spec.get("mode")
    if mode not in BN_TREATMENTS:
        raise WiringupError(f"BatchNorm treatment {mode!r} is not one of {list(BN_TREATMENTS)}")
    meta: dict[str, Any] = {"mode": mode}
    out: dict[str, Any] = {}
    if mode == "reestimate":
        if batches is None:
            raise WiringupError("BatchNorm treatment 'reestimate' needs images (batches)")
        info = reestimate_bn_stats(model, batches)
        meta.update({**dict(images_info or {}), "images": info["images"], "batches": info["batches"],
                     "layers": len(info["layers"]), "estimator": "pooled per-channel mean and unbiased variance of "
                     "each BN layer's inputs, forward passes in train mode, no gradient, no labels"})
    elif mode == "batch_stats":
        names = use_batch_stats_at_eval(model)
        meta.update({"layers": len(names), "semantics": "batch statistics in eval and training, running "
                     "statistics never updated (PyTorch < 1.6 with track_running_stats=False)"})
        out[META_KEY] = names
    else:
        meta["note"] = "BatchNorm as made (the authors' files and KN: running mean 0, variance 1)"
    return {"bn_treatment": meta, **out}


def bn_summary(model: nn.Module) -> dict[str, float]:
    """Mean over BN layers of the mean |running_mean| and mean running_var (a quick log line)."""
    bns = list(batchnorm_layers(model).values())
    return {"mean_abs_running_mean": float(np.mean([b.running_mean.abs().mean().item() for b in bns])),
            "mean_running_var": float(np.mean([b.running_var.mean().item() for b in bns]))}
