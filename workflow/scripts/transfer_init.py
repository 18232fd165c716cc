"""Rule transfer_init: a ResNet-50 / MobileNet v1 at birth, KN (the architecture's default init) or WC (sampled
from CORnet-S WC distributions through the paper's layer mapping; wiringup.wc.transfer)."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from wiringup.runtime import pipeline
from wiringup.nets.checkpoints import save_checkpoint
from wiringup.core.io import sha256_file
from wiringup.nets.registry import build_model, count_parameters
from wiringup.core.provenance import Recorder
from wiringup.plan.transfer import init_name
from wiringup.wc.transfer import MAPPING_NAMES, sample_transfer_model
from wiringup.wc.distributions import load_wc


def main(smk):
    w, p = smk.wildcards, smk.params
    arch, kind, seed = w.tarch, w.tkind, int(w.seed)
    name = init_name(arch, kind)
    inputs = list(smk.input.wc) if kind == "wc" else []
    rec = Recorder("transfer_init", {"model": p.model, "init": name, "seed": seed, "sampling": p.sampling}, inputs)
    if kind == "kn":
        model = build_model(seed=seed, **p.model)
        transfer = {"init": "kn", "description": f"{arch} default Kaiming-normal init (fan-out), seed {seed}"}
    else:
        wc = load_wc(inputs[0])
        model = sample_transfer_model(wc, arch, seed, width=p.model["width"], num_classes=p.model["num_classes"],
                                      **p.sampling)
        transfer = {"init": "wc", "mapping": MAPPING_NAMES[arch], "wc_file": inputs[0],
                    "wc_sha256": sha256_file(inputs[0]), "wc_source": wc.source.get("kind"),
                    **model.wiringup_transfer}
    counts = count_parameters(model)
    meta = {"init": kind, "init_name": name, "arch": arch, "seed": seed, "variant": None, "trained": None,
            "images": 0, "epoch": 0.0, "epoch_label": "00", "step": 0, "images_seen": 0, "supervised_updates": 0,
            "synaptic_updates": 0, "trained_parameters": {k: 0 for k in counts}, "total_parameters": counts,
            "transfer": transfer}
    meta["provenance"] = rec.record()
    save_checkpoint(smk.output[0], model, p.model, meta)
    print(name, seed, counts)


pipeline.run(snakemake, main)  # noqa: F821
