"""The plan (wiringup.plan.build): torch-free, the names round-trip, and every config -> DAG decision, made once."""
from __future__ import annotations

import ast
import copy
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from wiringup.core.io import WiringupError
from wiringup.plan import build
from wiringup.plan import experiments as E
from wiringup.plan import figures as F
from wiringup.plan import ids
from wiringup.plan import transfer as T
from wiringup.plan import wc as W
from wiringup.plan.resources import cluster_resources

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
DEFAULT = REPO / "config" / "config.yaml"
PLAN_DIR = REPO / "src" / "wiringup" / "plan"


@pytest.fixture(scope="module")
def config(validated):
    return validated(DEFAULT)


@pytest.fixture(scope="module")
def plan(config):
    return build(config)


# ------------------------------------------------------------------------------------------------------ layering
def test_plan_imports_only_core_and_the_standard_library():
    allowed = {"wiringup.core", "wiringup.plan"}
    for path in PLAN_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            for name in names:
                top = name.split(".")[0]
                if top == "wiringup":
                    assert any(name == a or name.startswith(a + ".") for a in allowed), (path.name, name)
                else:
                    assert top in sys.stdlib_module_names or top in ("yaml", "__future__"), (path.name, name)


def test_plan_builds_with_torch_numpy_and_pandas_unavailable(config, tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(config))
    code = f"""
import json, sys
for name in ("torch", "numpy", "pandas", "snakemake"):
    sys.modules[name] = None            # importing any of them now fails
sys.path.insert(0, {str(REPO / "src")!r})
from wiringup.plan import build
plan = build(json.load(open({str(tmp_path / "config.json")!r})))
loaded = sorted(m for m in sys.modules if m.startswith("wiringup"))
print(json.dumps([len(plan.scored_models), loaded]))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    n, loaded = json.loads(proc.stdout)
    assert n > 0 and all(m.startswith(("wiringup.plan", "wiringup.core")) or m == "wiringup" for m in loaded)


# ------------------------------------------------------------------------------------------------------ names
@pytest.mark.parametrize("model_id, parts", [
    (ids.birth_id("wc_ct", 42), {"kind": "birth", "init": "wc_ct", "seed": 42}),
    (ids.checkpoint_id("ct", "all", 0, 43), {"kind": "checkpoint", "variant": "ct", "images": "all", "seed": 0,
                                             "label": "43"}),
    (ids.checkpoint_id("standard", 500, 3, 0.5), {"kind": "checkpoint", "variant": "standard", "images": "500",
                                                  "seed": 3, "label": "0.5"}),
    (ids.baseline_id("pixels"), {"kind": "baseline", "baseline": "pixels"}),
])
def test_model_ids_round_trip(model_id, parts):
    assert ids.parse_model_id(model_id) == parts
    assert ids.model_path(model_id) == f"results/models/{model_id}.pt"
    assert ids.birth_init(model_id) == parts.get("init")


def test_names_of_runs_and_checkpoints():
    assert [ids.epoch_label(e) for e in (0, 0.1, 0.5, 1, 43, 1.25, "2")] == ["00", "0.1", "0.5", "01", "43", "1.25",
                                                                             "02"]
    assert ids.run_dir("ct", "all", 42) == "results/models/ct/nall_seed42"
    assert ids.birth_path("kn", 0) == "results/models/init/kn/seed0.pt"
    assert ids.score_path("B", "init/kn/seed0") == "results/scores/B/init/kn/seed0.json"
    with pytest.raises(WiringupError, match="not a model id"):
        ids.parse_model_id("standard/epoch_01")
    from wiringup.training import epoch_label

    assert epoch_label is ids.epoch_label and E.epoch_label is ids.epoch_label  # one definition


def test_every_scored_model_id_parses(plan):
    assert plan.scored_models and len(set(plan.scored_models)) == len(plan.scored_models)
    for m in plan.scored_models:
        ids.parse_model_id(m)


# ------------------------------------------------------------------------------------------------- decisions
def test_scored_models_are_the_experiments_in_order(config, plan):
    sup = config["experiments"]["supervised_updates"]
    expected = []
    for s in sup["seeds"]:
        expected.append(ids.birth_id("kn", s))
        expected += [ids.checkpoint_id("standard", i, s, e) for i in sup["images"] for e in sup["epochs"] if e > 0]
    expected += W.at_birth_models(config)
    for key in E.grid_experiments(config):
        expected += E.scored_models(config, key)
    expected += plan.transfer.models
    assert plan.scored_models == list(dict.fromkeys(expected))
    assert len(plan.score_files()) == (len(plan.scored_models) * len(plan.scoring.active)
                                       + len(plan.scoring.baseline_benchmarks) * len(plan.scoring.baselines))


def test_training_rules_one_per_schedule_and_the_transfer_rule(config, plan):
    assert list(plan.train_rules) == [*E.train_schedules(config), "train_transfer"]
    tr = plan.train_rules["train_transfer"]
    assert tr == {"variants": ["resnet50_standard", "resnet50_wc_ct", "mobilenet_v1_standard", "mobilenet_v1_wc_ct"],
                  "epochs": [1.0], "labels": ["01"]}
    assert plan.recipe("lr_0_01") == E.recipe(config, "lr_0_01") and plan.trained_set("wc_ct") == "ct"
    assert plan.birth("wc_ct", 3) == "results/models/init/wc_ct/seed3.pt"
    assert plan.speed == {"data_cache": False, "cache_short_side": None, "channels_last": True, "amp": False,
                          "compile": False}
    assert plan.model == {"arch": "cornet_s", "width": 0.125, "num_classes": 10} == plan.wc.init_model_params("kn")
    # the pixels baseline at the model's input size (paper.yaml: Brain-Score's 256), in its checkpoint, not the scores
    assert plan.scoring.baseline_models == {"pixels": {"arch": "pixels", "size": 64}}
    assert "pixels_size" not in plan.scoring.slice


def test_transfer_plan(config, plan):
    t = plan.transfer
    assert t.archs == {"resnet50": 0.25, "mobilenet_v1": 0.5}
    assert t.variant_kinds == {"resnet50_standard": "standard", "resnet50_wc_ct": "wc_ct",
                               "mobilenet_v1_standard": "standard", "mobilenet_v1_wc_ct": "wc_ct"}
    assert t.models == [ids.checkpoint_id(v, 200, 0, 1) for v in t.variant_kinds]
    assert t.model("resnet50") == {"arch": "resnet50", "width": 0.25, "num_classes": 10}
    assert t.sampling_of("kn") == {} and t.sampling_of("wc") == config["transfer"]["sampling"]
    assert t.wc_file == "results/wc/run/distributions.npz"
    assert plan.transfer_parameter_archs() == {"cornet_s": 0.125, "resnet50": 0.25, "mobilenet_v1": 0.5}
    for name, (kind, _) in T.VARIANT_KINDS.items():
        for arch in T.TRANSFER_ARCHS:
            assert E.variant_spec(config, f"{arch}_{name}")["init"] == T.init_name(arch, kind)
            assert T.init_arch(T.init_name(arch, kind)) == arch
    assert T.init_arch("wc_ct") == "cornet_s"


@pytest.mark.parametrize("edit, match", [
    (lambda c: c["variants"].pop("resnet50_wc_ct"), r"transfer\.variants: 'wc_ct' needs the variant 'resnet50_wc_ct'"),
    (lambda c: c["variants"]["resnet50_wc_ct"].update(init="resnet50_kn"), r"variants\.resnet50_wc_ct\.init"),
    (lambda c: c["transfer"].update(wc="nowhere"), r"transfer\.wc: 'nowhere'"),
    (lambda c: c["scoring"]["benchmarks"]["X.V4-pls"].update(type="cowley2023"), r"scoring\.benchmarks\.X\.V4-pls"),
    (lambda c: c["figures"].update(sources=["run", "authors_public"]) or c["authors"]["databases"].pop("public"),
     r"figures\.sources: 'authors_public'.*no 'public'"),
    (lambda c: c["experiments"]["supervised_updates"].update(variant="nope"),
     r"experiments\.supervised_updates\.variant"),
])
def test_bad_config_is_refused_naming_the_key(config, edit, match):
    c = copy.deepcopy(config)
    c["scoring"]["benchmarks"]["X.V4-pls"] = {"type": "imagenet_top1"}
    edit(c)
    with pytest.raises(WiringupError, match=match):
        build(c)


def test_scoring_plan_and_the_backend(config, plan, validated):
    s = plan.scoring
    assert s.active == sorted(b for b, d in config["scoring"]["benchmarks"].items() if d.get("enabled", True))
    # the five regions of the paper, each with at least one benchmark (V2: Coggan2024 alone)
    assert {d.get("region") for b, d in s.benchmarks.items() if b in s.active} >= {"V1", "V2", "V4", "IT", "behavior"}
    assert "tong.Coggan2024_fMRI.V2-rdm" in s.active
    off = copy.deepcopy(config)
    off["scoring"]["benchmarks"]["tong.Coggan2024_fMRI.V2-rdm"]["enabled"] = False
    s_off = build(off).scoring
    assert "tong.Coggan2024_fMRI.V2-rdm" not in s_off.active and "tong.Coggan2024_fMRI.V2-rdm" not in s_off.benchmarks
    assert s.baseline_benchmarks == [b for b in s.active if b != "Imagenette80-top1"]
    assert s.inputs(["Imagenette80-top1"]) == {"assemblies": [], "manifest": ["results/manifests/val.tsv"]}
    jobs = s.jobs(s.active)
    assert jobs["Cowley2023.210325.V4-pls"]["assembly"] == "results/benchmarks/Cowley2023.210325.V4-pls.nc"
    assert jobs["Imagenette80-top1"]["manifest"] == "results/manifests/val.tsv"
    assert s.regions == list(ids.REGIONS) and "benchmarks" not in s.slice and "batch_size" in s.slice
    bs = build(validated(DEFAULT, {"scoring": {"backend": "brainscore"}})).scoring
    assert bs.active == sorted(config["scoring"]["brainscore"]["benchmarks"]) == bs.baseline_benchmarks
    assert bs.inputs(bs.active) == {"assemblies": [], "manifest": []}


def test_figure_sources_are_one_table(plan):
    assert [s.name for s in F.SOURCES.values()] == ["run", "authors", "authors_public", "overlay"]
    assert F.SOURCES["overlay"].tables == ["results/tables/scores.csv", "results/tables/authors_private.csv"]
    assert F.SOURCES["overlay"].labels == ["this run", "authors (private)"]
    assert F.SOURCES["authors_public"].labels == ["authors (public)"] and F.BY_FOLDER[""].name == "run"
    assert re.fullmatch(F.VIEW_PATTERN, "") and re.fullmatch(F.VIEW_PATTERN, "authors_public/")
    assert not re.fullmatch(F.VIEW_PATTERN, "public/")
    from wiringup.tables.scores import SOURCE

    assert SOURCE == F.RUN_LABEL  # the `source` column of this run's score table
    # the default config draws this run and the authors' private scores
    assert [s.name for s in plan.figures.sources] == ["run", "authors"]
    assert plan.figures.files("fig5") == ["results/figures/fig5.png", "results/figures/fig5.pdf",
                                          "results/figures/authors/fig5.png", "results/figures/authors/fig5.pdf"]


def test_registries(plan):
    assert plan.targets == ["results/tables/wc_stats.csv", "results/tables/trained_parameters.csv",
                            "results/tables/training_time.csv", "results/tables/transfer_parameters.csv",
                            "results/scorecard.md", "results/scorecard.csv"]
    fmts = plan.figures.formats
    assert plan.figure_files[:6] == [f"results/figures/{f}.{e}" for f in ("fig2c", "fig7", "fig2b") for e in fmts]
    assert set(plan.figures.table_figure_files()) | set(plan.figures.files("fig5")) == set(plan.figure_files[6:])


def test_the_schema_defaults_are_the_only_defaults(validated):
    """A config of the required keys only plans (the schema fills in everything else) and keeps every switch off."""
    minimal = {"data_root": "data", "imagenet": {"root": "in"}, "model": {"arch": "cornet_s"}, "training": {},
               "variants": {"standard": {"init": "kn"}, "wc_authors": {"init": "wc_authors"}},
               "experiments": {"supervised_updates": {"variant": "standard", "images": [10], "epochs": [0, 1],
                                                      "seeds": [0]}},
               "scoring": {"benchmarks": {"I-top1": {"type": "imagenet_top1"}}}, "figures": {},
               "weight_compression": {"inits": {"wc_authors": {"method": "wc", "source": "authors"},
                                                "kn_full": {"method": "kn"}}}}
    p = build(validated(minimal))
    assert p.model == {"arch": "cornet_s", "width": 1.0, "num_classes": 1000} and p.input_size == 224
    assert p.scored_models == ["init/kn/seed0", "standard/n10_seed0/epoch_01"]
    assert not p.transfer.archs and p.transfer.schedule["variants"] == [] and not p.wc.comparisons
    assert p.scoring.regions == list(ids.REGIONS) and p.figures.formats == ["png", "pdf"]
    assert p.resources("train") == {} and p.speed["data_cache"] is False
    assert p.targets[-2:] == ["results/scorecard.md", "results/scorecard.csv"]  # authors.databases default


def test_schema_defaults_agree_with_the_library(validated):
    schema = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
    wc = schema["properties"]["weight_compression"]["properties"]
    fit = wc["fits"]["additionalProperties"]["properties"]
    assert tuple(fit["k_range"]["default"]) == W.K_RANGE and fit["gabor_niter"]["default"] == W.GABOR_NITER
    alt = fit["alternatives"]["properties"]
    assert alt["weight_gmm_components"]["default"] == W.AUTHORS_WEIGHT_GMM_COMPONENTS
    assert alt["second_layer_components"]["default"] == W.AUTHORS_SECOND_LAYER_GABOR_COMPONENTS
    assert alt["weight_gmm_max_points"]["default"] == W.WEIGHT_GMM_MAX_POINTS
    assert alt["weight_gmm_n_init"]["default"] == W.WEIGHT_GMM_N_INIT
    assert wc["authors"]["properties"]["gabor_components"]["default"] == W.PAPER_GABOR_COMPONENTS
    sampler = {k: v["default"] for k, v in wc["sampler"]["properties"].items()}
    init_bn = wc["inits"]["additionalProperties"]["properties"]["default_bn"]["default"]
    assert {**sampler, "default_bn": init_bn} == W.SAMPLER_DEFAULTS
    regions = schema["properties"]["scoring"]["properties"]["predictivity_regions"]
    assert tuple(regions["default"]) == tuple(regions["items"]["enum"]) == ids.REGIONS
    transfer = schema["properties"]["transfer"]["properties"]
    assert tuple(transfer["archs"]["items"]["enum"]) == T.TRANSFER_ARCHS
    assert tuple(transfer["variants"]["items"]["enum"]) == tuple(T.VARIANT_KINDS)
    assert tuple(transfer["at_birth"]["items"]["enum"]) == T.INIT_KINDS
    assert tuple(schema["properties"]["figures"]["properties"]["sources"]["items"]["enum"]) == tuple(F.SOURCES)


def test_cluster_resources_by_rule_family():
    table = {"default": {"runtime": 60, "mem_mb": 8000, "cpus": 2}, "train": {"runtime": 10, "gpu": 1},
             "train_transfer": {"cpus": 4}, "score": {"mem_mb": 100}}
    assert cluster_resources(table, "train_critical_training") == {"runtime": 10, "mem_mb": 8000,
                                                                   "cpus_per_task": 2, "gpu": 1}
    assert cluster_resources(table, "train_transfer") == {"runtime": 60, "mem_mb": 8000, "cpus_per_task": 4}
    assert cluster_resources(table, "score_baseline")["mem_mb"] == 100
    assert cluster_resources(table, "scorecard") == {"runtime": 60, "mem_mb": 8000, "cpus_per_task": 2}


# ------------------------------------------------------------------------------------------------ the workflow
def test_rule_files_read_the_plan_not_the_config():
    import io
    import tokenize

    for path in (REPO / "workflow" / "rules").glob("*.smk"):
        tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
        uses = [t.start for t in tokens if t.type == tokenize.NAME and t.string == "config"]
        if path.name == "common.smk":
            assert len(uses) == 2, uses  # validate(config, schema); PLAN = build(config)
        else:
            assert not uses, path.name


def test_one_script_per_rule():
    for path in (REPO / "workflow" / "scripts").glob("*.py"):
        assert not re.search(r"\b(smk|snakemake)\.rule\b", path.read_text()), path.name
    scripts = {}
    for path in (REPO / "workflow" / "rules").glob("*.smk"):
        text = path.read_text()
        for rule, script in re.findall(r"\nrule (\w+):.*?script:\s*\"([^\"]+)\"", text, flags=re.S):
            scripts.setdefault(script, []).append(rule)
    shared = {s: r for s, r in scripts.items() if len(r) > 1}
    assert not shared, shared


def test_include_order_does_not_matter(tmp_path, data_root):
    """The registries come from the plan: the rule files included in reverse order plan the same jobs."""
    from test_workflow import job_counts

    wd = tmp_path / "wf"
    shutil.copytree(REPO / "workflow", wd / "workflow")
    shutil.copytree(REPO / "config", wd / "config")
    for name in ("src", "envs"):
        (wd / name).symlink_to(REPO / name)
    snakefile = (REPO / "Snakefile").read_text()
    includes = re.findall(r"^include: .*$", snakefile, flags=re.M)
    assert includes[0].startswith('include: "workflow/rules/common.smk"')
    reordered = snakefile.replace("\n".join(includes), "\n".join([includes[0], *reversed(includes[1:])]))
    assert reordered != snakefile
    (wd / "Snakefile").write_text(reordered)
    (wd / "abs.yaml").write_text(f"data_root: {data_root}\n")
    counts = []
    for snake in (REPO / "Snakefile", wd / "Snakefile"):
        proc = subprocess.run([SNAKEMAKE, "-s", str(snake), "-d", str(wd), "-n", "--configfile",
                               str(wd / "abs.yaml")], capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        counts.append(job_counts(proc.stdout))
    assert counts[0] == counts[1] and counts[0]["score"] > 10
