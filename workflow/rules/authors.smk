# The authors' published raw scores as a data source (paper figures from their own numbers, the scorecard).
# Their SQLite databases (config `authors.databases`, relative to data_root) become tidy tables with the
# columns of this run's score table (wiringup.tables.authors): results/tables/authors_<db>.csv, and the
# per-model brain predictivity under the visible missing-score policy `authors.missing`.


rule authors_import:
    input:
        db=lambda w: PLAN.authors_database(w.db),
    output:
        table="results/tables/authors_{db}.csv",   # 3 MB for the private database: kept out of the HTML report
        predictivity=report(
            "results/tables/authors_{db}_brain_predictivity.csv",
            caption="../report/authors_brain_predictivity.rst",
            category="Tables",
            labels={"table": "authors' brain predictivity ({db})"},
        ),
    wildcard_constraints:
        db="|".join(PLAN.authors_databases) or "no_database_configured",
    params:
        source=lambda w: w.db,
        missing=PLAN.authors_missing,
    localrule: True
    log:
        "logs/tables/authors_{db}.log",
    benchmark:
        "results/runtime/tables/authors_{db}.tsv"
    conda:
        ENV
    script:
        "../scripts/authors_import.py"
