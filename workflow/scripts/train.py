"""Rule train: supervised training of one (variant, images, seed) run, checkpoints at the configured epochs."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from pathlib import Path

from wiringup.runtime import pipeline
from wiringup.core.io import WiringupError
from wiringup.core.env import resolve_data_path, torch_device
from wiringup.nets.checkpoints import load_model
from wiringup.wc.sample import restore_sampled_state
from wiringup.data.images import CachedManifestDataset, ManifestDataset, train_transform
from wiringup.core.io import config_hash, sha256_file, write_json
from wiringup.data.manifests import read_manifest
from wiringup.core.provenance import Recorder
from wiringup.training import Recipe, epoch_label, set_determinism, train


def main(smk):
    p, w = smk.params, smk.wildcards
    set_determinism(smk.threads)
    seed = int(w.seed)
    recipe = Recipe.from_config(p.recipe)
    speed = dict(getattr(p, "speed", None) or {})  # config `speed` (PLAN.speed); rules without it: off
    slice_ = {"recipe": p.recipe, "trained": p.trained, "epochs": p.epochs, "input_size": p.input_size,
              "images": w.images, "seed": seed, **({"speed": speed} if speed else {})}
    rec = Recorder("train", slice_, [smk.input.birth, smk.input.manifest])
    model, birth_meta, model_config = load_model(smk.input.birth)
    # WC models at birth keep their copied BatchNorm statistics fixed (module state, not in the state dict)
    restore_sampled_state(model, birth_meta)
    manifest = read_manifest(smk.input.manifest)
    n_classes = model.decoder.linear.out_features if hasattr(model, "decoder") else None
    if n_classes is not None and len(manifest.classes) != n_classes:
        raise WiringupError(
            f"{smk.input.manifest} has {len(manifest.classes)} classes but the model has {n_classes} outputs; "
            "set model.num_classes to the number of class folders in imagenet.root/train")
    root = resolve_data_path(p.data_root, p.imagenet_root, "imagenet.root")
    cache = getattr(smk.input, "cache", None)  # speed.data_cache: decoded once by rule cache_images
    if cache:
        dataset = CachedManifestDataset(cache, manifest, p.input_size, seed=seed,
                                        manifest_sha256=sha256_file(smk.input.manifest))
    else:
        dataset = ManifestDataset(root, manifest, train_transform(p.input_size), seed=seed)
    outputs = {float(e): Path(path) for e, path in zip(p.epochs, smk.output.checkpoints)}
    for e, path in outputs.items():  # the declared outputs and the configured epochs must line up
        assert path.name == f"epoch_{epoch_label(e)}.pt", (path, e)
    key = config_hash({**slice_, "birth": sha256_file(smk.input.birth), "manifest": sha256_file(smk.input.manifest)})
    # `trained`: the trained-layer set's name (score table column `trained`; "custom" for inline rules)
    meta = {"variant": w.variant, "init": birth_meta.get("init"), "wc_method": birth_meta.get("wc_method"), "trained": p.trained, "images": len(manifest.paths),
            "images_requested": w.images, "input_size": p.input_size}
    summary = train(model, dataset, recipe, outputs, seed=seed, model_config=model_config,
                    meta=meta, resume_dir=Path(p.resume_dir), metrics_path=Path(smk.output.metrics),
                    resume_key=key, num_workers=p.num_workers, device=torch_device(),
                    on_checkpoint=lambda e, m: {**m, "provenance": rec.record(hash_inputs=False)},
                    channels_last=bool(speed.get("channels_last")), amp=bool(speed.get("amp")),
                    compile_model=bool(speed.get("compile")))
    write_json(smk.output.summary, {"variant": w.variant, "init": meta["init"], "trained": p.trained,
                                    "images": meta["images"], "seed": seed, **summary, "provenance": rec.record()})
    print(summary)


pipeline.run(snakemake, main)  # noqa: F821
