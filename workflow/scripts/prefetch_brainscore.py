"""Rule prefetch_brainscore: the active brainscore benchmarks' data -> the BrainIO cache, once; writes the marker
every brainscore score job reads (wiringup.scoring.brainscore.prefetch)."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from wiringup.core.io import write_json
from wiringup.runtime import pipeline
from wiringup.scoring.brainscore.prefetch import prefetch


def main(smk):
    p = smk.params
    record = prefetch(p.benchmarks, p.cache_dir, allow_download=p.allow_download, imagenet_dir=p.imagenet_dir)
    write_json(smk.output[0], record)


pipeline.run(snakemake, main)  # noqa: F821
