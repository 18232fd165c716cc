# wiringup: Wiring Up Vision (Geiger et al., ICLR 2022) as one Snakemake DAG.
#   snakemake --cores 2                          embedded default (config/config.yaml)
#   snakemake --cores 2 figures                  only the figures (and what they need)
#   snakemake --profile profiles/slurm --configfile config/paper.yaml   the paper on a SLURM cluster
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"



include: "workflow/rules/common.smk"  # validates the config and builds PLAN (wiringup.plan.build): first
include: "workflow/rules/data.smk"
include: "workflow/rules/models.smk"
include: "workflow/rules/wc.smk"
include: "workflow/rules/experiments.smk"
include: "workflow/rules/transfer.smk"
include: "workflow/rules/authors.smk"
include: "workflow/rules/scoring.smk"
include: "workflow/rules/brainscore.smk"  # rule prefetch_brainscore (the brainscore backend's data)
include: "workflow/rules/figures.smk"
include: "workflow/rules/provenance.smk"
include: "workflow/rules/summary.smk"  # rule results_summary: results/summary.{md,json}


rule all:
    default_target: True
    input:
        "results/tables/scores.csv",
        PLAN.figure_files,  # the registries come from the plan: the order of the files above does not matter
        PLAN.targets,
        "results/tables/provenance.csv",
        "results/summary.md",  # the headline numbers of this run and of the authors' data
        "results/summary.json",  # its sibling: every output of the DAG is an input here (tests/test_faults.py)
        PLAN.intermediates,  # every file behind them: a deleted one is rebuilt by `snakemake` (wiringup.plan.outputs)


checked(PLAN.check_resources, [r.name for r in workflow.rules])  # config `resources` names only rules that exist
