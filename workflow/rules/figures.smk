# Figures read only small tables (the tidy score tables), never checkpoints: a style change reruns only these.
# Each table figure (paper Fig. 1, 3, 4, 6, 8, 9) is drawn once per configured view (`figures.sources`):
#   run             this run's results/tables/scores.csv       -> results/figures/figN.{ext}
#   authors         the authors' private database               -> results/figures/authors/figN.{ext}
#   authors_public  the authors' public database                -> results/figures/authors_public/figN.{ext}
#   overlay         this run and the authors' private data      -> results/figures/overlay/figN.{ext}
# The `view` wildcard is the output subfolder ("" for this run). Fig. 2, 5 and 7 have their own rules.

FIGURE_FORMATS = config["figures"].get("formats", ["png", "pdf"])
FIGURE_VIEWS = {"run": "", "authors": "authors/", "authors_public": "authors_public/", "overlay": "overlay/"}
FIGURE_VIEW_NAMES = {prefix: name for name, prefix in FIGURE_VIEWS.items()}
FIGURE_VIEW_TABLES = {
    "": ["results/tables/scores.csv"],
    "authors/": ["results/tables/authors_private.csv"],
    "authors_public/": ["results/tables/authors_public.csv"],
    "overlay/": ["results/tables/scores.csv", "results/tables/authors_private.csv"],
}
TABLE_FIGURES = ["fig1", "fig3", "fig4", "fig6", "fig8", "fig9"]
FIGURE_SOURCES = config["figures"].get("sources", ["run"])
FIGURE_FILES += expand(
    "results/figures/{view}{fig}.{ext}",
    view=[FIGURE_VIEWS[s] for s in FIGURE_SOURCES],
    fig=TABLE_FIGURES,
    ext=FIGURE_FORMATS,
)
for _source in FIGURE_SOURCES:
    _db = {"authors": "private", "authors_public": "public", "overlay": "private"}.get(_source)
    if _db and _db not in AUTHORS_DBS:
        raise ValueError(f"config key figures.sources: {_source!r} draws the authors' {_db} score database, but "
                         f"authors.databases has no {_db!r} entry (it has {sorted(AUTHORS_DBS)})")
# the scorecard compares the paper with the authors' private scores and this run
if "private" in AUTHORS_DBS:
    TARGETS += ["results/scorecard.md", "results/scorecard.csv"]
# what the figure functions need from the config (nothing else, so unrelated config edits never redraw)
FIGURE_PARAMS = dict(
    style={k: v for k, v in config["figures"].items() if k == "dpi"},
    missing=config.get("authors", {}).get("missing", "nan"),
    run_recipe={k: config["training"].get(k) for k in ("optimizer", "lr", "weight_decay")},
    experiment={k: SUPERVISED[k] for k in ("variant", "seeds")},
    regions=config["scoring"].get("predictivity_regions", ["V1", "V2", "V4", "IT", "behavior"]),
)


rule fig1:
    input:
        tables=lambda w: FIGURE_VIEW_TABLES[w.view],
    output:
        [
            report(
                f,
                caption="../report/fig1.rst",
                category="Figures",
                subcategory=lambda w: FIGURE_VIEW_NAMES[w.view],
                labels={"figure": "Fig. 1"},
            )
            for f in expand("results/figures/{{view}}fig1.{ext}", ext=FIGURE_FORMATS)
        ],
    wildcard_constraints:
        view=r"(authors/|authors_public/|overlay/)?",
    params:
        figure="fig1",
        **FIGURE_PARAMS,
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
                   subcategory=lambda w: FIGURE_VIEW_NAMES[w.view])
            for f in expand("results/figures/{{view}}fig3.{ext}", ext=FIGURE_FORMATS)
        ],
    params:
        figure="fig3",
        **FIGURE_PARAMS,
    log:
        "logs/figures/{view}fig3.log",
    benchmark:
        "results/runtime/figures/{view}fig3.tsv"


use rule fig1 as fig4 with:
    output:
        [
            report(f, caption="../report/fig4.rst", category="Figures", labels={"figure": "Fig. 4"},
                   subcategory=lambda w: FIGURE_VIEW_NAMES[w.view])
            for f in expand("results/figures/{{view}}fig4.{ext}", ext=FIGURE_FORMATS)
        ],
    params:
        figure="fig4",
        **FIGURE_PARAMS,
    log:
        "logs/figures/{view}fig4.log",
    benchmark:
        "results/runtime/figures/{view}fig4.tsv"


use rule fig1 as fig6 with:
    output:
        [
            report(f, caption="../report/fig6.rst", category="Figures", labels={"figure": "Fig. 6"},
                   subcategory=lambda w: FIGURE_VIEW_NAMES[w.view])
            for f in expand("results/figures/{{view}}fig6.{ext}", ext=FIGURE_FORMATS)
        ],
    params:
        figure="fig6",
        **FIGURE_PARAMS,
    log:
        "logs/figures/{view}fig6.log",
    benchmark:
        "results/runtime/figures/{view}fig6.tsv"


use rule fig1 as fig8 with:
    output:
        [
            report(f, caption="../report/fig8.rst", category="Figures", labels={"figure": "Fig. 8"},
                   subcategory=lambda w: FIGURE_VIEW_NAMES[w.view])
            for f in expand("results/figures/{{view}}fig8.{ext}", ext=FIGURE_FORMATS)
        ],
    params:
        figure="fig8",
        **FIGURE_PARAMS,
    log:
        "logs/figures/{view}fig8.log",
    benchmark:
        "results/runtime/figures/{view}fig8.tsv"


use rule fig1 as fig9 with:
    output:
        [
            report(f, caption="../report/fig9.rst", category="Figures", labels={"figure": "Fig. 9"},
                   subcategory=lambda w: FIGURE_VIEW_NAMES[w.view])
            for f in expand("results/figures/{{view}}fig9.{ext}", ext=FIGURE_FORMATS)
        ],
    params:
        figure="fig9",
        **FIGURE_PARAMS,
    log:
        "logs/figures/{view}fig9.log",
    benchmark:
        "results/runtime/figures/{view}fig9.tsv"


# Every quantitative claim of the paper and the reproduction report's target questions: the paper's value, the
# value recomputed from the authors' raw scores, this run's value (suite and scale named), verdicts.
rule scorecard:
    input:
        authors="results/tables/authors_private.csv",
        scores="results/tables/scores.csv",
    output:
        md=report("results/scorecard.md", caption="../report/scorecard.rst", category="Scorecard"),
        csv=report("results/scorecard.csv", caption="../report/scorecard.rst", category="Scorecard"),
    params:
        missing=FIGURE_PARAMS["missing"],
        run_recipe=FIGURE_PARAMS["run_recipe"],
        standard_variant=SUPERVISED["variant"],
        scale={
            "model": config["model"],
            "imagenet_root": config["imagenet"]["root"],
            "images": SUPERVISED["images"],
            "epochs": SUPERVISED["epochs"],
            "seeds": SUPERVISED["seeds"],
            "backend": config["scoring"].get("backend", "local"),
        },
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
        FIGURE_FILES,
    localrule: True
