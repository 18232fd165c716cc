"""Rule package_benchmark: a local benchmark's data folder -> one self-contained netCDF assembly."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from wiringup.runtime import pipeline
from wiringup.core.env import resolve_data_path
from wiringup.scoring.benchmarks.registry import load_benchmark, loader_arguments, package_benchmark
from wiringup.core.io import WiringupError, write_json
from wiringup.core.provenance import Recorder


def main(smk):
    b = smk.params.benchmark
    rec = Recorder("package_benchmark", b)
    path = resolve_data_path(smk.params.data_root, b["path"], f"scoring.benchmarks.{b['id']}.path")
    data = load_benchmark(b["type"], path, region=b["region"], cv_scheme=b.get("cv_scheme"),
                          n_folds=b.get("n_folds"), **loader_arguments(b))
    if data.benchmark_id != b["id"]:
        raise WiringupError(f"scoring.benchmarks.{b['id']}: the data at {path} identify themselves as "
                            f"{data.benchmark_id!r}; name the config entry after them or fix the path")
    package_benchmark(b["type"], data, smk.output[0])
    summary = data.summary()
    write_json(smk.output[0] + ".prov.json", rec.record(summary=summary, data=str(path)))
    print(summary)


pipeline.run(snakemake, main)  # noqa: F821
