"""Every file the DAG makes on the way to its targets (the *intermediates*), torch-free, so that the target rules
``all`` and ``figures`` list them as inputs.

Why: Snakemake (since 7.8) rebuilds a missing file only when a job that needs it has to run. A deleted
intermediate (a checkpoint, a packaged benchmark, a WC fit, a score JSON, a manifest) whose downstream outputs are
all present is never rebuilt: ``snakemake`` prints "Nothing to be done" (snakemake/snakemake#1978, #1694). Listed
as inputs of the target rules, a missing intermediate is a missing input of a target: the same command that made
it (``snakemake --cores 2``, or ``snakemake figures``) rebuilds it and then everything downstream of it.
``tests/test_faults.py`` checks against ``snakemake --summary`` that the lists hold every output of the DAG (but
temporary files: the image caches).

The lists follow the producers' inputs back from what the targets read, as the rules do: a score JSON reads its
model and its benchmark's packaged assembly (or the val manifest); a checkpoint is one of its training run's
outputs (every checkpoint of the run's schedule, ``metrics.csv``, ``summary.json``), which reads the run's model at
birth and its manifest; a model at birth sampled from weight compression reads its WC file, which (for this run's
own fits) reads the fit's checkpoint.
"""
from __future__ import annotations

from typing import Any

from wiringup.plan.figures import PRIVATE
from wiringup.plan.ids import baseline_id, model_path, parse_model_id, run_dir
from wiringup.plan.transfer import init_arch

#: The functions take the :class:`wiringup.plan.build.Plan` being built (typed ``Any``: build imports this module).
Plan = Any

#: A WC file's siblings (rules fit_wc, fit_wc_alternative, import_wc: the NPZ, its JSON summary, its CSV table).
WC_EXTENSIONS = (".npz", ".json", ".csv")
#: Fig. 7 alternatives that also read V1.conv2's Gabor fits (rule wc_second_layer_gabor).
SECOND_LAYER_GABOR = ("mixture_gaussian", "kernel_normal")


class _Closure:
    """The files behind a set of files, in first-seen order."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.files: dict[str, None] = {}
        self.run_of = {v: spec["labels"] for spec in plan.train_rules.values() for v in spec["variants"]}

    def add(self, path: str | None) -> None:
        if path and path not in self.files:
            self.files[path] = None
            self._behind(path)

    def model(self, model_id: str) -> None:
        self.add(model_path(model_id))

    def _behind(self, path: str) -> None:
        if path.startswith("results/models/") and path.endswith(".pt"):
            self._model(path[len("results/models/"):-len(".pt")])
        elif path.startswith("results/wc/") and path.endswith(".npz"):
            self._wc(path)

    def _model(self, model_id: str) -> None:
        parts = parse_model_id(model_id)
        if parts["kind"] == "checkpoint":
            self.run(parts["variant"], parts["images"], parts["seed"])
        elif parts["kind"] == "birth":
            init = parts["init"]
            if init_arch(init) != "cornet_s":  # a transfer model at birth (rule transfer_init)
                self.add(self.plan.transfer.wc_file if init.endswith("_wc") else None)
            else:  # its WC file and, for BatchNorm treatment reestimate, its manifest
                for f in self.plan.wc.init_inputs(init).values() if init in self.plan.wc.init_params else []:
                    self.add(f)

    def run(self, variant: str, images: str, seed: int) -> None:
        """A training run's outputs (every checkpoint of its schedule, metrics, summary) and what it reads."""
        folder = run_dir(variant, images, seed)
        for label in self.run_of.get(variant, []):
            self.add(f"{folder}/epoch_{label}.pt")
        self.add(f"{folder}/metrics.csv")
        self.add(f"{folder}/summary.json")
        self.add(self.plan.birth(variant, seed))
        self.add(f"results/manifests/train_n{images}.tsv")

    def _wc(self, path: str) -> None:
        folder, name = path.rsplit("/", 1)
        stem = name[: -len(".npz")]
        for ext in WC_EXTENSIONS:
            self.add(f"{folder}/{stem}{ext}")
        fit = folder.split("/")[-1]
        if fit in self.plan.wc.fits:
            self.add(self.plan.wc.fit_checkpoint(fit))
            if stem != "distributions":  # an alternative reads the fit's WC file (and V1.conv2's Gabor fits)
                self.add(f"{folder}/distributions.npz")
                if stem in SECOND_LAYER_GABOR:
                    self.add(f"{folder}/second_layer_gabor.npy")


def run_intermediates(plan: Plan) -> list[str]:
    """Every file behind this run's score table (and the WC statistics): score JSONs, models, training runs,
    models at birth, manifests, packaged benchmarks, WC files; then the table's sibling and the statistics' JSON."""
    c = _Closure(plan)
    scoring = plan.scoring
    inputs = scoring.inputs(scoring.active)
    for f in inputs["assemblies"] + inputs["manifest"] + scoring.prefetched(scoring.active):
        c.add(f)
    for f in plan.score_files():
        c.add(f)
    for m in plan.scored_models:
        c.model(m)
    for name in scoring.baselines:
        c.model(baseline_id(name))
    for summary in plan.training_summaries:  # every run of the experiments (rule training_time)
        parts = parse_model_id(summary[len("results/models/"):-len("/summary.json")] + "/epoch_0")
        c.run(parts["variant"], parts["images"], parts["seed"])
    files = list(c.files) + ["results/tables/brain_predictivity.csv"]
    files += [f"results/stats/{comp['name']}.json" for comp in plan.wc.comparisons]
    return files


def authors_tables(databases: list[str]) -> list[str]:
    """The tidy tables rule authors_import makes from the authors' ``databases``."""
    return [f for db in databases
            for f in (f"results/tables/authors_{db}.csv", f"results/tables/authors_{db}_brain_predictivity.csv")]


def figure_intermediates(plan: Plan, run: list[str]) -> list[str]:
    """The intermediates behind ``snakemake figures``: the authors' tables its sources draw, this run's score
    table and intermediates (``run``) when a figure reads this run's scores, the tables of Fig. 2C, 7 and 5, and the
    WC file Fig. 2B draws."""
    fig = plan.figures
    dbs = list(dict.fromkeys(db for s in fig.sources for db in s.databases))
    reads_run = any(s.run for s in fig.sources) or bool(plan.wc.comparisons)
    files = authors_tables(dbs) + (["results/tables/scores.csv"] + run if reads_run else [])
    files += ["results/tables/wc_stats.csv"] if plan.wc.comparisons else []  # Fig. 2C, 7
    files += ["results/tables/transfer_parameters.csv"] if plan.transfer.archs else []  # Fig. 5
    if plan.wc.figure_fit:
        c = _Closure(plan)
        c.add(plan.wc.figure_fit)
        files += list(c.files)
    return list(dict.fromkeys(files))


def all_intermediates(plan: Plan, run: list[str], figure: list[str]) -> list[str]:
    """The intermediates behind the default target: the figures', this run's, the scorecard's authors table, and
    the provenance table's HTML page (a sibling of results/tables/provenance.csv)."""
    scorecard = [PRIVATE] if "results/scorecard.csv" in plan.targets else []
    return list(dict.fromkeys(figure + run + authors_tables(scorecard) + ["results/tables/provenance.html"]))
