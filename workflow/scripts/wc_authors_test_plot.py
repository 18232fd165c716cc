"""Rule wc_authors_test: experiment (b)'s figure, KN vs WC sampled from the authors' files at birth (full-size
CORnet-S) per benchmark, with the p-values of rule wc_authors_test_stats."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from wiringup.runtime import pipeline
from wiringup.tables import wc_stats as S
from wiringup.report.figures.fig2 import plot_fig2c

KN, WC = "KN (full size)", "WC, authors' files"


def main(smk):
    t = smk.params.test
    table = S.table_from_score_files(smk.input.scores)
    result = plot_fig2c(table, list(smk.output.figure), stats=S.read_stats_table(smk.input.table),
                        inits={KN: t["control"], WC: t["init"]}, seeds={KN: t["seeds"], WC: t["seeds"]},
                        comparison="wc_authors_test", regions=t["regions"], style=smk.params.style, by="benchmark",
                        title="Experiment (b): full-size CORnet-S at birth, KN vs WC sampled from the authors' files")
    print(result.caption)
    for note in result.notes:
        print("note:", note)


pipeline.run(snakemake, main)  # noqa: F821
