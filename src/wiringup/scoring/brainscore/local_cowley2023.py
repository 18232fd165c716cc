"""brainscore-vision's own ``Cowley2026.V4-pls`` benchmark code run on local Cowley sessions, offline: a code-path
check of :mod:`wiringup.scoring.benchmarks.cowley2023_sessions`, never a Cowley2026 score.

brainscore-vision 2.4.2's data plugin ``cowley2026`` declares the ids ``Cowley2026.<session>`` (sessions 190923,
201025, 210225 and 211022) for its stimulus sets and assemblies, which it loads from Brain-Score's S3. As a
Brain-Score plugin would, :func:`cowley2026_registered` packages local sessions with BrainIO's own local packaging
(``package_stimulus_set_locally`` / ``package_data_assembly_locally``, the calls of the plugin's
``data_packaging.py``, with its coords: ``stimulus_id``, ``object_name``, ``repetition`` = the repeat's index
within its image, ``neuroid_id``, ``region``, time bin 50-150 ms) into a work folder, and points those ids at
BrainIO's own loaders (``StimulusSetLoader``, ``StimulusMergeAssemblyLoader``) on the files: all that the S3
loaders do but the download. The plugin module is imported first, then the entries assigned (its import would
otherwise overwrite them), and the previous entries are restored on exit.

:func:`score_cowley2026_code_path` then runs brainscore-vision's own ``_CombinedNeuralBenchmark`` (the class of
``Cowley2026.V4-pls``; ``Cowley2026V4PLS()`` itself when all four of its sessions are given) on our model
(:func:`wiringup.scoring.brainscore.model.brain_model`), with result caching off (ceilings are cached by benchmark
id, which here does not identify the data; each session's ceiling function is memoised for the run instead) and
stimuli placed on screen in a temporary folder.

Locally only session 210325 has repetitions, and 210325 is not a Cowley2026 session: registering its data under
a Cowley2026 id runs Brain-Score's code on data Brain-Score does not use for that id. The result says so
(``note``) and must not be reported as a Cowley2026 score (../shared/docs/BRAINSCORE_LOCAL.md).
"""
from __future__ import annotations

import contextlib
import functools
import importlib
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator, Mapping

import numpy as np
from torch import nn

from wiringup.core.io import WiringupError
from wiringup.scoring.benchmarks.neural_data import NeuralData
from wiringup.scoring.brainscore.model import brain_model
from wiringup.scoring.brainscore.offline import _patched

PLUGIN = "brainscore_vision.data.cowley2026"
BENCHMARK_MODULE = "brainscore_vision.benchmarks.cowley2026.benchmark"
CODE_PATH_NOTE = ("code-path check: brainscore-vision's Cowley2026 benchmark code on local data registered under "
                  "Cowley2026 session ids; NOT a Cowley2026 score (those sessions' repetitions are on Brain-Score's "
                  "servers only)")


def cowley2026_sessions() -> list[str]:
    """The sessions brainscore-vision's ``Cowley2026.V4-pls`` averages (its ``SESSIONS``)."""
    return list(importlib.import_module(BENCHMARK_MODULE).SESSIONS)


def _package_session(data: NeuralData, identifier: str, folder: Path) -> tuple[Path, Path, Path]:
    """``data`` as the Cowley2026 plugin packages a session, with BrainIO's own local packaging; returns the
    stimulus csv, stimulus zip and assembly netCDF paths."""
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
    from brainscore_core.supported_data_standards.brainio.packaging import (package_data_assembly_locally,
                                                                            package_stimulus_set_locally)
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

    images = folder / "images"
    images.mkdir(parents=True, exist_ok=True)
    paths = {}
    for sid, img in zip(data.stimulus_ids, data.images):
        paths[sid] = images / f"{sid}.png"  # lossless: the pixels our own scoring sees
        (img if img.mode == "RGB" else img.convert("RGB")).save(paths[sid], format="PNG")
    stimuli = StimulusSet([{"stimulus_id": sid, "object_name": sid} for sid in data.stimulus_ids])
    stimuli.stimulus_paths = paths
    stimuli.name = identifier
    stim = package_stimulus_set_locally(proto_stimulus_set=stimuli, stimulus_set_identifier=identifier,
                                        downloads_path=folder)

    r = np.asarray(data.responses, dtype=np.float64)
    present = ~np.isnan(r[0])
    stim_idx, slot = np.nonzero(present)  # stimulus-major, slot order within a stimulus
    repetition = (np.cumsum(present, axis=1) - 1)[stim_idx, slot]  # the repeat's index within its image
    ids = np.asarray(data.stimulus_ids, dtype=object)[stim_idx]
    assembly = NeuroidAssembly(
        r[:, stim_idx, slot].T[:, :, None],
        coords={"stimulus_id": ("presentation", list(ids)), "object_name": ("presentation", list(ids)),
                "repetition": ("presentation", repetition.astype(int)),
                "neuroid_id": ("neuroid", list(data.neuroid_ids)),
                "region": ("neuroid", [data.region] * r.shape[0]),
                "time_bin_start": ("time_bin", [50]), "time_bin_end": ("time_bin", [150])},
        dims=["presentation", "neuroid", "time_bin"])
    assy = package_data_assembly_locally(proto_data_assembly=assembly, assembly_identifier=identifier,
                                         stimulus_set_identifier=identifier, assembly_class_name="NeuroidAssembly",
                                         downloads_path=folder)
    return Path(stim["csv_path"]), Path(stim["zip_path"]), Path(assy["path"])


@contextlib.contextmanager
def cowley2026_registered(sessions: Mapping[str, NeuralData], work_dir: str | os.PathLike) -> Iterator[list[str]]:
    """Within the block, brainscore-vision's ids ``Cowley2026.<name>`` load ``sessions[name]`` (local data) from
    files BrainIO packaged into ``work_dir``; yields the ids. Names must be Cowley2026 sessions."""
    import brainscore_vision
    from brainscore_core.supported_data_standards.brainio.assemblies import (NeuroidAssembly,
                                                                             StimulusMergeAssemblyLoader)
    from brainscore_core.supported_data_standards.brainio.fetch import unzip
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet, StimulusSetLoader

    known = cowley2026_sessions()
    unknown = sorted(set(sessions) - set(known))
    if unknown or not sessions:
        raise WiringupError(f"cowley2026_registered: sessions {unknown or '(none)'} are not Cowley2026 sessions; "
                            f"brainscore-vision declares only {known}")
    importlib.import_module(PLUGIN)  # its registry lines run now, once; ours below then stand
    data_reg, stim_reg = brainscore_vision.data_registry, brainscore_vision.stimulus_set_registry
    ids = [f"Cowley2026.{name}" for name in sessions]
    saved = [(reg, i, reg.get(i)) for i in ids for reg in (data_reg, stim_reg)]

    def stimulus_loader(identifier: str, csv: Path, zip_path: Path):
        def load():
            stimulus_set = StimulusSetLoader(cls=StimulusSet, csv_path=csv, stimuli_directory=unzip(str(zip_path)))
            stimulus_set = stimulus_set.load()
            stimulus_set.identifier = identifier
            return stimulus_set
        return load

    def assembly_loader(identifier: str, nc: Path):
        def load():
            stimulus_set = brainscore_vision.load_stimulus_set(identifier)
            assembly = StimulusMergeAssemblyLoader(cls=NeuroidAssembly, file_path=str(nc),
                                                   stimulus_set_identifier=stimulus_set.identifier,
                                                   stimulus_set=stimulus_set).load()
            assembly.attrs["identifier"] = identifier
            return assembly
        return load

    try:
        for (name, data), identifier in zip(sessions.items(), ids):
            csv, zip_path, nc = _package_session(data, identifier, Path(work_dir) / identifier)
            stim_reg[identifier] = stimulus_loader(identifier, csv, zip_path)
            data_reg[identifier] = assembly_loader(identifier, nc)
        yield ids
    finally:
        for reg, identifier, previous in saved:
            if previous is None:
                reg.pop(identifier, None)
            else:
                reg[identifier] = previous


@contextlib.contextmanager
def _result_caching_off() -> Iterator[None]:
    """result_caching off within the block (``RESULTCACHING_DISABLE=1``, read at each call)."""
    previous = os.environ.get("RESULTCACHING_DISABLE")
    os.environ["RESULTCACHING_DISABLE"] = "1"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("RESULTCACHING_DISABLE", None)
        else:
            os.environ["RESULTCACHING_DISABLE"] = previous


class _RecordingSession:
    """A session benchmark that keeps the Score it returned (the combined benchmark keeps only the ceiled
    values); everything else is the wrapped brainscore-vision benchmark's."""

    def __init__(self, inner: Any):
        self._inner, self.score = inner, None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __call__(self, candidate: Any) -> Any:
        self.score = self._inner(candidate)
        return self.score


def score_cowley2026_code_path(model: nn.Module, layer: str, input_size: int, sessions: Mapping[str, NeuralData], *,
                               visual_degrees: float = 8, identifier: str = "wiringup-model", batch_size: int = 64,
                               device: str | None = None,
                               work_dir: str | os.PathLike | None = None) -> dict[str, Any]:
    """Run brainscore-vision's own Cowley2026 benchmark code on ``layer`` of ``model`` with ``sessions`` (Cowley2026
    session name -> local data) registered in its place (:func:`cowley2026_registered`), offline.

    Returns ``score_brainscore_2x`` (what brainscore-vision returned: the mean of raw**2 / ceiling), ``raw`` and
    ``ceiling`` (its means), ``score`` (the mean of raw / ceiling, this repository's convention), per-session
    values under ``sessions`` and ``note`` (:data:`CODE_PATH_NOTE`): a code-path check, not a Cowley2026 score.
    """
    t0 = time.perf_counter()
    bench_mod = importlib.import_module(BENCHMARK_MODULE)
    from brainscore_vision.benchmark_helpers import screen

    candidate = brain_model(model, identifier, input_size, {"V4": layer}, visual_degrees=visual_degrees,
                            batch_size=batch_size, device=device)
    with contextlib.ExitStack() as stack:
        folder = Path(work_dir) if work_dir is not None else Path(stack.enter_context(
            tempfile.TemporaryDirectory(prefix="wiringup-cowley2026-")))
        stack.enter_context(_patched([(screen, "root_path", folder / "stimuli_on_screen")]))
        stack.enter_context(_result_caching_off())
        stack.enter_context(cowley2026_registered(sessions, folder / "data"))
        if set(sessions) == set(bench_mod.SESSIONS):
            benchmark = bench_mod.Cowley2026V4PLS()
        else:
            benchmark = bench_mod._CombinedNeuralBenchmark(identifier="Cowley2026.V4-pls", sessions=list(sessions),
                                                           parent="V4", bibtex=bench_mod.BIBTEX, version=1)
        for b in benchmark._sessions:  # computed once per run, as result caching would (it is off: see above)
            b._ceiling_func = functools.lru_cache(maxsize=None)(b._ceiling_func)
        benchmark._sessions = [_RecordingSession(b) for b in benchmark._sessions]
        result = benchmark(candidate)
    parts = []
    for b in benchmark._sessions:  # in brainscore's order; its ids are Cowley2026.<session>.V4-pls
        name = b.identifier.split(".")[1]
        raw, c = float(b.score.attrs["raw"].values), float(b.score.attrs["ceiling"].values)
        parts.append({"session": name, "brainscore_id": b.identifier, "local_data": sessions[name].benchmark_id,
                      "raw": raw, "ceiling": c, "score": raw / c if c > 0 else None,
                      "score_brainscore_2x": float(b.score.values),
                      "n_stimuli": int(b._assembly.sizes["presentation"]),
                      "n_neuroids": int(b._assembly.sizes["neuroid"])})
    scores = [p["score"] for p in parts]
    return {
        "benchmark_id": benchmark.identifier, "backend": "brainscore", "layer": layer, "region": "V4",
        "score": float(np.mean(scores)) if all(s is not None for s in scores) else None,
        "score_brainscore_2x": float(result.values),
        "raw": float(result.attrs["raw"].values), "ceiling": float(result.attrs["ceiling"].values),
        "session_scores": dict(result.attrs["session_scores"]), "sessions": parts, "note": CODE_PATH_NOTE,
        "input_size": int(input_size), "visual_degrees": visual_degrees,
        "seconds": time.perf_counter() - t0,
    }
