"""Rule fit_wc: compress a trained checkpoint into WC distributions (+ a JSON summary and a per-layer CSV)."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
from wiringup.runtime import pipeline
from wiringup.wc.distributions import save_wc
from wiringup.wc.fit import fit_wc_checkpoint
from wiringup.wc.summary import write_summary
from wiringup.core.provenance import Recorder


def main(smk):
    fit = dict(smk.params.fit)
    rec = Recorder("fit_wc", fit, [smk.input.checkpoint])
    wc = fit_wc_checkpoint(
        smk.input.checkpoint, k_per_layer=fit["k_per_layer"] or None, k_range=tuple(fit["k_range"]),
        gabor_components=fit["gabor_components"], gabor_niter=fit["gabor_niter"], seed=fit["seed"],
        gabor_n_jobs=smk.threads, threads=smk.threads, progress=True,
        source={"fit": smk.wildcards.fit})
    wc.source["provenance"] = rec.record()
    save_wc(wc, smk.output.wc)
    info = write_summary(wc, smk.output.wc, smk.output.summary, smk.output.layers)
    print({k: v for k, v in info["parameter_count"].items() if k != "per_layer"})


pipeline.run(snakemake, main)  # noqa: F821
