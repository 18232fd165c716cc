# The brainscore backend's data: rule prefetch_brainscore fills the Brain-Score (BrainIO) cache once, on the
# submit host (a local rule: the host that reaches the network), before any score job. Every brainscore score job
# reads its marker (an `ancient` input: a later prefetch rescores nothing), and score jobs never download
# (wiringup.scoring.brainscore.offline). The same from a shell:
#   python -m wiringup.scoring.brainscore.prefetch --benchmarks ID [ID ...] --cache-dir DIR


rule prefetch_brainscore:
    output:
        PLAN.scoring.prefetch_marker,  # results/brainscore/prefetch.json: what is cached where
    params:
        **PLAN.scoring.prefetch,  # active brainscore benchmarks, cache_dir, allow_download, imagenet_dir
    localrule: True
    log:
        "logs/brainscore/prefetch.log",
    benchmark:
        "results/runtime/brainscore/prefetch.tsv"
    conda:
        ENV
    script:
        "../scripts/prefetch_brainscore.py"
