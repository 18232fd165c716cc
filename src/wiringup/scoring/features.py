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

import contextlib
import contextvars
import re
from typing import Any, Iterator, Sequence

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
    return extract_layers(model, stimuli, layer, batch_size=batch_size, device=device)[layer]


def extract_layers(model: nn.Module, stimuli: torch.Tensor, layer: str, batch_size: int = 64, device: str = "cpu",
                   also: Sequence[str] = ()) -> dict[str, np.ndarray]:
    """As :func:`extract_features` for ``layer`` (the forward pass stops once it is called), and in the same
    passes the layers of ``also`` that are called before it: {layer name: (N, D) float32}. A layer of ``also``
    that is not reached before the stop is not in the result (no extra computation is spent on it)."""
    target_module, target_name, target_t = resolve_layer(model, layer)  # before any forward pass
    if stimuli.ndim != 4:
        raise WiringupError(f"extract_features: stimuli must be (N, 3, H, W), got shape {tuple(stimuli.shape)}")
    wanted: dict[str, list[tuple[int, str]]] = {target_name: [(target_t, layer)]}
    modules = {target_name: target_module}
    for extra in dict.fromkeys(also):
        if extra == layer:
            continue
        module, name, t = resolve_layer(model, extra)
        wanted.setdefault(name, []).append((t, extra))
        modules[name] = module
    n = stimuli.shape[0]
    state: dict[str, Any] = {"calls": {}, "outs": {}}

    def hook_for(name: str):
        def hook(_mod: nn.Module, _inp: Any, out: Any) -> None:
            call = state["calls"].get(name, 0)
            state["calls"][name] = call + 1
            for t, name_t in wanted[name]:
                if call == t:
                    o = out[0] if isinstance(out, (tuple, list)) else out
                    state["outs"][name_t] = o.detach().reshape(o.shape[0], -1).to("cpu", torch.float32).numpy()
                    if name_t == layer:
                        raise _Captured
        return hook

    was_training = model.training
    model.to(device)
    model.eval()
    handles = [modules[name].register_forward_hook(hook_for(name)) for name in wanted]
    features: dict[str, np.ndarray] = {}
    try:
        with torch.no_grad():
            for start in range(0, n, batch_size):
                batch = stimuli[start:start + batch_size].to(device)
                state["calls"], state["outs"] = {}, {}
                try:
                    model(batch)
                except _Captured:
                    pass
                outs = state["outs"]
                if layer not in outs:
                    raise WiringupError(
                        f"layer {layer!r}: module {target_name!r} was called {state['calls'].get(target_name, 0)} "
                        f"time(s) in one forward pass, so timestep t{target_t} does not exist; use -t0 ... "
                        f"-t{max(state['calls'].get(target_name, 0) - 1, 0)}")
                if start == 0:
                    features = {k: np.empty((n, v.shape[1]), dtype=np.float32) for k, v in outs.items()}
                else:
                    if outs[layer].shape[1] != features[layer].shape[1]:
                        raise WiringupError(f"layer {layer!r}: activation size changed between batches "
                                            f"({features[layer].shape[1]} vs {outs[layer].shape[1]}); all stimuli "
                                            "must have one size")
                    features = {k: v for k, v in features.items()   # an extra layer missed in a batch is dropped
                                if k in outs and outs[k].shape[1] == v.shape[1]}
                for k, v in features.items():
                    v[start:start + outs[k].shape[0]] = outs[k]
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    assert layer in features
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
    cache = _SHARED.get()
    key = cache.key(model, images, layer, input_size, batch_size, device) if cache is not None and own is None \
        else None
    if key is not None:
        hit = cache.get(key, layer)
        if hit is not None:
            return hit
    also = [] if key is None else cache.layers
    out: dict[str, np.ndarray] = {}
    for start in range(0, len(images), chunk):
        feats = extract_layers(model, prep(images[start:start + chunk]), layer, batch_size=batch_size,
                               device=device, also=also)
        if start == 0:
            out = {k: np.empty((len(images), v.shape[1]), dtype=np.float32) for k, v in feats.items()}
        out = {k: v for k, v in out.items() if k in feats}
        for k, v in out.items():
            v[start:start + feats[k].shape[0]] = feats[k]
    if not out:
        raise WiringupError("image_features: no images given")
    if key is not None:
        for k, v in out.items():
            cache.put(key, k, v)
    return out[layer]


# ------------------------------------------------------------- activations shared by the benchmarks of one job
#: A scoring job's shared activations: at most this many bytes, of image sets of at most this many images.
CACHE_MAX_BYTES, CACHE_MAX_IMAGES = 512 << 20, 256


class FeatureCache:
    """Activations of one model shared by the benchmarks of one scoring job (:func:`shared_features`).

    Benchmarks that show the same images (Coggan2024's four regions, the MajajHong2015 slice's V4 and IT) need
    the same forward passes, only read at different layers; and a pass that stops at IT has gone through V1, V2
    and V4 on its way. While a cache is active, :func:`image_features` keeps, for a list of PIL images, the
    activations of every layer of ``layers`` reached before the stop, keyed by the images' pixels (sha256),
    the input size, batch size and device, and answers later requests from them: a copy of the very arrays a
    separate pass would compute (the same batches, so also under batch statistics at eval). Only sets of at most
    ``max_images`` images are cached (a large set's early layers would cost more memory than they save time),
    and no more than ``max_bytes`` of activations in all; lazily rendered image sequences (behaviour) and models
    with their own preprocessing are never cached. ``hits`` and ``passes`` count what it saved.
    """

    def __init__(self, model: nn.Module, layers: Sequence[str], max_bytes: int = CACHE_MAX_BYTES,
                 max_images: int = CACHE_MAX_IMAGES):
        self.model, self.layers, self.max_bytes = model, list(dict.fromkeys(layers)), int(max_bytes)
        self.max_images = int(max_images)
        self.store: dict[tuple[str, str], np.ndarray] = {}
        self.nbytes = self.hits = self.passes = 0

    def key(self, model: nn.Module, images: Sequence[Any], layer: str, input_size: int, batch_size: int,
            device: str) -> str | None:
        """The cache key of a request, or None when it is not cached (another model, a layer not shared, not a
        list of PIL images)."""
        import hashlib

        if model is not self.model or layer not in self.layers or not isinstance(images, (list, tuple)) \
                or not 0 < len(images) <= self.max_images or not all(isinstance(im, Image.Image) for im in images):
            return None
        h = hashlib.sha256(f"{int(input_size)}|{int(batch_size)}|{device}|{len(images)}".encode())
        for im in images:
            h.update(f"|{im.mode}|{im.size}|".encode())
            h.update(im.tobytes())
        return h.hexdigest()

    def get(self, key: str, layer: str) -> np.ndarray | None:
        found = self.store.get((key, layer))
        if found is None:
            self.passes += 1
            return None
        self.hits += 1
        return found.copy()   # a scorer may change its features in place

    def put(self, key: str, layer: str, features: np.ndarray) -> None:
        if (key, layer) not in self.store and self.nbytes + features.nbytes <= self.max_bytes:
            self.store[(key, layer)] = features.copy()
            self.nbytes += features.nbytes


_SHARED: contextvars.ContextVar[FeatureCache | None] = contextvars.ContextVar("wiringup_shared_features",
                                                                              default=None)


@contextlib.contextmanager
def shared_features(model: nn.Module, layers: Sequence[str], **limits: int) -> Iterator[FeatureCache]:
    """Within the block, :func:`image_features` calls on ``model`` share activations of ``layers``
    (:class:`FeatureCache`, whose ``max_bytes`` / ``max_images`` are ``limits``); the cache is dropped at the
    end."""
    cache = FeatureCache(model, layers, **limits)
    token = _SHARED.set(cache)
    try:
        yield cache
    finally:
        _SHARED.reset(token)
