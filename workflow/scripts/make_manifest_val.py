"""Rule manifest_val: the val split of an ImageNet-layout folder, whole or a uniform subset (imagenet.val_images)."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from wiringup.runtime import pipeline
from wiringup.runtime.jobs import write_manifest


def main(smk):
    write_manifest(smk, "val", smk.params.imagenet["val_images"])


pipeline.run(snakemake, main)  # noqa: F821 - injected by Snakemake
