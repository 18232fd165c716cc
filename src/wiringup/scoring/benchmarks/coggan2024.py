"""Benchmark family ``coggan2024_fmri``: Coggan & Tong (2024), human fMRI RSMs in V1, V2, V4 and IT (9 subjects,
24 images), i.e. Brain-Score's ``tong.Coggan2024_fMRI.{V1,V2,V4,IT}-rdm`` on local files.

The data folder (``<data>/coggan2024_fmri``, see its README) holds ``stimuli/<object>_<condition>.png`` (24
grayscale 224 px images: 8 objects x complete / lower / upper occlusion), ``stimuli.csv`` (one row per stimulus,
in matrix order: ``index, file, stimulus_id, object_name, occlusion_condition, imagenet_*``) and ``rsm.npz`` (36
arrays ``<region>/sub-<k>``, 24 x 24 float64 split-half similarity matrices, not symmetric, plus
``stimulus_order``). :func:`load_coggan2024` reads one region into an
:class:`~wiringup.scoring.benchmarks.rsa_data.RSAData` with Brain-Score's scheme: model RSM by its Coggan ``RSA``
(unit selection, z-score, Pearson between stimuli), Pearson r with each subject over the 552 off-diagonal cells,
mean over subjects; ceiling = mean r of each subject with the mean of the other 8; score = (raw / ceiling)**2
clipped to [0, 1]; stimuli shown at 9 degrees (placed on the model's field as Brain-Score does; scored by
:mod:`wiringup.scoring.rsa_scoring`). See :mod:`wiringup.scoring.rsa` for where we differ (no 24-stimulus
assertion, NaN instead of an assertion when no unit is selected, errors added).
:mod:`wiringup.scoring.brainscore.local_coggan2024` runs brainscore-vision's own benchmark on the same data,
offline, for parity.
"""
from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from wiringup.core.io import WiringupError
from wiringup.scoring.benchmarks import rsa_data
from wiringup.scoring.benchmarks.rsa_data import RSAData, read_images, read_npz, read_table

FAMILY = "coggan2024_fmri"
REGIONS = ("V1", "V2", "V4", "IT")
#: Brain-Score's benchmark id per region (``brainscore_vision/benchmarks/coggan2024_fMRI/__init__.py``).
BENCHMARK_IDS = {r: f"tong.Coggan2024_fMRI.{r}-rdm" for r in REGIONS}
N_STIMULI = 24
N_SUBJECTS = 9
#: The stimuli's size in the experiment (Brain-Score's benchmark passes ``visual_degrees=9``).
IMAGE_DEGREES = 9.0
CSV_COLUMNS = ("index", "file", "stimulus_id", "object_name", "occlusion_condition")
COGGAN2024_CITATION = (
    "Coggan, D. D. & Tong, F. (2024). Evidence of strong amodal completion in both early and high-level visual "
    "cortices. bioRxiv (under review). Data: brain-score/vision, brainscore_vision/data/coggan2024_fMRI (MIT)."
)


def _read_csv(path: Path) -> list[dict[str, str]]:
    rows = read_table(path, "Coggan", CSV_COLUMNS, N_STIMULI)
    for r in rows:
        if r["stimulus_id"] != f"{r['object_name']}_{r['occlusion_condition']}" or \
                Path(r["file"]).stem != r["stimulus_id"]:
            raise WiringupError(f"{path}: row {r['index']}: stimulus_id {r['stimulus_id']!r}, file {r['file']!r}, "
                                f"object {r['object_name']!r} and condition {r['occlusion_condition']!r} disagree")
    return rows


def _read_matrices(path: Path, region: str, order: list[str]) -> tuple[np.ndarray, list[str]]:
    arrays = read_npz(path, "Coggan")
    if "stimulus_order" not in arrays:
        raise WiringupError(f"{path}: array 'stimulus_order' missing (the 24 PNG names in matrix order)")
    stored = [str(s) for s in arrays["stimulus_order"]]
    if stored != order:
        raise WiringupError(f"{path}: stimulus_order {stored[:3]}... does not match the files of stimuli.csv "
                            f"{order[:3]}...; the matrices and the stimulus table must come from the same copy")
    subjects = sorted((k.split("/", 1)[1] for k in arrays if k.startswith(f"{region}/")),
                      key=lambda s: (len(s), s))
    if len(subjects) != N_SUBJECTS:
        raise WiringupError(f"{path}: {len(subjects)} arrays '{region}/<subject>', expected {N_SUBJECTS} (sub-0 "
                            f"... sub-8)")
    mats = []
    for sub in subjects:
        m = arrays[f"{region}/{sub}"]
        if m.shape != (N_STIMULI, N_STIMULI) or not np.issubdtype(m.dtype, np.floating):
            raise WiringupError(f"{path}: array '{region}/{sub}' has shape {m.shape} and dtype {m.dtype}; expected "
                                f"a {N_STIMULI} x {N_STIMULI} float matrix")
        if not np.isfinite(m).all():
            raise WiringupError(f"{path}: array '{region}/{sub}' holds NaN or infinite values")
        mats.append(m.astype(np.float64))
    return np.stack(mats), subjects


def load_coggan2024(path: Path, region: str | None = None) -> RSAData:
    """Load one region (``V1``, ``V2``, ``V4`` or ``IT``) of the Coggan & Tong (2024) fMRI data from its folder;
    benchmark id ``tong.Coggan2024_fMRI.<region>-rdm`` (Brain-Score's). Images are converted to RGB (lossless:
    Brain-Score reads the grayscale PNGs as RGB too)."""
    path = Path(path)
    if region not in REGIONS:
        raise WiringupError(f"{path}: Coggan2024 region must be one of {REGIONS}, got {region!r}; set the "
                            "benchmark's region in the config")
    if not path.is_dir():
        raise WiringupError(f"{path}: Coggan2024 folder not found; point the benchmark path at "
                            "<data>/coggan2024_fmri")
    rows = _read_csv(path / "stimuli.csv")
    targets, subjects = _read_matrices(path / "rsm.npz", region, [Path(r["file"]).name for r in rows])
    images = read_images(path, [r["file"] for r in rows], "stimuli.csv")
    description = (
        f"Brain-Score's tong.Coggan2024_fMRI.{region}-rdm on local files: human fMRI representational similarity "
        f"matrices of {region} in {N_SUBJECTS} subjects (Coggan & Tong 2024), {N_STIMULI} images (8 objects, "
        "complete or half occluded by bars) shown at 9 degrees. Model RSM from the region's layer with "
        "Brain-Score's unit selection and z-scoring, Pearson r with each subject over the off-diagonal cells, "
        "mean over subjects; ceiling = leave-one-subject-out consistency; score = (raw / ceiling)^2 in [0, 1].")
    return RSAData(
        benchmark_id=BENCHMARK_IDS[region], region=region, description=description,
        citation=COGGAN2024_CITATION, family=FAMILY, stimulus_ids=[r["stimulus_id"] for r in rows],
        images=images, targets=targets, subject_ids=subjects, target_kind="similarity", model_matrix="coggan_rsm",
        comparison="pearson", entries="offdiag", ceiling_scheme="leave_one_subject_out",
        ceiling_transform="squared_bounded", image_degrees=IMAGE_DEGREES,
        stimulus_meta={"object_name": [r["object_name"] for r in rows],
                       "occlusion_condition": [r["occlusion_condition"] for r in rows]},
        meta={"rsm_file": str(path / "rsm.npz"), "stimuli_file": str(path / "stimuli.csv"),
              "brainscore_benchmark": BENCHMARK_IDS[region], "brainscore_dataset": "Coggan2024_fMRI"})


#: Packaging (:mod:`wiringup.scoring.benchmarks.rsa_data`, one self-contained netCDF4 file), bound to this family
#: (attr ``family`` = ``coggan2024_fmri``; loading refuses another family's file).
to_dataset = partial(rsa_data.to_dataset, family=FAMILY)
from_dataset = partial(rsa_data.from_dataset, family=FAMILY)
package_coggan2024 = partial(rsa_data.package_rsa, family=FAMILY)
load_packaged_coggan2024 = partial(rsa_data.load_packaged_rsa, family=FAMILY)


def score_coggan2024(model: Any, data: RSAData, layer: str, input_size: int, batch_size: int = 64,
                     device: str = "cpu", seed: int = 0, visual_degrees: float = 8) -> dict[str, Any]:
    """Score ``layer`` (the region's layer) on a Coggan2024 benchmark: :func:`wiringup.scoring.rsa_scoring.score_rsa`
    (stimuli placed from 9 degrees onto the model's ``visual_degrees``, 8 in the paper)."""
    from wiringup.scoring.rsa_scoring import score_rsa  # torch only when scoring

    return score_rsa(model, data, layer, input_size, batch_size=batch_size, device=device, seed=seed,
                     visual_degrees=visual_degrees)


SCORER = score_coggan2024
