# Figures read only the tidy score table, never checkpoints: a style change reruns only these rules.

FIGURE_FORMATS = config["figures"].get("formats", ["png", "pdf"])
FIGURE_FILES += expand("results/figures/fig1.{ext}", ext=FIGURE_FORMATS)


rule fig1:
    input:
        scores="results/tables/scores.csv",
    output:
        [
            report(f, caption="../report/fig1.rst", category="Figures")
            for f in expand("results/figures/fig1.{ext}", ext=FIGURE_FORMATS)
        ],
    params:
        experiment=SUPERVISED,
        regions=config["scoring"].get("predictivity_regions", ["V1", "V2", "V4", "IT", "behavior"]),
        style=config["figures"],
    localrule: True
    log:
        "logs/figures/fig1.log",
    conda:
        ENV
    script:
        "../scripts/plot_fig1.py"


rule figures:
    input:
        FIGURE_FILES,
    localrule: True
