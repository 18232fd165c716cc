# Models at birth and supervised training with checkpoints at whole and fractional epochs.


# A model at birth: `kn` (Kaiming Normal) or an init of weight_compression.inits (sampled from a WC file, or KN
# with its own model config, e.g. full width); `model` carries the init's model config and, for sampled inits,
# how it is sampled (wiringup.plan.wc.init_model_config; for kn exactly model_slice()).
rule init_model:
    input:
        unpack(init_inputs),
    output:
        "results/models/init/{init}/seed{seed}.pt",
    params:
        model=lambda w: init_model_config(w.init),
    resources:
        **cluster_resources("init_model"),
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


# Training: one rule per checkpoint schedule (wiringup.plan.experiments.train_schedules). `train` runs the variant of
# the supervised-updates grid (and every variant with the same checkpoint epochs); `train_<experiment>` runs the
# variants whose checkpoint epochs differ. Same script, same paths; frozen layers come from the variant's
# trained-layer set (the optimizer sees only trainable parameters).
for _name, _schedule in TRAIN_SCHEDULES.items():

    rule:
        name:
            _name
        input:
            unpack(train_cache_input),  # results/cache/train_n{images}.imgcache when speed.data_cache (common.smk)
            birth=lambda w: birth_path(VARIANTS[w.variant]["init"], w.seed),
            manifest="results/manifests/train_n{images}.tsv",
        output:
            checkpoints=expand(
                "results/models/{{variant}}/n{{images}}_seed{{seed}}/epoch_{label}.pt",
                label=_schedule["labels"],
            ),
            metrics="results/models/{variant}/n{images}_seed{seed}/metrics.csv",
            summary="results/models/{variant}/n{images}_seed{seed}/summary.json",
        wildcard_constraints:
            variant="|".join(_schedule["variants"]),
        params:
            epochs=_schedule["epochs"],
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
            **cluster_resources(_name),  # config `resources` (common.smk), e.g. gpu: 1 in config/paper.yaml
        log:
            "logs/models/{variant}/n{images}_seed{seed}.log",
        benchmark:
            "results/runtime/models/{variant}/n{images}_seed{seed}.tsv"
        conda:
            ENV
        script:
            "../scripts/train.py"
