# ImageNet subset manifests (paper Sec. 3): N training images drawn uniformly over the whole train split.


rule manifest:
    output:
        "results/manifests/train_n{images}.tsv",
    params:
        data_root=config["data_root"],
        imagenet=config["imagenet"],
    log:
        "logs/manifests/train_n{images}.log",
    benchmark:
        "results/runtime/manifests/train_n{images}.tsv"
    conda:
        ENV
    script:
        "../scripts/make_manifest.py"


rule manifest_val:
    output:
        "results/manifests/val.tsv",
    params:
        data_root=config["data_root"],
        imagenet=config["imagenet"],
    log:
        "logs/manifests/val.log",
    conda:
        ENV
    script:
        "../scripts/make_manifest.py"


rule package_benchmark:
    output:
        "results/benchmarks/{benchmark}.nc",
    params:
        benchmark=lambda w: BENCHMARKS[w.benchmark],
        data_root=config["data_root"],
    log:
        "logs/benchmarks/{benchmark}.log",
    conda:
        ENV
    script:
        "../scripts/package_benchmark.py"
