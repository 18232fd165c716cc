# Config validation and the helpers that turn config into file names. No rule lives here.
import copy
import re
import sys

# Speed (issue 7): jsonschema imports rfc3987_syntax when installed (jupyter, via brainscore-vision, pulls it in),
# which builds ~40 Lark grammars at import: 2.3 s of CPU on every Snakemake start, a no-op rerun included. It only
# checks `format: iri`, which the config schema never uses; an import marked missing is skipped by jsonschema.
sys.modules.setdefault("rfc3987_syntax", None)

from snakemake.utils import validate


validate(config, "../schemas/config.schema.yaml")


wildcard_constraints:
    images=r"\d+|all",
    seed=r"\d+",
    epoch=r"\d+(\.\d+)?",
    variant=r"[A-Za-z0-9_]+",
    init=r"[A-Za-z0-9_]+",
    benchmark=r"[^/]+",


ENV = "../../envs/wiringup.yaml"
VARIANTS = config["variants"]
SUPERVISED = config["experiments"]["supervised_updates"]
if SUPERVISED["variant"] not in VARIANTS:
    raise ValueError(
        f"config key experiments.supervised_updates.variant: {SUPERVISED['variant']!r} "
        f"is not a key of variants ({sorted(VARIANTS)})"
    )


def epoch_label(epoch):
    """Checkpoint label as the authors wrote it: 00, 01, 43 for whole epochs, 0.1, 0.5 for fractions."""
    e = float(epoch)
    return f"{int(e):02d}" if e.is_integer() else f"{e:.6f}".rstrip("0")


TRAIN_EPOCHS = sorted({float(e) for e in SUPERVISED["epochs"] if float(e) > 0})
TRAIN_EPOCH_LABELS = [epoch_label(e) for e in TRAIN_EPOCHS]


def model_slice():
    """The config that defines the architecture (and nothing else)."""
    m = config["model"]
    return {"arch": m["arch"], "width": m.get("width", 1.0), "num_classes": m.get("num_classes", 1000)}


def recipe(variant):
    """Training recipe of a variant: the top-level `training` keys with the variant's overrides and its
    trained-layer rules (wiringup.plan.experiments.recipe)."""
    return EXPERIMENTS.recipe(config, variant)


def birth_path(init, seed):
    return f"results/models/init/{init}/seed{seed}.pt"


def run_dir(variant, images, seed):
    return f"results/models/{variant}/n{images}_seed{seed}"


def supervised_model_ids():
    """Model ids (paths under results/models, no suffix) of the supervised-updates grid, epoch 0 = at birth."""
    v = SUPERVISED["variant"]
    ids = []
    for seed in SUPERVISED["seeds"]:
        ids.append(birth_path(VARIANTS[v]["init"], seed)[len("results/models/") : -len(".pt")])
        for images in SUPERVISED["images"]:
            for label in TRAIN_EPOCH_LABELS:
                ids.append(f"{run_dir(v, images, seed)}/epoch_{label}"[len("results/models/") :])
    return ids


BENCHMARKS = {k: {"id": k, "backend": "local", **v} for k, v in config["scoring"]["benchmarks"].items()}
for _id, _b in BENCHMARKS.items():
    if _b["type"] != "imagenet_top1" and not {"path", "region"} <= set(_b):
        raise ValueError(f"config key scoring.benchmarks.{_id}: a {_b['type']} benchmark needs `path` and `region`")
NEURAL = sorted(b for b, d in BENCHMARKS.items() if d["type"] != "imagenet_top1")
BRAINSCORE = config["scoring"].get("brainscore", {})
BENCHMARKS.update(
    {b: {"id": b, "backend": "brainscore"} for b in BRAINSCORE.get("benchmarks", [])}
)
ACTIVE_BENCHMARKS = sorted(
    b for b, d in BENCHMARKS.items() if d["backend"] == config["scoring"].get("backend", "local")
)
BASELINES = config["scoring"].get("baselines", [])
# Registries that the experiment files extend; they are included before scoring.smk and figures.smk.
#   SCORED_MODELS  model ids (paths under results/models without .pt) whose scores enter results/tables/scores.csv
#   FIGURE_FILES   what `snakemake figures` builds;  TARGETS  what `snakemake` (rule all) builds besides those
SCORED_MODELS = list(supervised_model_ids())
FIGURE_FILES = []
TARGETS = []


# Benchmarks a baseline is scored on: neural ones (the pixels have no classifier, so no top-1).
BASELINE_BENCHMARKS = [b for b in ACTIVE_BENCHMARKS if b in NEURAL or BENCHMARKS[b]["backend"] == "brainscore"]


def all_scores(wildcards=None):
    """Every score JSON of the score table: each registered model on each active benchmark, and the baselines."""
    models = list(dict.fromkeys(SCORED_MODELS))
    return expand("results/scores/{benchmark}/{model}.json", benchmark=ACTIVE_BENCHMARKS, model=models) + expand(
        "results/scores/{benchmark}/baselines/{baseline}.json", benchmark=BASELINE_BENCHMARKS, baseline=BASELINES
    )


def benchmark_inputs(benchmark_ids):
    """What scoring on these benchmarks reads besides the model: packaged assemblies (local neural) and the val
    manifest (local top-1); brainscore benchmarks read brainscore-vision's own cache."""
    local = [b for b in benchmark_ids if BENCHMARKS[b]["backend"] == "local"]
    return {
        "assemblies": [f"results/benchmarks/{b}.nc" for b in local if BENCHMARKS[b]["type"] != "imagenet_top1"],
        "manifest": ["results/manifests/val.tsv"] if any(BENCHMARKS[b]["type"] == "imagenet_top1" for b in local) else [],
    }


def score_jobs(benchmark_ids):
    """Per benchmark: its config entry and the packaged assembly or val manifest it is scored from."""
    jobs = {}
    for b in benchmark_ids:
        d = BENCHMARKS[b]
        local = d["backend"] == "local"
        jobs[b] = {
            "benchmark": d,
            "assembly": f"results/benchmarks/{b}.nc" if local and d["type"] != "imagenet_top1" else None,
            "manifest": "results/manifests/val.tsv" if local and d["type"] == "imagenet_top1" else None,
        }
    return jobs


def score_input_size(wildcards):
    """Input size a model is scored at (wiringup.plan.wc.score_input_size: an init's model.input_size, e.g. the
    full-size models of experiment (b) at 224 px, else model.input_size)."""
    from wiringup.plan.wc import score_input_size as _size

    return _size(config, wildcards.get("model", ""))


def scoring_slice():
    """The scoring config a score depends on (not the benchmark list, the regions or the baselines)."""
    return {k: v for k, v in config["scoring"].items() if k not in ("benchmarks", "predictivity_regions", "baselines")}


# ---------------------------------------------------------------------------------------------------------------
# Experiments of Sec. 5-6 (helper "experiments"): trained-layer sets, variants, training schedules, scored models.
# The plan itself is wiringup.plan.experiments (torch-free, unit-tested); bad variants/sets/experiments stop here.
import os
import sys

sys.path.insert(0, os.path.join(workflow.basedir, "src"))
from wiringup.plan import experiments as EXPERIMENTS

EXPERIMENTS.check_config(config)
# name -> {variants, epochs, labels}, one training rule each, made in models.smk (one per checkpoint schedule)
TRAIN_SCHEDULES = EXPERIMENTS.train_schedules(config)


def trained_set(variant):
    """The trained-layer set name of a variant (checkpoint meta `trained`, score table column `trained`)."""
    return EXPERIMENTS.variant_spec(config, variant)["trained"]


def training_summaries(wildcards=None):
    """summary.json of every training run of the plan (supervised grid and the grid experiments)."""
    return [f"{run_dir(v, i, s)}/summary.json" for v, i, s in EXPERIMENTS.trained_runs(config)]


# ---------------------------------------------------------------------------------------------------------------
# Weight compression (helper "wc"; paper Sec. 4, Fig. 2, 7): WC fits, at-birth inits, WC-vs-KN statistics. The
# plan is wiringup.plan.wc (torch-free, unit-tested); bad `weight_compression` keys stop here. Rules: wc.smk,
# models.smk (init_model).
from wiringup.plan import wc as WC_PLAN

WC_FITS = WC_PLAN.fits(config)
WC_INITS = WC_PLAN.inits(config)
WC_COMPARISONS = WC_PLAN.comparisons(config)


def init_model_config(init):
    """Params of init_model: the init's model config (+ how it is sampled); for kn exactly model_slice()."""
    return WC_PLAN.init_model_config(config, init)


def init_inputs(wildcards):
    """The distributions file a sampled init reads (nothing for KN; an unknown init fails in params, naming it)."""
    path = WC_PLAN.wc_file(config, wildcards.init) if wildcards.init in WC_INITS else None
    return {"wc": path} if path else {}


def wc_fit_checkpoint(wildcards):
    return f"results/models/{WC_FITS[wildcards.name]['checkpoint']}.pt"


def wc_authors_test_scores(wildcards=None):
    """Score JSONs of experiment (b): the authors' full-size WC and full-size KN at birth, on the neural benchmarks
    (rule score_authors_test)."""
    return expand("results/scores/{benchmark}/{model}.json", benchmark=BASELINE_BENCHMARKS,
                  model=WC_PLAN.authors_test_models(config))


# ---------------------------------------------------------------------------------------------------------------
# Scale (helper "scale", issue 7): speed switches of training, image caches, per-rule cluster resources.
SPEED = {"data_cache": False, "cache_short_side": None, "channels_last": False, "amp": False, "compile": False,
         **config.get("speed", {})}


def speed_slice():
    """Params `speed` of the training rules. The switches change how fast (and the float rounding), not the recipe."""
    return {k: SPEED[k] for k in ("data_cache", "cache_short_side", "channels_last", "amp", "compile")}


def train_cache_input(wildcards):
    """The image cache a training job reads (made by cache_images) when speed.data_cache is on."""
    return {"cache": f"results/cache/train_n{wildcards.images}.imgcache"} if SPEED["data_cache"] else {}


def cluster_resources(rule):
    """Snakemake resources (runtime in minutes, mem_mb, cpus_per_task, gpu) from config `resources`. The
    `default` entry, overridden by the entry of the family: the longest key equal to the name, or equal to
    its start followed by "_" (`train` covers `train_critical_training`, `score` covers `score_baseline`).
    A profile's set-resources and the command line override these (profiles/slurm)."""
    table = config.get("resources", {})
    keys = [k for k in table if k != "default" and (rule == k or rule.startswith(k + "_"))]
    r = {**table.get("default", {}), **(table[max(keys, key=len)] if keys else {})}
    out = {"runtime": r.get("runtime"), "mem_mb": r.get("mem_mb"), "cpus_per_task": r.get("cpus")}
    if r.get("gpu"):
        out["gpu"] = r["gpu"]
    return {k: v for k, v in out.items() if v is not None}
