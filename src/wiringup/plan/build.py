"""``build(config) -> Plan``: every config -> DAG decision, made once, torch-free.

workflow/rules/common.smk validates the config against workflow/schemas/config.schema.yaml (which fills in the
schema's defaults: the only defaults; the plan reads every key directly) and then builds the plan; every rule file
reads ``PLAN`` and none reads the config. Bad input stops in :func:`build`, with an error naming the config key.

The plan's registries, in the order the default target lists them:

* :attr:`Plan.scored_models`: model ids whose scores enter results/tables/scores.csv;
* :attr:`Plan.figure_files`: what ``snakemake figures`` builds;
* :attr:`Plan.targets`: what ``snakemake`` (rule all) builds besides those and the score table (with
  ``results/tables/effects.csv`` when config key ``effects`` names any, :attr:`Plan.effects`);
* :attr:`Plan.intermediates`, :attr:`Plan.figure_intermediates`: every file behind the targets of rule ``all`` and
  rule ``figures`` (:mod:`wiringup.plan.outputs`), listed as their inputs so that the same command rebuilds a
  deleted intermediate.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping

from wiringup.plan import effects as EF
from wiringup.plan import experiments as E
from wiringup.plan import figures as F
from wiringup.plan import outputs as O
from wiringup.plan import scoring as S
from wiringup.plan import transfer as T
from wiringup.plan import wc as W
from wiringup.plan.checks import check_data
from wiringup.plan.ids import birth_id, birth_path, checkpoint_id, model_slice, run_dir, score_path
from wiringup.plan.resources import check_resource_rules, cluster_resources

#: The switches of config key ``speed`` passed to the training rules (params ``speed``, in this order).
SPEED_KEYS = ("data_cache", "cache_short_side", "channels_last", "amp", "compile")
#: The rule that trains the transfer variants (one more training rule, beside those of the checkpoint schedules).
TRAIN_TRANSFER = "train_transfer"


@dataclass(frozen=True)
class Plan:
    """The DAG's decisions; built by :func:`build` from a validated config."""

    config: Mapping[str, Any]
    data_root: str
    imagenet: dict[str, Any]                    # config `imagenet` (params of the manifest rules)
    model: dict[str, Any]                       # the CORnet-S architecture {arch, width, num_classes}
    input_size: int                             # model.input_size: training and scoring resolution
    num_workers: int                            # training.num_workers
    speed: dict[str, Any]                       # params `speed` of the training rules
    variants: dict[str, dict[str, Any]]         # config `variants`
    standard_variant: str                       # the supervised-updates grid's variant (the reference)
    train_rules: dict[str, dict[str, Any]]      # training rule -> {variants, epochs, labels}
    recipes: dict[str, dict[str, Any]]          # variant -> training recipe (params `recipe`)
    trained_sets: dict[str, str]                # variant -> trained-layer set name (params `trained`)
    table_specs: dict[str, dict[str, Any]]      # params `variants` of rule trained_parameters
    training_summaries: list[str]               # summary.json of every run of the experiments (rule training_time)
    scoring: S.ScoringPlan
    wc: W.WcPlan
    transfer: T.TransferPlan
    figures: F.FigurePlan
    authors_databases: dict[str, str]           # authors.databases: name -> SQLite file (relative to data_root)
    authors_missing: str                        # authors.missing
    scale: dict[str, Any]                       # params `scale` of rule scorecard
    scored_models: list[str] = field(default_factory=list)
    figure_files: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    effects: list[dict[str, Any]] = field(default_factory=list)    # rule effects (wiringup.plan.effects)
    intermediates: list[str] = field(default_factory=list)          # inputs of rule all besides the targets
    figure_intermediates: list[str] = field(default_factory=list)   # inputs of rule figures besides the figures

    # ------------------------------------------------------------------------------------------ per-job lookups
    def birth(self, variant: str, seed: int | str) -> str:
        """The model at birth a training run of ``variant`` starts from."""
        return birth_path(self.variants[variant]["init"], seed)

    def recipe(self, variant: str) -> dict[str, Any]:
        return self.recipes[variant]

    def trained_set(self, variant: str) -> str:
        return self.trained_sets[variant]

    def resources(self, rule: str) -> dict[str, Any]:
        """Snakemake resources of a rule from config `resources` (:func:`wiringup.plan.resources.cluster_resources`)."""
        return cluster_resources(self.config["resources"], rule)

    def check_data(self) -> None:
        """Refuse an ``imagenet.root`` or ``data_root`` that is not a folder (:func:`wiringup.plan.checks.check_data`;
        the only check that looks at the file system, so common.smk runs it, never :func:`build`)."""
        check_data(self.config)

    def check_resources(self, rules: Iterable[str]) -> None:
        """Refuse a ``resources`` key that names no rule of the workflow (:func:`check_resource_rules`)."""
        check_resource_rules(self.config["resources"], rules)

    def authors_database(self, db: str) -> str:
        return os.path.join(self.data_root, self.authors_databases[db])

    # ------------------------------------------------------------------------------------------------ score files
    def score_files(self) -> list[str]:
        """Every score JSON of results/tables/scores.csv."""
        return self.scoring.score_files(self.scored_models)

    def authors_test_scores(self, arm: str | None = None) -> list[str]:
        """Score JSONs of experiment (b) (of one arm, or of all): its models at birth on its benchmarks
        (``weight_compression.authors_test.benchmarks``; rule score_authors_test)."""
        models = self.wc.authors_test_models if arm is None else self.wc.arm_models[arm]
        return [score_path(b, m) for b in self.wc.authors_test["benchmarks"] for m in models]

    # ------------------------------------------------------------------------------------------ figure params
    def wc_figure_params(self) -> dict[str, Any]:
        """Params of Fig. 2B, 2C and 7."""
        return {"style": self.figures.style, "regions": self.scoring.regions, "at_birth": self.wc.at_birth,
                "method_inits": self.wc.method_inits}

    def fig5_params(self) -> dict[str, Any]:
        p = self.figures.params
        return dict(style=p["style"], missing=p["missing"], run_recipe=p["run_recipe"],
                    standard_variant=self.standard_variant, variant_kinds=self.transfer.variant_kinds,
                    num_classes=self.model["num_classes"], regions=p["regions"])

    def transfer_parameter_archs(self) -> dict[str, float]:
        """Params `archs` of rule transfer_parameters: CORnet-S at its width and the transfer architectures."""
        return {"cornet_s": float(self.model["width"]), **self.transfer.archs}


def supervised_models(config: Mapping[str, Any]) -> list[str]:
    """Model ids of the supervised-updates grid: per seed its model at birth, then every checkpoint."""
    sup = config["experiments"][E.SUPERVISED]
    epochs = sorted({float(e) for e in sup["epochs"] if float(e) > 0})
    init = config["variants"][sup["variant"]]["init"]
    ids = []
    for seed in sup["seeds"]:
        ids.append(birth_id(init, seed))
        ids += [checkpoint_id(sup["variant"], images, seed, e) for images in sup["images"] for e in epochs]
    return ids


def build(config: Mapping[str, Any]) -> Plan:
    """Every decision of the DAG from a validated config (the schema's defaults filled in)."""
    E.check_config(config)
    wc = W.plan(config)
    transfer = T.plan(config, wc.fits)
    scoring = S.plan(config)
    figures = F.plan(config)
    sup = config["experiments"][E.SUPERVISED]
    schedules = E.train_schedules(config)  # named train, train_<experiment>: never train_transfer
    dbs = config["authors"]["databases"]

    scored = supervised_models(config) + wc.models
    for key in E.grid_experiments(config):
        scored += E.scored_models(config, key)
    scored += transfer.models
    effects = EF.plan(config, scored)
    wc_figures = ([f"results/figures/{fig}.{ext}" for fig in ("fig2c", "fig7") for ext in figures.formats]
                  if wc.comparisons else [])
    wc_figures += [f"results/figures/fig2b.{ext}" for ext in figures.formats] if wc.figure_fit else []
    figure_files = (wc_figures + (figures.files("fig5") if transfer.archs else [])
                    + figures.table_figure_files())
    targets = ((["results/tables/wc_stats.csv"] if wc.comparisons else [])
               + ["results/tables/trained_parameters.csv", "results/tables/training_time.csv"]
               + (["results/tables/transfer_parameters.csv"] if transfer.archs else [])
               + ([EF.TABLE] if effects else [])
               + (["results/scorecard.md", "results/scorecard.csv"] if F.PRIVATE in dbs else []))
    plan = Plan(
        config=config, data_root=config["data_root"], imagenet=config["imagenet"], model=model_slice(config),
        input_size=config["model"]["input_size"], num_workers=config["training"]["num_workers"],
        speed={k: config["speed"][k] for k in SPEED_KEYS}, variants=config["variants"],
        standard_variant=sup["variant"], train_rules={**schedules, TRAIN_TRANSFER: transfer.schedule},
        recipes={v: E.recipe(config, v) for v in config["variants"]},
        trained_sets={v: E.variant_spec(config, v)["trained"] for v in config["variants"]},
        table_specs=E.table_specs(config),
        training_summaries=[f"{run_dir(v, i, s)}/summary.json" for v, i, s in E.trained_runs(config)],
        scoring=scoring, wc=wc, transfer=transfer, figures=figures, authors_databases=dbs,
        authors_missing=config["authors"]["missing"],
        scale={"model": config["model"], "imagenet_root": config["imagenet"]["root"], "images": sup["images"],
               "epochs": sup["epochs"], "seeds": sup["seeds"], "backend": config["scoring"]["backend"]},
        scored_models=list(dict.fromkeys(scored)), figure_files=figure_files, targets=targets, effects=effects)
    run = O.run_intermediates(plan)
    figure = O.figure_intermediates(plan, run)
    return replace(plan, intermediates=O.all_intermediates(plan, run, figure), figure_intermediates=figure)
