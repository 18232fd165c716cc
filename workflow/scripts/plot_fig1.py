"""Rule fig1: Fig. 1 (score vs supervised updates, vs epochs, vs images) from the tidy score table."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from wiringup import pipeline
from wiringup.figures import plot_fig1
from wiringup.results import read_score_table


def main(smk):
    plot_fig1(read_score_table(smk.input.scores), list(smk.output), experiment=smk.params.experiment,
              style=smk.params.style, regions=smk.params.regions)


pipeline.run(snakemake, main)  # noqa: F821
