"""Rule wc_authors_test: experiment (b)'s table of every arm (results/tables/wc_authors_test.csv: the per-arm rows
of rule wc_authors_test_stats, comparison wc_authors_test_<arm>) and one figure per arm, KN vs WC sampled from the
authors' files at birth (full-size CORnet-S, both with the arm's BatchNorm treatment) per benchmark, with the
p-values."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
import pandas as pd

from wiringup.core.io import atomic_path
from wiringup.runtime import pipeline
from wiringup.tables import wc_stats as S
from wiringup.report.figures.fig2 import plot_fig2c


def main(smk):
    arms = smk.params.arms
    stats = pd.concat([S.read_stats_table(p) for p in smk.input.tables], ignore_index=True)
    with atomic_path(smk.output.table) as tmp:
        stats.to_csv(tmp, index=False)
    table = S.table_from_score_files(smk.input.scores)
    for arm, t in arms.items():
        outputs = [f for f in smk.output.figure if f.rsplit("/", 1)[-1].rsplit(".", 1)[0] == arm]
        kn, wc = f"KN (full size), BN {t['bn']}", f"WC, authors' files ({t['base_init']}), BN {t['bn']}"
        result = plot_fig2c(table, outputs, stats=stats, inits={kn: t["control"], wc: t["init"]},
                            seeds={kn: t["seeds"], wc: t["seeds"]}, comparison=f"wc_authors_test_{arm}",
                            regions=t["regions"], style=smk.params.style, by="benchmark",
                            title=f"Experiment (b), arm {arm}: full-size CORnet-S at birth, KN vs WC from the "
                                  f"authors' files, BatchNorm {t['bn']}")
        print(f"{arm}: {result.caption}")
        for note in result.notes:
            print("note:", note)


pipeline.run(snakemake, main)  # noqa: F821
