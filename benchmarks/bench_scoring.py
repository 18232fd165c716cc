#!/usr/bin/env python
"""Time wiringup's PLS metric + split-half ceiling against brainscore-vision's on real V4 data.

Loads one Cowley et al. (2023) session, makes random-projection features of a realistic layer size
(ReLU of a fixed random projection of the pixels at 32x32, default 12,544 features, the size of a CORnet-S
V4 output at 112 px), then runs, in one process:

* ours: ``wiringup.scoring.metric.pls_crossval`` + ``wiringup.scoring.ceiling.split_half_ceiling`` (seed 1,
  Brain-Score's fixed random_state);
* Brain-Score: ``load_metric('pls', crossvalidation_kwargs=dict(stratification_coord=None))`` +
  ``load_ceiling('internal_consistency')`` on ``NeuroidAssembly`` objects built from the same arrays.

Prints both wall times, the ratio and the scores. Fully offline (brainscore's plugin installer is disabled).

    PYTHONPATH=src .venv/bin/python benchmarks/bench_scoring.py
"""
from __future__ import annotations

import os

os.environ["BS_INSTALL_DEPENDENCIES"] = "no"
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

import argparse  # noqa: E402
import logging  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from wiringup.scoring.benchmarks.cowley2023 import load_cowley2023  # noqa: E402
from wiringup.scoring.ceiling import split_half_ceiling  # noqa: E402
from wiringup.scoring.metric import pls_crossval  # noqa: E402


def random_features(images, n_features: int, seed: int) -> np.ndarray:
    pixels = np.stack([np.asarray(im.resize((32, 32)), dtype=np.float32).ravel() / 255.0 for im in images])
    pixels -= pixels.mean(axis=0)
    rng = np.random.default_rng(seed)
    proj = rng.standard_normal((pixels.shape[1], n_features), dtype=np.float32) / np.sqrt(pixels.shape[1])
    return np.maximum(pixels @ proj, 0.0)


def brainscore_path(features, targets, responses, ids, n_splits):
    import tqdm  # brainscore prints a progress bar per split; keep the output readable
    from functools import partialmethod

    tqdm.tqdm.__init__ = partialmethod(tqdm.tqdm.__init__, disable=True)
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
    from brainscore_vision import load_ceiling, load_metric

    ids = np.asarray(ids)
    pres = {"stimulus_id": ("presentation", ids), "stimulus_num": ("presentation", np.arange(len(ids)))}
    source = NeuroidAssembly(features, coords={**pres, "neuroid_id": ("neuroid", np.arange(features.shape[1])),
                                               "layer": ("neuroid", ["proj"] * features.shape[1])},
                             dims=["presentation", "neuroid"])
    names = [f"n{i}" for i in range(targets.shape[1])]
    target = NeuroidAssembly(targets, coords={**pres, "neuroid_id": ("neuroid", names),
                                              "region": ("neuroid", ["V4"] * len(names))},
                             dims=["presentation", "neuroid"])
    stim, rep = np.nonzero(~np.isnan(responses[0]))
    repeats = NeuroidAssembly(responses[:, stim, rep].T,
                              coords={"stimulus_id": ("presentation", ids[stim]), "repetition": ("presentation", rep),
                                      "neuroid_id": ("neuroid", names), "region": ("neuroid", ["V4"] * len(names))},
                              dims=["presentation", "neuroid"])
    t0 = time.perf_counter()
    metric = load_metric("pls", crossvalidation_kwargs=dict(stratification_coord=None, splits=n_splits))
    raw = metric(source, target)
    ceiling = load_ceiling("internal_consistency")(repeats)
    seconds = time.perf_counter() - t0
    return {"raw": float(raw.values), "raw_error": float(raw.attrs["error"]), "ceiling": float(ceiling.values),
            "seconds": seconds}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", type=Path,
                        default=Path(os.environ.get("WIRINGUP_DATA_ROOT", REPO.parent / "shared" / "data")),
                        help="folder holding cowley2023_v4/ (default: $WIRINGUP_DATA_ROOT or <repo>/../shared/data)")
    parser.add_argument("--session", default="210325", help="Cowley session with repeats (default 210325)")
    parser.add_argument("--n-features", type=int, default=12544, help="feature dimensionality (default 12544)")
    parser.add_argument("--n-splits", type=int, default=10, help="cross-validation splits (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random projection (default 0)")
    parser.add_argument("--skip-brainscore", action="store_true", help="time only wiringup's path")
    args = parser.parse_args(argv)
    logging.getLogger().setLevel(logging.WARNING)

    data = load_cowley2023(args.data_root / "cowley2023_v4" / args.session)
    features = random_features(data.images, args.n_features, args.seed)
    targets = data.mean_responses().T
    print(f"data: {data.benchmark_id}, {data.n_stimuli} stimuli x {data.n_neuroids} neuroids, "
          f"{data.responses.shape[2]} repeat slots; features {features.shape[0]} x {features.shape[1]} float32")

    t0 = time.perf_counter()
    metric = pls_crossval(features, targets, n_splits=args.n_splits, seed=1)
    ceiling = split_half_ceiling(data.responses, n_splits=args.n_splits, seed=1, mode="global")
    ours_s = time.perf_counter() - t0
    print(f"wiringup : raw {metric['raw']:.6f} +- {metric['error']:.6f} (SEM), ceiling {ceiling['ceiling']:.6f} "
          f"[global split], method {metric['method']}, {metric['n_unconverged_components']} unconverged PLS "
          f"components; {ours_s:.2f} s")
    balanced = split_half_ceiling(data.responses, n_splits=args.n_splits, seed=1)
    print(f"           ceiling with per-stimulus balanced halves (our default): {balanced['ceiling']:.6f}")
    if args.skip_brainscore:
        return 0
    bs = brainscore_path(features, targets, data.responses, data.stimulus_ids, args.n_splits)
    print(f"brainscore: raw {bs['raw']:.6f} +- {bs['raw_error']:.6f} (SEM), ceiling {bs['ceiling']:.6f}; "
          f"{bs['seconds']:.2f} s")
    print(f"|raw diff| {abs(bs['raw'] - metric['raw']):.2e}, |ceiling diff| "
          f"{abs(bs['ceiling'] - ceiling['ceiling']):.2e} (global), "
          f"{abs(bs['ceiling'] - balanced['ceiling']):.2e} (per-stimulus)")
    print(f"speed-up: brainscore / wiringup = {bs['seconds'] / ours_s:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
