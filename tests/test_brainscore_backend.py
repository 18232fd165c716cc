"""Tests for wiringup.scoring.brainscore (catalog, model, offline, score): the paper's Brain-Score benchmarks
through brainscore-vision 2.x, and local data scored by brainscore-vision's own metric (tests/brainscore_helpers.py).

Nothing here may reach the network: a module-wide guard fails any non-loopback connection or DNS lookup (and
records it, in case brainscore swallows the error) and any pip call. The brainscore path is exercised end to
end on the real local Cowley et al. (2023) V4 data; the S3 benchmarks are exercised up to the offline refusal.
brainscore's caches point at temporary folders.
"""
from __future__ import annotations

import os

# Before anything can import brainscore_vision: never pip-install plugin requirements, never probe AWS metadata.
os.environ["BS_INSTALL_DEPENDENCIES"] = "no"
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

import atexit  # noqa: E402
import functools  # noqa: E402
import tempfile  # noqa: E402
import uuid  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

# brainscore's caches must be neither read (stale hits) nor written by the tests. result_caching fixes its folder
# when brainscore is first imported, so it is also redirected per test session below (brainscore_caches).
_CACHES = Path(tempfile.mkdtemp(prefix="wiringup-test-brainscore-"))
atexit.register(shutil.rmtree, _CACHES, ignore_errors=True)
for _var in ("BRAINIO_HOME", "RESULTCACHING_HOME", "BRAINSCORE_HOME"):
    os.environ[_var] = str(_CACHES / _var.lower())
os.environ.pop("RESULTCACHING_S3_BUCKET", None)

pytest.importorskip("brainscore_vision")

from brainscore_helpers import (  # noqa: E402
    neural_assemblies,
    score_local_through_brainscore,
    stimulus_set_from_images,
)
from wiringup.core.io import WiringupError  # noqa: E402
from wiringup.nets.preprocessing import preprocess_stimuli  # noqa: E402
from wiringup.nets.registry import REGION_LAYERS, build_model  # noqa: E402
from wiringup.scoring.benchmarks.cowley2023 import load_cowley2023  # noqa: E402
from wiringup.scoring.benchmarks.neural_data import NeuralData  # noqa: E402
from wiringup.scoring.brainscore import score as bs_score  # noqa: E402
from wiringup.scoring.brainscore.catalog import (  # noqa: E402
    LEGACY_IDENTIFIERS,
    PAPER_BENCHMARKS,
    PRIVATE_BENCHMARKS,
    PUBLIC_BENCHMARKS,
)
from wiringup.scoring.brainscore.model import brain_model, weights_fingerprint  # noqa: E402
from wiringup.scoring.brainscore.offline import (  # noqa: E402
    brainio_cache_dir,
    offline_guard,
    required_cache_files,
    unpack_zip,
)
from wiringup.scoring.brainscore.score import score_brainscore  # noqa: E402
from wiringup.scoring.features import extract_features  # noqa: E402
from wiringup.scoring.neural import score_neural  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DATA_ROOT = Path(os.environ.get("WIRINGUP_DATA_ROOT", REPO.parent / "shared" / "data"))
COWLEY = DATA_ROOT / "cowley2023_v4"
SIZE = 32  # input resolution for the tiny model

# ------------------------------------------------------------------------------------------------ guards

from conftest import NETWORK_ATTEMPTS as ATTEMPTS  # noqa: E402 - the session-wide guard's record


@pytest.fixture(autouse=True, scope="module")
def brainscore_caches(tmp_path_factory):
    """Point brainscore's caches at tmp (the network/pip guard itself is session-wide, tests/conftest.py)."""
    import result_caching

    caches = tmp_path_factory.mktemp("caches")
    result_store = caches / "result_caching"
    with pytest.MonkeyPatch.context() as mp:
        # every result_caching storage (created at brainscore's import) writes under the test's folder
        mp.setattr(result_caching._DiskStorage, "_storage_directory",
                   property(lambda self: str(result_store), lambda self, value: None), raising=False)
        for var in ("BRAINIO_HOME", "RESULTCACHING_HOME", "BRAINSCORE_HOME"):
            mp.setenv(var, str(caches / var.lower()))
        mp.delenv("RESULTCACHING_S3_BUCKET", raising=False)
        yield result_store
    assert not ATTEMPTS, f"network/pip attempts during the tests: {ATTEMPTS}"


# ---------------------------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def tiny():
    model = build_model("cornet_s", seed=0, width=0.0625, num_classes=10)
    calls = {"n": 0}

    def count(*_args):
        calls["n"] += 1

    model.register_forward_pre_hook(count)
    model.forward_calls = calls  # type: ignore[attr-defined]
    return model


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    return [Image.fromarray(rng.integers(0, 255, (40, 56, 3), dtype=np.uint8)) for _ in range(24)]


@pytest.fixture(scope="module")
def cowley_210325():
    path = COWLEY / "210325"
    if not path.is_dir():
        pytest.skip(f"real Cowley 2023 data not found at {path}; set WIRINGUP_DATA_ROOT to the shared data folder")
    return load_cowley2023(path)


def _look_at(brain, images, region, folder):
    ids = [f"s{i:03d}" for i in range(len(images))]
    stimuli = stimulus_set_from_images(images, ids, folder, f"test.{region}.{len(images)}")
    brain.start_recording(region, time_bins=[(70, 170)])
    out = brain.look_at(stimuli)
    assert list(out["stimulus_id"].values) == ids
    return out.transpose("presentation", "neuroid").values


# --------------------------------------------------------------------------------------------- registry

def test_paper_benchmarks_are_the_registered_ones():
    import brainscore_vision

    registered = set()
    for init in (Path(brainscore_vision.__file__).parent / "benchmarks").glob("*/__init__.py"):
        registered |= set(re.findall(r"benchmark_registry\[['\"]([^'\"]+)['\"]\]", init.read_text()))
    assert set(PAPER_BENCHMARKS) <= registered
    assert len(PRIVATE_BENCHMARKS) == 6 and len(PUBLIC_BENCHMARKS) == 5
    assert all("public" in b for b in PUBLIC_BENCHMARKS)
    assert [PAPER_BENCHMARKS[b] for b in PRIVATE_BENCHMARKS] == ["V1", "V2", "V4", "IT", "behavior", "imagenet"]
    assert [PAPER_BENCHMARKS[b] for b in PUBLIC_BENCHMARKS] == ["V1", "V2", "V4", "IT", "behavior"]
    assert set(LEGACY_IDENTIFIERS) == set(PAPER_BENCHMARKS)


# ------------------------------------------------------------------------------------------- brain model

def test_brain_model_reads_the_first_timestep(tiny, images, tmp_path):
    layers = {"V4": "V4.output-t0", "IT": "IT.output-t0"}
    tiny.train()
    brain = brain_model(tiny, "tiny", SIZE, layers)
    x = preprocess_stimuli(images, SIZE)
    ours = {name: extract_features(tiny, x, name) for name in ("V4.output-t0", "V4.output-t3", "IT.output-t0")}

    v4 = _look_at(brain, images, "V4", tmp_path / "a")
    np.testing.assert_allclose(v4, ours["V4.output-t0"], atol=1e-5, rtol=0)
    assert np.abs(v4 - ours["V4.output-t3"]).max() > 1e-2  # not the last of V4's 4 timesteps
    np.testing.assert_allclose(_look_at(brain, images, "IT", tmp_path / "a"), ours["IT.output-t0"], atol=1e-5,
                               rtol=0)
    assert tiny.training  # train/eval mode restored

    # a later timestep by name, and the hazard this wrapper exists for: plain PytorchWrapper keeps the LAST call
    later = brain_model(tiny, "tiny", SIZE, {"V4": "V4.output-t3"})
    np.testing.assert_allclose(_look_at(later, images, "V4", tmp_path / "b"), ours["V4.output-t3"], atol=1e-5,
                               rtol=0)
    from brainscore_vision.model_helpers.activations.pytorch import PytorchWrapper, load_preprocess_images

    plain = PytorchWrapper(tiny, functools.partial(load_preprocess_images, image_size=SIZE), identifier=False)
    ids = [f"s{i:03d}" for i in range(len(images))]
    stimuli = stimulus_set_from_images(images, ids, tmp_path / "c", "plain")
    plain_v4 = plain(stimuli, layers=["V4.output"]).transpose("presentation", "neuroid").values
    np.testing.assert_allclose(plain_v4, ours["V4.output-t3"], atol=1e-5, rtol=0)
    tiny.train()


def test_brain_model_missing_timestep(tiny, images, tmp_path):
    brain = brain_model(tiny, "tiny", SIZE, {"V4": "V4.output-t9"})
    with pytest.raises(WiringupError, match=r"-t0 \.\.\. -t3"):
        _look_at(brain, images[:2], "V4", tmp_path)


def test_missing_layer_refused_before_any_activation(tiny, images, tmp_path):
    before = tiny.forward_calls["n"]
    bad = {**REGION_LAYERS["cornet_s"], "IT": "IT.outptu-t0"}
    with pytest.raises(WiringupError, match=r"region_layers\['IT'\].*IT\.outptu") as info:
        brain_model(tiny, "tiny", SIZE, bad)
    assert "IT.output" in str(info.value)  # lists valid names
    with pytest.raises(WiringupError, match="IT.outptu"):
        score_brainscore(tiny, "tiny", "MajajHong2015.V4-pls", SIZE, bad, cache_dir=tmp_path)
    with pytest.raises(WiringupError, match="behavioural readout.*decoder.avgpol"):
        score_brainscore(tiny, "tiny", "Rajalingham2018-i2n", SIZE, {"behavior": "decoder.avgpol-t0"},
                            cache_dir=tmp_path)
    with pytest.raises(WiringupError, match="no 'V1' entry"):
        score_brainscore(tiny, "tiny", "FreemanZiemba2013.V1-pls", SIZE, {"V4": "V4.output-t0"},
                            cache_dir=tmp_path)
    with pytest.raises(WiringupError, match="1000"):
        score_brainscore(tiny, "tiny", "ImageNet-top1", SIZE, REGION_LAYERS["cornet_s"], cache_dir=tmp_path)
    data = NeuralData("Test.V4-pls", "V4", "synthetic", "none", [f"s{i}" for i in range(len(images))], images,
                      np.random.default_rng(0).standard_normal((3, len(images), 2)))
    with pytest.raises(WiringupError, match="V4.nope"):
        score_local_through_brainscore(tiny, data, "V4.nope-t0", SIZE)
    assert tiny.forward_calls["n"] == before
    assert list(tmp_path.iterdir()) == []


def test_unknown_benchmark_refused_listing_known(tiny, tmp_path):
    with pytest.raises(WiringupError) as info:
        score_brainscore(tiny, "tiny", "dicarlo.Majaj2015.IT-pls", SIZE, REGION_LAYERS["cornet_s"],
                            cache_dir=tmp_path)
    message = str(info.value)
    assert "dicarlo.Majaj2015.IT-pls" in message and "did you mean 'MajajHong2015.IT-pls'" in message
    assert all(b in message for b in PAPER_BENCHMARKS)


# ------------------------------------------------------------------------------------ offline / download

def test_uncached_benchmark_refused_without_network(tiny, tmp_path, monkeypatch):
    cache = tmp_path / "empty_cache"
    cache.mkdir()
    monkeypatch.setenv("BRAINIO_HOME", str(cache))
    assert brainio_cache_dir() == cache
    before, attempts = tiny.forward_calls["n"], len(ATTEMPTS)
    with pytest.raises(WiringupError) as info:
        score_brainscore(tiny, "tiny", "MajajHong2015.IT-pls", SIZE, REGION_LAYERS["cornet_s"])
    message = str(info.value)
    assert "MajajHong2015.IT-pls" in message and str(cache) in message
    assert "scoring.brainscore.allow_download" in message and "scoring.brainscore.cache_dir" in message
    assert "score jobs never download" in message and "rule prefetch_brainscore" in message
    assert f"python -m wiringup.scoring.brainscore.prefetch --benchmarks MajajHong2015.IT-pls --cache-dir {cache}" \
        in message
    assert "assy_dicarlo_MajajHong2015_private.nc" in message and "stimulus_hvm-private.zip" in message
    assert len(ATTEMPTS) == attempts  # no connection was even tried
    assert tiny.forward_calls["n"] == before
    assert list(cache.iterdir()) == []  # nothing written into the cache

    files = required_cache_files("MajajHong2015public.IT-pls", cache)
    assert [f.kind for f in files] == ["assembly", "stimulus_csv", "stimulus_zip"]
    assert all(f.path.parent.parent == cache and f.path.parent.name == f.sha1 and not f.present for f in files)
    # where BrainIO fetches each from (what rule prefetch_brainscore downloads)
    assert [f.url for f in files] == [f"https://brainscore-storage.s3.amazonaws.com/brainio-brainscore/{name}" for name
                                      in ("assy_dicarlo_MajajHong2015_public.nc", "stimulus_hvm-public.csv",
                                          "stimulus_hvm-public.zip")]
    assert [f.version_id for f in files] == ["null"] * 3 and files[2].unpacked == files[2].path.with_suffix("")
    assert required_cache_files("ImageNet-top1", cache) == []


def test_offline_guard_blocks_every_download(tmp_path):
    """Even past the file list, brainscore's own loader cannot download inside the guard."""
    from brainscore_vision import load_benchmark

    attempts = len(ATTEMPTS)
    with pytest.raises(WiringupError, match="MajajHong2015public.IT-pls"):
        with offline_guard("MajajHong2015public.IT-pls", tmp_path):
            load_benchmark("MajajHong2015public.IT-pls")
    assert len(ATTEMPTS) == attempts
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_stimulus_zip_is_unpacked_atomically_once(tmp_path):
    """Score jobs unpack a cached stimulus zip at most once, never into a folder another job is filling."""
    import zipfile

    zip_path = tmp_path / "0123" / "stimulus_x.zip"
    zip_path.parent.mkdir()
    with zipfile.ZipFile(zip_path, "w") as z:
        for i in range(3):
            z.writestr(f"s{i}.png", b"png")
    folder = unpack_zip(zip_path)
    assert folder == zip_path.with_suffix("") and sorted(p.name for p in folder.iterdir()) == ["s0.png", "s1.png",
                                                                                              "s2.png"]
    (folder / "s0.png").write_bytes(b"kept")
    assert unpack_zip(zip_path) == folder and (folder / "s0.png").read_bytes() == b"kept"  # not unpacked again
    assert sorted(p.name for p in zip_path.parent.iterdir()) == ["stimulus_x", "stimulus_x.zip"]  # no temp left


# ------------------------------------------------------------------------------ local data, brainscore path

def test_local_benchmark_through_brainscore_matches_ours(tiny, cowley_210325):
    d = cowley_210325
    bs = score_local_through_brainscore(tiny, d, "V4.output-t0", SIZE, identifier="tiny", seed=1)
    ours = score_neural(tiny, d, "V4.output-t0", SIZE, seed=1, ceiling_seed=1, ceiling_mode="global")
    assert bs["backend"] == "brainscore"
    assert (bs["n_stimuli"], bs["n_neuroids"], bs["n_features"]) == (640, 50, ours["n_features"])
    assert bs["raw"] == pytest.approx(ours["raw"], abs=0.01)
    assert bs["ceiling"] == pytest.approx(ours["ceiling"], abs=0.01)
    assert bs["score"] == pytest.approx(bs["raw"] / bs["ceiling"])
    assert bs["score_brainscore_2x"] == pytest.approx(bs["raw"] ** 2 / bs["ceiling"])
    assert bs["error"] == pytest.approx(bs["raw_error"] / bs["ceiling"])
    # same features, splits, regression and ceiling split: in practice identical to float precision
    np.testing.assert_allclose(bs["raw_per_split"], ours["raw_per_split"], atol=1e-4)
    assert bs["raw_error"] == pytest.approx(ours["raw_error"], abs=1e-4)
    assert bs["ceiling_error"] == pytest.approx(ours["ceiling_error"], abs=1e-4)
    assert set(ours) - set(bs) <= {"n_unconverged_components"}


def test_score_brainscore_result_on_a_brainscore_neural_benchmark(tiny, cowley_210325, tmp_path, monkeypatch):
    """score_brainscore end to end (commitment, brainscore's NeuralBenchmark.__call__, result extraction), with a
    NeuralBenchmark built on the local Cowley data standing in for the downloaded MajajHong2015public.V4-pls."""
    from brainscore_vision import load_ceiling, load_metric
    from brainscore_vision.benchmark_helpers.neural_common import NeuralBenchmark

    d = cowley_210325
    repeated, averaged = neural_assemblies(d, None)
    averaged = averaged.expand_dims("time_bin_start").expand_dims("time_bin_end")
    averaged["time_bin_start"], averaged["time_bin_end"] = [70], [170]
    averaged = averaged.stack(time_bin=["time_bin_start", "time_bin_end"]).squeeze("time_bin")
    averaged = averaged.transpose("presentation", "neuroid")
    averaged.attrs["stimulus_set"] = stimulus_set_from_images(d.images, d.stimulus_ids, tmp_path / "stimuli",
                                                                 f"test.cowley.{uuid.uuid4().hex}")
    ceiler = load_ceiling("internal_consistency")
    benchmark = NeuralBenchmark(
        identifier=f"test.cowley.{uuid.uuid4().hex}", version=1, assembly=averaged, visual_degrees=8,
        similarity_metric=load_metric("pls", crossvalidation_kwargs=dict(stratification_coord=None)),
        number_of_trials=1, ceiling_func=lambda: ceiler(repeated), parent="V4")
    requested = {}

    def fake_load(benchmark_id, **kwargs):
        requested.update(benchmark_id=benchmark_id, **kwargs)
        return benchmark

    monkeypatch.setattr(bs_score, "load_benchmark_checked", fake_load)
    out = score_brainscore(tiny, "tiny", "MajajHong2015public.V4-pls", SIZE, REGION_LAYERS["cornet_s"],
                              cache_dir=tmp_path / "cache")
    assert requested["benchmark_id"] == "MajajHong2015public.V4-pls" and requested["allow_download"] is False
    ours = score_neural(tiny, d, "V4.output-t0", SIZE, seed=1, ceiling_seed=1, ceiling_mode="global")
    assert (out["backend"], out["region"], out["layer"]) == ("brainscore", "V4", "V4.output-t0")
    assert out["legacy_identifier"] == "dicarlo.Majaj2015public.V4-pls"
    assert (out["n_stimuli"], out["n_neuroids"]) == (640, 50)
    assert out["raw"] == pytest.approx(ours["raw"], abs=1e-4)
    assert out["ceiling"] == pytest.approx(ours["ceiling"], abs=1e-4)
    assert out["score"] == pytest.approx(out["raw"] / out["ceiling"])  # the paper's Brain-Score
    assert out["score_brainscore_2x"] == pytest.approx(out["raw"] ** 2 / out["ceiling"])  # brainscore-vision 2.x
    assert out["error"] == pytest.approx(out["raw_error"] / out["ceiling"])
    np.testing.assert_allclose(out["raw_per_split"], ours["raw_per_split"], atol=1e-4)


def test_activation_cache_is_off_by_default_and_keyed_by_weights(tiny, images, tmp_path, brainscore_caches):
    import copy

    stored = lambda: sorted(p for p in brainscore_caches.rglob("*same-name*") if p.is_file())  # noqa: E731
    first = _look_at(brain_model(tiny, "same-name", SIZE, {"V4": "V4.output-t0"}), images, "V4", tmp_path / "a")
    assert stored() == []  # default: nothing cached

    cached = _look_at(brain_model(tiny, "same-name", SIZE, {"V4": "V4.output-t0"}, store_activations=True),
                      images, "V4", tmp_path / "a")
    assert len(stored()) == 1 and "same-name.w" in str(stored()[0])
    np.testing.assert_array_equal(cached, first)
    changed = copy.deepcopy(tiny)
    with torch.no_grad():
        changed.V1.conv1.weight.mul_(2.0)
    assert weights_fingerprint(changed) != weights_fingerprint(tiny)
    other = _look_at(brain_model(changed, "same-name", SIZE, {"V4": "V4.output-t0"}, store_activations=True),
                     images, "V4", tmp_path / "a")
    assert len(stored()) == 2  # a new entry, not the first model's activations
    np.testing.assert_allclose(other, extract_features(changed, preprocess_stimuli(images, SIZE), "V4.output-t0"),
                               atol=1e-5, rtol=0)
    assert np.abs(other - first).max() > 1e-3
