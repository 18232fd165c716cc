"""The tiny DAG through profiles/slurm on a real one-node SLURM cluster (tests/cluster/slurm_up.sh: Debian's
slurmctld, slurmd and munge, no accounting, partitions `cpu` and `gpu`, one declared fake GPU), to completion.
SLURM's own job records (`scontrol show job`, kept for an hour by MinJobAge) and the plugin's sbatch calls must show
the GPU families (training; scoring, configured as GPU here) submitted to the GPU partition with a GPU request and
every other rule to the CPU partition without one. The cluster is torn down and its slurm.conf moved away again
however the test ends (tests/cluster/slurm_down.sh).

Slow (15-40 min on a 2-core machine) and run by hand as root: `.venv/bin/python -m pytest -m slow -s
tests/test_cluster_slurm.py`. Measured runs: tests/cluster/README.md."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
CLUSTER = REPO / "tests" / "cluster"
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
SLURM_CONF = Path("/etc/slurm/slurm.conf")
MARK = "# written by wiringup tests/cluster/slurm_up.sh"

pytestmark = pytest.mark.slow


def skip_reason() -> str | None:
    if not sys.platform.startswith("linux"):
        return "needs Linux (Debian's SLURM packages)"
    if os.geteuid() != 0:
        return "needs root: tests/cluster/slurm_up.sh installs and starts Debian's slurmctld, slurmd and munge"
    if not shutil.which("apt-get") and not shutil.which("slurmctld"):
        return "needs apt-get (Debian/Ubuntu) to install slurmctld, slurmd and munge"
    return None


def ours(conf: Path = SLURM_CONF) -> bool:
    return conf.is_file() and conf.read_text().startswith(MARK)


@pytest.fixture(scope="module")
def slurm_cluster():
    """Stand the cluster up; tear it down (and move slurm.conf away) whatever happens."""
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    up = subprocess.run(["bash", str(CLUSTER / "slurm_up.sh")], capture_output=True, text=True, timeout=900)
    if up.returncode == 3:
        pytest.skip(f"SLURM packages could not be installed: {up.stderr.strip()[-500:]}")
    if up.returncode == 4:
        pytest.skip(f"this machine has its own SLURM configuration: {up.stderr.strip()[-300:]}")
    try:
        assert up.returncode == 0, f"slurm_up.sh failed ({up.returncode}):\n{up.stdout}\n{up.stderr}"
        yield up.stdout.strip()
    finally:
        down = subprocess.run(["bash", str(CLUSTER / "slurm_down.sh")], capture_output=True, text=True, timeout=300)
        print(down.stderr, file=sys.stderr)
        assert not ours(), f"{SLURM_CONF} is still in place after slurm_down.sh"


def job_records() -> list[dict[str, str]]:
    """`scontrol show job --oneliner`: every job of the cluster (finished ones for MinJobAge seconds)."""
    out = subprocess.run(["scontrol", "show", "job", "--oneliner"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    records = []
    for line in out.stdout.splitlines():
        if line.startswith("JobId="):
            records.append(dict(re.findall(r"(\w+)=(\S*)", line)))
    return records


def rule_of(comment: str) -> str:
    """The rule of the plugin's --comment, rule_<rule>[_wildcards_<...>]; for a group job (rule_<group id>_<its
    rules>) the group id, `scoring` (profiles/slurm)."""
    name = re.sub(r"_wildcards_.*$", "", comment.removeprefix("rule_"))
    return "scoring" if name == "scoring" or name.startswith("scoring_") else name


def is_gpu_family(rule: str) -> bool:
    return rule in ("train", "score", "scoring") or rule.startswith(("train_", "score_"))


def requests_gpu(record: dict[str, str]) -> bool:
    tres = " ".join(record.get(k, "") for k in ("TresPerJob", "TresPerNode", "TresPerTask", "Gres", "TRES"))
    return "gpu" in tres


def test_tiny_dag_through_profiles_slurm(slurm_cluster, tmp_path, data_root):
    wd = tmp_path / "run"
    (wd / "config").mkdir(parents=True)
    shutil.copy(REPO / "config" / "config.yaml", wd / "config" / "config.yaml")
    tiny = yaml.safe_load((REPO / "tests" / "configs" / "tiny.yaml").read_text())
    tiny["data_root"] = str(data_root)
    (wd / "tiny.yaml").write_text(yaml.safe_dump(tiny))
    # both GPU families request a GPU here (config/paper.yaml does the same); the node has one fake GPU
    (wd / "cluster.yaml").write_text(yaml.safe_dump({"resources": {"train": {"gpu": 1}, "score": {"gpu": 1}}}))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WIRINGUP_SLURM_", "WIRINGUP_SCORE_"))}
    env.update(WIRINGUP_SLURM_PARTITION_CPU="cpu", WIRINGUP_SLURM_PARTITION_GPU="gpu")
    env.pop("SNAKEMAKE_PROFILE", None)
    cmd = [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", str(wd), "--profile", str(REPO / "profiles" / "slurm"),
           "--verbose",  # the plugin logs each sbatch call at debug level
           # no accounting on this cluster: sacct fails, so the plugin must poll squeue (tests/cluster/README.md)
           "--slurm-status-command", "squeue", "--slurm-init-seconds-before-status-checks", "5",
           "--configfile", str(wd / "tiny.yaml"), str(wd / "cluster.yaml")]
    before = {r["JobId"] for r in job_records()}
    log = wd / "snakemake.log"
    t0 = time.monotonic()
    with open(log, "w") as out:
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, text=True, timeout=5400, env=env)
    wall = time.monotonic() - t0
    text = log.read_text()
    if proc.returncode != 0:
        failed = [p for p in sorted((wd / ".snakemake" / "slurm_logs").rglob("*.log"))
                  if "Error" in p.read_text(errors="replace")][:2]
        tails = "".join(f"\n--- {p}:\n{p.read_text(errors='replace')[-2500:]}" for p in failed)
        pytest.fail(f"{' '.join(cmd)} failed after {wall:.0f} s:\n{text[-4000:]}{tails}")

    # the run itself: every score of the tiny DAG (tests/test_workflow.py counts them the same way)
    table = pd.read_csv(wd / "results" / "tables" / "scores.csv")
    assert len(table) == (5 + 1 + 3 + 1) * 5 + 4  # 5 benchmarks (Coggan V2 included), the pixels on 4

    records = [r for r in job_records() if r["JobId"] not in before]
    assert records, "no SLURM job records"
    assert {r["JobState"] for r in records} == {"COMPLETED"}, [(r["JobId"], r["JobState"]) for r in records]
    by_kind: dict[str, list[str]] = {"gpu": [], "cpu": []}
    for r in records:
        rule = rule_of(r.get("Comment", ""))
        gpu_family = is_gpu_family(rule)
        assert requests_gpu(r) == gpu_family, (rule, r)
        assert r["Partition"] == ("gpu" if gpu_family else "cpu"), (rule, r["Partition"])
        by_kind["gpu" if gpu_family else "cpu"].append(rule)
        if rule.startswith("train"):
            assert r["NumCPUs"] == "2", (rule, r["NumCPUs"])  # config.yaml: train cpus 2 = its threads
    # 4 training runs (standard n32 and n64, KN + CT, the MobileNet transfer) and the 11 score jobs in 2 groups
    assert sorted(x for x in by_kind["gpu"] if x.startswith("train")) == [
        "train", "train", "train_critical_training", "train_transfer"]
    assert sorted(x for x in by_kind["gpu"] if not x.startswith("train")) == ["scoring", "scoring"]
    assert {"manifest", "cache_images", "init_model", "package_benchmark"} <= set(by_kind["cpu"])

    # the plugin's own record of what it submitted
    calls = re.findall(r"sbatch call: (.*)", text)
    assert len(calls) == len(records)
    for call in calls:
        comment = re.search(r"--comment '?([^' ]+)", call).group(1)
        gpu_family = is_gpu_family(rule_of(comment))
        assert ("--gpus=1" in call) == gpu_family and (" -p gpu" in call) == gpu_family, call

    for kind, pick in (("GPU", ("train", "scoring")), ("CPU", ("manifest",))):  # one record and call of each kind
        r = next((r for r in records if rule_of(r.get("Comment", "")) in pick), None)
        if r is None:
            continue
        print(f"\n{kind} job {r['JobId']} {r.get('Comment')}: Partition={r['Partition']} NumCPUs={r['NumCPUs']} "
              f"TresPerJob={r.get('TresPerJob', '')} TRES={r.get('TRES', '')}")
        call = next((c for c in calls if r.get("Comment", "?") in c), "")
        print("  " + re.sub(r" --wrap=.*| /dev/stdin.*", "", call))
    version = subprocess.run(["sinfo", "--version"], capture_output=True, text=True).stdout.strip()
    print(f"\n{slurm_cluster}\n{version}: tiny DAG through profiles/slurm in {wall:.0f} s; {len(records)} SLURM jobs "
          f"({len(by_kind['gpu'])} GPU: {sorted(by_kind['gpu'])}; {len(by_kind['cpu'])} CPU), all COMPLETED")
