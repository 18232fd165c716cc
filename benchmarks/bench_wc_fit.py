#!/usr/bin/env python
"""Time the Weight Compression fit (``wiringup.wc.fit.fit_wc``) of a full-size CORnet-S.

No trained CORnet-S weights ship with the project, so the network to compress is either

* ``--source authors`` (default): a full-width CORnet-S sampled from the authors' published WC files — it has
  the trained network's cluster structure, which is what k-means sees on real weights; or
* ``--source kn``: the Kaiming-Normal init (no cluster structure; the worst case for k-means convergence), or
* ``--checkpoint PATH``: any pipeline checkpoint.

Prints the seconds of the k-means + BatchNorm part (the 16 clustered layers, elbow curves included) and of the
first layer's Gabor fit + mixture separately, and the total. The budget is 60 s for the part without the Gabor
fit on 2 cores.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_wc_fit.py
    PYTHONPATH=src .venv/bin/python benchmarks/bench_wc_fit.py --k authors --gabor-niter 15
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from wiringup.wc import gabor  # noqa: E402
from wiringup.wc.authors import import_authors  # noqa: E402
from wiringup.wc.distributions import KMeansLayer, save_wc  # noqa: E402
from wiringup.wc.fit import AUTHORS_K, fit_wc  # noqa: E402
from wiringup.wc.sample import sample_model  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", choices=["authors", "kn"], default="authors",
                    help="network to compress when no --checkpoint is given (default: authors)")
    ap.add_argument("--checkpoint", help="compress this pipeline checkpoint instead")
    ap.add_argument("--data-root", default=os.environ.get("WIRINGUP_DATA_ROOT", str(REPO.parent / "shared" / "data")),
                    help="shared data root holding geiger2022/wc_distributions (default: $WIRINGUP_DATA_ROOT or "
                         "../shared/data)")
    ap.add_argument("--width", type=float, default=1.0, help="network width (default 1.0 = full size)")
    ap.add_argument("--k", choices=["elbow", "authors"], default="elbow",
                    help="choose k by the elbow rule or use AUTHORS_K (default: elbow)")
    ap.add_argument("--gabor-niter", type=int, default=gabor.DEFAULT_NITER,
                    help=f"basin-hopping steps per Gabor fit (default {gabor.DEFAULT_NITER}; authors "
                         f"{gabor.AUTHORS_NITER})")
    ap.add_argument("--gabor-jobs", type=int, default=2, help="processes for the Gabor fits (default 2)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", help="also save the fitted distributions to this .npz")
    args = ap.parse_args(argv)

    from wiringup.nets.registry import build_model

    t0 = time.perf_counter()
    if args.checkpoint:
        from wiringup.nets.checkpoints import load_model

        model = load_model(args.checkpoint)[0]
        what = args.checkpoint
    elif args.source == "authors":
        wc = import_authors(Path(args.data_root) / "geiger2022" / "wc_distributions", seed=args.seed)
        model = sample_model(wc, seed=args.seed, width=args.width, copy_bn_stats=False)
        what = f"CORnet-S width {args.width} sampled from the authors' WC files"
    else:
        model = build_model("cornet_s", seed=args.seed, width=args.width)
        what = f"CORnet-S width {args.width}, Kaiming-Normal init"
    print(f"network: {what} (prepared in {time.perf_counter() - t0:.1f} s)")
    t0 = time.perf_counter()
    wc = fit_wc(model, k_per_layer=AUTHORS_K if args.k == "authors" else None, seed=args.seed,
                gabor_niter=args.gabor_niter, gabor_n_jobs=args.gabor_jobs, progress=True)
    total = time.perf_counter() - t0
    timings = wc.source["timings_s"]
    first = next(iter(wc.layers))
    gabor_s = timings[first]
    print("layer       k  (elbow rule k)  seconds")
    for name, layer in wc.layers.items():
        if isinstance(layer, KMeansLayer):
            print(f"{name:<12}{layer.k:>2}  ({layer.elbow['rule_k']:>2})  {timings[name]:8.2f}")
    print(f"k-means + BatchNorm (without the Gabor fit): {total - gabor_s:.1f} s")
    print(f"Gabor fit + mixture ({first}, niter={args.gabor_niter}, {args.gabor_jobs} processes, "
          f"{wc.layers[first].n_components} components): {gabor_s:.1f} s")
    print(f"total: {total:.1f} s; WC parameter count (authors' rule): {wc.parameter_count()['authors_rule']}")
    if args.out:
        save_wc(wc, args.out)
        print(f"saved {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
