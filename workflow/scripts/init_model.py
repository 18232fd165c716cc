"""Rules init_model (a model at birth, epoch 0, seeded) and baseline_model (the pixels baseline)."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from wiringup import pipeline
from wiringup.checkpoints import save_checkpoint
from wiringup.models import build_model, count_parameters
from wiringup.provenance import Recorder


def main(smk):
    if smk.rule == "baseline_model":
        return baseline(smk)
    init, seed = smk.wildcards.init, int(smk.wildcards.seed)
    if init != "kn":
        raise pipeline.WiringupError(f"unknown init {init!r}; known: kn (Kaiming Normal)")
    rec = Recorder("init_model", {"model": smk.params.model, "init": init, "seed": seed})
    model = build_model(seed=seed, **smk.params.model)
    counts = count_parameters(model)
    meta = {"init": init, "seed": seed, "variant": None, "images": 0, "epoch": 0.0, "epoch_label": "00",
            "step": 0, "images_seen": 0, "supervised_updates": 0, "synaptic_updates": 0,
            "trained_parameters": {k: 0 for k in counts}, "total_parameters": counts}
    meta["provenance"] = rec.record()
    save_checkpoint(smk.output[0], model, smk.params.model, meta)
    print(counts)


def baseline(smk):
    """A weightless baseline model (the pixels baseline), stored as a checkpoint so it is scored like any model."""
    name = smk.wildcards.baseline
    rec = Recorder("baseline_model", {"baseline": name})
    config = {"arch": name}
    model = build_model(**config)
    meta = {"init": None, "seed": None, "variant": "baseline", "baseline": name, "images": 0, "epoch": 0.0,
            "supervised_updates": 0, "synaptic_updates": 0, "trained_parameters": count_parameters(model),
            "total_parameters": count_parameters(model), "provenance": rec.record()}
    save_checkpoint(smk.output[0], model, config, meta)


pipeline.run(snakemake, main)  # noqa: F821
