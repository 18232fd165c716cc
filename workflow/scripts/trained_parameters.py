"""Rule trained_parameters: per training variant, trained and frozen parameter counts in every convention.

Rows for the configured model and for the paper's full-size model (width 1, 1000 classes); the x-axis of Fig. 3.
"""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
import pandas as pd

from wiringup.runtime import pipeline
from wiringup.core.io import atomic_path
from wiringup.nets.trained_layers import VARIANT_COLUMNS, variant_parameter_table


def main(smk):
    m, variants = smk.params.model, smk.params.variants
    rows = variant_parameter_table(variants, m["arch"], m["width"], m["num_classes"])
    if (m["width"], m["num_classes"]) != (1.0, 1000):
        rows += variant_parameter_table(variants, m["arch"], 1.0, 1000)
    table = pd.DataFrame(rows, columns=VARIANT_COLUMNS)
    with atomic_path(smk.output[0]) as tmp:
        table.to_csv(tmp, index=False)
    print(table.to_string())


pipeline.run(snakemake, main)  # noqa: F821
