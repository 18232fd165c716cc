"""Rules score / score_baseline: one model -> one score JSON per benchmark (format: README, "Score JSON")."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from wiringup.runtime import pipeline
from wiringup.scoring.jobs import score_checkpoint_on


def main(smk):
    p = smk.params
    model_id = smk.wildcards.get("model") or f"baselines/{smk.wildcards.baseline}"
    outputs = {b: next(o for o in smk.output if o.startswith(f"results/scores/{b}/")) for b in p.jobs}
    score_checkpoint_on(smk.input.model, p.jobs, outputs, model_id=model_id, data_root=p.data_root,
                        scoring=p.scoring, input_size=p.input_size, threads=smk.threads,
                        imagenet_root=p.imagenet_root)


pipeline.run(snakemake, main)  # noqa: F821
