"""profiles/slurm plans the whole paper without a cluster (dry runs only): three rule families (GPU training, GPU
scoring, CPU) each with its own partition and account; every training and scoring rule routed (the list is checked
against `snakemake --list-rules`); site overrides through environment variables that keep every other default;
score jobs grouped into a few hundred submissions; each job's threads equal to the CPUs it asks for; the documented
fallback plans without the SLURM plugin. The real cluster run is tests/test_cluster_slurm.py (slow)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import validated_config

REPO = Path(__file__).resolve().parents[1]
PROFILE = REPO / "profiles" / "slurm"
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(PROFILE))
import check_rules  # noqa: E402  (profiles/slurm/check_rules.py)

#: The GPU-family rules of the paper plan (the profile must route each).
GPU_FAMILIES = ("train", "score")


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any WIRINGUP_SLURM_* / WIRINGUP_SCORE_* setting of the caller, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WIRINGUP_SLURM_", "WIRINGUP_SCORE_"))}
    env.pop("SNAKEMAKE_PROFILE", None)
    return {**env, **extra}


def parse_jobs(stdout: str) -> list[dict]:
    """The jobs of a dry run: rule, outputs, wildcards, threads, resources and, for members of a group job, the
    group's index (``group``; None for a job submitted alone)."""
    jobs, job, group, n_groups = [], None, None, 0
    for line in stdout.splitlines():
        if re.search(r"\bGroup job \w+ \(jobs in lexicogr\. order\):", line):
            group, n_groups, job = n_groups, n_groups + 1, None
            continue
        head = re.match(r"^( *)(?:local)?rule (\w+):$", line)
        if head:
            indent = len(head.group(1))
            if indent == 0:
                group = None
            job = {"rule": head.group(2), "output": [], "wildcards": {}, "resources": {}, "threads": 1,
                   "group": group if indent else None, "indent": indent}
            jobs.append(job)
            continue
        if job is None:
            continue
        if not line.startswith(" " * (job["indent"] + 4)):
            job = None
            continue
        key, sep, value = line.strip().partition(": ")
        if not sep:
            continue
        if key == "output":
            job["output"] = [v.strip() for v in value.split(",")]
        elif key == "threads":
            job["threads"] = int(value)
        elif key in ("wildcards", "resources"):
            job[key] = dict(kv.split("=", 1) for kv in value.split(", ") if "=" in kv)
    return jobs


def strip_quotes(value: str) -> str:
    return value[1:-1] if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"" else value


def gpu_family(rule: str) -> str | None:
    return check_rules.family(rule)


# Group jobs are printed without their resources; this driver adds one line per group job with what Snakemake
# computes for the submission (sbatch of the whole group).
GROUP_RESOURCES_DRIVER = """
import sys
import snakemake.api  # noqa: F401 (import order: snakemake.jobs needs the api module first)
from snakemake.jobs import GroupJob
from snakemake.logging import logger
_log_info = GroupJob.log_info
def log_info(self):
    _log_info(self)
    res = {k: v for k, v in self.resources.items() if not k.startswith('_')}
    logger.info('GROUP-RESOURCES ' + '; '.join(f'{k}={v}' for k, v in sorted(res.items())))
GroupJob.log_info = log_info
from snakemake.cli import main
sys.argv[0] = 'snakemake'
main()
"""

# Which rules run on the submitting host (localrule: True, or no job at all such as `all`): a dry run does not say.
LOCAL_RULES_DRIVER = """
import sys
import snakemake.api  # noqa: F401
from snakemake.workflow import Workflow
def list_rules(self, only_targets=False):
    for r in sorted(self.rules, key=lambda r: r.name):
        print('RULE', r.name, 'local' if (r.name in self._localrules or r.norun) else 'remote')
Workflow.list_rules = list_rules
from snakemake.cli import main
sys.argv[0] = 'snakemake'
main()
"""


def paper_workdir(tmp: Path, data_root: Path) -> Path:
    """An empty working directory with config/ and a data.yaml that points the paper config at the shared data
    (config/paper.yaml ships a placeholder ImageNet root, which the workflow refuses)."""
    shutil.copytree(REPO / "config", tmp / "config")
    (tmp / "data.yaml").write_text(yaml.safe_dump({"data_root": str(data_root), "imagenet": {"root": "imagenette80"}}))
    return tmp


def dry_run(wd: Path, *args: str, configs: tuple = (), env: dict | None = None, driver: str | None = None,
            timeout: int = 600):
    """`snakemake -n --profile profiles/slurm ARGS --configfile paper.yaml data.yaml CONFIGS` in ``wd``
    (``--cores 256``: a dry run without --cores caps every job's threads at 1 and then does not print them)."""
    exe = [sys.executable, "-c", driver] if driver else [SNAKEMAKE]
    cmd = exe + ["-s", str(REPO / "Snakefile"), "-d", str(wd), "-n", "--cores", "256", "--profile", str(PROFILE),
                 *args, "--configfile", str(wd / "config" / "paper.yaml"), str(wd / "data.yaml"), *map(str, configs)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env or clean_env())


@pytest.fixture(scope="module")
def paper_plan(tmp_path_factory, data_root):
    """The whole paper planned through the profile with its defaults (no WIRINGUP_SLURM_* set)."""
    wd = paper_workdir(tmp_path_factory.mktemp("paper_plan"), data_root)
    proc = dry_run(wd, driver=GROUP_RESOURCES_DRIVER)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    cfg = validated_config(REPO / "config" / "config.yaml", REPO / "config" / "paper.yaml")
    groups = [dict(kv.split("=", 1) for kv in line.split(" ", 1)[1].split("; "))
              for line in (proc.stdout + proc.stderr).splitlines() if line.startswith("GROUP-RESOURCES ")]
    return parse_jobs(proc.stdout), cfg, groups, wd


@pytest.fixture(scope="module")
def local_rules(paper_plan):
    wd = paper_plan[3]
    cmd = [sys.executable, "-c", LOCAL_RULES_DRIVER, "-s", str(REPO / "Snakefile"), "-d", str(wd), "--list-rules",
           "--profile", "none", "--configfile", str(wd / "config" / "paper.yaml"), str(wd / "data.yaml")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=clean_env())
    assert proc.returncode == 0, proc.stderr[-3000:]
    kinds = dict(line.split()[1:3] for line in proc.stdout.splitlines() if line.startswith("RULE "))
    assert kinds["all"] == "local" and kinds["train"] == "remote" and kinds["score"] == "remote"
    assert kinds["prefetch_brainscore"] == "local"  # the submit host downloads the Brain-Score data, once
    # figures derived by `use rule fig1 as figN` are local like fig1 (the `with:` block does not carry it over)
    derived = ("fig1", "fig3", "fig4", "fig6", "fig8", "fig9", "fig2c", "fig2b", "fig7")
    assert all(kinds[f] == "local" for f in derived), kinds
    return {r for r, kind in kinds.items() if kind == "local"}


# ------------------------------------------------------------------------------------------ the profile itself
def test_profile_routes_three_families_with_documented_plugin_keys_only(monkeypatch):
    for k in list(os.environ):
        if k.startswith(("WIRINGUP_SLURM_", "WIRINGUP_SCORE_")):
            monkeypatch.delenv(k)
    prof = check_rules.rendered_profile(PROFILE / "config.yaml")
    assert prof["executor"] == "slurm"
    defaults = dict(item.split("=", 1) for item in prof["default-resources"])
    assert {"slurm_partition", "runtime", "mem_mb"} <= set(defaults)
    assert strip_quotes(defaults["slurm_partition"]) == "your_cpu_partition"
    assert "gpu" not in defaults  # GPUs only for the rules that need them (config `resources`)
    assert "cpus_per_task" not in defaults  # the plugin then asks for the rule's threads
    assert "slurm_account" not in defaults  # unset: the plugin guesses, or SLURM's default account
    routed: dict[str, dict[str, str]] = {}
    for item in prof["set-resources"]:
        rule, assign = item.split(":", 1)
        key, value = assign.split("=", 1)
        routed.setdefault(rule, {})[key] = strip_quotes(value)
    for rule, res in routed.items():
        assert gpu_family(rule) in GPU_FAMILIES, rule
        assert res["slurm_partition"] == "your_gpu_partition" != defaults["slurm_partition"], rule
        assert not re.search(r"--(gres|mem|time)", res.get("slurm_extra", "")), rule  # the plugin refuses these
    from wiringup.plan.experiments import GRID_EXPERIMENTS

    # every name the plan can give a training rule (wiringup.plan.experiments.train_schedules, plan.transfer)
    assert {"train", "train_transfer", *(f"train_{e}" for e in GRID_EXPERIMENTS)} <= set(routed)
    assert {"score", "score_baseline", "score_authors_test"} <= set(routed)
    # score jobs in groups; a pool of one GPU per submission lays a group's jobs out one after the other
    assert prof["groups"] == [f"{r}=scoring" for r in routed if gpu_family(r) == "score"]
    assert prof["group-components"] == ["scoring=10"]
    assert prof["resources"] == ["gpu=1"] and prof["set-resource-scopes"] == ["gpu=local"]
    assert yaml.safe_load((REPO / "profiles" / "local" / "config.yaml").read_text())["cores"] == "all"


def test_environment_overrides_render_per_family(monkeypatch):
    for k, v in {"WIRINGUP_SLURM_PARTITION_CPU": "cpu", "WIRINGUP_SLURM_PARTITION_GPU": "gpu-long",
                 "WIRINGUP_SLURM_PARTITION_SCORE": "max",  # a Python builtin's name stays a string
                 "WIRINGUP_SLURM_ACCOUNT": "lab", "WIRINGUP_SLURM_ACCOUNT_TRAIN": "lab-gpu",
                 "WIRINGUP_SLURM_TRAIN": "gpu_model=a100 runtime=1440 slurm_extra='--qos=long --exclusive'",
                 "WIRINGUP_SCORE_GROUP_SIZE": "25"}.items():
        monkeypatch.setenv(k, v)
    prof = check_rules.rendered_profile(PROFILE / "config.yaml")
    assert set(prof["default-resources"]) >= {"slurm_partition='cpu'", "slurm_account='lab'", "runtime=60"}
    train = {i.split(":", 1)[1] for i in prof["set-resources"] if i.startswith("train_transfer:")}
    assert train == {"slurm_partition='gpu-long'", "slurm_account='lab-gpu'", "gpu_model='a100'", "runtime=1440",
                     "slurm_extra='--qos=long --exclusive'"}
    score = {i.split(":", 1)[1] for i in prof["set-resources"] if i.startswith("score_baseline:")}
    assert score == {"slurm_partition='max'", "slurm_account='lab'"}
    assert prof["group-components"] == ["scoring=25"]
    monkeypatch.setenv("WIRINGUP_SLURM_SCORE", "runtime")  # not RESOURCE=VALUE
    with pytest.raises(Exception, match="WIRINGUP_SLURM_SCORE"):
        check_rules.rendered_profile(PROFILE / "config.yaml")


@pytest.mark.parametrize("configs", [[], ["config/paper.yaml"], ["tests/configs/tiny.yaml"], ["ALL_RULES"]],
                         ids=["embedded", "paper", "tiny", "every-training-rule"])
def test_every_training_and_scoring_rule_is_in_the_profile(configs, tmp_path, data_root):
    """`snakemake --list-rules` of each shipped config (and of one that makes every experiment its own training
    rule, one of them twice) against the profile: a new train*/score* rule missing from FAMILIES fails here."""
    data = tmp_path / "data.yaml"  # config/paper.yaml ships a placeholder ImageNet root, which the workflow refuses
    data.write_text(yaml.safe_dump({"data_root": str(data_root), "imagenet": {"root": "imagenette80"}}))
    if configs == ["ALL_RULES"]:
        cfg = tmp_path / "all_rules.yaml"
        cfg.write_text(yaml.safe_dump({"experiments": {
            "critical_training": {"variants": ["ct", "dt_it"], "images": [500], "epochs": [1], "seeds": [0]},
            "synaptic_updates": {"variants": ["wc_ct", "ct"], "images": [500], "epochs": [0.5], "seeds": [0]},
            "hyperparameters": {"variants": ["adam"], "images": [500], "epochs": [2], "seeds": [0]}}}))
        configs = [str(cfg)]
    rules = check_rules.workflow_rules([str(REPO / c) for c in configs] + [str(data)])
    gpu = [r for r in rules if gpu_family(r)]
    assert {"train", "score", "score_baseline"} <= set(gpu)
    assert check_rules.missing_rules(rules) == {}
    if configs and configs[0].endswith("all_rules.yaml"):
        assert {"train_critical_training", "train_critical_training_2", "train_synaptic_updates",
                "train_hyperparameters", "train_transfer"} <= set(gpu)


def test_check_rules_names_a_rule_missing_from_the_profile(tmp_path):
    prof = tmp_path / "config.yaml"
    text = (PROFILE / "config.yaml").read_text()
    prof.write_text(text.replace('"train", "train_transfer"', '"train"'))
    rules = ["all", "train", "train_transfer", "trained_parameters", "training_time", "score", "scorecard"]
    assert check_rules.missing_rules(rules, prof) == {"train": ["train_transfer"]}
    assert check_rules.missing_rules(rules) == {}


# ------------------------------------------------------------------------------------------ the paper plan
def test_paper_plan_job_counts(paper_plan):
    from wiringup.plan.experiments import train_schedules, trained_runs

    jobs, cfg, _, _ = paper_plan
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
    assert counts["manifest"] >= len(images) and counts["prefetch_brainscore"] == 1  # brainscore backend
    assert counts["init_model"] >= len(cfg["experiments"]["supervised_updates"]["seeds"])
    assert counts["aggregate_scores"] == 1 and counts["all"] == 1
    # every checkpoint of every training job is scored (one score job per model)
    scored = {j["wildcards"]["model"] for j in jobs if j["rule"] == "score"}
    checkpoints = {o[len("results/models/"):-len(".pt")] for j in jobs if j["rule"] in train_rules
                   for o in j["output"] if o.endswith(".pt")}
    assert len(checkpoints) >= len(runs) and checkpoints <= scored


def test_paper_jobs_request_resources_from_config(paper_plan):
    jobs, cfg, _, _ = paper_plan
    table = cfg["resources"]

    def expected(rule):
        keys = [k for k in table if k != "default" and (rule == k or rule.startswith(k + "_"))]
        return {**table["default"], **(table[max(keys, key=len)] if keys else {})}

    seen = set()
    for j in jobs:
        if j["rule"] in ("all",) or not j["resources"]:
            continue
        res = j["resources"]
        assert "slurm_account" not in res, j["rule"]  # none set: the plugin's guess or SLURM's default
        if gpu_family(j["rule"]) or j["rule"] in ("cache_images", "manifest", "manifest_val", "init_model"):
            e = expected(j["rule"])
            assert int(res["runtime"]) == e["runtime"] and int(res["mem_mb"]) == e["mem_mb"], j["rule"]
            assert int(res["cpus_per_task"]) == e["cpus"], j["rule"]
            assert int(res.get("gpu", 0)) == e.get("gpu", 0), j["rule"]
            seen.add(j["rule"])
    assert {"train", "train_critical_training", "train_transfer", "score", "score_baseline", "cache_images",
            "manifest"} <= seen
    gpu_rules = {j["rule"] for j in jobs if j["resources"].get("gpu") == "1"}
    assert {"train", "score"} <= gpu_rules and "manifest" not in gpu_rules and "cache_images" not in gpu_rules


def test_paper_gpu_and_cpu_jobs_never_share_a_partition(paper_plan, local_rules):
    jobs, _, _, _ = paper_plan
    partitions: dict[str, set[str]] = {"gpu": set(), "cpu": set()}
    for j in jobs:
        if j["rule"] in local_rules:
            continue
        kind = "gpu" if int(j["resources"].get("gpu", 0)) else "cpu"
        partitions[kind].add(j["resources"]["slurm_partition"])
        assert (kind == "gpu") == (gpu_family(j["rule"]) is not None), j["rule"]  # paper.yaml: both families GPU
    assert partitions == {"gpu": {"your_gpu_partition"}, "cpu": {"your_cpu_partition"}}


def test_paper_threads_match_the_cpus_each_job_holds(paper_plan):
    """The plugin asks for cpus_per_task CPUs (the rule's threads where the rule sets none): a score job on 8 CPUs
    runs 8 threads, not 1."""
    jobs, _, _, _ = paper_plan
    by_rule: dict[str, set] = {}
    for j in jobs:
        if j["resources"]:
            held = int(j["resources"].get("cpus_per_task", j["threads"]))
            assert j["threads"] == held, (j["rule"], j["threads"], held)
            by_rule.setdefault(j["rule"], set()).add(j["threads"])
    assert by_rule["score"] == {8} and by_rule["train"] == {16} and by_rule["cache_images"] == {16}


def test_paper_score_jobs_are_submitted_in_groups(paper_plan, local_rules):
    """~2,700 submissions without groups, a few hundred with them; each group asks for one GPU and one score job's
    CPUs and memory, for the sum of its jobs' runtimes."""
    jobs, cfg, groups, _ = paper_plan
    remote = [j for j in jobs if j["rule"] not in local_rules]
    ungrouped = len(remote)  # one sbatch per job
    members: dict[int, list[dict]] = {}
    for j in remote:
        if j["group"] is not None:
            members.setdefault(j["group"], []).append(j)
    submissions = sum(j["group"] is None for j in remote) + len(members)
    score_jobs = [j for j in remote if gpu_family(j["rule"]) == "score"]
    assert all(j["group"] is not None for j in score_jobs)  # every score job is in a group
    assert all(gpu_family(j["rule"]) == "score" for g in members.values() for j in g)
    assert ungrouped > 2500 and submissions < 600, (ungrouped, submissions)
    assert len(members) == -(-len(score_jobs) // 10) and max(len(g) for g in members.values()) == 10
    print(f"paper plan: {ungrouped} SLURM submissions without groups, {submissions} with groups of 10 score jobs")
    assert len(groups) == len(members)
    score = cfg["resources"]["score"]
    sizes = sorted(len(g) for g in members.values())
    for g in groups:
        assert int(g["gpu"]) == score["gpu"] and int(g["cpus_per_task"]) == score["cpus"], g
        assert int(g["mem_mb"]) == score["mem_mb"] and strip_quotes(g["slurm_partition"]) == "your_gpu_partition"
        assert int(g["runtime"]) % score["runtime"] == 0 and int(g["runtime"]) // score["runtime"] in sizes, g


# ------------------------------------------------------------------------------------------ site overrides
def test_site_overrides_keep_every_default(paper_plan, tmp_path):
    """The documented recipe (README, profiles/slurm/config.yaml): environment variables for partitions, accounts
    and family-wide extras, and a config file for runtime/memory/CPUs per family. Planned jobs keep every other
    default, and a family-wide setting reaches train_critical_training, train_transfer and score_baseline."""
    jobs, _, _, wd = paper_plan
    pick = {}
    for j in jobs:  # one job of each rule of interest, from the default plan
        if j["rule"] in ("train_critical_training", "train_transfer", "score_baseline", "manifest") and j["output"]:
            pick.setdefault(j["rule"], j["output"][0])
    (tmp_path / "site.yaml").write_text(yaml.safe_dump({"resources": {"score": {"runtime": 30}}}))
    env = clean_env(WIRINGUP_SLURM_ACCOUNT="lab", WIRINGUP_SLURM_PARTITION_CPU="cpu",
                    WIRINGUP_SLURM_PARTITION_GPU="gpu", WIRINGUP_SLURM_PARTITION_SCORE="gpu-short",
                    WIRINGUP_SLURM_TRAIN="gpu_model=a100 qos=long", WIRINGUP_SLURM_SCORE="constraint=ampere")
    proc = dry_run(wd, *pick.values(), configs=(tmp_path / "site.yaml",), env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    got = {j["rule"]: j["resources"] for j in parse_jobs(proc.stdout)}
    for rule in ("train_critical_training", "train_transfer"):
        r = got[rule]
        assert (r["slurm_partition"], r["slurm_account"], r["gpu_model"], r["qos"]) == ("gpu", "lab", "a100", "long")
        assert (r["runtime"], r["mem_mb"], r["cpus_per_task"], r["gpu"]) == ("2880", "64000", "16", "1"), rule
    r = got["score_baseline"]
    assert (r["slurm_partition"], r["slurm_account"], r["constraint"]) == ("gpu-short", "lab", "ampere")
    assert (r["runtime"], r["mem_mb"], r["cpus_per_task"], r["gpu"]) == ("30", "32000", "8", "1")
    r = got["manifest"]
    assert (r["slurm_partition"], r["slurm_account"], r["runtime"], r["mem_mb"]) == ("cpu", "lab", "360", "8000")
    assert "gpu" not in r and "gpu_model" not in r


def test_command_line_resources_are_refused(paper_plan):
    """--set-resources on the command line would replace the profile's whole set-resources (the GPU rules would
    land in the CPU partition): the profile refuses it and names the environment variables to use instead."""
    wd = paper_plan[3]
    proc = dry_run(wd, "results/manifests/train_n100.tsv", "--set-resources", "train:gpu_model=a100", timeout=300)
    assert proc.returncode != 0 and "WIRINGUP_SLURM_TRAIN" in proc.stderr
    allowed = dry_run(wd, "results/manifests/train_n100.tsv", "--default-resources", "runtime=5", timeout=300,
                      env=clean_env(WIRINGUP_SLURM_ALLOW_CLI_RESOURCES="1"))
    assert allowed.returncode == 0, allowed.stderr[-2000:]
    (job,) = parse_jobs(allowed.stdout)
    assert "slurm_partition" not in job["resources"]  # what the refusal protects against: the profile's key is gone


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
    wd = paper_workdir(tmp_path, data_root)
    base = [sys.executable, "-c", HIDE_PLUGIN, "-s", str(REPO / "Snakefile"), "-d", str(wd), "-n",
            "--profile", str(PROFILE)]
    target = ["results/manifests/train_n100.tsv", "--configfile", str(wd / "config" / "paper.yaml"),
              str(wd / "data.yaml")]
    refused = subprocess.run(base + target, capture_output=True, text=True, timeout=300, env=clean_env())
    assert refused.returncode != 0 and "invalid choice: 'slurm'" in refused.stderr
    planned = subprocess.run(base + ["--executor", "dryrun"] + target, capture_output=True, text=True, timeout=300,
                             env=clean_env())
    assert planned.returncode == 0, planned.stdout[-2000:] + planned.stderr[-2000:]
    jobs = parse_jobs(planned.stdout)
    assert [j["rule"] for j in jobs] == ["manifest"]
    assert jobs[0]["resources"]["runtime"] == "360" and jobs[0]["resources"]["slurm_partition"] == "your_cpu_partition"
