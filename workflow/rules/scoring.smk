# One score JSON per model × benchmark, and the tidy table every figure reads.


rule score:
    input:
        model="results/models/{model}.pt",
    output:
        "results/scores/{benchmark}/{model}.json",
    params:
        benchmark=lambda w: BENCHMARKS[w.benchmark],
        data_root=config["data_root"],
        scoring={k: v for k, v in config["scoring"].items() if k != "benchmarks"},
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
        report(
            "results/tables/scores.csv",
            caption="../report/scores.rst",
            category="Tables",
        ),
    log:
        "logs/tables/scores.log",
    conda:
        ENV
    script:
        "../scripts/aggregate_scores.py"
