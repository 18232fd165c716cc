# Transfer of WC+CT to ResNet-50 and MobileNet v1 (paper Sec. 7, App. D, Fig. 5; wiringup.wc.transfer).
#   transfer_init        results/models/init/<arch>_{kn,wc}/seed{S}.pt: KN (default init) or WC sampled through the
#                        paper's layer mapping from results/wc/<transfer.wc>/distributions.npz (rule fit_wc for this
#                        run's own fit, import_wc for the authors' files); ruleorder over init_model
#   train_transfer       the transfer variants (config `variants`: <arch>_standard, <arch>_kn_ct, <arch>_wc_ct) with
#                        checkpoints at transfer.epochs, same script as `train`
#   transfer_parameters  results/tables/transfer_parameters.csv: total / conv / CT counts, both conventions
#   fig5                 results/figures/{view}fig5.{ext}: A transfer (standard vs WC+CT), B KN/WC/KN+CT/WC+CT
TRANSFER = config.get("transfer") or {}
TRANSFER_ARCHS = {a: float((TRANSFER.get("width") or {}).get(a, 1.0)) for a in TRANSFER.get("archs") or []}
TRANSFER_SEEDS = TRANSFER.get("seeds", [0])
TRANSFER_EPOCHS = sorted({float(e) for e in TRANSFER.get("epochs", []) if float(e) > 0})
TRANSFER_LABELS = [epoch_label(e) for e in TRANSFER_EPOCHS]
TRANSFER_WC = f"results/wc/{TRANSFER.get('wc', 'run')}/distributions.npz"
# variant <arch>_<kind> -> kind (standard | kn_ct | wc_ct): the rows of Fig. 5
TRANSFER_VARIANT_KINDS = {f"{a}_{k}": k for a in TRANSFER_ARCHS for k in TRANSFER.get("variants", [])}
for _v, _k in TRANSFER_VARIANT_KINDS.items():
    _arch = _v[: -len(_k) - 1]
    _init = f"{_arch}_{'wc' if _k == 'wc_ct' else 'kn'}"
    if _v not in VARIANTS:
        raise ValueError(f"config key transfer.variants: {_k!r} needs the variant {_v!r} in `variants` "
                         f"(init {_init}; see config/config.yaml)")
    if VARIANTS[_v]["init"] != _init:
        raise ValueError(f"config key variants.{_v}.init: {VARIANTS[_v]['init']!r}, expected {_init!r}")
_wc_name = TRANSFER.get("wc", "run")
if (TRANSFER_ARCHS and ("wc" in TRANSFER.get("at_birth", []) or "wc_ct" in TRANSFER.get("variants", []))
        and _wc_name != "authors" and _wc_name not in (globals().get("WC_FITS") or {})):
    raise ValueError(f"config key transfer.wc: {_wc_name!r} is neither `authors` nor a fit of "
                     f"weight_compression.fits ({sorted(globals().get('WC_FITS') or {})})")
TRANSFER_MODELS = [
    f"init/{a}_{k}/seed{s}" for a in TRANSFER_ARCHS for k in TRANSFER.get("at_birth", []) for s in TRANSFER_SEEDS
] + [
    f"{v}/n{TRANSFER.get('images', 'all')}_seed{s}/epoch_{lab}"
    for v in TRANSFER_VARIANT_KINDS
    for s in TRANSFER_SEEDS
    for lab in TRANSFER_LABELS
]
SCORED_MODELS += TRANSFER_MODELS
# Fig. 5 per view of `figures.sources` (as the table figures of figures.smk: "" = this run, authors/ ...)
TRANSFER_VIEWS = {"run": "", "authors": "authors/", "authors_public": "authors_public/", "overlay": "overlay/"}
TRANSFER_VIEW_TABLES = {
    "": ["results/tables/scores.csv"],
    "authors/": ["results/tables/authors_private.csv"],
    "authors_public/": ["results/tables/authors_public.csv"],
    "overlay/": ["results/tables/scores.csv", "results/tables/authors_private.csv"],
}
TRANSFER_FIG_FORMATS = config["figures"].get("formats", ["png", "pdf"])
if TRANSFER_ARCHS:
    TARGETS += ["results/tables/transfer_parameters.csv"]
    FIGURE_FILES += expand(
        "results/figures/{view}fig5.{ext}",
        view=[TRANSFER_VIEWS[s] for s in config["figures"].get("sources", ["run"])],
        ext=TRANSFER_FIG_FORMATS,
    )


ruleorder: transfer_init > init_model


rule transfer_init:
    input:
        wc=lambda w: [TRANSFER_WC] if w.tkind == "wc" else [],
    output:
        "results/models/init/{tarch}_{tkind}/seed{seed}.pt",
    wildcard_constraints:
        tarch="resnet50|mobilenet_v1",
        tkind="kn|wc",
    params:
        model=lambda w: {
            "arch": w.tarch,
            "width": TRANSFER_ARCHS.get(w.tarch, float((TRANSFER.get("width") or {}).get(w.tarch, 1.0))),
            "num_classes": config["model"].get("num_classes", 1000),
        },
        sampling=lambda w: TRANSFER.get("sampling", {}) if w.tkind == "wc" else {},
    log:
        "logs/models/init/{tarch}_{tkind}/seed{seed}.log",
    benchmark:
        "results/runtime/models/init/{tarch}_{tkind}/seed{seed}.tsv"
    conda:
        ENV
    script:
        "../scripts/transfer_init.py"


rule train_transfer:
    input:
        unpack(train_cache_input),  # as the training rules of models.smk (speed.data_cache)
        birth=lambda w: birth_path(VARIANTS[w.variant]["init"], w.seed),
        manifest="results/manifests/train_n{images}.tsv",
    output:
        checkpoints=expand(
            "results/models/{{variant}}/n{{images}}_seed{{seed}}/epoch_{label}.pt", label=TRANSFER_LABELS
        ),
        metrics="results/models/{variant}/n{images}_seed{seed}/metrics.csv",
        summary="results/models/{variant}/n{images}_seed{seed}/summary.json",
    wildcard_constraints:
        variant="|".join(TRANSFER_VARIANT_KINDS) or "(?!)",
    params:
        epochs=TRANSFER_EPOCHS,
        recipe=lambda w: recipe(w.variant),
        trained=lambda w: trained_set(w.variant),
        data_root=config["data_root"],
        imagenet_root=config["imagenet"]["root"],
        input_size=config["model"].get("input_size", 224),
        num_workers=config["training"].get("num_workers", 0),
        resume_dir="results/resume/{variant}/n{images}_seed{seed}",
        speed=speed_slice(),
    threads: 2
    resources:
        **cluster_resources("train_transfer"),  # config `resources` (common.smk): the `train` family
    log:
        "logs/models/{variant}/n{images}_seed{seed}.log",
    benchmark:
        "results/runtime/models/{variant}/n{images}_seed{seed}.tsv"
    conda:
        ENV
    script:
        "../scripts/train.py"


rule transfer_parameters:
    output:
        report(
            "results/tables/transfer_parameters.csv",
            caption="../report/transfer_parameters.rst",
            category="Tables",
        ),
    params:
        archs={"cornet_s": float(config["model"].get("width", 1.0)), **TRANSFER_ARCHS},
        num_classes=config["model"].get("num_classes", 1000),
    localrule: True
    log:
        "logs/tables/transfer_parameters.log",
    conda:
        ENV
    script:
        "../scripts/transfer_parameters.py"


rule fig5:
    input:
        tables=lambda w: TRANSFER_VIEW_TABLES[w.view],
        parameters="results/tables/transfer_parameters.csv",
    output:
        [
            report(
                f,
                caption="../report/fig5.rst",
                category="Figures",
                subcategory=lambda w: {v: k for k, v in TRANSFER_VIEWS.items()}[w.view],
                labels={"figure": "Fig. 5"},
            )
            for f in expand("results/figures/{{view}}fig5.{ext}", ext=TRANSFER_FIG_FORMATS)
        ],
    wildcard_constraints:
        view=r"(authors/|authors_public/|overlay/)?",
    params:
        style={k: v for k, v in config["figures"].items() if k == "dpi"},
        missing=config.get("authors", {}).get("missing", "nan"),
        run_recipe={k: config["training"].get(k) for k in ("optimizer", "lr", "weight_decay")},
        standard_variant=SUPERVISED["variant"],
        variant_kinds=TRANSFER_VARIANT_KINDS,
        num_classes=config["model"].get("num_classes", 1000),
        regions=config["scoring"].get("predictivity_regions", ["V1", "V2", "V4", "IT", "behavior"]),
    localrule: True
    log:
        "logs/figures/{view}fig5.log",
    conda:
        ENV
    script:
        "../scripts/transfer_fig5.py"
