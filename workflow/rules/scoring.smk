# One score JSON per model × benchmark, and the tidy table every figure reads.


rule score:
    input:
        unpack(score_inputs),
    output:
        "results/scores/{benchmark}/{model}.json",
    params:
        benchmark=lambda w: BENCHMARKS[w.benchmark],
        data_root=config["data_root"],
        imagenet_root=config["imagenet"]["root"],
        scoring={
            k: v
            for k, v in config["scoring"].items()
            if k not in ("benchmarks", "predictivity_regions", "baselines")
        },
        input_size=config["model"].get("input_size", 224),
    threads: 1
    resources:
        mem_mb=3000,
    log:
        "logs/scores/{benchmark}/{model}.log",
    benchmark:
        "results/runtime/scores/{benchmark}/{model}.tsv"
    conda:
        ENV
    script:
        "../scripts/score.py"


rule aggregate_scores:
    input:
        ALL_SCORES,
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
