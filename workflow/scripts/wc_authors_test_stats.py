"""Rule wc_authors_test_stats: one arm of experiment (b), full-size WC sampled from the authors' files vs full-size
KN at birth, both with the arm's BatchNorm treatment, from the score JSONs of those models
(results/tables/wc_authors_test/<arm>.csv, results/stats/wc_authors_test/<arm>.json)."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from wiringup.runtime import pipeline
from wiringup.runtime.jobs import print_stats
from wiringup.tables import wc_stats as S
from wiringup.core.provenance import Recorder


def main(smk):
    t = smk.params.test
    name = f"wc_authors_test_{t['arm']}"
    rec = Recorder("wc_authors_test_stats", t, list(smk.input.scores))
    table = S.table_from_score_files(smk.input.scores)
    results = {name: S.compare_groups(table, comparison=name, init_a=t["init"], seeds_a=t["seeds"],
                                      init_b=t["control"], seeds_b=t["seeds"], regions=t["regions"])}
    df = S.write_outputs(results, smk.output.table, {name: smk.output.json},
                         extra={"test": t, "provenance": rec.record()})
    print_stats(df)


pipeline.run(snakemake, main)  # noqa: F821
