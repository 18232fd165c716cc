"""Rule scorecard: the paper's claims vs the authors' raw scores vs this run → results/scorecard.{md,csv}."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from wiringup.runtime import pipeline
from wiringup.tables.authors import read_tidy
from wiringup.tables.scores import read_score_table
from wiringup.report.scorecard import build_scorecard, describe_scale, write_scorecard


def main(smk):
    p = smk.params
    scale = describe_scale(p.scale)
    card = build_scorecard(read_tidy(smk.input.authors), read_score_table(smk.input.scores), run_scale=scale,
                           missing=p.missing, run_recipe=p.run_recipe, standard_variant=p.standard_variant)
    write_scorecard(card, smk.output.md, smk.output.csv, run_scale=scale)
    print(card[["id", "verdict_authors", "verdict_run"]].to_string(index=False))


pipeline.run(snakemake, main)  # noqa: F821
