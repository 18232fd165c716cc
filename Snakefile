# wiringup: Wiring Up Vision (Geiger et al., ICLR 2022) as one Snakemake DAG.
#   snakemake --cores 2                          embedded default (config/config.yaml)
#   snakemake --cores 2 figures                  only the figures (and what they need)
#   snakemake --profile profiles/slurm --configfile config/paper.yaml   the paper on a SLURM cluster
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"



include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/models.smk"
# experiments: each registers its models (SCORED_MODELS), figures (FIGURE_FILES) and other targets (TARGETS)
include: "workflow/rules/wc.smk"
include: "workflow/rules/experiments.smk"
include: "workflow/rules/transfer.smk"
include: "workflow/rules/authors.smk"
# scoring and figures come last: they read the registries
include: "workflow/rules/scoring.smk"
include: "workflow/rules/figures.smk"
# provenance reads the default targets (issue 8)
include: "workflow/rules/provenance.smk"


rule all:
    default_target: True
    input:
        "results/tables/scores.csv",
        FIGURE_FILES,
        TARGETS,
        "results/tables/provenance.csv",
