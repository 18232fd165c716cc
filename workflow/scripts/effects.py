"""Rule effects: each named effect of config key `effects` over seeds, from results/tables/scores.csv."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from pathlib import Path

from wiringup.core.provenance import Recorder
from wiringup.runtime import pipeline
from wiringup.runtime.jobs import print_stats
from wiringup.tables import effects as EF
from wiringup.tables.scores import read_score_table


def main(smk):
    rec = Recorder("effects", {"effects": smk.params.effects}, [smk.input.scores])
    table = read_score_table(smk.input.scores)
    paths = {Path(p).stem: p for p in smk.output.json}
    df = EF.run(table, smk.params.effects, smk.output.table, paths, extra={"provenance": rec.record()})
    print_stats(df.rename(columns={"effect": "comparison"}))


pipeline.run(snakemake, main)  # noqa: F821
