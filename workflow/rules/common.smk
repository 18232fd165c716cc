# The config, validated and turned into the plan (wiringup.plan.build: every config -> DAG decision, made once,
# torch-free, unit-tested), and the thin input helpers of the rules. No rule lives here; no rule file reads `config`.
import os
import re
import sys

# Speed (issue 7): jsonschema imports rfc3987_syntax when installed (jupyter, via brainscore-vision, pulls it in),
# which builds ~40 Lark grammars at import: 2.3 s of CPU on every Snakemake start, a no-op rerun included. It only
# checks `format: iri`, which the config schema never uses; an import marked missing is skipped by jsonschema.
sys.modules.setdefault("rfc3987_syntax", None)

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

sys.path.insert(0, os.path.join(workflow.basedir, "src"))
from wiringup.core.io import WiringupError
from wiringup.plan import build
from wiringup.plan.checks import config_error_message


def checked(check, *args):
    """Run a check of the config at start; a refusal stops Snakemake with one line naming the key (never the
    schema and the whole config, which snakemake.utils.validate prints)."""
    try:
        return check(*args)
    except (WorkflowError, WiringupError) as exc:
        sys.exit(f"wiringup config error: {config_error_message(exc)}")


# The schema's defaults are the only defaults: validate() fills them in, the plan reads every key directly.
checked(validate, config, "../schemas/config.schema.yaml")
PLAN = checked(build, config)
checked(PLAN.check_data)  # imagenet.root and data_root are folders (config/paper.yaml ships a placeholder)


wildcard_constraints:
    images=r"\d+|all",
    seed=r"\d+",
    epoch=r"\d+(\.\d+)?",
    variant=r"[A-Za-z0-9_]+",
    init=r"[A-Za-z0-9_]+",
    benchmark=r"[^/]+",


ENV = "../../envs/wiringup.yaml"


def train_inputs(wildcards):
    """What a training run reads: its model at birth, its manifest and, with speed.data_cache, the image cache
    rule cache_images makes from that manifest."""
    cache = {"cache": f"results/cache/train_n{wildcards.images}.imgcache"} if PLAN.speed["data_cache"] else {}
    return {**cache, "birth": PLAN.birth(wildcards.variant, wildcards.seed),
            "manifest": f"results/manifests/train_n{wildcards.images}.tsv"}


def init_inputs(wildcards):
    """The distributions file a sampled init reads and the manifest of a BatchNorm re-estimation (nothing for KN;
    an unknown init fails in params, naming it)."""
    return PLAN.wc.init_inputs(wildcards.init) if wildcards.init in PLAN.wc.init_params else {}


def fit_checkpoint(wildcards):
    """The trained checkpoint a WC fit compresses."""
    return PLAN.wc.fit_checkpoint(wildcards.fit)


def alternative_inputs(wildcards):
    """A Fig. 7 alternative reads the checkpoint, its WC file and (but No Gabor) V1.conv2's Gabor fits."""
    gabor = {"gabor": f"results/wc/{wildcards.fit}/second_layer_gabor.npy"} if wildcards.method != "no_gabor" else {}
    return {"checkpoint": fit_checkpoint(wildcards), "wc": f"results/wc/{wildcards.fit}/distributions.npz", **gabor}


def source_tables(wildcards):
    """The score tables a figure of source folder `view` draws (wiringup.plan.figures.SOURCES)."""
    return PLAN.figures.by_folder(wildcards.view).tables


def source_name(wildcards):
    """The report subcategory of a figure: its source's name (run, authors, authors_public, overlay)."""
    return PLAN.figures.by_folder(wildcards.view).name


def summary_inputs(wildcards):
    """The tables this run has (those the plan builds), and experiment (b)'s statistics where already built."""
    optional = {"scorecard": "results/scorecard.csv", "wc_stats": "results/tables/wc_stats.csv",
                "training_time": "results/tables/training_time.csv", "effects": "results/tables/effects.csv"}
    found = {k: f for k, f in optional.items() if f in PLAN.targets}
    stats = [f"results/stats/{c['name']}.json" for c in PLAN.wc.comparisons] if "wc_stats" in found else []
    exp_b = [f for f in (f"results/stats/wc_authors_test/{arm}.json" for arm in PLAN.wc.authors_test_arms)
             if os.path.exists(f)]
    effect_stats = [e["json"] for e in PLAN.effects]
    return {"scores": "results/tables/scores.csv", **found, "stats": stats, "experiment_b": exp_b,
            "effect_stats": effect_stats}
