"""Rule aggregate_scores: every score JSON -> the tidy score table and the brain-predictivity table."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from wiringup.runtime import pipeline
from wiringup.core.io import atomic_path
from wiringup.tables.scores import brain_predictivity, write_score_table


def main(smk):
    table = write_score_table(list(smk.input), smk.output.scores)
    bp = brain_predictivity(table, smk.params.regions)
    with atomic_path(smk.output.predictivity) as tmp:
        bp.to_csv(tmp, index=False)
    print(f"{len(table)} rows -> {smk.output.scores}; {len(bp)} models -> {smk.output.predictivity}")


pipeline.run(snakemake, main)  # noqa: F821
