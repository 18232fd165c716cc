# Transfer of WC+CT to ResNet-50 and MobileNet v1 (paper Sec. 7, App. D, Fig. 5; wiringup.wc.transfer).
#   transfer_init        results/models/init/<arch>_{kn,wc}/seed{S}.pt: KN (default init) or WC sampled through the
#                        paper's layer mapping from results/wc/<transfer.wc>/distributions.npz (rule fit_wc for this
#                        run's own fit, import_wc for the authors' files); ruleorder over init_model
#   train_transfer       (models.smk, a training rule like `train`) the transfer variants (config `variants`:
#                        <arch>_standard, <arch>_kn_ct, <arch>_wc_ct) with checkpoints at transfer.epochs
#   transfer_parameters  results/tables/transfer_parameters.csv: total / conv / CT counts, both conventions
#   fig5                 results/figures/{view}fig5.{ext}: A transfer (standard vs WC+CT), B KN/WC/KN+CT/WC+CT
# The plan (architectures, widths, variants, models scored, checks) is PLAN.transfer (wiringup.plan.transfer).


ruleorder: transfer_init > init_model


rule transfer_init:
    input:
        wc=lambda w: [PLAN.transfer.wc_file] if w.tkind == "wc" else [],
    output:
        "results/models/init/{tarch}_{tkind}/seed{seed}.pt",
    wildcard_constraints:
        tarch="|".join(PLAN.transfer.known_archs),
        tkind="|".join(PLAN.transfer.init_kinds),
    params:
        model=lambda w: PLAN.transfer.model(w.tarch),
        sampling=lambda w: PLAN.transfer.sampling_of(w.tkind),
    log:
        "logs/models/init/{tarch}_{tkind}/seed{seed}.log",
    benchmark:
        "results/runtime/models/init/{tarch}_{tkind}/seed{seed}.tsv"
    conda:
        ENV
    script:
        "../scripts/transfer_init.py"


rule transfer_parameters:
    output:
        report(
            "results/tables/transfer_parameters.csv",
            caption="../report/transfer_parameters.rst",
            category="Tables",
        ),
    params:
        archs=PLAN.transfer_parameter_archs(),
        num_classes=PLAN.model["num_classes"],
    localrule: True
    log:
        "logs/tables/transfer_parameters.log",
    benchmark:
        "results/runtime/tables/transfer_parameters.tsv"
    conda:
        ENV
    script:
        "../scripts/transfer_parameters.py"


# Fig. 5 per figure source (figures.sources; wiringup.plan.figures.SOURCES), as the table figures of figures.smk
rule fig5:
    input:
        tables=source_tables,
        parameters="results/tables/transfer_parameters.csv",
    output:
        [
            report(
                f,
                caption="../report/fig5.rst",
                category="Figures",
                subcategory=source_name,
                labels={"figure": "Fig. 5"},
            )
            for f in expand("results/figures/{{view}}fig5.{ext}", ext=PLAN.figures.formats)
        ],
    wildcard_constraints:
        view=PLAN.figures.view_pattern,
    params:
        **PLAN.fig5_params(),
    localrule: True
    log:
        "logs/figures/{view}fig5.log",
    benchmark:
        "results/runtime/figures/{view}fig5.tsv"
    conda:
        ENV
    script:
        "../scripts/transfer_fig5.py"
