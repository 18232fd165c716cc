"""Benchmark family ``kiani2007_rsa92``: RSA on the "92 images" of Kiani et al. (2007) / Kriegeskorte et al.
(2008), IT. A local benchmark, **not** a Brain-Score benchmark: Brain-Score ships nothing on these data, so there
is no brainscore-vision counterpart and no parity check.

The data folder (``<data>/kiani2007_rsa92``, see its README) holds ``stimuli/000.png`` ... ``091.png`` (175 px RGB,
isolated objects on gray; the number is the matrix row), ``categories.csv`` (``index, file, category``, ...) and
``rdms.npz``: ``monkey_IT`` (92 x 92 correlation-distance RDM of 674 IT neurons in two monkeys),
``human_IT_sessions`` (4 subjects x 2 sessions x 92 x 92, human IT fMRI), ``human_IT_subjects``, ``human_IT``
(their mean) and ``behaviour`` (not used). :func:`load_kiani2007` makes one of two benchmarks (``target``):

``monkey`` -> ``Kiani2007.IT-rsa92``
    Target: the monkey IT RDM. There is one matrix, with no repeats or split halves, so no noise ceiling can be
    computed (the human IT matrices measure another species with another method: they are no ceiling for it).
    ``ceiling_scheme="none"``: the score is None and the raw Spearman rho is reported; the pipeline excludes it
    from ceiled region means.
``human`` -> ``Kriegeskorte2008.IT-rsa92``
    Target: the 4 human subjects' IT RDMs (each the mean of its 2 sessions). Raw = mean over subjects of the
    Spearman rho between the model RDM and the subject's RDM; ceiling = the lower bound of Nili et al.'s (2014)
    noise ceiling, the mean over subjects of rho(subject, mean of the other 3); score = raw / ceiling (unclipped:
    the lower bound can be exceeded). The upper bound and each subject's session-1 vs session-2 rho are reported
    too (``ceiling_upper``, ``meta['session_reliability']``).

Both: model RDM = 1 - Pearson r between the stimuli's feature vectors over all units of the layer (correlation
distance, as the brain RDMs), compared over the 4,186 upper-triangle cells by Spearman's rho (Kriegeskorte et al.
2008). The images carry no visual-degree size here, so the whole image is resized to the model's input (as for the
other local benchmarks without one).
"""
from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from wiringup.core.io import WiringupError
from wiringup.scoring.benchmarks import rsa_data
from wiringup.scoring.benchmarks.rsa_data import RSAData, read_images, read_npz, read_table
from wiringup.scoring.rsa import compare, matrix_entries

FAMILY = "kiani2007_rsa92"
TARGETS = ("monkey", "human")
BENCHMARK_IDS = {"monkey": "Kiani2007.IT-rsa92", "human": "Kriegeskorte2008.IT-rsa92"}
N_STIMULI = 92
KIANI2007_CITATION = (
    "Kiani, R., Esteky, H., Mirpour, K. & Tanaka, K. (2007). Object category structure in response patterns of "
    "neuronal population in monkey inferior temporal cortex. J. Neurophysiol. 97, 4296-4309; Kriegeskorte, N., "
    "Mur, M., Ruff, D. A., Kiani, R., Bodurka, J., Esteky, H., Tanaka, K. & Bandettini, P. A. (2008). Matching "
    "categorical object representations in inferior temporal cortex of man and monkey. Neuron 60, 1126-1141. "
    "Data: rsagroup/rsatoolbox, demos/92imageData (MIT)."
)


def _check_rdm(path: Path, name: str, m: np.ndarray, tol: float = 1e-6) -> None:
    """A correlation-distance RDM: 92 x 92, finite, symmetric, zero diagonal."""
    if m.shape[-2:] != (N_STIMULI, N_STIMULI) or not np.issubdtype(m.dtype, np.floating):
        raise WiringupError(f"{path}: array {name!r} has shape {m.shape} and dtype {m.dtype}; expected "
                            f"{N_STIMULI} x {N_STIMULI} float matrices")
    if not np.isfinite(m).all():
        raise WiringupError(f"{path}: array {name!r} holds NaN or infinite values")
    if np.abs(m - np.swapaxes(m, -1, -2)).max() > tol or np.abs(np.diagonal(m, axis1=-2, axis2=-1)).max() > tol:
        raise WiringupError(f"{path}: array {name!r} is not a symmetric RDM with a zero diagonal")


def _read_rdms(path: Path) -> dict[str, np.ndarray]:
    arrays = read_npz(path, "Kiani")
    missing = [k for k in ("monkey_IT", "human_IT", "human_IT_sessions", "human_IT_subjects") if k not in arrays]
    if missing:
        raise WiringupError(f"{path}: arrays {missing} missing")
    _check_rdm(path, "monkey_IT", arrays["monkey_IT"])
    _check_rdm(path, "human_IT", arrays["human_IT"])
    sessions, subjects = arrays["human_IT_sessions"], arrays["human_IT_subjects"]
    if sessions.ndim != 4 or sessions.shape[1] != 2 or subjects.shape != (sessions.shape[0],):
        raise WiringupError(f"{path}: human_IT_sessions has shape {sessions.shape} and human_IT_subjects "
                            f"{subjects.shape}; expected (subject, 2 sessions, 92, 92) and one code per subject")
    _check_rdm(path, "human_IT_sessions", sessions, tol=1e-4)
    if np.abs(sessions.astype(np.float64).mean(axis=(0, 1)) - arrays["human_IT"]).max() > 1e-5:
        raise WiringupError(f"{path}: human_IT is not the mean of human_IT_sessions; the file is inconsistent")
    return arrays


def load_kiani2007(path: Path, region: str | None = None, target: str = "monkey") -> RSAData:
    """Load the 92-image IT benchmark from its folder (``region`` IT or None): ``target="monkey"``
    (``Kiani2007.IT-rsa92``, monkey IT RDM, no ceiling) or ``"human"`` (``Kriegeskorte2008.IT-rsa92``, 4 human
    subjects, leave-one-subject-out ceiling); see the module docstring. Not Brain-Score benchmarks."""
    path = Path(path)
    if region not in (None, "IT"):
        raise WiringupError(f"{path}: the 92-image RDMs are IT data, but region {region!r} was requested; set the "
                            "benchmark's region to IT in the config")
    if target not in TARGETS:
        raise WiringupError(f"{path}: Kiani2007 target must be one of {TARGETS}, got {target!r}; fix the "
                            "benchmark's target key in the config")
    if not path.is_dir():
        raise WiringupError(f"{path}: Kiani2007 folder not found; point the benchmark path at <data>/kiani2007_rsa92")
    arrays = _read_rdms(path / "rdms.npz")
    rows = read_table(path / "categories.csv", "Kiani", ("index", "file", "category"), N_STIMULI)
    images = read_images(path, [r["file"] for r in rows], "categories.csv")
    human_mean = arrays["human_IT_sessions"].astype(np.float64).mean(axis=(0, 1))
    meta: dict[str, Any] = {"rdms_file": str(path / "rdms.npz"), "images_folder": str(path / "stimuli"),
                            "brainscore_benchmark": None,
                            # cross-species reference, not a ceiling: Spearman rho of monkey IT with mean human IT
                            "monkey_vs_human_rho": compare(matrix_entries(arrays["monkey_IT"], "upper"),
                                                           matrix_entries(human_mean, "upper"), "spearman")}
    if target == "monkey":
        targets, subjects, ceiling_scheme = arrays["monkey_IT"][None].astype(np.float64), ["monkeys"], "none"
        what = ("the monkey IT RDM of Kiani et al. (2007), 674 neurons in 2 monkeys; one matrix, so no ceiling: the "
                "score is the UNCEILED raw Spearman rho")
    else:
        sessions = arrays["human_IT_sessions"].astype(np.float64)
        targets, ceiling_scheme = sessions.mean(axis=1), "leave_one_subject_out"
        subjects = [str(s) for s in arrays["human_IT_subjects"]]
        meta["session_reliability"] = {
            s: compare(matrix_entries(sessions[i, 0], "upper"), matrix_entries(sessions[i, 1], "upper"), "spearman")
            for i, s in enumerate(subjects)}
        what = (f"the human IT fMRI RDMs of Kriegeskorte et al. (2008), {len(subjects)} subjects (each the mean of "
                "2 sessions); ceiling = lower bound of the noise ceiling (each subject vs the mean of the others), "
                "score = raw / ceiling")
    description = (
        f"Local IT benchmark on the 92 images (isolated objects; no visual-degree size, the whole image is resized "
        f"to the model's input): {what}. Model RDM = 1 - Pearson r between stimulus feature vectors of the IT "
        "layer, compared by Spearman rho over the upper triangle (mean over subjects). NOT a Brain-Score "
        "benchmark: Brain-Score ships nothing on these data.")
    return RSAData(
        benchmark_id=BENCHMARK_IDS[target], region="IT", description=description, citation=KIANI2007_CITATION,
        family=FAMILY, stimulus_ids=[Path(r["file"]).stem for r in rows], images=images, targets=targets,
        subject_ids=subjects, target_kind="dissimilarity", model_matrix="correlation_distance",
        comparison="spearman", entries="upper", ceiling_scheme=ceiling_scheme, ceiling_transform="ratio",
        image_degrees=None, stimulus_meta={"category": [r["category"] for r in rows]}, meta=meta)


#: Packaging (:mod:`wiringup.scoring.benchmarks.rsa_data`, one self-contained netCDF4 file), bound to this family
#: (attr ``family`` = ``kiani2007_rsa92``; loading refuses another family's file).
to_dataset = partial(rsa_data.to_dataset, family=FAMILY)
from_dataset = partial(rsa_data.from_dataset, family=FAMILY)
package_kiani2007 = partial(rsa_data.package_rsa, family=FAMILY)
load_packaged_kiani2007 = partial(rsa_data.load_packaged_rsa, family=FAMILY)


def score_kiani2007(model: Any, data: RSAData, layer: str, input_size: int, batch_size: int = 64,
                    device: str = "cpu", seed: int = 0, visual_degrees: float = 8) -> dict[str, Any]:
    """Score ``layer`` (the IT layer) on a 92-image benchmark: :func:`wiringup.scoring.rsa_scoring.score_rsa`
    (``visual_degrees`` is accepted for one signature across families, and unused: the images have no known size)."""
    from wiringup.scoring.rsa_scoring import score_rsa  # torch only when scoring

    return score_rsa(model, data, layer, input_size, batch_size=batch_size, device=device, seed=seed,
                     visual_degrees=visual_degrees)


SCORER = score_kiani2007
