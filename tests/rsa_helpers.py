"""Shared helpers of the RSA family tests (tests/test_benchmark_coggan2024.py, tests/test_benchmark_kiani2007.py)."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from wiringup.scoring.benchmarks.rsa_data import RSAData

FIELDS = ("benchmark_id", "region", "description", "citation", "family", "stimulus_ids", "subject_ids", "target_kind",
          "model_matrix", "comparison", "entries", "ceiling_scheme", "ceiling_transform", "image_degrees",
          "stimulus_meta", "meta")
#: (family, target kind, model matrix, comparison, entries, ceiling transform) of each family's scheme.
SCHEMES = {"coggan2024_fmri": ("similarity", "coggan_rsm", "pearson", "offdiag", "squared_bounded"),
           "kiani2007_rsa92": ("dissimilarity", "correlation_distance", "spearman", "upper", "ratio")}


def assert_same_rsa(a: RSAData, b: RSAData) -> None:
    """Every field, the matrices and the pixels equal (images RGB), and the same summary."""
    for name in FIELDS:
        assert getattr(a, name) == getattr(b, name), name
    np.testing.assert_array_equal(a.targets, b.targets)
    assert len(a.images) == len(b.images)
    assert all(np.array_equal(np.asarray(x), np.asarray(y)) and x.mode == y.mode == "RGB"
               for x, y in zip(a.images, b.images))
    assert a.summary() == b.summary()


def data_folder(data_root: Path, name: str) -> Path:
    """``data_root/name``, or skip the test when that data folder is absent."""
    path = data_root / name
    if not path.is_dir():
        pytest.skip(f"data folder {path} not found; set WIRINGUP_DATA_ROOT")
    return path


def writable_copy(folder: Path, tmp_path: Path) -> Path:
    """A writable copy of a (read-only) data folder, to break files in."""
    dst = tmp_path / folder.name
    shutil.copytree(folder, dst)
    for p in dst.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    return dst


def synthetic_rsa(targets: np.ndarray, family: str, ceiling_scheme: str = "leave_one_subject_out") -> RSAData:
    """A small RSA benchmark of ``family``'s scheme on ``targets`` (subject, stimulus, stimulus), blank images."""
    n = targets.shape[1]
    kind, matrix, comparison, entries, transform = SCHEMES[family]
    return RSAData("Test.X-rsa", "IT", "synthetic", "none", family, [f"s{i}" for i in range(n)],
                   [Image.new("RGB", (8, 8)) for _ in range(n)], targets, [f"sub-{k}" for k in range(len(targets))],
                   kind, matrix, comparison, entries, ceiling_scheme, transform)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """One torch thread for the module (import it into a test module to use it): these small models run fastest
    so, and two threads stall on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
