"""Rule authors_import: the authors' score database → tidy table + brain-predictivity table."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from wiringup.tables import authors as A
from wiringup.runtime import pipeline


def main(smk):
    raw = A.read_raw(smk.input.db)
    table = A.tidy(raw, smk.params.source, missing=smk.params.missing)
    A.write_tidy(table, smk.output.table)
    bp = A.write_brain_predictivity(table, smk.output.predictivity, missing=smk.params.missing)
    print(f"{smk.input.db}: {len(raw)} raw rows -> {len(table)} rows, {table['model_id'].nunique()} model ids, "
          f"{len(A.unparsed_ids(table))} not following the id grammar, {int(table['n_null'].sum())} NULL scores "
          f"(missing policy {smk.params.missing!r}); {int(bp['brain_predictivity'].notna().sum())} models with a "
          "brain predictivity")


pipeline.run(snakemake, main)  # noqa: F821
