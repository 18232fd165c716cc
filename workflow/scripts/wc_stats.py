"""Rule wc_stats: each init at birth vs the control (KN), from results/tables/scores.csv (Fig. 2C, 7)."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from pathlib import Path

from wiringup.runtime import pipeline
from wiringup.runtime.jobs import print_stats
from wiringup.tables import wc_stats as S
from wiringup.core.provenance import Recorder
from wiringup.tables.scores import read_score_table


def main(smk):
    rec = Recorder("wc_stats", {"comparisons": smk.params.comparisons, "regions": smk.params.regions},
                   [smk.input.scores])
    table = read_score_table(smk.input.scores)
    results = S.run_comparisons(table, smk.params.comparisons, regions=smk.params.regions)
    paths = {Path(p).stem: p for p in smk.output.json}
    df = S.write_outputs(results, smk.output.table, paths, extra={"provenance": rec.record()})
    print_stats(df)


pipeline.run(snakemake, main)  # noqa: F821
