"""Rule training_time: wall seconds per epoch and per step of every training run, relative to standard training."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from wiringup.runtime import pipeline
from wiringup.tables.training_time import training_time_table
from wiringup.core.io import atomic_path, read_json


def main(smk):
    table = training_time_table([read_json(p) for p in smk.input], smk.params.reference)
    with atomic_path(smk.output[0]) as tmp:
        table.to_csv(tmp, index=False)
    print(table.to_string())


pipeline.run(snakemake, main)  # noqa: F821
