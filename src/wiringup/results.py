"""Score JSON files and the tidy score table.

Score JSON (one per model × benchmark, ``results/scores/<benchmark>/<model_id>.json``)::

    {"format": "wiringup-score", "version": 1,
     "model_id": "standard/n500_seed0/epoch_01", "benchmark_id": "Cowley2023.210325.V4-pls",
     "backend": "local", "region": "V4", "layer": "V4.output-t0",
     "score": 0.41,            # ceiled score (raw / ceiling); null when the benchmark has no ceiling
     "raw": 0.30, "ceiling": 0.73, "error": 0.02, "per_split": [...],
     "n_stimuli": 640, "n_neuroids": 50, "seconds": 3.2,
     "benchmark": {"description": ..., "citation": ...},
     "model": {"variant": ..., "init": ..., "images": 500, "epoch": 1.0, "seed": 0, "supervised_updates": 500.0,
               "synaptic_updates": ..., "images_seen": ..., "step": ..., "trained_conv_weights": ...},
     "provenance": {...}}

The tidy table (``results/tables/scores.csv``) has one row per model × benchmark with the columns in
:data:`TABLE_COLUMNS`; figures read only this table.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd

from .io import WiringupError, atomic_path, read_json, write_json

FORMAT = "wiringup-score"
VERSION = 1
# The model's factors a score row carries. The vocabulary of ``init`` (kn, wc, mixture_gaussian, kernel_normal,
# no_gabor, ...) and ``trained`` (all, ct, ct_v2, ct_v4, dt_v4, dt_it, decoder, conv1*, batchnorm*; None at birth)
# is the one wiringup.authors_scores decodes the authors' model ids into, so our runs and theirs share figures.
MODEL_FIELDS = ["arch", "width", "variant", "init", "trained", "optimizer", "lr", "weight_decay", "images", "epoch",
                "seed", "supervised_updates", "synaptic_updates", "images_seen", "step", "trained_conv_weights"]
TABLE_COLUMNS = (["source", "model_id", "benchmark_id", "backend", "region", "layer", "score", "raw", "ceiling",
                  "error", "n_stimuli", "n_neuroids"] + MODEL_FIELDS + ["seconds"])
SOURCE = "this run"


def model_fields(meta: dict[str, Any], model_config: dict[str, Any] | None = None) -> dict[str, Any]:
    """The model facts a score row carries, from a checkpoint's meta (and its model config: arch, width).

    ``trained`` is the meta's trained-layer set name; a trained checkpoint without one trained every layer
    ("all"); a model at birth (epoch 0, no variant) has None. ``optimizer``/``lr``/``weight_decay`` come from
    the recorded training recipe (None at birth).
    """
    simple = [k for k in MODEL_FIELDS if k not in ("arch", "width", "trained", "optimizer", "lr", "weight_decay",
                                                     "trained_conv_weights")]
    out = {k: meta.get(k) for k in simple}
    # A trained model's init in the authors' vocabulary: trained from a sampled init named e.g. `wc_ct` (WC with
    # norm3 BN at defaults) is `wc`. Models at birth keep their init name (the WC statistics select by it).
    if meta.get("variant") and meta.get("wc_method"):
        out["init"] = meta["wc_method"]
    model_config = model_config or {}
    out["arch"] = model_config.get("arch", meta.get("arch"))
    out["width"] = model_config.get("width", meta.get("width"))
    recipe = meta.get("recipe") or {}
    trained = meta.get("trained")
    if trained is None and recipe:
        trained = "all" if recipe.get("trained_layers") is None else "custom"
    out["trained"] = trained
    out["optimizer"], out["lr"], out["weight_decay"] = (recipe.get("optimizer"), recipe.get("lr"),
                                                        recipe.get("weight_decay"))
    out["trained_conv_weights"] = (meta.get("trained_parameters") or {}).get("conv_weights")
    return out


def score_checkpoint(model_path: str, out_path: str, *, model_id: str, benchmark: dict[str, Any], data_root: str,
                     scoring: dict[str, Any], input_size: int, threads: int = 1, assembly: str | None = None,
                     manifest: str | None = None, imagenet_root: str | None = None) -> dict[str, Any]:
    """Score one checkpoint on one configured benchmark (local or brainscore backend); write its score JSON.

    Local neural benchmarks are read from their packaged ``assembly`` (rule package_benchmark) when given, else
    from the data folder; ``imagenet_top1`` reads the val ``manifest`` images under ``imagenet_root``.
    """
    import torch

    from .checkpoints import load_model
    from .provenance import Recorder

    torch.set_num_threads(int(threads))
    rec = Recorder("score", {"benchmark": benchmark, "scoring": scoring, "input_size": input_size},
                   [p for p in (model_path, assembly, manifest) if p])
    model, meta, model_config = load_model(model_path)
    t0 = time.time()
    if benchmark.get("backend", "local") == "brainscore":
        result, info = _score_brainscore(model, model_id, model_config, benchmark, scoring, input_size)
    elif benchmark["type"] == "imagenet_top1":
        result, info = _score_top1(model, benchmark, data_root, imagenet_root, manifest, scoring, input_size)
    else:
        result, info = _score_local(model, model_config, benchmark, data_root, scoring, input_size, assembly)
    record = {"format": FORMAT, "version": VERSION, "model_id": model_id, **result,
              "backend": benchmark.get("backend", "local"), "benchmark_id": benchmark["id"],
              "seconds": round(time.time() - t0, 3), "benchmark": info, "model": model_fields(meta, model_config),
              "provenance": rec.record()}
    write_json(out_path, record)
    return record


def score_checkpoint_on(model_path: str, jobs: dict[str, dict[str, Any]], outputs: dict[str, str], *,
                        model_id: str, data_root: str, scoring: dict[str, Any], input_size: int, threads: int = 1,
                        imagenet_root: str | None = None) -> list[dict[str, Any]]:
    """Score one checkpoint on several benchmarks in one process, one score JSON each.

    ``jobs`` maps a benchmark id to ``{"benchmark": <config entry>, "assembly": path|None, "manifest": path|None}``
    and ``outputs`` maps the same ids to the JSON paths. Each JSON is exactly what :func:`score_checkpoint` writes
    for that benchmark alone (its provenance lists only the inputs of that benchmark).
    """
    missing = sorted(set(jobs) - set(outputs))
    if missing:
        raise WiringupError(f"score_checkpoint_on: no output path for benchmark(s) {missing}")
    return [score_checkpoint(model_path, outputs[b], model_id=model_id, benchmark=j["benchmark"],
                             data_root=data_root, scoring=scoring, input_size=input_size, threads=threads,
                             assembly=j.get("assembly"), manifest=j.get("manifest"), imagenet_root=imagenet_root)
            for b, j in jobs.items()]


def _score_top1(model, benchmark, data_root, imagenet_root, manifest, scoring, input_size):
    from . import pipeline
    from .scoring import imagenet_top1

    if manifest is None:
        raise WiringupError(f"benchmark {benchmark['id']}: top-1 needs the val manifest (rule manifest_val)")
    root = pipeline.resolve_data_path(data_root, imagenet_root, "imagenet.root")
    result = imagenet_top1(model, root, manifest, input_size, batch_size=scoring.get("batch_size", 64),
                           device=pipeline.torch_device(), benchmark_id=benchmark["id"])
    result["region"] = result.get("region") or "imagenet"
    result["layer"] = result.get("layer") or "logits"
    info = {"description": f"top-1 accuracy on the val split of {root}", "citation": "Deng et al. (2009), CVPR",
            "data": str(root)}
    return result, info


def _score_local(model, model_config, benchmark, data_root, scoring, input_size, assembly=None):
    from . import pipeline
    from .benchmarks import load_assembly, load_benchmark
    from .models import REGION_LAYERS
    from .scoring import score_neural

    region = benchmark["region"]
    layer = REGION_LAYERS[model_config["arch"]][region]
    if assembly is not None:
        path = Path(assembly)
        data = load_assembly(path, region=region)
    else:
        path = pipeline.resolve_data_path(data_root, benchmark["path"],
                                          f"scoring.benchmarks.{benchmark['id']}.path")
        data = load_benchmark(benchmark["type"], path, region=region, cv_scheme=benchmark.get("cv_scheme"),
                              n_folds=benchmark.get("n_folds"))
    if data.benchmark_id != benchmark["id"]:
        raise WiringupError(f"benchmark {benchmark['id']!r} in the config loads data identifying itself as "
                            f"{data.benchmark_id!r} from {path}; fix the key or the path")
    pls, ceiling = scoring.get("pls", {}), scoring.get("ceiling", {})
    kw = dict(batch_size=scoring.get("batch_size", 64), device=pipeline.torch_device(),
              n_components=pls.get("n_components", 25), n_splits=pls.get("n_splits", 10),
              train_size=pls.get("train_size", 0.9), seed=pls.get("seed", 0),
              ceiling_splits=ceiling.get("n_splits", 10), ceiling_seed=ceiling.get("seed", 0),
              ceiling_mode=ceiling.get("mode", "global"))
    selection = scoring.get("layer_selection") or {}
    if model_config["arch"] in selection.get("archs", []):
        from .baselines import score_with_layer_selection
        from .models import CANDIDATE_LAYERS

        if model_config["arch"] not in CANDIDATE_LAYERS:
            raise WiringupError(f"scoring.layer_selection.archs names {model_config['arch']!r}, which has no "
                                f"candidate layers; candidates exist for {sorted(CANDIDATE_LAYERS)}")
        result = score_with_layer_selection(model, data, CANDIDATE_LAYERS[model_config["arch"]], input_size,
                                            selection_fraction=selection.get("fraction", 0.5),
                                            selection_seed=selection.get("seed", 0), **kw)
    else:
        result = score_neural(model, data, layer, input_size, **kw)
    return result, {"description": data.description, "citation": data.citation, "data": str(path)}


def _score_brainscore(model, model_id, model_config, benchmark, scoring, input_size):
    from . import pipeline
    from .brainscore_backend import LEGACY_IDENTIFIERS, score_brainscore
    from .models import REGION_LAYERS

    bs = scoring.get("brainscore", {})
    if model_config["arch"] in (scoring.get("layer_selection") or {}).get("archs", []):
        raise WiringupError(f"scoring.layer_selection.archs names {model_config['arch']!r}, but layer selection "
                            "is a local-backend feature: brainscore-vision's own selection downloads its "
                            "selection benchmark. With scoring.backend: brainscore, remove the architecture from "
                            "scoring.layer_selection.archs (its fixed layers, wiringup.models.REGION_LAYERS, "
                            "are used)")
    result = score_brainscore(model, f"wiringup/{model_id}", benchmark["id"], input_size,
                              REGION_LAYERS[model_config["arch"]], visual_degrees=bs.get("visual_degrees", 8),
                              allow_download=bs.get("allow_download", False), cache_dir=bs.get("cache_dir"),
                              imagenet_dir=bs.get("imagenet_dir"), batch_size=scoring.get("batch_size", 64),
                              device=pipeline.torch_device())
    info = {"description": f"Brain-Score benchmark {benchmark['id']} (brainscore-vision; paper-era id "
                           f"{LEGACY_IDENTIFIERS.get(benchmark['id'])})",
            "citation": "Schrimpf et al. (2018), Brain-Score; see brainscore-vision for the data set's citation"}
    return result, info


def read_score(path: str | Path) -> dict[str, Any]:
    rec = read_json(path)
    if not isinstance(rec, dict) or rec.get("format") != FORMAT:
        raise WiringupError(f"{path}: not a wiringup score file (no '{FORMAT}' format key)")
    if rec.get("version") != VERSION:
        raise WiringupError(f"{path}: score file version {rec.get('version')} is not supported ({VERSION})")
    return rec


def score_row(rec: dict[str, Any]) -> dict[str, Any]:
    row = {k: rec.get(k) for k in TABLE_COLUMNS if k not in MODEL_FIELDS}
    row["source"] = SOURCE
    row.update({k: (rec.get("model") or {}).get(k) for k in MODEL_FIELDS})
    return row


def write_score_table(paths: list[str], out_path: str) -> pd.DataFrame:
    table = pd.DataFrame([score_row(read_score(p)) for p in paths], columns=TABLE_COLUMNS)
    table = table.sort_values(["benchmark_id", "model_id"]).reset_index(drop=True)
    with atomic_path(out_path) as tmp:
        table.to_csv(tmp, index=False)
    return table


def brain_predictivity(table: pd.DataFrame, regions: list[str]) -> pd.DataFrame:
    """Per model: the mean over ``regions`` of each region's mean ceiled score (ImageNet is never a region).

    Only regions that have at least one benchmark in the table count (listed in ``regions_scored``); a model
    lacking a ceiled score for any benchmark of those regions gets NaN, never a zero (the authors' code counted
    a missing benchmark as 0; AUTHORS_CODE_FACTS.md §7.1).
    """
    neural = table[table["region"].isin(regions)]
    covered = [r for r in regions if r in set(neural["region"])]
    benches = sorted(neural["benchmark_id"].unique())
    wide = neural.pivot_table(index="model_id", columns="benchmark_id", values="score", aggfunc="mean",
                              dropna=False).reindex(columns=benches)
    region_of = neural.drop_duplicates("benchmark_id").set_index("benchmark_id")["region"]
    per_region = pd.DataFrame({r: wide[[b for b in benches if region_of[b] == r]].mean(axis=1, skipna=False)
                               for r in covered})
    out = per_region.copy()
    out["brain_predictivity"] = per_region.mean(axis=1, skipna=False)
    out["regions_scored"] = ",".join(covered)
    out["n_benchmarks"] = wide.notna().sum(axis=1)
    facts = table.drop_duplicates("model_id").set_index("model_id")[MODEL_FIELDS]
    return out.join(facts).reset_index().sort_values("model_id").reset_index(drop=True)


def read_score_table(path: str | Path) -> pd.DataFrame:
    try:
        table = pd.read_csv(path)
    except FileNotFoundError:
        raise WiringupError(f"{path}: score table not found; run `snakemake results/tables/scores.csv`") from None
    missing = [c for c in TABLE_COLUMNS if c not in table.columns]
    if missing:
        raise WiringupError(f"{path}: not a score table (missing columns {missing})")
    return table
