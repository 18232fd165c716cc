#!/usr/bin/env python
"""Time per training step of CORnet-S with every layer trained vs Critical / Downstream Training.

The paper (Sec. 5) reports ~30 % less time per epoch for Critical Training: frozen layers need no weight
gradients, but the backward pass still runs down to V2's conv3. This runs the training step of
``wiringup.training`` (forward, cross-entropy, backward, SGD over the trainable parameters only) on random images
for each trained-layer set of the config, interleaving the sets over ``--repeats`` rounds so a changing machine
load hits them alike, and prints the median seconds per step and the saving relative to ``all``.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_critical_training.py                    # embedded default scale
    PYTHONPATH=src .venv/bin/python benchmarks/bench_critical_training.py --width 1 --size 224 --batch 256 --device cuda
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

import torch  # noqa: E402
import yaml  # noqa: E402

from wiringup.plan.experiments import resolve_trained_set  # noqa: E402
from wiringup.nets.registry import build_model  # noqa: E402
from wiringup.nets.trained_layers import trained_set_counts  # noqa: E402
from wiringup.training import Recipe, make_optimizer  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", nargs="+", default=["all", "ct", "dt_v4", "dt_it", "decoder"],
                    help="trained-layer sets (keys of trained_layer_sets; default: all ct dt_v4 dt_it decoder)")
    ap.add_argument("--config", default=str(REPO / "config" / "config.yaml"))
    ap.add_argument("--width", type=float, default=0.25)
    ap.add_argument("--size", type=int, default=64, help="input size in pixels")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--steps", type=int, default=5, help="timed steps per set and round")
    ap.add_argument("--repeats", type=int, default=3, help="rounds over all sets")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    sets = yaml.safe_load(Path(args.config).read_text())["trained_layer_sets"]
    g = torch.Generator().manual_seed(0)
    x = torch.randn(args.batch, 3, args.size, args.size, generator=g).to(args.device)
    y = torch.randint(0, args.classes, (args.batch,), generator=g).to(args.device)
    runs = {}
    for name in args.sets:
        model = build_model("cornet_s", seed=0, width=args.width, num_classes=args.classes)
        counts = trained_set_counts(model, resolve_trained_set(sets, name, "cornet_s"))
        model.to(args.device).train()
        opt = make_optimizer(Recipe(), [p for p in model.parameters() if p.requires_grad])
        runs[name] = (model, opt, counts, [])

    def step(model, opt):
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for name, (model, opt, _, _) in runs.items():  # warm-up
        step(model, opt)
    for _ in range(args.repeats):
        for name, (model, opt, _, times) in runs.items():
            for _ in range(args.steps):
                if args.device.startswith("cuda"):
                    torch.cuda.synchronize()
                t0 = time.perf_counter()
                step(model, opt)
                if args.device.startswith("cuda"):
                    torch.cuda.synchronize()
                times.append(time.perf_counter() - t0)
    ref = statistics.median(runs["all"][3]) if "all" in runs else None
    print(f"CORnet-S width {args.width:g}, {args.size} px, batch {args.batch}, {args.device}, {args.threads} threads; "
          f"median of {args.steps * args.repeats} steps per set")
    print(f"{'set':<10} {'trained conv w.':>16} {'% conv w.':>9} {'s/step':>8} {'saving vs all':>14}")
    for name, (_, _, c, times) in runs.items():
        med = statistics.median(times)
        saving = f"{100 * (1 - med / ref):.1f} %" if ref else "–"
        print(f"{name:<10} {c['trained_conv_weights']:>16,} {c['trained_conv_weights_pct']:>9.2f} {med:>8.4f} "
              f"{saving:>14}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
