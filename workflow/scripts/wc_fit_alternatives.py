"""Rules wc_second_layer_gabor (Gabor fits of V1.conv2's 3x3 kernel slices) and fit_wc_alternative (one Fig. 7
alternative compression — Mixture Gaussian, Kernel normal or No Gabor prior — of the checkpoint a WC file was
fitted to; V1.conv1's mixture and the BatchNorm come from that WC file)."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
import numpy as np

from wiringup.runtime import pipeline
from wiringup.wc import compression as W
from wiringup.core.io import atomic_path
from wiringup.core.provenance import Recorder


def main(smk):
    if smk.rule == "wc_second_layer_gabor":
        return second_layer(smk)
    alt, fit, method = dict(smk.params.alternatives), dict(smk.params.fit), smk.wildcards.method
    inputs = [smk.input.checkpoint, smk.input.wc] + ([smk.input.gabor] if "gabor" in smk.input.keys() else [])
    rec = Recorder("fit_wc_alternative", {"method": method, "alternatives": alt, "fit": fit}, inputs)
    params = None
    if "gabor" in smk.input.keys():
        params = np.load(smk.input.gabor, allow_pickle=False)
    wc = W.fit_alternatives_checkpoint(
        smk.input.checkpoint, [method], wc_path=smk.input.wc, seed=fit["seed"],
        gabor_components=fit["gabor_components"], gabor_niter=fit["gabor_niter"], second_layer_gabor_params=params,
        second_layer_components=alt["second_layer_components"],
        weight_gmm_components=alt["weight_gmm_components"], weight_gmm_max_points=alt["weight_gmm_max_points"],
        weight_gmm_n_init=alt["weight_gmm_n_init"], gabor_n_jobs=smk.threads, progress=True,
        source={"fit": smk.wildcards.name, **({"second_layer_gabor_file": smk.input.gabor} if params is not None
                                               else {})})[method]
    wc.source["provenance"] = rec.record()
    W.save_wc(wc, smk.output.npz)
    info = W.write_summary(wc, smk.output.npz, smk.output.summary, smk.output.layers)
    print(method, {k: v for k, v in info["parameter_count"].items() if k != "per_layer"})


def second_layer(smk):
    from wiringup.wc import gabor
    from wiringup.nets.checkpoints import load_model

    rec = Recorder("wc_second_layer_gabor", {"niter": smk.params.niter, "seed": smk.params.seed},
                   [smk.input.checkpoint])
    model = load_model(smk.input.checkpoint, arch="cornet_s")[0]
    name, conv = list(W.conv_layers(model).items())[1]
    params = gabor.fit_gabors(conv.weight.detach().cpu().float().numpy(), niter=smk.params.niter,
                              seed=smk.params.seed, n_jobs=smk.threads, progress=True)
    with atomic_path(smk.output[0]) as tmp:
        with open(tmp, "wb") as fh:
            np.save(fh, params, allow_pickle=False)
    print(f"{name}: {params.shape[0]}x{params.shape[1]} Gabor fits, median MSE {np.median(params[..., -1]):.4f}")
    print(rec.record()["config"])


pipeline.run(snakemake, main)  # noqa: F821
