"""Rules manifest / manifest_val: N training images, or the whole val split, of an ImageNet-layout folder."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from wiringup.runtime import pipeline
from wiringup.core.env import resolve_data_path
from wiringup.core.io import write_json
from wiringup.data.manifests import make_manifest
from wiringup.core.provenance import Recorder


def main(smk):
    p = smk.params
    root = resolve_data_path(p.data_root, p.imagenet["root"], "imagenet.root")
    images = getattr(smk.wildcards, "images", None)  # None: the whole val split (rule manifest_val)
    split = "train" if images is not None else "val"
    rec = Recorder(smk.rule, {"imagenet": p.imagenet, "split": split, "images": images})
    if images is None:  # val: the whole split, or a uniform subset (imagenet.val_images)
        n = p.imagenet.get("val_images", "all")
    else:
        n = "all" if images == "all" else int(images)
    summary = make_manifest(root, split, n, int(p.imagenet.get("subset_seed", 0)), smk.output[0],
                            verify=p.imagenet.get("verify_images", True))
    write_json(smk.output[0] + ".prov.json", rec.record(summary=summary, data_root=str(root)))
    print(summary)


pipeline.run(snakemake, main)  # noqa: F821 - injected by Snakemake
