"""BatchNorm that normalises with the statistics of the batch at evaluation too (experiment (b), arm ``batch_stats``).

PyTorch before 1.6 decided ``training or not track_running_stats`` when choosing between batch and running
statistics, so a BatchNorm layer with ``track_running_stats=False`` normalised every batch by its own statistics,
in ``eval()`` as in training, and never updated its running statistics. PyTorch >= 1.6 uses the running
statistics at eval whenever the buffers exist. The authors' WC models set ``track_running_stats=False`` on their
WC-initialised BatchNorm layers (AUTHORS_CODE_FACTS.md §3.7), so under their 2020 PyTorch they may have been
evaluated with batch statistics.

:func:`use_batch_stats_at_eval` gives named layers those semantics by switching their class to
:class:`BatchStatsBatchNorm2d` (same parameters and buffers, so the state dict and a checkpoint are unchanged; the
running statistics are kept, never read and never updated). The class is module state, not state-dict content:
a checkpoint lists the layers in ``meta["bn_batch_stats_at_eval"]`` and :func:`restore_bn_eval` (called by
:func:`wiringup.nets.checkpoints.load_model`) switches them again after loading.

Caveat: with batch statistics at eval, a stimulus's response depends on the other stimuli of its batch.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import torch.nn.functional as F
from torch import Tensor, nn

from wiringup.core.io import WiringupError

#: The checkpoint meta key naming the BatchNorm layers that normalise with batch statistics at eval.
META_KEY = "bn_batch_stats_at_eval"


class BatchStatsBatchNorm2d(nn.BatchNorm2d):
    """``nn.BatchNorm2d`` that always normalises with the batch's statistics (train and eval) and never updates
    its running statistics: PyTorch < 1.6 with ``track_running_stats=False``."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002 - nn.Module's name
        self._check_input_dim(input)
        return F.batch_norm(input, None, None, self.weight, self.bias, True, 0.0, self.eps)


def batchnorm_layers(model: nn.Module) -> dict[str, nn.BatchNorm2d]:
    return {n: m for n, m in model.named_modules() if isinstance(m, nn.BatchNorm2d)}


def use_batch_stats_at_eval(model: nn.Module, names: Iterable[str] | None = None) -> list[str]:
    """Switch the named BatchNorm layers (all with ``None``) to :class:`BatchStatsBatchNorm2d`; returns the names,
    in model order. An unknown name is an error."""
    bns = batchnorm_layers(model)
    wanted = list(bns) if names is None else list(names)
    unknown = [n for n in wanted if n not in bns]
    if unknown:
        raise WiringupError(f"no BatchNorm layer(s) {unknown} in the model")
    for n in wanted:
        if type(bns[n]) not in (nn.BatchNorm2d, BatchStatsBatchNorm2d):
            raise WiringupError(f"{n}: a {type(bns[n]).__name__}, not a plain BatchNorm2d; cannot switch it")
        bns[n].__class__ = BatchStatsBatchNorm2d
    return [n for n in bns if n in set(wanted)]


def restore_bn_eval(model: nn.Module, meta: Mapping[str, Any]) -> list[str]:
    """After loading a checkpoint: give the layers of ``meta["bn_batch_stats_at_eval"]`` batch statistics at eval
    again (module state, not in the state dict). Returns the names (none for other checkpoints)."""
    names = list(meta.get(META_KEY) or [])
    return use_batch_stats_at_eval(model, names) if names else []
