# Figures read only small tables (the tidy score tables), never checkpoints: a style change reruns only these.
# Each table figure (paper Fig. 1, 3, 4, 6, 8, 9) is drawn once per configured source (`figures.sources`); the
# sources are one table, wiringup.plan.figures.SOURCES (name -> output folder, tables, databases, labels):
#   run             this run's results/tables/scores.csv       -> results/figures/figN.{ext}
#   authors         the authors' private database               -> results/figures/authors/figN.{ext}
#   authors_public  the authors' public database                -> results/figures/authors_public/figN.{ext}
#   overlay         this run and the authors' private data      -> results/figures/overlay/figN.{ext}
# The `view` wildcard is the source's output folder ("" for this run). Fig. 2, 5 and 7 have their own rules.
# What the figure functions need from the config is PLAN.figures.params (nothing else, so unrelated config edits
# never redraw).


rule fig1:
    input:
        tables=source_tables,
    output:
        [
            report(
                f,
                caption="../report/fig1.rst",
                category="Figures",
                subcategory=source_name,
                labels={"figure": "Fig. 1"},
            )
            for f in expand("results/figures/{{view}}fig1.{ext}", ext=PLAN.figures.formats)
        ],
    wildcard_constraints:
        view=PLAN.figures.view_pattern,
    params:
        figure="fig1",
        **PLAN.figures.params,
    localrule: True
    log:
        "logs/figures/{view}fig1.log",
    benchmark:
        "results/runtime/figures/{view}fig1.tsv"
    conda:
        ENV
    script:
        "../scripts/plot_figure.py"


use rule fig1 as fig3 with:
    output:
        [
            report(f, caption="../report/fig3.rst", category="Figures", labels={"figure": "Fig. 3"},
                   subcategory=source_name)
            for f in expand("results/figures/{{view}}fig3.{ext}", ext=PLAN.figures.formats)
        ],
    params:
        figure="fig3",
    log:
        "logs/figures/{view}fig3.log",
    benchmark:
        "results/runtime/figures/{view}fig3.tsv"


use rule fig1 as fig4 with:
    output:
        [
            report(f, caption="../report/fig4.rst", category="Figures", labels={"figure": "Fig. 4"},
                   subcategory=source_name)
            for f in expand("results/figures/{{view}}fig4.{ext}", ext=PLAN.figures.formats)
        ],
    params:
        figure="fig4",
    log:
        "logs/figures/{view}fig4.log",
    benchmark:
        "results/runtime/figures/{view}fig4.tsv"


use rule fig1 as fig6 with:
    output:
        [
            report(f, caption="../report/fig6.rst", category="Figures", labels={"figure": "Fig. 6"},
                   subcategory=source_name)
            for f in expand("results/figures/{{view}}fig6.{ext}", ext=PLAN.figures.formats)
        ],
    params:
        figure="fig6",
    log:
        "logs/figures/{view}fig6.log",
    benchmark:
        "results/runtime/figures/{view}fig6.tsv"


use rule fig1 as fig8 with:
    output:
        [
            report(f, caption="../report/fig8.rst", category="Figures", labels={"figure": "Fig. 8"},
                   subcategory=source_name)
            for f in expand("results/figures/{{view}}fig8.{ext}", ext=PLAN.figures.formats)
        ],
    params:
        figure="fig8",
    log:
        "logs/figures/{view}fig8.log",
    benchmark:
        "results/runtime/figures/{view}fig8.tsv"


use rule fig1 as fig9 with:
    output:
        [
            report(f, caption="../report/fig9.rst", category="Figures", labels={"figure": "Fig. 9"},
                   subcategory=source_name)
            for f in expand("results/figures/{{view}}fig9.{ext}", ext=PLAN.figures.formats)
        ],
    params:
        figure="fig9",
    log:
        "logs/figures/{view}fig9.log",
    benchmark:
        "results/runtime/figures/{view}fig9.tsv"


# `use rule fig1 as ...` does not carry fig1's `localrule: True` over: the figures derived from it are local too
localrules:
    fig3,
    fig4,
    fig6,
    fig8,
    fig9,


# Every quantitative claim of the paper and the reproduction report's target questions: the paper's value, the
# value recomputed from the authors' raw scores, this run's value (suite and scale named), verdicts.
rule scorecard:
    input:
        authors=PLAN.figures.scorecard_table,  # results/tables/authors_private.csv
        scores="results/tables/scores.csv",
    output:
        md=report("results/scorecard.md", caption="../report/scorecard.rst", category="Scorecard"),
        csv=report("results/scorecard.csv", caption="../report/scorecard.rst", category="Scorecard"),
    params:
        missing=PLAN.figures.params["missing"],
        run_recipe=PLAN.figures.params["run_recipe"],
        standard_variant=PLAN.standard_variant,
        scale=PLAN.scale,
    localrule: True
    log:
        "logs/tables/scorecard.log",
    benchmark:
        "results/runtime/scorecard.tsv"
    conda:
        ENV
    script:
        "../scripts/scorecard.py"


rule figures:
    input:
        PLAN.figure_files,
        PLAN.figure_intermediates,  # every file behind them: a deleted one is rebuilt (wiringup.plan.outputs)
    localrule: True
