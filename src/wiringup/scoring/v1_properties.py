"""Single-neuron V1 properties of model units, computed as Brain-Score's Marques2020 benchmarks compute them
(numpy + scipy; brainscore-vision 2.4.2, ``benchmark_helpers/properties_common.py`` and
``benchmarks/marques2020/benchmarks/*_benchmark.py``). Every expression keeps Brain-Score's order and dtypes
(float32 activations), so the same activations give the same properties.

Protocol (per benchmark, all on the model's V1 layer, activations clipped at 0):

1. **Receptive fields** (:class:`ReceptiveFieldMap`, :func:`receptive_field_positions`): responses to the
   ``Marques2020_receptive_field`` gratings (21 x 21 positions, 8 gratings each) minus the blank response, max over
   the 8 gratings, clipped at 0; a unit's RF centre is the centroid of the positions above 5 % of its peak
   (``RF_THRSH``), in degrees. :func:`in_receptive_field` keeps the units whose centre lies within 0.15 deg
   (``RF_DELTA``) of the test stimuli's position.
2. **Firing rates** (:func:`firing_rate_affine`, :func:`to_firing_rates`): an affine map from activations to
   spikes/s fitted on the ``Marques2020_orientation`` responses of the kept units: the median blank and median peak
   response of the responsive units go to 0.82 and 33.8 spikes/s; rates are clipped at 0.
3. **Properties** (:data:`PROPERTY_FUNCTIONS`, one per source paper) of the kept units, with Brain-Score's
   response threshold (5 spikes/s, above baseline for DeValois1982a and Schiller1976c).
"""
from __future__ import annotations

import warnings
from typing import Callable, Mapping

import numpy as np

from wiringup.core.io import WiringupError

RF_THRSH = 0.05
RF_DELTA = 0.15
MEDIAN_MAX_RESP = {"V1": 33.8}
MEDIAN_SPONTANEOUS = {"V1": 0.82}
SINGLE_MAX_RESP = {"V1": 243.1}
RESP_THRESH = {"V1": 5}
RESPONSE_THRESHOLD = 5
ORIENTATION_BIN_LIM = 157.5


# ------------------------------------------------------------------------------------------- receptive fields

class ReceptiveFieldMap:
    """Brain-Score's RF map, accumulated chunk by chunk so the 3,528 x units activations are never all held.

    ``blank``: (units,) blank activations; :meth:`add` takes the activations (stimulus, unit) of consecutive rows
    of the receptive-field set, whole positions at a time (``per_position`` gratings each, position-major).
    """

    def __init__(self, blank: np.ndarray, n_y: int, n_x: int, per_position: int):
        blank = np.array(blank, dtype=np.float32).reshape(-1)
        blank[blank < 0] = 0
        self.blank = blank
        self.shape = (n_y, n_x)
        self.per_position = per_position
        self.rf_map = np.zeros((blank.size, n_y * n_x), dtype=np.float32)
        self._next = 0

    def add(self, activations: np.ndarray) -> None:
        act = np.array(activations, dtype=np.float32)  # (stimulus, unit)
        if act.ndim != 2 or act.shape[1] != self.blank.size or act.shape[0] % self.per_position:
            raise WiringupError(f"ReceptiveFieldMap.add: expected (k * {self.per_position}, {self.blank.size}) "
                                f"activations, got {act.shape}")
        act[act < 0] = 0
        n_pos = act.shape[0] // self.per_position
        resp = act.T.reshape(self.blank.size, n_pos, self.per_position) - self.blank.reshape(-1, 1, 1)
        if self._next + n_pos > self.rf_map.shape[1]:
            raise WiringupError("ReceptiveFieldMap.add: more positions than the map has")
        self.rf_map[:, self._next:self._next + n_pos] = resp.max(axis=2)
        self._next += n_pos

    def result(self) -> np.ndarray:
        """(unit, n_y, n_x) map, negative values set to 0."""
        if self._next != self.rf_map.shape[1]:
            raise WiringupError(f"ReceptiveFieldMap: {self._next} of {self.rf_map.shape[1]} positions were added")
        rf_map = self.rf_map.reshape(-1, *self.shape)
        rf_map[rf_map < 0] = 0
        return rf_map


def receptive_field_positions(rf_map: np.ndarray, position_y: np.ndarray, position_x: np.ndarray) -> np.ndarray:
    """(unit, 2) RF centres [y, x] in degrees (NaN for units that never respond): the centroid of the positions
    whose response exceeds ``RF_THRSH`` of the unit's peak, interpolated on the position grid."""
    n_neuroids = rf_map.shape[0]
    max_resp = np.max(rf_map.reshape(n_neuroids, -1), axis=1)
    rf_pos = np.zeros((n_neuroids, 2))
    rf_pos[:] = np.nan
    for n in np.flatnonzero(max_resp > 0):
        exc_pos = rf_map[n] > max_resp[n] * RF_THRSH
        weights = np.repeat(np.expand_dims(rf_map[n, exc_pos], axis=1), 2, axis=1)
        rf_coord = np.sum(np.argwhere(exc_pos) * weights, axis=0) / np.sum(weights, axis=0)
        rf_pos[n, 0] = np.interp(rf_coord[0], np.arange(len(position_y)), position_y)
        rf_pos[n, 1] = np.interp(rf_coord[1], np.arange(len(position_x)), position_x)
    return rf_pos


def in_receptive_field(rf_pos: np.ndarray, pos: np.ndarray, rf_delta: float = RF_DELTA) -> np.ndarray:
    """Indices (ascending) of the units whose RF centre lies within ``rf_delta`` degrees of ``pos`` [y, x]."""
    d = np.linalg.norm(rf_pos - np.asarray(pos, dtype=float), axis=1)
    with np.errstate(invalid="ignore"):
        return np.flatnonzero(d <= rf_delta)


# ----------------------------------------------------------------------------------------------- firing rates

def _levels(params: Mapping[str, np.ndarray], name: str) -> np.ndarray:
    return np.array(sorted(set(np.asarray(params[name]).tolist())))


def check_grating_order(params: Mapping[str, np.ndarray]) -> None:
    """Brain-Score's ``_assert_grating_activations``: phase varies fastest, then orientation and spatial frequency
    (then radius, contrast and position for a full factorial)."""
    lv = {c: _levels(params, c) for c in ("position_y", "position_x", "contrast", "radius", "spatial_frequency",
                                          "orientation", "phase")}
    n_stim = len(params["phase"])
    sizes = {c: len(v) for c, v in lv.items()}
    inner = ("phase", "orientation", "spatial_frequency", "radius", "contrast", "position_x", "position_y")
    if n_stim != int(np.prod(list(sizes.values()))):
        inner = inner[:3]  # Brain-Score's other branch: cycles of (sf, orientation, phase)
    repeat = 1
    for c in inner:
        expected = np.tile(np.repeat(lv[c], repeat), n_stim // (repeat * sizes[c]))
        if expected.size != n_stim or not np.array_equal(expected, np.asarray(params[c], dtype=float)):
            raise WiringupError(f"grating stimuli are not in Brain-Score's order: {c!r} must vary as the "
                                f"{inner.index(c) + 1}. fastest parameter")
        repeat *= sizes[c]


def firing_rate_affine(orientation_act: np.ndarray, blank_act: np.ndarray, params: Mapping[str, np.ndarray],
                       region: str = "V1") -> np.ndarray:
    """Brain-Score's ``firing_rates_affine`` on the kept units: ``[slope, offset]`` mapping activations to
    spikes/s. ``orientation_act`` (unit, stimulus) and ``blank_act`` (unit, 1) are raw activations."""
    check_grating_order(params)
    blank_activations = np.array(blank_act, dtype=np.float32)
    blank_activations[blank_activations < 0] = 0
    orientation_activations = np.array(orientation_act, dtype=np.float32)
    orientation_activations[orientation_activations < 0] = 0
    n_neuroids = orientation_activations.shape[0]
    spatial_frequency, orientation, phase = (_levels(params, c) for c in ("spatial_frequency", "orientation",
                                                                          "phase"))
    n_cycles = orientation_activations.shape[1] // (len(phase) * len(orientation) * len(spatial_frequency))
    orientation_activations = orientation_activations.reshape((n_neuroids, n_cycles, len(spatial_frequency),
                                                               len(orientation), len(phase)))
    orientation_activations = orientation_activations.mean(axis=4).reshape((n_neuroids, -1)).max(axis=1)
    responsive_neurons = (orientation_activations - blank_activations[:, 0]) > \
        (RESP_THRESH[region] / SINGLE_MAX_RESP[region]) * np.max(orientation_activations - blank_activations[:, 0])
    median_baseline = np.median(blank_activations[responsive_neurons])
    median_activations = np.median(orientation_activations[responsive_neurons])
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = (MEDIAN_MAX_RESP[region] - MEDIAN_SPONTANEOUS[region]) / (median_activations - median_baseline)
        offset = MEDIAN_SPONTANEOUS[region] - slope * median_baseline
    return np.array([slope, offset])


def to_firing_rates(activations: np.ndarray, affine: np.ndarray) -> np.ndarray:
    """Brain-Score's ``get_firing_rates`` after the unit selection: clip at 0, affine map, clip at 0."""
    act = np.array(activations, dtype=np.float32)
    act[act < 0] = 0
    act = affine[0] * act + affine[1]
    act[act < 0] = 0
    return act


# ------------------------------------------------------------------------------------- tuning-curve measures

def calc_bandwidth(orientation_curve, orientation, filt_type="hanning", thrsh=0.5, mode="full"):
    """Brain-Score's ``calc_bandwidth``: (bandwidth, preferred orientation in whole degrees, ...) from a smoothed
    periodic spline of the orientation tuning curve."""
    from scipy.interpolate import UnivariateSpline

    or_ext = np.hstack((orientation - 180, orientation, orientation + 180))
    or_curve_ext = np.tile(orientation_curve, (1, 3))
    w = {"hanning": np.array([0, 2 / 5, 1, 2 / 5, 0]), "flat": np.array([1, 1, 1, 1, 1]),
         "smooth": np.array([0, 1 / 5, 1, 1 / 5, 0])}.get(filt_type)
    if w is not None:
        or_curve_ext = np.convolve(w / w.sum(), np.squeeze(or_curve_ext), mode="same")
    or_curve_spl = UnivariateSpline(or_ext, np.squeeze(or_curve_ext), s=0.)
    or_full = np.linspace(-180, 359, 540)
    or_curve_full = or_curve_spl(or_full)
    pref_or_fit = np.argmax(or_curve_full[180:360])
    or_curve_max = or_curve_full[pref_or_fit + 180]
    try:
        less = np.where(or_curve_full <= or_curve_max * thrsh)[0][:]
        p1 = or_full[less[np.where(less < pref_or_fit + 180)[0][-1]]]
        p2 = or_full[less[np.where(less > pref_or_fit + 180)[0][0]]]
        bw = (p2 - p1)
        if bw > 180:
            bw = np.nan
    except IndexError:
        bw = np.nan
    if mode == "half":
        bw = bw / 2
    return bw, pref_or_fit, or_full[180:360], or_curve_full[180:360]


def calc_spatial_frequency_tuning(y, sf, filt_type="triangle", thrsh=0.707, mode="ratio"):
    """Brain-Score's ``calc_spatial_frequency_tuning``: (bandwidth, peak SF, r2, ...) from a smoothed spline of the
    tuning curve over log2 SF; bandwidth ``100 * lower / upper`` cut-off (``mode="ratio"``), NaN when the curve
    does not fall below ``thrsh`` of its peak on both sides."""
    from scipy.interpolate import UnivariateSpline

    sf_log = np.log2(sf)
    sf_values = y
    sf_log_full = np.linspace(sf_log[0], sf_log[-1], num=100, endpoint=True)
    w = {"hanning": np.array([0, 2 / 5, 1, 2 / 5, 0]), "flat": np.array([1, 1, 1, 1, 1]),
         "smooth": np.array([0, 1 / 5, 1, 1 / 5, 0]), "triangle": np.array([0.5, 0.75, 1, 0.75, 0.5])}.get(filt_type)
    if w is not None:
        sf_values = np.convolve(w / w.sum(), np.squeeze(np.concatenate((np.array([sf_values[0], sf_values[0]]),
                                                                        sf_values, np.array([sf_values[-1],
                                                                                             sf_values[-1]])))),
                                mode="valid")
    sf_curve_spl = UnivariateSpline(sf_log, sf_values, s=0.)
    sf_curve_full = sf_curve_spl(sf_log_full)
    pref_sf_fit = np.argmax(sf_curve_full)
    sf_pk_log = sf_log_full[pref_sf_fit]
    sf_curve_max = sf_curve_full[pref_sf_fit]
    less = np.where(sf_curve_full <= sf_curve_max * thrsh)[0][:]
    below = np.where(less < pref_sf_fit)[0]
    above = np.where(less > pref_sf_fit)[0]
    p1_log = sf_log_full[less[below[-1]]] if below.size else np.nan
    p2_log = sf_log_full[less[above[0]]] if above.size else np.nan
    if mode == "oct":
        bw = (2 ** p2_log) / (2 ** p1_log) - 1
    else:
        bw = (2 ** p1_log) / (2 ** p2_log) * 100
    values_fitted = sf_curve_spl(np.log2(sf))
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = 1 - (np.sum((y - values_fitted) ** 2) / np.sum((y - np.mean(y)) ** 2))
    return bw, np.power(2, sf_pk_log), r2, np.power(2, sf_log_full), sf_curve_full


def calc_size_tuning(size_curve, radius):
    """Brain-Score's ``calc_size_tuning``: (grating summation field, surround diameter, their ratio, surround
    suppression index); the first three are NaN unless the unit is suppressed by more than 10 %."""
    pref_rad = np.argmax(size_curve)
    surr_peak_r = np.max(size_curve)
    surr_plateau_r = size_curve[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        ssi = (surr_peak_r - surr_plateau_r) / surr_peak_r
    if surr_peak_r > 0 and ssi > 0.1:
        gsf = radius[np.where(size_curve >= (surr_peak_r * 0.95))[0][0]] * 2
        thrsh = surr_plateau_r + 0.05 * np.absolute(surr_plateau_r)
        surr_diam = radius[np.where(np.logical_and(size_curve <= thrsh, radius > radius[pref_rad]))[0][0]] * 2
        surr_gsf_ratio = surr_diam / gsf
    else:
        gsf, surr_diam, surr_gsf_ratio = np.nan, np.nan, np.nan
    return gsf, surr_diam, surr_gsf_ratio, ssi


# ------------------------------------------------------------------------------------ properties per paper

def _dc_ac(responses: np.ndarray, baseline: np.ndarray, params: Mapping[str, np.ndarray]) -> tuple:
    """Brain-Score's (DC - baseline, first-harmonic AC) responses over phases, shaped (unit, radius, sf,
    orientation, component), with the grid levels (radius, sf, orientation) and each unit's maximum."""
    check_grating_order(params)
    radius, spatial_frequency, orientation, phase = (_levels(params, c) for c in (
        "radius", "spatial_frequency", "orientation", "phase"))
    n_neuroids = responses.shape[0]
    shape = (n_neuroids, len(radius), len(spatial_frequency), len(orientation), len(phase))
    responses = responses.reshape(shape)
    responses_dc = responses.mean(axis=4) - baseline.reshape((-1, 1, 1, 1))
    responses_ac = np.absolute(np.fft.fft(responses)) / shape[4]
    responses_ac = responses_ac[:, :, :, :, 1] * 2
    out = np.zeros((n_neuroids, *shape[1:4], 2))
    out[:, :, :, :, 0] = responses_dc
    out[:, :, :, :, 1] = responses_ac
    max_response = out.reshape((n_neuroids, -1)).max(axis=1, keepdims=True)
    return out, (radius, spatial_frequency, orientation), max_response


def devalois1982a_properties(responses, baseline, params):
    """Preferred orientation (DeValois1982a): of the smoothed orientation curve at the preferred (size, SF)."""
    check_grating_order(params)
    spatial_frequency, orientation, phase = (_levels(params, c) for c in ("spatial_frequency", "orientation",
                                                                          "phase"))
    n_cycles = responses.shape[1] // (len(phase) * len(orientation) * len(spatial_frequency))
    n_neuroids = responses.shape[0]
    responses = responses.reshape((n_neuroids, n_cycles, len(spatial_frequency), len(orientation), len(phase)))
    responses = responses.mean(axis=4)
    preferred_orientation = np.zeros((n_neuroids, 1))
    max_response = responses.reshape((n_neuroids, -1)).max(axis=1, keepdims=True)
    for neur in range(n_neuroids):
        pref_cycle, pref_sf, _ = np.unravel_index(np.argmax(responses[neur]),
                                                  (n_cycles, len(spatial_frequency), len(orientation)))
        curve = responses[neur, pref_cycle, pref_sf, :]
        preferred_orientation[neur] = calc_bandwidth(curve, orientation, filt_type="smooth", thrsh=0.5,
                                                     mode="full")[1]
    preferred_orientation[preferred_orientation >= ORIENTATION_BIN_LIM] = \
        preferred_orientation[preferred_orientation >= ORIENTATION_BIN_LIM] - 180
    good = max_response > baseline + RESPONSE_THRESHOLD
    return preferred_orientation[np.argwhere(good)[:, 0], :]


def devalois1982b_properties(responses, baseline, params):
    """Peak spatial frequency (DeValois1982b) of the DC or AC SF curve at the preferred radius and orientation."""
    responses, (radius, spatial_frequency, orientation), max_response = _dc_ac(responses, baseline, params)
    n_neuroids = responses.shape[0]
    peak_spatial_frequency = np.zeros((n_neuroids, 1))
    for neur in range(n_neuroids):
        pref_radius, _, pref_orientation, pref_component = np.unravel_index(
            np.argmax(responses[neur]), (len(radius), len(spatial_frequency), len(orientation), 2))
        curve = responses[neur, pref_radius, :, pref_orientation, pref_component]
        peak_spatial_frequency[neur] = calc_spatial_frequency_tuning(curve, spatial_frequency, thrsh=0.707,
                                                                     filt_type="smooth", mode="ratio")[1]
    good = max_response > RESPONSE_THRESHOLD
    return peak_spatial_frequency[np.argwhere(good)[:, 0], :]


def cavanaugh2002_properties(responses, baseline, params):
    """Size tuning (Cavanaugh2002a) of the DC or AC response at the preferred SF and orientation: surround
    suppression index, strongly suppressed (index >= 0.1), grating summation field, surround diameter, ratio."""
    responses, (radius, spatial_frequency, orientation), max_response = _dc_ac(responses, baseline, params)
    n_neuroids = responses.shape[0]
    out = np.zeros((n_neuroids, 5))
    for neur in range(n_neuroids):
        _, pref_sf, pref_orientation, pref_component = np.unravel_index(
            np.argmax(responses[neur]), (len(radius), len(spatial_frequency), len(orientation), 2))
        size_curve = responses[neur, :, pref_sf, pref_orientation, pref_component]
        gsf, surr_diam, ratio, ssi = calc_size_tuning(size_curve, radius)
        out[neur] = [ssi, 0, gsf, surr_diam, ratio]
    out[out[:, 0] >= 0.1, 1] = 1
    good = max_response > RESPONSE_THRESHOLD
    return out[np.argwhere(good)[:, 0], :]


def schiller1976_properties(responses, baseline, params):
    """SF selectivity (Schiller1976c): selective = the smoothed SF curve has a bandwidth; the bandwidth itself."""
    check_grating_order(params)
    radius, spatial_frequency, orientation, phase = (_levels(params, c) for c in (
        "radius", "spatial_frequency", "orientation", "phase"))
    n_neuroids = responses.shape[0]
    responses = responses.reshape((n_neuroids, len(radius), len(spatial_frequency), len(orientation), len(phase)))
    responses = responses.mean(axis=4)
    max_response = responses.reshape((n_neuroids, -1)).max(axis=1, keepdims=True)
    bandwidth = np.zeros((n_neuroids, 1))
    selective = np.ones((n_neuroids, 1))
    for neur in range(n_neuroids):
        pref_radius, _, pref_orientation = np.unravel_index(np.argmax(responses[neur]), (
            len(radius), len(spatial_frequency), len(orientation)))
        curve = responses[neur, pref_radius, :, pref_orientation]
        bandwidth[neur] = calc_spatial_frequency_tuning(curve, spatial_frequency, thrsh=0.707, filt_type="smooth",
                                                        mode="ratio")[0]
    selective[np.isnan(bandwidth)] = 0
    out = np.concatenate((selective, bandwidth), axis=1)
    good = max_response > baseline + RESPONSE_THRESHOLD
    return out[np.argwhere(good)[:, 0], :]


PropertyFunction = Callable[[np.ndarray, np.ndarray, Mapping[str, np.ndarray]], np.ndarray]
#: Source dataset -> (property function, the property columns it returns, in order).
PROPERTY_FUNCTIONS: dict[str, tuple[PropertyFunction, tuple[str, ...]]] = {
    "DeValois1982a": (devalois1982a_properties, ("preferred_orientation",)),
    "DeValois1982b": (devalois1982b_properties, ("peak_spatial_frequency",)),
    "Cavanaugh2002a": (cavanaugh2002_properties, ("surround_suppression_index", "strongly_suppressed",
                                                  "grating_summation_field", "surround_diameter",
                                                  "surround_grating_summation_field_ratio")),
    "Schiller1976c": (schiller1976_properties, ("spatial_frequency_selective", "spatial_frequency_bandwidth")),
}


def model_properties(dataset: str, responses: np.ndarray, baseline: np.ndarray,
                     params: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The properties of ``dataset`` for every unit above the response threshold: name -> values. ``responses``
    (unit, stimulus) and ``baseline`` (unit, 1) are firing rates (:func:`to_firing_rates`)."""
    try:
        func, names = PROPERTY_FUNCTIONS[dataset]
    except KeyError:
        raise WiringupError(f"no property function for {dataset!r}; known: {sorted(PROPERTY_FUNCTIONS)}") from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # splines through flat curves; Brain-Score's code warns the same
        values = func(np.asarray(responses), np.asarray(baseline), params)
    return {name: values[:, i] for i, name in enumerate(names)}
