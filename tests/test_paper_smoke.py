"""The paper-size smoke run (tests/configs/paper_smoke.yaml over config/paper.yaml): every rule family of the paper's
plan at full width and 224 px on a micro grid, on the CPU (slow: ~40 min on 2 cores; run by hand, result in
docs/benchmarks.md), and the paper-cost projection (benchmarks/paper_cost.py) on its output.

    .venv/bin/python -m pytest -m slow tests/test_paper_smoke.py -s     # WIRINGUP_SMOKE_DIR=<folder> keeps the run
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import REPO, snakemake

sys.path.insert(0, str(REPO / "benchmarks"))
import paper_cost  # noqa: E402

SMOKE = REPO / "tests" / "configs" / "paper_smoke.yaml"


def test_paper_plan_cost_counts_every_training_run():
    """The projection's inputs come from the plan: the paper's 112 all-layer CORnet-S runs (standard + 7
    hyper-parameter variants x 7 image counts x 2 seeds), 28 CT runs (KN + CT and WC + CT on the same grid), the
    other 11 trained sets x 2 seeds, 6 transfer runs, and the plan's 2,464 scored models."""
    runs = paper_cost.paper_training(paper_cost.paper_config())
    cornet = runs[runs["arch"] == "cornet_s"]
    assert (cornet["trained"] == "all").sum() == 112 and (cornet["trained"] == "ct").sum() == 28
    assert len(cornet) == 112 + 28 + 11 * 2 and len(runs) == len(cornet) + 6
    full = cornet[(cornet["images"] == paper_cost.IMAGENET_TRAIN) & (cornet["variant"] == "standard")]
    assert (full["image_passes"] == paper_cost.IMAGENET_TRAIN * 43).all() and len(full) == 2
    assert runs.attrs["score_jobs"] == 2464


def test_smoke_config_changes_only_scale_keys_and_the_offline_backend():
    """The smoke config may differ from the paper's only where a CPU without internet forces it."""
    smoke = yaml.safe_load(SMOKE.read_text())
    assert set(smoke) <= {"imagenet", "model", "training", "experiments", "weight_compression", "transfer",
                          "scoring", "resources"}
    assert smoke["model"] == {"num_classes": 10}  # full width, 224 px: only the classes of the offline data
    assert smoke["scoring"]["backend"] == "local"


@pytest.mark.slow
def test_paper_smoke_run(tmp_path_factory, data_root):
    keep = os.environ.get("WIRINGUP_SMOKE_DIR")
    workdir = Path(keep) if keep else tmp_path_factory.mktemp("paper_smoke")
    (workdir / "config").mkdir(parents=True, exist_ok=True)
    for name in ("config.yaml", "paper.yaml"):
        shutil.copy(REPO / "config" / name, workdir / "config" / name)
    smoke = yaml.safe_load(SMOKE.read_text())
    smoke["data_root"] = str(data_root)
    (workdir / "smoke.yaml").write_text(yaml.safe_dump(smoke))
    snakemake(workdir, "--configfile", str(workdir / "config" / "paper.yaml"), str(workdir / "smoke.yaml"),
              "--benchmark-extended", "--rerun-incomplete", timeout=4 * 3600)

    fam = paper_cost.rule_families(workdir)
    for rule in ("cache_images", "train", "train_critical_training", "train_transfer", "transfer_init",
                 "init_model", "fit_wc", "fit_wc_alternative", "score", "score_baseline", "wc_stats", "fig1",
                 "fig5", "fig7", "scorecard"):
        assert rule in fam.index, f"rule family {rule} did not run"
    # full width and 224 px: the trained models are the paper's
    import torch

    ckpt = torch.load(workdir / "results" / "models" / "standard" / "n64_seed0" / "epoch_01.pt", map_location="cpu",
                      weights_only=False)
    assert ckpt["model"] == {"arch": "cornet_s", "width": 1.0, "num_classes": 10} and ckpt["meta"]["input_size"] == 224
    summary = json.loads((workdir / "results" / "models" / "standard" / "n64_seed0" / "summary.json").read_text())
    assert summary["provenance"]["config"]["input_size"] == 224
    scores = pd.read_csv(workdir / "results" / "tables" / "scores.csv")
    assert scores["score"].notna().any() and {"V2", "V4", "IT", "imagenet"} <= set(scores["region"])
    assert paper_cost.main([str(workdir)]) == 0
