"""Rule score: one model × one benchmark -> one score JSON (format: README, "Score JSON")."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from wiringup import pipeline
from wiringup.results import score_checkpoint


def main(smk):
    p = smk.params
    score_checkpoint(smk.input.model, smk.output[0], model_id=smk.wildcards.model, benchmark=p.benchmark,
                     data_root=p.data_root, scoring=p.scoring, input_size=p.input_size, threads=smk.threads,
                     assembly=smk.input.get("assembly"), manifest=smk.input.get("manifest"),
                     imagenet_root=p.imagenet_root)


pipeline.run(snakemake, main)  # noqa: F821
