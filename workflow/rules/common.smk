# Config validation and the helpers that turn config into file names. No rule lives here.
import copy

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
    """Training recipe of a variant: the top-level `training` keys with the variant's overrides."""
    r = copy.deepcopy(config["training"])
    r.update(VARIANTS[variant].get("training", {}))
    r.pop("num_workers", None)
    r["trained_layers"] = VARIANTS[variant].get("trained_layers")
    r["allow_untrained"] = VARIANTS[variant].get("allow_untrained", False)
    return r


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


def scoring_slice():
    """The scoring config a score depends on (not the benchmark list, the regions or the baselines)."""
    return {k: v for k, v in config["scoring"].items() if k not in ("benchmarks", "predictivity_regions", "baselines")}
