# Score JSONs (one per model × benchmark, written by one job per model) and the tidy table every figure reads.


# One job per model writes that model's score JSON for every active benchmark: the model is loaded and torch is
# started once per model, not once per model x benchmark. Changing one benchmark's definition rescores all of a
# model's benchmarks (a few seconds each); adding a benchmark rescores every model.
rule score:
    input:
        model="results/models/{model}.pt",
        **benchmark_inputs(ACTIVE_BENCHMARKS),
    output:
        expand("results/scores/{benchmark}/{{model}}.json", benchmark=ACTIVE_BENCHMARKS),
    wildcard_constraints:
        model=r"(?!baselines/).+",
    params:
        jobs=score_jobs(ACTIVE_BENCHMARKS),
        data_root=config["data_root"],
        imagenet_root=config["imagenet"]["root"],
        scoring=scoring_slice(),
        input_size=score_input_size,
    threads: 1
    resources:
        **cluster_resources("score"),  # config `resources` (common.smk)
    log:
        "logs/scores/{model}.log",
    benchmark:
        "results/runtime/scores/{model}.tsv"
    conda:
        ENV
    script:
        "../scripts/score.py"


# Baselines (the pixels) are scored on the neural benchmarks only: they have no classifier.
rule score_baseline:
    input:
        model="results/models/baselines/{baseline}.pt",
        **benchmark_inputs(BASELINE_BENCHMARKS),
    output:
        expand("results/scores/{benchmark}/baselines/{{baseline}}.json", benchmark=BASELINE_BENCHMARKS),
    params:
        jobs=score_jobs(BASELINE_BENCHMARKS),
        data_root=config["data_root"],
        imagenet_root=config["imagenet"]["root"],
        scoring=scoring_slice(),
        input_size=config["model"].get("input_size", 224),
    threads: 1
    resources:
        **cluster_resources("score"),  # config `resources` (common.smk)
    log:
        "logs/scores/baselines/{baseline}.log",
    benchmark:
        "results/runtime/scores/baselines/{baseline}.tsv"
    conda:
        ENV
    script:
        "../scripts/score.py"


# Experiment (b) (target wc_authors_test): its full-size models at birth are scored on the neural benchmarks only,
# at their init's input size (224 px): ImageNet top-1 of an untrained model is chance, and at full size it would be
# most of the job's CPU time. `ruleorder` gives these models to this rule; other models keep rule `score`.
AUTHORS_TEST_MODELS = WC_PLAN.authors_test_models(config)


use rule score as score_authors_test with:
    input:
        model="results/models/{model}.pt",
        **benchmark_inputs(BASELINE_BENCHMARKS),
    output:
        expand("results/scores/{benchmark}/{{model}}.json", benchmark=BASELINE_BENCHMARKS),
    wildcard_constraints:
        model="|".join(re.escape(m) for m in AUTHORS_TEST_MODELS),
    params:
        jobs=score_jobs(BASELINE_BENCHMARKS),


ruleorder: score_authors_test > score


rule aggregate_scores:
    input:
        all_scores,
    output:
        scores=report(
            "results/tables/scores.csv",
            caption="../report/scores.rst",
            category="Tables",
        ),
        predictivity=report(
            "results/tables/brain_predictivity.csv",
            caption="../report/brain_predictivity.rst",
            category="Tables",
        ),
    params:
        regions=config["scoring"].get("predictivity_regions", ["V1", "V2", "V4", "IT", "behavior"]),
    log:
        "logs/tables/scores.log",
    conda:
        ENV
    script:
        "../scripts/aggregate_scores.py"
