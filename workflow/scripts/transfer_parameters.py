"""Rule transfer_parameters: total, conv-weight and critical-training counts of the transfer architectures at
the configured widths and at full width (wiringup.wc.transfer.parameter_table)."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
import pandas as pd

from wiringup.runtime import pipeline
from wiringup.core.io import atomic_path
from wiringup.wc.transfer import parameter_table


def main(smk):
    rows = parameter_table(dict(smk.params.archs),
                           num_classes=smk.params.num_classes)
    table = pd.DataFrame(rows)
    with atomic_path(smk.output[0]) as tmp:
        table.to_csv(tmp, index=False)
    print(table.to_string())


pipeline.run(snakemake, main)  # noqa: F821
