"""Benchmark family ``cowley2023``: one recording session of Cowley, Stan, Pillow & Smith (2023), macaque V4.

A session folder holds ``images.zip`` (``image0001.jpg`` ... in response order) and ``responses_raw.npy``
(neurons x images x repeats, NaN-padded) and/or ``responses_avg.npy`` (neurons x images); any such folder is a
benchmark ``Cowley2023.<folder name>.V4-pls`` (see :mod:`wiringup.scoring.benchmarks`), scored by
:func:`wiringup.scoring.neural.score_neural`: the whole image resized to the model's input, Brain-Score's random
split-half ceiling, or none for a session with trial averages only (then the score is the unceiled raw r).

Brain-Score's own definition of a Cowley benchmark (``Cowley2026.V4-pls``: several sessions, each ceiled over
alternating repetition halves, the ceiled scores averaged) is the family
:mod:`wiringup.scoring.benchmarks.cowley2023_sessions` (``Cowley2023.sessions.V4-pls``), built on these sessions.
"""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

from wiringup.core.io import WiringupError
from wiringup.scoring.benchmarks.neural_data import NeuralData


COWLEY2023_CITATION = (
    "Cowley, B. R., Stan, P. L., Pillow, J. W. & Smith, M. A. (2023). Compact deep neural network models of "
    "visual cortex. bioRxiv. Data: github.com/cowleygroup/V4_compact_models (GPL-3.0)."
)


def _read_zip_images(path: Path) -> tuple[list[str], list[Image.Image]]:
    """Read every ``*.jpg``/``*.png`` member of a zip into RGB PIL images, ordered by name (no extraction)."""
    if not path.is_file():
        raise WiringupError(f"{path}: file not found; each session folder needs its images.zip")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise WiringupError(f"{path}: not a readable zip file ({exc}); replace it with an intact copy") from None
    with archive:
        names = sorted(n for n in archive.namelist()
                       if not n.endswith("/") and n.lower().endswith((".jpg", ".jpeg", ".png")))
        if not names:
            raise WiringupError(f"{path}: holds no .jpg/.png images")
        ids, images = [], []
        for name in names:
            try:
                with Image.open(io.BytesIO(archive.read(name))) as img:
                    images.append(img.convert("RGB"))
            except Exception as exc:  # noqa: BLE001 -- any decode failure is a data problem
                raise WiringupError(f"{path}: member {name} is not a readable image ({exc})") from None
            ids.append(Path(name).stem)
    return ids, images


def _check_image_order(path: Path, ids: list[str]) -> None:
    """Cowley images are image0001..imageNNNN; the response order relies on it."""
    numbers = []
    for sid in ids:
        m = re.fullmatch(r"image(\d+)", sid)
        if m is None:
            raise WiringupError(f"{path}: unexpected member name {sid!r}; expected image0001.jpg, image0002.jpg, "
                                "... in response order")
        numbers.append(int(m.group(1)))
    if numbers != list(range(1, len(ids) + 1)):
        raise WiringupError(f"{path}: image numbers are not 1..{len(ids)} without gaps, so they cannot be matched "
                            "to the response rows; restore the original images.zip")


def _load_npy(path: Path) -> np.ndarray:
    try:
        arr = np.load(path, allow_pickle=False)
    except Exception as exc:  # noqa: BLE001
        raise WiringupError(f"{path}: not a readable .npy array ({exc})") from None
    if not np.issubdtype(arr.dtype, np.number):
        raise WiringupError(f"{path}: dtype {arr.dtype} is not numeric")
    return arr.astype(np.float64, copy=False)


def load_cowley2023(session_dir: Path, region: str = "V4") -> NeuralData:
    """Load one session folder of the Cowley et al. (2023) V4 data.

    The folder holds ``images.zip`` (``image0001.jpg`` ... in response order, read without extraction) and
    ``responses_raw.npy`` (neurons x images x repeats, NaN-padded) and/or ``responses_avg.npy``
    (neurons x images). The raw file is preferred; with only the average, the repeat axis has length 1 and no
    split-half ceiling can be computed.
    """
    session_dir = Path(session_dir)
    if region != "V4":
        raise WiringupError(f"{session_dir}: the Cowley et al. (2023) data are V4 recordings, but region "
                            f"{region!r} was requested; set the benchmark's region to V4 in the config")
    if not session_dir.is_dir():
        raise WiringupError(f"{session_dir}: session folder not found; point the benchmark path at a folder "
                            "such as <data>/cowley2023_v4/210325")
    session = session_dir.name
    zip_path = session_dir / "images.zip"
    raw_path = session_dir / "responses_raw.npy"
    avg_path = session_dir / "responses_avg.npy"

    if raw_path.is_file():
        resp_path = raw_path
        responses = _load_npy(raw_path)
        if responses.ndim != 3:
            raise WiringupError(f"{raw_path}: expected 3 dimensions (neurons x images x repeats), got shape "
                                f"{responses.shape}")
        if np.isinf(responses).any():
            raise WiringupError(f"{raw_path}: contains infinite values; only finite spike counts and NaN "
                                "(missing repeat) are allowed")
    elif avg_path.is_file():
        resp_path = avg_path
        responses = _load_npy(avg_path)
        if responses.ndim != 2:
            raise WiringupError(f"{avg_path}: expected 2 dimensions (neurons x images), got shape "
                                f"{responses.shape}")
        if not np.isfinite(responses).all():
            raise WiringupError(f"{avg_path}: contains NaN or infinite values; trial averages must all be finite")
        responses = responses[:, :, None]
    else:
        raise WiringupError(f"{session_dir}: neither responses_raw.npy nor responses_avg.npy found; a Cowley "
                            "session folder needs one of them")

    n_neurons, n_images, _ = responses.shape
    if n_neurons == 0 or n_images == 0:
        raise WiringupError(f"{resp_path}: empty array of shape {responses.shape}")
    present = ~np.isnan(responses)
    dead = np.flatnonzero(~present.any(axis=(1, 2)))
    if dead.size:
        raise WiringupError(f"{resp_path}: neuron(s) {dead[:10].tolist()} have no response at all (all NaN); "
                            "remove them from the file")
    empty = np.flatnonzero(~present.any(axis=(0, 2)))
    if empty.size:
        raise WiringupError(f"{resp_path}: image(s) {(empty[:10] + 1).tolist()} (1-based) have no response at "
                            "all (all NaN); remove them and their images")
    holes = np.argwhere(~present.any(axis=2))
    if holes.size:
        n, i = holes[0]
        raise WiringupError(f"{resp_path}: {len(holes)} neuron/image pair(s) have no repeat at all, e.g. neuron "
                            f"{n}, image {i + 1}; every neuron needs a response to every image")

    if resp_path == raw_path and avg_path.is_file():
        avg = _load_npy(avg_path)
        mean = np.nanmean(responses, axis=2)
        if avg.shape != mean.shape or not np.allclose(avg, mean, rtol=1e-6, atol=1e-6):
            raise WiringupError(f"{avg_path}: does not equal the repeat average of {raw_path.name} (shapes "
                                f"{avg.shape} vs {mean.shape}); the two files come from different sessions or "
                                "one is corrupt")

    ids, images = _read_zip_images(zip_path)
    _check_image_order(zip_path, ids)
    if len(images) != n_images:
        raise WiringupError(f"{zip_path}: holds {len(images)} images but {resp_path.name} has responses to "
                            f"{n_images}; the images and responses must come from the same session")

    n_rep = present.sum(axis=2)
    has_repeats = resp_path == raw_path and int(n_rep.max()) >= 2
    description = (
        f"Local V4 benchmark on Cowley et al. (2023), session {session}: {n_neurons} macaque V4 neurons, "
        f"{n_images} images (112x112 RGB, no visual-degree size; the whole image is resized to the model's input "
        "size), spike counts in 100 ms bins, "
        + (f"{int(n_rep.min())}-{int(n_rep.max())} repeats per image, ceiled by split-half internal consistency"
           if has_repeats else "trial averages only (no repeats, so no split-half ceiling): the score is the "
           "UNCEILED raw PLS correlation")
        + ". Scored with a re-implementation of Brain-Score's PLS neural predictivity. This is NOT Brain-Score's "
        "V4 benchmark (MajajHong2015.V4-pls); its scores are not comparable with the paper's V4 numbers."
    )
    return NeuralData(
        benchmark_id=f"Cowley2023.{session}.{region}-pls",
        region=region,
        description=description,
        citation=COWLEY2023_CITATION,
        stimulus_ids=ids,
        images=images,
        responses=responses,
        meta={"session": session, "responses_file": str(resp_path), "images_file": str(zip_path),
              "has_repeats": resp_path == raw_path},
        neuroid_ids=[f"{session}.n{i:03d}" for i in range(n_neurons)],
        cv_scheme="shuffle",
        ceiling_scheme="internal_consistency" if has_repeats else "none",
        image_degrees=None,
        time_bin=None,
    )
