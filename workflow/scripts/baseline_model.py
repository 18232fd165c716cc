"""Rule baseline_model: a weightless baseline model (the pixels baseline), stored as a checkpoint so that it is
scored like any model."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from wiringup.runtime import pipeline
from wiringup.nets.checkpoints import save_checkpoint
from wiringup.nets.registry import build_model, count_parameters
from wiringup.core.provenance import Recorder


def main(smk):
    name = smk.wildcards.baseline
    rec = Recorder("baseline_model", {"baseline": name, "model": dict(smk.params.model)})
    config = dict(smk.params.model)  # e.g. {"arch": "pixels", "size": 256} (config scoring.pixels_size)
    model = build_model(**config)
    meta = {"init": None, "seed": None, "variant": "baseline", "baseline": name, "images": 0, "epoch": 0.0,
            "supervised_updates": 0, "synaptic_updates": 0, "trained_parameters": count_parameters(model),
            "total_parameters": count_parameters(model), "provenance": rec.record()}
    save_checkpoint(smk.output[0], model, config, meta)


pipeline.run(snakemake, main)  # noqa: F821
