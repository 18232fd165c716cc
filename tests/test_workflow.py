"""The real DAG, end to end, on a tiny config (Snakemake driven through subprocess, as its docs advise)."""
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))


def snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    cmd = [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", str(workdir), "--cores", "2", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return proc


@pytest.fixture()
def workdir(tmp_path: Path, data_root: Path) -> Path:
    (tmp_path / "config").mkdir()
    shutil.copy(REPO / "config" / "config.yaml", tmp_path / "config" / "config.yaml")
    tiny = yaml.safe_load((REPO / "tests" / "configs" / "tiny.yaml").read_text())
    tiny["data_root"] = str(data_root)
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(tiny))
    return tmp_path


def test_tiny_dag_end_to_end(workdir: Path):
    snakemake(workdir, "--configfile", str(workdir / "tiny.yaml"))
    table = pd.read_csv(workdir / "results/tables/scores.csv")
    neural = {"Cowley2023.210325.V4-pls", "MajajHong2015slice.V4-pls", "MajajHong2015slice.IT-pls"}
    assert set(table["benchmark_id"]) == neural | {"Imagenette80-top1"}
    # (1 at-birth model + 2 image counts × 2 checkpoint epochs) × 4 benchmarks, + the pixels baseline × 3 neural
    assert len(table) == 5 * 4 + 3
    assert set(table["region"]) == {"V4", "IT", "imagenet"}
    neural_rows = table[table["benchmark_id"].isin(neural)]
    assert neural_rows["ceiling"].between(0.3, 1.0).all()
    assert neural_rows["score"].notna().all() and neural_rows["score"].between(-0.5, 1.5).all()
    top1 = table[table["benchmark_id"] == "Imagenette80-top1"]
    assert top1["score"].between(0, 1).all() and (top1["n_stimuli"] == 3925).all()
    assert (table[table["model_id"] == "baselines/pixels"]["layer"] == "pixels").all()
    trained = table[(table["variant"] == "standard") & (table["benchmark_id"] == "Cowley2023.210325.V4-pls")]
    trained = trained.set_index("model_id")
    assert trained.loc["standard/n64_seed0/epoch_01", "supervised_updates"] == 64
    assert trained.loc["standard/n32_seed0/epoch_0.5", "supervised_updates"] == 16
    bp = pd.read_csv(workdir / "results/tables/brain_predictivity.csv").set_index("model_id")
    assert len(bp) == 6 and set(bp["regions_scored"]) == {"V4,IT"}
    row = table[table["model_id"] == "init/kn/seed0"].set_index("benchmark_id")["score"]
    expected = ((row["Cowley2023.210325.V4-pls"] + row["MajajHong2015slice.V4-pls"]) / 2
                + row["MajajHong2015slice.IT-pls"]) / 2
    assert abs(bp.loc["init/kn/seed0", "brain_predictivity"] - expected) < 1e-12
    assert (workdir / "results/benchmarks/MajajHong2015slice.IT-pls.nc").is_file()
    assert (workdir / "results/figures/fig1.png").stat().st_size > 10_000
    assert not list((workdir / "results").rglob("*.tmp"))  # nothing half-written left behind
    # a no-op rerun does nothing
    proc = snakemake(workdir, "-n", "--configfile", str(workdir / "tiny.yaml"))
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_unknown_config_key_stops_at_start_naming_it(workdir: Path):
    (workdir / "bad.yaml").write_text("training:\n  learning_rate: 0.1\n")
    proc = snakemake(workdir, "-n", "--configfile", str(workdir / "tiny.yaml"), str(workdir / "bad.yaml"),
                     check=False)
    assert proc.returncode != 0
    assert "learning_rate" in proc.stdout + proc.stderr


def test_wrong_type_stops_at_start_naming_the_key(workdir: Path):
    (workdir / "bad.yaml").write_text("model:\n  width: wide\n")
    proc = snakemake(workdir, "-n", "--configfile", str(workdir / "tiny.yaml"), str(workdir / "bad.yaml"),
                     check=False)
    assert proc.returncode != 0 and "width" in proc.stdout + proc.stderr


def test_missing_data_root_names_path_and_key(workdir: Path, tmp_path: Path):
    (workdir / "bad.yaml").write_text(f"data_root: {tmp_path / 'nowhere'}\n")
    proc = snakemake(workdir, "results/manifests/train_n32.tsv", "--configfile", str(workdir / "tiny.yaml"),
                     str(workdir / "bad.yaml"), check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "nowhere" in out and "imagenet.root" in out
    assert not (workdir / "results/manifests/train_n32.tsv").exists()


def test_lint_is_clean_and_paper_config_plans(tmp_path):
    lint = subprocess.run([SNAKEMAKE, "--lint"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    # plan in an empty working directory, so a run in progress in the checkout cannot interfere
    shutil.copytree(REPO / "config", tmp_path / "config")
    plan = subprocess.run([SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", str(tmp_path), "-n", "--configfile",
                           str(tmp_path / "config" / "paper.yaml")], capture_output=True, text=True, timeout=300)
    assert plan.returncode == 0, plan.stdout[-2000:] + plan.stderr[-2000:]
    counts = job_counts(plan.stdout)
    assert counts["train"] == 14  # 7 image counts × 2 seeds
    assert counts["init_model"] == 2 and counts["manifest"] == 7
    # one job per model: 2 seeds × (at birth + 7 image counts × 17 epochs > 0), writing 4 benchmark JSONs each
    assert counts["score"] == 2 * (1 + 7 * 17) and counts["score_baseline"] == 1
    n_jsons = plan.stdout.count("results/scores/")
    assert n_jsons >= 4 * 2 * (1 + 7 * 17) + 3
    assert counts["package_benchmark"] == 3 and counts["manifest_val"] == 1


def job_counts(stdout: str) -> dict[str, int]:
    """Parse Snakemake's "Job stats" table of a dry run."""
    lines = stdout[stdout.index("Job stats:"):].splitlines()[3:]
    counts = {}
    for line in lines:
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit():
            break
        counts[parts[0]] = int(parts[1])
    return counts


def test_training_killed_with_sigkill_resumes_to_identical_weights(workdir: Path, tmp_path_factory):
    """Kill the whole job tree mid-training, rerun with --rerun-incomplete: the weights equal an uninterrupted run."""
    import os
    import signal
    import time

    import torch

    cfg = yaml.safe_load((workdir / "tiny.yaml").read_text())
    cfg["experiments"]["supervised_updates"].update(images=[512], epochs=[0, 1, 3])
    cfg["training"]["resume_every_steps"] = 2
    (workdir / "tiny.yaml").write_text(yaml.safe_dump(cfg))
    ref = tmp_path_factory.mktemp("ref")
    shutil.copytree(workdir, ref, dirs_exist_ok=True)
    target = "results/models/standard/n512_seed0/epoch_03.pt"

    cmd = [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", str(workdir), "--cores", "2", target,
           "--configfile", str(workdir / "tiny.yaml")]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    state = workdir / "results/resume/standard/n512_seed0/state.pt"
    deadline = time.time() + 300
    while not state.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    # kill at once: 96 steps in all, the first resume point is step 2
    assert proc.poll() is None, "training finished before it could be interrupted"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (workdir / target).exists()
    assert not list((workdir / "results/models").rglob("*.tmp"))

    snakemake(workdir, "--unlock", "--configfile", str(workdir / "tiny.yaml"))  # a killed Snakemake leaves its lock
    snakemake(workdir, target, "--rerun-incomplete", "--configfile", str(workdir / "tiny.yaml"))
    log = (workdir / "logs/models/standard/n512_seed0.log").read_text()
    assert "resuming from step" in log
    snakemake(ref, target, "--configfile", str(ref / "tiny.yaml"))
    a = torch.load(workdir / target, weights_only=True)["state_dict"]
    b = torch.load(ref / target, weights_only=True)["state_dict"]
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
