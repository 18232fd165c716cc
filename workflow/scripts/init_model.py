"""Rule init_model: a model at birth (epoch 0, seeded): Kaiming Normal, or sampled from a WC file; then its BatchNorm
treatment (params model.bn, wiringup.wc.bn; experiment (b)'s arms)."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from wiringup.runtime import pipeline
from wiringup.core.io import WiringupError
from wiringup.nets.checkpoints import save_checkpoint
from wiringup.nets.registry import build_model, count_parameters
from wiringup.core.provenance import Recorder


def main(smk):
    init, seed = smk.wildcards.init, int(smk.wildcards.seed)
    config = dict(smk.params.model)
    sampling = config.pop("sampling", None)
    bn = config.pop("bn", None)   # a BatchNorm treatment other than none (wiringup.plan.wc.bn_params)
    inputs = ([smk.input.wc] if sampling else []) + ([smk.input.manifest] if bn and bn.get("manifest") else [])
    rec = Recorder("init_model", {"model": smk.params.model, "init": init, "seed": seed}, inputs)
    extra = {}
    if sampling is None:  # Kaiming Normal (kn, or a KN init with its own model config)
        model = build_model(seed=seed, **config)
    else:  # sampled from a WC file (Weight Compression or a Fig. 7 alternative)
        from wiringup.wc.distributions import load_wc
        from wiringup.wc.sample import sample_model, sampled_meta

        wc = load_wc(smk.input.wc)
        if wc.compression != sampling["method"]:
            raise WiringupError(f"{smk.input.wc} holds the {wc.compression!r} compression, but init "
                                         f"{init!r} asks for {sampling['method']!r}")
        model = sample_model(wc, seed=seed, width=config["width"], arch=config["arch"],
                             num_classes=config["num_classes"], copy_bn_stats=sampling["copy_bn_stats"],
                             zero_noise_1x1=sampling["zero_noise_1x1"], default_bn=sampling["default_bn"],
                             gabor_clip_to_bounds=sampling["gabor_clip_to_bounds"])
        extra = sampled_meta(wc, smk.input.wc, model)
        print(f"sampled {init!r} ({wc.compression}) from {smk.input.wc}: {extra['wc_parameter_count']} numbers "
              f"(authors' rule), switches {extra['wc_sampler']}, {len(extra['bn_frozen_running_stats'])} BatchNorm "
              "layers with copied, frozen running statistics")
    from wiringup.wc.bn import apply_bn_treatment, bn_summary

    batches, images_info = None, None
    if bn and bn["mode"] == "reestimate":
        from wiringup.core.env import resolve_data_path
        from wiringup.wc.bn import manifest_batches

        root = resolve_data_path(bn["data_root"], bn["imagenet_root"], "imagenet.root")
        batches, images_info = manifest_batches(smk.input.manifest, root, images=bn["images"],
                                                input_size=bn["input_size"], batch_size=bn["batch_size"])
    extra.update(apply_bn_treatment(model, bn, batches=batches, images_info=images_info))
    print(f"BatchNorm treatment {extra['bn_treatment']['mode']!r}: {bn_summary(model)}")
    counts = count_parameters(model)
    meta = {"init": init, "seed": seed, "variant": None, "images": 0, "epoch": 0.0, "epoch_label": "00",
            "step": 0, "images_seen": 0, "supervised_updates": 0, "synaptic_updates": 0,
            "trained_parameters": {k: 0 for k in counts}, "total_parameters": counts, **extra}
    meta["provenance"] = rec.record()
    save_checkpoint(smk.output[0], model, config, meta)
    print(counts)


pipeline.run(snakemake, main)  # noqa: F821
