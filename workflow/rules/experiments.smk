# Critical / downstream training, hyper-parameter variants and the WC+CT grid (paper Sec. 5-6, Fig. 3, 4, 6, 8, 9).
# The runs are trained by the training rules of models.smk (one per checkpoint schedule). Each grid experiment
# (config experiments.critical_training, .synaptic_updates, .hyperparameters) puts the checkpoints it scores into
# the score table (PLAN.scored_models); its figures are drawn from the score table. Two small tables:
#   results/tables/trained_parameters.csv  per variant: trained/frozen parameters in every convention (Fig. 3 x)
#   results/tables/training_time.csv       per run: wall seconds per epoch and per step vs standard training


rule trained_parameters:
    output:
        report(
            "results/tables/trained_parameters.csv",
            caption="../report/trained_parameters.rst",
            category="Tables",
        ),
    params:
        model=PLAN.model,
        variants=PLAN.table_specs,
    localrule: True
    log:
        "logs/tables/trained_parameters.log",
    benchmark:
        "results/runtime/tables/trained_parameters.tsv"
    conda:
        ENV
    script:
        "../scripts/trained_parameters.py"


rule training_time:
    input:
        PLAN.training_summaries,
    output:
        report(
            "results/tables/training_time.csv",
            caption="../report/training_time.rst",
            category="Tables",
        ),
    params:
        reference=PLAN.standard_variant,
    localrule: True
    log:
        "logs/tables/training_time.log",
    benchmark:
        "results/runtime/tables/training_time.tsv"
    conda:
        ENV
    script:
        "../scripts/training_time.py"


# Named effects over seeds (config key effects; off when empty, e.g. config/laptop.yaml's trained vs at birth,
# WC vs KN, CT vs DT, WC+CT vs KN+CT): results/tables/effects.csv and results/stats/effects/<name>.json.
rule effects:
    input:
        scores="results/tables/scores.csv",
    output:
        table=report(
            "results/tables/effects.csv",
            caption="../report/effects.rst",
            category="Tables",
        ),
        json=[e["json"] for e in PLAN.effects],
    params:
        effects=PLAN.effects,
    localrule: True
    log:
        "logs/tables/effects.log",
    benchmark:
        "results/runtime/tables/effects.tsv"
    conda:
        ENV
    script:
        "../scripts/effects.py"
