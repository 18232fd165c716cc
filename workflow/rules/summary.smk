# The results summary (issue 13): the headline numbers of this run and of the authors' data, read from the files
# the pipeline writes, so no prose types a result (README points here). wiringup.report.summary documents the
# format. Experiment (b) (target wc_authors_test, not in the default target) joins once its statistics exist: each
# arm's results/stats/wc_authors_test/<arm>.json is then an input, and Snakemake reruns this rule on the next call.
# Its inputs: summary_inputs (common.smk).


rule results_summary:
    input:
        unpack(summary_inputs),
    output:
        md=report("results/summary.md", caption="../report/summary.rst", category="Summary"),
        json="results/summary.json",
    params:
        missing=PLAN.figures.params["missing"],
        run_recipe=PLAN.figures.params["run_recipe"],
        standard_variant=PLAN.standard_variant,
        scale=PLAN.scale,
    localrule: True
    log:
        "logs/tables/results_summary.log",
    benchmark:
        "results/runtime/results_summary.tsv"
    conda:
        ENV
    script:
        "../scripts/results_summary.py"
