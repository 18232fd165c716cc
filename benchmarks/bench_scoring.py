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

``--coggan2024``: instead, Coggan2024 fMRI RSA (tong.Coggan2024_fMRI.{V1,V2,V4,IT}-rdm) on the embedded default's
model (CORnet-S width 0.25 at birth, 64 px, 10 classes): ours (``score_coggan2024``) vs brainscore-vision's own
benchmark on the same local data (``local_coggan2024.score_coggan2024_brainscore``), one run each, per region.

``--cowley-sessions``: instead, one score of that model on ``Cowley2023.sessions.V4-pls``
(wiringup.scoring.benchmarks.cowley2023_sessions) against brainscore-vision's own Cowley2026 benchmark code on the
same data registered under one of its session ids (wiringup.scoring.brainscore.local_cowley2023; a code-path check,
not a Cowley2026 score): both wall times, the ratio and the numbers.

``--geirhos2021``: instead, Geirhos2021cueconflict-error_consistency and Hermann2020cueconflict-shape_bias
(wiringup.scoring.benchmarks.geirhos2021) against brainscore-vision's own benchmark classes on the same local data
(wiringup.scoring.brainscore.local_geirhos2021), one run each, on CORnet-S width 0.25 at birth, 64 px, with 1000
outputs (brainscore decides from 1000 ImageNet logits only); then our cost on the embedded default's 10-class model,
which decides through the logistic readout (no brainscore counterpart).

``--marques2020``: instead, the Marques2020 V1-property benchmarks (wiringup.scoring.benchmarks.marques2020) on the
embedded default's model (CORnet-S width 0.25 at birth, 64 px, gratings rendered at ``--marques-image-size`` px,
default 96): our cost and score per benchmark (all 7 in one process, sharing the responses, then one alone without
the cache), and brainscore-vision's own ``Marques2020_DeValois1982-pref_or`` on the same data and model
(wiringup.scoring.brainscore.local_marques2020), one run each, and the ratio.

``--shared-job``: instead, one scoring job (``wiringup.scoring.jobs.score_checkpoint_on``) on the benchmarks that
show the same images to several regions (Coggan2024 V1/V2/V4/IT, the MajajHong2015 slice V4/IT: config.yaml's
experiment (b) suite), with the job's shared forward passes, against the same benchmarks scored one by one
(``score_checkpoint``, each its own load and passes), on a CORnet-S at birth of ``--width`` at ``--input-size``
px (default full size at 224, as experiment (b)); checks the scores are equal, prints both times and the ratio.
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


def coggan2024_comparison(data_root: Path, width: float = 0.25, input_size: int = 64) -> int:
    """Time ours vs brainscore-vision's own Coggan2024 benchmarks, one run each per region, and print the ratio."""
    from wiringup.nets.registry import REGION_LAYERS, build_model
    from wiringup.scoring.benchmarks.coggan2024 import REGIONS, load_coggan2024, score_coggan2024
    from wiringup.scoring.brainscore.local_coggan2024 import score_coggan2024_brainscore

    datas = {r: load_coggan2024(data_root / "coggan2024_fmri", r) for r in REGIONS}
    model = build_model("cornet_s", seed=0, width=width, num_classes=10)
    score_coggan2024(model, datas["V1"], REGION_LAYERS["cornet_s"]["V1"], input_size)  # warm up both paths
    score_coggan2024_brainscore(model, list(datas.values()), "V1", REGION_LAYERS["cornet_s"]["V1"], input_size)
    total = {"ours": 0.0, "brainscore": 0.0}
    for region in REGIONS:
        layer = REGION_LAYERS["cornet_s"][region]
        ours = score_coggan2024(model, datas[region], layer, input_size)
        bs = score_coggan2024_brainscore(model, list(datas.values()), region, layer, input_size)
        total["ours"] += ours["seconds"]
        total["brainscore"] += bs["seconds"]
        print(f"{ours['benchmark_id']}: ours score {ours['score']:.6f} (raw {ours['raw']:.6f}) "
              f"{ours['seconds']:.2f} s | brainscore score {bs['score']:.6f} (raw {bs['raw']:.6f}) "
              f"{bs['seconds']:.2f} s")
    print(f"4 regions: ours {total['ours']:.2f} s, brainscore {total['brainscore']:.2f} s; speed-up: brainscore / "
          f"wiringup = {total['brainscore'] / total['ours']:.1f}x")
    return 0


def cowley_sessions_comparison(data_root: Path, width: float = 0.25, input_size: int = 64) -> int:
    """Local ``Cowley2023.sessions.V4-pls`` vs brainscore-vision's Cowley2026 code, one run each."""
    import tempfile

    for var in ("BRAINIO_HOME", "RESULTCACHING_HOME", "BRAINSCORE_HOME"):
        os.environ.setdefault(var, tempfile.mkdtemp(prefix=f"bench-{var.lower()}-"))
    from wiringup.nets.registry import REGION_LAYERS, build_model
    from wiringup.scoring.benchmarks.cowley2023_sessions import load_cowley2023_sessions, score_cowley2023_sessions
    from wiringup.scoring.brainscore.local_cowley2023 import score_cowley2026_code_path

    data = load_cowley2023_sessions(data_root / "cowley2023_v4")
    model, layer = build_model("cornet_s", seed=0, width=width, num_classes=10), REGION_LAYERS["cornet_s"]["V4"]
    ours = score_cowley2023_sessions(model, data, layer, input_size, seed=1)
    bs = score_cowley2026_code_path(model, layer, input_size, {"201025": data.sessions[0]}, device="cpu")
    print(f"{data.benchmark_id}: sessions {data.session_names}, {data.n_stimuli} stimuli")
    for name, r in (("wiringup", ours), ("brainscore (code path)", bs)):
        print(f"{name:>22}: score {r['score']:.6f} raw {r['raw']:.6f} ceiling {r['ceiling']:.6f} "
              f"raw^2/ceiling {r['score_brainscore_2x']:.6f}; {r['seconds']:.2f} s")
    print(f"speed-up: brainscore / wiringup = {bs['seconds'] / ours['seconds']:.1f}x")
    return 0


def geirhos2021_comparison(data_root: Path, width: float = 0.25, input_size: int = 64) -> int:
    """Ours vs brainscore-vision's own Geirhos2021 / Hermann2020 benchmarks, one run each, and the ratio."""
    import tempfile

    for var in ("BRAINIO_HOME", "RESULTCACHING_HOME", "BRAINSCORE_HOME"):
        os.environ.setdefault(var, tempfile.mkdtemp(prefix=f"bench-{var.lower()}-"))
    from wiringup.nets.registry import REGION_LAYERS, build_model
    from wiringup.scoring.benchmarks.geirhos2021 import SCORER, load_geirhos2021
    from wiringup.scoring.brainscore.local_geirhos2021 import score_geirhos2021_brainscore

    layer = REGION_LAYERS["cornet_s"]["behavior"]
    model = build_model("cornet_s", seed=0, width=width, num_classes=1000)
    total = {"ours": 0.0, "brainscore": 0.0}
    for metric in ("error_consistency", "shape_bias"):
        data = load_geirhos2021(data_root / "geirhos2019_cueconflict", metric=metric)
        ours = SCORER(model, data, layer, input_size)
        bs = score_geirhos2021_brainscore(model, data, input_size, device="cpu")
        total["ours"] += ours["seconds"]
        total["brainscore"] += bs["seconds"]
        agree = sum(a == b for a, b in zip(ours["choices"], bs["choices"])) / data.n_stimuli
        print(f"{data.benchmark_id}: ours score {ours['score']:.6f} (raw {ours['raw']:.6f}, ceiling "
              f"{ours['ceiling']:.6f}) {ours['seconds']:.2f} s | brainscore score {bs['score']:.6f} (raw "
              f"{bs['raw']:.6f}) {bs['seconds']:.2f} s | choices agree {agree:.4f}")
        default = SCORER(build_model("cornet_s", seed=0, width=width, num_classes=10), data, layer, input_size)
        print(f"  embedded default (10 classes, {default['decision']} on {layer}): score {default['score']:.6f} "
              f"{default['seconds']:.2f} s")
    print(f"speed-up: brainscore / wiringup = {total['brainscore'] / total['ours']:.1f}x")
    return 0


def marques2020_comparison(data_root: Path, width: float = 0.25, input_size: int = 64, image_size: int = 96) -> int:
    """Our Marques2020 scores and costs on the embedded default's model; brainscore-vision's pref_or, one run."""
    import resource
    import tempfile

    for var in ("BRAINIO_HOME", "RESULTCACHING_HOME", "BRAINSCORE_HOME"):
        os.environ.setdefault(var, tempfile.mkdtemp(prefix=f"bench-{var.lower()}-"))
    from wiringup.nets.registry import REGION_LAYERS, build_model
    from wiringup.scoring.benchmarks.marques2020 import MARQUES2020_BENCHMARKS, SCORER, load_marques2020
    from wiringup.scoring.brainscore.local_marques2020 import score_marques2020_brainscore

    model, layer = build_model("cornet_s", seed=0, width=width, num_classes=10), REGION_LAYERS["cornet_s"]["V1"]
    folder = data_root / "marques2020_v1"
    datas = {b: load_marques2020(folder, benchmark=b, image_size=image_size) for b in MARQUES2020_BENCHMARKS}
    t0 = time.perf_counter()
    for b, data in datas.items():
        r = SCORER(model, data, layer, input_size)
        print(f"{b}: score {r['score']:.6f} raw {r['raw']:.6f} ceiling {r['ceiling']:.6f}, {r['n_units_in_rf']} "
              f"units in RF, {r['n_units_with_value']} with a value; {r['seconds']:.2f} s (shared responses)")
    print(f"all 7 in one process: {time.perf_counter() - t0:.2f} s, peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    data = datas["Marques2020_DeValois1982-pref_or"]
    ours = SCORER(model, data, layer, input_size, cache=False)
    bs = score_marques2020_brainscore(model, data, layer, input_size, device="cpu")
    for name, r in (("wiringup", ours), ("brainscore", bs)):
        print(f"{data.benchmark_id} {name:>10}: score {r['score']:.6f} raw {r['raw']:.6f} ceiling "
              f"{r['ceiling']:.6f}; {r['seconds']:.2f} s")
    print(f"speed-up: brainscore / wiringup = {bs['seconds'] / ours['seconds']:.1f}x")
    return 0


def shared_job_comparison(data_root: Path, width: float = 1.0, input_size: int = 224) -> int:
    """One scoring job with shared forward passes vs its benchmarks scored one by one (module doc)."""
    import tempfile

    import torch

    from wiringup.nets.checkpoints import save_checkpoint
    from wiringup.nets.registry import build_model
    from wiringup.scoring.jobs import score_checkpoint, score_checkpoint_on

    torch.set_num_threads(1)
    mc = {"arch": "cornet_s", "width": width, "num_classes": 1000 if width == 1.0 else 10}
    regions = {"tong.Coggan2024_fMRI.{}-rdm": ("coggan2024_fmri", "coggan2024_fmri", ["IT", "V1", "V2", "V4"]),
               "MajajHong2015slice.{}-pls": ("majajhong2015_slice", "majajhong2015_slice", ["IT", "V4"])}
    jobs = {}
    for pattern, (kind, path, rs) in regions.items():
        for r in rs:
            b = pattern.format(r)
            jobs[b] = {"benchmark": {"id": b, "backend": "local", "type": kind, "path": path, "region": r},
                       "assembly": None, "manifest": None}
    jobs = dict(sorted(jobs.items()))   # the scoring plan's order
    kw = dict(model_id="init/kn/seed0", data_root=str(data_root), input_size=input_size,
              scoring={"batch_size": 64, "pls": {}, "ceiling": {}})
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = os.path.join(tmp, "m.pt")
        save_checkpoint(ckpt, build_model(seed=0, **mc), mc, {"init": "kn", "seed": 0, "epoch": 0.0})
        first = next(iter(jobs))   # warm-up (imports, file caches), not timed
        score_checkpoint(ckpt, os.path.join(tmp, "warmup.json"), benchmark=jobs[first]["benchmark"], **kw)
        t0 = time.perf_counter()
        alone = {b: score_checkpoint(ckpt, os.path.join(tmp, f"alone_{b}.json"), benchmark=j["benchmark"], **kw)
                 for b, j in jobs.items()}
        alone_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        shared = score_checkpoint_on(ckpt, jobs, {b: os.path.join(tmp, f"{b}.json") for b in jobs}, **kw)
        shared_s = time.perf_counter() - t0
    for r in shared:
        b = r["benchmark_id"]
        same = r["raw"] == alone[b]["raw"] and r["score"] == alone[b]["score"]
        print(f"{b}: raw {r['raw']:.6f} (one by one {alone[b]['raw']:.6f}, {'equal' if same else 'DIFFERENT'})")
        if not same:
            return 1
    print(f"CORnet-S width {width} at {input_size} px, one thread, {len(jobs)} benchmarks: one by one "
          f"{alone_s:.1f} s, one job with shared passes {shared_s:.1f} s, ratio {alone_s / shared_s:.2f}x")
    return 0


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
    parser.add_argument("--coggan2024", action="store_true",
                        help="compare the Coggan2024 fMRI RSA benchmarks instead (ours vs brainscore-vision's own)")
    parser.add_argument("--cowley-sessions", action="store_true",
                        help="compare Cowley2023.sessions.V4-pls with brainscore-vision's Cowley2026 code instead")
    parser.add_argument("--geirhos2021", action="store_true",
                        help="compare the Geirhos2021 cue-conflict error consistency and Hermann2020 shape bias instead")
    parser.add_argument("--marques2020", action="store_true",
                        help="time the Marques2020 V1-property benchmarks instead (ours; brainscore-vision's pref_or)")
    parser.add_argument("--marques-image-size", type=int, default=96,
                        help="pixels the 12-degree gratings are rendered at (default 96; Brain-Score 672)")
    parser.add_argument("--shared-job", action="store_true",
                        help="time one scoring job with shared forward passes against its benchmarks one by one")
    parser.add_argument("--width", type=float, default=1.0, help="--shared-job: CORnet-S width (default 1.0)")
    parser.add_argument("--input-size", type=int, default=224, help="--shared-job: input size (default 224)")
    args = parser.parse_args(argv)
    logging.getLogger().setLevel(logging.WARNING)
    if args.shared_job:
        return shared_job_comparison(args.data_root, width=args.width, input_size=args.input_size)
    if args.coggan2024:
        return coggan2024_comparison(args.data_root)
    if args.cowley_sessions:
        return cowley_sessions_comparison(args.data_root)
    if args.geirhos2021:
        return geirhos2021_comparison(args.data_root)
    if args.marques2020:
        return marques2020_comparison(args.data_root, image_size=args.marques_image_size)

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
