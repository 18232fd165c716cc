"""Our model as a brainscore-vision ``ModelCommitment``, wrapped the way the authors' CORnet commitment did it
(AUTHORS_CODE_FACTS.md §1, §6):

* **Preprocessing** ``load_preprocess_images(image_size=input_size)``: resize the whole image to
  ``input_size`` x ``input_size`` (no crop), ``ToTensor``, ImageNet normalisation. Activations in eval mode.
* **Model commitment** brainscore-vision's ``ModelCommitment`` with an explicit ``region_layer_map`` (so no
  layer search, which would download the public benchmarks), 8 degrees of visual angle, and the behavioural
  readout (``ProbabilitiesMapping``, a logistic regression fitted on ``objectome.public``) on
  ``decoder.avgpool``. ImageNet top-1 reads the model's last module (``logits``), so it needs 1000 outputs.
* **Timesteps.** CORnet-S calls each area's Identity ``output`` once per timestep. brainscore-vision's
  ``PytorchWrapper`` hooks a module by name and keeps whatever the hook saw last, i.e. the LAST timestep
  (``V4.output`` -> t3). The authors' commitment read ``V4.output-t0``, the FIRST. :func:`brain_model` therefore
  uses a ``PytorchWrapper`` subclass that understands ``<module>-t<K>`` (as :mod:`wiringup.scoring.features`
  does): the hook keeps the K-th call within one forward pass; a name without suffix means ``-t0``.

Activation caching (result_caching, ``$RESULTCACHING_HOME``) is off by default: it is keyed by the model
identifier, which does not change when the weights do; with ``store_activations=True`` a fingerprint of the
weights (:func:`weights_fingerprint`) and the input size are added to the key.
"""
from __future__ import annotations

import functools
import hashlib
from typing import Any, Mapping

import torch
from torch import nn

from wiringup.core.io import WiringupError
from wiringup.scoring.brainscore.catalog import DEFAULT_READOUT
from wiringup.scoring.features import parse_layer, resolve_layer


@functools.lru_cache(maxsize=None)
def _wrapper_class() -> type:
    """A ``PytorchWrapper`` that reads ``<module>-t<K>`` layers at the K-th call (imported lazily: ~7 s)."""
    from brainscore_vision.model_helpers.activations.core import ActivationsExtractorHelper
    from brainscore_vision.model_helpers.activations.pytorch import PytorchWrapper

    class WiringupActivationsExtractor(ActivationsExtractorHelper):
        """Stores activations in result_caching only when asked to (the key ignores the weights)."""

        store_activations = False

        def from_paths(self, stimuli_paths, layers, stimuli_identifier=None, require_variance=None):
            if not self.store_activations:
                stimuli_identifier = None  # without a stimuli identifier brainscore computes uncached
            return super().from_paths(stimuli_paths=stimuli_paths, layers=layers,
                                      stimuli_identifier=stimuli_identifier, require_variance=require_variance)

    class TimestepPytorchWrapper(PytorchWrapper):
        """``PytorchWrapper`` whose layer names may carry a timestep: ``V4.output-t0`` = first call of
        ``V4.output`` in one forward pass, ``-t1`` the second, ...; no suffix means ``-t0``. ``logits`` is
        brainscore's name for the model's last module. The model's train/eval mode is restored after each
        batch (brainscore leaves it in eval mode)."""

        def _build_extractor(self, identifier, preprocessing, get_activations, *args, **kwargs):
            return WiringupActivationsExtractor(identifier=identifier, get_activations=get_activations,
                                                preprocessing=preprocessing, *args, **kwargs)

        @staticmethod
        def _split(layer_name: str) -> tuple[str, int]:
            return (layer_name, 0) if layer_name == "logits" else parse_layer(layer_name)

        def get_layer(self, layer_name):
            return super().get_layer(self._split(layer_name)[0])

        def register_hook(self, layer, layer_name, target_dict):
            _, t = self._split(layer_name)
            state = {"calls": 0}
            self._call_counts[layer_name] = state

            def hook(_module, _inputs, output, name=layer_name):
                call = state["calls"]
                state["calls"] = call + 1
                if call == t:
                    out = output[0] if isinstance(output, (tuple, list)) else output
                    target_dict[name] = out.detach().to("cpu").numpy().copy()

            return layer.register_forward_hook(hook)

        def get_activations(self, images, layer_names):
            self._call_counts = {}
            was_training = self._model.training
            try:
                results = super().get_activations(images, layer_names)
            finally:
                self._model.train(was_training)
            missing = [name for name in layer_names if name not in results]
            if missing:
                name = missing[0]
                calls = self._call_counts.get(name, {}).get("calls", 0)
                module, t = self._split(name)
                raise WiringupError(
                    f"layer {name!r}: module {module!r} was called {calls} time(s) in one forward pass, so "
                    f"timestep t{t} does not exist; use -t0 ... -t{max(calls - 1, 0)}")
            return type(results)((name, results[name]) for name in layer_names)

    TimestepPytorchWrapper._call_counts = {}
    return TimestepPytorchWrapper


def weights_fingerprint(model: nn.Module) -> str:
    """SHA1 (12 hex digits) over the model's state dict: names, shapes, dtypes and values."""
    digest = hashlib.sha1()
    for name, tensor in model.state_dict().items():
        t = tensor.detach().to("cpu").contiguous()
        digest.update(f"{name}:{tuple(t.shape)}:{t.dtype}".encode())
        digest.update(t.reshape(-1).numpy().tobytes() if t.dtype != torch.bfloat16
                      else t.reshape(-1).view(torch.int16).numpy().tobytes())
    return digest.hexdigest()[:12]


def check_layers(model: nn.Module, region_layers: Mapping[str, str],
                  behavioral_readout_layer: str | None) -> tuple[dict[str, str], str | None]:
    """Validate every layer name against the model (no forward pass); returns (neural map, readout)."""
    neural = {str(k): str(v) for k, v in region_layers.items() if k != "behavior"}
    readout = behavioral_readout_layer or region_layers.get("behavior")
    if readout is None and "decoder.avgpool" in dict(model.named_modules()):
        readout = DEFAULT_READOUT
    for region, layer in neural.items():
        try:
            resolve_layer(model, layer)
        except WiringupError as exc:
            raise WiringupError(f"region_layers[{region!r}]: {exc}") from None
    if readout is not None:
        try:
            resolve_layer(model, readout)
        except WiringupError as exc:
            raise WiringupError(f"behavioural readout layer: {exc}") from None
    if not neural and readout is None:
        raise WiringupError("brain_model: region_layers maps no region to a layer and there is no behavioural "
                            "readout layer; give e.g. {'V4': 'V4.output-t0'}")
    return neural, readout


def brain_model(model: nn.Module, identifier: str, input_size: int, region_layers: Mapping[str, str],
                visual_degrees: float = 8, behavioral_readout_layer: str | None = None, *, batch_size: int = 64,
                store_activations: bool = False, device: str | None = None) -> Any:
    """Wrap ``model`` as a brainscore-vision ``ModelCommitment`` the way the authors' CORnet commitment did.

    ``region_layers`` maps Brain-Score regions (``V1``, ``V2``, ``V4``, ``IT``) to layers such as
    ``V4.output-t0`` (timestep suffix as in :mod:`wiringup.scoring.features`); a ``behavior`` entry is taken as the
    behavioural readout layer unless ``behavioral_readout_layer`` is given (default ``decoder.avgpool-t0`` when
    the model has ``decoder.avgpool``). Every layer is checked against the model before anything runs.
    ``visual_degrees`` is the model's field of view (8 in the paper). ``store_activations`` lets brainscore
    cache activations in ``$RESULTCACHING_HOME`` under a key that includes a fingerprint of the weights and
    the input size. ``device`` defaults to brainscore's choice (CUDA when available); the model is moved there.
    """
    neural, readout = check_layers(model, region_layers, behavioral_readout_layer)
    if int(input_size) < 8:
        raise WiringupError(f"brain_model: input_size {input_size} is too small; use e.g. 224 (the paper) or 64")

    from brainscore_vision.model_helpers.activations.pytorch import load_preprocess_images
    from brainscore_vision.model_helpers.brain_transformation import ModelCommitment

    extractor_id = identifier
    if store_activations:
        extractor_id = f"{identifier}.w{weights_fingerprint(model)}.{int(input_size)}px"
    preprocessing = functools.partial(load_preprocess_images, image_size=int(input_size))
    wrapper = _wrapper_class()(model=model, preprocessing=preprocessing, identifier=extractor_id,
                               batch_size=int(batch_size))
    wrapper._extractor.store_activations = bool(store_activations)
    if device is not None:
        wrapper._device = torch.device(device)
        wrapper._model.to(wrapper._device)
    layers = list(dict.fromkeys([*neural.values(), *([readout] if readout else [])]))
    return ModelCommitment(identifier=identifier, activations_model=wrapper, layers=layers,
                           behavioral_readout_layer=readout, region_layer_map=neural,
                           visual_degrees=visual_degrees)
