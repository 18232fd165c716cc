# Weight compression (paper Sec. 4, App. B; Fig. 2, 7). README "Weight compression"; wiringup.wc.compression.
#   fit_wc               a trained checkpoint -> results/wc/<fit>/distributions.npz (+ .json summary, .csv per layer)
#   fit_wc_alternative   the same checkpoint -> a Fig. 7 alternative results/wc/<fit>/<method>.npz (V1.conv2's
#                        Gabor fits: rule wc_second_layer_gabor, results/wc/<fit>/second_layer_gabor.npy)
#   import_wc            the authors' published files -> results/wc/authors/distributions.npz (Gabor mixture refitted)
#   init_model           (models.smk) a model at birth per init and seed, e.g. results/models/init/wc/seed0.pt
#   wc_stats             each init at birth vs KN: results/stats/<comparison>.json, results/tables/wc_stats.csv
#   fig2b, fig2c, fig7   the WC file's kernels; KN vs WC at birth; the alternatives at birth (and after CT)
#   wc_authors_test      experiment (b), not built by default: full-size models from the authors' distributions
#                        vs full-size KN at birth (results/stats/wc_authors_test.json, tables/, figures/)
import os

WC_FORMATS = config["figures"].get("formats", ["png", "pdf"])
WC_COMPARISON_NAMES = [c["name"] for c in WC_COMPARISONS]
WC_FIGURE_FIT = WC_PLAN.figure_fit(config)
WC_FIGURE_PARAMS = {
    "style": {k: v for k, v in config["figures"].items() if k == "dpi"},
    "regions": config["scoring"].get("predictivity_regions", ["V1", "V2", "V4", "IT", "behavior"]),
    "at_birth": WC_PLAN.at_birth(config),
    "method_inits": WC_PLAN.method_inits(config),
}
SCORED_MODELS += WC_PLAN.at_birth_models(config)
if WC_COMPARISONS:
    TARGETS += ["results/tables/wc_stats.csv"]
    FIGURE_FILES += expand("results/figures/{fig}.{ext}", fig=["fig2c", "fig7"], ext=WC_FORMATS)
if WC_FIGURE_FIT:
    FIGURE_FILES += expand("results/figures/fig2b.{ext}", ext=WC_FORMATS)


rule fit_wc:
    input:
        checkpoint=wc_fit_checkpoint,
    output:
        wc="results/wc/{name}/distributions.npz",
        summary="results/wc/{name}/distributions.json",
        layers=report(
            "results/wc/{name}/distributions.csv",
            caption="../report/fig2_wc_layers.rst",
            category="Tables",
            labels={"table": "WC distributions ({name})"},
        ),
    wildcard_constraints:
        name="|".join(WC_FITS) or "no_fit_configured",
    params:
        fit=lambda w: {k: v for k, v in WC_FITS[w.name].items() if k != "alternatives"},
    threads: 1
    resources:
        **cluster_resources("fit_wc"),  # config `resources` (common.smk)
    log:
        "logs/wc/{name}/fit.log",
    benchmark:
        "results/runtime/wc/{name}/fit.tsv"
    conda:
        ENV
    script:
        "../scripts/wc_fit.py"


# V1.conv2's Gabor fits (one per 3x3 kernel slice), shared by Mixture Gaussian and Kernel normal
rule wc_second_layer_gabor:
    input:
        checkpoint=wc_fit_checkpoint,
    output:
        "results/wc/{name}/second_layer_gabor.npy",
    wildcard_constraints:
        name="|".join(WC_FITS) or "no_fit_configured",
    params:
        seed=lambda w: WC_FITS[w.name]["seed"],
        niter=lambda w: WC_FITS[w.name]["alternatives"]["second_layer_gabor_niter"],
    threads: 1
    log:
        "logs/wc/{name}/second_layer_gabor.log",
    benchmark:
        "results/runtime/wc/{name}/second_layer_gabor.tsv"
    conda:
        ENV
    script:
        "../scripts/wc_fit_alternatives.py"


rule fit_wc_alternative:
    input:
        unpack(
            lambda w: {
                "checkpoint": wc_fit_checkpoint(w),
                "wc": f"results/wc/{w.name}/distributions.npz",
                **({"gabor": f"results/wc/{w.name}/second_layer_gabor.npy"} if w.method != "no_gabor" else {}),
            }
        ),
    output:
        npz="results/wc/{name}/{method}.npz",
        summary="results/wc/{name}/{method}.json",
        layers="results/wc/{name}/{method}.csv",
    wildcard_constraints:
        name="|".join(WC_FITS) or "no_fit_configured",
        method="|".join(WC_PLAN.ALTERNATIVES),
    params:
        fit=lambda w: {k: WC_FITS[w.name][k] for k in ("seed", "gabor_niter", "gabor_components")},
        alternatives=lambda w: {
            k: v for k, v in WC_FITS[w.name]["alternatives"].items() if k != "second_layer_gabor_niter"
        },
    threads: 1
    resources:
        **cluster_resources("fit_wc_alternative"),
    log:
        "logs/wc/{name}/{method}.log",
    benchmark:
        "results/runtime/wc/{name}/{method}.tsv"
    conda:
        ENV
    script:
        "../scripts/wc_fit_alternatives.py"


rule import_wc:
    input:
        WC_PLAN.authors_files(config),
    output:
        wc="results/wc/authors/distributions.npz",
        summary="results/wc/authors/distributions.json",
        layers="results/wc/authors/distributions.csv",
    params:
        authors=WC_PLAN.authors(config),
        directory=lambda w, input: os.path.dirname(input[0]),
    threads: 1
    log:
        "logs/wc/authors/import.log",
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
        json=expand("results/stats/{name}.json", name=WC_COMPARISON_NAMES),
    params:
        comparisons=WC_COMPARISONS,
        regions=config["scoring"].get("predictivity_regions", ["V1", "V2", "V4", "IT", "behavior"]),
    localrule: True
    log:
        "logs/wc/stats.log",
    conda:
        ENV
    script:
        "../scripts/wc_stats.py"


rule fig2b:
    input:
        wc=WC_FIGURE_FIT or [],
    output:
        [
            report(f, caption="../report/fig2b.rst", category="Figures", labels={"figure": "Fig. 2B"})
            for f in expand("results/figures/fig2b.{ext}", ext=WC_FORMATS)
        ],
    params:
        figure="fig2b",
        **WC_FIGURE_PARAMS,
    localrule: True
    log:
        "logs/figures/fig2b.log",
    conda:
        ENV
    script:
        "../scripts/wc_plot.py"


rule fig2c:
    input:
        scores="results/tables/scores.csv",
        stats="results/tables/wc_stats.csv",
    output:
        [
            report(f, caption="../report/fig2c.rst", category="Figures", labels={"figure": "Fig. 2C"})
            for f in expand("results/figures/fig2c.{ext}", ext=WC_FORMATS)
        ],
    params:
        figure="fig2c",
        **WC_FIGURE_PARAMS,
    localrule: True
    log:
        "logs/figures/fig2c.log",
    conda:
        ENV
    script:
        "../scripts/wc_plot.py"


rule fig7:
    input:
        scores="results/tables/scores.csv",
        stats="results/tables/wc_stats.csv",
    output:
        [
            report(f, caption="../report/fig7.rst", category="Figures", labels={"figure": "Fig. 7"})
            for f in expand("results/figures/fig7.{ext}", ext=WC_FORMATS)
        ],
    params:
        figure="fig7",
        **WC_FIGURE_PARAMS,
    localrule: True
    log:
        "logs/figures/fig7.log",
    conda:
        ENV
    script:
        "../scripts/wc_plot.py"


# Experiment (b): `snakemake --cores 2 wc_authors_test` (not part of `all`). Full-size models: slow on a CPU
# (README "Weight compression" gives the measured cost).
rule wc_authors_test:
    input:
        scores=wc_authors_test_scores,
    output:
        table="results/tables/wc_authors_test.csv",
        json="results/stats/wc_authors_test.json",
        figure=expand("results/figures/wc_authors_test.{ext}", ext=WC_FORMATS),
    params:
        test=WC_PLAN.authors_test(config),
        style={k: v for k, v in config["figures"].items() if k == "dpi"},
    localrule: True
    log:
        "logs/wc/authors_test.log",
    conda:
        ENV
    script:
        "../scripts/wc_stats.py"
