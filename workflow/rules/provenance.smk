# Provenance summary (issue 8): one row per artifact behind the default targets, found by following the provenance
# records' inputs (wiringup.core.provenance.lineage); shown in `snakemake --report` under "Provenance".


rule provenance:
    input:
        "results/tables/scores.csv",
        PLAN.figure_files,
        PLAN.targets,
    output:
        table="results/tables/provenance.csv",
        page=report(
            "results/tables/provenance.html",
            caption="../report/provenance.rst",
            category="Provenance",
        ),
    localrule: True
    log:
        "logs/tables/provenance.log",
    benchmark:
        "results/runtime/tables/provenance.tsv"
    conda:
        ENV
    script:
        "../scripts/provenance_table.py"
