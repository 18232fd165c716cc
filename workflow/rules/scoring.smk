# Score JSONs (one per model × benchmark, written by one job per model) and the tidy table every figure reads.
# The benchmarks, the active backend and the models scored are PLAN.scoring and PLAN.scored_models.


# One job per model writes that model's score JSON for every active benchmark: the model is loaded and torch is
# started once per model, not once per model x benchmark. Changing one benchmark's definition rescores all of a
# model's benchmarks (a few seconds each); adding a benchmark rescores every model.
rule score:
    input:
        model="results/models/{model}.pt",
        **PLAN.scoring.inputs(PLAN.scoring.active),
        prefetch=ancient(PLAN.scoring.prefetched(PLAN.scoring.active)),  # brainscore: the cache is filled first
    output:
        expand("results/scores/{benchmark}/{{model}}.json", benchmark=PLAN.scoring.active),
    wildcard_constraints:
        model=r"(?!baselines/).+",
    params:
        jobs=PLAN.scoring.jobs(PLAN.scoring.active),
        data_root=PLAN.data_root,
        imagenet_root=PLAN.imagenet["root"],
        scoring=PLAN.scoring.slice,
        input_size=lambda w: PLAN.wc.score_input_size(w.model),  # an init's own input size (experiment (b))
    threads: PLAN.resources("score").get("cpus_per_task", 1)  # = the CPUs a cluster job holds
    resources:
        **PLAN.resources("score"),  # config `resources`
    log:
        "logs/scores/{model}.log",
    benchmark:
        "results/runtime/scores/{model}.tsv"
    conda:
        ENV
    script:
        "../scripts/score.py"


# Baselines (the pixels) are scored on the neural benchmarks only: they have no classifier.
use rule score as score_baseline with:
    input:
        model="results/models/baselines/{baseline}.pt",
        **PLAN.scoring.inputs(PLAN.scoring.baseline_benchmarks),
        prefetch=ancient(PLAN.scoring.prefetched(PLAN.scoring.baseline_benchmarks)),
    output:
        expand("results/scores/{benchmark}/baselines/{{baseline}}.json", benchmark=PLAN.scoring.baseline_benchmarks),
    params:
        jobs=PLAN.scoring.jobs(PLAN.scoring.baseline_benchmarks),
        input_size=PLAN.input_size,
    log:
        "logs/scores/baselines/{baseline}.log",
    benchmark:
        "results/runtime/scores/baselines/{baseline}.tsv"


# Experiment (b) (target wc_authors_test): its full-size models at birth are scored at their init's input size
# (224 px) on weight_compression.authors_test.benchmarks (null: every benchmark a baseline gets; never top-1: an
# untrained model's is chance, and at full size it would be most of the job's CPU time). `ruleorder` gives these
# models to this rule; other models keep rule `score`.
use rule score as score_authors_test with:
    input:
        model="results/models/{model}.pt",
        **PLAN.scoring.inputs(PLAN.wc.authors_test["benchmarks"]),
        prefetch=ancient(PLAN.scoring.prefetched(PLAN.wc.authors_test["benchmarks"])),
    output:
        expand("results/scores/{benchmark}/{{model}}.json", benchmark=PLAN.wc.authors_test["benchmarks"]),
    wildcard_constraints:
        model="|".join(re.escape(m) for m in PLAN.wc.authors_test_models),
    params:
        jobs=PLAN.scoring.jobs(PLAN.wc.authors_test["benchmarks"]),


ruleorder: score_authors_test > score


rule aggregate_scores:
    input:
        PLAN.score_files(),
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
        regions=PLAN.scoring.regions,
    log:
        "logs/tables/scores.log",
    benchmark:
        "results/runtime/tables/scores.tsv"
    conda:
        ENV
    script:
        "../scripts/aggregate_scores.py"
