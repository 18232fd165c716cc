"""Rule provenance: the provenance table of every artifact behind the default targets (CSV and an HTML page)."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from wiringup.runtime import pipeline
from wiringup.core.provenance import lineage, provenance_table, write_provenance_table


def main(smk):
    rows = provenance_table(lineage(list(smk.input)))
    write_provenance_table(rows, smk.output.table, smk.output.page)
    missing = [r["artifact"] for r in rows if r["record"] == "missing"]
    print(f"{len(rows)} artifacts, {len(missing)} without a provenance record: {missing[:20]}")


pipeline.run(snakemake, main)  # noqa: F821
