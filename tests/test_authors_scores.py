"""The importer of the authors' Brain-Score databases (wiringup.tables.authors).

Synthetic tables check the id grammar, duplicate/NULL handling and the explicit missing-benchmark policy;
the real private database (``$WIRINGUP_DATA_ROOT/geiger2022/scores.sqlite``, default ``../shared/data``)
checks that the paper's headline numbers come out of the raw scores (AUTHORS_CODE_FACTS.md §7.4).
"""
from __future__ import annotations

import math
import os
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wiringup.tables import authors as A
from wiringup.core.io import WiringupError
from wiringup.tables.scores import TABLE_COLUMNS

REPO = Path(__file__).resolve().parents[1]
DATA_ROOT = Path(os.environ.get("WIRINGUP_DATA_ROOT", REPO.parent / "shared" / "data"))
PRIVATE_DB = DATA_ROOT / "geiger2022" / "scores.sqlite"
PUBLIC_DB = DATA_ROOT / "geiger2022" / "scores_public.sqlite"

V1, V2 = "movshon.FreemanZiemba2013.V1-pls", "movshon.FreemanZiemba2013.V2-pls"
V4, IT = "dicarlo.Majaj2015.V4-pls", "dicarlo.Majaj2015.IT-pls"
BEH, IMNET = "dicarlo.Rajalingham2018-i2n", "fei-fei.Deng2009-top1"
PRIVATE5 = [V1, V2, V4, IT, BEH]

# ------------------------------------------------------------------------------------------- id grammar

# (modification, family, expected subset of the decoded factors)
DECODE_CASES = [
    ("CORnet-S_full_epoch_43", "CORnet-S",
     dict(config="full", init="kn", trained="all", images=None, epoch=43.0, seed=0, con2=False, parsed=True,
          id_without_epoch="CORnet-S_full")),
    ("CORnet-S_full_epoch_00", "CORnet-S", dict(config="full", epoch=0.0, seed=0)),
    ("CORnet-S_full_epoch_0.5", "CORnet-S", dict(config="full", epoch=0.5)),
    ("CORnet-S_full_epoch_0.1", "CORnet-S", dict(epoch=0.1)),
    ("CORnet-S_full_seed42_epoch_29", "CORnet-S", dict(config="full", seed=42, epoch=29.0,
                                                        id_without_epoch="CORnet-S_full_seed42")),
    ("CORnet-S_full_img500000_epoch_02", "CORnet-S", dict(config="full", images=500000, epoch=2.0)),
    ("CORnet-S_full_img100_epoch_61", "CORnet-S", dict(images=100, epoch=61.0)),
    ("CORnet-S_full_lr0.01_epoch_05", "CORnet-S", dict(config="full", lr=0.01, weight_decay=None, optimizer=None)),
    ("CORnet-S_full_lr1.0_epoch_05", "CORnet-S", dict(lr=1.0)),
    ("CORnet-S_full_wd1e-05_epoch_05", "CORnet-S", dict(config="full", weight_decay=1e-05, lr=None)),
    ("CORnet-S_full_wd0.001_epoch_05", "CORnet-S", dict(weight_decay=0.001)),
    ("CORnet-S_full_opAdam_epoch_05", "CORnet-S", dict(config="full", optimizer="Adam")),
    ("CORnet-S_full_opAdagrad_epoch_10", "CORnet-S", dict(optimizer="Adagrad", epoch=10.0)),
    # con2 stands before img in the data, against the documented order
    ("CORnet-S_full_con2_img1000_epoch_05", "CORnet-S", dict(config="full", con2=True, images=1000)),
    ("CORnet-S_brain_t7_t12_wmc15_IT_bi_img1000_lr0.05_epoch_10", "CORnet-S",
     dict(config="brain_t7_t12_wmc15_IT_bi", images=1000, lr=0.05, init="mixture_gaussian", trained="ct")),
    # the `_seed_0` trap: part of the name, not a seed
    ("CORnet-S_train_IT_seed_0_epoch_37", "CORnet-S",
     dict(config="train_IT_seed_0", seed=0, init="kn", trained="dt_it")),
    ("CORnet-S_train_IT_seed_0_seed42_epoch_40", "CORnet-S",
     dict(config="train_IT_seed_0", seed=42, trained="dt_it", id_without_epoch="CORnet-S_train_IT_seed_0_seed42")),
    ("CORnet-S_train_IT_seed_0_img1000_epoch_20", "CORnet-S", dict(config="train_IT_seed_0", seed=0, images=1000)),
    ("CORnet-S_train_conv3_bi_epoch_29", "CORnet-S", dict(config="train_conv3_bi", init="kn", trained="ct")),
    ("CORnet-S_train_conv3_bi_seed42_epoch_31", "CORnet-S", dict(trained="ct", seed=42)),
    ("CORnet-S_train_conv3_V2_bi_epoch_26", "CORnet-S", dict(trained="ct_v2")),
    ("CORnet-S_train_conv3_V4_bi_epoch_26", "CORnet-S", dict(trained="ct_v4")),
    ("CORnet-S_train_V4_epoch_43", "CORnet-S", dict(trained="dt_v4", init="kn")),
    ("CORnet-S_train_random_seed42_epoch_22", "CORnet-S", dict(trained="decoder", seed=42)),
    ("CORnet-S_train_conv1_V4_bi_epoch_20", "CORnet-S", dict(trained="conv1_v4")),
    ("CORnet-S_train_batchnorm_V2_epoch_20", "CORnet-S", dict(trained="batchnorm_v2")),
    ("CORnet-S_cluster2_v2_IT_trconv3_bi_epoch_00", "CORnet-S",
     dict(config="cluster2_v2_IT_trconv3_bi", init="wc", init_known=True, trained="ct", epoch=0.0)),
    ("CORnet-S_cluster2_v2_IT_trconv3_bi_img1000_epoch_01", "CORnet-S", dict(init="wc", images=1000, epoch=1.0)),
    ("CORnet-S_cluster2_v2_IT_trconv3_bi_seed92_epoch_00", "CORnet-S", dict(init="wc", seed=92)),
    ("CORnet-S_cluster2_v2_IT_bi_seed42_epoch_31", "CORnet-S", dict(init="wc", trained="decoder", seed=42)),
    ("CORnet-S_cluster2_v2_V4_trconv3_bi_seed94_epoch_25", "CORnet-S",
     dict(init="wc", init_scope="V1-V4", trained="ct_v4", seed=94)),
    ("CORnet-S_train_gmk1_cl2_7_7tr_bi_seed42_epoch_28", "CORnet-S",
     dict(init="wc", init_scope="V1-V2", trained="ct_v2", seed=42)),
    ("CORnet-S_cluster2_IT_full_train_epoch_36", "CORnet-S", dict(init="wc", trained="all")),
    ("CORnet-S_brain3_t7_t12_knall_IT_bi_epoch_06", "CORnet-S", dict(init="kernel_normal", trained="ct")),
    ("CORnet-S_brain2_knall_IT_bi_v2_epoch_06", "CORnet-S", dict(init="no_gabor", trained="decoder")),
    ("CORnet-S_cluster9_IT_trconv3_bi_epoch_06", "CORnet-S", dict(init="wc_no_gabor", trained="ct")),
    # an undocumented prefix keeps its raw name, flagged as not decoded
    ("CORnet-S_brainboth2_IT_trconv3_bi_img100_epoch_10", "CORnet-S",
     dict(init="brainboth2", init_known=False, trained="ct", images=100)),
    ("CORnet-S_train_gmk1_gmk2_kn3_kn4_kn5_wm6_bi_epoch_05", "CORnet-S",
     dict(init="train_gmk1", init_known=False, trained=None)),
    # transfer ids
    ("resnet_v1_CORnet-S_full_epoch_32", "resnet",
     dict(family="resnet", config="full", transfer_mapping=1, init="kn", trained="all", epoch=32.0)),
    ("resnet_v3_CORnet-S_cluster2_v2_IT_trconv3_bi_epoch_22", "resnet",
     dict(transfer_mapping=3, config="cluster2_v2_IT_trconv3_bi", init="wc", trained="ct")),
    ("mobilenet_v6_CORnet-S_cluster2_v2_IT_trconv3_bi_epoch_34", "mobilenet",
     dict(transfer_mapping=6, init="wc", trained="ct")),
    ("alexnet_v4_CORnet-S_train_gmk1_cl2_7_7tr_bi_epoch_25", "alexnet", dict(transfer_mapping=4, trained="ct_v2")),
    # not transfer: the pretrained TF-slim MobileNet with its nominal epoch
    ("mobilenet_v1_1.0_224_epoch_100", "mobilenet",
     dict(config="v1_1.0_224", transfer_mapping=None, init=None, epoch=100.0, parsed=True)),
    ("pixels_epoch_00", "pixels", dict(family="pixels", config=None, epoch=0.0, parsed=True,
                                       id_without_epoch="pixels")),
    ("pixels_epoch_06", "pixels", dict(epoch=6.0, parsed=True)),
    ("hmax_epoch_00", "hmax", dict(family="hmax", config=None, epoch=0.0, parsed=True)),
    ("hmax_2_epoch_00", "hmax", dict(config="2", parsed=True)),
    ("resnet_mil_trained_epoch_90", "resnet", dict(config="mil_trained", transfer_mapping=None, epoch=90.0)),
]


@pytest.mark.parametrize("mod,family,expected", DECODE_CASES, ids=[c[0] for c in DECODE_CASES])
def test_decode_model_id(mod, family, expected):
    got = A.decode_model_id(mod, family)
    assert got["model_id"] == mod
    assert set(A.DECODED_FIELDS) <= set(got)
    expected = {"parsed": True, "family": family, **expected}
    for key, value in expected.items():
        if isinstance(value, float):
            assert got[key] == pytest.approx(value), key
        else:
            assert got[key] == value, (key, got[key])


UNPARSED = [("alexnet_random", "alexnet"), ("CORnet-S_jumbler_L3", "CORnet-S"), ("CORnet-S", "CORnet-S"),
            ("CORnet-S_train_gabor_dist_weight_dist_channel_epoch_00_BF", "CORnet-S"), ("pixels", "pixels"),
            ("CORnet-S_high_zero_0.5", "CORnet-S"), ("resnet_v1_CORnet-S_full_epoch_06", "CORnet-S")]


@pytest.mark.parametrize("mod,family", UNPARSED, ids=[u[0] for u in UNPARSED])
def test_unparseable_ids_are_flagged_not_raised(mod, family):
    got = A.decode_model_id(mod, family)
    assert got["parsed"] is False and got["parse_error"]
    assert got["epoch"] is None and got["config"] is None


def test_unparsed_ids_lists_them_from_raw_and_tidy():
    raw = _raw([("CORnet-S_full_epoch_01", V1, 0.1), ("CORnet-S_jumbler_L3", V1, 0.2),
                ("alexnet_random", V1, 0.3, "alexnet")])
    assert A.unparsed_ids(raw) == ["CORnet-S_jumbler_L3", "alexnet_random"]
    assert A.unparsed_ids(A.tidy(raw, "test")) == ["CORnet-S_jumbler_L3", "alexnet_random"]


# ------------------------------------------------------------------------------------------------ tidy

def _raw(rows):
    """rows: (modification, benchmark, score[, family[, time]]) → a raw_scores-like frame."""
    out = []
    for i, r in enumerate(rows):
        fam = r[3] if len(r) > 3 else r[0].split("_")[0]
        out.append({"model": fam, "benchmark": r[1], "batchnorm": 0, "score": r[2], "modification": r[0],
                    "time": r[4] if len(r) > 4 else f"2020-01-01 00:00:{i:02d}"})
    return pd.DataFrame(out, columns=A.RAW_COLUMNS)


def test_tidy_averages_duplicates_and_reports_spread():
    raw = _raw([("CORnet-S_full_epoch_43", V1, 0.2097), ("CORnet-S_full_epoch_43", V1, 0.2284),
                ("CORnet-S_full_epoch_43", V2, 0.23), ("CORnet-S_full_epoch_43", V2, 0.23),
                ("CORnet-S_full_epoch_43", V4, 0.58)])
    t = A.tidy(raw, "private").set_index("benchmark_id")
    assert len(t) == 3
    assert t.loc[V1, "score"] == pytest.approx((0.2097 + 0.2284) / 2)
    assert t.loc[V1, "n_duplicates"] == 2 and t.loc[V1, "duplicate_spread"] == pytest.approx(0.0187)
    assert t.loc[V2, "n_duplicates"] == 2 and t.loc[V2, "duplicate_spread"] == 0.0
    assert t.loc[V4, "n_duplicates"] == 1 and t.loc[V4, "duplicate_spread"] == 0.0
    assert (t["backend"] == "authors-private").all()
    assert t.loc[V1, "first_time"] < t.loc[V1, "last_time"]


def test_tidy_keeps_null_scores_as_nan_and_counts_them():
    raw = _raw([("CORnet-S_full_epoch_01", BEH, None), ("CORnet-S_full_epoch_01", BEH, None),
                ("CORnet-S_full_epoch_01", IT, 0.4)])
    t = A.tidy(raw, "private").set_index("benchmark_id")
    assert math.isnan(t.loc[BEH, "score"]) and t.loc[BEH, "n_null"] == 2 and t.loc[BEH, "n_duplicates"] == 2
    assert t.loc[IT, "n_null"] == 0
    z = A.tidy(raw, "private", missing="zero").set_index("benchmark_id")
    assert z.loc[BEH, "score"] == 0.0 and z.loc[BEH, "n_null"] == 2
    # a NULL beside a real score: ignored under "nan", a 0 under "zero" (the authors' rule)
    mixed = _raw([("CORnet-S_full_epoch_01", IT, None), ("CORnet-S_full_epoch_01", IT, 0.4)])
    assert A.tidy(mixed, "p")["score"].iloc[0] == pytest.approx(0.4)
    assert A.tidy(mixed, "p", missing="zero")["score"].iloc[0] == pytest.approx(0.2)
    with pytest.raises(WiringupError, match="missing="):
        A.tidy(raw, "private", missing="drop")


@pytest.mark.filterwarnings("ignore:The behavior of DataFrame concatenation:FutureWarning")
def test_tidy_regions_public_flag_columns_and_updates():
    mod = "CORnet-S_full_img1000_epoch_02"
    benches = {V1: "V1", V2: "V2", V4: "V4", IT: "IT", BEH: "behavior", IMNET: "imagenet",
               "movshon.FreemanZiemba2013public.V1-pls": "V1", "movshon.FreemanZiemba2013public.V2-pls": "V2",
               "dicarlo.Majaj2015public.V4-pls": "V4", "dicarlo.Majaj2015public.IT-pls": "IT",
               "dicarlo.MajajHong2015public.IT-pls": "IT", "dicarlo.Rajalingham2018public-i2n": "behavior",
               "dicarlo.MajajHong2015.V4-pls": "V4", "MajajHong2015.IT-pls": "IT", "ImageNet-top1": "imagenet",
               "dicarlo.Kar2019-ost": "IT"}
    rows = [(mod, b, 0.1) for b in benches] + [("CORnet-S_full_epoch_43", V1, 0.2), ("pixels_epoch_00", V4, 0.05),
                                                ("CORnet-S_full_epoch_0.5", V1, 0.1)]
    t = A.tidy(_raw(rows), "private")
    assert list(t.columns[:len(TABLE_COLUMNS)]) == list(TABLE_COLUMNS)
    sub = t[t["model_id"] == mod].set_index("benchmark_id")
    for b, region in benches.items():
        assert sub.loc[b, "region"] == region, b
        assert bool(sub.loc[b, "public"]) == ("public" in b), b
    assert bool(sub.loc[V1, "core"]) and not bool(sub.loc["dicarlo.Kar2019-ost", "core"])
    assert not bool(sub.loc["dicarlo.MajajHong2015.V4-pls", "core"])
    assert (sub["images"] == 1000).all() and (sub["supervised_updates"] == 2000).all()
    assert (sub["supervised_updates_authors"] == 2000).all() and not sub["full_data"].any()
    full = t[t["model_id"] == "CORnet-S_full_epoch_43"].iloc[0]
    assert full["images"] == A.FULL_IMAGENET and bool(full["full_data"])
    assert full["supervised_updates"] == A.FULL_IMAGENET * 43
    assert full["supervised_updates_authors"] == pytest.approx(1.28e6 * 43)
    half = t[t["model_id"] == "CORnet-S_full_epoch_0.5"].iloc[0]
    assert half["supervised_updates_authors"] == pytest.approx(0.64e6)
    pix = t[t["model_id"] == "pixels_epoch_00"].iloc[0]
    assert math.isnan(pix["supervised_updates"]) and math.isnan(pix["images"])
    for col in ("layer", "raw", "ceiling", "n_stimuli", "synaptic_updates", "seconds"):
        assert t[col].isna().all(), col
    # concatenates with this pipeline's own score table
    ours = pd.DataFrame([{"model_id": "standard/n500_seed0/epoch_01", "benchmark_id": "Cowley2023.210325.V4-pls",
                          "backend": "local", "region": "V4", "layer": "V4.output-t0", "score": 0.4, "raw": 0.3,
                          "ceiling": 0.75, "error": 0.02, "n_stimuli": 640, "n_neuroids": 50, "variant": "standard",
                          "init": "kn", "images": 500, "epoch": 1.0, "seed": 0, "supervised_updates": 500.0,
                          "synaptic_updates": 2.6e10, "images_seen": 500, "step": 2,
                          "trained_conv_weights": 52860096, "seconds": 3.2}], columns=TABLE_COLUMNS)
    both = pd.concat([ours, t[list(TABLE_COLUMNS)]], ignore_index=True)
    assert list(both.columns) == list(TABLE_COLUMNS) and len(both) == len(t) + 1


# -------------------------------------------------------------------------------- brain predictivity

def test_missing_switch_changes_mean_for_a_model_missing_a_benchmark():
    scores = dict(zip(PRIVATE5, [0.2, 0.3, 0.5, 0.4, 0.6]))
    rows = [("CORnet-S_full_epoch_05", b, s) for b, s in scores.items()]
    rows += [("CORnet-S_full_epoch_07", b, s) for b, s in scores.items() if b != BEH]   # no behaviour
    rows += [("CORnet-S_full_epoch_09", b, s) for b, s in scores.items() if b != IT]
    rows += [("CORnet-S_full_epoch_09", IT, None)]                                       # NULL IT
    rows += [("CORnet-S_full_epoch_09", IMNET, 0.7)]
    t = A.tidy(_raw(rows), "private")
    nan = A.brain_predictivity(t).set_index("model_id")
    zero = A.brain_predictivity(t, missing="zero").set_index("model_id")
    assert nan.loc["CORnet-S_full_epoch_05", "brain_predictivity"] == pytest.approx(0.4)
    assert zero.loc["CORnet-S_full_epoch_05", "brain_predictivity"] == pytest.approx(0.4)
    assert math.isnan(nan.loc["CORnet-S_full_epoch_07", "brain_predictivity"])
    assert nan.loc["CORnet-S_full_epoch_07", "n_regions"] == 4
    assert zero.loc["CORnet-S_full_epoch_07", "brain_predictivity"] == pytest.approx(1.4 / 5)
    assert math.isnan(nan.loc["CORnet-S_full_epoch_09", "brain_predictivity"])
    assert zero.loc["CORnet-S_full_epoch_09", "brain_predictivity"] == pytest.approx(1.6 / 5)
    assert nan.loc["CORnet-S_full_epoch_09", "imagenet"] == pytest.approx(0.7)
    assert (nan["missing"] == "nan").all() and (zero["missing"] == "zero").all()
    assert nan.loc["CORnet-S_full_epoch_07", "epoch"] == 7.0 and nan.loc["CORnet-S_full_epoch_07", "init"] == "kn"
    # a subset of regions
    v4it = A.brain_predictivity(t, regions=("V4", "IT")).set_index("model_id")
    assert v4it.loc["CORnet-S_full_epoch_07", "brain_predictivity"] == pytest.approx(0.45)
    with pytest.raises(WiringupError, match="missing="):
        A.brain_predictivity(t, missing="drop")
    with pytest.raises(WiringupError, match="public=True"):
        A.brain_predictivity(A.tidy(_raw([("CORnet-S_full_epoch_01", "dicarlo.Majaj2015public.IT-pls", 0.3)]),
                                    "public"))


def test_normaliser_is_computed_from_the_two_runs():
    s0 = dict(zip(PRIVATE5, [0.21, 0.24, 0.58, 0.53, 0.55]))
    s42 = dict(zip(PRIVATE5, [0.23, 0.23, 0.58, 0.54, 0.52]))
    rows = [("CORnet-S_full_epoch_43", b, v) for b, v in s0.items()]
    rows += [("CORnet-S_full_seed42_epoch_29", b, v) for b, v in s42.items()]
    t = A.tidy(_raw(rows), "private")
    expected = np.mean([(s0[b] + s42[b]) / 2 for b in PRIVATE5])
    assert A.normaliser(t) == pytest.approx(expected)
    with pytest.raises(WiringupError, match="not in the score table"):
        A.normaliser(t[t["model_id"] != "CORnet-S_full_seed42_epoch_29"])


def test_run_average_follows_load_error_bared():
    """A run counts if any score is > 0; then every score of it is averaged as it is (negative, or 0 if missing),
    as benchmark/database.py::load_error_bared does; an all-zero (or absent) run drops out."""
    a = dict(zip(PRIVATE5, [0.20, 0.10, 0.30, 0.20, -0.02]))       # a negative behavioural score
    b = dict(zip(PRIVATE5, [0.22, 0.12, 0.32, 0.22, 0.10]))
    rows = [("CORnet-S_x_epoch_06", k, v) for k, v in a.items()]
    rows += [("CORnet-S_x_seed42_epoch_06", k, v) for k, v in b.items() if k != IT]   # IT missing: counts as 0
    bp = A.brain_predictivity(A.tidy(_raw(rows), "private"), missing="zero")
    res = A.authors_run_average(bp, ["CORnet-S_x_epoch_06", "CORnet-S_x_seed42_epoch_06", "CORnet-S_x_epoch_99"])
    assert res["per_region"]["behavior"] == pytest.approx((-0.02 + 0.10) / 2)
    assert res["per_region"]["IT"] == pytest.approx(0.20 / 2)
    assert res["absent"] == ["CORnet-S_x_epoch_99"]
    single = A.authors_run_average(bp, ["CORnet-S_x_epoch_06"])
    assert single["value"] == pytest.approx(np.mean(list(a.values())))


def test_convergence_tables_and_inclusion_lists():
    """The authors' convergence tables (global_data.py) and model_versions decide converged checkpoints and seeds."""
    assert A.convergence.GLOBAL_DATA_COMMIT.startswith("04d152a") and "global_data.py" in A.convergence.SOURCE
    assert A.listed_epoch("CORnet-S_full") == 43 and A.listed_epoch("CORnet-S_full_seed42") == 29
    assert A.listed_epoch("CORnet-S_full_img500000") == 21          # scored up to epoch 30: not the last checkpoint
    assert A.listed_epoch("CORnet-S_cluster2_v2_IT_trconv3_bi_img100000") == 44
    assert A.listed_epoch("resnet_v3_CORnet-S_cluster2_v2_IT_trconv3_bi") == 22
    assert A.listed_epoch("CORnet-S_train_conv1_bi") is None
    assert A.converged_id("CORnet-S_full_img100") == "CORnet-S_full_img100_epoch_61"
    assert A.NORMALISER_IDS == ("CORnet-S_full_epoch_43", "CORnet-S_full_seed42_epoch_29")
    assert A.DELTA_NORMALISER_IDS == ("CORnet-S_full_epoch_43",)
    # seed 94 is left out of the WC+CT and standard averages, seed 42 of the WC-up-to-V4 one
    assert A.converged_ids("CORnet-S_cluster2_v2_IT_trconv3_bi") == [
        "CORnet-S_cluster2_v2_IT_trconv3_bi_epoch_38", "CORnet-S_cluster2_v2_IT_trconv3_bi_seed42_epoch_40"]
    assert not A.included("CORnet-S_cluster2_v2_IT_trconv3_bi_seed94") and not A.included("CORnet-S_full_seed94")
    assert not A.included("CORnet-S_cluster2_v2_V4_trconv3_bi_seed42")
    assert A.included("CORnet-S_cluster2_v2_V4_trconv3_bi_seed94") and A.included("CORnet-S_full_img1000")
    assert A.base_name("CORnet-S_train_IT_seed_0_seed42") == "CORnet-S_train_IT_seed_0"   # `_seed_0` is a name
    runs = {"CORnet-S_full", "CORnet-S_full_seed42", "CORnet-S_full_seed94", "CORnet-S_full_img100"}
    assert A.excluded_runs("CORnet-S_full", runs) == ["CORnet-S_full_seed94"]
    assert "left out although scored: s94" in A.exclusion_text("CORnet-S_full", runs)
    # a figure that names one seed's run uses that run alone (Fig. 5B: WC and WC+CT are seed 42)
    assert A.runs_of(A.FIG5B_MODELS["WC"]) == ("CORnet-S_cluster2_v2_IT_bi_seed42",)
    assert A.epoch_ids("CORnet-S_cluster2_v2_IT_bi", 6) == ["CORnet-S_cluster2_v2_IT_bi_seed42_epoch_06",
                                                            "CORnet-S_cluster2_v2_IT_bi_epoch_06"]
    assert A.epoch_ids("CORnet-S_full_img1000", 0.5) == ["CORnet-S_full_img1000_epoch_0.5"]


# ------------------------------------------------------------------------------------------- reading

def test_read_raw_refuses_missing_file(tmp_path):
    with pytest.raises(WiringupError, match="nope.sqlite"):
        A.read_raw(tmp_path / "nope.sqlite")


def test_read_raw_refuses_sqlite_without_table_or_columns(tmp_path):
    db = tmp_path / "other.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE something (a int)")
    con.commit()
    con.close()
    with pytest.raises(WiringupError, match=r"other\.sqlite.*raw_scores"):
        A.read_raw(db)
    db2 = tmp_path / "cols.sqlite"
    con = sqlite3.connect(db2)
    con.execute("CREATE TABLE raw_scores (model text, benchmark text, score real)")
    con.commit()
    con.close()
    with pytest.raises(WiringupError, match=r"cols\.sqlite.*modification"):
        A.read_raw(db2)
    text = tmp_path / "notes.sqlite"
    text.write_text("this is not a database\n" * 100)
    with pytest.raises(WiringupError, match="notes.sqlite"):
        A.read_raw(text)


def _make_db(path, rows):
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE raw_scores (model character, benchmark character, batchnorm boolean DEFAULT FALSE, "
                "score int, modification character, time timestamp)")
    con.executemany("INSERT INTO raw_scores VALUES (?,?,?,?,?,?)",
                    [tuple(r) for r in _raw(rows)[A.RAW_COLUMNS].itertuples(index=False)])
    con.commit()
    con.close()


def test_read_raw_write_tidy_and_cli(tmp_path, capsys):
    db = tmp_path / "mini.sqlite"
    rows = [("CORnet-S_full_epoch_43", b, 0.4) for b in PRIVATE5] + [("CORnet-S_full_epoch_43", V1, 0.5),
                                                                     ("CORnet-S_random", V1, None)]
    _make_db(db, rows)
    raw = A.read_raw(db)
    assert len(raw) == 7 and list(raw.columns) == A.RAW_COLUMNS and raw["score"].isna().sum() == 1
    out = tmp_path / "sub" / "authors.csv"
    assert A.main(["--db", str(db), "--source", "private", "--out", str(out)]) == 0
    back = pd.read_csv(out)
    assert len(back) == 6 and (back["backend"] == "authors-private").all()
    assert "1 not following the id grammar" in capsys.readouterr().out
    assert A.main(["--db", str(tmp_path / "absent.sqlite"), "--source", "x", "--out", str(out)]) == 1
    assert "absent.sqlite" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        A.main(["--help"])
    assert exc.value.code == 0
    assert "--missing" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------- real data

@pytest.fixture(scope="module")
def private_tidy():
    if not PRIVATE_DB.is_file():
        pytest.skip(f"authors' private score DB not found at {PRIVATE_DB}; set WIRINGUP_DATA_ROOT to the shared "
                    "data folder holding geiger2022/scores.sqlite")
    return A.tidy(A.read_raw(PRIVATE_DB), "private")


@pytest.fixture(scope="module")
def headline(private_tidy):
    return A.headline_numbers(private_tidy)


def test_real_private_db_shape(private_tidy):
    assert private_tidy["n_duplicates"].sum() == 13048
    assert private_tidy["model_id"].nunique() == 1818
    assert private_tidy["n_null"].sum() == 30
    unparsed = A.unparsed_ids(private_tidy)
    assert "CORnet-S_full_epoch_43" not in unparsed and "alexnet_random" in unparsed
    assert len(unparsed) == 195
    # every benchmark of the DB gets a region
    assert private_tidy["region"].notna().all()
    full43 = private_tidy[(private_tidy["model_id"] == "CORnet-S_full_epoch_43") & (private_tidy["benchmark_id"] == V1)]
    assert full43["n_duplicates"].iloc[0] > 1 and full43["duplicate_spread"].iloc[0] > 0.01


def test_real_public_db(tmp_path):
    if not PUBLIC_DB.is_file():
        pytest.skip(f"authors' public score DB not found at {PUBLIC_DB}; set WIRINGUP_DATA_ROOT")
    t = A.tidy(A.read_raw(PUBLIC_DB), "public")
    assert t["n_duplicates"].sum() == 807 and t["model_id"].nunique() == 200
    assert t["public"].all() and t["region"].notna().all()
    bp = A.brain_predictivity(t, public=True)
    assert bp["brain_predictivity"].notna().sum() >= 1
    assert (bp["n_regions"] <= 5).all()


def test_headline_numbers_reproduce_facts(headline, private_tidy):
    h = headline
    assert A.normaliser(private_tidy) == pytest.approx(0.4215, abs=5e-4)
    assert h["fully_trained_mean"]["value"] == pytest.approx(0.4215, abs=5e-4)
    assert h["fully_trained_mean"]["model_ids"] == ["CORnet-S_full_epoch_43", "CORnet-S_full_seed42_epoch_29"]
    pp = dict(abs=0.1)
    assert h["kn_at_birth"]["value"] == pytest.approx(42.6, **pp)
    assert h["kn_at_birth"]["std"] == pytest.approx(1.74, **pp)
    assert h["wc_at_birth"]["value"] == pytest.approx(53.8, **pp)
    assert h["wc_at_birth"]["std"] == pytest.approx(1.47, **pp)
    assert h["kn_at_birth"]["n"] == h["wc_at_birth"]["n"] == 10
    assert "CORnet-S_full_seed92_epoch_00" in h["kn_at_birth"]["model_ids"]
    assert h["at_birth_ttest"]["t"] == pytest.approx(14.7, abs=0.05)
    assert 1e-11 < h["at_birth_ttest"]["value"] < 3e-11
    assert h["ct_relative"]["value"] == pytest.approx(76.0, **pp)
    assert h["ct_relative"]["model_ids"] == ["CORnet-S_train_conv3_bi_epoch_29",
                                             "CORnet-S_train_conv3_bi_seed42_epoch_31"]
    assert h["wc_ct_500k_20ep"]["value"] == pytest.approx(79.7, **pp)
    assert h["wc_ct_500k_20ep"]["synaptic_updates_percent"] == pytest.approx(0.47, abs=0.01)
    assert h["two_percent_updates"]["value"] == pytest.approx(76.2, **pp)
    assert h["two_percent_updates"]["supervised_updates_percent"] == pytest.approx(1.82, abs=0.01)
    assert h["point_two_percent_updates"]["value"] == pytest.approx(49.5, **pp)
    assert h["twenty_percent_updates"]["value"] == pytest.approx(97.2, **pp)
    assert h["wc_ct_converged"]["value"] == pytest.approx(82.0, **pp)
    f = h["fig4b_max_gain"]
    assert f["normaliser"] == pytest.approx(0.42493, abs=5e-5)
    assert f["value"] == pytest.approx(26.6, **pp)
    assert f["paper_cell"]["gain_pp"] == pytest.approx(26.6, **pp)
    assert f["all_data_converged"]["gain_pp"] == pytest.approx(-17, abs=0.5)
    for key, entry in h.items():
        assert entry["model_ids"], key


def test_fig4b_uses_the_authors_grid_and_runs(headline):
    """Fig. 4B: plot_figure_4 → delta_heatmap takes epochs 0, 1, 3, 6, 10, 20 plus a convergence column (their
    convergence tables), so the largest cell is the paper's 1,000 images × 1 epoch, not 100 × 2."""
    assert A.FIG4B_EPOCHS == (0, 1, 3, 6, 10, 20) and A.FIG8_EPOCHS == (0, 1, 2, 3, 5, 6, 10, 20)
    f = headline["fig4b_max_gain"]
    assert f["grid"]["epochs"] == [0, 1, 3, 6, 10, 20, A.CONVERGED]
    assert f["n_cells"] == 7 * 7 and not f["skipped_cells"]
    assert (f["images"], f["epoch"]) == (1000, 1.0) and f["value"] == pytest.approx(26.61, abs=0.01)
    assert all(c["epoch"] not in (2.0, 5.0) for c in f["top_cells"])
    conv = [c for c in f["cells"] if c["epoch"] == A.CONVERGED]
    assert conv and conv[0]["images"] == 1000 and conv[0]["converged_epochs"] == [92, 63]
    # the runs each average leaves out, for the scorecard's notes
    assert headline["fully_trained_mean"]["excluded_runs"] == ["CORnet-S_full_seed94_epoch_28"]
    assert headline["wc_ct_converged"]["excluded_runs"] == ["CORnet-S_cluster2_v2_IT_trconv3_bi_seed94_epoch_28"]
    assert headline["ct_relative"]["excluded_runs"] == []
    assert "CORnet-S_full_seed94_epoch_00" in headline["kn_at_birth"]["excluded_runs"]
    assert headline["wc_ct_converged"]["per_region_percent"]["V1"] > 80


def test_tidy_csv_round_trip_and_brain_predictivity_table(tmp_path):
    rows = [("CORnet-S_full_epoch_43", b, 0.4) for b in PRIVATE5]
    rows += [("CORnet-S_train_conv3_bi_seed42_epoch_31", b, 0.3) for b in PRIVATE5 if b != BEH]
    rows += [("CORnet-S_train_conv3_bi_seed42_epoch_31", BEH, None), ("CORnet-S_jumbler_L3", V1, 0.1)]
    table = A.tidy(_raw(rows), "private")
    path = tmp_path / "authors_private.csv"
    A.write_tidy(table, path)
    back = A.read_tidy(path)
    assert len(back) == len(table) and list(back.columns) == list(table.columns)
    assert back["parsed"].dtype == bool and back["con2"].dtype == bool
    assert back.set_index("model_id").loc["CORnet-S_train_conv3_bi_seed42_epoch_31", "seed"].iloc[0] == 42
    assert back["score"].isna().sum() == 1                       # the NULL stays NaN, never 0
    bp = A.write_brain_predictivity(back, tmp_path / "bp.csv").set_index("model_id")
    assert bp.loc["CORnet-S_full_epoch_43", "brain_predictivity"] == pytest.approx(0.4)
    assert math.isnan(bp.loc["CORnet-S_train_conv3_bi_seed42_epoch_31", "brain_predictivity"])
    assert bp.loc["CORnet-S_train_conv3_bi_seed42_epoch_31", "n_regions"] == 4
    zero = A.write_brain_predictivity(back, tmp_path / "bpz.csv", missing="zero").set_index("model_id")
    assert zero.loc["CORnet-S_train_conv3_bi_seed42_epoch_31", "brain_predictivity"] == pytest.approx(1.2 / 5)
    assert (pd.read_csv(tmp_path / "bp.csv", keep_default_na=False)["missing"] == "nan").all()
    with pytest.raises(WiringupError, match="authors_import"):
        A.read_tidy(tmp_path / "absent.csv")
    pd.DataFrame({"a": [1]}).to_csv(tmp_path / "other.csv", index=False)
    with pytest.raises(WiringupError, match="not a tidy table"):
        A.read_tidy(tmp_path / "other.csv")
