#!/usr/bin/env python
"""Training throughput: a CORnet-repository-style loop against this project's trainer, in one run.

Both train the same CORnet-S (same width, input size, seed), on the same images (a manifest of ``--images``
training images of an ImageNet-layout folder, Imagenette by default), with the same batch size and optimiser,
for the same fixed number of steps:

* ``reference`` — the loop of the CORnet repository (dicarlolab/CORnet, ``run.py``): ``torchvision.datasets.
  ImageFolder`` with PIL decoding every epoch, ``RandomResizedCrop + RandomHorizontalFlip + ToTensor +
  Normalize``, a shuffling DataLoader, plain fp32 NCHW, SGD, top-1/top-5 per step.
* ``ours`` — ``wiringup.training.train`` as the ``train`` rule runs it, with the config's speed switches
  (``--cache``: decoded-once uint8 image cache + torch augmentation; ``--channels-last``), plus its own
  overhead (per-step metrics, seeded per-sample augmentation, resume state, checkpoint).
* ``ours, no cache`` (``--also-uncached``) — ours decoding the JPEGs each epoch (``speed.data_cache: false``).
* ``ours+compile`` (``--compile``) — the same with ``torch.compile`` (its compile time is reported apart).

Steady-state images/s are measured after ``--warmup`` steps, in wall time and per CPU-second of the process
(all its threads; with ``--workers 0`` that is all the work, and on a shared, loaded machine it is the robust
measure: use ``--threads 1`` there, as idle OpenMP threads spin and bill CPU time while they wait). Variants run
in turn for ``--rounds`` rounds (A B, B A, ...) and the median is reported, so that changing load from other
processes hits all of them alike. "best steps" is the rate of the fastest fifth of all steps (each variant's
steps pooled over rounds): close to the unloaded rate when other processes only come and go. Also printed: the training step's FLOPs (torch's FlopCounterMode, forward + backward), the
achieved FLOP/s and the machine's dense fp32 matmul rate with the same threads.

Steps are timed in the main process, where the loop asks for its next batch (:class:`BatchClock`), so
``--workers N`` works; its per-CPU-second rate then leaves out the workers' CPU time (use the wall rate).

    nice -n 10 .venv/bin/python benchmarks/bench_training.py                      # CPU defaults: width 0.25, 64 px
    nice -n 10 .venv/bin/python benchmarks/bench_training.py --compile --rounds 3
    .venv/bin/python benchmarks/bench_training.py --device cuda --width 1 --size 224 --batch 256 --amp
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import json
import math
import os
import platform
import statistics
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


def matmul_rate(threads: int, device: str, n: int = 2048, reps: int = 5, dtype=torch.float32) -> tuple[float, float]:
    """Best-of-``reps`` dense matmul rate: FLOP per wall second and per process CPU second (2 n^3 per product)."""
    torch.set_num_threads(threads)
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    best, best_cpu = math.inf, math.inf
    for _ in range(reps + 1):
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        t, c = time.perf_counter(), time.process_time()
        (a @ b).sum().item()
        best, best_cpu = min(best, time.perf_counter() - t), min(best_cpu, time.process_time() - c)
    return 2 * n ** 3 / best, 2 * n ** 3 / best_cpu


def step_flops(width: float, classes: int, size: int, batch: int) -> float:
    """FLOPs of one training step (forward + backward), counted by torch.utils.flop_counter."""
    from torch.utils.flop_counter import FlopCounterMode

    model = build_model(seed=0, arch="cornet_s", width=width, num_classes=classes)
    x = torch.randn(batch, 3, size, size)
    y = torch.zeros(batch, dtype=torch.long)
    with FlopCounterMode(display=False) as fc:
        nn.functional.cross_entropy(model(x), y).backward()
    return float(fc.get_total_flops())


def synthetic_imagenet(root: Path, n: int, classes: int = 10) -> Path:
    """An ImageNet-layout folder of ``n`` JPEGs of ImageNet's typical size (500 x 375, quality 90, ~100 kB:
    smooth random colour fields plus pixel noise, about as costly to decode as photographs)."""
    from PIL import Image

    rng = np.random.default_rng(0)
    for k in range(n):
        d = root / "train" / f"n{k % classes:08d}"
        d.mkdir(parents=True, exist_ok=True)
        small = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
        a = np.asarray(Image.fromarray(small).resize((500, 375), Image.BICUBIC), dtype=np.int16)
        a = np.clip(a + rng.integers(-30, 31, a.shape), 0, 255).astype(np.uint8)
        Image.fromarray(a).save(d / f"img{k}.JPEG", quality=90)
    return root


class BatchClock:
    """Notes wall and process CPU time, in the main process, when batch ``mark_at`` (0-based, counted over all
    epochs) is requested from a DataLoader made by :meth:`loader_class`: right after step ``mark_at`` finished.

    The mark is taken where the training loop asks for the next batch, never inside the dataset: with
    ``num_workers > 0`` ``__getitem__`` runs in worker processes, and a mark set there never reaches this one.
    Process CPU time counts this process only: with workers it leaves out their decoding (use the wall rate).
    """

    def __init__(self, mark_at: int):
        self.mark_at, self.batches, self.mark = mark_at, 0, None

    def tick(self) -> None:
        if self.batches == self.mark_at:
            self.mark = (time.perf_counter(), time.process_time())
        self.batches += 1

    def loader_class(self) -> type:
        clock = self

        class ClockedLoader(torch.utils.data.DataLoader):
            def __iter__(self):
                it = super().__iter__()
                while True:
                    clock.tick()
                    try:
                        batch = next(it)
                    except StopIteration:
                        clock.batches -= 1  # the end of an epoch is no batch (a mark set here is set again)
                        return
                    yield batch

        return ClockedLoader

    @contextlib.contextmanager
    def patch_training_loader(self):
        """``wiringup.training.train`` builds its DataLoaders through this clock while the context is open."""
        import wiringup.training as training

        saved = training.DataLoader
        training.DataLoader = self.loader_class()
        try:
            yield self
        finally:
            training.DataLoader = saved

    def rates(self, steps: int, warmup: int, batch: int) -> dict:
        if self.mark is None:
            raise RuntimeError(f"no timing mark: the loop requested {self.batches} batches, fewer than "
                               f"--warmup {warmup} + 1; raise --steps")
        wall, cpu = time.perf_counter() - self.mark[0], time.process_time() - self.mark[1]
        return {"images_per_s": (steps - warmup) * batch / wall, "images_per_cpu_s": (steps - warmup) * batch / cpu}


def reference(args, root: Path, paths: list[str], classes: list[str], device: str) -> dict:
    """The CORnet repository's training loop (run.py, ImageNetTrain) on the manifest's images."""
    import torchvision

    normalize = torchvision.transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
    dataset = torchvision.datasets.ImageFolder(
        str(root / "train"),
        torchvision.transforms.Compose([
            torchvision.transforms.RandomResizedCrop(args.size),
            torchvision.transforms.RandomHorizontalFlip(),
            torchvision.transforms.ToTensor(),
            normalize,
        ]))
    index = {os.path.relpath(p, root): k for k, (p, _) in enumerate(dataset.samples)}
    subset = torch.utils.data.Subset(dataset, [index[p] for p in paths])  # the same images as ours
    clock = BatchClock(args.warmup)
    loader = clock.loader_class()(subset, batch_size=args.batch, shuffle=True, num_workers=args.workers,
                                  pin_memory=device.startswith("cuda"), generator=torch.Generator().manual_seed(0))
    model = build_model(seed=0, arch="cornet_s", width=args.width, num_classes=len(classes)).to(device)
    optimizer = torch.optim.SGD(model.parameters(), 0.1, momentum=0.9, weight_decay=1e-4)
    criterion = nn.CrossEntropyLoss().to(device)
    model.train()
    times, step = [], 0
    t0 = time.perf_counter()
    while step < args.steps:
        for inp, target in loader:
            inp, target = inp.to(device, non_blocking=True), target.to(device, non_blocking=True)
            output = model(inp)
            loss = criterion(output, target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            with torch.no_grad():  # CORnet's accuracy(output, target, topk=(1, 5)) and loss.item()
                _, pred = output.topk(min(5, output.shape[1]), 1, True, True)
                (pred == target[:, None]).float().sum(0).cpu()
                loss.item()
            step += 1
            times.append(time.perf_counter() - t0)
            if step >= args.steps:
                break
    return {"seconds": times, **clock.rates(args.steps, args.warmup, args.batch)}


def ours(args, root: Path, manifest, manifest_path: Path, cache: Path | None, device: str, work: Path,
         compile_model: bool, tag: str) -> dict:
    """wiringup.training.train as the train rule calls it (workflow/scripts/train.py)."""
    from wiringup.data.images import CachedManifestDataset, ManifestDataset, train_transform
    from wiringup.core.io import sha256_file
    from wiringup.training import Recipe, epoch_label, set_determinism, train

    set_determinism(args.threads)
    if cache is not None:
        dataset = CachedManifestDataset(cache, manifest, args.size, seed=0, manifest_sha256=sha256_file(manifest_path))
    else:
        dataset = ManifestDataset(root, manifest, train_transform(args.size), seed=0)
    clock = BatchClock(args.warmup)
    model_config = {"arch": "cornet_s", "width": args.width, "num_classes": len(manifest.classes)}
    model = build_model(seed=0, **model_config)
    recipe = Recipe(batch_size=args.batch, schedule="constant", max_epochs=1000)
    spe = math.ceil(len(dataset) / args.batch)
    epoch = args.steps / spe
    run = work / tag
    t0 = time.perf_counter()
    with clock.patch_training_loader():
        summary = train(model, dataset, recipe, {epoch: run / f"epoch_{epoch_label(epoch)}.pt"}, seed=0,
                        model_config=model_config, meta={"images": len(dataset)}, resume_dir=run / "resume",
                        metrics_path=run / "metrics.csv", resume_key="bench", device=device,
                        num_workers=args.workers, progress=False, channels_last=args.channels_last, amp=args.amp,
                        compile_model=compile_model)
    rates = clock.rates(args.steps, args.warmup, args.batch)  # the end: after the last step's checkpoint
    wall = time.perf_counter() - t0
    with open(run / "metrics.csv", newline="") as f:
        seconds = [float(r["seconds"]) for r in csv.DictReader(f)]
    return {"seconds": seconds, "wall": wall, "precision": summary.get("precision"), **rates}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-root", default=os.environ.get("WIRINGUP_DATA_ROOT", str(REPO.parent / "shared" / "data")))
    ap.add_argument("--imagenet", default="imagenette80", help="ImageNet-layout folder under the data root")
    ap.add_argument("--images", default="2000", help="training images in the manifest (or 'all'; default 2000; with --synthetic all of them)")
    ap.add_argument("--width", type=float, default=0.25, help="CORnet-S width (default 0.25, the embedded default)")
    ap.add_argument("--size", type=int, default=64, help="input size in pixels (default 64)")
    ap.add_argument("--batch", type=int, default=64, help="batch size (default 64)")
    ap.add_argument("--steps", type=int, default=24, help="training steps per variant and round (default 24)")
    ap.add_argument("--warmup", type=int, default=4, help="steps excluded from the rate (default 4)")
    ap.add_argument("--rounds", type=int, default=2, help="rounds of all variants, alternating order (default 2)")
    ap.add_argument("--threads", type=int, default=2, help="torch intra-op threads (default 2)")
    ap.add_argument("--workers", type=int, default=0, help="DataLoader workers, both loops (default 0)")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--no-cache", dest="cache", action="store_false", help="ours without the image cache")
    ap.add_argument("--no-channels-last", dest="channels_last", action="store_false")
    ap.add_argument("--amp", action="store_true",
                    help="ours with speed.amp: bfloat16 autocast on a GPU or a CPU with native bf16 (AVX512_BF16/AMX), "
                         "fp32 elsewhere (the precision used is printed)")
    ap.add_argument("--compile", action="store_true", help="also run ours with torch.compile")
    ap.add_argument("--also-uncached", action="store_true", help="also run ours without the image cache")
    ap.add_argument("--cache-short-side", type=int, default=None,
                    help="shrink cached images to this short side (config speed.cache_short_side; default: keep)")
    ap.add_argument("--synthetic", type=int, default=0, metavar="N",
                    help="instead of --imagenet, N synthetic ImageNet-sized JPEGs (500 x 375, ~100 kB, 10 classes): "
                         "what decoding costs on full-size ImageNet files")
    ap.add_argument("--matmul-size", type=int, default=2048,
                    help="side of the dense matmul that measures the machine's fp32 rate (default 2048)")
    ap.add_argument("--out", help="write the results as JSON here")
    args = ap.parse_args(argv)
    if args.steps <= args.warmup:
        ap.error("--steps must exceed --warmup")
    torch.set_num_threads(args.threads)

    from wiringup.data.images import build_image_cache
    from wiringup.data.manifests import make_manifest, read_manifest

    root = Path(args.data_root) / args.imagenet
    device = args.device
    with tempfile.TemporaryDirectory(prefix="bench_training_") as tmp:
        work = Path(tmp)
        if args.synthetic:
            root = synthetic_imagenet(work / "synthetic", args.synthetic)
        n = "all" if args.images == "all" or args.synthetic else int(args.images)
        make_manifest(root, "train", n, 0, work / "m.tsv", verify=False)
        manifest = read_manifest(work / "m.tsv")
        cache, cache_info = None, None
        if args.cache:
            cache = work / "m.imgcache"
            cache_info = build_image_cache(root, manifest, cache, short_side=args.cache_short_side,
                                           workers=args.threads)
            print(f"image cache: {cache_info['images']} images, {cache_info['file_bytes'] / 1e6:.1f} MB, "
                  f"built in {cache_info['seconds']:.1f} s (once per manifest; not in the rates below)", flush=True)
        variants = {"reference": lambda r: reference(args, root, manifest.paths, manifest.classes, device),
                    "ours": lambda r: ours(args, root, manifest, work / "m.tsv", cache, device, work, False,
                                           f"ours{r}")}
        if args.also_uncached and cache is not None:
            variants["ours, no cache"] = lambda r: ours(args, root, manifest, work / "m.tsv", None, device, work,
                                                        False, f"uncached{r}")
        if args.compile:
            variants["ours+compile"] = lambda r: ours(args, root, manifest, work / "m.tsv", cache, device, work,
                                                      True, f"compiled{r}")
        rates: dict[str, dict[str, list[float]]] = {k: {"wall": [], "cpu": []} for k in variants}
        steps: dict[str, list[float]] = {k: [] for k in variants}  # durations of the steps after the warm-up
        extra: dict[str, list[float]] = {}
        precision: dict[str, str] = {}
        for r in range(args.rounds):
            order = list(variants) if r % 2 == 0 else list(reversed(variants))
            for name in order:
                res = variants[name](r)
                precision[name] = res.get("precision") or "fp32"
                rates[name]["wall"].append(res["images_per_s"])
                rates[name]["cpu"].append(res["images_per_cpu_s"])
                sec = [0.0] + list(res["seconds"])
                steps[name] += [sec[k + 1] - sec[k] for k in range(args.warmup, len(sec) - 1)]
                first = res["seconds"][args.warmup - 1] if args.warmup else 0.0
                extra.setdefault(f"{name} first {args.warmup} steps (s)", []).append(first)
                print(f"round {r + 1} {name:15s} {res['images_per_s']:8.1f} images/s {res['images_per_cpu_s']:8.1f} "
                      f"images/CPU-s   (first {args.warmup} steps {first:.1f} s)", flush=True)
        flops = step_flops(args.width, len(manifest.classes), args.size, args.batch) / args.batch
        peak, peak_cpu = matmul_rate(args.threads, device, n=args.matmul_size)
    med = {k: {m: statistics.median(v[m]) for m in v} for k, v in rates.items()}
    for k, d in steps.items():  # the fastest fifth of all steps: the machine's rate when the others leave it alone
        fast = sorted(d)[: max(1, len(d) // 5)]
        med[k]["best"] = args.batch / statistics.median(fast)
    ref = med["reference"]
    print()
    print(f"CORnet-S width {args.width}, {args.size} px, batch {args.batch}, {args.steps} steps "
          f"({args.warmup} warm-up), {len(manifest.paths)} images of {root}, device {device}, {args.threads} threads, "
          f"{args.workers} workers; ours: cache={args.cache} channels_last={args.channels_last} amp={args.amp} "
          f"(precision {precision.get('ours')})")
    if args.workers:
        print(f"img/CPU-s counts this process only: the {args.workers} DataLoader workers' CPU time is not in it")
    print(f"training step: {flops / 1e9:.3f} GFLOP per image (forward + backward); dense fp32 matmul "
          f"{peak / 1e9:.1f} GFLOP/s wall, {peak_cpu / 1e9:.1f} GFLOP per CPU-second")
    print(f"{'variant':15s} {'images/s':>9s} {'ratio':>6s} {'GFLOP/s':>8s} {'of matmul':>9s} | "
          f"{'img/CPU-s':>9s} {'ratio':>6s} {'of matmul':>9s} | {'best steps':>10s} {'ratio':>6s} {'of matmul':>9s}")
    for k, v in med.items():
        w, c, b = v["wall"], v["cpu"], v["best"]
        print(f"{k:15s} {w:9.1f} {w / ref['wall']:6.2f} {w * flops / 1e9:8.1f} {w * flops / peak:9.1%} | "
              f"{c:9.1f} {c / ref['cpu']:6.2f} {c * flops / peak_cpu:9.1%} | "
              f"{b:10.1f} {b / ref['best']:6.2f} {b * flops / peak:9.1%}")
    if args.out:
        Path(args.out).write_text(json.dumps({
            "args": vars(args), "rates": rates, "median": med, "step_seconds": steps,
            "ratio": {k: {m: v[m] / ref[m] for m in v} for k, v in med.items()},
            "gflop_per_image": flops / 1e9, "matmul_gflops": peak / 1e9, "matmul_gflop_per_cpu_s": peak_cpu / 1e9,
            "cache": cache_info, "first_steps": extra, "precision": precision, "torch": torch.__version__,
            "device_name": torch.cuda.get_device_name(0) if device.startswith("cuda") else platform.processor()
            or platform.machine()}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
