"""Supervised training with checkpoints at whole and fractional epochs, and exact resume.

The recipe is the authors' (AUTHORS_CODE_FACTS.md §5): SGD (momentum 0.9, weight decay 1e-4, lr 0.1),
cross-entropy, RandomResizedCrop + flip. Schedules:

* ``plateau`` — the paper's "until convergence": ``ReduceLROnPlateau(mode='min', factor=0.1, patience=3)``
  stepped once per epoch on the **last minibatch's** training loss; training stops once lr < ``min_lr``
  (1e-4: with lr 0.1 that is right after the 4th decay) or at ``max_epochs``.
* ``step`` — ``StepLR(step_size, gamma)`` per epoch (CORnet's own recipe: 20 epochs, ×0.1).
* ``constant`` — a fixed learning rate (the authors' default ``trainer.py`` in effect).
* ``loss_drop`` — the paper's "Scheduler alternative" of Fig. 6, which "decreases learning rate more aggressively"
  (the authors' ``--convergence_2``, name suffix ``_con2``, AUTHORS_CODE_FACTS.md §5): after each epoch the drop of
  the last minibatch loss from the previous epoch's is recorded; once more than ``window`` drops are recorded and
  the mean of the last ``window`` is below ``threshold`` (0.2), lr ×= ``factor`` (0.1) — again after every later
  epoch while that holds (the history is not reset). Training stops once lr < ``min_lr``.

Frozen layers (Critical / Downstream Training): ``trained_layers`` holds the authors' substring rules (a parameter
is trained iff one rule is a substring of its name; ``None`` = all; a ``{arch: rules}`` mapping is resolved for
the model's architecture); the optimizer sees only the trainable parameters. A set that trains nothing is refused
unless ``allow_untrained``; such a run only passes images forward in train mode, so BatchNorm running statistics
adapt and nothing else changes (the authors' footnote on decoder-only training, §2).

Time: ``metrics.csv`` has the cumulative wall seconds after every step; the summary has the wall seconds of each
whole epoch (``epoch_seconds``) and their mean (``seconds_per_epoch``), the basis of the paper's claim that CT
needs ~30 % less time per epoch.

Training stops at the last configured checkpoint epoch. A checkpoint at epoch E is written after global step
``floor(E · steps_per_epoch)`` (the authors' rule for fractional epochs, so for tiny sets the label is
approximate and the exact step and images seen are recorded). If a plateau run converges before a configured
epoch, that checkpoint holds the converged weights and says so (``meta.converged_at_epoch``).

Determinism and resume: the sample order of epoch e is a permutation seeded by (seed, e), and each sample's
augmentation is seeded by (seed, e, index) (:class:`wiringup.data.images.ManifestDataset`). There is no other
randomness, so a run resumed from its last resume state (model, optimizer, scheduler, step) ends with exactly
the weights of an uninterrupted run. Resume state lives in ``resume_dir``, outside the declared outputs
(Snakemake deletes those of a failed job); checkpoints already written are hard-linked there and restored.
"""
from __future__ import annotations

import csv
import math
import os
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from wiringup.nets.checkpoints import save_checkpoint
from wiringup.data.images import epoch_order
from wiringup.core.io import WiringupError, atomic_path, read_json, write_json
from wiringup.plan.ids import epoch_label  # the checkpoint label (one definition; re-exported)
from wiringup.nets.registry import count_parameters
from wiringup.nets.trained_layers import rules_for_arch, trained_set_counts

METRIC_FIELDS = ["step", "epoch", "lr", "loss", "top1", "images_seen", "seconds"]


@dataclass
class Recipe:
    """One training recipe; every field is a config key under ``training`` (see the config schema)."""

    optimizer: str = "sgd"  # sgd | adam | adagrad
    lr: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 1e-4
    batch_size: int = 256
    schedule: str = "plateau"  # plateau | step | constant | loss_drop
    plateau: dict[str, float] = field(default_factory=lambda: {"factor": 0.1, "patience": 3, "min_lr": 1e-4})
    max_epochs: float = 45
    step: dict[str, float] = field(default_factory=lambda: {"step_size": 20, "gamma": 0.1})
    loss_drop: dict[str, float] = field(default_factory=lambda: {"threshold": 0.2, "window": 3, "factor": 0.1,
                                                                 "min_lr": 1e-4})
    # None: every parameter; a list: the authors' substring rules; {arch: rules}: per architecture
    trained_layers: list[str] | dict[str, Any] | None = None
    allow_untrained: bool = False
    resume_every_steps: int = 200

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> "Recipe":
        known = set(cls.__dataclass_fields__)
        unknown = set(cfg) - known
        if unknown:
            raise WiringupError(f"unknown training keys {sorted(unknown)}; known: {sorted(known)}")
        recipe = cls(**cfg)
        for name in ("plateau", "step", "loss_drop"):  # partial overrides keep the other defaults
            setattr(recipe, name, {**getattr(cls(), name), **(getattr(recipe, name) or {})})
        return recipe


def checkpoint_step(epoch: float, steps_per_epoch: int) -> int:
    """The global step after which the checkpoint labelled ``epoch`` is written."""
    return int(math.floor(epoch * steps_per_epoch + 1e-9))


def make_optimizer(recipe: Recipe, params: list[nn.Parameter]) -> torch.optim.Optimizer:
    if recipe.optimizer == "sgd":
        return torch.optim.SGD(params, lr=recipe.lr, momentum=recipe.momentum, weight_decay=recipe.weight_decay)
    if recipe.optimizer == "adam":
        return torch.optim.Adam(params, lr=recipe.lr, weight_decay=recipe.weight_decay)
    if recipe.optimizer == "adagrad":
        return torch.optim.Adagrad(params, lr=recipe.lr, weight_decay=recipe.weight_decay)
    raise WiringupError(f"unknown training.optimizer {recipe.optimizer!r}; use sgd, adam or adagrad")


def make_scheduler(recipe: Recipe, opt: torch.optim.Optimizer):
    if recipe.schedule == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(
            opt, mode="min", factor=recipe.plateau["factor"], patience=int(recipe.plateau["patience"]))
    if recipe.schedule == "step":
        return torch.optim.lr_scheduler.StepLR(opt, step_size=int(recipe.step["step_size"]),
                                               gamma=recipe.step["gamma"])
    if recipe.schedule == "loss_drop":
        return LossDropSchedule(opt, **recipe.loss_drop)
    if recipe.schedule == "constant":
        return None
    raise WiringupError(f"unknown training.schedule {recipe.schedule!r}; use plateau, step, constant or loss_drop")


class LossDropSchedule:
    """The "Scheduler alternative" of Fig. 6 (the authors' ``convergence_2``; see the module docstring).

    ``step(loss)`` once per epoch with the epoch's last minibatch loss; resumable via ``state_dict``.
    """

    def __init__(self, optimizer: torch.optim.Optimizer | None, threshold: float = 0.2, window: int = 3,
                 factor: float = 0.1, min_lr: float = 1e-4):
        self.optimizer, self.threshold, self.window, self.factor = optimizer, threshold, int(window), factor
        self.min_lr = min_lr
        self.prev: float | None = None
        self.drops: list[float] = []

    def step(self, loss: float) -> bool:
        """Record the epoch's loss; decay lr (and return True) when the recent drops are small."""
        decayed = False
        if self.prev is not None:
            self.drops.append(self.prev - loss)
            if len(self.drops) > self.window and float(np.mean(self.drops[-self.window:])) < self.threshold:
                for group in self.optimizer.param_groups:
                    group["lr"] *= self.factor
                decayed = True
        self.prev = float(loss)
        return decayed

    def state_dict(self) -> dict[str, Any]:
        return {"prev": self.prev, "drops": list(self.drops)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.prev, self.drops = state["prev"], list(state["drops"])


def _epoch_seconds(rows: list[dict[str, Any]], spe: int) -> list[float]:
    """Wall seconds of every whole epoch in the metrics rows (cumulative ``seconds`` at epoch ends)."""
    at = {int(r["step"]): float(r["seconds"]) for r in rows}
    out, prev = [], 0.0
    for k in range(1, max(at, default=0) // spe + 1):
        end = at.get(k * spe)
        if end is None:
            break
        out.append(round(end - prev, 3))
        prev = end
    return out


def _link_or_copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.exists():
        dst.unlink()
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


class _Interrupted(RuntimeError):
    """Raised by the test hook ``interrupt_at_step`` to simulate a crash."""


def train(model: nn.Module, dataset, recipe: Recipe, checkpoints: dict[float, Path], *,
          seed: int, model_config: dict[str, Any], meta: dict[str, Any], resume_dir: Path,
          metrics_path: Path, resume_key: str, device: str = "cpu", num_workers: int = 0,
          progress: bool = True, interrupt_at_step: int | None = None,
          on_checkpoint: Callable[[float, dict[str, Any]], dict[str, Any]] | None = None,
          channels_last: bool = False, amp: bool = False, compile_model: bool = False) -> dict[str, Any]:
    """Train ``model`` on ``dataset`` and write a checkpoint for every epoch in ``checkpoints``.

    Speed switches (config ``speed.channels_last`` / ``amp`` / ``compile``; none changes the recipe):
    ``channels_last`` keeps weights and inputs in NHWC memory layout (faster convolutions on CPU and GPU;
    checkpoints are still written in the standard layout); ``amp`` runs forward and loss under bfloat16
    autocast on a CUDA GPU, and on a CPU with native bfloat16 instructions (:func:`cpu_bf16_supported`:
    AVX512_BF16 or AMX), in fp32 on any other CPU, where bfloat16 is emulated and slower (see
    :func:`training_precision`), and for a model whose convolutions :func:`cpu_bf16_unsafe_convs` lists for the
    dataset's first input; weights, gradients and the optimizer stay fp32 either way. The precision used
    (``"bf16"`` / ``"fp32"``) is recorded as ``precision`` in every checkpoint's meta, in the summary and in the
    resume state (a resume state of the other precision is discarded). ``compile_model`` runs the forward
    through ``torch.compile``. Each is deterministic on CPU, so resume stays exact, but changes the float
    rounding against a run without it.

    ``meta`` is merged into every checkpoint's meta (it must hold ``images``, the labelled set size).
    ``on_checkpoint(epoch, meta)`` may add fields (e.g. provenance) before each save.
    Returns a summary (steps, seconds per epoch, converged epoch, trained parameters).
    """
    n = len(dataset)
    if n == 0:
        raise WiringupError("the training manifest holds no images")
    bs = int(recipe.batch_size)
    spe = math.ceil(n / bs)
    ckpt_steps = {float(e): checkpoint_step(float(e), spe) for e in checkpoints}
    if any(e < 0 for e in ckpt_steps):
        raise WiringupError(f"checkpoint epochs must be >= 0, got {sorted(ckpt_steps)}")
    last_step = max(ckpt_steps.values())
    max_step = checkpoint_step(recipe.max_epochs, spe)
    last_step = min(last_step, max_step)

    arch = model_config.get("arch", "cornet_s")
    rules = rules_for_arch(recipe.trained_layers, arch)
    counts = trained_set_counts(model, rules, arch, allow_none=recipe.allow_untrained)
    param_counts = {"trained": count_parameters(model, trainable_only=True), "total": count_parameters(model)}
    param_counts["frozen"] = {k: param_counts["total"][k] - param_counts["trained"][k] for k in param_counts["total"]}
    trained_conv = param_counts["trained"]["conv_weights"]
    model.to(device)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    fast = _speed_setup(model, device, amp, compile_model, example=lambda: dataset[0][0])
    precision = fast["precision"]
    params = [p for p in model.parameters() if p.requires_grad]
    opt = make_optimizer(recipe, params) if params else None  # nothing trainable: forward passes only
    sched = make_scheduler(recipe, opt) if opt is not None else None
    loss_fn = nn.CrossEntropyLoss()

    resume_dir = Path(resume_dir)
    state_path = resume_dir / "state.pt"
    metrics_tmp = resume_dir / "metrics.csv"
    step, converged_epoch, rows, saved = 0, None, [], {}
    if state_path.is_file():
        try:
            st = torch.load(state_path, map_location="cpu", weights_only=True)
        except Exception:  # noqa: BLE001 - a damaged resume state is discarded, never trusted
            st = None
        if st is not None and st.get("key") == resume_key and st.get("precision", "fp32") == precision:
            model.load_state_dict(st["model"])
            if opt is not None:
                opt.load_state_dict(st["optimizer"])
            if sched is not None:
                sched.load_state_dict(st["scheduler"])
            step, converged_epoch = int(st["step"]), st["converged_epoch"]
            saved = {float(k): v for k, v in read_json(resume_dir / "saved.json").items()}
            with open(metrics_tmp, newline="") as f:
                rows = [r for r in csv.DictReader(f) if int(r["step"]) <= step]
            for e, name in saved.items():
                if not checkpoints[e].exists():
                    _link_or_copy(resume_dir / "checkpoints" / name, checkpoints[e])
            print(f"resuming from step {step} ({step / spe:.3f} epochs) in {resume_dir}", file=sys.stderr)
        else:
            print(f"discarding stale resume state in {resume_dir}", file=sys.stderr)
            shutil.rmtree(resume_dir)
    resume_dir.mkdir(parents=True, exist_ok=True)

    def images_seen(s: int) -> int:
        full, part = divmod(s, spe)
        return full * n + min(part * bs, n)

    def write_checkpoint(e: float, at_step: int, extra: dict[str, Any]) -> None:
        m = dict(meta)
        m.update({"epoch": e, "epoch_label": epoch_label(e), "step": at_step, "steps_per_epoch": spe,
                  "epoch_exact": at_step / spe, "images_seen": images_seen(at_step),
                  "supervised_updates": meta["images"] * e,
                  "trained_parameters": param_counts["trained"], "total_parameters": param_counts["total"],
                  "frozen_parameters": param_counts["frozen"],
                  "trained_conv_weights_bn": counts["trained_conv_weights_bn"],
                  "synaptic_updates": meta["images"] * e * trained_conv, "seed": seed,
                  "recipe": asdict(recipe), "precision": precision})
        m.update(extra)
        if on_checkpoint is not None:
            m = on_checkpoint(e, m)
        save_checkpoint(checkpoints[e], _StandardLayout(model) if channels_last else model, model_config, m)
        name = f"epoch_{epoch_label(e)}.pt"
        _link_or_copy(checkpoints[e], resume_dir / "checkpoints" / name)
        saved[e] = name

    def save_state() -> None:
        with atomic_path(metrics_tmp) as tmp:
            _write_metrics(tmp, rows)
        write_json(resume_dir / "saved.json", {str(k): v for k, v in saved.items()})
        with atomic_path(state_path) as tmp:
            torch.save({"key": resume_key, "precision": precision, "step": step,
                        "converged_epoch": converged_epoch,
                        "model": model.state_dict(), "optimizer": opt.state_dict() if opt is not None else None,
                        "scheduler": sched.state_dict() if sched is not None else None}, tmp)

    for e, s in ckpt_steps.items():
        if s == step and e not in saved:
            write_checkpoint(e, step, {})

    t0 = time.time() - (float(rows[-1]["seconds"]) if rows else 0.0)
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=last_step, initial=step, unit="step", file=sys.stderr, mininterval=5, smoothing=0.1,
                   dynamic_ncols=False, ascii=True)
    model.train()
    while step < last_step and converged_epoch is None:
        epoch, pos = divmod(step, spe)
        order = epoch_order(n, seed, epoch)[pos * bs:]
        dataset.epoch = epoch
        loader = DataLoader(dataset, batch_size=bs, sampler=order.tolist(), num_workers=num_workers,
                            drop_last=False, persistent_workers=False)
        last_loss = None
        for x, y in loader:
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            if channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            if opt is None:  # allow_untrained with nothing trainable: BatchNorm statistics still adapt
                with torch.no_grad(), fast["autocast"]():
                    out = fast["forward"](x)
                    loss = loss_fn(out, y)
                lr = 0.0
            else:
                with fast["autocast"]():
                    out = fast["forward"](x)
                    loss = loss_fn(out, y)
                lr = opt.param_groups[0]["lr"]
            if not torch.isfinite(loss):
                raise WiringupError(f"non-finite training loss ({loss.item()}) at step {step + 1} "
                                    f"(epoch {(step + 1) / spe:.3f}) with lr {lr:g}; lower training.lr or check the data")
            if opt is not None:
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
            step += 1
            last_loss = loss.item()
            top1 = (out.argmax(1) == y).float().mean().item()
            rows.append({"step": step, "epoch": round(step / spe, 6), "lr": lr, "loss": last_loss, "top1": top1,
                         "images_seen": images_seen(step), "seconds": round(time.time() - t0, 3)})
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{last_loss:.3f}", lr=f"{lr:g}", refresh=False)
            if interrupt_at_step is not None and step == interrupt_at_step:
                raise _Interrupted(f"interrupted at step {step} (test hook)")
            epoch_end = step % spe == 0
            if epoch_end and sched is not None:
                if recipe.schedule in ("plateau", "loss_drop"):
                    sched.step(last_loss)
                    if opt.param_groups[0]["lr"] < getattr(recipe, recipe.schedule)["min_lr"]:
                        converged_epoch = step // spe
                else:
                    sched.step()
            for e, s in ckpt_steps.items():
                if s == step and e not in saved:
                    write_checkpoint(e, step, {})
            if epoch_end or step % recipe.resume_every_steps == 0 or step in ckpt_steps.values():
                save_state()
            if step >= last_step or converged_epoch is not None:
                break
    if bar is not None:
        bar.close()
    for e in sorted(ckpt_steps):
        if e not in saved:  # converged (or capped by max_epochs) before this checkpoint
            write_checkpoint(e, step, {"converged_at_epoch": converged_epoch, "stopped_at_step": step})
    with atomic_path(metrics_path) as tmp:
        _write_metrics(tmp, rows)
    seconds = float(rows[-1]["seconds"]) if rows else 0.0
    shutil.rmtree(resume_dir, ignore_errors=True)
    return {"steps": step, "steps_per_epoch": spe, "epochs_trained": step / spe, "seconds": seconds,
            "seconds_per_epoch": seconds / (step / spe) if step else None,
            "epoch_seconds": _epoch_seconds(rows, spe), "seconds_per_step": seconds / step if step else None,
            # without the first step (one-time costs: allocation, kernel selection): compares short runs fairly
            "steady_seconds_per_step": ((seconds - float(rows[0]["seconds"])) / (len(rows) - 1)
                                        if len(rows) > 1 else None),
            "converged_at_epoch": converged_epoch, "precision": precision,
            "trained_parameters": param_counts["trained"], "total_parameters": param_counts["total"],
            "frozen_parameters": param_counts["frozen"], "parameter_counts": counts}



class _StandardLayout:
    """``state_dict()`` of a channels_last model in the standard (contiguous) layout, for checkpoints."""

    def __init__(self, model: nn.Module):
        self.model = model

    def state_dict(self) -> dict[str, torch.Tensor]:
        return {k: v.contiguous() for k, v in self.model.state_dict().items()}


# CPU flags (Linux /proc/cpuinfo names) of native bfloat16 arithmetic: AVX-512 BF16 (AMD Zen 4+, Intel Cooper Lake
# and Sapphire Rapids+) and AMX-BF16 (Intel Sapphire Rapids+). Without them oneDNN emulates bfloat16 and an
# autocast training step runs slower than fp32 (14x on an AVX2-only machine; 1.5x faster with AVX512_BF16).
BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


def _cpuinfo_flags(path: str | os.PathLike = "/proc/cpuinfo") -> set[str]:
    """The first processor's feature flags in ``/proc/cpuinfo`` (empty where there is none: macOS, Windows)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in ("flags", "Features"):
                    return set(value.split())
    except OSError:
        pass
    return set()


def cpu_bf16_supported(flags: Any = None) -> bool:
    """Whether this CPU computes bfloat16 natively (AVX512_BF16 or AMX-BF16), so bf16 autocast speeds training up.

    Asks torch's own CPU check (``torch.cpu._is_avx512_bf16_supported`` / ``_is_amx_tile_supported``, which also
    checks that the OS enables the registers) where this torch has it, else the flags of ``/proc/cpuinfo``.
    ``flags`` (an iterable of flag names) replaces both, for tests. AVX-512 without BF16, AVX2 and non-x86 CPUs
    answer False.
    """
    if flags is not None:
        return any(f in set(flags) for f in BF16_CPU_FLAGS)
    checks = [getattr(torch.cpu, name, None) for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    if all(callable(c) for c in checks):
        try:
            return any(bool(c()) for c in checks)
        except Exception:  # noqa: BLE001 - a private torch API: fall back to the kernel's flags
            pass
    return cpu_bf16_supported(_cpuinfo_flags())


def training_precision(device: str, amp: bool) -> str:
    """The precision :func:`train` runs in: ``"bf16"`` (bfloat16 autocast of forward and loss) or ``"fp32"``.

    ``amp`` (config ``speed.amp``) gives bf16 on a CUDA GPU (one without bfloat16 support is an error) and on a
    CPU for which :func:`cpu_bf16_supported` holds; fp32 on any other CPU or device.
    """
    if not amp:
        return "fp32"
    kind = torch.device(device).type
    if kind == "cuda":
        if not torch.cuda.is_bf16_supported():
            raise WiringupError("speed.amp needs a GPU with bfloat16 support (Ampere or newer); "
                                "set speed.amp: false")
        return "bf16"
    if kind == "cpu" and cpu_bf16_supported():
        return "bf16"
    return "fp32"


def cpu_bf16_unsafe_convs(model: nn.Module, example: torch.Tensor) -> list[str]:
    """The convolutions of ``model`` whose bfloat16 weight gradients are wrong on a CPU, for input ``example`` (C×H×W).

    With torch 2.14.1 on a CPU with AVX512_BF16 and AMX, oneDNN's bfloat16 weight gradient of a convolution with
    stride > 1 and kernel > 1 whose input has a spatial side smaller than the stride (in practice: 1 pixel) is
    uninitialised memory, different on every call (values up to 1e37; measured 2026-12-04: a 3×3 stride-2 conv on a
    1×1 input was wrong in 36 of 50 identical calls, on 2×2 in none; fp32 and ``torch.backends.mkldnn.enabled =
    False`` are right). In CORnet-S at 16 px that is IT.conv2 (a functional call at t = 0), at 8 px V4.conv2 too.
    Found by one forward of ``example`` without gradients in eval mode (no BatchNorm statistic changes), which
    records every ``conv2d`` call, module or functional; returns the weights' parameter names in call order.
    """
    from torch.overrides import TorchFunctionMode

    names = {id(p): n.removesuffix(".weight") for n, p in model.named_parameters()}
    found: list[str] = []

    class Probe(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            if func is torch.conv2d:
                x, w = args[0], args[1] if len(args) > 1 else kwargs["weight"]
                stride = args[3] if len(args) > 3 else kwargs.get("stride", 1)
                stride = (stride, stride) if isinstance(stride, int) else tuple(stride)
                if max(w.shape[-2:]) > 1 and any(side < s for side, s in zip(x.shape[-2:], stride) if s > 1):
                    found.append(names.get(id(w), "conv2d"))
            return func(*args, **kwargs)

    was_training = model.training
    try:
        model.eval()
        with torch.no_grad(), Probe():
            model(example.unsqueeze(0).to(next(model.parameters()).device))
    finally:
        model.train(was_training)
    return list(dict.fromkeys(found))


def _speed_setup(model: nn.Module, device: str, amp: bool, compile_model: bool,
                 example: Callable[[], torch.Tensor] | None = None) -> dict[str, Any]:
    """The forward callable, autocast context and precision of the speed switches (see :func:`train`).

    ``example()`` gives one training input (C×H×W); on a CPU where bf16 would be used, a model with convolutions that
    :func:`cpu_bf16_unsafe_convs` lists for it trains in fp32 instead, with a message naming them.
    """
    import contextlib

    precision = training_precision(device, amp)
    if precision == "bf16" and torch.device(device).type == "cpu" and example is not None:
        unsafe = cpu_bf16_unsafe_convs(model, example())
        if unsafe:
            print(f"speed.amp: training in fp32, not bfloat16: on this CPU oneDNN's bfloat16 weight gradients of "
                  f"{', '.join(unsafe)} (stride > 1 on an input side smaller than the stride) are wrong; "
                  f"a larger model.input_size avoids it", file=sys.stderr)
            precision = "fp32"
    autocast: Callable[[], Any] = contextlib.nullcontext
    if precision == "bf16":
        kind = torch.device(device).type
        autocast = lambda: torch.autocast(kind, dtype=torch.bfloat16)  # noqa: E731
    elif amp and training_precision(device, amp) == "fp32":
        kind = torch.device(device).type
        why = (f"this CPU has no native bfloat16 arithmetic (flags {' / '.join(BF16_CPU_FLAGS)})" if kind == "cpu"
               else f"bfloat16 autocast is used on CUDA and bf16-capable CPUs only, not on {kind}")
        print(f"speed.amp: {why}; training in fp32", file=sys.stderr)
    # dynamic=False: one static graph per batch shape (full and last partial batch), whatever the order the
    # shapes come in, so a resumed run uses the same kernels as an uninterrupted one
    forward = torch.compile(model, dynamic=False) if compile_model else model
    return {"autocast": autocast, "forward": forward, "precision": precision}


def _write_metrics(path: Path, rows: list[dict[str, Any]]) -> None:
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=METRIC_FIELDS)
        w.writeheader()
        w.writerows(rows)


def set_determinism(threads: int | None = None) -> None:
    """Deterministic CPU kernels; ``threads`` fixes intra-op parallelism (Snakemake's ``threads``)."""
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.benchmark = False
    if threads:
        torch.set_num_threads(int(threads))
    np.seterr(all="warn")
