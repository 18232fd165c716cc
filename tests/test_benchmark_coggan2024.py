"""Tests for the ``coggan2024_fmri`` family (Brain-Score's tong.Coggan2024_fMRI.{V1,V2,V4,IT}-rdm on local files)
and the shared RSA metric (wiringup.scoring.rsa): ceilings and scores recomputed independently, malformed files
refused, the packaging round trip, screen placement and parity with brainscore-vision's own benchmark, offline.

Real-data tests read ``$WIRINGUP_DATA_ROOT`` (default ``<repo>/../shared/data``) and are skipped without it.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from rsa_helpers import assert_same_rsa, data_folder, one_thread, synthetic_rsa, writable_copy  # noqa: F401 (fixture)
from wiringup.core.io import WiringupError
from wiringup.nets.registry import REGION_LAYERS, build_model
from wiringup.scoring.benchmarks import coggan2024 as cg
from wiringup.scoring.benchmarks.registry import load_benchmark
from wiringup.scoring.benchmarks.rsa_data import RSAData
from wiringup.scoring.rsa import coggan_rsm
from wiringup.scoring.rsa_scoring import score_rsa_features
from wiringup.scoring.screen import place_on_screen

#: Ceilings measured in ../shared/docs/BRAINSCORE_LOCAL.md with brainscore-vision's own benchmark.
BRAINSCORE_CEILINGS = {"V1": 0.448, "V2": 0.449, "V4": 0.335, "IT": 0.240}
SIZE = 64  # the embedded default's input size
WIDTH = 0.25  # the embedded default's CORnet-S width


@pytest.fixture(scope="module")
def folder(data_root):
    return data_folder(data_root, "coggan2024_fmri")


@pytest.fixture(scope="module")
def datas(folder):
    return {r: cg.load_coggan2024(folder, r) for r in cg.REGIONS}


# ------------------------------------------------------------------------- independent re-implementations

def _pearson(a, b):
    a, b = np.asarray(a, float) - np.mean(a), np.asarray(b, float) - np.mean(b)
    return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))


def _offdiag(m):
    n = len(m)
    return [m[i][j] for i in range(n) for j in range(n) if i != j]


def _ceiling(targets):
    """Each subject against the mean of the others, over the off-diagonal cells, averaged (loops)."""
    n = len(targets)
    return float(np.mean([_pearson(_offdiag(targets[s]), _offdiag(np.mean([targets[i] for i in range(n) if i != s],
                                                                           axis=0))) for s in range(n)]))


def _rsm(features):
    """The Coggan RSA, unit by unit: drop constant units, keep |mean| > 3.1 SD of unit means, z-score, Pearson."""
    x = np.asarray(features, dtype=np.float64)
    units = [x[:, j] for j in range(x.shape[1]) if x[:, j].max() != x[:, j].min()]
    means = np.array([u.mean() for u in units])
    kept = [(u - u.mean()) / u.std() for u, m in zip(units, means) if abs(m) > 3.1 * means.std()]
    z = np.stack(kept, axis=1)
    return np.array([[_pearson(z[i], z[j]) for j in range(len(z))] for i in range(len(z))]), len(kept)


def _features(rng, n=8, d=120):
    """Features whose selection is non-trivial: a few units with a large mean, many near zero, one constant."""
    f = rng.standard_normal((n, d)) * 0.5
    f[:, :5] += np.array([10.0, -11.0, 12.0, 10.5, -10.0])
    f[:, 5] = 3.0
    return f.astype(np.float32)


# ------------------------------------------------------------------------------------ metric and ceiling

def test_ceilings_recomputed_independently(datas):
    for region, d in datas.items():
        ceil = d.ceiling()
        assert ceil["ceiling"] == pytest.approx(_ceiling(d.targets), abs=1e-12)
        assert ceil["ceiling"] == pytest.approx(BRAINSCORE_CEILINGS[region], abs=5e-4)
        assert ceil["upper"] > ceil["ceiling"]
        assert d.summary()["ceiling"] == ceil["ceiling"]
        assert (d.n_stimuli, d.n_subjects, d.benchmark_id) == (24, 9, f"tong.Coggan2024_fMRI.{region}-rdm")


def test_coggan_rsm_matches_unit_by_unit_version():
    f = _features(np.random.default_rng(0))
    ours, n_units = coggan_rsm(f)
    ref, n_ref = _rsm(f)
    assert n_units == n_ref == 5  # the constant unit and the near-zero units are out
    np.testing.assert_allclose(ours, ref, atol=1e-5)  # ours z-scores in float32, as Brain-Score
    nothing, zero = coggan_rsm(np.zeros((4, 3), np.float32))
    assert zero == 0 and np.isnan(nothing).all()


def test_a_constant_unit_that_float32_rounding_lets_through_is_named_in_the_note():
    """A unit with one value over all stimuli can pass the `std != 0` filter by float32 rounding (the strided
    reduction gives 1.5e-7, a copy of the column 0): Brain-Score's expressions then z-score it to NaN, and so do
    ours (parity); the score's note says why instead of a generic 'undefined'."""
    from wiringup.scoring.rsa import coggan_constant_selected

    rng = np.random.default_rng(0)
    f = np.abs(rng.standard_normal((24, 300))).astype(np.float32) * 0.01
    f[:, 0] = np.float32(0.4953761)                      # constant, large mean: selected
    f[:, 1:5] = rng.standard_normal((24, 4)).astype(np.float32) * 0.05 + 0.6
    assert f.std(axis=0)[0] != 0 and f[:, [0]].std(axis=0)[0] == 0
    with np.errstate(invalid="ignore"):
        matrix, n_units = coggan_rsm(f)
        assert n_units == 5 and np.isnan(matrix).all() and coggan_constant_selected(f) == 1
        out = score_rsa_features(f, synthetic_rsa(rng.standard_normal((3, 24, 24)), cg.FAMILY))
    assert out["raw"] is None or np.isnan(out["raw"])
    assert "1 of the 5 selected units are constant over the stimuli" in out["note"]
    assert coggan_constant_selected(_features(np.random.default_rng(0))) == 0


def test_known_score_on_a_small_case():
    rng = np.random.default_rng(1)
    f = _features(rng)
    model, _ = _rsm(f)
    noise = rng.standard_normal((3, 8, 8)) * 0.3
    targets = model[None] + noise
    d = synthetic_rsa(targets, cg.FAMILY)
    out = score_rsa_features(f, d)
    raw = np.mean([_pearson(_offdiag(t), _offdiag(model)) for t in targets])
    assert out["raw"] == pytest.approx(raw, abs=1e-6)
    assert out["ceiling"] == pytest.approx(_ceiling(targets), abs=1e-12)
    assert out["score"] == pytest.approx(min(1.0, (raw / out["ceiling"]) ** 2), abs=1e-6)
    assert out["score_ratio"] == pytest.approx(raw / out["ceiling"], abs=1e-6)
    assert out["per_split"] is None and out["n_subjects"] == 3 and out["n_units_used"] == 5
    assert out["raw_error"] == pytest.approx(np.std(out["per_subject_raw"]) / np.sqrt(3))

    # identical subjects, each the model's own RSM
    same = score_rsa_features(f, synthetic_rsa(np.stack([model] * 3), cg.FAMILY))
    assert (same["raw"], same["ceiling"], same["score"]) == pytest.approx((1.0, 1.0, 1.0))
    # Brain-Score's ceiler squares raw / ceiling: an anti-correlated model scores high; we keep it and say so
    anti = score_rsa_features(f, synthetic_rsa(-targets, cg.FAMILY))
    assert anti["raw"] == pytest.approx(-raw, abs=1e-6) and anti["negative_raw"]
    assert anti["score"] == pytest.approx(min(1.0, (raw / anti["ceiling"]) ** 2), abs=1e-6)
    assert "negative" in anti["note"]
    dead = score_rsa_features(np.zeros((8, 4), np.float32), d)
    assert np.isnan(dead["raw"]) and dead["n_units_used"] == 0 and "selection" in dead["note"]


def test_rsa_data_refuses_inconsistent_schemes():
    t = np.random.default_rng(0).standard_normal((3, 5, 5))
    with pytest.raises(WiringupError, match="dissimilarity"):
        RSAData("T", "V1", "", "", cg.FAMILY, list("abcde"), [Image.new("RGB", (4, 4))] * 5, t, ["a", "b", "c"],
                "similarity", "correlation_distance", "spearman", "upper", "none", "ratio")
    with pytest.raises(WiringupError, match="2 subjects"):
        RSAData("T", "V1", "", "", cg.FAMILY, list("abcde"), [Image.new("RGB", (4, 4))] * 5, t[:1], ["a"],
                "similarity", "coggan_rsm", "pearson", "offdiag", "leave_one_subject_out", "squared_bounded")
    with pytest.raises(WiringupError, match="non-finite"):
        synthetic_rsa(np.full((3, 5, 5), np.nan), cg.FAMILY)


# ---------------------------------------------------------------------------------- loader and packaging

@pytest.fixture
def copy_of(folder, tmp_path):
    return writable_copy(folder, tmp_path)


def _rewrite_npz(path: Path, change) -> None:
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    change(arrays)
    path.unlink()
    np.savez(path, **arrays)


def test_malformed_files_refused_naming_them(copy_of):
    rsm, csv_path = copy_of / "rsm.npz", copy_of / "stimuli.csv"
    original = rsm.read_bytes()
    with pytest.raises(WiringupError, match="region must be one of"):
        cg.load_coggan2024(copy_of, "V3")
    _rewrite_npz(rsm, lambda a: a.update({"V4/sub-3": a["V4/sub-3"][:20]}))
    with pytest.raises(WiringupError, match=r"rsm\.npz.*V4/sub-3.*shape"):
        cg.load_coggan2024(copy_of, "V4")
    cg.load_coggan2024(copy_of, "V1")  # the other regions still load
    _rewrite_npz(rsm, lambda a: a.pop("IT/sub-8"))
    with pytest.raises(WiringupError, match=r"rsm\.npz.*8 arrays 'IT/<subject>'"):
        cg.load_coggan2024(copy_of, "IT")
    _rewrite_npz(rsm, lambda a: a.update(stimulus_order=a["stimulus_order"][::-1]))
    with pytest.raises(WiringupError, match=r"rsm\.npz.*stimulus_order"):
        cg.load_coggan2024(copy_of, "V1")
    rsm.write_bytes(b"not a zip")
    with pytest.raises(WiringupError, match=r"rsm\.npz.*not a readable"):
        cg.load_coggan2024(copy_of, "V1")
    rsm.write_bytes(original)
    text = csv_path.read_text()
    csv_path.write_text(text.replace("occlusion_condition", "condition", 1))
    with pytest.raises(WiringupError, match=r"stimuli\.csv.*occlusion_condition"):
        cg.load_coggan2024(copy_of, "V1")
    csv_path.write_text(text)
    (copy_of / "stimuli" / "lamp_upper.png").unlink()
    with pytest.raises(WiringupError, match=r"lamp_upper\.png.*not found"):
        cg.load_coggan2024(copy_of, "V1")
    with pytest.raises(WiringupError, match="folder not found"):
        cg.load_coggan2024(copy_of / "nope", "V1")


def test_packaging_round_trip_and_registry(datas, folder, tmp_path):
    d = datas["V4"]
    ds = cg.to_dataset(d)
    assert ds.attrs["family"] == "coggan2024_fmri" and ds.attrs["benchmark_id"] == "tong.Coggan2024_fMRI.V4-rdm"
    assert_same_rsa(cg.from_dataset(ds), d)
    path = cg.package_coggan2024(d, tmp_path / "coggan_v4.nc")
    back = cg.load_packaged_coggan2024(path, region="V4")
    assert_same_rsa(back, d)
    with pytest.raises(WiringupError, match="region 'V4'.*'IT'"):
        cg.load_packaged_coggan2024(path, region="IT")
    from wiringup.scoring.benchmarks import kiani2007

    with pytest.raises(WiringupError, match="family 'coggan2024_fmri', not 'kiani2007_rsa92'"):
        kiani2007.load_packaged_kiani2007(path)
    with pytest.raises(WiringupError, match="not a readable netCDF"):
        cg.load_packaged_coggan2024(folder / "stimuli.csv")
    via_registry = load_benchmark("coggan2024_fmri", folder, region="V4")
    assert_same_rsa(via_registry, d)
    assert cg.SCORER is cg.score_coggan2024


def test_scored_at_the_default_model(datas):
    model = build_model("cornet_s", seed=0, width=WIDTH, num_classes=10)
    out = cg.score_coggan2024(model, datas["IT"], REGION_LAYERS["cornet_s"]["IT"], SIZE)
    assert out["benchmark_id"] == "tong.Coggan2024_fMRI.IT-rdm" and out["layer"] == "IT.output-t0"
    assert np.isfinite(out["raw"]) and 0 <= out["score"] <= 1 and out["visual_degrees"] == 8
    assert out["ceiling"] == pytest.approx(BRAINSCORE_CEILINGS["IT"], abs=5e-4)
    assert len(out["per_subject_raw"]) == 9 and out["n_stimuli"] == 24 and out["input_size"] == SIZE


# ------------------------------------------------------------------------------------ brainscore parity


def test_screen_placement_is_brainscores(brainscore_env, folder):
    from brainscore_vision.benchmark_helpers.screen import ImageConverter

    with Image.open(folder / "stimuli" / "bear_lower.png") as img:
        gray = img.copy()
    odd = Image.fromarray(np.random.default_rng(0).integers(0, 255, (37, 50, 3), dtype=np.uint8))
    converter = ImageConverter(target_dir=brainscore_env)
    for image, source, target in ((gray, 9, 8), (odd, 9, 8), (odd, 3, 8), (gray, 8, 8)):
        ours = place_on_screen([image.convert("RGB")], source, target)[0]
        theirs = converter.apply_ratio(image, target / source) if source != target else image
        assert ours.size == theirs.size
        np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs.convert("RGB")))
    assert place_on_screen([gray], 9, 8)[0].size == (199, 199)


def _trained(seed: int = 0, steps: int = 6, size: int = 32):
    """A width-0.25 CORnet-S trained a few SGD steps (at 32 px, to be quick) to tell 8 noise prototypes apart."""
    model = build_model("cornet_s", seed=seed, width=WIDTH, num_classes=10)
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    protos = torch.randn(8, 3, size, size, generator=g)
    model.train()
    for _ in range(steps):
        y = torch.randint(0, 8, (8,), generator=g)
        x = protos[y] + 0.5 * torch.randn(8, 3, size, size, generator=g)
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    return model.eval()


@pytest.fixture(scope="module")
def models():
    return {"at_birth": build_model("cornet_s", seed=0, width=WIDTH, num_classes=10), "trained": _trained()}


def _parity(models, datas, regions):
    from wiringup.scoring.brainscore.local_coggan2024 import score_coggan2024_brainscore

    rows = []
    for name, model in models.items():
        for region in regions:
            layer = REGION_LAYERS["cornet_s"][region]
            ours = cg.score_coggan2024(model, datas[region], layer, SIZE)
            bs = score_coggan2024_brainscore(model, list(datas.values()), region, layer, SIZE, identifier=name)
            rows.append((name, region, ours, bs))
            assert bs["ceiling"] == pytest.approx(ours["ceiling"], abs=1e-9)
            assert bs["raw"] == pytest.approx(ours["raw"], abs=0.01)
            assert bs["score"] == pytest.approx(ours["score"], abs=0.01)
            np.testing.assert_allclose(bs["per_subject_raw"], ours["per_subject_raw"], atol=0.01)
    at_birth = {r: o["raw"] for n, r, o, _ in rows if n == "at_birth"}
    assert any(abs(o["raw"] - at_birth[r]) > 1e-3 for n, r, o, _ in rows if n == "trained")  # really another model
    return rows


def test_parity_with_brainscore(brainscore_env, models, datas):
    """brainscore-vision's own tong.Coggan2024_fMRI.{V1,V2,V4,IT}-rdm on the same local data and models (at birth
    and trained) agree with ours within 0.01 (in practice to float precision); ~6 s."""
    rows = _parity(models, datas, list(cg.REGIONS))
    for name, region, ours, bs in rows:
        print(f"{name:9s} {region}: ours raw {ours['raw']:.6f} score {ours['score']:.6f} | brainscore raw "
              f"{bs['raw']:.6f} score {bs['score']:.6f}")
