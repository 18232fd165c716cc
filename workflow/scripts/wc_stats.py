"""Rules wc_stats (each init at birth vs KN, from results/tables/scores.csv) and wc_authors_test (experiment (b):
the authors' full-size WC vs full-size KN at birth, from the score JSONs of those models)."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from pathlib import Path

from wiringup.runtime import pipeline
from wiringup.tables import wc_stats as S
from wiringup.core.provenance import Recorder
from wiringup.tables.scores import read_score_table


def main(smk):
    if smk.rule == "wc_authors_test":
        return authors_test(smk)
    rec = Recorder("wc_stats", {"comparisons": smk.params.comparisons, "regions": smk.params.regions},
                   [smk.input.scores])
    table = read_score_table(smk.input.scores)
    results = S.run_comparisons(table, smk.params.comparisons, regions=smk.params.regions)
    paths = {Path(p).stem: p for p in smk.output.json}
    df = S.write_outputs(results, smk.output.table, paths, extra={"provenance": rec.record()})
    show(df)


def authors_test(smk):
    t = smk.params.test
    rec = Recorder("wc_authors_test", t, list(smk.input.scores))
    table = S.table_from_score_files(smk.input.scores)
    name = "wc_authors_test"
    results = {name: S.compare_groups(table, comparison=name, init_a=t["init"], seeds_a=t["seeds"],
                                      init_b=t["control"], seeds_b=t["seeds"], regions=t["regions"])}
    df = S.write_outputs(results, smk.output.table, {name: smk.output.json},
                         extra={"test": t, "provenance": rec.record()})
    show(df)
    from wiringup.report.figures.fig2 import plot_fig2c

    plot_fig2c(table, list(smk.output.figure), stats=df, inits={"KN (full size)": t["control"],
                                                                 "WC, authors' files": t["init"]},
               seeds={"KN (full size)": t["seeds"], "WC, authors' files": t["seeds"]}, comparison=name,
               regions=t["regions"], style=smk.params.style, by="benchmark",
               title="Experiment (b): full-size CORnet-S at birth, KN vs WC sampled from the authors' files")


def show(df):
    cols = ["comparison", "level", "region", "n_a", "mean_a", "sem_a", "n_b", "mean_b", "sem_b", "welch_p",
            "permutation_p", "hedges_g"]
    print(df[cols].to_string(index=False))


pipeline.run(snakemake, main)  # noqa: F821
