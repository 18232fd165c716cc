"""profiles/slurm plans the whole paper without a cluster; jobs get their resources (GPU, runtime, memory, CPUs)
from the config's `resources:` section; the documented fallback plans without the SLURM plugin."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import validated_config

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
sys.path.insert(0, str(REPO / "src"))


def parse_jobs(stdout: str) -> list[dict]:
    """The job blocks of a dry run: rule, outputs, wildcards and resources of every planned job."""
    jobs = []
    for block in re.split(r"\n(?=(?:local)?rule \w+:\n)", stdout)[1:]:
        head, _, body = block.partition("\n")
        job = {"rule": re.match(r"(?:local)?rule (\w+):", head).group(1), "output": [], "wildcards": {},
               "resources": {}}
        for line in body.splitlines():
            key, sep, value = line.strip().partition(": ")
            if not line.startswith("    ") or not sep:
                if not line.startswith("    "):
                    break
                continue
            if key == "output":
                job["output"] = [v.strip() for v in value.split(",")]
            elif key in ("wildcards", "resources"):
                job[key] = dict(kv.split("=", 1) for kv in value.split(", ") if "=" in kv)
        jobs.append(job)
    return jobs


@pytest.fixture(scope="module")
def paper_plan(tmp_path_factory, data_root):
    """`snakemake -n --profile profiles/slurm --configfile config/paper.yaml` in an empty working directory."""
    wd = tmp_path_factory.mktemp("paper_plan")
    shutil.copytree(REPO / "config", wd / "config")
    (wd / "data.yaml").write_text(f"data_root: {data_root}\n")
    cmd = [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", str(wd), "-n", "--profile", str(REPO / "profiles" / "slurm"),
           "--configfile", str(wd / "config" / "paper.yaml"), str(wd / "data.yaml")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    cfg = validated_config(REPO / "config" / "config.yaml", REPO / "config" / "paper.yaml")
    return parse_jobs(proc.stdout), cfg


def test_profile_uses_documented_plugin_keys_only():
    prof = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())
    assert prof["executor"] == "slurm"
    defaults = prof["default-resources"]
    assert {"slurm_account", "slurm_partition", "runtime", "mem_mb", "cpus_per_task"} <= set(defaults)
    assert "gpu" not in defaults  # GPUs only for the rules that need them (config `resources`)
    for rule, res in (prof.get("set-resources") or {}).items():
        assert not re.search(r"--(gres|mem|time)", str(res.get("slurm_extra", ""))), rule  # the plugin refuses these
    assert yaml.safe_load((REPO / "profiles" / "local" / "config.yaml").read_text())["cores"] == "all"


def test_paper_plan_job_counts(paper_plan):
    from wiringup.plan.experiments import train_schedules, trained_runs

    jobs, cfg = paper_plan
    counts: dict[str, int] = {}
    for j in jobs:
        counts[j["rule"]] = counts.get(j["rule"], 0) + 1
    runs = trained_runs(cfg)
    schedules = train_schedules(cfg)
    train_rules = list(schedules)
    assert sum(counts.get(r, 0) for r in train_rules) == len(runs) > 0
    for rule, sched in schedules.items():  # one job per (variant, images, seed) of the rule's variants
        assert counts.get(rule, 0) == sum(v in sched["variants"] for v, _, _ in runs), rule
    sup = cfg["experiments"]["supervised_updates"]
    assert counts["train"] >= len(sup["images"]) * len(sup["seeds"])
    images = {i for _, i, _ in runs}
    assert counts["cache_images"] == len(images)  # one image cache per training manifest (speed.data_cache)
    assert counts["manifest"] >= len(images) and counts["manifest_val"] == 1
    assert counts["init_model"] >= len(cfg["experiments"]["supervised_updates"]["seeds"])
    assert counts["aggregate_scores"] == 1 and counts["all"] == 1
    # every checkpoint of every training job is scored (one score job per model)
    scored = {j["wildcards"]["model"] for j in jobs if j["rule"] == "score"}
    checkpoints = {o[len("results/models/"):-len(".pt")] for j in jobs if j["rule"] in train_rules
                   for o in j["output"] if o.endswith(".pt")}
    assert len(checkpoints) >= len(runs) and checkpoints <= scored


def test_paper_jobs_request_resources_from_config(paper_plan):
    jobs, cfg = paper_plan
    table = cfg["resources"]

    def expected(rule):
        keys = [k for k in table if k != "default" and (rule == k or rule.startswith(k + "_"))]
        return {**table["default"], **(table[max(keys, key=len)] if keys else {})}

    seen = set()
    for j in jobs:
        if j["rule"] in ("all",) or not j["resources"]:
            continue
        res = j["resources"]
        assert res.get("slurm_account") == "your_account", j["rule"]  # the profile's default-resources
        if j["rule"].startswith(("train", "score", "cache_images", "manifest", "init_model")):
            e = expected(j["rule"])
            assert int(res["runtime"]) == e["runtime"] and int(res["mem_mb"]) == e["mem_mb"], j["rule"]
            assert int(res["cpus_per_task"]) == e["cpus"], j["rule"]
            assert int(res.get("gpu", 0)) == e.get("gpu", 0), j["rule"]
            seen.add(j["rule"])
    assert {"train", "score", "cache_images", "manifest"} <= seen
    gpu_rules = {j["rule"] for j in jobs if j["resources"].get("gpu") == "1"}
    assert {"train", "score"} <= gpu_rules and "manifest" not in gpu_rules and "cache_images" not in gpu_rules


HIDE_PLUGIN = """
import pkgutil, sys
_iter = pkgutil.iter_modules
pkgutil.iter_modules = lambda *a, **k: (m for m in _iter(*a, **k) if 'executor_plugin_slurm' not in m.name)
class _Hide:
    def find_spec(self, name, path=None, target=None):
        if name.startswith('snakemake_executor_plugin_slurm'):
            raise ModuleNotFoundError(name)
sys.meta_path.insert(0, _Hide())
from snakemake.cli import main
sys.argv[0] = 'snakemake'
main()
"""


def test_fallback_without_the_slurm_plugin(tmp_path, data_root):
    """As documented in profiles/slurm: without the plugin, `--executor dryrun` still plans with the profile."""
    shutil.copytree(REPO / "config", tmp_path / "config")
    (tmp_path / "data.yaml").write_text(f"data_root: {data_root}\n")
    base = [sys.executable, "-c", HIDE_PLUGIN, "-s", str(REPO / "Snakefile"), "-d", str(tmp_path), "-n",
            "--profile", str(REPO / "profiles" / "slurm")]
    target = ["results/manifests/train_n100.tsv", "--configfile", str(tmp_path / "config" / "paper.yaml"),
              str(tmp_path / "data.yaml")]
    refused = subprocess.run(base + target, capture_output=True, text=True, timeout=300)
    assert refused.returncode != 0 and "invalid choice: 'slurm'" in refused.stderr
    planned = subprocess.run(base + ["--executor", "dryrun"] + target, capture_output=True, text=True, timeout=300)
    assert planned.returncode == 0, planned.stdout[-2000:] + planned.stderr[-2000:]
    jobs = parse_jobs(planned.stdout)
    assert [j["rule"] for j in jobs] == ["manifest"]
    assert jobs[0]["resources"]["runtime"] == "360" and jobs[0]["resources"]["slurm_partition"] == "your_partition"
