# Weight compression (paper Sec. 4, App. B; Fig. 2, 7). README "Weight compression"; wiringup.wc.
#   fit_wc               a trained checkpoint -> results/wc/<fit>/distributions.npz (+ .json summary, .csv per layer)
#   fit_wc_alternative   the same checkpoint -> a Fig. 7 alternative results/wc/<fit>/<method>.npz (V1.conv2's
#                        Gabor fits: rule wc_second_layer_gabor, results/wc/<fit>/second_layer_gabor.npy)
#   import_wc            the authors' published files -> results/wc/authors/distributions.npz (Gabor mixture refitted;
#                        also results/wc/<name>/... for each of weight_compression.authors.refits, e.g. authors_bic)
#   init_model           (models.smk) a model at birth per init and seed, e.g. results/models/init/wc/seed0.pt
#   wc_stats             each init at birth vs KN: results/stats/<comparison>.json, results/tables/wc_stats.csv
#   fig2b, fig2c, fig7   the WC file's kernels; KN vs WC at birth; the alternatives at birth (and after CT)
#   wc_authors_test      experiment (b), not built by default: per arm (weight_compression.authors_test.arms: a WC
#                        init vs its KN control, both with the arm's BatchNorm treatment), full-size models at birth
#                        (wc_authors_test_stats: results/stats/wc_authors_test/<arm>.json and
#                        results/tables/wc_authors_test/<arm>.csv; wc_authors_test: every arm's rows in
#                        results/tables/wc_authors_test.csv, figures results/figures/wc_authors_test/<arm>.*)
# The plan (fits, inits, comparisons, experiment (b)) is PLAN.wc (wiringup.plan.wc); the wildcard `fit` is a key
# of weight_compression.fits.


rule fit_wc:
    input:
        checkpoint=fit_checkpoint,
    output:
        wc="results/wc/{fit}/distributions.npz",
        summary="results/wc/{fit}/distributions.json",
        layers=report(
            "results/wc/{fit}/distributions.csv",
            caption="../report/fig2_wc_layers.rst",
            category="Tables",
            labels={"table": "WC distributions ({fit})"},
        ),
    wildcard_constraints:
        fit="|".join(PLAN.wc.fits) or "no_fit_configured",
    params:
        fit=lambda w: {k: v for k, v in PLAN.wc.fits[w.fit].items() if k != "alternatives"},
    threads: 1
    resources:
        **PLAN.resources("fit_wc"),  # config `resources`
    log:
        "logs/wc/{fit}/fit.log",
    benchmark:
        "results/runtime/wc/{fit}/fit.tsv"
    conda:
        ENV
    script:
        "../scripts/wc_fit.py"


# V1.conv2's Gabor fits (one per 3x3 kernel slice), shared by Mixture Gaussian and Kernel normal
rule wc_second_layer_gabor:
    input:
        checkpoint=fit_checkpoint,
    output:
        "results/wc/{fit}/second_layer_gabor.npy",
    wildcard_constraints:
        fit="|".join(PLAN.wc.fits) or "no_fit_configured",
    params:
        seed=lambda w: PLAN.wc.fits[w.fit]["seed"],
        niter=lambda w: PLAN.wc.fits[w.fit]["alternatives"]["second_layer_gabor_niter"],
    threads: 1
    log:
        "logs/wc/{fit}/second_layer_gabor.log",
    benchmark:
        "results/runtime/wc/{fit}/second_layer_gabor.tsv"
    conda:
        ENV
    script:
        "../scripts/wc_second_layer_gabor.py"


rule fit_wc_alternative:
    input:
        unpack(alternative_inputs),
    output:
        npz="results/wc/{fit}/{method}.npz",
        summary="results/wc/{fit}/{method}.json",
        layers="results/wc/{fit}/{method}.csv",
    wildcard_constraints:
        fit="|".join(PLAN.wc.fits) or "no_fit_configured",
        method="|".join(PLAN.wc.alternative_methods),
    params:
        fit=lambda w: {k: PLAN.wc.fits[w.fit][k] for k in ("seed", "gabor_niter", "gabor_components")},
        alternatives=lambda w: {
            k: v for k, v in PLAN.wc.fits[w.fit]["alternatives"].items() if k != "second_layer_gabor_niter"
        },
    threads: 1
    resources:
        **PLAN.resources("fit_wc_alternative"),
    log:
        "logs/wc/{fit}/{method}.log",
    benchmark:
        "results/runtime/wc/{fit}/{method}.tsv"
    conda:
        ENV
    script:
        "../scripts/wc_fit_alternatives.py"


rule import_wc:
    input:
        lambda w: PLAN.wc.authors_source_files[w.source],
    output:
        wc="results/wc/{source}/distributions.npz",
        summary="results/wc/{source}/distributions.json",
        layers="results/wc/{source}/distributions.csv",
    wildcard_constraints:
        source="|".join(PLAN.wc.authors_sources),  # authors and each of weight_compression.authors.refits
    params:
        authors=lambda w: PLAN.wc.authors_sources[w.source],
        directory=lambda w, input: os.path.dirname(input[0]),
    threads: 1
    log:
        "logs/wc/{source}/import.log",
    benchmark:
        "results/runtime/wc/{source}/import.tsv"
    conda:
        ENV
    script:
        "../scripts/wc_import.py"


rule wc_stats:
    input:
        scores="results/tables/scores.csv",
    output:
        table=report(
            "results/tables/wc_stats.csv",
            caption="../report/fig2_wc_stats.rst",
            category="Tables",
            labels={"table": "WC vs KN at birth"},
        ),
        json=[f"results/stats/{c['name']}.json" for c in PLAN.wc.comparisons],
    params:
        comparisons=PLAN.wc.comparisons,
        regions=PLAN.scoring.regions,
    localrule: True
    log:
        "logs/wc/stats.log",
    benchmark:
        "results/runtime/wc/stats.tsv"
    conda:
        ENV
    script:
        "../scripts/wc_stats.py"


rule fig2c:
    input:
        scores="results/tables/scores.csv",
        stats="results/tables/wc_stats.csv",
    output:
        [
            report(f, caption="../report/fig2c.rst", category="Figures", labels={"figure": "Fig. 2C"})
            for f in expand("results/figures/fig2c.{ext}", ext=PLAN.figures.formats)
        ],
    params:
        figure="fig2c",
        **PLAN.wc_figure_params(),
    localrule: True
    log:
        "logs/figures/fig2c.log",
    benchmark:
        "results/runtime/figures/fig2c.tsv"
    conda:
        ENV
    script:
        "../scripts/wc_plot.py"


use rule fig2c as fig7 with:
    output:
        [
            report(f, caption="../report/fig7.rst", category="Figures", labels={"figure": "Fig. 7"})
            for f in expand("results/figures/fig7.{ext}", ext=PLAN.figures.formats)
        ],
    params:
        figure="fig7",
    log:
        "logs/figures/fig7.log",
    benchmark:
        "results/runtime/figures/fig7.tsv"


use rule fig2c as fig2b with:
    input:
        wc=PLAN.wc.figure_fit or [],
    output:
        [
            report(f, caption="../report/fig2b.rst", category="Figures", labels={"figure": "Fig. 2B"})
            for f in expand("results/figures/fig2b.{ext}", ext=PLAN.figures.formats)
        ],
    params:
        figure="fig2b",
    log:
        "logs/figures/fig2b.log",
    benchmark:
        "results/runtime/figures/fig2b.tsv"


# `use rule fig2c as ...` does not carry fig2c's `localrule: True` over
localrules:
    fig7,
    fig2b,


# Experiment (b): `snakemake --cores 2 wc_authors_test` (not part of `all`), one arm:
# `snakemake --cores 2 results/stats/wc_authors_test/<arm>.json`. Full-size models: slow on a CPU (README "Weight
# compression" gives the measured cost).
rule wc_authors_test_stats:
    input:
        scores=lambda w: PLAN.authors_test_scores(w.arm),
    output:
        table="results/tables/wc_authors_test/{arm}.csv",
        json="results/stats/wc_authors_test/{arm}.json",
    wildcard_constraints:
        arm="|".join(PLAN.wc.authors_test_arms),
    params:
        test=lambda w: PLAN.wc.authors_test_arms[w.arm],
    localrule: True
    log:
        "logs/wc/authors_test/{arm}.log",
    benchmark:
        "results/runtime/wc/authors_test/{arm}.tsv"
    conda:
        ENV
    script:
        "../scripts/wc_authors_test_stats.py"


rule wc_authors_test:
    input:
        scores=PLAN.authors_test_scores(),
        tables=expand("results/tables/wc_authors_test/{arm}.csv", arm=PLAN.wc.authors_test_arms),
        json=expand("results/stats/wc_authors_test/{arm}.json", arm=PLAN.wc.authors_test_arms),
    output:
        table="results/tables/wc_authors_test.csv",
        figure=expand(
            "results/figures/wc_authors_test/{arm}.{ext}", arm=PLAN.wc.authors_test_arms, ext=PLAN.figures.formats
        ),
    params:
        arms=PLAN.wc.authors_test_arms,
        style=PLAN.figures.style,
    localrule: True
    log:
        "logs/figures/wc_authors_test.log",
    benchmark:
        "results/runtime/figures/wc_authors_test.tsv"
    conda:
        ENV
    script:
        "../scripts/wc_authors_test_plot.py"
