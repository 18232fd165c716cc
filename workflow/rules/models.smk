# Models at birth and supervised training with checkpoints at whole and fractional epochs.


# A model at birth: `kn` (Kaiming Normal) or an init of weight_compression.inits (sampled from a WC file, or KN
# with its own model config, e.g. full width); `model` carries the init's model config and, for sampled inits,
# how it is sampled (wiringup.plan.wc.init_model_config; for kn exactly the config's {arch, width, num_classes}).
rule init_model:
    input:
        unpack(init_inputs),
    output:
        "results/models/init/{init}/seed{seed}.pt",
    params:
        model=lambda w: PLAN.wc.init_model_params(w.init),
    resources:
        **PLAN.resources("init_model"),
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
    params:
        model=lambda wildcards: PLAN.scoring.baseline_models[wildcards.baseline],
    log:
        "logs/models/baselines/{baseline}.log",
    benchmark:
        "results/runtime/models/baselines/{baseline}.tsv"
    conda:
        ENV
    script:
        "../scripts/baseline_model.py"


# Training: one rule per checkpoint schedule (PLAN.train_rules: wiringup.plan.experiments.train_schedules, and
# train_transfer). `train` runs the variant of the supervised-updates grid (and every variant with the same
# checkpoint epochs); `train_<experiment>` runs the variants whose checkpoint epochs differ; `train_transfer` the
# transfer variants (config `transfer`, wiringup.plan.transfer; none: a rule that matches nothing). One body, one
# script, the same paths; frozen layers come from the variant's trained-layer set (the optimizer sees only
# trainable parameters).
for _name, _schedule in PLAN.train_rules.items():

    rule:
        name:
            _name
        input:
            unpack(train_inputs),  # + results/cache/train_n{images}.imgcache when speed.data_cache (common.smk)
        output:
            checkpoints=expand(
                "results/models/{{variant}}/n{{images}}_seed{{seed}}/epoch_{label}.pt",
                label=_schedule["labels"],
            ),
            metrics="results/models/{variant}/n{images}_seed{seed}/metrics.csv",
            summary="results/models/{variant}/n{images}_seed{seed}/summary.json",
        wildcard_constraints:
            variant="|".join(_schedule["variants"]) or "(?!)",
        params:
            epochs=_schedule["epochs"],
            recipe=lambda w: PLAN.recipe(w.variant),
            trained=lambda w: PLAN.trained_set(w.variant),
            data_root=PLAN.data_root,
            imagenet_root=PLAN.imagenet["root"],
            input_size=PLAN.input_size,
            num_workers=PLAN.num_workers,
            resume_dir="results/resume/{variant}/n{images}_seed{seed}",
            speed=PLAN.speed,
        threads: PLAN.resources(_name).get("cpus_per_task", 2)  # = the CPUs a cluster job holds
        resources:
            **PLAN.resources(_name),  # config `resources`, e.g. gpu: 1 in config/paper.yaml (the `train` family)
        log:
            "logs/models/{variant}/n{images}_seed{seed}.log",
        benchmark:
            "results/runtime/models/{variant}/n{images}_seed{seed}.tsv"
        conda:
            ENV
        script:
            "../scripts/train.py"
