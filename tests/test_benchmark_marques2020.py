"""Tests of the Marques2020 V1-property family (wiringup.scoring.benchmarks.marques2020 and the modules it uses:
distribution_similarity, gratings, v1_properties, v1_recording) and of its brainscore-vision parity
(wiringup.scoring.brainscore.local_marques2020).

The metric and ceiling are recomputed independently (a second implementation here, and hand-computed cases);
the renderer is compared with Brain-Score's own ``Grating`` class and ``ImageConverter``; the whole protocol (RF
mapping, unit selection, firing-rate map, the four property functions, metric, ceiling) is compared with
brainscore-vision's own benchmark classes on identical activations of a synthetic V1 population (fast, all 7
benchmarks), and end to end on CORnet-S at birth and trained (slow).
"""
from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import tempfile
import types
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import torch

from rsa_helpers import data_folder, writable_copy
from wiringup.core.io import WiringupError
from wiringup.nets.registry import REGION_LAYERS, build_model
from wiringup.scoring.benchmarks import marques2020 as mq
from wiringup.scoring.benchmarks.registry import BENCHMARK_TYPES, load_benchmark
from wiringup.scoring.distribution_similarity import bootstrap_similarity, ks_similarity, property_ceiling
from wiringup.scoring.gratings import GRATING_COLUMNS, render_grating, render_on_screen
from wiringup.scoring.v1_properties import check_grating_order
from wiringup.scoring.v1_recording import GratingResponses, clear_response_cache, measure_properties

LAYER = REGION_LAYERS["cornet_s"]["V1"]


@pytest.fixture(scope="module")
def folder(data_root):
    return data_folder(data_root, "marques2020_v1")


@pytest.fixture(scope="module")
def datas(folder):
    """Every benchmark, stimuli at 12 px (the synthetic population ignores pixels; brainscore writes them)."""
    return {b: mq.load_marques2020(folder, benchmark=b, image_size=12) for b in mq.MARQUES2020_BENCHMARKS}



def _packaging_module(name: str, monkeypatch):
    """A module of brainscore-vision's Marques2020 data packaging, imported from its file (imageio and
    matplotlib, which it imports but the tested code does not use, are stubbed)."""
    pytest.importorskip("brainscore_vision")
    import brainscore_vision

    path = Path(brainscore_vision.__file__).parent / "data" / "marques2020" / "data_packaging" / f"{name}.py"
    for stub in ("imageio", "matplotlib", "matplotlib.pyplot"):
        if stub not in sys.modules:
            monkeypatch.setitem(sys.modules, stub, types.ModuleType(stub))
    spec = importlib.util.spec_from_file_location(f"_bs_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------------------------ metric and ceiling

def _independent_bootstrap(model, data, bins, seed_or_rng, n):
    """A second implementation: bin indices by np.digitize, draws as RandomState.choice makes them (randint),
    KS by explicit running sums."""
    rng = seed_or_rng if isinstance(seed_or_rng, np.random.RandomState) else np.random.RandomState(seed_or_rng)
    lo, hi = bins[0], bins[-1]

    def binned(values):
        v = np.asarray(values, dtype=float)
        v = v[~np.isnan(v)]
        v = np.minimum(np.maximum(v, lo), hi)
        idx = np.clip(np.digitize(v, bins) - 1, 0, len(bins) - 2)  # the last edge belongs to the last bin
        return np.bincount(idx, minlength=len(bins) - 1).astype(float)

    def ks(p, q):
        def dist(a):
            ca = cb = 0.0
            best = 0.0
            for x, y in zip(a, q):
                ca, cb = ca + x, cb + y
                best = max(best, abs(ca - cb))
            return best
        first = np.eye(len(q))[0]
        last = np.eye(len(q))[-1]
        return 1 - dist(p) / max(dist(first), dist(last))

    q = binned(data)
    q = q / q.sum()
    model = np.asarray(model, dtype=float)
    sims = []
    for _ in range(n):
        sample = model[rng.randint(0, len(model), size=len(data))]
        h = binned(sample)
        sims.append(ks(h / h.sum(), q) if h.sum() else np.nan)
    sims = np.array(sims)
    if np.isnan(sims).sum() > 100:
        return 0.0
    return float(np.nanmean(sims))


def test_ks_similarity_hand_computed():
    q = np.array([110, 83, 100, 92]) / 385  # DeValois1982a's counts
    # all model mass in the first bin: KS distance 1 - 110/385 = 275/385; the largest possible distance from q
    # is that of all mass in the last bin, (110 + 83 + 100)/385 = 293/385
    expected = 1 - Fraction(275, 385) / Fraction(293, 385)
    assert expected == Fraction(18, 293)
    assert ks_similarity(np.array([1.0, 0, 0, 0]), q) == pytest.approx(float(expected), abs=1e-12)
    assert ks_similarity(q, q) == 1.0
    assert ks_similarity(np.array([0, 0, 0, 1.0]), q) == pytest.approx(0.0, abs=1e-12)


def test_known_score_all_units_in_one_bin(datas):
    """A model whose units all prefer 0 deg: every bootstrap histogram is [1, 0, 0, 0], so the raw score is
    exactly 1 - (275/385) / (293/385) = 18/293 for DeValois1982a, whatever the draws."""
    d = datas["Marques2020_DeValois1982-pref_or"]
    out = bootstrap_similarity(np.zeros(7), d.values, d.bin_edges, np.random.RandomState(0), n_samples=50)
    assert out["score"] == pytest.approx(18 / 293, abs=1e-12) and out["error"] == pytest.approx(0, abs=1e-12)
    # clipping: values beyond the bins count in the end bins
    out = bootstrap_similarity(np.full(3, -1e9), d.values, d.bin_edges, np.random.RandomState(0), n_samples=5)
    assert out["score"] == pytest.approx(18 / 293, abs=1e-12)


def test_ceiling_hand_computed():
    """Two cells in two bins: a bootstrap histogram is [1,0] or [0,1] (similarity 0, p = 1/2) or [.5,.5]
    (similarity 1, p = 1/2), so the ceiling is 0.5 in expectation; one bin: always exactly 1."""
    bins = np.array([0.0, 1.0, 2.0])
    out = property_ceiling(np.array([0.5, 1.5]), bins, np.random.RandomState(1), n_samples=4000)
    assert out["score"] == pytest.approx(0.5, abs=0.03)
    assert set(np.round(out["per_sample"], 12)) == {0.0, 1.0}
    one = property_ceiling(np.array([np.nan, 0.2, 0.3, 0.9]), bins, np.random.RandomState(0), n_samples=100)
    assert one["score"] == 1.0 and one["data_hist"].tolist() == [1.0, 0.0]


def test_metric_and_ceiling_match_independent_implementation(datas):
    rng = np.random.default_rng(5)
    for b in ("Marques2020_DeValois1982-peak_sf", "Marques2020_Cavanaugh2002-grating_summation_field"):
        d = datas[b]
        model = 2 ** rng.uniform(-3, 5, 40)
        model[rng.random(40) < 0.3] = np.nan  # units without the property (e.g. not suppressed)
        ours_rng = np.random.RandomState(11)
        raw = bootstrap_similarity(model, d.values, d.bin_edges, ours_rng, n_samples=300)
        ceil = property_ceiling(d.values, d.bin_edges, ours_rng, n_samples=300)  # continues, as Brain-Score
        ref_rng = np.random.RandomState(11)
        assert raw["score"] == pytest.approx(_independent_bootstrap(model, d.values, d.bin_edges, ref_rng, 300),
                                             abs=1e-12)
        assert ceil["score"] == pytest.approx(_independent_bootstrap(d.values, d.values, d.bin_edges, ref_rng, 300),
                                              abs=1e-12)
        assert 0.85 < ceil["score"] < 1
    # the data's own ceiling from its counts alone (the metric sees only bins): a canonical sample agrees
    d = datas["Marques2020_DeValois1982-pref_or"]
    canonical = np.repeat([0.0, 45, 90, 135], [110, 83, 100, 92])
    assert d.ceiling(seed=3)["score"] == pytest.approx(
        _independent_bootstrap(canonical, canonical, d.bin_edges, 3, 1000), abs=1e-12)


def test_all_nan_model_scores_zero_as_brainscore():
    bins = np.array([0.0, 1.0, 2.0])
    out = bootstrap_similarity(np.full(5, np.nan), np.array([0.5, 1.5]), bins, np.random.RandomState(0), 200)
    assert out["score"] == 0.0 and out["n_nan_samples"] == 200


# --------------------------------------------------------------------------------------- loader and data

def test_loader_reads_every_benchmark(folder, datas):
    props = json.loads((folder / "properties.json").read_text())["datasets"]
    sizes = {"Marques2020_orientation": 1152, "Marques2020_spatial_frequency": 2112, "Marques2020_size": 2304}
    for b, d in datas.items():
        dataset, prop = mq.MARQUES2020_BENCHMARKS[b]
        entry = props[dataset]["properties"][prop]
        assert d.benchmark_id == b and d.region == "V1" and d.property_name == prop
        assert d.counts.tolist() == entry["counts"] and d.n_neuroids == entry["n_cells"]
        assert d.values.size == props[dataset]["n_neurons"] and np.isnan(d.values[:entry["nan_padding"]]).all()
        assert d.n_stimuli == sizes[d.stimulus_set]
        assert len(d.stimulus_sets["Marques2020_receptive_field"]["phase"]) == 3528
        s = d.summary()
        assert s["n_stimuli"] == d.n_stimuli and 0.85 < s["ceiling"] < 1 and b in s["description"]
    assert BENCHMARK_TYPES["marques2020"] is mq.load_marques2020 and mq.SCORER is mq.score_marques2020
    via = load_benchmark("marques2020", folder, region="V1", benchmark="Marques2020_DeValois1982-pref_or")
    assert via.image_size == 672 and "Brain-Score's size" in via.description


def test_gen_sample_reproduces_brainscore_packaging(folder, monkeypatch):
    utils = _packaging_module("marques_utils", monkeypatch)
    props = json.loads((folder / "properties.json").read_text())["datasets"]
    for dataset in ("DeValois1982b", "Cavanaugh2002a"):
        d = mq.load_marques2020(folder, benchmark=next(b for b, v in mq.MARQUES2020_BENCHMARKS.items()
                                                       if v[0] == dataset), sample_seed=4, image_size=12)
        np.random.seed(4)
        for name in props[dataset]["property_order"]:
            p = props[dataset]["properties"][name]
            if p["scale"] == "binary":
                continue
            theirs = utils.gen_sample(np.array(p["counts"]), np.array(p["bin_edges"]), scale=p["scale"])[:, 0]
            if name == d.property_name:
                np.testing.assert_array_equal(d.values[p["nan_padding"]:], theirs)


def test_malformed_files_are_refused(folder, tmp_path):
    b = "Marques2020_DeValois1982-pref_or"
    with pytest.raises(WiringupError, match="unknown or missing benchmark"):
        mq.load_marques2020(folder, benchmark="Marques2020_Ringach2002-or_bandwidth")
    with pytest.raises(WiringupError, match="region 'V4'"):
        mq.load_marques2020(folder, region="V4", benchmark=b)
    broken = writable_copy(folder, tmp_path)
    (broken / "properties.json").write_text("{not json")
    with pytest.raises(WiringupError, match=r"properties\.json: not readable JSON"):
        mq.load_marques2020(broken, benchmark=b)
    props = json.loads((folder / "properties.json").read_text())
    props["datasets"]["DeValois1982a"]["properties"]["preferred_orientation"]["counts"] = [110, 83, 100]
    (broken / "properties.json").write_text(json.dumps(props))
    with pytest.raises(WiringupError, match=r"properties\.json: DeValois1982a\.properties\.preferred_orientation: "
                                            r"3 counts need 4 bin edges"):
        mq.load_marques2020(broken, benchmark=b)
    shutil.copy(folder / "properties.json", broken / "properties.json")
    stim = json.loads((folder / "stimuli.json").read_text())
    stim["stimulus_sets"]["Marques2020_orientation"]["n_stimuli"] = 1000
    (broken / "stimuli.json").write_text(json.dumps(stim))
    with pytest.raises(WiringupError, match=r"stimuli\.json: stimulus_sets\.Marques2020_orientation: the values "
                                            r"give 1152 gratings, n_stimuli says 1000"):
        mq.load_marques2020(broken, benchmark=b)
    (broken / "stimuli.json").unlink()
    with pytest.raises(WiringupError, match=r"stimuli\.json: file not found"):
        mq.load_marques2020(broken, benchmark=b)


def test_grating_order_is_checked(datas):
    table = {c: v.copy() for c, v in datas["Marques2020_DeValois1982-peak_sf"].stimulus_sets[
        "Marques2020_spatial_frequency"].items()}
    check_grating_order(table)
    table["phase"] = table["phase"][::-1].copy()
    with pytest.raises(WiringupError, match="not in Brain-Score's order"):
        check_grating_order(table)


def test_packaging_round_trip(datas, tmp_path):
    for b in ("Marques2020_DeValois1982-pref_or", "Marques2020_Cavanaugh2002-surround_diameter"):
        d = datas[b]
        path = mq.package_marques2020(d, tmp_path / f"{b}.nc")
        back = mq.load_packaged_marques2020(path, region="V1")
        for f in ("benchmark_id", "region", "description", "citation", "dataset", "property_name", "stimulus_set",
                  "image_size", "degrees", "number_of_trials", "time_bin", "ceiling_scheme", "unit", "meta"):
            assert getattr(back, f) == getattr(d, f), f
        np.testing.assert_array_equal(back.values, d.values)
        np.testing.assert_array_equal(back.bin_edges, d.bin_edges)
        assert list(back.stimulus_sets) == list(d.stimulus_sets)
        for name, table in d.stimulus_sets.items():
            for c in GRATING_COLUMNS:
                np.testing.assert_array_equal(back.stimulus_sets[name][c], table[c])
        assert back.summary() == d.summary()
    with pytest.raises(WiringupError, match="config asks for 'V4'"):
        mq.load_packaged_marques2020(path, region="V4")
    ds = mq.to_dataset(d)
    ds["set1_orientation"] = ds["set1_orientation"] + 7  # the parameters no longer draw the packaged gratings
    with pytest.raises(WiringupError, match="render digest mismatch"):
        mq.from_dataset(ds)
    ds.attrs["family"] = "coggan2024_fmri"
    with pytest.raises(WiringupError, match="not a packaged Marques2020 benchmark"):
        mq.from_dataset(ds)


# ------------------------------------------------------------------------------------------------ stimuli

def test_renderer_is_brainscores_grating(datas, monkeypatch):
    common = _packaging_module("marques_stim_common", monkeypatch)
    d = datas["Marques2020_Cavanaugh2002-surround_diameter"]
    for name in ("Marques2020_receptive_field", "Marques2020_orientation", "Marques2020_size"):
        table = d.stimulus_sets[name]
        for r in np.linspace(0, len(table["phase"]) - 1, 4).round().astype(int):
            row = {c: float(table[c][r]) for c in GRATING_COLUMNS}
            g = common.Grating(width=12, pos=[row["position_y"], row["position_x"]], contrast=row["contrast"],
                               rad=row["radius"], sf=row["spatial_frequency"], orientation=row["orientation"],
                               phase=row["phase"], size_px=[168, 168])
            g.update_stimulus()
            np.testing.assert_array_equal(render_grating(168, 12, **row), g.stimulus)


def test_screen_placement_is_brainscores(datas, brainscore_env):
    from brainscore_vision.benchmark_helpers.screen import ImageConverter
    from PIL import Image

    table = datas["Marques2020_DeValois1982-pref_or"].stimulus_sets["Marques2020_orientation"]
    converter = ImageConverter(target_dir=brainscore_env)
    for size, target in ((96, 8), (100, 8), (96, 16)):
        ours = render_on_screen(table, range(0, 1152, 400), size, 12, target)
        for img, r in zip(ours, range(0, 1152, 400)):
            full = Image.fromarray(render_grating(size, 12, **{c: float(table[c][r]) for c in GRATING_COLUMNS}))
            theirs = converter.apply_ratio(full, target / 12)
            np.testing.assert_array_equal(np.asarray(img.convert("RGB")), np.asarray(theirs.convert("RGB")))


# ------------------------------------------------------------------------------- synthetic V1 population

class Population:
    """A synthetic V1 population with analytic responses to gratings: RF centres around the stimulus position
    (and some far away), orientation and log-SF tuning, simple (phase-modulated) or complex, a centre-surround
    size tuning with varying suppression, and a spontaneous level."""

    def __init__(self, n: int = 90, seed: int = 0):
        rng = np.random.default_rng(seed)
        near = rng.random(n) < 0.8
        self.cy = np.where(near, 0.5 + rng.uniform(-0.12, 0.12, n), rng.uniform(-2, 2, n))
        self.cx = np.where(near, 0.5 + rng.uniform(-0.12, 0.12, n), rng.uniform(-2, 2, n))
        self.theta, self.phi = rng.uniform(0, 180, n), rng.uniform(0, 360, n)
        self.f = 2 ** rng.uniform(-1, 3, n)
        self.simple = rng.random(n) < 0.5
        self.sc = rng.uniform(0.15, 0.6, n)
        self.ss, self.ks = self.sc * rng.uniform(2, 4, n), rng.uniform(0, 0.9, n)
        self.gain, self.base = rng.uniform(0.5, 2, n), rng.uniform(-0.05, 0.2, n)

    def __call__(self, cols: dict | None, n_stim: int) -> np.ndarray:
        if cols is None:
            return np.tile(self.base, (n_stim, 1)).astype(np.float32)
        py, px, c, r, sf, ori, ph = (np.asarray(cols[k], dtype=float)[:, None] for k in GRATING_COLUMNS)
        d2 = (py - self.cy) ** 2 + (px - self.cx) ** 2
        center = (1 - np.exp(-r ** 2 / (2 * self.sc ** 2))) * np.exp(-d2 / (2 * self.sc ** 2 + r ** 2))
        surround = (1 - np.exp(-r ** 2 / (2 * self.ss ** 2))) * np.exp(-d2 / (2 * self.ss ** 2 + r ** 2))
        ori_t = np.exp((np.cos(2 * np.deg2rad(ori - self.theta)) - 1) / 0.3)
        sf_t = np.exp(-np.log2(sf / self.f) ** 2 / 2)
        phase_t = np.where(self.simple, 1 + np.cos(np.deg2rad(ph - self.phi)), 1.0)
        return (self.base + self.gain * c * ori_t * sf_t * phase_t * (center - self.ks * surround)).astype(np.float32)


class PopulationResponses(GratingResponses):
    def __init__(self, population: Population):
        super().__init__(chunk=500)
        self.population = population

    def activations(self, table, rows):
        if table is None:
            return self.population(None, len(rows))
        return self.population({c: np.asarray(table[c])[list(rows)] for c in GRATING_COLUMNS}, len(rows))


class PopulationBrainModel:
    """The same population as a brainscore ``BrainModel`` (12-degree field: no screen conversion)."""

    identifier = "wiringup-synthetic-v1"

    def __init__(self, population: Population):
        self.population = population

    def visual_degrees(self):
        return 12

    def start_recording(self, region, time_bins):
        assert region == "V1"

    def look_at(self, stimuli, number_of_trials=1):
        from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly

        grating = "phase" in stimuli.columns
        cols = {c: stimuli[c].values for c in GRATING_COLUMNS} if grating else None
        acts = self.population(cols, len(stimuli))
        coords = {"stimulus_id": ("presentation", stimuli["stimulus_id"].values),
                  **({c: ("presentation", v) for c, v in cols.items()} if grating else {}),
                  "neuroid_id": ("neuroid", np.arange(acts.shape[1])),
                  "region": ("neuroid", ["V1"] * acts.shape[1])}
        return NeuroidAssembly(acts, coords=coords, dims=["presentation", "neuroid"])


def test_parity_with_brainscore_on_a_synthetic_population(datas, brainscore_env):
    """brainscore-vision's own 7 benchmark classes and ours, on identical activations of a synthetic population:
    the same units kept, the same properties, and the same seeded score and ceiling (to float precision)."""
    from wiringup.scoring.brainscore.local_marques2020 import run_brainscore_benchmark

    population = Population()
    for b, d in datas.items():
        measured = measure_properties(PopulationResponses(population), d.stimulus_sets, d.stimulus_set, d.dataset)
        ours = mq.score_properties(measured, d, seed=7, n_bootstrap=1000)
        bs = run_brainscore_benchmark(PopulationBrainModel(population), d, seed=7,
                                      work_dir=brainscore_env / "synthetic")
        print(f"{b:55s} ours {ours['score']:.6f} (raw {ours['raw']:.6f}, {ours['n_units_with_value']} units) | "
              f"brainscore {bs['score']:.6f} (raw {bs['raw']:.6f})")
        assert ours["n_units_in_rf"] >= 20 and ours["n_units_with_value"] >= 5, b
        np.testing.assert_allclose(measured["properties"][d.property_name], bs["model_values"], rtol=1e-12,
                                   atol=1e-12, err_msg=b)
        assert ours["raw"] == pytest.approx(bs["raw"], abs=1e-9)
        assert ours["ceiling"] == pytest.approx(bs["ceiling"], abs=1e-9)
        assert ours["score"] == pytest.approx(bs["score"], abs=1e-9)
        assert ours["raw_error"] == pytest.approx(bs["raw_error"], abs=1e-9)


# -------------------------------------------------------------------------------------------- the model

@pytest.fixture(scope="module")
def threads():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def test_score_on_a_model_and_the_response_cache(folder, threads):
    """A tiny CORnet-S at 32 px: the result keys; the second score on the same weights reuses the blank, RF and
    orientation responses (same numbers, no image shown again); without the cache it measures afresh."""
    clear_response_cache()
    model = build_model("cornet_s", seed=0, width=0.0625, num_classes=10)
    calls = []
    model.register_forward_pre_hook(lambda _m, inputs: calls.append(inputs[0].shape[0]))
    d = mq.load_marques2020(folder, benchmark="Marques2020_DeValois1982-pref_or", image_size=48)
    first = mq.score_marques2020(model, d, LAYER, 32, seed=0, visual_degrees=4)
    n_first = sum(calls)
    again = mq.score_marques2020(model, d, LAYER, 32, seed=0, visual_degrees=4)
    for key in ("benchmark_id", "region", "layer", "score", "raw", "ceiling", "error", "per_split", "n_stimuli",
                "n_neuroids", "ceiling_scheme", "seed", "input_size", "seconds", "raw_error", "n_units_in_rf"):
        assert key in first, key
    assert first["score"] == again["score"] and sum(calls) == n_first  # no image shown again
    assert n_first == 1 + 3528 + (1152 if first["n_units_in_rf"] else 0)
    assert first["n_units"] == 4 * 8 * 8 and first["input_size"] == 32 and first["image_size"] == 48
    fresh = mq.score_marques2020(model, d, LAYER, 32, seed=0, visual_degrees=4, cache=False)
    assert fresh["score"] == first["score"]
    if first["n_units_with_value"] == 0:
        assert first["score"] == 0 and "scored 0" in first["note"]
    else:
        assert first["ceiling"] == pytest.approx(0.96, abs=0.03) and 0 <= first["score"] <= 1.2


def _trained(seed: int = 0, steps: int = 6, size: int = 32):
    """A width-0.25 CORnet-S trained a few SGD steps (at 32 px, to be quick) to tell 8 noise prototypes apart."""
    model = build_model("cornet_s", seed=seed, width=0.25, num_classes=10)
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


@pytest.mark.slow
def test_parity_with_brainscore_on_cornet(folder, brainscore_env):
    """brainscore-vision's own Marques2020_DeValois1982-pref_or on CORnet-S width 0.25 at birth and trained, 64 px
    input, gratings rendered at 96 px: ours agrees within 0.01 (in practice exactly). Minutes: brainscore runs
    the whole network on every image, and the orientation set twice (all 7 benchmarks are compared on identical
    activations by the fast synthetic-population test)."""
    from wiringup.scoring.brainscore.local_marques2020 import score_marques2020_brainscore

    models = {"at_birth": build_model("cornet_s", seed=0, width=0.25, num_classes=10), "trained": _trained()}
    rows = []
    for b in ("Marques2020_DeValois1982-pref_or",):
        d = mq.load_marques2020(folder, benchmark=b, image_size=96)
        for name, model in models.items():
            ours = mq.score_marques2020(model, d, LAYER, 64, seed=0, cache=False)
            bs = score_marques2020_brainscore(model, d, LAYER, 64, seed=0, device="cpu",
                                              work_dir=brainscore_env / f"{name}-{b}")
            rows.append((b, name, ours, bs))
            print(f"{b} {name}: ours {ours['score']:.6f} (raw {ours['raw']:.6f}, ceiling {ours['ceiling']:.6f}, "
                  f"{ours['n_units_with_value']} units) | brainscore {bs['score']:.6f} (raw {bs['raw']:.6f}, "
                  f"ceiling {bs['ceiling']:.6f}); {ours['seconds']:.0f} s vs {bs['seconds']:.0f} s")
            assert bs["score"] == pytest.approx(ours["score"], abs=0.01)
            assert bs["raw"] == pytest.approx(ours["raw"], abs=0.01)
            assert bs["ceiling"] == pytest.approx(ours["ceiling"], abs=1e-9)
    assert rows[0][2]["raw"] != rows[1][2]["raw"] or rows[0][2]["affine"] != rows[1][2]["affine"]  # two models
