#!/usr/bin/env python
"""Training-step throughput of CORnet-S on synthetic tensors (GPU or CPU), and the data path's rate per core.

No data and no network needed. For each setting (fp32 / bfloat16 autocast, NCHW / channels_last, eager /
torch.compile) prints images/s of a full SGD step (forward, cross-entropy, backward, update) on random inputs
already on the device, the step's FLOPs, the achieved FLOP/s against the device's measured dense matmul rate,
and the time of a 43-epoch run on the 1,281,167 ImageNet training images at that rate (the paper's longest run;
data loading not included: see --data-rate).

``--data-rate`` also measures, on this machine's CPU (one process = one DataLoader worker), how many training
images per second the two data paths deliver at the chosen size: JPEG decode + PIL augmentation
(``ManifestDataset``, what ``speed.data_cache: false`` does) on synthetic ImageNet-sized JPEGs (500 x 375,
~100 kB), and
the uint8 cache + torch augmentation (``CachedManifestDataset``, short side 256). Divide the GPU's images/s by
it to get the DataLoader workers (CPU cores) needed to keep the GPU busy.

On a CPU, the bfloat16 autocast settings of ``--amp`` are measured where the trainer uses them (``speed.amp`` on a
CPU with native bfloat16, AVX512_BF16 or AMX: ``wiringup.training.cpu_bf16_supported``) or with ``--amp-cpu``
(forced, e.g. to see how slow emulated bfloat16 is), and ``--profile N`` also runs N steps of each setting under
``torch.profiler`` and prints where the step's CPU time goes: the convolutions' share (forward and backward) and
the top operators. ``--matmul-size`` and ``--data-images`` shrink the reference measurements for a quick check.

    .venv/bin/python benchmarks/bench_step.py --amp both --channels-last both --data-rate
    .venv/bin/python benchmarks/bench_step.py --device cpu --width 0.25 --size 64 --batch 64 --steps 10
    .venv/bin/python benchmarks/bench_step.py --device cpu --width 0.25 --size 64 --batch 64 --steps 10 \
        --amp both --amp-cpu --channels-last both --compile both --profile 4
"""
from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import math
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from wiringup.nets.registry import build_model  # noqa: E402

IMAGENET_TRAIN = 1_281_167


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def matmul_rate(device: str, dtype: torch.dtype, n: int = 4096, reps: int = 10) -> float:
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    (a @ b).sum().item()
    sync(device)
    t = time.perf_counter()
    for _ in range(reps):
        c = a @ b
    sync(device)
    del c
    return 2 * n ** 3 * reps / (time.perf_counter() - t)


def step_flops(args) -> float:
    from torch.utils.flop_counter import FlopCounterMode

    model = build_model(seed=0, arch="cornet_s", width=args.width, num_classes=args.classes)
    x = torch.randn(2, 3, args.size, args.size)
    with FlopCounterMode(display=False) as fc:
        nn.functional.cross_entropy(model(x), torch.zeros(2, dtype=torch.long)).backward()
    return fc.get_total_flops() / 2  # per image


def measure(args, amp: bool, channels_last: bool, compiled: bool) -> dict:
    device = args.device
    torch.manual_seed(0)
    model = build_model(seed=0, arch="cornet_s", width=args.width, num_classes=args.classes).to(device)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(memory_format=fmt)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    fwd = torch.compile(model, dynamic=False) if compiled else model
    x = torch.randn(args.batch, 3, args.size, args.size, device=device).contiguous(memory_format=fmt)
    y = torch.randint(0, args.classes, (args.batch,), device=device)
    ctx = (lambda: torch.autocast(device.split(":")[0], dtype=torch.bfloat16)) if amp else contextlib.nullcontext
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()

    def step():
        with ctx():
            loss = nn.functional.cross_entropy(fwd(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss

    t0 = time.perf_counter()
    for _ in range(args.warmup):
        step()
    sync(device)
    warm = time.perf_counter() - t0
    t = time.perf_counter()
    for _ in range(args.steps):
        loss = step()
    loss.item()
    sync(device)
    rate = args.steps * args.batch / (time.perf_counter() - t)
    mem = torch.cuda.max_memory_allocated() / 2 ** 30 if device.startswith("cuda") else None
    return {"amp": amp, "channels_last": channels_last, "compile": compiled, "images_per_s": rate,
            "warmup_s": warm, "peak_gib": mem, "profile": cpu_profile(step, args.profile) if args.profile else None}


def cpu_profile(step, steps: int) -> dict:
    """Self CPU time of ``steps`` training steps by operator (torch.profiler): the convolutions' share of the total,
    their backward over forward time, and the five largest operators."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            step()
    ops = {e.key: e.self_cpu_time_total / 1e6 for e in prof.key_averages()}
    total = sum(ops.values())
    backward = sum(v for k, v in ops.items() if k == "aten::convolution_backward")
    forward = sum(v for k, v in ops.items() if "convolution" in k and "backward" not in k)
    top = sorted(ops.items(), key=lambda kv: -kv[1])[:5]
    return {"steps": steps, "cpu_s_per_step": total / steps, "conv_share": (forward + backward) / total,
            "conv_backward_over_forward": backward / forward if forward else None,
            "top": [(k, v / total) for k, v in top]}


def data_rates(size: int, n: int = 64) -> dict:
    """Images/s of one CPU process for the uncached (JPEG + PIL) and cached (uint8 + torch) data paths."""

    from wiringup.data.images import CachedManifestDataset, ManifestDataset, build_image_cache, train_transform
    from wiringup.data.manifests import Manifest

    torch.set_num_threads(1)  # as in a DataLoader worker
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from bench_training import synthetic_imagenet

        root = synthetic_imagenet(Path(tmp), n, classes=1)
        paths = sorted(str(p.relative_to(root)) for p in (root / "train").rglob("*.JPEG"))
        m = Manifest(meta={}, classes=["n0"], paths=paths, labels=np.zeros(n, dtype=np.int64))
        build_image_cache(root, m, root / "c.imgcache", short_side=256)
        for name, ds in (("jpeg+PIL", ManifestDataset(root, m, train_transform(size), seed=0)),
                         ("cache+torch", CachedManifestDataset(root / "c.imgcache", m, size, seed=0))):
            ds[0]
            t = time.process_time()  # CPU time: one worker's rate, not inflated by other processes
            for e in range(2):
                ds.epoch = e
                for i in range(n):
                    ds[i]
            out[name] = 2 * n / (time.process_time() - t)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--width", type=float, default=1.0)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--classes", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--amp", choices=["off", "on", "both"], default="both")
    ap.add_argument("--channels-last", choices=["off", "on", "both"], default="both")
    ap.add_argument("--compile", choices=["off", "on", "both"], default="off")
    ap.add_argument("--epochs", type=float, default=43, help="epochs of the run to estimate (default 43)")
    ap.add_argument("--data-rate", action="store_true", help="also measure the data paths' images/s per CPU core")
    ap.add_argument("--amp-cpu", action="store_true",
                    help="on a CPU, measure the bfloat16 autocast settings of --amp even without native bfloat16 "
                         "(by default only where the trainer uses them: AVX512_BF16 or AMX)")
    ap.add_argument("--matmul-size", type=int, default=4096,
                    help="side of the dense matmuls that measure the device's peak rates (default 4096)")
    ap.add_argument("--data-images", type=int, default=64,
                    help="synthetic JPEGs timed by --data-rate (default 64)")
    ap.add_argument("--profile", type=int, default=0, metavar="N",
                    help="CPU only: profile N more steps of each setting (convolutions' share, top operators)")
    ap.add_argument("--out", help="write the results as JSON here")
    args = ap.parse_args(argv)
    if args.profile and args.device.startswith("cuda"):
        ap.error("--profile measures CPU time; use it with --device cpu")
    from wiringup.training import cpu_bf16_supported, set_determinism

    set_determinism()  # as the train rule runs (cudnn.benchmark off; cuDNN's default TF32 convolutions stay on)
    opts = {"off": [False], "on": [True], "both": [False, True]}
    name = torch.cuda.get_device_name(0) if args.device.startswith("cuda") else "cpu"
    flops = step_flops(args)
    peak32 = matmul_rate(args.device, torch.float32, n=args.matmul_size)
    native_bf16 = cpu_bf16_supported() if not args.device.startswith("cuda") else None
    cpu_amp = args.amp != "off" and (args.amp_cpu or bool(native_bf16))
    if args.device.startswith("cuda"):
        peak16 = matmul_rate(args.device, torch.bfloat16, n=args.matmul_size)
    elif cpu_amp:  # a CPU without bf16 instructions runs bf16 matmul far slower: a smaller product keeps this short
        peak16 = matmul_rate(args.device, torch.bfloat16, n=args.matmul_size if native_bf16
                             else min(1024, args.matmul_size), reps=10 if native_bf16 else 3)
    else:
        peak16 = None
    print(f"device {name}; torch {torch.__version__}; CORnet-S width {args.width}, {args.size} px, batch {args.batch}")
    if native_bf16 is not None:
        print(f"CPU native bfloat16 (AVX512_BF16 / AMX): {native_bf16}; speed.amp trains in "
              f"{'bf16' if native_bf16 else 'fp32'} here" + ("" if cpu_amp or args.amp == "off"
                                                              else "; bf16 rows skipped (--amp-cpu forces them)"))
    print(f"training step {flops / 1e9:.2f} GFLOP per image; dense matmul fp32 {peak32 / 1e12:.2f} TFLOP/s"
          + (f", bf16 {peak16 / 1e12:.3g} TFLOP/s" if peak16 else ""))
    print(f"{'amp':5s} {'ch_last':7s} {'compile':7s} {'images/s':>9s} {'TFLOP/s':>8s} {'of peak':>7s} "
          f"{'peak GiB':>8s} {f'{args.epochs:g} ep ImageNet':>16s}")
    rows = []
    for amp, cl, comp in itertools.product(opts[args.amp], opts[args.channels_last], opts[args.compile]):
        if amp and not args.device.startswith("cuda") and not cpu_amp:
            continue
        try:
            r = measure(args, amp, cl, comp)
        except Exception as exc:  # noqa: BLE001 - report and go on (e.g. out of memory)
            print(f"{str(amp):5s} {str(cl):7s} {str(comp):7s} failed: {type(exc).__name__}: {exc}"[:300])
            continue
        achieved = r["images_per_s"] * flops
        peak = peak16 if amp else peak32
        hours = args.epochs * IMAGENET_TRAIN / r["images_per_s"] / 3600
        r.update({"tflops": achieved / 1e12, "of_peak": achieved / peak, "hours": hours})
        rows.append(r)
        mem = f"{r['peak_gib']:.1f}" if r["peak_gib"] is not None else "-"
        print(f"{str(amp):5s} {str(cl):7s} {str(comp):7s} {r['images_per_s']:9.1f} {achieved / 1e12:8.2f} "
              f"{achieved / peak:7.1%} {mem:>8s} {hours:14.1f} h", flush=True)
        if r["profile"]:
            pr = r["profile"]
            ratio = pr["conv_backward_over_forward"]
            print(f"      profile of {pr['steps']} steps: convolutions {pr['conv_share']:.0%} of the step's CPU time"
                  + (f" (backward {ratio:.1f}x forward)" if ratio else "") + "; top: "
                  + ", ".join(f"{k} {v:.0%}" for k, v in pr["top"]), flush=True)
    rates = data_rates(args.size, args.data_images) if args.data_rate else None
    if rates:
        best = max((r["images_per_s"] for r in rows), default=0)
        for k, v in rates.items():
            print(f"data path {k:12s} {v:7.1f} images/s per CPU core at {args.size} px"
                  + (f" -> {math.ceil(best / v)} workers to feed {best:.0f} images/s" if best else ""))
    if args.out:
        Path(args.out).write_text(json.dumps({"device": name, "torch": torch.__version__, "args": vars(args),
                                              "cpu_native_bf16": native_bf16,
                                              "gflop_per_image": flops / 1e9, "matmul_fp32_tflops": peak32 / 1e12,
                                              "matmul_bf16_tflops": peak16 / 1e12 if peak16 else None,
                                              "rows": rows, "data_rates": rates}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
