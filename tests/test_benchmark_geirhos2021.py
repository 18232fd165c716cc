"""Tests for the geirhos2021 family (wiringup.scoring.benchmarks.geirhos2021, wiringup.scoring.error_consistency,
wiringup.scoring.behavior, wiringup.scoring.brainscore.local_geirhos2021).

The metric and ceiling are checked against hand-computed numbers, a second simple implementation here
(:func:`kappa_by_hand`), Brain-Score's own metric test and the ceilings Brain-Score's plugin tests publish for the
real data. Parity: brainscore-vision's own Geirhos2021 / Hermann2020 benchmark classes run offline on the locally
registered data. brainscore decides only from 1000 ImageNet logits (``LabelBehavior``), so the parity models are
width-0.25 CORnet-S with 1000 outputs: one at birth and one with a decoder trained here (on silhouette images,
which the cue-conflict benchmarks do not score). No network (conftest's guard; BS_INSTALL_DEPENDENCIES=no); every
cache brainscore could write (BrainIO, result_caching, BRAINSCORE_HOME) points into a temporary folder.
"""
from __future__ import annotations

import atexit
import csv
import dataclasses
import os
import shutil
import tempfile
from fractions import Fraction
from itertools import combinations
from pathlib import Path

_CACHES = Path(tempfile.mkdtemp(prefix="wiringup-test-geirhos-"))  # before brainscore_vision is first imported
atexit.register(shutil.rmtree, _CACHES, ignore_errors=True)
os.environ.update({v: str(_CACHES / v.lower()) for v in ("BRAINIO_HOME", "RESULTCACHING_HOME", "BRAINSCORE_HOME")})

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from wiringup.core.io import WiringupError  # noqa: E402
from wiringup.scoring.benchmarks.geirhos2021 import (  # noqa: E402
    SCORER,
    load_geirhos2021,
    load_packaged_geirhos2021,
    package_geirhos2021,
)
from wiringup.scoring.benchmarks.registry import BENCHMARK_TYPES, load_benchmark  # noqa: E402
from wiringup.scoring.behavior import IMAGENET_16_INDICES, imagenet_choices, readout_choices  # noqa: E402
from wiringup.scoring.screen import place_on_screen  # noqa: E402
from wiringup.scoring.error_consistency import (  # noqa: E402
    CHOICE_LABELS_16,
    error_consistency,
    error_consistency_ceiling,
    pair_error_consistency,
    shape_bias,
)

EXPERIMENT_FOLDERS = {"cue-conflict": "style-transfer-512-nomask-experiment", "edge": "edge-experiment",
                      "silhouette": "silhouette-filled-experiment"}
#: brainscore-vision's published ceilings (benchmarks/geirhos2021/test.py, test_dataset_ceiling)
BRAINSCORE_CEILINGS = {"cue-conflict": 0.33105, "edge": 0.31844, "silhouette": 0.47571}
SIZE = 32


# ------------------------------------------------------------------------------------ an independent metric

def kappa_by_hand(a, b, truth) -> float:
    """Cohen's kappa of two correct/incorrect patterns, in exact fractions (the test's own implementation)."""
    n = len(truth)
    ca = [x == t for x, t in zip(a, truth)]
    cb = [x == t for x, t in zip(b, truth)]
    pa, pb = Fraction(sum(ca), n), Fraction(sum(cb), n)
    expected = pa * pb + (1 - pa) * (1 - pb)
    observed = Fraction(sum(x == y for x, y in zip(ca, cb)), n)
    return float((observed - expected) / (1 - expected)) if expected != 1 else float("nan")


@pytest.fixture(scope="module")
def geirhos(data_root) -> Path:
    """The real data folder (skip when it is absent)."""
    if not (data_root / "geirhos2019_cueconflict" / "trials.csv").is_file():
        pytest.skip(f"Geirhos data not found under {data_root}")
    return data_root / "geirhos2019_cueconflict"


def answers_from_trials(root: Path, experiment: str):
    """(sorted subjects, sorted stimulus ids, truth, subject x stimulus answers) straight from trials.csv."""
    rows = [r for r in csv.DictReader((root / "trials.csv").open())
            if r["experiment"] == EXPERIMENT_FOLDERS[experiment]]
    answers = {(r["subj"], Path(r["stimulus"]).stem): r["object_response"] for r in rows}
    truth = {Path(r["stimulus"]).stem: r["category"] for r in rows}
    subjects, ids = sorted({s for s, _ in answers}), sorted(truth)
    return subjects, ids, [truth[i] for i in ids], [[answers[(s, i)] for i in ids] for s in subjects]


# ------------------------------------------------------------------------------------------- metric, by hand

def test_pair_error_consistency_hand_computed():
    truth = ["dog", "cat", "chair", "cat", "dog", "dog"]
    a = ["dog", "cat", "dog", "cat", "cat", "dog"]    # correct 1 1 0 1 0 1: p = 2/3
    b = ["dog", "dog", "chair", "cat", "dog", "cat"]  # correct 1 0 1 1 1 0: p = 2/3
    # expected 4/9 + 1/9 = 5/9, observed 2/6 = 1/3: kappa = (1/3 - 5/9) / (4/9) = -1/2
    assert pair_error_consistency(a, b, truth) == pytest.approx(-0.5)
    assert kappa_by_hand(a, b, truth) == pytest.approx(-0.5)
    assert np.isnan(pair_error_consistency(truth, truth, truth))  # both always right: undefined, as Brain-Score


def test_error_consistency_matches_brainscores_own_metric_test():
    """brainscore_vision/metrics/error_consistency/test.py: subject A against A, B, C over three conditions is 0.2,
    and A's own score is 1 (its all-correct condition, where kappa is 0/0, is skipped like xarray's mean does)."""
    answers = np.array([["dog", "cat", "chair", "cat", "dog", "dog", "dog", "dog", "chair"],
                        ["cat", "cat", "chair", "cat", "dog", "cat", "chair", "cat", "cat"],
                        ["dog", "cat", "chair", "dog", "cat", "chair", "dog", "cat", "chair"]], dtype=object)
    truth = ["dog", "cat", "chair"] * 3
    conditions = [1, 1, 1, 2, 2, 2, 3, 3, 3]
    out = error_consistency(answers[0], answers, truth, conditions)
    assert out["raw"] == pytest.approx(0.2)
    assert out["per_subject"][0] == pytest.approx(1.0)
    by_hand = [np.nanmean([kappa_by_hand(answers[0][c * 3:c * 3 + 3], answers[s][c * 3:c * 3 + 3], truth[:3])
                           for c in range(3)]) for s in range(3)]
    assert out["per_subject"] == pytest.approx(by_hand)


def test_shape_bias_hand_computed():
    shape = ["cat", "dog", "car", "bird", "bird"]
    texture = ["dog", "cat", "bird", "car", "bird"]  # the last image has no cue conflict: left out
    answers = ["cat", "cat", "bird", "truck", "bird"]  # shape, texture, texture, neither
    out = shape_bias(answers, shape, texture)
    assert (out["n_shape"], out["n_texture"], out["n_conflict_answers"]) == (1, 2, 4)
    assert out["shape_bias"] == pytest.approx(1 / 3)
    assert (out["shape_match"], out["texture_match"]) == (pytest.approx(0.25), pytest.approx(0.5))
    assert np.isnan(shape_bias(["knife"] * 5, shape, texture)["shape_bias"])


def test_imagenet_choices_average_within_a_category():
    logits = np.zeros((3, 1000))
    logits[0, 404] = 5.0                                      # airplane
    logits[1, 499] = 2.0                                      # knife (one class) ...
    logits[1, list(IMAGENET_16_INDICES["dog"])] = 1.9         # ... beats dog: its mean, not its sum, counts
    logits[2, list(IMAGENET_16_INDICES["truck"])] = 3.0
    assert imagenet_choices(logits) == ["airplane", "knife", "truck"]
    assert sum(len(v) for v in IMAGENET_16_INDICES.values()) == 207
    with pytest.raises(WiringupError, match="1000"):
        imagenet_choices(np.zeros((2, 10)))


# ------------------------------------------------------------------------------------------------ real data

@pytest.fixture(scope="module")
def cueconflict(geirhos):
    return load_geirhos2021(geirhos)


@pytest.mark.parametrize("experiment", sorted(BRAINSCORE_CEILINGS))
def test_ceilings_match_brainscore_and_an_independent_computation(geirhos, experiment):
    subjects, ids, truth, answers = answers_from_trials(geirhos, experiment)
    ours = error_consistency_ceiling(np.array(answers, dtype=object), truth)
    by_hand = [kappa_by_hand(answers[i], answers[j], truth) for i, j in combinations(range(len(subjects)), 2)]
    assert len(by_hand) == 45
    assert ours["ceiling"] == pytest.approx(abs(np.mean(by_hand)), abs=1e-12)
    assert ours["error"] == pytest.approx(np.std(by_hand), abs=1e-12)
    assert ours["ceiling"] == pytest.approx(BRAINSCORE_CEILINGS[experiment], abs=1e-3)


def test_loader_on_real_cueconflict(cueconflict):
    d = cueconflict
    s = d.summary()
    assert (d.benchmark_id, d.region, s["n_stimuli"], s["n_subjects"], s["n_trials"]) == (
        "Geirhos2021cueconflict-error_consistency", "behavior", 1280, 10, 12800)
    assert s["n_no_answer"] == 131 and s["n_readout_fit_images"] == 320
    assert s["ceiling"] == pytest.approx(BRAINSCORE_CEILINGS["cue-conflict"], abs=1e-3)
    assert s["human_shape_bias"] == pytest.approx(0.959, abs=5e-4)  # the data README's pooled human value
    assert sum(t != x for t, x in zip(d.truth, d.texture)) == 1200
    assert all(i.startswith(("edge/", "silhouette/")) for i in d.fit_ids)
    assert all(im.size == (224, 224) and im.mode == "RGB" for im in d.images[:5])


# ------------------------------------------------------------------------------------------ a synthetic folder

def write_folder(root: Path, subjects=("subject-01", "subject-02", "subject-03")) -> Path:
    """A tiny data folder in the real layout: per experiment 16 images (one per class), solid colours; cue conflict
    also has one same-class image; every subject answers every image (answers vary by subject)."""
    rng = np.random.default_rng(0)
    rows = []
    folders = {"cue-conflict": "style-transfer-preprocessed-512", "edge": "edges", "silhouette": "filled-silhouettes"}
    for experiment, folder in folders.items():
        names = []
        for k, label in enumerate(CHOICE_LABELS_16):
            if experiment == "cue-conflict":
                names.append((label, f"{label}1-{CHOICE_LABELS_16[(k + 1) % 16]}1", "jpg"))
            else:
                names.append((label, f"{label}1", "png"))
        if experiment == "cue-conflict":
            names.append(("dog", "dog2-dog1", "jpg"))
        for label, stem, ext in names:
            path = root / "stimuli" / folder / label / f"{stem}.{ext}"
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.new("RGB", (24, 24), tuple(int(v) for v in rng.integers(0, 256, 3))).save(path)
        for s, subject in enumerate(subjects):
            for trial, (label, stem, ext) in enumerate(names):
                answer = label if (trial + s) % 3 else CHOICE_LABELS_16[(trial * (s + 2)) % 16]
                rows.append({"experiment": EXPERIMENT_FOLDERS[experiment], "subj": subject, "session": 1,
                             "trial": trial + 1, "rt": 0.5, "object_response": "na" if (trial, s) == (2, 1) else answer,
                             "category": label, "condition": 0, "imagename": f"{trial:04d}_x_{stem}.png",
                             "stimulus": f"stimuli/{folder}/{label}/{stem}.{ext}"})
    with (root / "trials.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return root


@pytest.fixture()
def fake(tmp_path):
    return write_folder(tmp_path / "geirhos")


def _rewrite_trials(root: Path, change) -> None:
    rows = list(csv.DictReader((root / "trials.csv").open()))
    rows = change(rows)
    with (root / "trials.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_loader_on_synthetic_folder(fake):
    d = load_geirhos2021(fake)
    assert d.n_stimuli == 17 and d.human_answers.shape == (3, 17) and len(d.fit_ids) == 32
    assert d.stimulus_ids == sorted(d.stimulus_ids) and d.texture[d.stimulus_ids.index("dog2-dog1")] == "dog"
    assert sorted(set(d.fit_labels)) == list(CHOICE_LABELS_16)
    assert load_geirhos2021(fake, experiment="edge").benchmark_id == "Geirhos2021edge-error_consistency"
    edge = load_geirhos2021(fake, experiment="edge")
    assert len(edge.fit_ids) == 33 and {i.split("/")[0] for i in edge.fit_ids} == {"cue-conflict", "silhouette"}
    bias = load_geirhos2021(fake, metric="shape_bias")
    assert bias.benchmark_id == "Hermann2020cueconflict-shape_bias" and bias.ceiling()["ceiling"] == 1.0
    assert BENCHMARK_TYPES["geirhos2021"] is load_geirhos2021
    via_registry = load_benchmark("geirhos2021", fake, region="behavior", experiment="silhouette")
    assert via_registry.benchmark_id == "Geirhos2021silhouette-error_consistency"


@pytest.mark.parametrize("breakage, message", [
    ("no_column", r"trials\.csv: missing column.*object_response"),
    ("bad_answer", r"trials\.csv: .*object_response 'zebra'"),
    ("duplicate", r"trials\.csv: .*second trial"),
    ("missing_trial", r"trials\.csv: .*every subject must answer every stimulus"),
    ("bad_name", r"trials\.csv: cue-conflict stimulus 'cat1-dog1' is not named"),
    ("corrupt_image", r"airplane1-bear1\.jpg: not a readable image"),
    ("missing_image", r"trials\.csv: stimulus .*airplane1-bear1\.jpg not found"),
])
def test_malformed_files_refused_naming_the_file(fake, breakage, message):
    image = fake / "stimuli" / "style-transfer-preprocessed-512" / "airplane" / "airplane1-bear1.jpg"
    if breakage == "no_column":
        _rewrite_trials(fake, lambda rows: [{k: v for k, v in r.items() if k != "object_response"} for r in rows])
    elif breakage == "bad_answer":
        _rewrite_trials(fake, lambda rows: [{**r, "object_response": "zebra"} if i == 5 else r
                                            for i, r in enumerate(rows)])
    elif breakage == "duplicate":
        _rewrite_trials(fake, lambda rows: rows + [rows[0]])
    elif breakage == "missing_trial":
        _rewrite_trials(fake, lambda rows: rows[1:])
    elif breakage == "bad_name":  # a cue-conflict file whose shape class is not its category
        def rename(rows):
            return [{**r, "stimulus": r["stimulus"].replace("airplane1-bear1", "cat1-dog1")} for r in rows]
        _rewrite_trials(fake, rename)
        shutil.copy(image, image.with_name("cat1-dog1.jpg"))
    elif breakage == "corrupt_image":
        image.write_bytes(b"not a jpeg")
    elif breakage == "missing_image":
        image.unlink()
    with pytest.raises(WiringupError, match=message):
        load_geirhos2021(fake)


def test_loader_refuses_wrong_arguments(fake, tmp_path):
    with pytest.raises(WiringupError, match="behavioural.*'V4'"):
        load_geirhos2021(fake, region="V4")
    with pytest.raises(WiringupError, match="shape bias is defined on the cue-conflict"):
        load_geirhos2021(fake, experiment="edge", metric="shape_bias")
    with pytest.raises(WiringupError, match="trials.csv: file not found"):
        load_geirhos2021(tmp_path)


def test_packaging_round_trip(fake, tmp_path):
    for experiment, metric in (("cue-conflict", "error_consistency"), ("cue-conflict", "shape_bias"),
                               ("edge", "error_consistency")):
        d = load_geirhos2021(fake, experiment=experiment, metric=metric)
        for data in (d, dataclasses.replace(d, image_bytes=None, fit_bytes=None)):  # file bytes, or PNG
            path = package_geirhos2021(data, tmp_path / f"{experiment}-{metric}.nc")
            back = load_packaged_geirhos2021(path, region="behavior")
            for name in ("benchmark_id", "region", "description", "citation", "experiment", "metric", "stimulus_ids",
                         "truth", "texture", "conditions", "subjects", "fit_ids", "fit_labels", "image_degrees"):
                assert getattr(back, name) == getattr(d, name), name
            np.testing.assert_array_equal(back.human_answers, d.human_answers)
            for a, b in zip(back.images + back.fit_images, d.images + d.fit_images):
                np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
            assert back.summary() == d.summary()
    with pytest.raises(WiringupError, match="region 'behavior'"):
        load_packaged_geirhos2021(path, region="IT")
    other = tmp_path / "other.nc"
    import xarray as xr
    xr.Dataset({"x": ("a", [1.0])}, attrs={"family": "cowley2023"}).to_netcdf(other)
    with pytest.raises(WiringupError, match="not a packaged geirhos2021"):
        load_packaged_geirhos2021(other)


# ------------------------------------------------------------------------------------------------- scoring

def tiny_model(num_classes: int, seed: int = 0):
    from wiringup.nets.registry import build_model

    return build_model("cornet_s", seed=seed, width=0.25, num_classes=num_classes)


def test_score_readout_recomputed_independently(fake):
    d = load_geirhos2021(fake)
    out = SCORER(tiny_model(10), d, "decoder.avgpool-t0", SIZE)
    assert (out["decision"], out["layer"], out["n_model_outputs"], out["n_readout_fit_images"]) == (
        "readout", "decoder.avgpool-t0", 10, 32)
    assert set(out["choices"]) <= set(CHOICE_LABELS_16) and len(out["choices"]) == 17
    per_subject = [kappa_by_hand(out["choices"], d.human_answers[s], d.truth) for s in range(3)]
    ceiling = abs(np.mean([kappa_by_hand(d.human_answers[i], d.human_answers[j], d.truth)
                           for i, j in combinations(range(3), 2)]))
    assert out["raw"] == pytest.approx(abs(np.nanmean(per_subject)))
    assert out["ceiling"] == pytest.approx(ceiling)
    assert out["score"] == pytest.approx(min(max(out["raw"] / ceiling, 0), 1))
    assert out["raw_error"] == pytest.approx(np.nanstd(per_subject))
    assert out["on_screen"] and out["n_stimuli"] == 17 and out["region"] == "behavior"
    for key in ("benchmark_id", "region", "layer", "score", "raw", "ceiling", "error", "per_split", "n_stimuli",
                "n_neuroids", "ceiling_scheme", "seed", "input_size", "seconds"):
        assert key in out

    bias = SCORER(tiny_model(10), load_geirhos2021(fake, metric="shape_bias"), "decoder.avgpool-t0", SIZE)
    c = np.asarray(bias["choices"])
    conflict = np.asarray(d.truth) != np.asarray(d.texture)
    n_shape = int((c[conflict] == np.asarray(d.truth)[conflict]).sum())
    n_texture = int((c[conflict] == np.asarray(d.texture)[conflict]).sum())
    if n_shape + n_texture:
        assert bias["score"] == pytest.approx(n_shape / (n_shape + n_texture))
    assert not bias["on_screen"] and bias["ceiling"] == 1.0 and bias["ceiling_scheme"] == "unit"


def test_impossible_decisions_refused(fake):
    d = load_geirhos2021(fake)
    with pytest.raises(WiringupError, match=r"model tiny10: its output layer 'decoder.output' has 10 outputs.*1000"):
        SCORER(tiny_model(10), d, "decoder.avgpool-t0", SIZE, decision="imagenet", model_name="tiny10")
    no_fit = dataclasses.replace(d, fit_ids=[], fit_images=[], fit_labels=[], fit_bytes=[])
    with pytest.raises(WiringupError, match="model tiny10: has 10 outputs.*readout-fitting images"):
        SCORER(tiny_model(10), no_fit, "decoder.avgpool-t0", SIZE, model_name="tiny10")
    with pytest.raises(WiringupError, match=r"behaviour layer \(REGION_LAYERS"):
        SCORER(tiny_model(10), d, None, SIZE)
    with pytest.raises(WiringupError, match="IT.outptu"):
        SCORER(tiny_model(10), d, "IT.outptu-t0", SIZE)
    with pytest.raises(WiringupError, match="unknown decision"):
        SCORER(tiny_model(10), d, "decoder.avgpool-t0", SIZE, decision="logits")


# ------------------------------------------------------------------------------- brainscore-vision parity

def test_mapping_screen_and_readout_match_brainscore():
    pytest.importorskip("brainscore_vision")
    from brainscore_vision.benchmark_helpers.screen import ImageConverter
    from brainscore_vision.model_helpers.brain_transformation.behavior import (LabelToImagenetIndices,
                                                                                ProbabilitiesMapping)
    import xarray as xr

    assert all(list(IMAGENET_16_INDICES[label]) == LabelToImagenetIndices.label_to_indices(label)
               for label in CHOICE_LABELS_16)

    rng = np.random.default_rng(1)
    for size in ((224, 224), (37, 52)):
        img = Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))
        for source, target in ((3, 8), (8, 3)):
            ours = np.asarray(place_on_screen([img], source, target)[0])
            theirs = np.asarray(ImageConverter(_CACHES).apply_ratio(img, target / source))
            np.testing.assert_array_equal(ours, theirs)

    x = rng.standard_normal((96, 12))
    labels = np.array(CHOICE_LABELS_16)[rng.integers(0, 16, 96)]
    x += np.eye(16)[[CHOICE_LABELS_16.index(v) for v in labels]] @ rng.standard_normal((16, 12))
    test = rng.standard_normal((40, 12))
    ours, _ = readout_choices(x, labels, test)
    coords = {"stimulus_id": ("presentation", np.arange(96)), "neuroid_id": ("neuroid", np.arange(12))}
    clf = ProbabilitiesMapping.ProbabilitiesClassifier().fit(
        xr.DataArray(x, dims=("presentation", "neuroid"), coords=coords),
        xr.DataArray(labels, dims="presentation"))
    proba = clf.predict_proba(xr.DataArray(test, dims=("presentation", "neuroid"),
                                           coords={"stimulus_id": ("presentation", np.arange(40))}))
    theirs = [str(v) for v in proba["choice"].values[proba.values.argmax(axis=1)]]
    assert ours == theirs


@pytest.fixture(scope="module")
def parity_models(cueconflict):
    """Width-0.25 CORnet-S with 1000 outputs: at birth, and with its decoder trained (100 Adam steps of cross entropy
    on the decoder.avgpool features, at 32 px and placed on screen, of 96 silhouette images (6 per class), which the
    cue-conflict benchmarks do not score; each labelled with the first ImageNet class of its category). Training the
    whole network even a few steps takes minutes on the shared test machine; a trained head is what makes the
    decisions non-trivial."""
    import torch

    from wiringup.scoring.features import image_features

    birth, trained = tiny_model(1000, seed=0), tiny_model(1000, seed=0)
    fit = [i for label in CHOICE_LABELS_16 for i in [k for k, (sid, t) in enumerate(zip(
        cueconflict.fit_ids, cueconflict.fit_labels)) if t == label and sid.startswith("silhouette/")][:6]]
    shown = place_on_screen([cueconflict.fit_images[i] for i in fit], 3, 8)
    features = torch.from_numpy(image_features(trained, shown, "decoder.avgpool-t0", SIZE))
    y = torch.tensor([IMAGENET_16_INDICES[cueconflict.fit_labels[i]][0] for i in fit])
    linear = trained.decoder.linear
    opt = torch.optim.Adam(linear.parameters(), lr=0.01)
    for _ in range(100):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(linear(features), y).backward()
        opt.step()
    return {"at birth": birth, "trained": trained}


def _parity(model, data, tmp_path, name):
    from wiringup.scoring.brainscore.local_geirhos2021 import score_geirhos2021_brainscore

    ours = SCORER(model, data, "decoder.avgpool-t0", SIZE)
    bs = score_geirhos2021_brainscore(model, data, SIZE, identifier=name, device="cpu", work_dir=tmp_path / name)
    agree = float(np.mean(np.asarray(ours["choices"]) == np.asarray(bs["choices"])))
    print(f"{data.benchmark_id} [{data.n_stimuli} stimuli] {name}: ours score {ours['score']:.4f} raw "
          f"{ours['raw']:.4f} ceiling {ours['ceiling']:.4f} ({ours['seconds']:.1f} s) | brainscore score "
          f"{bs['score']:.4f} raw {bs['raw']:.4f} ceiling {bs['ceiling']:.4f} ({bs['seconds']:.1f} s) | "
          f"choices agree {agree:.4f}")
    assert ours["decision"] == "imagenet"
    assert bs["score"] == pytest.approx(ours["score"], abs=0.01)
    assert bs["raw"] == pytest.approx(ours["raw"], abs=0.01)
    assert bs["ceiling"] == pytest.approx(ours["ceiling"], abs=1e-9)
    assert agree >= 0.98
    return ours, bs


def test_parity_with_brainscore_fast(cueconflict, parity_models, tmp_path):
    """brainscore-vision's own Geirhos2021cueconflict-error_consistency on 32 of the cue-conflict images (2 per
    shape class), at birth and trained (the full benchmarks, and shape bias, are in the slow test below)."""
    pytest.importorskip("brainscore_vision")
    idx = [i for label in CHOICE_LABELS_16 for i in [k for k, t in enumerate(cueconflict.truth) if t == label][:2]]
    data = cueconflict.subset(idx)
    choices = {name: _parity(model, data, tmp_path, name)[0]["choices"] for name, model in parity_models.items()}
    assert len(set(choices["trained"])) > 1 and choices["trained"] != choices["at birth"]  # a real second model


@pytest.mark.slow
@pytest.mark.parametrize("experiment, metric", [("cue-conflict", "error_consistency"),
                                                ("cue-conflict", "shape_bias"), ("edge", "error_consistency"),
                                                ("silhouette", "error_consistency")])
def test_parity_with_brainscore_full(geirhos, parity_models, tmp_path, experiment, metric):
    """The full benchmarks (1,280 / 160 / 160 images), at birth and trained."""
    pytest.importorskip("brainscore_vision")
    data = load_geirhos2021(geirhos, experiment=experiment, metric=metric)
    for name, model in parity_models.items():
        _parity(model, data, tmp_path, name)
