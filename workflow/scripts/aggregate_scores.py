"""Rule aggregate_scores: every score JSON -> one tidy CSV table (format: README, "Score table")."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from wiringup import pipeline
from wiringup.results import write_score_table


def main(smk):
    table = write_score_table(list(smk.input), smk.output[0])
    print(f"{len(table)} rows -> {smk.output[0]}")


pipeline.run(snakemake, main)  # noqa: F821
