"""The experiment plan (wiringup.plan.experiments): schedules, scored models, bad input, and the DAG it makes."""
import copy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import validated_config

from wiringup.plan import experiments as E
from wiringup.core.io import WiringupError
from wiringup.tables.training_time import training_time_table

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
CONFIG = validated_config(REPO / "config" / "config.yaml")


def grid(**experiments):
    cfg = copy.deepcopy(CONFIG)
    cfg["experiments"] = {"supervised_updates": {"variant": "standard", "images": [100, 1000, "all"],
                                                 "epochs": [0, 0.5, 1, 2, 5], "seeds": [0, 42]}}
    cfg["experiments"].update(experiments)
    return validated_config(cfg)


def test_default_config_plans_every_experiment_on_the_standard_grid():
    E.check_config(CONFIG)
    assert E.grid_experiments(CONFIG) == ["critical_training", "synaptic_updates", "hyperparameters"]
    sup = E.experiment(CONFIG, "supervised_updates")
    for key in E.grid_experiments(CONFIG):
        e = E.experiment(CONFIG, key)
        assert set(e["images"]) <= set(sup["images"]) and set(e["epochs"]) <= set(sup["epochs"])
        assert e["variants"] and all(E.variant_spec(CONFIG, v) for v in e["variants"])
    scheds = E.train_schedules(CONFIG)
    assert scheds["train"]["variants"] == ["standard"]
    assert scheds["train"]["labels"] == [E.epoch_label(x) for x in sup["epochs"] if x > 0]


def test_runs_shared_by_experiments_train_once_at_the_union_of_their_epochs():
    cfg = grid(critical_training={"variants": ["ct", "dt_it"], "images": ["all"], "epochs": [5], "seeds": [0, 42]},
               synaptic_updates={"variants": ["wc_ct", "ct"], "images": [100, "all"], "epochs": [0, 0.5, 1],
                                 "seeds": [0, 42]},
               hyperparameters={"variants": ["standard", "adam"], "images": [1000], "epochs": [2], "seeds": [0]})
    E.check_config(cfg)
    assert E.variant_epochs(cfg) == {"standard": [0.5, 1.0, 2.0, 5.0], "ct": [0.5, 1.0, 5.0], "dt_it": [5.0],
                                     "wc_ct": [0.5, 1.0], "adam": [2.0]}
    scheds = E.train_schedules(cfg)
    assert {k: (v["variants"], v["labels"]) for k, v in scheds.items()} == {
        "train": (["standard"], ["0.5", "01", "02", "05"]),       # the supervised grid (+ its hyper-parameter runs)
        "train_critical_training": (["ct"], ["0.5", "01", "05"]),  # CT: critical ∪ synaptic-updates epochs
        "train_critical_training_2": (["dt_it"], ["05"]),
        "train_synaptic_updates": (["wc_ct"], ["0.5", "01"]),
        "train_hyperparameters": (["adam"], ["02"])}
    # each run once: ct on all images (both experiments) and the standard runs of the hyper-parameter experiment
    runs = E.trained_runs(cfg)
    assert len(runs) == len(set(runs))
    assert runs.count(("ct", "all", 0)) == 1 and ("standard", "1000", 0) in runs
    # scored: the experiment's epochs only; epoch 0 = the variant's model at birth (WC+CT: its own init)
    ids = E.scored_models(cfg, "synaptic_updates")
    assert "ct/n100_seed42/epoch_0.5" in ids and "ct/n100_seed42/epoch_05" not in ids
    assert f"init/{cfg['variants']['wc_ct']['init']}/seed42" in ids
    assert E.scored_models(cfg, "critical_training") == [f"{v}/nall_seed{s}/epoch_05" for v in ("ct", "dt_it")
                                                         for s in (0, 42)]


def test_schedule_names_are_train_for_the_supervised_grid():
    cfg = grid(critical_training={"variants": ["ct"], "images": ["all"], "epochs": [5], "seeds": [0]},
               synaptic_updates={"variants": ["wc_ct"], "images": [100], "epochs": [0.5, 1, 2, 5], "seeds": [0]})
    scheds = E.train_schedules(cfg)
    # WC+CT on the same epochs as the supervised grid joins `train`; CT's own schedule is named by its experiment
    assert scheds["train"]["variants"] == ["standard", "wc_ct"]
    assert scheds["train_critical_training"] == {"variants": ["ct"], "epochs": [5.0], "labels": ["05"]}


def test_an_experiment_off_the_standard_grid_is_refused_naming_it():
    cfg = grid(hyperparameters={"variants": ["adam"], "images": [500], "epochs": [1], "seeds": [0]})
    with pytest.raises(WiringupError, match=r"experiments\.hyperparameters: images \['500'\]"):
        E.check_config(cfg)
    cfg = grid(hyperparameters={"variants": ["adam"], "images": [100], "epochs": [3], "seeds": [0]})
    with pytest.raises(WiringupError, match=r"experiments\.hyperparameters: .*epochs \[3\.0\]"):
        E.check_config(cfg)


def test_an_unknown_variant_is_refused_naming_the_experiment():
    cfg = grid(critical_training={"variants": ["ct", "dt_v9"], "images": [100], "epochs": [1], "seeds": [0]})
    with pytest.raises(WiringupError, match=r"'dt_v9'.*experiments\.critical_training\.variants"):
        E.check_config(cfg)


def test_an_experiment_without_variants_is_off():
    cfg = grid(hyperparameters={"variants": [], "images": [100], "epochs": [1], "seeds": [0]})
    E.check_config(cfg)
    assert E.runs(cfg, "hyperparameters") == [] and E.scored_models(cfg, "hyperparameters") == []
    assert list(E.train_schedules(cfg)) == ["train"]


def test_training_time_is_relative_to_standard_at_the_same_images_and_seed():
    s = [{"variant": "standard", "init": "kn", "trained": "all", "images": 500, "seed": 0, "steps": 16,
          "seconds": 8.0, "seconds_per_step": 0.5, "steady_seconds_per_step": 0.4, "epoch_seconds": [4.0, 4.0],
          "epochs_trained": 2.0,
          "parameter_counts": {"trained_total": 100, "trained_conv_weights": 90}},
         {"variant": "ct", "init": "kn", "trained": "ct", "images": 500, "seed": 0, "steps": 8, "seconds": 2.8,
          "seconds_per_step": 0.35, "steady_seconds_per_step": 0.28, "epoch_seconds": [2.8], "epochs_trained": 1.0,
          "parameter_counts": {"trained_total": 5, "trained_conv_weights": 3}},
         {"variant": "ct", "init": "kn", "trained": "ct", "images": 64, "seed": 0, "steps": 1, "seconds": 1.0,
          "seconds_per_step": 1.0, "epoch_seconds": [], "seconds_per_epoch": 2.0, "epochs_trained": 0.5}]
    t = training_time_table(s, "standard").set_index(["variant", "images"])
    assert t.loc[("ct", 500), "time_saving_pct"] == pytest.approx(30.0)  # steady steps: 0.28 vs 0.4 s
    assert t.loc[("ct", 500), "seconds_per_epoch"] == 2.8 and t.loc[("standard", 500), "seconds_per_epoch"] == 4.0
    assert t.loc[("ct", 64), "seconds_per_epoch"] == 2.0 and t["relative_time"].isna().sum() == 1


@pytest.fixture()
def plan_dir(tmp_path: Path, data_root: Path) -> Path:
    shutil.copytree(REPO / "config", tmp_path / "config")
    (tmp_path / "abs.yaml").write_text(f"data_root: {data_root}\n")
    return tmp_path


def dry_run(workdir: Path, *configs: Path) -> subprocess.CompletedProcess:
    return subprocess.run([SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", str(workdir), "-n", "--configfile",
                           *map(str, configs)], capture_output=True, text=True, timeout=300)


def test_dag_trains_and_scores_the_default_experiments_and_refuses_bad_input(plan_dir: Path):
    from test_workflow import job_counts

    plan = dry_run(plan_dir, plan_dir / "abs.yaml")
    assert plan.returncode == 0, plan.stdout[-2000:] + plan.stderr[-2000:]
    counts = job_counts(plan.stdout)
    extra = [r for k in E.grid_experiments(CONFIG) for r in E.runs(CONFIG, k)]
    assert counts["train"] == len(E.runs(CONFIG, "supervised_updates"))
    assert sum(counts.get(k, 0) for k in E.train_schedules(CONFIG) if k != "train") == len(set(extra))
    assert counts["trained_parameters"] == 1 and counts["training_time"] == 1
    for key in E.grid_experiments(CONFIG):
        for model_id in E.scored_models(CONFIG, key):
            assert f"results/scores/Cowley2023.210325.V4-pls/{model_id}.json" in plan.stdout
    # bad input stops at the start, naming the key
    (plan_dir / "bad.yaml").write_text("variants:\n  ct: {init: kn, trained: ct_typo}\n")
    bad = dry_run(plan_dir, plan_dir / "abs.yaml", plan_dir / "bad.yaml")
    assert bad.returncode != 0 and "variants.ct.trained" in bad.stdout + bad.stderr
