"""Model features for scoring: layer names with timesteps, activations by forward hook, images -> features (torch).

* **Layers.** A layer is a submodule name with an optional timestep suffix: ``"V4.output-t0"`` is the FIRST
  call of module ``V4.output`` within one forward pass (CORnet-S calls its Identity ``output`` once per
  timestep), ``-t1`` the second, and so on; no suffix means ``-t0`` (:func:`parse_layer`,
  :func:`resolve_layer`). The authors' Brain-Score commitment read ``V4.output-t0``.
* **Activations.** :func:`extract_features` hooks the layer and stops the forward pass once the wanted call has
  happened; the activations are flattened to (stimulus, feature) float32.
* **Stimuli.** :func:`image_features` preprocesses PIL images in chunks, with Brain-Score's CORnet
  preprocessing (:func:`wiringup.nets.preprocessing.preprocess_stimuli`: resize the whole image to the
  model's input size, no crop, ``ToTensor``, ImageNet normalisation) unless the model brings its own
  ``preprocess_stimuli``. There is no ``place_on_screen``: the whole image is resized to the model's input size.
  For the MajajHong2015 slice (8 deg images, the model's 8 deg) that is what Brain-Score does; the Cowley
  images carry no visual-degree size, so their mapping to the model's field of view is unknown.
"""
from __future__ import annotations

import re
from typing import Any, Sequence

import numpy as np
import torch
from PIL import Image
from torch import nn

from wiringup.core.io import WiringupError
from wiringup.nets.preprocessing import preprocess_stimuli

_LAYER_RE = re.compile(r"^(?P<module>.+)-t(?P<t>\d+)$")


def parse_layer(layer: str) -> tuple[str, int]:
    """``"V4.output-t2"`` -> (``"V4.output"``, 2); no ``-tK`` suffix means timestep 0."""
    m = _LAYER_RE.match(layer)
    if m:
        return m.group("module"), int(m.group("t"))
    return layer, 0


def resolve_layer(model: nn.Module, layer: str) -> tuple[nn.Module, str, int]:
    """The submodule a layer name refers to, its name and timestep; WiringupError if there is none."""
    name, t = parse_layer(layer)
    modules = dict(model.named_modules())
    if name and name in modules:
        return modules[name], name, t
    names = [n for n in modules if n]
    preferred = [n for n in names if n.endswith("output") or n.startswith("decoder")]
    shown = (preferred + [n for n in names if n not in preferred])[:12]
    raise WiringupError(
        f"layer {layer!r}: the model has no submodule {name!r}. Valid names include: {', '.join(shown)}"
        f"{' ...' if len(names) > len(shown) else ''} (add -t0, -t1, ... to pick the call within one forward "
        "pass). Fix the layer name in the config.")


class _Captured(Exception):
    """Raised from the hook once the wanted activation is stored, to skip the rest of the forward pass."""


def extract_features(model: nn.Module, stimuli: torch.Tensor, layer: str, batch_size: int = 64,
                     device: str = "cpu") -> np.ndarray:
    """Activations of ``layer`` for every stimulus, flattened: (N, D) float32.

    ``layer`` is a submodule name with an optional timestep suffix: ``"V4.output-t0"`` is the FIRST call of
    module ``V4.output`` within one forward pass (CORnet-S calls its Identity ``output`` once per timestep),
    ``-t1`` the second, and so on; no suffix means ``-t0``. The forward pass is stopped as soon as that call
    has happened (later layers cannot change it). The model is moved to ``device`` and run in eval mode under
    ``torch.no_grad()``; its train/eval mode is restored afterwards.
    """
    module, name, t = resolve_layer(model, layer)  # before any forward pass
    if stimuli.ndim != 4:
        raise WiringupError(f"extract_features: stimuli must be (N, 3, H, W), got shape {tuple(stimuli.shape)}")
    n = stimuli.shape[0]
    state: dict[str, Any] = {"calls": 0, "out": None}

    def hook(_mod: nn.Module, _inp: Any, out: Any) -> None:
        call = state["calls"]
        state["calls"] = call + 1
        if call == t:
            o = out[0] if isinstance(out, (tuple, list)) else out
            state["out"] = o.detach().reshape(o.shape[0], -1).to("cpu", torch.float32).numpy()
            raise _Captured

    was_training = model.training
    model.to(device)
    model.eval()
    handle = module.register_forward_hook(hook)
    features: np.ndarray | None = None
    try:
        with torch.no_grad():
            for start in range(0, n, batch_size):
                batch = stimuli[start:start + batch_size].to(device)
                state["calls"], state["out"] = 0, None
                try:
                    model(batch)
                except _Captured:
                    pass
                out = state["out"]
                if out is None:
                    raise WiringupError(
                        f"layer {layer!r}: module {name!r} was called {state['calls']} time(s) in one forward pass, "
                        f"so timestep t{t} does not exist; use -t0 ... -t{max(state['calls'] - 1, 0)}")
                if features is None:
                    features = np.empty((n, out.shape[1]), dtype=np.float32)
                elif out.shape[1] != features.shape[1]:
                    raise WiringupError(f"layer {layer!r}: activation size changed between batches "
                                        f"({features.shape[1]} vs {out.shape[1]}); all stimuli must have one size")
                features[start:start + out.shape[0]] = out
    finally:
        handle.remove()
        model.train(was_training)
    assert features is not None
    return features


def image_features(model: nn.Module, images: Sequence[Image.Image], layer: str, input_size: int,
                   batch_size: int = 64, device: str = "cpu", chunk: int = 256) -> np.ndarray:
    """Preprocess and extract in chunks of ``chunk`` images, so the preprocessed tensor stays small.

    A model that brings its own stimulus preprocessing (a ``preprocess_stimuli(images)`` method returning an
    (N, 3, H, W) tensor, as Brain-Score models bring theirs, e.g. :class:`wiringup.nets.pixels.Pixels`) gets it
    instead of :func:`preprocess_stimuli`; ``input_size`` is then not used.
    """
    resolve_layer(model, layer)
    own = getattr(model, "preprocess_stimuli", None)
    if not callable(own) or isinstance(own, nn.Module):  # a submodule of that name is not a preprocessing hook
        own = None
    prep = own if own is not None else (lambda ims: preprocess_stimuli(ims, input_size))
    out: np.ndarray | None = None
    for start in range(0, len(images), chunk):
        feats = extract_features(model, prep(images[start:start + chunk]), layer,
                                 batch_size=batch_size, device=device)
        if out is None:
            out = np.empty((len(images), feats.shape[1]), dtype=np.float32)
        out[start:start + feats.shape[0]] = feats
    if out is None:
        raise WiringupError("image_features: no images given")
    return out
