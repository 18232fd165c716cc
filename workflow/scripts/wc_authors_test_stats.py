"""Rule wc_authors_test_stats: experiment (b), the authors' full-size WC vs full-size KN at birth, from the score
JSONs of those models (results/tables/wc_authors_test.csv, results/stats/wc_authors_test.json)."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from wiringup.runtime import pipeline
from wiringup.runtime.jobs import print_stats
from wiringup.tables import wc_stats as S
from wiringup.core.provenance import Recorder

NAME = "wc_authors_test"


def main(smk):
    t = smk.params.test
    rec = Recorder("wc_authors_test_stats", t, list(smk.input.scores))
    table = S.table_from_score_files(smk.input.scores)
    results = {NAME: S.compare_groups(table, comparison=NAME, init_a=t["init"], seeds_a=t["seeds"],
                                      init_b=t["control"], seeds_b=t["seeds"], regions=t["regions"])}
    df = S.write_outputs(results, smk.output.table, {NAME: smk.output.json},
                         extra={"test": t, "provenance": rec.record()})
    print_stats(df)


pipeline.run(snakemake, main)  # noqa: F821
