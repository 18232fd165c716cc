"""Rule fig5: Fig. 5 (A transfer, B KN/WC/CT dissection) from this run's score table and/or the authors' tidy
tables (wiringup.figures.fig5)."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
import pandas as pd

from wiringup import pipeline
from wiringup.authors_scores import read_tidy
from wiringup.figures.fig5 import plot_fig5
from wiringup.results import read_score_table


def read_any(path):
    """This run's score table or an authors' tidy table (their leading columns are the same)."""
    head = pd.read_csv(path, nrows=0)
    table = read_tidy(path) if "parsed" in head.columns else read_score_table(path)
    if "source" not in table.columns:
        table["source"] = "this run"
    return table


def main(smk):
    p = smk.params
    tables = [read_any(t) for t in smk.input.tables]
    table = pd.concat(tables, ignore_index=True) if len(tables) > 1 else tables[0]
    result = plot_fig5(table, list(smk.output), style=p.style, missing=p.missing, run_recipe=p.run_recipe,
                       standard_variant=p.standard_variant, variant_kinds=p.variant_kinds,
                       num_classes=p.num_classes, regions=p.regions,
                       parameters=pd.read_csv(smk.input.parameters))
    print(result.caption)
    for note in result.notes:
        print("note:", note)
    print(result.data["summary"].to_string())


pipeline.run(snakemake, main)  # noqa: F821
