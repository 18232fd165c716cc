# Models at birth and supervised training with checkpoints at whole and fractional epochs.


rule init_model:
    output:
        "results/models/init/{init}/seed{seed}.pt",
    params:
        model=model_slice(),
    log:
        "logs/models/init/{init}/seed{seed}.log",
    benchmark:
        "results/runtime/models/init/{init}/seed{seed}.tsv"
    conda:
        ENV
    script:
        "../scripts/init_model.py"


rule baseline_model:
    output:
        "results/models/baselines/{baseline}.pt",
    log:
        "logs/models/baselines/{baseline}.log",
    conda:
        ENV
    script:
        "../scripts/init_model.py"


rule train:
    input:
        birth=lambda w: birth_path(VARIANTS[w.variant]["init"], w.seed),
        manifest="results/manifests/train_n{images}.tsv",
    output:
        checkpoints=expand(
            "results/models/{{variant}}/n{{images}}_seed{{seed}}/epoch_{label}.pt",
            label=TRAIN_EPOCH_LABELS,
        ),
        metrics="results/models/{variant}/n{images}_seed{seed}/metrics.csv",
        summary="results/models/{variant}/n{images}_seed{seed}/summary.json",
    params:
        epochs=TRAIN_EPOCHS,
        recipe=lambda w: recipe(w.variant),
        data_root=config["data_root"],
        imagenet_root=config["imagenet"]["root"],
        input_size=config["model"].get("input_size", 224),
        num_workers=config["training"].get("num_workers", 0),
        resume_dir="results/resume/{variant}/n{images}_seed{seed}",
    threads: 2
    resources:
        mem_mb=4000,
    log:
        "logs/models/{variant}/n{images}_seed{seed}.log",
    benchmark:
        "results/runtime/models/{variant}/n{images}_seed{seed}.tsv"
    conda:
        ENV
    script:
        "../scripts/train.py"
