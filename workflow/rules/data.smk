# ImageNet subset manifests (paper Sec. 3): N training images drawn uniformly over the whole train split.


rule manifest:
    output:
        "results/manifests/train_n{images}.tsv",
    params:
        data_root=PLAN.data_root,
        imagenet=PLAN.imagenet,
    resources:
        **PLAN.resources("manifest"),
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
        data_root=PLAN.data_root,
        imagenet=PLAN.imagenet,
    resources:
        **PLAN.resources("manifest_val"),
    log:
        "logs/manifests/val.log",
    benchmark:
        "results/runtime/manifests/val.tsv"
    conda:
        ENV
    script:
        "../scripts/make_manifest_val.py"


rule package_benchmark:
    output:
        "results/benchmarks/{benchmark}.nc",
    params:
        benchmark=lambda w: PLAN.scoring.benchmarks[w.benchmark],
        data_root=PLAN.data_root,
    resources:
        **PLAN.resources("package_benchmark"),
    log:
        "logs/benchmarks/{benchmark}.log",
    benchmark:
        "results/runtime/benchmarks/{benchmark}.tsv"
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
        data_root=PLAN.data_root,
        imagenet_root=PLAN.imagenet["root"],
        short_side=PLAN.speed["cache_short_side"],
    threads: PLAN.resources("cache_images").get("cpus_per_task", 2)  # = the CPUs a cluster job holds
    resources:
        **PLAN.resources("cache_images"),
    log:
        "logs/cache/train_n{images}.log",
    benchmark:
        "results/runtime/cache/train_n{images}.tsv"
    conda:
        ENV
    script:
        "../scripts/cache_images.py"
