"""Rule manifest: N training images (or all) of an ImageNet-layout folder, drawn uniformly over the train split."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from wiringup.runtime import pipeline
from wiringup.runtime.jobs import write_manifest


def main(smk):
    images = smk.wildcards.images
    write_manifest(smk, "train", "all" if images == "all" else int(images), images=images)


pipeline.run(snakemake, main)  # noqa: F821 - injected by Snakemake
