"""The numbers README.md keeps in its prose are checked against their sources (issue 13, item 7).

The README states no result of a run: those are in ``results/summary.md`` (rule ``results_summary``,
:mod:`wiringup.report.summary`), made from the files the pipeline writes. The numbers it does keep are checked
here, each against where it comes from:

* the authors' data: recomputed from ``geiger2022/scores.sqlite`` with :mod:`wiringup.tables.authors` (skipped,
  saying so, without the shared data);
* counts that follow from the code (parameter counts, the authors' k, the paper's WC parameter counts);
* what the configs and the data hold (grid, recipe, image counts, recording sizes);
* measured runs the README reports (experiment (b)'s arms, config/laptop.yaml's effects): against the pipeline's
  output files of those runs, committed unchanged under ``docs/results/``.

Measured timings stay in the README with the machine, the date and the command that measured them; they are not
checked here. A README edit that changes a checked sentence fails here: update the sentence and its check together.
"""
from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import REPO, validated_config

README = (REPO / "README.md").read_text()
TEXT = " ".join(README.split())          # line breaks and indentation do not matter


def says(snippet: str) -> None:
    """The README says ``snippet`` (whitespace-insensitive)."""
    s = " ".join(snippet.split())
    assert s in TEXT, f"README.md no longer says {s!r}; update the sentence and this check together"


def paragraph(start: str) -> str:
    """The README paragraph that begins with ``start``."""
    for block in re.split(r"\n\s*\n", README):
        if block.lstrip().startswith(start):
            return " ".join(block.split())
    raise AssertionError(f"README.md has no paragraph starting {start!r}")


def thousands(n: int) -> str:
    return f"{n:,}"


@pytest.fixture(scope="module")
def default():
    return validated_config(REPO / "config" / "config.yaml")


@pytest.fixture(scope="module")
def paper():
    return validated_config(REPO / "config" / "config.yaml", REPO / "config" / "paper.yaml")


# --------------------------------------------------------------------------------------- no results in prose
def test_the_readme_types_no_result_of_the_embedded_default():
    found = paragraph("**What the embedded default found**")
    assert "results/summary.md" in found
    numbers = [n for n in re.findall(r"(?<![\w.])\d+\.\d{2,}", found) if n != "0.05"]   # 0.05: the threshold
    assert not numbers, f"typed results in the README's 'What the embedded default found': {numbers}"
    says("This README states no result of a run: they are there.")


def test_permutation_floor_of_the_embedded_default(default, paper):
    """'With 3 + 3 seeds the smallest two-sided permutation p is 2 / C(6, 3) = 0.1 (0.2 for the 2 seeds of No
    Gabor prior against 3)' — from the config's at-birth seeds."""
    from wiringup.report.summary import min_permutation_p

    ab = default["weight_compression"]["at_birth"]
    n_kn, n_ng = len(ab["seeds"]), len(ab["seeds_per_init"]["no_gabor"])
    says(f"With {n_kn} + {n_kn} seeds the smallest two-sided permutation p is 2 / C({2 * n_kn}, {n_kn}) = "
         f"{min_permutation_p(n_kn, n_kn):g} ({min_permutation_p(n_ng, n_kn):g} for the {n_ng} seeds of No Gabor "
         f"prior against {n_kn})")
    assert len(paper["weight_compression"]["at_birth"]["seeds"]) == 10
    says("The paper's 10 seeds are `at_birth.seeds` in `config/paper.yaml`.")


# ------------------------------------------------------------------------------------------ the authors' data
@pytest.fixture(scope="module")
def authors():
    from wiringup.tables import authors as A

    db = Path(os.environ.get("WIRINGUP_DATA_ROOT", REPO.parent / "shared" / "data")) / "geiger2022" / "scores.sqlite"
    if not db.is_file():
        pytest.skip(f"the authors' private scores ({db}) are not here: set WIRINGUP_DATA_ROOT to the shared data "
                    "folder to check the README's numbers of their data")
    tidy = A.tidy(A.read_raw(db), "private")
    return {"tidy": tidy, "headline": A.headline_numbers(tidy),
            "bp": A.brain_predictivity(tidy, missing="zero").set_index("model_id")["brain_predictivity"]}


def test_authors_headline_numbers(authors):
    h = authors["headline"]
    norm = h["fully_trained_mean"]["value"]
    kn, wc, ct = (h[k]["value"] for k in ("kn_at_birth", "wc_at_birth", "ct_relative"))
    says(f"The headline numbers recompute from the raw private scores: fully trained {norm:.4f}, KN at birth "
         f"{kn:.1f} %, WC at birth {wc:.1f} %, CT {ct:.1f} %")
    says(f"the authors' 100 % is {norm:.4f} (`CORnet-S_full` s0 epoch 43 and s42 epoch 29")
    assert h["fully_trained_mean"]["model_ids"] == ["CORnet-S_full_epoch_43", "CORnet-S_full_seed42_epoch_29"]
    # "the database also holds other WC seeds, which that test leaves out"
    assert h["wc_at_birth"]["excluded_runs"], "no WC seed outside the authors' test: fix the README's sentence"
    says("the database also holds other WC seeds, which that test leaves out")


def test_authors_fig4b_normaliser_and_grid(authors):
    from wiringup.tables import authors as A

    f = authors["headline"]["fig4b_max_gain"]
    images = ", ".join(thousands(n) for n in A.FIG4B_IMAGES)
    epochs = ", ".join(str(e) for e in A.FIG4B_EPOCHS)
    says(f"their Fig. 4B heatmap divides by the s0 epoch-43 model alone ({f['normaliser']:.5f}) and draws seed 0 "
         f"on their grid: {images} and all images × epochs {epochs} and each run's converged checkpoint")
    assert f["grid"]["epochs"] == [*A.FIG4B_EPOCHS, A.CONVERGED]


def test_scorecard_examples(authors):
    from wiringup.report.scorecard import exact_permutation_min_p
    from wiringup.tables import authors as A

    h = authors["headline"]
    two = h["two_percent_updates"]["value"]
    ct_share = h["ct_relative"]["trained_fraction_percent"]
    gap = h["wc_at_birth"]["value"] - h["kn_at_birth"]["value"]
    n = len(A.AT_BIRTH_SEEDS)
    floor = exact_permutation_min_p(n, n)
    says(f"the abstract's \"~80 %\" is {two:.1f} %, \"~5 % of synapses\" is {ct_share:.1f} %, \"12 pp\" is "
         f"{gap:.1f} pp")
    says(f"a two-sided exact permutation test over {n} vs {n} seeds, whose smallest p is "
         f"2 / {thousands(math.comb(2 * n, n))} = {floor:.2e}".replace("e-05", "e-5"))
    assert floor > 1e-5   # the paper's "p < 1e-5" is out of its reach


def test_fig5_ratios_of_the_authors(authors):
    """Fig. 5A on the authors' data (the scorecard's rows sec7-resnet / sec7-mobilenet)."""
    from wiringup.report.scorecard import CLAIMS

    claims = {c.id: c for c in CLAIMS}
    bp = authors["bp"]
    ratio = {}
    for arch, cid in (("ResNet-50", "sec7-resnet"), ("MobileNet", "sec7-mobilenet")):
        r = claims[cid].authors
        ratio[arch] = 100.0 * bp[r.numerator] / bp[r.denominator]
    says(f"(the authors' data: ResNet-50 keeps {ratio['ResNet-50']:.1f} % of the score, MobileNet "
         f"{ratio['MobileNet']:.1f} %)")


# --------------------------------------------------------------------------------- what follows from the code
def test_wc_parameter_counts_and_the_authors_k():
    """The paper's WC parameter counts (computed at full size by tests/test_wc_alternatives.py and
    tests/test_weight_compression.py) and the authors' k (read from their files by tests/test_config_parity.py)."""
    from wiringup.wc.distributions import PAPER_PARAMETER_COUNTS as P
    from wiringup.wc.fit import AUTHORS_K

    says(f"**WC {thousands(P['wc'])}, Mixture Gaussian {thousands(P['mixture_gaussian'])}, Kernel normal "
         f"{thousands(P['kernel_normal'])}, No Gabor prior {thousands(P['no_gabor'])}**")
    k3 = ", ".join(f"{layer} {AUTHORS_K[layer]}" for layer in ("V1.conv2", "V2.conv2", "V4.conv2", "IT.conv2"))
    ones = {k for layer, k in AUTHORS_K.items() if not layer.endswith("conv2")}
    assert ones == {2}
    says(f"`wiringup.wc.fit.AUTHORS_K`: {k3} and 2 for every 1×1 layer")


def test_trained_layer_table(default):
    """Every number of the README's trained-layer table (full-size CORnet-S)."""
    from wiringup.nets.trained_layers import parameter_counts

    rows = {r["set"]: r for r in parameter_counts(default["trained_layer_sets"])}
    table = [line for line in README.splitlines() if line.startswith("| `")]
    checked = 0
    by_kind = {"conv": "trained_conv_weights", "pct": "trained_conv_weights_pct", "all": "trained_total",
               "bn": "trained_conv_weights_bn"}
    for line in table:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        names = re.findall(r"`([\w.]+)`", cells[0])
        if not names or names[0] not in rows or len(cells) != 6:
            continue
        names = [n if n in rows else names[0].rsplit("_", 1)[0] + n for n in names]   # `batchnorm_v2` / `_v4`
        for kind, cell in zip(("conv", "pct", "all", "bn"), cells[2:6]):
            cell = cell.replace("*", "")
            if not cell or cell.startswith("as "):
                continue
            for name, value in zip(names, [v.strip() for v in cell.split("/")]):
                got = rows[name][by_kind[kind]]
                if kind == "pct":
                    decimals = len(value.split(".")[1]) if "." in value else 0
                    assert f"{got:.{decimals}f}" == value, (name, kind, value, got)
                else:
                    assert thousands(got) == value, (name, kind, value, got)
                checked += 1
    assert checked >= 25, f"only {checked} numbers of the trained-layer table found: update this check"
    full = rows["all"]
    says(f"Full width: {thousands(full['total'])} parameters, {thousands(full['conv_weights'])} of them conv weights")
    says(f"CT is {rows['ct']['trained_conv_weights_pct']:.2f} %, not the abstract's \"~5 %\"")


def test_transfer_counts():
    from wiringup.wc import transfer as T

    rows = {r["arch"]: r for r in T.parameter_table(list(T.TRANSFER_ARCHS)) if r["width"] == 1.0}
    r, m = rows["resnet50"], rows["mobilenet_v1"]
    says(f"ResNet-50 `conv3, bn3, fc` = {thousands(r['ct_trained_conv_weights'])} of {thousands(r['conv_weights'])} "
         f"conv weights ({r['ct_conv_weights_percent']:.1f} %)")
    says(f"= {thousands(m['ct_trained_conv_weights'])} of {thousands(m['conv_weights'])} "
         f"({m['ct_conv_weights_percent']:.1f} %)")
    says(f"*all* parameters of the standard model ({thousands(r['total_parameters'])} / "
         f"{thousands(m['total_parameters'])}): {r['reduction_vs_total_percent']:.1f} % and "
         f"{m['reduction_vs_total_percent']:.1f} %")


# ------------------------------------------------------------------------------------ the configs and the data
def test_the_embedded_default_as_described(default):
    import torch

    from wiringup.nets.registry import ARCHITECTURES

    m = default["model"]
    with torch.device("meta"):
        net = ARCHITECTURES[m["arch"]](width=m["width"], num_classes=m["num_classes"])
    mods = dict(net.named_modules())
    channels = [mods["V1.conv1"].out_channels] + [mods[f"{a}.conv_input"].out_channels for a in ("V2", "V4", "IT")]
    params = sum(p.numel() for p in net.parameters())
    sup = default["experiments"]["supervised_updates"]
    n_train = _count_images(default, "train")
    images = ", ".join(str(n) if n != "all" else f"all {thousands(n_train)}" for n in sup["images"])
    epochs = ", ".join(f"{e:g}" for e in sup["epochs"])
    says(f"`config/config.yaml`: CORnet-S at width {m['width']:g} ({'/'.join(map(str, channels))} channels, "
         f"{params / 1e6:.1f} M parameters) with {m['input_size']} px input, trained on Imagenette "
         f"({m['num_classes']} ImageNet classes, real images) over images {{{images}}} × epochs {{{epochs}}}, batch "
         f"{default['training']['batch_size']},")
    says(f"top-1 on {default['imagenet']['val_images']} Imagenette val images")
    says(f"drawn uniformly: {default['imagenet']['val_images']} of {thousands(_count_images(default, 'val'))} in "
         "the embedded default, all in the paper")
    says(f"tested against KN at birth ({len(default['weight_compression']['at_birth']['seeds'])} seeds)")


def test_the_paper_plan_as_described(paper):
    m, sup = paper["model"], paper["experiments"]["supervised_updates"]
    epochs = [e for e in sup["epochs"] if e > 0]
    assert sup["images"][0] == 100 and sup["images"][-1] == "all" and sup["seeds"] == [0, 42]
    says(f"`config/paper.yaml` holds the paper's values (width {m['width']:.1f}, {m['input_size']} px, "
         f"{m['num_classes']} classes, batch {paper['training']['batch_size']}, {sup['images'][0]} … 1.28 M images "
         f"× {epochs[0]:g} … {epochs[-1]:g} epochs, seeds {sup['seeds'][0]} and {sup['seeds'][1]})")


def test_the_recipe_as_described(default):
    t, pls = default["training"], default["scoring"]["pls"]
    says(f"SGD lr {t['lr']:g}, momentum {t['momentum']:g}, weight decay {t['weight_decay']:.0e}".replace("e-04", "e-4"))
    says(f"ReduceLROnPlateau(×{t['plateau']['factor']:g}, patience {t['plateau']['patience']})")
    says(f"or at {t['max_epochs']:g} epochs")
    says(f"PLS regression ({pls['n_components']} components, `scale=False`)")
    says(f"{pls['n_splits']} shuffle splits ({round(100 * pls['train_size'])}/{round(100 * (1 - pls['train_size']))})")
    says(f"{default['scoring']['brainscore']['visual_degrees']:g}° of visual angle")


def _count_images(config, split: str) -> int:
    root = Path(config["data_root"])
    root = root if root.is_absolute() else REPO / root
    folder = root / config["imagenet"]["root"] / split
    if not folder.is_dir():
        pytest.skip(f"{folder} is not here: set data_root to the shared data to check the README's image counts")
    return sum(1 for p in folder.rglob("*") if p.is_file())


def test_the_recordings_as_described(default):
    import numpy as np
    import xarray as xr

    root = Path(default["data_root"])
    root = root if root.is_absolute() else REPO / root
    cowley = root / default["scoring"]["benchmarks"]["Cowley2023.210325.V4-pls"]["path"] / "responses_raw.npy"
    nc = root / default["scoring"]["benchmarks"]["MajajHong2015slice.V4-pls"]["path"] / "assembly.nc"
    if not cowley.is_file() or not nc.is_file():
        pytest.skip(f"the recordings ({cowley}, {nc}) are not here: set data_root to the shared data")
    neurons, images, repeats = np.load(cowley, mmap_mode="r").shape
    says(f"macaque V4, {neurons} neurons × {images} images × up to {repeats} repeats")
    da = xr.open_dataarray(nc)
    try:
        regions = {r: int((da["region"].values == r).sum()) for r in ("V4", "IT")}
        n_images = len(set(da["image_id"].values.tolist()))
        n_reps = len(set(da["repetition"].values.tolist()))
    finally:
        da.close()
    says(f"macaque V4 ({regions['V4']} sites) and IT ({regions['IT']} sites) × {n_images} images × {n_reps} "
         "repetitions")


# ------------------------------------------------------- experiment (b)'s measured arms (issue 13, item 1)
EXP_B_RESULTS = REPO / "docs" / "results" / "experiment_b"
EXP_B_ARMS = ("bn_none", "bn_reestimate", "bn_batch_stats", "bic_bn_none", "bic_bn_reestimate", "bic_bn_batch_stats")
EXP_B_ALL = REPO / "docs" / "results" / "experiment_b_all_benchmarks"


def assert_arm_files(folder: Path, arm: str, t: dict) -> None:
    """folder/<arm>.csv and .json are rule wc_authors_test_stats's output for ``arm`` of the experiment (b) ``t``
    (wiringup.plan.wc.authors_test): its comparison, inits, seeds, benchmarks, regions and BatchNorm treatment."""
    from wiringup.tables.wc_stats import WC_STATS_COLUMNS

    table = pd.read_csv(folder / f"{arm}.csv")
    assert list(table.columns) == WC_STATS_COLUMNS
    a = t["arms"][arm]
    seeds = ",".join(str(s) for s in t["seeds"])
    assert set(table["comparison"]) == {f"wc_authors_test_{arm}"}
    assert set(table["init_a"]) == {a["init"]} and set(table["init_b"]) == {a["control"]}
    assert set(table["seeds_a"].astype(str)) == {seeds} == set(table["seeds_b"].astype(str))
    assert set(table.loc[table["level"] == "benchmark", "benchmarks"]) == set(t["benchmarks"])
    assert list(table.loc[table["level"] == "region", "region"]) == t["regions"]
    stats = json.loads((folder / f"{arm}.json").read_text())
    assert stats["test"]["arm"] == arm and stats["test"]["bn"] == a["bn"]


def stat_rows(path: Path) -> dict:
    """A statistics CSV's rows by (level, region); a benchmark row's region is its benchmark id."""
    return {(r["level"], r["region"]): r for r in pd.read_csv(path).to_dict("records")}


def test_experiment_b_arms_in_the_readme_are_the_committed_pipeline_output(default):
    """The README's table of experiment (b) is made by wiringup.report.summary.stats_table from the per-arm
    tables rule wc_authors_test_stats wrote (results/tables/wc_authors_test/<arm>.csv, copied unchanged to
    docs/results/experiment_b/), and those are of config.yaml's experiment (b): its seeds, arms and benchmarks."""
    from wiringup.plan import wc as P
    from wiringup.report.summary import stats_table

    csvs = [EXP_B_RESULTS / f"{arm}.csv" for arm in EXP_B_ARMS]
    lines = stats_table(csvs, levels=("mean", "region"))
    t = P.authors_test(default)
    assert len(lines) == 2 + len(EXP_B_ARMS) * (1 + len(t["regions"])), "a row per arm and level"
    for line in lines:
        says(line)
    for arm in EXP_B_ARMS:
        assert_arm_files(EXP_B_RESULTS, arm, t)
    says(f"{len(t['seeds'])} seeds each")


def test_experiment_b_statements_in_the_readme_hold_in_the_committed_files(default):
    """Each sentence the README says of experiment (b)'s arms, against the committed per-arm tables (permutation
    p, sign of a − b)."""
    from wiringup.report.summary import min_permutation_p

    def rows(arm):
        return stat_rows(EXP_B_RESULTS / f"{arm}.csv")

    floor = min_permutation_p(10, 10)
    says("with 10 + 10 seeds the smallest two-sided permutation p is 1.08e-5")
    assert f"{floor:.2e}" == "1.08e-05"

    none = rows("bn_none")
    says("**(i) BatchNorm at PyTorch defaults: no difference.** Neither the mean over regions nor any region differs "
         "at p < 0.05 (permutation test).")
    assert all(r["permutation_p"] >= 0.05 for (level, _), r in none.items() if level in ("mean", "region"))

    re_ = rows("bn_reestimate")
    says("**(ii) BatchNorm statistics re-estimated from 100 unlabelled images: WC above KN.** On the mean over "
         "regions with the smallest p 10 + 10 seeds can give, carried by V1 and V2 (p < 0.001 each); V4 and IT do not "
         "differ at p < 0.05. Within V4 the two benchmarks disagree: the MajajHong2015 slice favours KN, Coggan2024 "
         "V4 favours WC (p < 0.01 each")
    mean = re_[("mean", "mean")]
    assert mean["difference"] > 0 and mean["permutation_p"] == pytest.approx(floor)
    assert all(re_[("region", r)]["difference"] > 0 and re_[("region", r)]["permutation_p"] < 0.001
               for r in ("V1", "V2"))
    assert all(re_[("region", r)]["permutation_p"] >= 0.05 for r in ("V4", "IT"))
    mh, cg = re_[("benchmark", "MajajHong2015slice.V4-pls")], re_[("benchmark", "tong.Coggan2024_fMRI.V4-rdm")]
    assert mh["difference"] < 0 < cg["difference"] and max(mh["permutation_p"], cg["permutation_p"]) < 0.01

    bs = rows("bn_batch_stats")
    says("**(iii) batch statistics at eval: mixed.** The mean over regions does not differ at p < 0.05; WC is above "
         "KN in V1 and below it in V4 and IT (p < 0.01 each).")
    assert bs[("mean", "mean")]["permutation_p"] >= 0.05
    assert bs[("region", "V1")]["difference"] > 0 > max(bs[("region", r)]["difference"] for r in ("V4", "IT"))
    assert all(bs[("region", r)]["permutation_p"] < 0.01 for r in ("V1", "V4", "IT"))
    says("**The same three treatments with the first-layer mixture sized by BIC** (`bic_bn_*`): the same pattern. "
         "(i) No region and not the mean differs at p < 0.05; (ii) WC above KN on the mean over regions (p < 0.001), "
         "in V1 and V2 (p < 0.001 each) and here also in IT (p < 0.01); (iii) the mean does not differ at p < 0.05, "
         "WC is above KN in V1 and below it in V4 (p < 0.001 each).")
    bn, bre, bbs = rows("bic_bn_none"), rows("bic_bn_reestimate"), rows("bic_bn_batch_stats")
    assert all(r["permutation_p"] >= 0.05 for (level, _), r in bn.items() if level in ("mean", "region"))
    assert bre[("mean", "mean")]["difference"] > 0 and bre[("mean", "mean")]["permutation_p"] < 0.001
    assert all(bre[("region", r)]["difference"] > 0 and bre[("region", r)]["permutation_p"] < 0.001 for r in ("V1", "V2"))
    assert bre[("region", "IT")]["difference"] > 0 and bre[("region", "IT")]["permutation_p"] < 0.01
    assert bbs[("mean", "mean")]["permutation_p"] >= 0.05
    assert bbs[("region", "V1")]["difference"] > 0 > bbs[("region", "V4")]["difference"]
    assert max(bbs[("region", r)]["permutation_p"] for r in ("V1", "V4")) < 0.001
    # the Status section's summary of the same two arms (asserted above)
    says("with BatchNorm statistics re-estimated from unlabelled images WC scored above KN at birth on the mean over "
         "regions (on five regions less clearly: behaviour and the four added benchmarks favour KN), with BatchNorm "
         "at its defaults it did not differ")
    assert default["weight_compression"]["bn_reestimate"]["images"] == 100   # the run's config: "100 ... images"
    assert json.loads((EXP_B_RESULTS / "bn_reestimate.json").read_text())["test"]["bn"] == "reestimate"


def test_experiment_b_on_every_benchmark_in_the_readme_is_the_committed_pipeline_output(default, paper):
    """The README's table of arm (ii) on every local benchmark is stats_table of the committed per-arm table, whose
    run is config.yaml's arm (ii) with the committed overlay: authors_test.benchmarks null, as config/paper.yaml, so
    every benchmark a model without a classifier gets and all five regions, behaviour included."""
    from wiringup.plan import wc as P
    from wiringup.report.summary import stats_table

    overlay = yaml.safe_load((EXP_B_ALL / "overlay.yaml").read_text())
    assert overlay == {"weight_compression": {"authors_test": {"benchmarks": None}}}
    assert paper["weight_compression"]["authors_test"]["benchmarks"] is None
    t = P.authors_test(validated_config(REPO / "config" / "config.yaml", EXP_B_ALL / "overlay.yaml"))
    assert t["regions"] == default["scoring"]["predictivity_regions"] == ["V1", "V2", "V4", "IT", "behavior"]
    assert len(t["benchmarks"]) == 10 and set(default["weight_compression"]["authors_test"]["benchmarks"]) < set(
        t["benchmarks"])
    assert_arm_files(EXP_B_ALL, "bn_reestimate", t)
    assert t["arms"]["bn_reestimate"]["bn"] == "reestimate"
    lines = stats_table([EXP_B_ALL / "bn_reestimate.csv"], levels=("mean", "region"))
    assert len(lines) == 2 + 1 + len(t["regions"])
    for line in lines:
        says(line)


def test_experiment_b_on_every_benchmark_statements_hold_in_the_committed_files():
    """Each sentence the README says of arm (ii) on every local benchmark, against its committed table."""
    from wiringup.report.summary import min_permutation_p

    rows = stat_rows(EXP_B_ALL / "bn_reestimate.csv")
    mean = rows[("mean", "mean")]
    says("**Mean over the five regions: WC above KN, less clearly than on four.** p < 0.05 (permutation test), not "
         "the smallest p 10 + 10 seeds can give as on the six benchmarks.")
    assert mean["difference"] > 0 and min_permutation_p(10, 10) < mean["permutation_p"] < 0.05
    four = stat_rows(EXP_B_RESULTS / "bn_reestimate.csv")[("mean", "mean")]
    assert four["permutation_p"] == pytest.approx(min_permutation_p(10, 10))
    says("**By region:** WC above KN in V2 (p < 0.001); below it in behaviour (p < 0.001); V1, V4 and IT do not "
         "differ at p < 0.05.")
    assert rows[("region", "V2")]["difference"] > 0 > rows[("region", "behavior")]["difference"]
    assert max(rows[("region", r)]["permutation_p"] for r in ("V2", "behavior")) < 0.001
    assert all(rows[("region", r)]["permutation_p"] >= 0.05 for r in ("V1", "V4", "IT"))
    says("**By benchmark, the added ones favour KN:** Marques V1 (p < 0.05), Cowley V4 (p < 0.01), Kriegeskorte IT "
         "(p < 0.01) and Geirhos behaviour (p < 0.001) are higher for KN, so in V1 Marques offsets WC's advantage on "
         "Coggan2024 V1, and in IT WC's region mean is now slightly below KN's.")
    for bench, bound in (("Marques2020_DeValois1982-pref_or", 0.05), ("Cowley2023.210325.V4-pls", 0.01),
                         ("Kriegeskorte2008.IT-rsa92", 0.01), ("Geirhos2021cueconflict-error_consistency", 0.001)):
        r = rows[("benchmark", bench)]
        assert r["difference"] < 0 and r["permutation_p"] < bound, bench
    assert rows[("benchmark", "tong.Coggan2024_fMRI.V1-rdm")]["difference"] > 0
    assert rows[("region", "IT")]["difference"] < 0
    says("carried by V2 (and by the Coggan2024 fMRI RSA benchmarks, which favour WC in V1, V2 and V4), while "
         "behaviour and the four added benchmarks favour KN")
    for region in ("V1", "V2", "V4"):
        r = rows[("benchmark", f"tong.Coggan2024_fMRI.{region}-rdm")]
        assert r["difference"] > 0 and r["permutation_p"] < 0.05, region


def test_experiment_b_scores_agree_between_the_two_machines():
    """The six benchmarks both runs of arm (ii) scored (AVX2 machine, docs/results/experiment_b/; AVX-512 machine,
    docs/results/experiment_b_all_benchmarks/): every per-seed score agrees to within the README's tolerance."""
    def per_seed(path):
        rows = json.loads(path.read_text())["rows"]
        return {(r["benchmarks"], side, seed): score for r in rows if r["level"] == "benchmark"
                for side in ("a", "b") for seed, score in zip(r[f"seeds_{side}"].split(","), r[f"scores_{side}"])}

    old, new = per_seed(EXP_B_RESULTS / "bn_reestimate.json"), per_seed(EXP_B_ALL / "bn_reestimate.json")
    shared = set(old) & set(new)
    assert len(shared) == 6 * 2 * 10 == len(old)
    worst = max(abs(old[k] - new[k]) for k in shared)
    assert 0 < worst < 1e-5, worst     # not bit-identical, and not different beyond the last digits
    says("benchmarks the table above used agree with that AVX2 run's to within 1e-5")


def test_the_default_config_header_points_at_the_parity_test():
    header = (REPO / "config" / "config.yaml").read_text().split("\n\n", 1)[0]
    assert "x-scale" in header and "test_config_parity" in header
    assert yaml.safe_load((REPO / "config" / "config.yaml").read_text())


# ------------------------------------------------------------------ config/laptop.yaml's search (item 8)
LAPTOP_RESULTS = REPO / "docs" / "results" / "laptop"
LAPTOP_RUNS = ["w0.25_48px_n1000", "w0.125_48px_n4000", "w0.125_48px_nall"]
LAPTOP_SHIPPED = "w0.125_48px_n4000"
#: keys config/laptop.yaml adds to the run's laptop.yaml: config.yaml's pixels_size became 64 after the run (256)
LAPTOP_PINNED = {"scoring": {"pixels_size": 256}}


def test_laptop_search_table_in_the_readme_is_made_from_the_committed_runs():
    """The README's search table is wiringup.report.summary.search_table of docs/results/laptop/<run>/ (each run's
    pipeline output, copied unchanged), and the shipped run's effects table is effects_table of its effects.csv."""
    from wiringup.report.summary import effects_table, search_table
    from wiringup.tables.effects import EFFECTS_COLUMNS

    assert sorted(p.name for p in LAPTOP_RESULTS.iterdir() if p.is_dir()) == sorted(LAPTOP_RUNS)
    for line in search_table([LAPTOP_RESULTS / r for r in LAPTOP_RUNS]):
        says(line)
    table = LAPTOP_RESULTS / LAPTOP_SHIPPED / "effects.csv"
    assert list(pd.read_csv(table).columns) == EFFECTS_COLUMNS
    lines = effects_table(table)
    assert len(lines) == 2 + 4, "one row per effect of config/laptop.yaml"
    for line in lines:
        says(line)


def test_the_shipped_laptop_config_is_the_run_the_readme_names():
    """config/laptop.yaml is, key for key, the laptop.yaml of the run the README says it ships, plus the keys that
    pin what config/config.yaml changed after that run (LAPTOP_PINNED: the run's values)."""
    says(f"**`config/laptop.yaml` is `{LAPTOP_SHIPPED}`**")
    shipped = yaml.safe_load((LAPTOP_RESULTS / LAPTOP_SHIPPED / "laptop.yaml").read_text())
    ours = yaml.safe_load((REPO / "config" / "laptop.yaml").read_text())
    assert ours == {**shipped, **LAPTOP_PINNED}
    default = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    assert default["scoring"]["pixels_size"] != LAPTOP_PINNED["scoring"]["pixels_size"]  # else the pin is not needed


def test_laptop_search_statements_in_the_readme_hold_in_the_committed_files():
    """The choice (largest sum of Hedges' g on the mean), the null result on the mean, IT, and CT = DT in V1."""
    sums = {}
    for run in LAPTOP_RUNS:
        effects = pd.read_csv(LAPTOP_RESULTS / run / "effects.csv")
        mean = effects[effects["level"] == "mean"]
        assert (mean["permutation_p"] >= 0.05).all() and (mean["welch_p"] >= 0.05).all(), run
        sums[run] = round(float(mean["hedges_g"].round(2).sum()), 2)
        v1 = effects[(effects["effect"] == "ct_vs_dt") & (effects["region"] == "V1")].iloc[0]
        assert v1["difference"] == 0 and v1["mean_a"] == v1["mean_b"]
        if run != "w0.25_48px_n1000":
            it = effects[(effects["level"] == "region") & (effects["region"] == "IT")].set_index("effect")
            assert it.at["trained_vs_birth", "difference"] > 0 and it.at["wc_vs_kn_at_birth", "difference"] > 0
    assert max(sums, key=sums.get) == LAPTOP_SHIPPED
    says(f"(sum of the four Hedges' g: {sums[LAPTOP_SHIPPED]:.2f}, against {sums['w0.125_48px_nall']:.2f} for "
         f"`w0.125_48px_nall` and {sums['w0.25_48px_n1000']:.2f} for `w0.25_48px_n1000`)".replace("-", "−"))
    says("**Result: no effect is significant on the mean over regions at any of the three scales.**")
    for run in LAPTOP_RUNS:
        summary = json.loads((LAPTOP_RESULTS / run / "summary.json").read_text())
        kn_birth = next(r for r in summary["at_birth"] if r["level"] == "mean")["mean_b"]
        above = summary["reference"]["brain_predictivity"] > kn_birth
        assert above == (run == "w0.125_48px_nall"), run
    says("only the all-image reference (top-1 0.62) scores above KN at birth")
