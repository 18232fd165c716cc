"""Tests for the local benchmark format and Cowley loader (wiringup.scoring.benchmarks), the PLS metric
(wiringup.scoring.metric), the split-half ceiling (wiringup.scoring.ceiling), features and neural scoring.

The metric and ceiling are checked three ways: against answers known in closed form on synthetic data, against
brainscore-vision's own ``load_metric('pls')`` / ``load_ceiling('internal_consistency')`` (run offline), and on
the real Cowley et al. (2023) V4 sessions. Real-data tests read ``$WIRINGUP_DATA_ROOT`` (default
``<repo>/../shared/data``) and are skipped when it is absent.
"""
from __future__ import annotations

import os

# Before anything can import brainscore_vision: never pip-install plugin requirements, never probe AWS metadata.
os.environ["BS_INSTALL_DEPENDENCIES"] = "no"
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

import zipfile  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402
from torch import nn  # noqa: E402

from wiringup.core.io import WiringupError  # noqa: E402
from wiringup.nets.preprocessing import preprocess_stimuli  # noqa: E402
from wiringup.scoring.benchmarks.cowley2023 import load_cowley2023  # noqa: E402
from wiringup.scoring.benchmarks.neural_data import NeuralData  # noqa: E402
from wiringup.scoring.benchmarks.registry import BENCHMARK_TYPES, load_benchmark  # noqa: E402
from wiringup.scoring.ceiling import split_half_ceiling  # noqa: E402
from wiringup.scoring.features import extract_features  # noqa: E402
from wiringup.scoring.metric import pls_crossval  # noqa: E402
from wiringup.scoring.neural import score_neural  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DATA_ROOT = Path(os.environ.get("WIRINGUP_DATA_ROOT", REPO.parent / "shared" / "data"))
COWLEY = DATA_ROOT / "cowley2023_v4"


# The network guard is session-wide (tests/conftest.py).


@pytest.fixture(scope="module")
def bs():
    """brainscore-vision's loaders and assembly class (imported offline, under the network guard)."""
    pytest.importorskip("brainscore_vision")
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
    from brainscore_vision import load_ceiling, load_metric

    return {"load_metric": load_metric, "load_ceiling": load_ceiling, "NeuroidAssembly": NeuroidAssembly}


@pytest.fixture(scope="module")
def cowley_210325():
    path = COWLEY / "210325"
    if not path.is_dir():
        pytest.skip(f"real Cowley 2023 data not found at {path}; set WIRINGUP_DATA_ROOT to the shared data folder")
    return load_cowley2023(path)


# --------------------------------------------------------------------------------------- synthetic data

def linear_data(n=1000, p=20, m=30, noise=1.0, seed=0):
    """targets = features @ W + noise with unit-norm columns of W: population r = 1/sqrt(1 + noise^2)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, p))
    w = rng.standard_normal((p, m))
    w /= np.linalg.norm(w, axis=0)
    y = x @ w + noise * rng.standard_normal((n, m))
    return x, y


def repeat_data(n_neuroids=40, n_stimuli=400, n_repeats=10, noise_sd=2.0, seed=0):
    """signal (variance 1) + independent noise per repeat: (neuroid, stimulus, repeat)."""
    rng = np.random.default_rng(seed)
    signal = rng.standard_normal((n_neuroids, n_stimuli, 1))
    return signal + noise_sd * rng.standard_normal((n_neuroids, n_stimuli, n_repeats))


def expected_ceiling(n_repeats, noise_sd):
    """Reliability of the mean of n repeats = what Spearman-Brown extrapolates the half-split r to."""
    return 1.0 / (1.0 + noise_sd ** 2 / n_repeats)


# ------------------------------------------------------------------------------------------------ metric

def test_pls_recovers_known_correlation():
    noise = 1.0
    x, y = linear_data(noise=noise)
    out = pls_crossval(x, y, seed=0)
    theory = 1.0 / np.sqrt(1.0 + noise ** 2)  # 0.7071; OLS estimation error (p/n = 0.02) costs ~0.008
    assert out["n_components"] == 20  # capped at the number of features
    assert out["raw"] == pytest.approx(theory, abs=0.02)
    assert len(out["per_split"]) == 10 and len(out["per_neuroid"]) == 30
    assert out["error"] == pytest.approx(out["std"] / np.sqrt(10))


def test_pls_pure_noise_is_zero():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((600, 40)), rng.standard_normal((600, 50))
    assert abs(pls_crossval(x, y)["raw"]) < 0.05


def test_pls_deterministic_by_seed():
    x, y = linear_data(n=300, noise=2.0, seed=3)
    a, b, c = pls_crossval(x, y, seed=5), pls_crossval(x, y, seed=5), pls_crossval(x, y, seed=6)
    assert a == b
    assert a["per_split"] != c["per_split"]


def test_gram_route_equals_sklearn_on_raw_features():
    """The rotated-basis route must give sklearn's predictions on the raw (wide, float32) features."""
    rng = np.random.default_rng(2)
    latent = rng.standard_normal((150, 5))
    x = np.maximum(latent @ rng.standard_normal((5, 700)) + rng.standard_normal((150, 700)), 0).astype(np.float32)
    y = latent @ rng.standard_normal((5, 12)) + rng.standard_normal((150, 12))
    fast, slow = pls_crossval(x, y, method="gram"), pls_crossval(x, y, method="direct")
    assert fast["n_components"] == slow["n_components"] == 25
    np.testing.assert_allclose(fast["per_split"], slow["per_split"], atol=1e-5)
    np.testing.assert_allclose(fast["per_neuroid"], slow["per_neuroid"], atol=1e-5)


def test_pls_rejects_bad_input():
    x, y = linear_data(n=50)
    with pytest.raises(WiringupError, match="feature rows"):
        pls_crossval(x[:40], y)
    y[3, 2] = np.nan
    with pytest.raises(WiringupError, match="NaN"):
        pls_crossval(x, y)


# ----------------------------------------------------------------------------------------------- ceiling

def test_ceiling_matches_spearman_brown_theory():
    out = split_half_ceiling(repeat_data(noise_sd=2.0), seed=0)
    assert out["ceiling"] == pytest.approx(expected_ceiling(10, 2.0), abs=0.03)  # 0.714
    assert out["error"] == pytest.approx(out["std"] / np.sqrt(10))
    assert out["n_stimuli_used"] == 400 and out["reason"] is None


def test_ceiling_noiseless_is_one():
    data = np.repeat(np.random.default_rng(0).standard_normal((5, 50, 1)), 6, axis=2)
    assert split_half_ceiling(data)["ceiling"] == pytest.approx(1.0, abs=1e-12)


def test_ceiling_nan_padded_unequal_repeats():
    rng = np.random.default_rng(4)
    data = repeat_data(n_repeats=10, noise_sd=2.0, seed=4)
    counts = rng.integers(4, 11, size=data.shape[1])
    for i, k in enumerate(counts):
        data[:, i, k:] = np.nan
    out = split_half_ceiling(data, seed=0)
    assert expected_ceiling(4, 2.0) - 0.03 < out["ceiling"] < expected_ceiling(10, 2.0) + 0.03
    # extra all-NaN repeat slots change nothing
    padded = np.concatenate([data, np.full(data.shape[:2] + (3,), np.nan)], axis=2)
    assert split_half_ceiling(padded, seed=0)["per_split"] == out["per_split"]
    # a stimulus with a single repeat is left out
    one = data.copy()
    one[:, 7, 1:] = np.nan
    without = np.delete(data, 7, axis=1)
    a, b = split_half_ceiling(one, seed=0), split_half_ceiling(without, seed=0)
    assert a["n_stimuli_used"] == 399
    np.testing.assert_allclose(a["per_split"], b["per_split"], atol=1e-12)
    # both modes run on ragged data
    assert split_half_ceiling(data, seed=0, mode="global")["ceiling"] == pytest.approx(out["ceiling"], abs=0.03)


def test_ceiling_single_repeat_is_none():
    out = split_half_ceiling(np.random.default_rng(0).standard_normal((5, 30, 1)))
    assert out["ceiling"] is None and "one repeat" in out["reason"]


# ------------------------------------------------------------------------------- brainscore-vision parity

def _assemblies(bs, features, targets, ids, objects=None):
    NA = bs["NeuroidAssembly"]
    n = len(ids)
    pres = {"stimulus_id": ("presentation", np.asarray(ids)), "stimulus_num": ("presentation", np.arange(n))}
    if objects is not None:
        pres["object_name"] = ("presentation", np.asarray(objects))
    source = NA(features, coords={**pres, "neuroid_id": ("neuroid", [f"f{i}" for i in range(features.shape[1])]),
                                  "layer": ("neuroid", ["test"] * features.shape[1])},
                dims=["presentation", "neuroid"])
    target = NA(targets, coords={**pres, "neuroid_id": ("neuroid", [f"n{i}" for i in range(targets.shape[1])]),
                                 "region": ("neuroid", ["V4"] * targets.shape[1])},
                dims=["presentation", "neuroid"])
    return source, target


def _repeat_assembly(bs, responses, ids):
    """(neuroid, stimulus, repeat) with NaN -> presentation x neuroid assembly of the present repeats."""
    stim, rep = np.nonzero(~np.isnan(responses[0]))
    m = responses.shape[0]
    return bs["NeuroidAssembly"](
        responses[:, stim, rep].T,
        coords={"stimulus_id": ("presentation", np.asarray(ids)[stim]), "repetition": ("presentation", rep),
                "neuroid_id": ("neuroid", [f"n{i}" for i in range(m)]), "region": ("neuroid", ["V4"] * m)},
        dims=["presentation", "neuroid"])


def _bs_pls(bs, features, targets, ids, random_state=1, objects=None):
    strat = None if objects is None else "object_name"
    metric = bs["load_metric"]("pls", crossvalidation_kwargs=dict(stratification_coord=strat,
                                                                  random_state=random_state))
    score = metric(*_assemblies(bs, features, targets, ids, objects))
    return float(score.values), float(score.attrs["error"]), score.attrs["raw"]


def test_brainscore_parity_synthetic(bs):
    x, y = linear_data(n=300, p=60, m=20, noise=1.5, seed=7)
    ids = [f"s{i:04d}" for i in range(len(x))]
    for seed in (0, 1):
        raw, err, per = _bs_pls(bs, x, y, ids, random_state=seed)
        ours = pls_crossval(x, y, seed=seed)
        assert ours["raw"] == pytest.approx(raw, abs=1e-6)
        assert ours["error"] == pytest.approx(err, abs=1e-6)
        np.testing.assert_allclose(ours["per_split"], per.median("neuroid").values, atol=1e-6)
    objects = np.repeat([f"obj{k}" for k in range(6)], 50)  # MajajHong-style stratified splits
    raw, err, _ = _bs_pls(bs, x, y, ids, objects=objects)
    ours = pls_crossval(x, y, seed=1, stratify=objects)
    assert (ours["raw"], ours["error"]) == (pytest.approx(raw, abs=1e-6), pytest.approx(err, abs=1e-6))

    for n_repeats in (8, 7):  # an odd count checks which half gets the extra repeat
        data = repeat_data(n_neuroids=20, n_stimuli=120, n_repeats=n_repeats, seed=8)
        assembly = _repeat_assembly(bs, data, [f"s{i:04d}" for i in range(120)])
        ceiling = bs["load_ceiling"]("internal_consistency")(assembly)
        for mode in ("per_stimulus", "global"):  # equal repeat counts: both modes are Brain-Score's split
            ours = split_half_ceiling(data, seed=1, mode=mode)  # load_ceiling fixes random_state=1
            assert ours["ceiling"] == pytest.approx(float(ceiling.values), abs=1e-9)
            assert ours["error"] == pytest.approx(float(ceiling.attrs["error"]), abs=1e-9)


def test_brainscore_parity_real_cowley(bs, cowley_210325):
    d = cowley_210325
    rng = np.random.default_rng(0)
    pixels = np.stack([np.asarray(im.resize((24, 24))).ravel() for im in d.images]).astype(np.float32) / 255
    x = np.maximum(pixels @ rng.standard_normal((pixels.shape[1], 300)).astype(np.float32), 0)
    y = d.mean_responses().T
    raw, err, _ = _bs_pls(bs, x, y, d.stimulus_ids)
    for method in ("direct", "gram"):
        ours = pls_crossval(x, y, seed=1, method=method)
        assert ours["raw"] == pytest.approx(raw, abs=1e-6)
        assert ours["error"] == pytest.approx(err, abs=1e-6)

    ceiling = bs["load_ceiling"]("internal_consistency")(_repeat_assembly(bs, d.responses, d.stimulus_ids))
    exact = split_half_ceiling(d.responses, seed=1, mode="global")
    assert exact["ceiling"] == pytest.approx(float(ceiling.values), abs=1e-9)
    balanced = split_half_ceiling(d.responses, seed=1)  # 6-10 repeats per image: halves differ, value close
    assert balanced["ceiling"] == pytest.approx(float(ceiling.values), abs=0.01)


# ----------------------------------------------------------------------------------------------- loading

def test_load_cowley_real_sessions(cowley_210325):
    d = cowley_210325
    assert d.benchmark_id == "Cowley2023.210325.V4-pls" and d.region == "V4"
    assert d.responses.shape == (50, 640, 10) and (d.n_neuroids, d.n_stimuli) == (50, 640)
    assert d.mean_responses().shape == (50, 640) and np.isfinite(d.mean_responses()).all()
    assert d.stimulus_ids[0] == "image0001" and len(d.images) == 640
    assert d.images[0].mode == "RGB" and d.images[0].size == (112, 112)
    assert "local" in d.description.lower() and "not brain-score" in d.description.lower()
    assert "Cowley" in d.citation and "GPL-3.0" in d.citation
    assert split_half_ceiling(d.responses)["ceiling"] > 0.5

    avg_only = load_benchmark("cowley2023", COWLEY / "201025")
    assert avg_only.benchmark_id == "Cowley2023.201025.V4-pls"
    assert avg_only.responses.shape == (89, 1200, 1)
    assert split_half_ceiling(avg_only.responses)["ceiling"] is None


def _write_session(folder: Path, n_images=6, n_neurons=3, raw=None, avg=None, with_zip=True):
    folder.mkdir(parents=True, exist_ok=True)
    if with_zip:
        with zipfile.ZipFile(folder / "images.zip", "w") as zf:
            for i in range(n_images):
                img = Image.new("RGB", (16, 16), (10 * i, 20, 30))
                path = folder / "tmp.jpg"
                img.save(path)
                zf.write(path, f"image{i + 1:04d}.jpg")
                path.unlink()
    if raw is not None:
        np.save(folder / "responses_raw.npy", raw)
    if avg is not None:
        np.save(folder / "responses_avg.npy", avg)
    return folder


def test_load_cowley_synthetic_ok_and_refusals(tmp_path):
    rng = np.random.default_rng(0)
    raw = rng.poisson(3.0, size=(3, 6, 4)).astype(float)
    raw[:, 2, 3] = np.nan
    ok = load_cowley2023(_write_session(tmp_path / "111111", raw=raw, avg=np.nanmean(raw, axis=2)))
    assert ok.benchmark_id == "Cowley2023.111111.V4-pls" and ok.responses.shape == (3, 6, 4)

    cases = {
        "count": (dict(raw=rng.random((3, 5, 4))), "images.zip"),
        "dead_neuron": (dict(raw=np.where(np.arange(3)[:, None, None] == 1, np.nan, raw)), "responses_raw.npy"),
        "dead_image": (dict(raw=np.where(np.arange(6)[None, :, None] == 4, np.nan, raw)), "responses_raw.npy"),
        "ndim_raw": (dict(raw=rng.random((3, 6))), "responses_raw.npy"),
        "ndim_avg": (dict(avg=rng.random((3, 6, 2))), "responses_avg.npy"),
        "nan_avg": (dict(avg=np.where(np.eye(3, 6) > 0, np.nan, 1.0)), "responses_avg.npy"),
        "avg_mismatch": (dict(raw=raw, avg=np.nanmean(raw, axis=2) + 1), "responses_avg.npy"),
        "no_responses": (dict(), "responses_raw.npy"),
        "no_zip": (dict(raw=raw, with_zip=False), "images.zip"),
    }
    for name, (kw, fname) in cases.items():
        folder = _write_session(tmp_path / name, **kw)
        with pytest.raises(WiringupError, match=fname):
            load_cowley2023(folder)
    with pytest.raises(WiringupError, match="session folder not found"):
        load_cowley2023(tmp_path / "absent")


def test_load_benchmark_unknown_kind(tmp_path):
    with pytest.raises(WiringupError, match="cowley2023"):
        load_benchmark("majaj", tmp_path)
    assert set(BENCHMARK_TYPES) == {"cowley2023", "cowley2023_sessions", "majajhong2015_slice", "coggan2024_fmri",
                                    "kiani2007_rsa92", "geirhos2021", "marques2020", "assembly"}


def test_registry_matches_the_schema_and_every_family_packages_scores_and_reads_back():
    """Every config type of the schema (but top-1) has a loader, and every non-PLS family its packaging and scorer."""
    import yaml

    from wiringup.scoring.benchmarks.registry import FAMILIES

    schema = yaml.safe_load(open(Path(__file__).parents[1] / "workflow/schemas/config.schema.yaml"))
    enum = schema["properties"]["scoring"]["properties"]["benchmarks"]["additionalProperties"]["properties"]["type"]
    assert set(enum["enum"]) - {"imagenet_top1"} == set(BENCHMARK_TYPES)
    assert set(FAMILIES) == set(BENCHMARK_TYPES) - {"cowley2023", "majajhong2015_slice", "assembly"}
    for fam in FAMILIES.values():
        assert callable(fam.package) and callable(fam.load_packaged) and callable(fam.scorer)


# ---------------------------------------------------------------------------------------------- features

class TwoCalls(nn.Module):
    """A stand-in for a CORnet-S area: one Identity ``output`` called once per 'timestep'."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, kernel_size=4, stride=4)
        self.output = nn.Identity()
        self.head = nn.Linear(4, 2)
        self.forward_calls = 0

    def forward(self, x):
        self.forward_calls += 1
        x = self.output(torch.relu(self.conv(x)))  # t0
        x = self.output(2 * x + 1)                 # t1
        return self.head(x.mean(dim=(2, 3)))


def test_extract_features_picks_the_timestep():
    torch.manual_seed(0)
    model = TwoCalls().train()
    stimuli = torch.randn(10, 3, 16, 16)
    t0 = extract_features(model, stimuli, "output-t0", batch_size=4)
    t1 = extract_features(model, stimuli, "output-t1", batch_size=4)
    plain = extract_features(model, stimuli, "output")
    assert t0.shape == (10, 4 * 4 * 4) and t0.dtype == np.float32
    np.testing.assert_array_equal(plain, t0)
    np.testing.assert_allclose(t1, 2 * t0 + 1, rtol=1e-6)
    assert model.training  # mode restored
    with pytest.raises(WiringupError, match="-t0 ... -t1"):
        extract_features(model, stimuli, "output-t2")


def test_extract_features_missing_layer_fails_before_forward():
    model = TwoCalls()
    with pytest.raises(WiringupError, match="V4.output") as info:
        extract_features(model, torch.randn(2, 3, 16, 16), "V4.output-t0")
    assert "output" in str(info.value).split("include:")[1]  # lists valid names
    assert model.forward_calls == 0


def test_preprocess_stimuli_resizes_whole_image_and_normalises():
    gray = Image.new("RGB", (112, 80), (128, 128, 128))
    out = preprocess_stimuli([gray, gray.convert("L")], 32)
    assert out.shape == (2, 3, 32, 32)
    expected = (128 / 255 - np.array([0.485, 0.456, 0.406])) / np.array([0.229, 0.224, 0.225])
    np.testing.assert_allclose(out[0].mean(dim=(1, 2)).numpy(), expected, atol=1e-5)
    np.testing.assert_allclose(out[1].numpy(), out[0].numpy(), atol=1e-6)


def test_score_neural_end_to_end():
    rng = np.random.default_rng(0)
    images = [Image.fromarray(rng.integers(0, 255, (20, 20, 3), dtype=np.uint8)) for _ in range(60)]
    torch.manual_seed(0)
    model = TwoCalls()
    feats = extract_features(model, preprocess_stimuli(images, 16), "output-t0")
    signal = feats[:, :5] @ rng.standard_normal((5, 8))
    responses = signal.T[:, :, None] + 0.5 * signal.std() * rng.standard_normal((8, 60, 4))
    data = NeuralData("Test.V4-pls", "V4", "synthetic", "none", [f"s{i}" for i in range(60)], images, responses)
    out = score_neural(model, data, "output-t0", input_size=16, n_splits=5)
    assert out["raw"] > 0.5 and 0.5 < out["ceiling"] <= 1.0
    assert out["score"] == pytest.approx(out["raw"] / out["ceiling"])
    assert out["error"] == pytest.approx(out["raw_error"] / out["ceiling"])
    assert (out["n_stimuli"], out["n_neuroids"], len(out["per_split"])) == (60, 8, 5)
    assert out["seconds"] > 0
    assert score_neural(model, data, "output-t0", input_size=16, n_splits=5)["per_split"] == out["per_split"]
    unceiled = score_neural(model, NeuralData("T", "V4", "", "", data.stimulus_ids, images,
                                              responses[:, :, :1]), "output-t0", input_size=16, n_splits=5)
    assert unceiled["score"] is None and unceiled["ceiling"] is None and unceiled["raw"] > 0.5


@pytest.mark.parametrize("bid, entry", [
    ("tong.Coggan2024_fMRI.V1-rdm", {"type": "coggan2024_fmri", "path": "coggan2024_fmri", "region": "V1"}),
    ("Kriegeskorte2008.IT-rsa92", {"type": "kiani2007_rsa92", "path": "kiani2007_rsa92", "region": "IT",
                                   "target": "human"}),
])
def test_a_family_benchmark_is_packaged_and_scored_by_the_scoring_job(data_root, tmp_path, bid, entry):
    """The DAG's path for a non-PLS family: package_benchmark's library call, then the scoring job on the packaged
    file gives the same score as on the raw data folder, and writes the score JSON (format wiringup-score)."""
    import json

    from wiringup.nets.checkpoints import save_checkpoint
    from wiringup.nets.registry import build_model
    from wiringup.scoring.benchmarks.registry import load_benchmark, loader_arguments, package_benchmark, \
        packaged_family
    from wiringup.scoring.jobs import score_checkpoint

    b = {"id": bid, "backend": "local", **entry}
    data = load_benchmark(b["type"], data_root / b["path"], region=b["region"], **loader_arguments(b))
    packaged = tmp_path / f"{bid}.nc"
    package_benchmark(b["type"], data, packaged)
    assert packaged_family(packaged) == b["type"]
    mc = {"arch": "cornet_s", "width": 0.25, "num_classes": 10}
    save_checkpoint(tmp_path / "m.pt", build_model(seed=0, **mc), mc, {"init": "kn", "seed": 0, "epoch": 0.0})
    kw = dict(model_id="init/kn/seed0", benchmark=b, data_root=str(data_root), input_size=64,
              scoring={"batch_size": 64, "pls": {}, "ceiling": {}})
    from_file = score_checkpoint(str(tmp_path / "m.pt"), str(tmp_path / "a.json"), assembly=str(packaged), **kw)
    from_folder = score_checkpoint(str(tmp_path / "m.pt"), str(tmp_path / "b.json"), **kw)
    assert from_file["benchmark_id"] == bid and from_file["region"] == b["region"]
    assert np.isfinite(from_file["raw"]) and from_file["ceiling"] > 0
    assert from_file["score"] == pytest.approx(from_folder["score"], abs=1e-9)
    assert json.loads((tmp_path / "a.json").read_text())["format"] == "wiringup-score"


# ------------------------------------------------------------- activations shared by the benchmarks of one job
def test_extract_layers_captures_earlier_layers_in_the_same_pass():
    """Layers of ``also`` reached before the stop come from the same passes and equal their own extraction; a
    layer after the stop is not computed."""
    from wiringup.nets.registry import REGION_LAYERS, build_model
    from wiringup.scoring.features import extract_layers

    model = build_model(seed=0, arch="cornet_s", width=0.125, num_classes=10)
    x = torch.randn(5, 3, 32, 32)
    L = REGION_LAYERS["cornet_s"]
    got = extract_layers(model, x, L["IT"], batch_size=2, also=[L["V1"], L["V2"], L["V4"]])
    assert set(got) == {L["V1"], L["V2"], L["V4"], L["IT"]}
    for layer, feats in got.items():
        np.testing.assert_array_equal(feats, extract_features(model, x, layer, batch_size=2))
    assert set(extract_layers(model, x, L["V1"], also=[L["IT"]])) == {L["V1"]}   # IT is after the stop


def test_a_scoring_job_shares_forward_passes_and_gives_each_benchmark_its_own_score(data_root, tmp_path):
    """Coggan2024's four regions show the same 24 images: scored in one job (score_checkpoint_on), the pass that
    stops at IT serves V1, V2 and V4 too, and every score JSON equals the one its benchmark gets alone."""
    import json

    from wiringup.nets.checkpoints import save_checkpoint
    from wiringup.nets.registry import build_model
    from wiringup.scoring import features as F
    from wiringup.scoring.jobs import score_checkpoint, score_checkpoint_on

    if not (data_root / "coggan2024_fmri").is_dir():
        pytest.skip("coggan2024_fmri not in the shared data")
    mc = {"arch": "cornet_s", "width": 0.125, "num_classes": 10}
    save_checkpoint(tmp_path / "m.pt", build_model(seed=0, **mc), mc, {"init": "kn", "seed": 0, "epoch": 0.0})
    jobs = {f"tong.Coggan2024_fMRI.{r}-rdm": {"benchmark": {"id": f"tong.Coggan2024_fMRI.{r}-rdm", "backend": "local",
                                                             "type": "coggan2024_fmri", "path": "coggan2024_fmri",
                                                             "region": r}, "assembly": None, "manifest": None}
            for r in ("IT", "V1", "V2", "V4")}   # the job's order: IT first, as the scoring plan sorts the ids
    kw = dict(model_id="init/kn/seed0", data_root=str(data_root), input_size=32,
              scoring={"batch_size": 64, "pls": {}, "ceiling": {}})
    passes, hits, real = [], [], F.FeatureCache.get

    def counting_get(self, key, layer):
        found = real(self, key, layer)
        (hits if found is not None else passes).append(layer)
        return found

    F.FeatureCache.get = counting_get
    try:
        shared = score_checkpoint_on(str(tmp_path / "m.pt"), jobs, {b: str(tmp_path / f"{b}.json") for b in jobs}, **kw)
    finally:
        F.FeatureCache.get = real
    assert len(passes) == 1 and len(hits) == 3, (passes, hits)   # one pass, to IT, for all four regions
    for b, record in zip(jobs, shared):
        alone = score_checkpoint(str(tmp_path / "m.pt"), str(tmp_path / f"alone_{b}.json"),
                                 benchmark=jobs[b]["benchmark"], **kw)
        assert record["benchmark_id"] == b and np.isfinite(alone["raw"])
        assert record["raw"] == alone["raw"] and record["score"] == alone["score"]
        assert json.loads((tmp_path / f"{b}.json").read_text())["raw"] == alone["raw"]
