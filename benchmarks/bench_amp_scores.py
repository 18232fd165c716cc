#!/usr/bin/env python
"""What ``speed.amp`` (bfloat16 autocast) does to the scores: the same model trained in fp32 and in bf16, compared.

For each ``--seeds`` seed, trains the config's ``standard`` variant (Kaiming-Normal CORnet-S at the config's width,
input size and recipe; ``wiringup.training.train``, as the ``train`` rule runs it) twice from the same weights, the
same images and the same sample order, once with ``amp`` off (fp32) and once on (bf16), then scores both
checkpoints on the config's local benchmarks (``scoring.benchmarks``: the neural ones and ImageNet top-1 on the
val manifest, ``wiringup.scoring.jobs.score_checkpoint``, as the ``score`` rules do) and prints, per benchmark,
fp32, bf16 and their difference. With two or more seeds it also prints the spread between seeds in fp32 (the
standard deviation of a benchmark's fp32 score over seeds): a bf16 effect well inside it is no effect the
experiments could see. It also reports the training time of both runs and how far the final weights moved apart
(relative L2 distance, per parameter tensor, median and max).

bf16 is what the trainer uses on a GPU and on a CPU with native bfloat16 (AVX512_BF16 or AMX,
``wiringup.training.cpu_bf16_supported``). Elsewhere ``speed.amp`` trains in fp32 and this script stops, unless
``--force-bf16`` (emulated bfloat16: slow, but the same numbers).

    nice -n 10 .venv/bin/python benchmarks/bench_amp_scores.py --out results/bench_amp_scores.json   # ~minutes
    .venv/bin/python benchmarks/bench_amp_scores.py --seeds 0 1 2 --images 2000 --epochs 1 2
    .venv/bin/python benchmarks/bench_amp_scores.py --images 40 --batch 8 --epochs 1 --width 0.0625 --size 32 \\
        --val-images 20 --benchmarks MajajHong2015slice.V4-pls Imagenette80-top1 --seeds 0        # smoke run
"""
from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
os.environ.setdefault("BS_INSTALL_DEPENDENCIES", "no")
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")

import torch  # noqa: E402
import yaml  # noqa: E402


def relative_distances(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> list[float]:
    """||a - b|| / ||a|| of every floating-point tensor of two state dicts (weights, BN statistics)."""
    out = []
    for k, v in a.items():
        if v.is_floating_point() and v.numel():
            norm = float(v.double().norm())
            out.append(float((v.double() - b[k].double()).norm()) / norm if norm else 0.0)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default=str(REPO / "config" / "config.yaml"))
    ap.add_argument("--data-root", default=None,
                    help="data folder (default: $WIRINGUP_DATA_ROOT, else the config's data_root from the repo)")
    ap.add_argument("--variant", default="standard", help="training variant of the config (default standard)")
    ap.add_argument("--images", default="500", help="training images (or 'all'; default 500)")
    ap.add_argument("--epochs", type=float, nargs="+", default=[2.0], help="checkpoint epochs scored (default 2)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1], help="seeds (default 0 1)")
    ap.add_argument("--width", type=float, default=None, help="CORnet-S width (default: the config's)")
    ap.add_argument("--size", type=int, default=None, help="input size (default: the config's)")
    ap.add_argument("--batch", type=int, default=None, help="batch size (default: the config's)")
    ap.add_argument("--val-images", default=None, help="val images for top-1 (default: the config's)")
    ap.add_argument("--benchmarks", nargs="+", default=None,
                    help="benchmark ids of scoring.benchmarks (default: all local ones)")
    ap.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--force-bf16", action="store_true",
                    help="train the bf16 run in bf16 even on a CPU without native bfloat16 (emulated: slow)")
    ap.add_argument("--keep", default=None, help="keep checkpoints and score JSONs in this folder")
    ap.add_argument("--out", default=None, help="write the results as JSON here")
    args = ap.parse_args(argv)

    import wiringup.training as training
    from wiringup.data.images import ManifestDataset, train_transform
    from wiringup.data.manifests import make_manifest, read_manifest
    from wiringup.nets.registry import build_model
    from wiringup.plan.experiments import recipe as variant_recipe
    from wiringup.plan.scoring import benchmarks as config_benchmarks
    from wiringup.scoring.jobs import score_checkpoint
    from wiringup.training import Recipe, epoch_label, set_determinism, train

    from snakemake.utils import validate

    config = yaml.safe_load(Path(args.config).read_text())
    validate(config, str(REPO / "workflow" / "schemas" / "config.schema.yaml"))  # fills in the schema's defaults
    data_root = Path(args.data_root or os.environ.get("WIRINGUP_DATA_ROOT") or config["data_root"])
    if not data_root.is_absolute():
        data_root = (REPO / data_root).resolve()
    root = data_root / config["imagenet"]["root"]
    model_cfg = dict(config["model"])
    input_size = int(args.size or model_cfg.pop("input_size"))
    model_cfg.pop("input_size", None)
    if args.width is not None:
        model_cfg["width"] = args.width
    rec = variant_recipe(config, args.variant)
    if args.batch:
        rec["batch_size"] = args.batch
    rec["max_epochs"] = max(float(rec.get("max_epochs", 45)), max(args.epochs))
    speed = config.get("speed") or {}
    found = config_benchmarks(config)
    wanted = args.benchmarks or [b for b, d in found.items() if d["backend"] == "local"]
    unknown = [b for b in wanted if b not in found or found[b]["backend"] != "local"]
    if unknown:
        ap.error(f"not local benchmarks of {args.config}: {unknown}; local: "
                 f"{[b for b, d in found.items() if d['backend'] == 'local']}")

    set_determinism(args.threads)
    precision_here = training.training_precision(args.device, True)
    if precision_here != "bf16":
        if not args.force_bf16:
            print(f"speed.amp trains in {precision_here} on this {args.device} (no native bfloat16): nothing to "
                  "compare; --force-bf16 measures emulated bf16 anyway", file=sys.stderr)
            return 2
        training.cpu_bf16_supported = lambda flags=None: True  # noqa: E731 - emulated bf16, same numbers

    results: list[dict] = []
    runs: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench_amp_scores_") as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        seed0 = int(config["imagenet"].get("subset_seed", 0))
        n = args.images if args.images == "all" else int(args.images)
        make_manifest(root, "train", n, seed0, work / "train.tsv", verify=False)
        manifest = read_manifest(work / "train.tsv")
        val = args.val_images or config["imagenet"].get("val_images", 500)
        val = val if val == "all" else int(val)
        if any(found[b]["type"] == "imagenet_top1" for b in wanted):
            make_manifest(root, "val", val, seed0, work / "val.tsv", verify=False)
        scoring = {k: v for k, v in config["scoring"].items() if k not in ("benchmarks", "predictivity_regions",
                                                                           "baselines")}
        for seed in args.seeds:
            for precision in ("fp32", "bf16"):
                tag = f"{precision}_seed{seed}"
                model = build_model(seed=seed, **model_cfg)
                dataset = ManifestDataset(root, manifest, train_transform(input_size), seed=seed)
                outs = {float(e): work / tag / f"epoch_{epoch_label(float(e))}.pt" for e in args.epochs}
                t0 = time.perf_counter()
                summary = train(model, dataset, Recipe.from_config(rec), outs, seed=seed, model_config=model_cfg,
                                meta={"images": len(manifest.paths), "variant": args.variant, "init": "kn",
                                      "trained": "all", "input_size": input_size},
                                resume_dir=work / "resume" / tag, metrics_path=work / tag / "metrics.csv",
                                resume_key=tag, device=args.device, progress=False,
                                channels_last=bool(speed.get("channels_last")), amp=precision == "bf16")
                wall = time.perf_counter() - t0
                if summary["steps"] == 0:
                    raise SystemExit(f"{tag}: no training step (checkpoint epochs {args.epochs} of "
                                     f"{summary['steps_per_epoch']} steps each); raise --epochs or lower --batch")
                if summary["precision"] != precision:
                    raise SystemExit(f"{tag}: the trainer ran in {summary['precision']}, not {precision}")
                runs[tag] = {"seed": seed, "precision": precision, "seconds": wall,
                             "steady_seconds_per_step": summary["steady_seconds_per_step"], "steps": summary["steps"],
                             "state": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}}
                print(f"trained {tag}: {summary['steps']} steps in {wall:.1f} s "
                      f"({summary['steady_seconds_per_step'] or float('nan'):.3f} s per step after the first)",
                      flush=True)
                for e, path in outs.items():
                    for b in wanted:
                        d = found[b]
                        r = score_checkpoint(str(path), str(work / tag / f"{b}_{epoch_label(e)}.json"),
                                             model_id=f"{tag}/epoch_{epoch_label(e)}", benchmark=d,
                                             data_root=str(data_root), scoring=scoring, input_size=input_size,
                                             threads=args.threads,
                                             manifest=str(work / "val.tsv") if d["type"] == "imagenet_top1" else None,
                                             imagenet_root=config["imagenet"]["root"])
                        score = r.get("score") if r.get("score") is not None else r.get("raw")
                        results.append({"seed": seed, "precision": precision, "epoch": e, "benchmark": b,
                                        "score": score, "raw": r.get("raw"), "ceiling": r.get("ceiling")})
    # the table: per (benchmark, epoch) and seed, fp32 vs bf16
    def value(seed, precision, e, b):
        for r in results:
            if (r["seed"], r["precision"], r["epoch"], r["benchmark"]) == (seed, precision, e, b):
                return r["score"]
        return None

    rows = []
    print()
    print(f"speed.amp: CORnet-S width {model_cfg.get('width')}, {input_size} px, {args.images} images, "
          f"batch {rec['batch_size']}, device {args.device}; fp32 vs bf16 autocast, same seed")
    print(f"{'benchmark':28s} {'epoch':>5s} {'seed':>4s} {'fp32':>8s} {'bf16':>8s} {'bf16-fp32':>9s}")
    for b in wanted:
        for e in sorted({float(x) for x in args.epochs}):
            diffs, fp32s = [], []
            for seed in args.seeds:
                a, c = value(seed, "fp32", e, b), value(seed, "bf16", e, b)
                ok = a is not None and c is not None and math.isfinite(a) and math.isfinite(c)
                diff = c - a if ok else None
                if ok:
                    diffs.append(diff)
                    fp32s.append(a)
                rows.append({"benchmark": b, "epoch": e, "seed": seed, "fp32": a, "bf16": c, "diff": diff})
                fmt = lambda v: f"{v:8.4f}" if v is not None and math.isfinite(v) else f"{'nan':>8s}"  # noqa: E731
                print(f"{b:28s} {e:5g} {seed:4d} {fmt(a)} {fmt(c)} "
                      + (f"{diff:+9.4f}" if diff is not None else f"{'-':>9s}"))
            if len(args.seeds) > 1 and diffs:
                spread = statistics.stdev(fp32s) if len(fp32s) > 1 else float("nan")
                mean_abs = statistics.mean(abs(d) for d in diffs)
                print(f"{'':28s} {'':5s} {'all':>4s}  mean |bf16-fp32| {mean_abs:.4f}; fp32 spread over seeds "
                      f"(sd) {spread:.4f}")
                rows.append({"benchmark": b, "epoch": e, "seed": "all", "mean_abs_diff": mean_abs,
                             "fp32_seed_sd": spread})
    timing = {}
    for seed in args.seeds:
        f, bf = runs[f"fp32_seed{seed}"], runs[f"bf16_seed{seed}"]
        dist = relative_distances(f["state"], bf["state"])
        speedup = (f["steady_seconds_per_step"] / bf["steady_seconds_per_step"]
                   if f["steady_seconds_per_step"] and bf["steady_seconds_per_step"] else None)
        timing[seed] = {"fp32_s": f["seconds"], "bf16_s": bf["seconds"], "step_speedup": speedup,
                        "weights_rel_l2_median": statistics.median(dist), "weights_rel_l2_max": max(dist)}
        print(f"seed {seed}: training fp32 {f['seconds']:.1f} s, bf16 {bf['seconds']:.1f} s"
              + (f" (bf16 steps at {speedup:.2f}x the fp32 rate)" if speedup else "")
              + f"; final weights apart by {statistics.median(dist):.3g} (median relative L2 over tensors), "
                f"max {max(dist):.3g}")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps({
            "args": vars(args), "model": model_cfg, "input_size": input_size, "recipe": rec, "device": args.device,
            "cpu_native_bf16": training.cpu_bf16_supported() if not args.force_bf16 else None,
            "torch": torch.__version__, "scores": results, "comparison": rows, "training": timing}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
