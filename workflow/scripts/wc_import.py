"""Rule import_wc: the authors' published WC distributions (../shared/data/geiger2022/wc_distributions) in this
pipeline's format. Their Gabor file holds the fitted Gabor parameters, not the mixture: the mixture is refitted
here (weight_compression.authors.gabor_components; the header's notes say so)."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from wiringup.runtime import pipeline
from wiringup.wc.authors import import_authors
from wiringup.wc.distributions import save_wc
from wiringup.wc.summary import write_summary
from wiringup.core.provenance import Recorder


def main(smk):
    a = dict(smk.params.authors)
    directory = smk.params.directory   # data_root / weight_compression.authors.path (the inputs' folder)
    rec = Recorder("import_wc", a, list(smk.input))
    wc = import_authors(directory, it_conv2=a["it_conv2"], gabor_components=a["gabor_components"], seed=a["seed"])
    wc.source["provenance"] = rec.record()
    save_wc(wc, smk.output.wc)
    info = write_summary(wc, smk.output.wc, smk.output.summary, smk.output.layers)
    for note in wc.notes:
        print("note:", note)
    print({k: v for k, v in info["parameter_count"].items() if k != "per_layer"})


pipeline.run(snakemake, main)  # noqa: F821
