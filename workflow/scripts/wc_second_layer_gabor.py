"""Rule wc_second_layer_gabor: Gabor fits of V1.conv2's 3x3 kernel slices of a WC fit's checkpoint (shared by the
Mixture Gaussian and Kernel normal alternatives of rule fit_wc_alternative)."""
import _bootstrap  # noqa: F401 - puts src/ on sys.path, sets the network-safety variables
import numpy as np

from wiringup.runtime import pipeline
from wiringup.wc import gabor
from wiringup.wc.distributions import conv_layers
from wiringup.core.io import atomic_path
from wiringup.core.provenance import Recorder
from wiringup.nets.checkpoints import load_model


def main(smk):
    rec = Recorder("wc_second_layer_gabor", {"niter": smk.params.niter, "seed": smk.params.seed},
                   [smk.input.checkpoint])
    model = load_model(smk.input.checkpoint, arch="cornet_s")[0]
    name, conv = list(conv_layers(model).items())[1]
    params = gabor.fit_gabors(conv.weight.detach().cpu().float().numpy(), niter=smk.params.niter,
                              seed=smk.params.seed, n_jobs=smk.threads, progress=True)
    with atomic_path(smk.output[0]) as tmp:
        with open(tmp, "wb") as fh:
            np.save(fh, params, allow_pickle=False)
    print(f"{name}: {params.shape[0]}x{params.shape[1]} Gabor fits, median MSE {np.median(params[..., -1]):.4f}")
    print(rec.record()["config"])


pipeline.run(snakemake, main)  # noqa: F821
