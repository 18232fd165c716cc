"""Rules fig1, fig3, fig4, fig6, fig8, fig9: one paper figure from one or more tidy score tables.

The tables are this run's results/tables/scores.csv and/or the authors' results/tables/authors_<db>.csv; they are
concatenated (column `source` tells them apart) and drawn by wiringup.report.figures.<figure>.
"""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables

from wiringup.runtime import pipeline
from wiringup.report.figures import TABLE_FIGURES
from wiringup.report.figures.data import read_tables
from wiringup.tables.scores import TABLE_COLUMNS


def main(smk):
    table = read_tables(smk.input.tables)
    p = smk.params
    kwargs = dict(style=p.style, missing=p.missing, run_recipe=p.run_recipe)
    if p.figure == "fig1":
        kwargs.update(experiment=p.experiment, regions=p.regions)
    else:
        kwargs.update(standard_variant=p.experiment["variant"])
    result = TABLE_FIGURES[p.figure](table, list(smk.output), **kwargs)
    print(result.caption)
    for note in result.notes:
        print("note:", note)
    print(f"{len(table)} score rows ({', '.join(sorted(table['source'].unique()))}); columns {len(TABLE_COLUMNS)}+")


pipeline.run(snakemake, main)  # noqa: F821
