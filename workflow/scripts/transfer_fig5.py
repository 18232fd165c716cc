"""Rule fig5: Fig. 5 (A transfer, B KN/WC/CT dissection) from this run's score table and/or the authors' tidy
tables (wiringup.report.figures.fig5)."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
import pandas as pd

from wiringup.runtime import pipeline
from wiringup.report.figures.data import read_tables
from wiringup.report.figures.fig5 import plot_fig5


def main(smk):
    p = smk.params
    table = read_tables(smk.input.tables)
    result = plot_fig5(table, list(smk.output), style=p.style, missing=p.missing, run_recipe=p.run_recipe,
                       standard_variant=p.standard_variant, variant_kinds=p.variant_kinds,
                       num_classes=p.num_classes, regions=p.regions,
                       parameters=pd.read_csv(smk.input.parameters))
    print(result.caption)
    for note in result.notes:
        print("note:", note)
    print(result.data["summary"].to_string())


pipeline.run(snakemake, main)  # noqa: F821
