"""Memory check before a job starts: a lower-bound estimate of its peak memory from the model's sizes.

:func:`wiringup.runtime.pipeline.run` calls :func:`check_memory` before each job's ``main``.
"""
from __future__ import annotations

import os
import sys
from typing import Any

from wiringup.core.env import torch_device
from wiringup.core.io import WiringupError
from wiringup.runtime.smk import named as _named

#: Environment variable: ``error`` (default) stops a job whose estimated memory exceeds its declared mem_mb,
#: ``warn`` only prints the warning, ``off`` skips the estimate.
MEMORY_CHECK_ENV = "WIRINGUP_MEMORY_CHECK"


#: Resident memory of a training / scoring job's process before its model and data count: Python with torch,
#: torchvision, numpy, PIL (and scikit-learn, xarray for scoring) and the job's own bookkeeping. Fitted to the
#: measured peaks (docs/reliability.md: 516-535 MB for the manifest and init_model jobs, 720 MB for the smallest
#: training job; the pixels baseline's scoring job peaks at 1,269 MB of which about 800 MB are its stimuli and
#: features), so that the estimates stay below every measured peak.
TRAIN_BASE_MB = 600
SCORE_BASE_MB = 450
#: Host memory the CUDA runtime adds to a process that uses a GPU.
CUDA_CONTEXT_MB = 1500


def model_profile(model_config: dict[str, Any], input_size: int, layers: list[str] = (),
                  trained_layers: Any = None) -> dict[str, Any]:
    """Sizes of a model without building its weights (on torch's ``meta`` device): parameters (all, and
    ``trainable`` under the authors' substring rules ``trained_layers``; None: all), activation elements per
    sample (``saved``: the outputs of every leaf-module call from the first one with a trainable parameter on,
    which training keeps for the backward pass; ``peak``: the largest single output), the input size actually
    used (models that bring their own preprocessing, like the pixels baseline, use theirs) and the elements per
    sample of each of ``layers`` (``"V4.output-t0"``: the first call of module ``V4.output``)."""
    import torch
    from torch import nn

    from wiringup.nets.registry import build_model
    from wiringup.nets.trained_layers import rules_for_arch

    with torch.device("meta"):
        model = build_model(**model_config)
    rules = rules_for_arch(trained_layers, model_config.get("arch")) if trained_layers is not None else None
    if rules is not None:
        for pname, prm in model.named_parameters():
            prm.requires_grad_(any(r in pname for r in rules))
    own = getattr(model, "preprocess_stimuli", None)
    size = int(getattr(model, "size", input_size)) if callable(own) and not isinstance(own, nn.Module) else input_size
    calls: dict[str, list[int]] = {}
    saved: list[int] = []
    produced: list[int] = []  # outputs of leaf modules that compute something (not Identity, not in place)
    grad = {"on": False}  # activations are kept for the backward pass from the first trainable layer on
    handles = []
    for name, mod in model.named_modules():
        leaf = not any(True for _ in mod.children())

        def hook(m: nn.Module, _i: Any, out: Any, name: str = name, leaf: bool = leaf) -> None:
            o = out[0] if isinstance(out, (tuple, list)) else out
            if not isinstance(o, torch.Tensor):
                return
            calls.setdefault(name, []).append(o[0].numel())
            if leaf and any(q.requires_grad for q in m.parameters(recurse=False)):
                grad["on"] = True
            if leaf and not getattr(m, "inplace", False) and not isinstance(m, nn.Identity):
                produced.append(o[0].numel())
                if grad["on"]:
                    saved.append(o[0].numel())

        handles.append(mod.register_forward_hook(hook))
    model.eval()  # same shapes as training, and BatchNorm accepts a batch of one
    with torch.no_grad():
        model(torch.empty(1, 3, size, size, device="meta"))
    for h in handles:
        h.remove()
    features = {}
    for layer in layers:
        name, _, t = layer.partition("-t")
        seen = calls.get(name, [])
        idx = int(t) if t.isdigit() else 0
        if idx < len(seen):
            features[layer] = seen[idx]
    return {"parameters": sum(p.numel() for p in model.parameters()),
            "trainable": sum(p.numel() for p in model.parameters() if p.requires_grad), "saved": sum(saved),
            "peak": max(produced, default=0), "input_size": size, "features": features}


def _assembly_size(path: str) -> tuple[int, int] | None:
    """(stimuli, pixels per stimulus) of a packaged assembly, read from its netCDF header only."""
    try:
        import netCDF4

        with netCDF4.Dataset(path, "r") as ds:
            dims = ds.dimensions
            return (dims["stimulus"].size,
                    dims["pixel_row"].size * dims["pixel_col"].size * dims["channel"].size)
    except Exception:  # noqa: BLE001 - no estimate for an unreadable file; scoring will say what is wrong
        return None


def _checkpoint_input(smk: Any) -> str | None:
    named = _named(smk.input)
    for key in ("model", "birth", "checkpoint"):
        if key in named and str(named[key]).endswith(".pt"):
            return str(named[key])
    pts = [str(p) for p in smk.input if str(p).endswith(".pt")]
    return pts[0] if len(pts) == 1 else None


def estimate_memory(smk: Any, device: str | None = None) -> dict[str, Any] | None:
    """A lower-bound estimate of a job's peak memory in MB (10^6 bytes, Snakemake's ``mem_mb``), or None.

    Only jobs that read one model checkpoint are estimated; the job kind is read from its params: a training
    recipe (``params.recipe``) or scoring jobs (``params.jobs``).

    * Training: the runtime (:data:`TRAIN_BASE_MB`), 2 × the weights (the weights and the copy a checkpoint save
      makes), 2 × the trainable weights (gradients, momentum), 1.5 × the activations the backward pass keeps for
      a batch (per sample: the outputs of every leaf-module call from the first trainable layer on) and one
      runtime per DataLoader worker.
    * Scoring: the runtime (:data:`SCORE_BASE_MB`), 2 × the weights, one batch of activations (2 × the largest
      layer output: a layer's input and output), the stimuli (their pixels twice, and 256 preprocessed), the
      layer's features for every stimulus and the float64 Gram matrix, for the largest benchmark; the activations
      a job shares between benchmarks (one set of at most ``CACHE_MAX_IMAGES`` stimuli at every region layer).

    On a GPU the weights and activations count against the device; the host keeps a copy of the weights and the
    CUDA runtime (:data:`CUDA_CONTEXT_MB`). The factors were fitted to measured peaks (docs/reliability.md) so
    that the estimate stays below them.
    """
    path = _checkpoint_input(smk)
    if path is None:
        return None
    params = _named(smk.params)
    recipe, jobs = params.get("recipe"), params.get("jobs")
    if not isinstance(recipe, dict) and not isinstance(jobs, dict):
        return None
    try:
        from wiringup.nets.checkpoints import read_model_config
        from wiringup.nets.registry import REGION_LAYERS
        from wiringup.scoring.features import CACHE_MAX_BYTES, CACHE_MAX_IMAGES

        model_config = read_model_config(path)
    except WiringupError:
        return None  # a damaged or foreign checkpoint: main() refuses it with the proper message
    arch = model_config.get("arch")
    input_size = int(params["input_size"])  # every training and scoring rule passes it (config model.input_size)
    device = device or torch_device()
    gpu = device.startswith("cuda")
    mb = 1e-6
    host: dict[str, float] = {"runtime": TRAIN_BASE_MB if isinstance(recipe, dict) else SCORE_BASE_MB}
    dev: dict[str, float] = {}
    on_model = dev if gpu else host  # where weights and activations live
    if isinstance(recipe, dict):
        prof = model_profile(model_config, input_size, trained_layers=recipe.get("trained_layers"))
        batch = int(recipe["batch_size"])
        on_model["weights, gradients and optimizer state"] = 4 * (2 * prof["parameters"] + 2 * prof["trainable"]) * mb
        on_model[f"activations of a batch of {batch} at {prof['input_size']} px"] = \
            1.5 * 4 * batch * prof["saved"] * mb
        host["DataLoader workers"] = int(params.get("num_workers") or 0) * TRAIN_BASE_MB
    else:
        layers, stimuli = [], []
        for job in jobs.values():
            b = job.get("benchmark", {}) if isinstance(job, dict) else {}
            layer = REGION_LAYERS.get(arch, {}).get(b.get("region")) if b.get("region") else None
            size = _assembly_size(job["assembly"]) if job.get("assembly") else None
            if layer and size:
                layers.append(layer)
                stimuli.append((layer, *size))
        prof = model_profile(model_config, input_size, layers)
        batch = int(params["scoring"]["batch_size"])
        n_max = max((n for _, n, _ in stimuli), default=0)
        on_model["weights"] = 2 * 4 * prof["parameters"] * mb
        on_model[f"activations of a batch of {batch} at {prof['input_size']} px"] = 2 * 4 * batch * prof["peak"] * mb
        host["stimuli"] = (max((2 * n * px for _, n, px in stimuli), default=0)
                           + 4 * min(n_max, 256) * 3 * prof["input_size"] ** 2) * mb
        host["features and Gram matrix"] = (max((4 * n * prof["features"].get(layer, 0) for layer, n, _ in stimuli),
                                                default=0) + 8 * n_max ** 2) * mb
        # the job's shared activations (wiringup.scoring.features.FeatureCache): one small set at every region layer
        every_layer = sum(prof["features"].get(layer, 0) for layer in dict.fromkeys(layers))
        host["shared activations"] = min(max((4 * n * every_layer for _, n, _ in stimuli if n <= CACHE_MAX_IMAGES),
                                             default=0), CACHE_MAX_BYTES) * mb
    if gpu:
        host["CUDA runtime"] = CUDA_CONTEXT_MB
        host["weights (host copy)"] = 2 * 4 * prof["parameters"] * mb
    host = {k: int(v) for k, v in host.items() if v >= 1}
    dev = {k: int(v) for k, v in dev.items() if v >= 1}
    return {"host_mb": sum(host.values()), "host_parts": host, "device_mb": sum(dev.values()) if gpu else None,
            "device_parts": dev, "device": device, "parameters": prof["parameters"], "checkpoint": path}


def check_memory(smk: Any, console: Any = None, device: str | None = None) -> dict[str, Any] | None:
    """Compare :func:`estimate_memory` with the job's declared ``resources.mem_mb`` (and a GPU's memory) before
    the job starts; raise :class:`WiringupError` naming the rule, the numbers and what to change when the
    estimate exceeds it (``WIRINGUP_MEMORY_CHECK=warn``: print the warning instead; ``off``: skip)."""
    mode = os.environ.get(MEMORY_CHECK_ENV, "error").lower()
    if mode == "off":
        return None
    try:
        est = estimate_memory(smk, device=device)
    except Exception as exc:  # noqa: BLE001 - an estimate must never break a job (e.g. a model meta can't run)
        print(f"memory estimate unavailable ({type(exc).__name__}: {exc})", file=sys.stderr)
        return None
    if est is None:
        return None
    declared = _named(smk.resources).get("mem_mb")
    parts = ", ".join(f"{k} {v:,}" for k, v in est["host_parts"].items())
    print(f"memory estimate (lower bound): {est['host_mb']:,} MB ({parts}); declared mem_mb: {declared}",
          file=sys.stderr)
    problems = []
    if isinstance(declared, (int, float)) and est["host_mb"] > declared:
        problems.append(f"needs about {est['host_mb']:,} MB of memory ({parts}) but declares mem_mb={declared:,}. "
                        f"Give it more (--set-resources {smk.rule}:mem_mb={int(est['host_mb'] * 1.3)}, or in the "
                        "profile), or lower the batch size, the width or the input size")
    if est["device_mb"] is not None:
        try:
            import torch

            total = torch.cuda.get_device_properties(0).total_memory / 1e6
        except Exception:  # noqa: BLE001
            total = None
        if total is not None and est["device_mb"] > total:
            dparts = ", ".join(f"{k} {v:,}" for k, v in est["device_parts"].items())
            problems.append(f"needs about {est['device_mb']:,} MB of GPU memory ({dparts}) but the GPU has "
                            f"{int(total):,} MB; lower the batch size")
    if not problems:
        return est
    msg = (f"job {', '.join(map(str, smk.output))[:200]}: " + "; it also ".join(problems)
           + f" (estimate from {est['checkpoint']}, {est['parameters']:,} parameters; "
             f"{MEMORY_CHECK_ENV}=warn runs it anyway)")
    if mode == "warn":
        print(f"wiringup warning in rule {smk.rule}: {msg}", file=sys.stderr)
        if console is not None:
            print(f"wiringup warning in rule {smk.rule}: {msg}", file=console)
        return est
    raise WiringupError(msg)
