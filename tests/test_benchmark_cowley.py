"""Tests for the ``cowley2023_sessions`` family (Brain-Score's Cowley2026.V4-pls definition on the local Cowley
sessions: ``Cowley2023.sessions.V4-pls``) and for unceiled benchmarks never blanking a region mean
(wiringup.tables.scores.brain_predictivity, the figures' model table and caption).

The ceiling and a known score are recomputed independently (loops, scipy, sklearn); malformed and unusable
sessions are refused; the packaging round trips. The brainscore-vision checks run its OWN Cowley2026 benchmark code
offline on 210325's data registered under Cowley2026 session ids (wiringup.scoring.brainscore.local_cowley2023):
a CODE-PATH CHECK, not a Cowley2026 score (locally 201025 has no repetitions and 210325 is not a Cowley2026
session; ../shared/docs/BRAINSCORE_LOCAL.md). Real-data tests read ``$WIRINGUP_DATA_ROOT`` (default
``<repo>/../shared/data``) and are skipped without it.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

# Before anything can import brainscore_vision: no pip, no AWS metadata, its caches in a temporary folder.
os.environ["BS_INSTALL_DEPENDENCIES"] = "no"
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
_CACHES = Path(tempfile.mkdtemp(prefix="wiringup-test-cowley-"))
for _var in ("BRAINIO_HOME", "RESULTCACHING_HOME", "BRAINSCORE_HOME"):
    os.environ.setdefault(_var, str(_CACHES / _var.lower()))

import dataclasses  # noqa: E402
import logging  # noqa: E402
import statistics  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402
from scipy.stats import pearsonr  # noqa: E402

from wiringup.core.io import WiringupError  # noqa: E402
from wiringup.nets.registry import build_model  # noqa: E402
from wiringup.scoring.benchmarks import cowley2023_sessions as cs  # noqa: E402
from wiringup.scoring.benchmarks.neural_data import NeuralData  # noqa: E402
from wiringup.scoring.benchmarks.registry import load_benchmark  # noqa: E402
from wiringup.tables.scores import TABLE_COLUMNS, brain_predictivity, unceiled_benchmarks  # noqa: E402

SIZE = 32        # input size of the tiny parity models
WIDTH = 0.0625   # their CORnet-S width
LAYER = "V4.output-t0"
#: 210325's alternating-halves ceiling as brainscore-vision's own Cowley2026 code computed it (BRAINSCORE_LOCAL.md).
BRAINSCORE_CEILING_210325 = 0.773


def teardown_module(_module):
    shutil.rmtree(_CACHES, ignore_errors=True)


@pytest.fixture(scope="module")
def cowley(data_root):
    path = data_root / "cowley2023_v4"
    if not (path / "210325").is_dir():
        pytest.skip(f"Cowley data not found at {path}")
    return path


@pytest.fixture(scope="module")
def sessions(cowley):
    return load_benchmark("cowley2023_sessions", cowley, region="V4")


# ------------------------------------------------------------------------- independent re-implementations

def _ceiling_loops(responses):
    """Alternating halves the plain way: per stimulus, its present repeats in order; even positions vs odd
    positions averaged; scipy's Pearson r per neuroid over the stimuli with both halves; Spearman-Brown; median."""
    n_neuroids, n_stimuli, _ = responses.shape
    keep = [s for s in range(n_stimuli) if (~np.isnan(responses[0, s])).sum() >= 2]
    values = []
    for n in range(n_neuroids):
        a, b = [], []
        for s in keep:
            reps = [v for v in responses[n, s] if not np.isnan(v)]
            a.append(np.mean(reps[0::2]))
            b.append(np.mean(reps[1::2]))
        r = pearsonr(a, b)[0]
        values.append(2 * r / (1 + r))
    return statistics.median(values), len(keep)


def _pls_raw(features, targets, seed, n_components):
    """Brain-Score's PLS predictivity with sklearn directly: ten 90/10 ShuffleSplits, PLSRegression(scale=False),
    Pearson r per neuroid on the test stimuli, median over neuroids, mean over splits."""
    from sklearn.cross_decomposition import PLSRegression
    from sklearn.model_selection import ShuffleSplit

    per_split = []
    for train, test in ShuffleSplit(n_splits=10, train_size=0.9, random_state=seed).split(features):
        pred = PLSRegression(n_components=n_components, scale=False).fit(features[train], targets[train])
        pred = pred.predict(features[test])
        per_split.append(np.median([pearsonr(pred[:, j], targets[test, j])[0] for j in range(targets.shape[1])]))
    return float(np.mean(per_split))


def _synthetic_session(name, n_neuroids=5, n_stimuli=24, n_repeats=5, seed=0, single=()):
    """A session with ragged repeats (NaN-padded at the end), a shared signal plus noise; ``single`` stimuli
    have one repeat only."""
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=(n_neuroids, n_stimuli, 1))
    r = signal + 0.8 * rng.normal(size=(n_neuroids, n_stimuli, n_repeats))
    counts = rng.integers(2, n_repeats + 1, size=n_stimuli)
    counts[list(single)] = 1
    for s, k in enumerate(counts):
        r[:, s, k:] = np.nan
    images = [Image.fromarray(rng.integers(0, 255, (12, 12, 3), dtype=np.uint8)) for _ in range(n_stimuli)]
    return NeuralData(f"Cowley2023.sessions.{name}.V4-pls", "V4", "synthetic", "none",
                      [f"image{i + 1:04d}" for i in range(n_stimuli)], images, r, meta={"session": name},
                      image_degrees=cs.COWLEY_IMAGE_DEGREES)


def _synthetic(n_sessions=2):
    parts = [_synthetic_session(f"s{k}", seed=k, single=(3,) if k == 0 else ()) for k in range(n_sessions)]
    return cs.CowleySessions(cs.SESSIONS_BENCHMARK_ID, "V4", "synthetic", "none", parts,
                             meta={"left_out": {"x": "trial averages only"}})


# ------------------------------------------------------------------------------------------ the ceiling

def test_alternating_halves_ceiling_recomputed_independently():
    session = _synthetic_session("a", n_neuroids=7, n_stimuli=30, n_repeats=6, seed=3, single=(0, 5))
    ours = cs.alternating_halves_ceiling(session.responses)
    expected, used = _ceiling_loops(session.responses)
    assert ours["ceiling"] == pytest.approx(expected, abs=1e-12)
    assert ours["n_stimuli_used"] == used == 28  # the two single-repeat stimuli are left out
    assert ours["error"] == 0.0 and ours["scheme"] == cs.ALTERNATING_HALVES
    # Spearman-Brown by hand on a case with a known split-half r: halves identical up to scale -> r = 1 -> 1
    exact = np.repeat(np.arange(12, dtype=float).reshape(1, 12, 1), 4, axis=2) * np.array([1, 2, 1, 2])
    assert cs.alternating_halves_ceiling(exact)["ceiling"] == pytest.approx(1.0)
    none = cs.alternating_halves_ceiling(session.responses[:, :, :1])
    assert none["ceiling"] is None and "2 or more repeats" in none["reason"]
    ragged = session.responses.copy()
    ragged[0, 1, 0] = np.nan
    with pytest.raises(WiringupError, match="differ between neuroids"):
        cs.alternating_halves_ceiling(ragged)


def test_ceiling_of_210325_is_brainscores(sessions):
    assert sessions.session_names == ["210325"]
    summary = sessions.summary()
    assert summary["ceiling"] == pytest.approx(BRAINSCORE_CEILING_210325, abs=5e-4)
    expected, used = _ceiling_loops(sessions.sessions[0].responses[:10])  # loops are slow: 10 neurons
    assert cs.alternating_halves_ceiling(sessions.sessions[0].responses[:10])["ceiling"] == pytest.approx(expected)
    assert used == 640


# ------------------------------------------------------------------------------------------ a known score

def test_known_score_recomputed_independently():
    data = _synthetic()
    rng = np.random.default_rng(7)
    parts = []
    for session in data.sessions:
        signal = np.nanmean(session.responses, axis=2).T
        features = np.hstack([signal @ rng.normal(size=(signal.shape[1], 6)), rng.normal(size=(signal.shape[0], 4))])
        part = cs.score_session_features(features, session, n_components=3, seed=1)
        raw = _pls_raw(features, signal, seed=1, n_components=3)
        ceiling, _ = _ceiling_loops(session.responses)
        assert part["raw"] == pytest.approx(raw, abs=1e-6)
        assert part["ceiling"] == pytest.approx(ceiling, abs=1e-12)
        assert part["score"] == pytest.approx(raw / ceiling, abs=1e-6)
        assert part["score_brainscore_2x"] == pytest.approx(raw ** 2 / ceiling, abs=1e-6)
        parts.append(part)
    out = cs.combine_sessions(data, parts)
    assert out["score"] == pytest.approx(np.mean([p["raw"] / p["ceiling"] for p in parts]))
    assert out["raw"] == pytest.approx(np.mean([p["raw"] for p in parts]))
    assert out["ceiling"] == pytest.approx(np.mean([p["ceiling"] for p in parts]))
    assert out["score_brainscore_2x"] == pytest.approx(np.mean([p["raw"] ** 2 / p["ceiling"] for p in parts]))
    assert out["error"] == pytest.approx(np.sqrt(sum(p["error"] ** 2 for p in parts)) / 2)
    assert (out["n_stimuli"], out["n_neuroids"], out["n_sessions"]) == (48, 10, 2)
    assert out["benchmark_id"] == "Cowley2023.sessions.V4-pls" and out["ceiling_scheme"] == "alternating_halves"


def test_score_through_the_model_places_images_as_brainscore(sessions):
    small = sessions.sessions[0].subset(range(0, 640, 8))
    data = dataclasses.replace(sessions, sessions=[small])
    model = build_model("cornet_s", seed=0, width=WIDTH, num_classes=10)
    out = cs.SCORER(model, data, LAYER, SIZE, seed=1, ceiling_splits=10, ceiling_mode="global")
    from wiringup.scoring.features import image_features
    from wiringup.scoring.screen import place_on_screen

    placed = place_on_screen(small.images, 11.2, 8.0)
    assert placed[0].size == (80, 80)
    expected = cs.score_session_features(image_features(model, placed, LAYER, SIZE), small, seed=1)
    assert out["raw"] == pytest.approx(expected["raw"], abs=1e-9)
    assert out["score"] == pytest.approx(expected["score"], abs=1e-9)
    assert (out["layer"], out["visual_degrees"], out["image_degrees"]) == (LAYER, 8.0, 11.2)
    whole = cs.SCORER(model, data, LAYER, SIZE, seed=1, visual_degrees=None)  # whole image resized
    assert whole["raw"] != pytest.approx(out["raw"], abs=1e-6)


# --------------------------------------------------------------------------------------- loader refusals

def test_loader_takes_sessions_with_repeats_and_refuses_unusable_ones(cowley, tmp_path):
    data = cs.load_cowley2023_sessions(cowley)
    assert data.benchmark_id == "Cowley2023.sessions.V4-pls" != "Cowley2026.V4-pls"
    assert data.session_names == ["210325"] and "201025" in data.meta["left_out"]
    assert "NOT Brain-Score's Cowley2026 score" in data.description and "201025" in data.description
    assert data.sessions[0].image_degrees == 11.2 and data.n_stimuli == 640 and data.n_neuroids == 50
    with pytest.raises(WiringupError, match=r"201025.*trial averages only.*Cowley2023\.201025\.V4-pls"):
        cs.load_cowley2023_sessions(cowley, sessions=["210325", "201025"])
    with pytest.raises(WiringupError, match="V4 recordings"):
        cs.load_cowley2023_sessions(cowley, region="IT")
    with pytest.raises(WiringupError, match="nope: session folder not found"):
        cs.load_cowley2023_sessions(cowley, sessions=["nope"])
    with pytest.raises(WiringupError, match="no session folder with repetitions"):
        cs.load_cowley2023_sessions(tmp_path)
    broken = tmp_path / "root" / "999999"
    broken.mkdir(parents=True)
    shutil.copy(cowley / "210325" / "images.zip", broken / "images.zip")
    np.save(broken / "responses_raw.npy", np.ones((3, 640)))
    with pytest.raises(WiringupError, match=r"999999/responses_raw\.npy: expected 3 dimensions"):
        cs.load_cowley2023_sessions(tmp_path / "root")


# ------------------------------------------------------------------------------------------- packaging

def test_packaging_round_trip(tmp_path):
    data = _synthetic()
    back = cs.from_dataset(cs.to_dataset(data))
    path = cs.package_cowley2023_sessions(data, tmp_path / "Cowley2023.sessions.V4-pls.nc")
    loaded = cs.load_packaged_cowley2023_sessions(path)
    for other in (back, loaded):
        assert (other.benchmark_id, other.region, other.description, other.meta) == \
            (data.benchmark_id, data.region, data.description, data.meta)
        for a, b in zip(data.sessions, other.sessions):
            np.testing.assert_array_equal(a.responses, b.responses)  # NaN where a repeat is missing
            assert (a.stimulus_ids, a.neuroid_ids, a.meta, a.image_degrees, a.benchmark_id) == \
                (b.stimulus_ids, b.neuroid_ids, b.meta, b.image_degrees, b.benchmark_id)
            assert all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(a.images, b.images))
    assert loaded.summary()["ceiling"] == pytest.approx(data.summary()["ceiling"])
    assert cs.to_dataset(data).attrs["family"] == "cowley2023_sessions"
    foreign = tmp_path / "foreign.nc"
    cs.to_dataset(data).assign_attrs(family="other").to_netcdf(foreign)
    with pytest.raises(WiringupError, match="foreign.nc: not a packaged cowley2023_sessions"):
        cs.load_packaged_cowley2023_sessions(foreign)
    with pytest.raises(WiringupError, match="missing.nc: packaged benchmark not found"):
        cs.load_packaged_cowley2023_sessions(tmp_path / "missing.nc")


# ---------------------------------------------------------------------- unceiled benchmarks, region means

def _table(rows):
    return pd.DataFrame([{**{c: None for c in TABLE_COLUMNS}, "source": "this run", "backend": "local",
                          "arch": "cornet_s", "init": "kn", "epoch": 0.0, "seed": 0, **r} for r in rows],
                        columns=TABLE_COLUMNS)


def _two_v4_rows(unceiled_score=float("nan")):
    rows = []
    for model, v4, it in (("init/kn/seed0", 0.40, 0.20), ("init/kn/seed1", 0.30, 0.10)):
        rows += [
            {"model_id": model, "benchmark_id": "Cowley2023.210325.V4-pls", "region": "V4", "score": v4,
             "raw": v4 * 0.7, "ceiling": 0.7},
            {"model_id": model, "benchmark_id": "Cowley2023.201025.V4-pls", "region": "V4", "score": unceiled_score,
             "raw": 0.25, "ceiling": None if unceiled_score != unceiled_score else 0.5},
            {"model_id": model, "benchmark_id": "MajajHong2015slice.IT-pls", "region": "IT", "score": it,
             "raw": it * 0.5, "ceiling": 0.5},
        ]
    return _table(rows)


def test_unceiled_benchmark_never_blanks_a_region(caplog):
    table = _two_v4_rows()
    assert unceiled_benchmarks(table) == ["Cowley2023.201025.V4-pls"]
    with caplog.at_level(logging.WARNING, logger="wiringup.tables.scores"):
        bp = brain_predictivity(table, ["V1", "V2", "V4", "IT", "behavior"]).set_index("model_id")
    assert "Cowley2023.201025.V4-pls" in caplog.text and "no ceiling" in caplog.text
    assert bp.loc["init/kn/seed0", "V4"] == pytest.approx(0.40)  # the ceiled benchmark's score alone
    assert bp.loc["init/kn/seed1", "V4"] == pytest.approx(0.30)
    assert bp.loc["init/kn/seed0", "brain_predictivity"] == pytest.approx((0.40 + 0.20) / 2)
    assert (bp["unceiled_excluded"] == "Cowley2023.201025.V4-pls").all()
    assert bp["raw:Cowley2023.201025.V4-pls"].tolist() == [0.25, 0.25]  # reported raw
    assert bp["regions_scored"].iloc[0] == "V4,IT" and bp["n_benchmarks"].tolist() == [2, 2]

    ceiled = _two_v4_rows(unceiled_score=0.5)  # every benchmark ceiled: the plain means, nothing excluded
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="wiringup.tables.scores"):
        bp = brain_predictivity(ceiled, ["V1", "V2", "V4", "IT", "behavior"]).set_index("model_id")
    assert caplog.text == ""
    assert bp.loc["init/kn/seed0", "V4"] == pytest.approx((0.40 + 0.5) / 2)
    assert bp.loc["init/kn/seed0", "brain_predictivity"] == pytest.approx(((0.40 + 0.5) / 2 + 0.20) / 2)
    assert (bp["unceiled_excluded"] == "").all() and not [c for c in bp.columns if c.startswith("raw:")]
    # a model lacking a ceiled score still gets NaN, never a zero
    missing = ceiled[~((ceiled["model_id"] == "init/kn/seed1") & (ceiled["region"] == "IT"))]
    assert np.isnan(brain_predictivity(missing, ["V4", "IT"]).set_index("model_id")
                    .loc["init/kn/seed1", "brain_predictivity"])


def test_figures_leave_unceiled_benchmarks_out_and_say_so(caplog):
    from wiringup.report.figures import data as D

    with caplog.at_level(logging.WARNING, logger="wiringup.tables.scores"):
        mt = D.model_table(_two_v4_rows())
    m = mt.models.set_index("model_id")
    assert m.loc["init/kn/seed0", "V4"] == pytest.approx(0.40)
    assert m.loc["init/kn/seed0", "brain_predictivity"] == pytest.approx(0.30)
    assert "excluded (unceiled, reported raw): Cowley2023.201025.V4-pls" in mt.captions()
    assert "Cowley2023.201025.V4-pls" in caplog.text
    assert "excluded (unceiled" not in D.model_table(_two_v4_rows(unceiled_score=0.5)).captions()


def _undefined_v2_rows():
    """Two inits x two seeds; seed 1 of ``no_gabor`` has an undefined Coggan V2 RSM (raw NaN, ceiling 0.6)."""
    rows = []
    for init, base in (("kn", 0.10), ("no_gabor", 0.30)):
        for seed in (0, 1):
            model = f"init/{init}/seed{seed}"
            undefined = init == "no_gabor" and seed == 1
            rows += [{"model_id": model, "init": init, "seed": seed, "benchmark_id": "tong.Coggan2024_fMRI.V2-rdm",
                      "region": "V2", "score": None if undefined else base + seed * 0.01,
                      "raw": None if undefined else 0.1, "ceiling": 0.6},
                     {"model_id": model, "init": init, "seed": seed, "benchmark_id": "MajajHong2015slice.IT-pls",
                      "region": "IT", "score": base + 0.2, "raw": 0.1, "ceiling": 0.5}]
    return _table(rows)


def test_undefined_score_counts_as_zero_everywhere_and_is_said(caplog):
    from wiringup.report.figures import data as D
    from wiringup.tables.scores import undefined_rows
    from wiringup.tables.wc_stats import compare_groups

    table = _undefined_v2_rows()
    assert undefined_rows(table).sum() == 1 and unceiled_benchmarks(table) == []
    with caplog.at_level(logging.WARNING, logger="wiringup.tables.scores"):
        bp = brain_predictivity(table, ["V1", "V2", "V4", "IT", "behavior"]).set_index("model_id")
    assert "init/no_gabor/seed1|tong.Coggan2024_fMRI.V2-rdm" in caplog.text and "count as 0" in caplog.text
    assert bp.loc["init/no_gabor/seed1", "V2"] == 0.0  # not NaN, not dropped
    assert bp.loc["init/no_gabor/seed1", "brain_predictivity"] == pytest.approx((0.0 + 0.5) / 2)
    assert bp.loc["init/no_gabor/seed1", "undefined_as_zero"] == "tong.Coggan2024_fMRI.V2-rdm"
    assert bp.loc["init/no_gabor/seed0", "undefined_as_zero"] == ""
    assert table["raw"].isna().sum() == 1  # the table itself keeps raw NaN
    m = D.model_table(table).models.set_index("model_id")
    assert m.loc["init/no_gabor/seed1", "V2"] == 0.0
    assert "1 undefined score(s)" in D.model_table(table).captions()
    rows = compare_groups(table, comparison="no_gabor_vs_kn", init_a="no_gabor", seeds_a=[0, 1], init_b="kn",
                          seeds_b=[0, 1], regions=["V2", "IT"], n_resamples=100)
    v2 = next(r for r in rows if r["level"] == "region" and r["region"] == "V2")
    assert v2["mean_a"] == pytest.approx((0.30 + 0.0) / 2) and v2["undefined_as_zero"] == 1
    assert next(r for r in rows if r["level"] == "region" and r["region"] == "IT")["undefined_as_zero"] == 0
    # a missing score (no row) is still an error, not a zero
    with pytest.raises(WiringupError, match="lacks scores for region"):
        compare_groups(table[~((table["model_id"] == "init/kn/seed1") & (table["region"] == "V2"))],
                       comparison="c", init_a="no_gabor", seeds_a=[0, 1], init_b="kn", seeds_b=[0, 1],
                       regions=["V2", "IT"], n_resamples=100)


def test_wc_statistics_compare_cornet_s_models_only():
    """The transfer models at birth (init kn / wc of ResNet-50, MobileNet) never join the CORnet-S groups."""
    from wiringup.tables.wc_stats import compare_groups

    table = _undefined_v2_rows()
    extra = table[table["seed"] == 0].copy()
    extra["arch"], extra["score"], extra["raw"] = "resnet50", 0.9, 0.5
    extra["model_id"] = extra["model_id"].str.replace("init/", "init/resnet50_")
    rows = compare_groups(pd.concat([table, extra], ignore_index=True), comparison="c", init_a="no_gabor",
                          seeds_a=[0, 1], init_b="kn", seeds_b=[0, 1], regions=["V2", "IT"], n_resamples=100)
    it = next(r for r in rows if r["level"] == "region" and r["region"] == "IT")
    assert it["mean_b"] == pytest.approx(0.30) and it["n_b"] == 2  # kn seeds 0, 1 of CORnet-S only


def test_captions_map_regions_to_benchmarks():
    from wiringup.report.figures import data as D

    caption = D.model_table(_two_v4_rows(unceiled_score=0.5)).captions()
    assert "V4: Cowley2023.201025.V4-pls (local), Cowley2023.210325.V4-pls (local); IT: MajajHong2015slice" in caption


# ------------------------------------------------------------------- brainscore-vision's own code (offline)

def _trained(seed=0):
    """A tiny CORnet-S trained 5 SGD steps to tell 4 noise prototypes apart."""
    model = build_model("cornet_s", seed=seed, width=WIDTH, num_classes=10)
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    protos = torch.randn(4, 3, SIZE, SIZE, generator=g)
    model.train()
    for _ in range(5):
        y = torch.randint(0, 4, (16,), generator=g)
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(protos[y] + 0.5 * torch.randn(16, 3, SIZE, SIZE, generator=g)),
                                          y).backward()
        opt.step()
    return model.eval()


@pytest.fixture(scope="module")
def models():
    return {"at_birth": build_model("cornet_s", seed=0, width=WIDTH, num_classes=10), "trained": _trained()}


def _brainscore_available():
    pytest.importorskip("brainscore_vision")


def test_ceiling_equals_brainscores_own_alternating_halves():
    """brainscore-vision's ``alternate_repetition_halves`` + ``internal_consistency`` on a synthetic BrainIO
    assembly (one presentation per present repeat, ``repetition`` = index within the image) = ours."""
    _brainscore_available()
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
    from brainscore_vision import load_ceiling
    from brainscore_vision.benchmarks.cowley2026.benchmark import alternate_repetition_halves

    session = _synthetic_session("a", n_neuroids=6, n_stimuli=20, n_repeats=5, seed=11)
    r = session.responses
    stim, slot = np.nonzero(~np.isnan(r[0]))
    assembly = NeuroidAssembly(r[:, stim, slot].T, dims=["presentation", "neuroid"], coords={
        "stimulus_id": ("presentation", np.asarray(session.stimulus_ids)[stim]), "repetition": ("presentation", slot),
        "neuroid_id": ("neuroid", session.neuroid_ids), "region": ("neuroid", ["V4"] * r.shape[0])})
    theirs = load_ceiling("internal_consistency")(alternate_repetition_halves(assembly))
    assert float(theirs.values) == pytest.approx(cs.alternating_halves_ceiling(r)["ceiling"], abs=1e-9)


def _parity(models, local_sessions):
    """Ours vs brainscore-vision's own Cowley2026 code (a code-path check) for every model; the sessions are
    registered under the Cowley2026 ids in ``local_sessions``' order."""
    from wiringup.scoring.brainscore.local_cowley2023 import CODE_PATH_NOTE, score_cowley2026_code_path

    data = cs.CowleySessions(cs.SESSIONS_BENCHMARK_ID, "V4", "code-path check", "none", list(local_sessions.values()))
    rows = {}
    for name, model in models.items():
        bs = score_cowley2026_code_path(model, LAYER, SIZE, local_sessions, device="cpu")
        ours = cs.score_cowley2023_sessions(model, data, LAYER, SIZE, seed=1)  # Brain-Score's PLS random_state
        assert bs["note"] == CODE_PATH_NOTE and "NOT a Cowley2026 score" in bs["note"]
        for key in ("ceiling", "score", "raw", "score_brainscore_2x"):
            assert bs[key] == pytest.approx(ours[key], abs=0.01), (name, key)
        for mine, theirs in zip(ours["sessions"], bs["sessions"]):
            assert theirs["ceiling"] == pytest.approx(mine["ceiling"], abs=0.01)
            assert theirs["score"] == pytest.approx(mine["score"], abs=0.01)
        rows[name] = (bs, ours)
    return rows


def test_code_path_parity_with_brainscores_cowley2026_small(models, sessions):
    """Fast: one session (every 8th image of 210325) registered as Cowley2026.201025; at birth and trained."""
    _brainscore_available()
    small = sessions.sessions[0].subset(range(0, 640, 8))
    rows = _parity(models, {"201025": small})
    assert rows["trained"][1]["raw"] != pytest.approx(rows["at_birth"][1]["raw"], abs=1e-4)


@pytest.mark.slow
def test_code_path_parity_with_brainscores_cowley2026_two_sessions(models, sessions):
    """All of 210325 as Cowley2026.201025 and a second, smaller session from it (every other image, 30 neurons)
    as Cowley2026.190923: the combined (averaging) benchmark, at birth and trained. Ceiling 0.773 for 210325."""
    _brainscore_available()
    full = sessions.sessions[0]
    half = full.subset(range(0, 640, 2))
    half = dataclasses.replace(half, responses=half.responses[:30], neuroid_ids=half.neuroid_ids[:30],
                               meta={**half.meta, "session": "210325-half"})
    rows = _parity(models, {"201025": full, "190923": half})
    bs, _ = rows["at_birth"]
    assert bs["sessions"][0]["ceiling"] == pytest.approx(BRAINSCORE_CEILING_210325, abs=5e-4)
    assert bs["benchmark_id"] == "Cowley2026.V4-pls" and len(bs["session_scores"]) == 2
