"""Tests for the ``kiani2007_rsa92`` family: RSA on the 92 images, monkey IT (Kiani2007.IT-rsa92, no ceiling) and
human IT fMRI (Kriegeskorte2008.IT-rsa92, leave-one-subject-out ceiling). These are NOT Brain-Score benchmarks:
brainscore-vision ships nothing on these data, so there is no parity test (one test checks that it ships none).

Real-data tests read ``$WIRINGUP_DATA_ROOT`` (default ``<repo>/../shared/data``) and are skipped without it.
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.distance import pdist, squareform
from scipy.stats import rankdata

from rsa_helpers import assert_same_rsa, data_folder, one_thread, synthetic_rsa, writable_copy  # noqa: F401 (fixture)
from wiringup.core.io import WiringupError
from wiringup.nets.registry import REGION_LAYERS, build_model
from wiringup.scoring.benchmarks import kiani2007 as kn
from wiringup.scoring.benchmarks.registry import load_benchmark
from wiringup.scoring.rsa_scoring import score_rsa_features


@pytest.fixture(scope="module")
def folder(data_root):
    return data_folder(data_root, "kiani2007_rsa92")


@pytest.fixture(scope="module")
def datas(folder):
    return {t: kn.load_kiani2007(folder, "IT", target=t) for t in kn.TARGETS}


# ----------------------------------------------------------------------- independent re-implementations

def _spearman(a, b):
    """Spearman rho as the Pearson r of average ranks."""
    ra, rb = rankdata(a) - (len(a) + 1) / 2, rankdata(b) - (len(b) + 1) / 2
    return float((ra * rb).sum() / np.sqrt((ra * ra).sum() * (rb * rb).sum()))


def _upper(m):
    return squareform(m, checks=False)  # the condensed upper triangle, row-major


# ------------------------------------------------------------------------------------ metric and ceiling

def test_human_ceiling_recomputed_independently(folder, datas):
    with np.load(folder / "rdms.npz", allow_pickle=False) as z:
        sessions = z["human_IT_sessions"].astype(np.float64)
    subjects = sessions.mean(axis=1)
    per = [_spearman(_upper(subjects[s]), _upper(np.delete(subjects, s, axis=0).mean(axis=0))) for s in range(4)]
    d = datas["human"]
    ceil = d.ceiling()
    assert d.benchmark_id == "Kriegeskorte2008.IT-rsa92" and d.subject_ids == ["BE", "KO", "SN", "TI"]
    np.testing.assert_allclose(ceil["per_subject"], per, atol=1e-12)
    assert ceil["ceiling"] == pytest.approx(np.mean(per), abs=1e-12)
    assert ceil["ceiling"] == pytest.approx(0.3786, abs=1e-4)  # measured once, 2026-12-03
    assert ceil["upper"] == pytest.approx(np.mean([_spearman(_upper(subjects[s]), _upper(subjects.mean(axis=0)))
                                                   for s in range(4)]), abs=1e-12)
    reliability = [_spearman(_upper(sessions[s, 0]), _upper(sessions[s, 1])) for s in range(4)]
    np.testing.assert_allclose(list(d.meta["session_reliability"].values()), reliability, atol=1e-12)


def test_monkey_benchmark_has_no_ceiling(datas):
    d = datas["monkey"]
    assert d.benchmark_id == "Kiani2007.IT-rsa92" and d.n_subjects == 1 and d.ceiling_scheme == "none"
    s = d.summary()
    assert s["ceiling"] is None and "single target matrix" in s["ceiling_reason"]
    assert "NOT a Brain-Score benchmark" in d.description and d.meta["brainscore_benchmark"] is None
    assert d.targets.shape == (1, 92, 92) and (d.targets >= 0.5).sum() == 92 * 91  # correlation distances


def test_known_score_on_a_small_case():
    """Hand-checkable: the model RDM is scipy's correlation distance (pdist), the comparison Spearman's rho."""
    rng = np.random.default_rng(0)
    features = rng.standard_normal((7, 30)).astype(np.float32)
    model = squareform(pdist(features.astype(np.float64), "correlation"))
    targets = np.stack([model + np.abs(rng.standard_normal((7, 7))) * 0.2 for _ in range(3)])
    targets = (targets + targets.transpose(0, 2, 1)) / 2
    for t in targets:
        np.fill_diagonal(t, 0)
    out = score_rsa_features(features, synthetic_rsa(targets, kn.FAMILY))
    raws = [_spearman(_upper(t), _upper(model)) for t in targets]
    assert out["per_subject_raw"] == pytest.approx(raws, abs=1e-9)
    ceiling = np.mean([_spearman(_upper(targets[s]), _upper(np.delete(targets, s, axis=0).mean(axis=0)))
                       for s in range(3)])
    assert out["ceiling"] == pytest.approx(ceiling, abs=1e-12)
    assert out["score"] == pytest.approx(np.mean(raws) / ceiling, abs=1e-9)  # ratio, not squared
    assert out["error"] == pytest.approx(out["raw_error"] / ceiling)
    assert out["n_units_used"] == 30 and out["comparison"] == "spearman"

    exact = score_rsa_features(features, synthetic_rsa(model[None], kn.FAMILY, "none"))  # one matrix: raw only
    assert exact["raw"] == pytest.approx(1.0) and exact["score"] is None and exact["ceiling"] is None
    assert exact["raw_error"] is None and exact["error"] is None
    # three stimuli by hand: x0 = -x1 (distance 2), x2 nearly x0 (1 - r = 0.0179...), so x2 - x1 is 1.982...
    by_hand = np.array([[1, 2, 3, 4], [-1, -2, -3, -4], [1, 2, 3, 4.5]], dtype=np.float32)
    target = np.array([[0, 3, 1], [3, 0, 2], [1, 2, 0]], dtype=float)  # ranks 3 > 2 > 1, as the model's
    by_hand_out = score_rsa_features(by_hand, synthetic_rsa(target[None], kn.FAMILY, "none"))
    assert by_hand_out["raw"] == pytest.approx(1.0)
    flat = np.zeros((7, 30), np.float32)  # constant feature vectors: undefined correlation distance
    undefined = score_rsa_features(flat, synthetic_rsa(targets, kn.FAMILY))
    assert np.isnan(undefined["raw"]) and np.isnan(undefined["score"]) and "undefined" in undefined["note"]


# ---------------------------------------------------------------------------------- loader and packaging

@pytest.fixture
def copy_of(folder, tmp_path):
    return writable_copy(folder, tmp_path)


def test_malformed_files_refused_naming_them(copy_of):
    rdms, csv_path = copy_of / "rdms.npz", copy_of / "categories.csv"
    with pytest.raises(WiringupError, match="region 'V4'"):
        kn.load_kiani2007(copy_of, "V4")
    with pytest.raises(WiringupError, match="target must be one of"):
        kn.load_kiani2007(copy_of, "IT", target="rat")
    original = rdms.read_bytes()
    with np.load(rdms, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    for name, change, message in (
            ("monkey_IT", lambda a: a + np.triu(np.ones_like(a), 1) * 1e-3, "'monkey_IT' is not a symmetric"),
            ("human_IT_sessions", lambda a: a[:, :1], r"human_IT_sessions has shape \(4, 1, 92, 92\)"),
            ("human_IT", lambda a: a * 1.01, "human_IT is not the mean"),
            ("monkey_IT", lambda a: a[:90, :90], "'monkey_IT' has shape")):
        rdms.unlink()
        np.savez(rdms, **{**arrays, name: change(arrays[name])})
        with pytest.raises(WiringupError, match=r"rdms\.npz.*" + message):
            kn.load_kiani2007(copy_of, "IT")
    rdms.write_bytes(original)
    text = csv_path.read_text()
    csv_path.write_text(text.replace("\n3,", "\n4,", 1))
    with pytest.raises(WiringupError, match=r"categories\.csv.*'index' must run"):
        kn.load_kiani2007(copy_of, "IT")
    csv_path.write_text(text)
    (copy_of / "stimuli" / "050.png").write_bytes(b"garbage")
    with pytest.raises(WiringupError, match=r"050\.png.*not a readable image"):
        kn.load_kiani2007(copy_of, "IT", target="human")


def test_packaging_round_trip_and_registry(datas, folder, tmp_path):
    for target, d in datas.items():
        ds = kn.to_dataset(d)
        assert ds.attrs["family"] == "kiani2007_rsa92"
        assert_same_rsa(kn.from_dataset(ds), d)
        path = kn.package_kiani2007(d, tmp_path / f"{target}.nc")
        assert_same_rsa(kn.load_packaged_kiani2007(path, region="IT"), d)
        assert_same_rsa(load_benchmark("kiani2007_rsa92", folder, region="IT", target=target), d)
    assert kn.SCORER is kn.score_kiani2007


def test_no_brainscore_counterpart():
    """Brain-Score registers no benchmark on these data (so there is nothing to check parity against)."""
    spec = importlib.util.find_spec("brainscore_vision")
    if spec is None or spec.origin is None:
        pytest.skip("brainscore_vision not installed")
    registered = set()
    for init in (Path(spec.origin).parent / "benchmarks").glob("*/__init__.py"):
        registered |= set(re.findall(r"benchmark_registry\[['\"]([^'\"]+)['\"]\]", init.read_text()))
    assert registered and not [b for b in registered if re.search(r"kiani|kriegeskorte|rsa92|92", b, re.I)]
    assert not set(kn.BENCHMARK_IDS.values()) & registered


def test_scored_at_the_default_model(datas):
    model = build_model("cornet_s", seed=0, width=0.25, num_classes=10)  # the embedded default's model, 64 px
    monkey = kn.score_kiani2007(model, datas["monkey"], REGION_LAYERS["cornet_s"]["IT"], 64)
    human = kn.score_kiani2007(model, datas["human"], REGION_LAYERS["cornet_s"]["IT"], 64)
    assert monkey["score"] is None and monkey["ceiling"] is None and np.isfinite(monkey["raw"])
    assert monkey["ceiling_scheme"] == "none" and monkey["benchmark_id"] == "Kiani2007.IT-rsa92"
    assert np.isfinite(human["score"]) and human["score"] == pytest.approx(human["raw"] / human["ceiling"])
    assert human["n_stimuli"] == 92 and human["n_subjects"] == 4 and human["visual_degrees"] is None
