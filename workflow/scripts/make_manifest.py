"""Rule manifest: draw N training images from an ImageNet-layout folder (wiringup.manifests)."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from wiringup import pipeline
from wiringup.io import write_json
from wiringup.manifests import make_manifest
from wiringup.provenance import Recorder


def main(smk):
    p = smk.params
    root = pipeline.resolve_data_path(p.data_root, p.imagenet["root"], "imagenet.root")
    rec = Recorder("manifest", {"imagenet": p.imagenet, "images": smk.wildcards.images})
    n = smk.wildcards.images if smk.wildcards.images == "all" else int(smk.wildcards.images)
    summary = make_manifest(root, "train", n, int(p.imagenet.get("subset_seed", 0)), smk.output[0],
                            verify=p.imagenet.get("verify_images", True))
    write_json(smk.output[0] + ".prov.json", rec.record(summary=summary, data_root=str(root)))
    print(summary)


pipeline.run(snakemake, main)  # noqa: F821 - injected by Snakemake
