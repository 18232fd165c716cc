"""Benchmark family ``cowley2023_sessions``: Brain-Score's ``Cowley2026.V4-pls`` definition on local Cowley sessions.

``Cowley2023.sessions.V4-pls`` (config type ``cowley2023_sessions``, :func:`load_cowley2023_sessions`) applies
brainscore-vision 2.4.2's ``Cowley2026.V4-pls`` (``benchmarks/cowley2026``) to the local session folders of
Cowley, Stan, Pillow & Smith (2023; Nature 2026) that have repetitions, each loaded by
:func:`wiringup.scoring.benchmarks.cowley2023.load_cowley2023`. What Brain-Score does, and we do: each session is
scored on its own (its own images and neurons): PLS predictivity of the trial averages, ten 90/10
``ShuffleSplit`` splits without stratification (Brain-Score: ``random_state=1``), ceiled by the session's
split-half consistency over **alternating repetition halves** (the 1st, 3rd, 5th ... repeat of each image against
the 2nd, 4th, ...: ``alternate_repetition_halves`` relabels ``repetition % 2`` and ``internal_consistency`` splits
the two labels, so its ten splits are all one split; Pearson r per neuron across images, Spearman-Brown
2r/(1+r), median over neurons: :func:`alternating_halves_ceiling`); then the sessions' ceiled scores, raws and
ceilings are averaged (``_CombinedNeuralBenchmark``). Stimuli are placed on the model's screen as Brain-Score
places them: 11.2 deg images (its ``VISUAL_DEGREES``) in the model's 8 deg field, i.e. the central 80 x 80 of the
112 x 112 pixels (:func:`wiringup.scoring.screen.place_on_screen`); the single-session benchmarks resize the whole
image instead.

**Not Brain-Score's Cowley2026 score.** ``Cowley2026.V4-pls`` averages sessions 190923, 201025, 210225 and
211022, whose repetitions are on Brain-Score's servers only. Locally, 201025 has trial averages only (it cannot be
ceiled, so it is left out here) and 210325 (with repetitions) is not one of Cowley2026's sessions: by default
``Cowley2023.sessions.V4-pls`` is session 210325 alone. Its number is comparable neither with Brain-Score's
Cowley2026 leaderboard nor with the paper's V4 (MajajHong2015) numbers. The test tests/test_benchmark_cowley.py
runs brainscore-vision's own Cowley2026 benchmark code on 210325's data registered under Cowley2026's session ids
(:mod:`wiringup.scoring.brainscore.local_cowley2023`): a check of the code path, not a Cowley2026 score.

Where we differ from Brain-Score: ``score`` is raw / ceiling per session (the paper-era Brain-Score convention of
this repository, :mod:`wiringup.scoring.neural`); brainscore-vision 2.4.2's ``NeuralBenchmark`` returns
raw**2 / ceiling, reported as ``score_brainscore_2x`` (both averaged over sessions alike). An image with a single
repeat has no second half and is left out of its session's ceiling (Brain-Score's correlation would fail on it;
210325 has 6-10 repeats of every image). ``error`` is the standard error of the session mean, sqrt(sum of the
sessions' squared errors) / n_sessions (Brain-Score's combined score carries none).
"""
from __future__ import annotations

import dataclasses
import json
import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from PIL import Image

from wiringup.core.io import WiringupError, atomic_path
from wiringup.scoring.benchmarks.assembly import read_packaged
from wiringup.scoring.benchmarks.cowley2023 import COWLEY2023_CITATION, load_cowley2023
from wiringup.scoring.benchmarks.neural_data import NeuralData
from wiringup.scoring.metric import pearson_columns, pls_crossval, quiet_nan_warnings
from wiringup.scoring.screen import place_on_screen

log = logging.getLogger(__name__)

#: The benchmark's id: deliberately not Brain-Score's ``Cowley2026.V4-pls`` (module docstring).
SESSIONS_BENCHMARK_ID = "Cowley2023.sessions.V4-pls"
#: Brain-Score's visual-degree size of the Cowley images (``benchmarks/cowley2026/benchmark.py``).
COWLEY_IMAGE_DEGREES = 11.2
#: The ceiling scheme (Brain-Score's ``alternate_repetition_halves`` + ``internal_consistency``).
ALTERNATING_HALVES = "alternating_halves"
#: The config ``type`` and the packaged file's ``family`` attr.
SESSIONS_FAMILY = "cowley2023_sessions"



def alternating_halves_ceiling(responses: np.ndarray) -> dict[str, Any]:
    """Split-half consistency over alternating repetition halves: Brain-Score's Cowley2026 ceiling
    (``alternate_repetition_halves`` then ``load_ceiling('internal_consistency')``), numpy only.

    ``responses`` is (neuroid, stimulus, repeat), NaN where a repeat is missing (the same for every neuroid).
    The present repeats of each stimulus, in slot order, are numbered 0, 1, 2, ... (BrainIO's ``repetition``);
    the even-numbered ones are one half, the odd-numbered the other. Each half is averaged per stimulus, Pearson r
    per neuroid across stimuli, Spearman-Brown 2r/(1+r) per neuroid, median over neuroids (NaN skipped, as
    xarray's median). Brain-Score's ten ``ShuffleSplit`` splits of the two labels are all this one split (r is
    symmetric), so ``error`` is 0.0. A stimulus with a single repeat has no odd half and is left out.
    """
    r = np.asarray(responses, dtype=np.float64)
    if r.ndim != 3:
        raise WiringupError(f"alternating_halves_ceiling: responses must be (neuroid, stimulus, repeat), got shape "
                            f"{r.shape}")
    present = ~np.isnan(r)
    avail = present[0]
    if (present != avail[None]).any():
        raise WiringupError("alternating_halves_ceiling: the missing (NaN) repeats differ between neuroids; every "
                            "neuroid must have the same repeats of each stimulus")
    rank = np.cumsum(avail, axis=1) - 1
    even, odd = avail & (rank % 2 == 0), avail & (rank % 2 == 1)
    usable = odd.any(axis=1)
    base = {"ceiling": None, "error": None, "per_neuroid": [], "n_stimuli_used": int(usable.sum()),
            "scheme": ALTERNATING_HALVES}
    if usable.sum() < 3:
        return {**base, "reason": f"only {int(usable.sum())} stimuli have 2 or more repeats: no split-half ceiling"}
    values = np.where(avail[None], r, 0.0)[:, usable]
    even, odd = even[usable], odd[usable]
    mean_a = (values * even[None]).sum(axis=2) / even.sum(axis=1)
    mean_b = (values * odd[None]).sum(axis=2) / odd.sum(axis=1)
    corr = pearson_columns(mean_a.T, mean_b.T)
    with np.errstate(all="ignore"):
        sb = 2 * corr / (1 + corr)
    with quiet_nan_warnings():
        ceiling = float(np.nanmedian(sb))
    if not math.isfinite(ceiling):
        return {**base, "reason": "split-half consistency is undefined (constant responses)"}
    return {**base, "ceiling": ceiling, "error": 0.0, "per_neuroid": sb.tolist(), "reason": None}


def _session_name(data: NeuralData) -> str:
    return str(data.meta.get("session", data.benchmark_id))


@dataclass
class CowleySessions:
    """Cowley session benchmarks scored as one (Brain-Score's Cowley2026 definition; module docstring).

    ``sessions`` are single-session :class:`NeuralData` with repetitions, each carrying its stimuli's
    ``image_degrees``; ``meta['left_out']`` maps session folders left out to the reason.
    """

    benchmark_id: str
    region: str
    description: str
    citation: str
    sessions: list[NeuralData]
    meta: dict[str, Any] = field(default_factory=dict)
    ceiling_scheme: str = ALTERNATING_HALVES
    cv_scheme: str = "shuffle"

    def __post_init__(self) -> None:
        where = f"benchmark {self.benchmark_id!r}"
        if not self.sessions:
            raise WiringupError(f"{where}: no session")
        names = self.session_names
        if len(set(names)) != len(names):
            raise WiringupError(f"{where}: sessions repeat: {names}")
        other = [n for n, s in zip(names, self.sessions) if s.region != self.region]
        if other:
            raise WiringupError(f"{where}: session(s) {other} record another region than {self.region}")

    @property
    def session_names(self) -> list[str]:
        return [_session_name(s) for s in self.sessions]

    @property
    def n_stimuli(self) -> int:
        return sum(s.n_stimuli for s in self.sessions)

    @property
    def n_neuroids(self) -> int:
        return sum(s.n_neuroids for s in self.sessions)

    def ceilings(self) -> list[dict[str, Any]]:
        """Each session's :func:`alternating_halves_ceiling`."""
        return [alternating_halves_ceiling(s.responses) for s in self.sessions]

    def summary(self, **_ceiling_kw: Any) -> dict[str, Any]:
        """:meth:`NeuralData.summary`'s keys (``ceiling`` = the mean of the sessions' ceilings) plus ``sessions``.
        Keyword arguments (a random split-half's ``ceiling_splits`` ...) do not apply and are ignored."""
        ceils = self.ceilings()
        values = [c["ceiling"] for c in ceils]
        missing = [n for n, v in zip(self.session_names, values) if v is None]
        return {
            "benchmark_id": self.benchmark_id, "description": self.description, "citation": self.citation,
            "region": self.region, "n_stimuli": self.n_stimuli, "n_neuroids": self.n_neuroids,
            "n_repeats_max": max(s.n_repeats_max for s in self.sessions),
            "ceiling": None if missing else float(np.mean(values)), "ceiling_error": None if missing else 0.0,
            "ceiling_reason": f"no ceiling for session(s) {missing}" if missing else None,
            "ceiling_scheme": self.ceiling_scheme, "ceiling_mode": None, "cv_scheme": self.cv_scheme,
            "n_folds": None, "image_degrees": self.sessions[0].image_degrees,
            "sessions": [{"session": n, "n_stimuli": s.n_stimuli, "n_neuroids": s.n_neuroids,
                          "n_repeats_max": s.n_repeats_max, "ceiling": c["ceiling"],
                          "n_stimuli_ceiling": c["n_stimuli_used"]}
                         for n, s, c in zip(self.session_names, self.sessions, ceils)],
            "left_out": dict(self.meta.get("left_out", {})),
        }


def load_cowley2023_sessions(path: Path, region: str = "V4", sessions: Sequence[str] | None = None,
                             image_degrees: float | None = COWLEY_IMAGE_DEGREES) -> CowleySessions:
    """``Cowley2023.sessions.V4-pls``: the session folders under ``path`` (the ``cowley2023_v4`` folder) as one
    benchmark by Brain-Score's Cowley2026 definition (module docstring).

    ``sessions``: folder names to use; None (default) takes every folder with an ``images.zip`` that has
    repetitions, leaving out (and recording in ``meta['left_out']``) those with trial averages only. A listed
    session without repetitions is refused: it has no ceiling, and the definition averages ceiled scores.
    ``image_degrees``: the stimuli's size in degrees (Brain-Score: 11.2); None resizes the whole image.
    """
    root = Path(path)
    if region != "V4":
        raise WiringupError(f"{root}: the Cowley et al. (2023) data are V4 recordings, but region {region!r} was "
                            "requested; set the benchmark's region to V4 in the config")
    if not root.is_dir():
        raise WiringupError(f"{root}: folder not found; point the benchmark path at the folder holding the session "
                            "folders, such as <data>/cowley2023_v4")
    explicit = sessions is not None
    if explicit:
        names = [str(s) for s in sessions]
        if not names or len(set(names)) != len(names):
            raise WiringupError(f"{root}: `sessions` must list distinct session folder names, got {names}")
        folders = [root / n for n in names]
    else:
        folders = sorted(p for p in root.iterdir() if p.is_dir() and (p / "images.zip").is_file())
    loaded, left_out = [], {}
    for folder in folders:
        data = load_cowley2023(folder, region)
        if data.ceiling_scheme != "internal_consistency":
            reason = "trial averages only (no repetitions), so no split-half ceiling"
            if explicit:
                raise WiringupError(
                    f"{folder}: {reason}; Brain-Score's Cowley2026 definition averages ceiled session scores, so "
                    f"every session needs responses_raw.npy with repeats. Remove {folder.name} from the "
                    f"benchmark's sessions (it can be scored alone, unceiled, as Cowley2023.{folder.name}.V4-pls)")
            left_out[folder.name] = reason
            continue
        loaded.append(dataclasses.replace(
            data, benchmark_id=f"Cowley2023.sessions.{folder.name}.{region}-pls", image_degrees=image_degrees))
    if not loaded:
        raise WiringupError(f"{root}: no session folder with repetitions (images.zip + responses_raw.npy); "
                            f"left out: {left_out or 'none found'}")
    names = [_session_name(d) for d in loaded]
    if left_out:
        log.info("%s: left out session(s) without repetitions: %s", SESSIONS_BENCHMARK_ID, sorted(left_out))
    description = (
        f"Local multi-session V4 benchmark on Cowley et al. (2023) by Brain-Score's Cowley2026.V4-pls definition: "
        f"session(s) {', '.join(names)} ({sum(d.n_neuroids for d in loaded)} neurons, "
        f"{sum(d.n_stimuli for d in loaded)} images in all), each scored on its own (PLS predictivity) and ceiled by "
        "split-half consistency over alternating repetition halves, the ceiled scores averaged; "
        + (f"images placed as {image_degrees} deg in the model's field. " if image_degrees is not None
           else "whole images resized to the model's input. ")
        + "NOT Brain-Score's Cowley2026 score: that averages sessions 190923, 201025, 210225 and 211022, whose "
        "repetitions are on Brain-Score's servers only"
        + (f"; left out here: {', '.join(f'{k} ({v})' for k, v in sorted(left_out.items()))}" if left_out else "")
        + ". Not comparable with the paper's V4 (MajajHong2015) numbers either."
    )
    return CowleySessions(benchmark_id=SESSIONS_BENCHMARK_ID, region=region, description=description,
                          citation=COWLEY2023_CITATION, sessions=loaded,
                          meta={"sessions": names, "left_out": left_out, "root": str(root),
                                "image_degrees": image_degrees})


def score_session_features(features: np.ndarray, session: NeuralData, n_components: int = 25, n_splits: int = 10,
                           train_size: float = 0.9, seed: int = 0, cv_scheme: str | None = None,
                           n_folds: int | None = None) -> dict[str, Any]:
    """One session of the multi-session benchmark on precomputed features ((stimulus, feature)): PLS
    predictivity of the trial averages (:func:`wiringup.scoring.metric.pls_crossval`, the session's own CV scheme
    unless overridden), ceiled by :func:`alternating_halves_ceiling`. numpy only."""
    if features.shape[0] != session.n_stimuli:
        raise WiringupError(f"score_session_features: {features.shape[0]} feature rows for the {session.n_stimuli} "
                            f"stimuli of {session.benchmark_id}")
    metric = pls_crossval(features, session.mean_responses().T, n_components=n_components, n_splits=n_splits,
                          train_size=train_size, seed=seed,
                          scheme=session.cv_scheme if cv_scheme is None else cv_scheme, n_folds=session.n_folds if n_folds is None else n_folds)
    ceil = alternating_halves_ceiling(session.responses)
    c, raw = ceil["ceiling"], metric["raw"]
    ok = c is not None and c > 0
    return {"session": _session_name(session), "benchmark_id": session.benchmark_id, "raw": raw,
            "raw_error": metric["error"], "raw_per_split": metric["per_split"], "ceiling": c,
            "ceiling_reason": ceil["reason"] if c is None or ok else f"non-positive ceiling {c}",
            "n_stimuli_ceiling": ceil["n_stimuli_used"], "score": raw / c if ok else None,
            "error": metric["error"] / c if ok else None, "score_brainscore_2x": raw ** 2 / c if ok else None,
            "n_stimuli": session.n_stimuli, "n_neuroids": session.n_neuroids, "n_features": int(features.shape[1]),
            "n_components": metric["n_components"],
            "n_unconverged_components": metric["n_unconverged_components"], "cv_scheme": metric.get("scheme")}


def combine_sessions(data: CowleySessions, parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The benchmark's result from its sessions' (:func:`score_session_features`): means of the ceiled scores,
    raws, ceilings and raw**2/ceiling values (Brain-Score's ``_CombinedNeuralBenchmark``); ``error`` is the
    standard error of the mean score, sqrt(sum of squared session errors) / n. No score when a session has no
    positive ceiling."""
    mean = lambda key: float(np.mean([p[key] for p in parts]))  # noqa: E731
    sem = lambda key: float(math.sqrt(sum(p[key] ** 2 for p in parts)) / len(parts))  # noqa: E731
    unceiled = [p["session"] for p in parts if p["score"] is None]
    ceiled = not unceiled
    return {
        "benchmark_id": data.benchmark_id, "region": data.region, "layer": None,
        "score": mean("score") if ceiled else None, "raw": mean("raw"),
        "ceiling": mean("ceiling") if ceiled else None, "error": sem("error") if ceiled else None,
        "raw_error": sem("raw_error"), "ceiling_error": 0.0 if ceiled else None,
        "ceiling_reason": None if ceiled else f"no positive ceiling for session(s) {unceiled}",
        "score_brainscore_2x": mean("score_brainscore_2x") if ceiled else None, "per_split": None,
        "n_stimuli": data.n_stimuli, "n_neuroids": data.n_neuroids, "n_sessions": len(parts),
        "ceiling_scheme": data.ceiling_scheme, "cv_scheme": parts[0]["cv_scheme"], "sessions": parts,
    }


def score_cowley2023_sessions(model: Any, data: CowleySessions, layer: str, input_size: int, batch_size: int = 64,
                              device: str = "cpu", seed: int = 0, n_components: int = 25, n_splits: int = 10,
                              train_size: float = 0.9, visual_degrees: float | None = 8.0,
                              cv_scheme: str | None = None, n_folds: int | None = None,
                              **_ceiling_kw: Any) -> dict[str, Any]:
    """Score ``layer`` of ``model`` on the multi-session benchmark: per session, the stimuli placed on the
    model's ``visual_degrees`` screen (:func:`wiringup.scoring.screen.place_on_screen`; not when either size is
    None), features (:func:`wiringup.scoring.features.image_features`), :func:`score_session_features`; then
    :func:`combine_sessions`. Brain-Score uses
    ``seed=1`` for the PLS splits. The random split-half's ``ceiling_splits``/``ceiling_seed``/``ceiling_mode``
    are accepted for a uniform call and ignored (the alternating halves are one fixed split)."""
    from wiringup.scoring.features import image_features, resolve_layer

    t0 = time.perf_counter()
    resolve_layer(model, layer)
    parts = []
    for session in data.sessions:
        log.info("scoring %s on %s, session %s (%d stimuli, %d neuroids)", layer, data.benchmark_id,
                 _session_name(session), session.n_stimuli, session.n_neuroids)
        images = (session.images if session.image_degrees is None or visual_degrees is None
                  else place_on_screen(session.images, session.image_degrees, visual_degrees))
        features = image_features(model, images, layer, input_size, batch_size=batch_size, device=device)
        parts.append(score_session_features(features, session, n_components=n_components, n_splits=n_splits,
                                            train_size=train_size, seed=seed, cv_scheme=cv_scheme, n_folds=n_folds))
    out = combine_sessions(data, parts)
    out.update(layer=layer, input_size=int(input_size), seed=seed, n_components=n_components, n_splits=n_splits,
               visual_degrees=visual_degrees, image_degrees=data.sessions[0].image_degrees,
               seconds=time.perf_counter() - t0)
    return out


SCORER = score_cowley2023_sessions


# ----------------------------------------------------------------------------- packaging (multi-session)

SESSIONS_FORMAT = "wiringup-cowley2023-sessions"
SESSIONS_FORMAT_VERSION = 1
_SESSION_FIELDS = ("benchmark_id", "region", "description", "citation", "meta", "stimulus_meta", "neuroid_meta",
                   "cv_scheme", "n_folds", "ceiling_scheme", "image_degrees", "time_bin")


def to_dataset(data: CowleySessions) -> Any:
    """The multi-session benchmark as one self-contained ``xarray.Dataset`` (attr ``family`` =
    ``cowley2023_sessions``): per session ``k``, ``s<k>_responses`` (neuroid, stimulus, repeat; float64, NaN =
    missing repeat; the session's other fields as JSON in its ``session_json`` attr) and ``s<k>_pixels``
    (stimulus, row, col, channel; uint8 RGB; a session's images must share one size)."""
    import xarray as xr

    variables = {}
    for k, s in enumerate(data.sessions):
        p = f"s{k}"
        sizes = {img.size for img in s.images}
        if len(sizes) != 1:
            raise WiringupError(f"benchmark {data.benchmark_id!r}: session {_session_name(s)} has images of "
                                f"several sizes {sorted(sizes)}; packaging needs one size per session")
        pixels = np.stack([np.asarray(img.convert("RGB"), dtype=np.uint8) for img in s.images])
        fields = {name: getattr(s, name) for name in _SESSION_FIELDS}
        variables[f"{p}_responses"] = xr.DataArray(
            s.responses, dims=(f"{p}_neuroid", f"{p}_stimulus", f"{p}_repeat"),
            coords={f"{p}_neuroid": np.asarray(s.neuroid_ids, dtype=object),
                    f"{p}_stimulus": np.asarray(s.stimulus_ids, dtype=object)},
            attrs={"session_json": json.dumps(fields, sort_keys=True, default=str)})
        variables[f"{p}_pixels"] = xr.DataArray(pixels, dims=(f"{p}_stimulus", f"{p}_row", f"{p}_col", "channel"))
    return xr.Dataset(variables, attrs={
        "family": SESSIONS_FAMILY, "format": SESSIONS_FORMAT, "version": SESSIONS_FORMAT_VERSION,
        "benchmark_id": data.benchmark_id, "region": data.region, "description": data.description,
        "citation": data.citation, "ceiling_scheme": data.ceiling_scheme, "cv_scheme": data.cv_scheme,
        "n_sessions": len(data.sessions), "meta_json": json.dumps(data.meta, sort_keys=True, default=str)})


def from_dataset(ds: Any, source: str = "dataset") -> CowleySessions:
    """The :class:`CowleySessions` that :func:`to_dataset` wrote (``source`` names it in errors)."""
    attrs = ds.attrs
    if attrs.get("family") != SESSIONS_FAMILY or attrs.get("format") != SESSIONS_FORMAT:
        raise WiringupError(f"{source}: not a packaged {SESSIONS_FAMILY} benchmark (attrs family/format are "
                            f"{attrs.get('family')!r}/{attrs.get('format')!r}); package it again")
    if int(attrs.get("version", -1)) != SESSIONS_FORMAT_VERSION:
        raise WiringupError(f"{source}: version {attrs.get('version')} is not supported ({SESSIONS_FORMAT_VERSION})")
    sessions = []
    for k in range(int(attrs["n_sessions"])):
        p = f"s{k}"
        if f"{p}_responses" not in ds or f"{p}_pixels" not in ds:
            raise WiringupError(f"{source}: variables {p}_responses and {p}_pixels are required; package it again")
        resp, px = ds[f"{p}_responses"], ds[f"{p}_pixels"]
        fields = json.loads(resp.attrs["session_json"])
        if fields.get("time_bin") is not None:
            fields["time_bin"] = tuple(fields["time_bin"])
        sessions.append(NeuralData(
            stimulus_ids=[str(v) for v in resp[f"{p}_stimulus"].values],
            images=[Image.fromarray(np.ascontiguousarray(a), mode="RGB") for a in px.values],
            responses=np.asarray(resp.values, dtype=np.float64),
            neuroid_ids=[str(v) for v in resp[f"{p}_neuroid"].values], **fields))
    return CowleySessions(benchmark_id=str(attrs["benchmark_id"]), region=str(attrs["region"]),
                          description=str(attrs["description"]), citation=str(attrs["citation"]),
                          sessions=sessions, meta=json.loads(attrs["meta_json"]),
                          ceiling_scheme=str(attrs["ceiling_scheme"]), cv_scheme=str(attrs["cv_scheme"]))


def package_cowley2023_sessions(data: CowleySessions, path: str | Path, compress_level: int = 4) -> Path:
    """Write :func:`to_dataset` to one netCDF4 file (under a temporary name, then renamed into place)."""
    ds = to_dataset(data)
    path = Path(path)
    encoding = {name: {"zlib": True, "complevel": compress_level} for name in ds.data_vars}
    with atomic_path(path) as tmp:
        ds.to_netcdf(tmp, engine="netcdf4", format="NETCDF4", encoding=encoding)
    return path


def load_packaged_cowley2023_sessions(path: str | Path) -> CowleySessions:
    """Read a file written by :func:`package_cowley2023_sessions`; refuses a missing or foreign file."""
    path = Path(path)
    ds = read_packaged(path, 'write it with package_cowley2023_sessions')
    return from_dataset(ds, source=str(path))
