"""Recording Brain-Score's Marques2020 V1 properties from a model (torch side of
:mod:`wiringup.scoring.v1_properties`): render the gratings on the model's screen (:mod:`wiringup.scoring.gratings`),
take the layer's activations (:func:`wiringup.scoring.features.image_features`), map receptive fields, keep the units
at the stimulus position, map them to firing rates and compute the properties (:func:`measure_properties`, on any
:class:`GratingResponses`; :class:`ModelResponses` is a model layer's).

Responses of the last model measured are cached in memory, as Brain-Score caches the same steps by model
identifier: the blank and RF-map step, and each stimulus set's responses of the kept units, keyed by a fingerprint
of the weights, the model's structure and the rendering/screen settings, so several benchmarks on one model (one
scoring process) share them: the 7 benchmarks together need 9,097 images, one alone 4,681 to 7,985.
``cache=False`` measures afresh; :func:`clear_response_cache` empties it.
"""
from __future__ import annotations

import hashlib
from typing import Any, Mapping

import numpy as np
from torch import nn

from wiringup.scoring.features import image_features, resolve_layer
from wiringup.scoring.gratings import blank_on_screen, render_on_screen, table_digest
from wiringup.scoring.v1_properties import (RF_DELTA, ReceptiveFieldMap, firing_rate_affine, in_receptive_field,
                                            model_properties, receptive_field_positions, to_firing_rates)

RF_SET, ORIENTATION_SET = "Marques2020_receptive_field", "Marques2020_orientation"


#: Responses of the last model measured (see the module docstring).
_CACHE: dict[str, Any] = {"key": None, "entries": {}}


def clear_response_cache() -> None:
    _CACHE.update(key=None, entries={})


class GratingResponses:
    """Activations of a population to Brain-Score's gratings: the blank, the RF centres from the receptive-field
    set (reduced chunk by chunk) and each set's responses of chosen units. Subclasses give the activations
    (:meth:`activations`); :class:`ModelResponses` takes them from a model layer. ``cache_key`` (None: no cache)
    names the population in the module cache."""

    def __init__(self, chunk: int = 256, cache_key: tuple | None = None):
        self.chunk, self.cache_key = max(int(chunk), 1), cache_key
        if cache_key is not None and _CACHE["key"] != cache_key:
            _CACHE.update(key=cache_key, entries={})

    def activations(self, table: Mapping[str, np.ndarray] | None, rows: range) -> np.ndarray:
        """(stimulus, unit) float32 activations to the gratings ``rows`` of ``table`` (None: the blank)."""
        raise NotImplementedError

    def _cached(self, key: tuple, compute: Any) -> Any:
        if self.cache_key is None or _CACHE["key"] != self.cache_key:
            return compute()
        entries = _CACHE["entries"]
        if key not in entries:
            entries[key] = compute()
        return entries[key]

    def blank(self) -> np.ndarray:
        """(units,) activations to the blank screen."""
        return self._cached(("blank",), lambda: np.asarray(self.activations(None, range(1)))[0])

    def rf_positions(self, rf: Mapping[str, np.ndarray]) -> np.ndarray:
        """(units, 2) RF centres from the receptive-field set (reduced chunk by chunk)."""
        def compute() -> np.ndarray:
            levels_y, levels_x = np.unique(rf["position_y"]), np.unique(rf["position_x"])
            per_position = len(rf["phase"]) // (len(levels_y) * len(levels_x))
            rf_map = ReceptiveFieldMap(self.blank(), len(levels_y), len(levels_x), per_position)
            step = max(self.chunk // per_position, 1) * per_position
            for start in range(0, len(rf["phase"]), step):
                rf_map.add(self.activations(rf, range(start, min(start + step, len(rf["phase"])))))
            return receptive_field_positions(rf_map.result(), levels_y, levels_x)
        return self._cached(("rf", table_digest(rf)), compute)

    def responses(self, table: Mapping[str, np.ndarray], units: np.ndarray) -> np.ndarray:
        """Activations (unit, stimulus) of ``units`` to every grating of ``table``."""
        def compute() -> np.ndarray:
            n = len(table["phase"])
            out = np.empty((units.size, n), dtype=np.float32)
            for start in range(0, n, self.chunk):
                rows = range(start, min(start + self.chunk, n))
                out[:, start:rows.stop] = np.asarray(self.activations(table, rows))[:, units].T
            return out
        return self._cached(("set", table_digest(table), units.tobytes()), compute)


class ModelResponses(GratingResponses):
    """A model layer's activations to the gratings rendered at ``size_px`` for ``degrees`` and shown on its
    ``visual_degrees`` screen (:func:`~wiringup.scoring.gratings.render_on_screen`), resized to ``input_size``."""

    def __init__(self, model: nn.Module, layer: str, input_size: int, size_px: int, degrees: float = 12.0,
                 visual_degrees: float = 8.0, batch_size: int = 64, device: str = "cpu", chunk: int = 256,
                 cache: bool = True):
        from wiringup.scoring.brainscore.model import weights_fingerprint

        resolve_layer(model, layer)
        self.model, self.layer, self.input_size = model, layer, int(input_size)
        self.size_px, self.degrees, self.visual_degrees = int(size_px), float(degrees), float(visual_degrees)
        self.batch_size, self.device = batch_size, device
        key = None
        if cache:
            key = (weights_fingerprint(model), hashlib.sha1(repr(model).encode()).hexdigest(), layer,
                   self.input_size, self.size_px, self.degrees, self.visual_degrees)
        super().__init__(chunk=chunk, cache_key=key)

    def activations(self, table: Mapping[str, np.ndarray] | None, rows: range) -> np.ndarray:
        if table is None:
            images = [blank_on_screen(self.size_px, self.degrees, self.visual_degrees)]
        else:
            images = render_on_screen(table, rows, self.size_px, self.degrees, self.visual_degrees)
        return image_features(self.model, images, self.layer, self.input_size, batch_size=self.batch_size,
                              device=self.device, chunk=max(len(images), 1))


def measure_properties(source: GratingResponses, stimulus_sets: Mapping[str, Any], stimulus_set: str,
                       dataset: str, region: str = "V1", rf_delta: float = RF_DELTA) -> dict[str, Any]:
    """The properties of ``dataset`` (a key of :data:`~wiringup.scoring.v1_properties.PROPERTY_FUNCTIONS`) for the
    units of ``source``, as Brain-Score measures them with the gratings of ``stimulus_sets`` (tables of the
    receptive-field, orientation and the benchmark's own ``stimulus_set``): RF mapping, unit selection,
    firing-rate map, property functions. Returns the property columns (name -> values of the units above the
    response threshold), unit counts and the affine map."""
    blank = source.blank()
    rf_pos = source.rf_positions(stimulus_sets[RF_SET])
    out: dict[str, Any] = {"n_units": int(blank.size), "n_units_in_rf": 0, "n_units_responsive": 0,
                           "properties": {}, "affine": None}

    def position(name: str) -> np.ndarray:
        t = stimulus_sets[name]
        return np.array([t["position_y"][0], t["position_x"][0]])

    in_rf = in_receptive_field(rf_pos, position(stimulus_set), rf_delta)
    in_rf_orientation = in_receptive_field(rf_pos, position(ORIENTATION_SET), rf_delta)
    out["n_units_in_rf"] = int(in_rf.size)
    if in_rf.size == 0 or in_rf_orientation.size == 0:
        return out
    orientation = stimulus_sets[ORIENTATION_SET]
    affine = firing_rate_affine(source.responses(orientation, in_rf_orientation),
                                blank[in_rf_orientation].reshape(-1, 1), orientation, region)
    rates = to_firing_rates(source.responses(stimulus_sets[stimulus_set], in_rf), affine)
    baseline = to_firing_rates(blank[in_rf].reshape(-1, 1), affine)
    props = model_properties(dataset, rates, baseline, stimulus_sets[stimulus_set])
    out.update(properties=props, n_units_responsive=int(len(next(iter(props.values())))),
               affine=[float(v) for v in affine])
    return out
