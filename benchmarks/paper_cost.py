#!/usr/bin/env python
"""Cost of the paper's plan, from a paper-size smoke run (tests/configs/paper_smoke.yaml).

Reads a finished smoke run's folder (run with ``--benchmark-extended``, as tests/test_paper_smoke.py does) and
prints, as Markdown:

1. per rule family (Snakemake ``rule_name``): jobs, summed and largest wall seconds, largest peak memory (max RSS)
   from the run's ``results/runtime/**/*.tsv`` benchmark files;
2. the measured training cost per image and epoch of each (architecture, trained set) the smoke run trained at full
   width and 224 px, from the runs' ``summary.json`` (steady seconds per step / batch size);
3. the paper plan (``config/config.yaml`` + ``config/paper.yaml``, validated, through the torch-free plan): every
   training run's image passes (images x its last checkpoint epoch, "all" = ImageNet's 1,281,167 training
   images; runs that converge earlier stop earlier, so these are upper bounds), their CPU-hours at the measured
   rates, and GPU-hours at ASSUMED rates (``--gpu-rates``; no GPU rate has been measured for this project); and the
   plan's score jobs.

    .venv/bin/python benchmarks/paper_cost.py <smoke run folder> [--gpu-rates 500 1000 2000]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

IMAGENET_TRAIN = 1_281_167  # ILSVRC-2012 training images


def rule_families(run_dir: Path) -> pd.DataFrame:
    """One row per rule: jobs, wall seconds (sum, max), peak memory (max RSS, MB) of its benchmark files."""
    rows = []
    for f in sorted((run_dir / "results" / "runtime").rglob("*.tsv")):
        t = pd.read_csv(f, sep="\t")
        if "rule_name" not in t.columns:
            raise SystemExit(f"{f}: no rule_name column; run the smoke workflow with --benchmark-extended")
        rows.append(t.iloc[-1])
    t = pd.DataFrame(rows)
    if t.empty:
        raise SystemExit(f"{run_dir}/results/runtime: no benchmark files; is this a finished smoke run?")
    t["max_rss"] = pd.to_numeric(t["max_rss"], errors="coerce")
    out = t.groupby("rule_name").agg(jobs=("s", "size"), wall_s=("s", "sum"), max_job_s=("s", "max"),
                                     peak_mb=("max_rss", "max"))
    return out.sort_values("wall_s", ascending=False)


def training_rates(run_dir: Path) -> pd.DataFrame:
    """Seconds per training image per (arch, trained set), from the runs' summary.json: the steady time per step
    (without the first step's one-time costs) over the batch (images / steps per epoch, rounded up)."""
    import math

    rows = []
    for f in sorted((run_dir / "results" / "models").rglob("summary.json")):
        s = json.loads(f.read_text())
        per_step = s.get("steady_seconds_per_step") or s.get("seconds_per_step")
        if not per_step or not s.get("steps_per_epoch") or not s.get("images"):
            continue
        batch = math.ceil(int(s["images"]) / int(s["steps_per_epoch"]))
        variant = s.get("variant") or f.parent.parent.name
        arch = next((a for a in ("resnet50", "mobilenet_v1") if variant.startswith(f"{a}_")), "cornet_s")
        rows.append({"arch": arch, "trained": s.get("trained"), "variant": variant, "batch": batch,
                     "steps": s.get("steps"), "s_per_image": per_step / batch})
    if not rows:
        raise SystemExit(f"{run_dir}/results/models: no training summary.json with step times")
    return pd.DataFrame(rows)


def paper_config() -> dict:
    from wiringup.runtime.configs import load_config

    # the placeholder ImageNet root is refused; the plan's counts do not use it
    return load_config(REPO / "config" / "config.yaml", REPO / "config" / "paper.yaml",
                       {"imagenet": {"root": "imagenette80"}})


def paper_training(cfg: dict) -> pd.DataFrame:
    """Every training run of the paper plan: arch, trained set, images, last epoch, image passes."""
    from wiringup.plan import experiments as E
    from wiringup.plan.build import build

    plan = build(cfg)
    epochs = E.variant_epochs(cfg)
    rows = []
    for variant, images, seed in E.trained_runs(cfg):
        n = IMAGENET_TRAIN if images == "all" else int(images)
        rows.append({"arch": "cornet_s", "variant": variant, "trained": plan.trained_sets[variant],
                     "images": n, "seed": seed, "epochs": max(epochs[variant])})
    t = plan.transfer
    n = IMAGENET_TRAIN if cfg["transfer"]["images"] == "all" else int(cfg["transfer"]["images"])
    for variant in t.schedule["variants"]:
        arch = next(a for a in t.archs if variant.startswith(f"{a}_"))
        trained = E.variant_spec(cfg, variant).get("trained", "all")
        for seed in cfg["transfer"]["seeds"]:
            rows.append({"arch": arch, "variant": variant, "trained": trained, "images": n, "seed": seed,
                         "epochs": max(t.schedule["epochs"])})
    out = pd.DataFrame(rows).drop_duplicates(["arch", "variant", "images", "seed"])
    out["image_passes"] = out["images"] * out["epochs"]
    out.attrs["score_jobs"] = len(plan.scored_models)
    return out


def rate_for(rates: pd.DataFrame, arch: str, trained: str) -> tuple[float, str]:
    """The measured s/image for (arch, trained): the same set if measured; else all-layer training for sets that
    reach V1 (every BatchNorm, standard), the CT rate for the other partial sets (their backward stops at or
    above CT's V2.conv3, so CT's rate is an upper bound for them)."""
    mine = rates[rates["arch"] == arch]
    same = mine[mine["trained"] == trained]
    if not same.empty:
        return float(same["s_per_image"].median()), trained
    full = trained in ("all", None) or trained.startswith("batchnorm")
    proxy = mine[mine["trained"] == ("all" if full else "ct")]
    if proxy.empty:
        return float("nan"), "unmeasured"
    return float(proxy["s_per_image"].median()), ("all" if full else "ct") + " (proxy)"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run_dir", type=Path, help="folder of a finished paper smoke run (tests/configs/paper_smoke.yaml)")
    ap.add_argument("--gpu-rates", type=float, nargs="+", default=[500.0, 1000.0, 2000.0],
                    help="ASSUMED CORnet-S training rates on one GPU (images/s) for the GPU-hour columns")
    a = ap.parse_args(argv)

    fam = rule_families(a.run_dir)
    print("### Per rule family (smoke run)\n")
    print(fam.to_markdown(floatfmt=".1f"))
    rates = training_rates(a.run_dir)
    print("\n### Training cost per image (full width, 224 px, this CPU)\n")
    print(rates.groupby(["arch", "trained"])["s_per_image"].median().reset_index().to_markdown(index=False,
                                                                                              floatfmt=".3f"))
    cfg = paper_config()
    runs = paper_training(cfg)
    got = [rate_for(rates, r.arch, r.trained) for r in runs.itertuples()]
    runs["s_per_image"] = [g[0] for g in got]
    runs["rate_from"] = [g[1] for g in got]
    runs["cpu_hours"] = runs["image_passes"] * runs["s_per_image"] / 3600
    by = runs.groupby(["arch", "rate_from"]).agg(runs=("variant", "size"), image_passes=("image_passes", "sum"),
                                                 cpu_hours=("cpu_hours", "sum")).reset_index()
    cornet = runs["arch"] == "cornet_s"
    # the assumed rate is for full CORnet-S training; other rows scale by their measured CPU cost ratio
    ref = rate_for(rates, "cornet_s", "all")[0]
    for r in a.gpu_rates:
        runs[f"gpu_h@{r:g}"] = runs["image_passes"] * runs["s_per_image"] / ref / r / 3600
        by[f"gpu_h@{r:g}"] = runs.groupby(["arch", "rate_from"])[f"gpu_h@{r:g}"].sum().to_numpy()
    print("\n### Paper plan (config/paper.yaml): training, upper bounds (every run to its last epoch)\n")
    print(by.to_markdown(index=False, floatfmt=",.0f"))
    tot = runs[[c for c in runs.columns if c.startswith(("cpu_hours", "gpu_h@"))]].sum()
    print(f"\nTotal: {len(runs)} training runs ({int(cornet.sum())} CORnet-S), "
          f"{runs['image_passes'].sum():,.0f} image passes; "
          + ", ".join(f"{k} {v:,.0f}" for k, v in tot.items())
          + ". GPU columns: ASSUMED rates (images/s of full CORnet-S training on one GPU), not measured.")
    score = fam.loc[[i for i in fam.index if i.startswith("score")]]
    per_job = score["wall_s"].sum() / max(int(score["jobs"].sum()), 1)
    print(f"\nScore jobs of the paper plan: {runs.attrs['score_jobs']:,} models; smoke run: {per_job:.1f} s per "
          "score job on its reduced local suite (not Brain-Score's stimulus counts).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
