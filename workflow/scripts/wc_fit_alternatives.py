"""Rule fit_wc_alternative: one Fig. 7 alternative compression — Mixture Gaussian, Kernel normal or No Gabor prior —
of the checkpoint a WC file was fitted to; V1.conv1's mixture and the BatchNorm come from that WC file, V1.conv2's
Gabor fits from rule wc_second_layer_gabor."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
import numpy as np

from wiringup.runtime import pipeline
from wiringup.wc.alternatives import fit_alternatives_checkpoint
from wiringup.wc.distributions import save_wc
from wiringup.wc.summary import write_summary
from wiringup.core.provenance import Recorder


def main(smk):
    alt, fit, method = dict(smk.params.alternatives), dict(smk.params.fit), smk.wildcards.method
    inputs = [smk.input.checkpoint, smk.input.wc] + ([smk.input.gabor] if "gabor" in smk.input.keys() else [])
    rec = Recorder("fit_wc_alternative", {"method": method, "alternatives": alt, "fit": fit}, inputs)
    params = None
    if "gabor" in smk.input.keys():
        params = np.load(smk.input.gabor, allow_pickle=False)
    wc = fit_alternatives_checkpoint(
        smk.input.checkpoint, [method], wc_path=smk.input.wc, seed=fit["seed"],
        gabor_components=fit["gabor_components"], gabor_niter=fit["gabor_niter"], second_layer_gabor_params=params,
        second_layer_components=alt["second_layer_components"],
        weight_gmm_components=alt["weight_gmm_components"], weight_gmm_max_points=alt["weight_gmm_max_points"],
        weight_gmm_n_init=alt["weight_gmm_n_init"], gabor_n_jobs=smk.threads, progress=True,
        source={"fit": smk.wildcards.fit, **({"second_layer_gabor_file": smk.input.gabor} if params is not None
                                               else {})})[method]
    wc.source["provenance"] = rec.record()
    save_wc(wc, smk.output.npz)
    info = write_summary(wc, smk.output.npz, smk.output.summary, smk.output.layers)
    print(method, {k: v for k, v in info["parameter_count"].items() if k != "per_layer"})


pipeline.run(snakemake, main)  # noqa: F821
