"""Rule cache_images: decode every image of a training manifest once into a uint8 cache (config speed.data_cache)."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables

from wiringup.runtime import pipeline
from wiringup.core.env import resolve_data_path
from wiringup.data.images import build_image_cache
from wiringup.core.io import sha256_file, write_json
from wiringup.data.manifests import read_manifest
from wiringup.core.provenance import Recorder


def main(smk):
    p = smk.params
    rec = Recorder("cache_images", {"short_side": p.short_side, "imagenet_root": p.imagenet_root}, [smk.input.manifest])
    root = resolve_data_path(p.data_root, p.imagenet_root, "imagenet.root")
    manifest = read_manifest(smk.input.manifest)
    summary = build_image_cache(root, manifest, smk.output.cache, short_side=p.short_side,
                                manifest_sha256=sha256_file(smk.input.manifest), workers=smk.threads, progress=True)
    write_json(smk.output.cache + ".prov.json", rec.record(summary=summary, data_root=str(root)))
    print(summary)


pipeline.run(snakemake, main)  # noqa: F821 - injected by Snakemake
