# ImageNet subset manifests (paper Sec. 3): N training images drawn uniformly over the whole train split.


rule manifest:
    output:
        "results/manifests/train_n{images}.tsv",
    params:
        data_root=config["data_root"],
        imagenet=config["imagenet"],
    resources:
        **cluster_resources("manifest"),
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
    resources:
        **cluster_resources("manifest_val"),
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
    resources:
        **cluster_resources("package_benchmark"),
    log:
        "logs/benchmarks/{benchmark}.log",
    conda:
        ENV
    script:
        "../scripts/package_benchmark.py"


# Speed (config `speed.data_cache`): every image of a training manifest decoded once (and shrunk to
# `speed.cache_short_side`) into one uint8 file that the training jobs read memory-mapped. temp(): deleted once
# every training job of that manifest is done (rebuilt in seconds when one reruns).
rule cache_images:
    input:
        manifest="results/manifests/train_n{images}.tsv",
    output:
        cache=temp("results/cache/train_n{images}.imgcache"),  # + .prov.json beside it (kept)
    params:
        data_root=config["data_root"],
        imagenet_root=config["imagenet"]["root"],
        short_side=SPEED["cache_short_side"],
    threads: 2
    resources:
        **cluster_resources("cache_images"),
    log:
        "logs/cache/train_n{images}.log",
    benchmark:
        "results/runtime/cache/train_n{images}.tsv"
    conda:
        ENV
    script:
        "../scripts/cache_images.py"
