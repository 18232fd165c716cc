"""Tests for the local benchmark suite: loaders, packaged assemblies, pooled K-fold CV, ImageNet top-1, the pixel
baseline and layer selection.

Real-data tests read ``$WIRINGUP_DATA_ROOT`` (default ``<repo>/../shared/data``) and are skipped without it.
"""
from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from wiringup.core.io import WiringupError
from wiringup.nets.pixels import Pixels
from wiringup.scoring.benchmarks.assembly import load_assembly, package_assembly
from wiringup.scoring.benchmarks.cowley2023 import load_cowley2023
from wiringup.scoring.benchmarks.majajhong2015 import load_majajhong2015_slice
from wiringup.scoring.benchmarks.neural_data import NeuralData
from wiringup.scoring.benchmarks.registry import load_benchmark
from wiringup.scoring.features import image_features
from wiringup.scoring.metric import make_kfold_shuffles, pls_crossval
from wiringup.scoring.neural import score_features, score_neural
from wiringup.scoring.selection import layer_selection, score_with_layer_selection, selection_split
from wiringup.scoring.top1 import imagenet_top1

REPO = Path(__file__).resolve().parents[1]
DATA_ROOT = Path(os.environ.get("WIRINGUP_DATA_ROOT", REPO.parent / "shared" / "data"))
MAJAJ = DATA_ROOT / "majajhong2015_slice"
COWLEY = DATA_ROOT / "cowley2023_v4"


def _need(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"real data not found at {path}; set WIRINGUP_DATA_ROOT to the shared data folder")


@pytest.fixture(scope="module")
def majaj():
    _need(MAJAJ)
    return {r: load_benchmark("majajhong2015_slice", MAJAJ, region=r) for r in ("V4", "IT")}


@pytest.fixture(scope="module")
def cowley():
    _need(COWLEY / "210325")
    return load_cowley2023(COWLEY / "210325")


def assert_same(a: NeuralData, b: NeuralData) -> None:
    for name in ("benchmark_id", "region", "description", "citation", "stimulus_ids", "meta", "neuroid_ids",
                 "stimulus_meta", "neuroid_meta", "cv_scheme", "n_folds", "ceiling_scheme", "image_degrees",
                 "time_bin"):
        assert getattr(a, name) == getattr(b, name), name
    assert a.responses.shape == b.responses.shape and a.responses.dtype == b.responses.dtype
    np.testing.assert_array_equal(a.responses, b.responses)  # NaN == NaN here
    assert len(a.images) == len(b.images)
    for x, y in zip(a.images, b.images):
        assert x.mode == y.mode == "RGB" and x.size == y.size
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


# ---------------------------------------------------------------------------------------- MajajHong slice

def test_majaj_slice_real(majaj):
    v4, it = majaj["V4"], majaj["IT"]
    assert v4.benchmark_id == "MajajHong2015slice.V4-pls" and it.benchmark_id == "MajajHong2015slice.IT-pls"
    assert v4.responses.shape == (128, 25, 28) and it.responses.shape == (168, 25, 28)
    assert np.isfinite(v4.responses).all() and v4.stimulus_ids == it.stimulus_ids
    assert v4.images[0].size == (256, 256) and len(v4.images) == 25
    assert len(v4.stimulus_meta["object_name"]) == 25 and set(v4.neuroid_meta["animal"]) <= {"Chabo", "Tito"}
    assert v4.time_bin == (70.0, 170.0) and v4.image_degrees == 8.0
    assert (v4.cv_scheme, v4.n_folds, v4.ceiling_scheme) == ("kfold_pooled", 5, "internal_consistency")
    d = v4.description
    assert "25-image slice" in d and "NOT Brain-Score's MajajHong2015 benchmark (2,560 images)" in d
    assert "not comparable" in d and "resized" in d
    assert "Majaj" in v4.citation and "J. Neurosci" in v4.citation and "MIT" in v4.citation
    for data in (v4, it):
        s = data.summary()
        assert {"benchmark_id", "description", "citation", "n_stimuli", "n_neuroids", "ceiling", "region"} <= set(s)
        assert s["n_stimuli"] == 25 and 0.5 < s["ceiling"] < 0.9 and s["region"] == data.region
        assert "\n" not in s["description"]


def _write_slice(folder: Path, n_images=12, n_reps=3, regions=("IT", "IT", "V4"), values=None,
                 csv_ids=None, drop_png=None, write_csv=True, dup=False):
    import xarray as xr

    folder.mkdir(parents=True)
    (folder / "images").mkdir()
    ids = [f"img{i:02d}" for i in range(n_images)]
    pres_ids = [s for _ in range(n_reps) for s in ids]
    reps = [r for r in range(n_reps) for _ in ids]
    if dup:
        reps[1] = reps[0]
        pres_ids[1] = pres_ids[0]
    rng = np.random.default_rng(0)
    if values is None:
        values = rng.standard_normal((len(regions), len(pres_ids), 1)).astype(np.float32)
    da = xr.DataArray(values, dims=("neuroid", "presentation", "time_bin"), name="dicarlo.Test",
                      coords={"image_id": ("presentation", pres_ids), "repetition": ("presentation", reps),
                              "neuroid_id": ("neuroid", [f"s{i}" for i in range(len(regions))]),
                              "region": ("neuroid", list(regions)), "animal": ("neuroid", ["A"] * len(regions)),
                              "time_bin_start": ("time_bin", [70]), "time_bin_end": ("time_bin", [170])})
    da.to_netcdf(folder / "assembly.nc")
    for i, sid in enumerate(ids):
        if sid != drop_png:
            Image.new("RGB", (8, 8), (i * 10, 0, 0)).save(folder / "images" / f"{sid}.png")
    if write_csv:
        rows = csv_ids if csv_ids is not None else ids
        (folder / "images" / "test_images.csv").write_text(
            "image_id,image_current_relative_file_path,object_name\n"
            + "".join(f"{s},{s}.png,obj{k % 3}\n" for k, s in enumerate(rows)))
    return folder


def test_majaj_slice_synthetic_and_refusals(tmp_path):
    ok = load_majajhong2015_slice(_write_slice(tmp_path / "ok"), region="IT")
    assert ok.responses.shape == (2, 12, 3) and ok.benchmark_id == "MajajHong2015slice.IT-pls"
    assert ok.stimulus_meta["object_name"][:3] == ["obj0", "obj1", "obj2"] and ok.neuroid_ids == ["s0", "s1"]
    assert load_benchmark("majajhong2015_slice", tmp_path / "ok" / "assembly.nc", region="V4").n_neuroids == 1

    nan_values = np.ones((3, 36, 1), np.float32)
    nan_values[0, 5, 0] = np.nan
    cases = {
        "counts": (dict(csv_ids=[f"img{i:02d}" for i in range(13)]), "test_images.csv"),
        "other_ids": (dict(csv_ids=[f"img{i:02d}" for i in range(11)] + ["zzz"]), "test_images.csv"),
        "nan": (dict(values=nan_values), "assembly.nc"),
        "no_png": (dict(drop_png="img03"), "img03.png"),
        "no_csv": (dict(write_csv=False), "test_images.csv"),
        "no_region": (dict(regions=("IT", "IT")), "assembly.nc"),
        "duplicate": (dict(dup=True), "assembly.nc"),
    }
    for name, (kw, fname) in cases.items():
        folder = _write_slice(tmp_path / name, **kw)
        region = "V4" if name == "no_region" else "IT"
        with pytest.raises(WiringupError, match=fname.replace(".", r"\.")):
            load_majajhong2015_slice(folder, region=region)
    with pytest.raises(WiringupError, match="regions present"):
        load_majajhong2015_slice(tmp_path / "no_region", region="V4")
    (tmp_path / "no_nc").mkdir()
    with pytest.raises(WiringupError, match="assembly.nc"):
        load_majajhong2015_slice(tmp_path / "no_nc", region="IT")


# ------------------------------------------------------------------------------------------------ Cowley

def _cowley_session(folder: Path, raw: np.ndarray) -> Path:
    folder.mkdir(parents=True)
    with zipfile.ZipFile(folder / "images.zip", "w") as zf:
        for i in range(raw.shape[1]):
            path = folder / "tmp.png"
            Image.new("RGB", (12, 12), (5 * i, 9, 3)).save(path)
            zf.write(path, f"image{i + 1:04d}.png")
            path.unlink()
    np.save(folder / "responses_raw.npy", raw)
    return folder


def test_cowley_new_session_by_config_alone(tmp_path):
    rng = np.random.default_rng(1)
    raw = rng.poisson(4.0, size=(4, 20, 5)).astype(float)
    raw[:, 3, 4] = np.nan
    d = load_benchmark("cowley2023", _cowley_session(tmp_path / "230101", raw), region="V4")
    assert d.benchmark_id == "Cowley2023.230101.V4-pls" and d.neuroid_ids[0] == "230101.n000"
    assert d.ceiling_scheme == "internal_consistency" and d.summary()["ceiling"] is not None
    assert d.cv_scheme == "shuffle"
    pooled = load_benchmark("cowley2023", tmp_path / "230101", region="V4", cv_scheme="kfold_pooled", n_folds=4)
    assert (pooled.cv_scheme, pooled.n_folds) == ("kfold_pooled", 4)
    with pytest.raises(WiringupError, match="cv scheme"):
        load_benchmark("cowley2023", tmp_path / "230101", region="V4", cv_scheme="loo")
    with pytest.raises(WiringupError, match="V4 recordings"):
        load_benchmark("cowley2023", tmp_path / "230101", region="IT")


def test_cowley_avg_only_is_unceiled():
    _need(COWLEY / "201025")
    d = load_cowley2023(COWLEY / "201025")
    assert d.ceiling_scheme == "none" and "UNCEILED raw" in d.description
    s = d.summary()
    assert s["ceiling"] is None and "unceiled" in s["ceiling_reason"] and s["n_stimuli"] == 1200


# --------------------------------------------------------------------------------------------- packaging

def test_package_round_trip_real(tmp_path, majaj, cowley):
    for data in (majaj["V4"], cowley):
        path = package_assembly(data, tmp_path / f"{data.benchmark_id}.nc")
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # temp file renamed away
        back = load_benchmark("assembly", path, region=data.region)
        assert_same(back, data)
        assert back.summary() == data.summary()
    import xarray as xr

    with xr.open_dataset(tmp_path / "MajajHong2015slice.V4-pls.nc") as ds:
        da = ds["MajajHong2015slice.V4-pls"]
        assert da.dims == ("presentation", "neuroid", "time_bin") and da.sizes["presentation"] == 700
        assert {"stimulus_id", "repetition", "neuroid_id", "region"} <= set(da.coords)
        assert da.attrs["cv_scheme"] == "kfold_pooled" and ds["stimulus_pixels"].dtype == np.uint8


def test_package_round_trip_synthetic_ragged(tmp_path):
    rng = np.random.default_rng(2)
    responses = rng.standard_normal((3, 12, 5))
    responses[:, 2, 3:] = np.nan          # ragged repeats
    responses[:, :, 4] = np.nan           # an all-NaN trailing slot must survive
    images = [Image.fromarray(rng.integers(0, 255, (8 + i % 3, 10, 3), dtype=np.uint8)) for i in range(12)]
    data = NeuralData("Syn.IT-pls", "IT", "synthetic", "none", [f"s{i}" for i in range(12)], images, responses,
                      meta={"a": [1, 2], "flag": True}, stimulus_meta={"object_name": [f"o{i % 2}" for i in range(12)]},
                      neuroid_meta={"x": [0.5, 1.5, 2.5]}, cv_scheme="kfold_pooled", n_folds=3)
    back = load_assembly(package_assembly(data, tmp_path / "syn.nc"))
    assert_same(back, data)
    feats = rng.standard_normal((12, 30))
    a, b = score_features(feats, back, n_splits=3), score_features(feats, data, n_splits=3)
    a.pop("seconds"), b.pop("seconds")
    assert a == b
    with pytest.raises(WiringupError, match="syn.nc"):
        load_assembly(tmp_path / "syn.nc", region="V4")
    with pytest.raises(WiringupError, match="absent.nc"):
        load_benchmark("assembly", tmp_path / "absent.nc")
    (tmp_path / "junk.nc").write_text("not netcdf")
    with pytest.raises(WiringupError, match="junk.nc"):
        load_assembly(tmp_path / "junk.nc")


# ------------------------------------------------------------------------------------- pooled K-fold CV

def test_kfold_shuffles_hold_out_each_stimulus_once():
    shuffles = make_kfold_shuffles(25, 5, 4, seed=0)
    assert len(shuffles) == 4 and all(len(f) == 5 for f in shuffles)
    for folds in shuffles:
        held = np.sort(np.concatenate([test for _, test in folds]))
        np.testing.assert_array_equal(held, np.arange(25))
        for train, test in folds:
            assert len(test) == 5 and not set(train) & set(test)
    with pytest.raises(WiringupError, match="at least 10"):
        make_kfold_shuffles(9, 5, 1, seed=0)


def test_kfold_pooled_known_answers_at_n25():
    rng = np.random.default_rng(0)
    # noiseless linear responses: every out-of-sample prediction is exact, r = 1
    x = rng.standard_normal((25, 3))
    y = x @ rng.standard_normal((3, 40))
    out = pls_crossval(x, y, scheme="kfold_pooled", n_splits=4)
    assert out["raw"] == pytest.approx(1.0, abs=1e-9) and out["n_folds"] == 5 and len(out["per_split"]) == 4
    # pure noise, wide features: fold-centred pooling is unbiased; plain pooling is biased well below 0
    null = [pls_crossval(rng.standard_normal((25, 300)), rng.standard_normal((25, 60)), scheme="kfold_pooled",
                         n_splits=3, seed=k) for k in range(3)]
    assert abs(np.mean([o["raw"] for o in null])) < 0.05
    assert null[0]["n_components"] == 19  # capped by the rank of 20 centred training stimuli
    biased = pls_crossval(rng.standard_normal((25, 300)), rng.standard_normal((25, 60)), scheme="kfold_pooled",
                          n_splits=3, fold_centered=False)
    assert biased["raw"] < -0.1
    # signal + noise (sd 0.5, unit signal): population r 0.894; fitting 3 weights on 20 stimuli costs ~0.015
    raws = []
    for k in range(3):
        x = rng.standard_normal((25, 3))
        w = rng.standard_normal((3, 100))
        w /= np.linalg.norm(w, axis=0)
        y = x @ w + 0.5 * rng.standard_normal((25, 100))
        o = pls_crossval(x, y, scheme="kfold_pooled", n_splits=3, seed=k)
        assert o["error"] == pytest.approx(o["std"] / np.sqrt(3)) and 0 < o["stimulus_se"] < 0.1
        raws.append(o["raw"])
    assert np.mean(raws) == pytest.approx(0.88, abs=0.04)
    a = pls_crossval(x, y, scheme="kfold_pooled", n_splits=3, seed=7)
    assert a == pls_crossval(x, y, scheme="kfold_pooled", n_splits=3, seed=7)
    with pytest.raises(WiringupError, match="scheme"):
        pls_crossval(x, y, scheme="loo")


def test_score_neural_follows_the_benchmark_scheme():
    rng = np.random.default_rng(3)
    images = [Image.fromarray(rng.integers(0, 255, (8, 8, 3), dtype=np.uint8)) for _ in range(25)]
    torch.manual_seed(0)  # the model's random init must not depend on which tests ran before
    model = nn.Sequential(nn.Conv2d(3, 4, 2, stride=2), nn.ReLU())
    feats = image_features(model, images, "1", 8)
    signal = feats[:, :6] @ rng.standard_normal((6, 10))
    responses = signal.T[:, :, None] + 0.3 * signal.std() * rng.standard_normal((10, 25, 6))
    data = NeuralData("Syn.V4-pls", "V4", "", "", [f"s{i}" for i in range(25)], images, responses,
                      cv_scheme="kfold_pooled")
    out = score_neural(model, data, "1", input_size=8, n_splits=3)
    assert (out["cv_scheme"], out["n_folds"], len(out["per_split"])) == ("kfold_pooled", 5, 3)
    assert out["score"] == pytest.approx(out["raw"] / out["ceiling"])
    assert out["layer"] == "1" and out["input_size"] == 8
    # the same responses with the stimuli shuffled are unpredictable: the model's features carry the signal
    shuffled = NeuralData("Syn.V4-pls", "V4", "", "", data.stimulus_ids, images,
                          responses[:, rng.permutation(25)], cv_scheme="kfold_pooled")
    control = score_neural(model, shuffled, "1", input_size=8, n_splits=3)
    assert out["raw"] > 0.3 and out["raw"] > control["raw"] + 0.25
    shuffle = score_neural(model, data, "1", input_size=8, n_splits=3, cv_scheme="shuffle")
    assert shuffle["cv_scheme"] == "shuffle" and shuffle["n_folds"] is None


# -------------------------------------------------------------------------------------------- ImageNet

def test_imagenet_top1_rigged_decoder(tmp_path):
    from wiringup.data.manifests import make_manifest, read_manifest
    from wiringup.nets.registry import build_model

    rng = np.random.default_rng(0)
    counts = {"n00000001": 3, "n00000002": 5}
    for split in ("train", "val"):
        for syn, k in counts.items():
            (tmp_path / split / syn).mkdir(parents=True)
            for i in range(k):
                Image.fromarray(rng.integers(0, 255, (20, 24, 3), dtype=np.uint8)).save(
                    tmp_path / split / syn / f"{syn}_{i}.JPEG", format="JPEG")
    make_manifest(tmp_path, "val", "all", 0, tmp_path / "val.tsv")
    manifest = read_manifest(tmp_path / "val.tsv")
    model = build_model("cornet_s", width=0.0625, num_classes=2).train()
    for winner, expected in ((0, 3 / 8), (1, 5 / 8)):
        with torch.no_grad():
            model.decoder.linear.weight.zero_()
            model.decoder.linear.bias.copy_(torch.tensor([1.0, 0.0] if winner == 0 else [0.0, 1.0]))
        out = imagenet_top1(model, tmp_path, manifest, input_size=32, batch_size=3,
                            benchmark_id="Toy-top1")
        assert out["score"] == out["raw"] == pytest.approx(expected, abs=1e-12)
        assert (out["benchmark_id"], out["ceiling"], out["n_stimuli"]) == ("Toy-top1", 1.0, 8)
        assert out["error"] == pytest.approx(np.sqrt(expected * (1 - expected) / 8))
        assert out["per_class"] == {"n00000001": float(winner == 0), "n00000002": float(winner == 1)}
    assert model.training  # mode restored
    assert imagenet_top1(model, tmp_path, tmp_path / "val.tsv", input_size=32)["benchmark_id"] == "ImageNet-top1"
    with pytest.raises(WiringupError, match="one output per class"):
        imagenet_top1(build_model("cornet_s", width=0.0625, num_classes=1), tmp_path, manifest, input_size=32)


# ------------------------------------------------------------------------------------------------ pixels

def test_pixels_are_the_authors_raw_uint8_values():
    rng = np.random.default_rng(0)
    images = [Image.fromarray(rng.integers(0, 255, (40, 30, 3), dtype=np.uint8)) for _ in range(3)]
    images.append(Image.new("L", (20, 20), 77))
    feats = image_features(Pixels(), images, "pixels", input_size=64)  # input_size is not used
    assert feats.shape == (4, 196_608)
    expected = np.stack([np.asarray(im.convert("RGB").resize((256, 256))).ravel() for im in images])
    np.testing.assert_array_equal(feats, expected)
    # the alternative route inverts the generic (bilinear, normalised) preprocessing exactly
    alt = image_features(Pixels(from_normalized=True), images, "pixels", input_size=64)
    bilinear = np.stack([np.asarray(im.convert("RGB").resize((256, 256), Image.BILINEAR)).ravel()
                         for im in images])
    np.testing.assert_array_equal(alt, bilinear)
    with pytest.raises(WiringupError, match="256"):
        Pixels()(torch.zeros(1, 3, 64, 64))


# --------------------------------------------------------------------------------------- layer selection

class ThreeLayers(nn.Module):
    """``a``: linear projections of the pixels; ``b``: squares of other projections; ``c``: squares of yet
    other ones. The synthetic responses are built from ``b`` only."""

    def __init__(self, d=3 * 8 * 8, k=6):
        super().__init__()
        g = torch.Generator().manual_seed(0)
        self.register_buffer("wa", torch.randn(d, k, generator=g) / d ** 0.5)
        self.register_buffer("wb", torch.randn(d, k, generator=g) / d ** 0.5)
        self.register_buffer("wc", torch.randn(d, k, generator=g) / d ** 0.5)
        self.a, self.b, self.c = nn.Identity(), nn.Identity(), nn.Identity()

    def forward(self, x):
        flat = x.flatten(1)
        return self.a(flat @ self.wa) + self.b((flat @ self.wb) ** 2) + self.c((flat @ self.wc) ** 2)


def test_layer_selection_picks_the_predictive_layer():
    rng = np.random.default_rng(0)
    images = [Image.fromarray(rng.integers(0, 255, (8, 8, 3), dtype=np.uint8)) for _ in range(80)]
    model = ThreeLayers()
    b = image_features(model, images, "b", 8)
    signal = b @ rng.standard_normal((6, 12))
    responses = signal.T[:, :, None] + 0.5 * signal.std() * rng.standard_normal((12, 80, 4))
    data = NeuralData("Syn.IT-pls", "IT", "", "", [f"s{i}" for i in range(80)], images, responses,
                      cv_scheme="kfold_pooled")
    best, scores = layer_selection(model, data, ["a", "b", "c"], input_size=8, n_splits=3)
    assert best == "b" and scores["b"] > 0.6 and max(scores["a"], scores["c"]) < 0.3

    sel, rep = selection_split(80, 0.5, 0)
    assert len(sel) == len(rep) == 40 and not set(sel) & set(rep)
    out = score_with_layer_selection(model, data, ["a", "b", "c"], input_size=8, n_splits=3)
    info = out["layer_selection"]
    assert out["layer"] == "b" and out["n_stimuli"] == 40 and info["selection_scores"] == scores
    assert set(info["report_stimuli"]) == {f"s{i}" for i in rep}
    assert not set(info["selection_stimuli"]) & set(info["report_stimuli"])
    # the reported score is exactly the chosen layer scored on the report stimuli alone
    direct = score_features(b[rep], data.subset(rep), n_splits=3)
    assert out["raw"] == pytest.approx(direct["raw"]) and out["ceiling"] == pytest.approx(direct["ceiling"])
    with pytest.raises(WiringupError, match="no submodule"):
        layer_selection(model, data, ["a", "zz"], input_size=8, n_splits=3)
