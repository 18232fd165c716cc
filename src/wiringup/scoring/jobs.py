"""One scoring job: load a checkpoint, score it on its benchmarks (local or brainscore backend), write one score
JSON per benchmark (format: :mod:`wiringup.tables.scores`).

Backends: local neural benchmarks (:mod:`wiringup.scoring.benchmarks`, scored by :mod:`wiringup.scoring.neural`, or
with layer selection by :mod:`wiringup.scoring.selection`), local ImageNet top-1 (:mod:`wiringup.scoring.top1`),
and the paper's Brain-Score benchmarks through brainscore-vision (:mod:`wiringup.scoring.brainscore`).
"""
from __future__ import annotations

import contextlib
import json
import os
import time
import traceback
from pathlib import Path
from typing import Any

from wiringup.core.env import resolve_data_path, torch_device
from wiringup.core.io import WiringupError, config_hash, sha256_file, write_json
from wiringup.tables.scores import FORMAT, VERSION, model_fields


def score_checkpoint(model_path: str, out_path: str, *, model_id: str, benchmark: dict[str, Any], data_root: str,
                     scoring: dict[str, Any], input_size: int, threads: int = 1, assembly: str | None = None,
                     manifest: str | None = None, imagenet_root: str | None = None,
                     loaded: tuple[Any, dict[str, Any], dict[str, Any]] | None = None) -> dict[str, Any]:
    """Score one checkpoint on one configured benchmark (local or brainscore backend); write its score JSON.

    Local neural benchmarks are read from their packaged ``assembly`` (rule package_benchmark) when given, else
    from the data folder; ``imagenet_top1`` reads the val ``manifest`` images under ``imagenet_root``.
    ``loaded``: the checkpoint already loaded (``load_model(model_path)``), as :func:`score_checkpoint_on` passes it.
    """
    import torch

    from wiringup.nets.checkpoints import load_model
    from wiringup.core.provenance import Recorder

    torch.set_num_threads(int(threads))
    rec = Recorder("score", {"benchmark": benchmark, "scoring": scoring, "input_size": input_size},
                   [p for p in (model_path, assembly, manifest) if p])
    model, meta, model_config = loaded if loaded is not None else load_model(model_path)
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

    A benchmark that fails does not stop the others: every score that succeeds is also kept under
    ``results/resume/scores/`` (:func:`resume_path`) with a key of everything it depends on (the model's and the
    benchmark data's sha256, the benchmark's definition, the scoring config, the input size). Snakemake removes
    every output of a failed job; the rerun restores the kept scores whose key still matches, without scoring
    again, and computes only the rest. The kept copies are removed once the job has written all its JSONs.

    The checkpoint is loaded once for all its benchmarks, and benchmarks that show the same images share their
    forward passes at the model's region layers (:func:`wiringup.scoring.features.shared_features`): each score
    is what scoring that benchmark alone gives.
    """
    missing = sorted(set(jobs) - set(outputs))
    if missing:
        raise WiringupError(f"score_checkpoint_on: no output path for benchmark(s) {missing}")
    records: list[dict[str, Any]] = []
    failures: dict[str, list[str]] = {}  # message -> the benchmarks that failed with it
    hashes: dict[str, str] = {}
    loaded = None
    with contextlib.ExitStack() as stack:
        for k, (b, j) in enumerate(jobs.items(), 1):
            key = _resume_key(model_path, j, scoring, input_size, model_id, imagenet_root, hashes)
            kept = _kept_score(outputs[b], key)
            if kept is not None:
                write_json(outputs[b], kept)
                print(f"[{k}/{len(jobs)}] {b}: restored the score kept by an earlier run of this job "
                      f"({resume_path(outputs[b])})", flush=True)
                records.append(kept)
                continue
            try:
                if loaded is None:   # once, and only if some benchmark is not restored
                    loaded = _load_shared(model_path, threads, stack)
                record = score_checkpoint(model_path, outputs[b], model_id=model_id, benchmark=j["benchmark"],
                                          data_root=data_root, scoring=scoring, input_size=input_size, threads=threads,
                                          assembly=j.get("assembly"), manifest=j.get("manifest"),
                                          imagenet_root=imagenet_root, loaded=loaded)
            except Exception as exc:  # noqa: BLE001 - the other benchmarks still run; the job fails at the end
                if not isinstance(exc, WiringupError):
                    traceback.print_exc()
                failures.setdefault(str(exc) if isinstance(exc, WiringupError) else f"{type(exc).__name__}: {exc}",
                                    []).append(b)
                continue
            _keep(resume_path(outputs[b]), {"key": key, "record": record})
            records.append(record)
            print(f"[{k}/{len(jobs)}] {b}: {_progress(record)}", flush=True)
    if failures:
        n_failed = sum(len(v) for v in failures.values())
        note = (f"\nThe {len(records)} other score(s) are kept under results/resume/scores/ and restored, not "
                "recomputed, when the job reruns." if records else "")
        raise WiringupError(f"{n_failed} of {len(jobs)} benchmark(s) failed for model {model_id}:\n  "
                            + "\n  ".join(f"{', '.join(bs)}: {msg}" for msg, bs in failures.items()) + note)
    for b in jobs:
        _remove_kept(Path(resume_path(outputs[b])))
    return records


def _load_shared(model_path: str, threads: int, stack: contextlib.ExitStack) -> tuple[Any, dict, dict]:
    """Load a checkpoint once for a job's benchmarks, with activations shared at its region layers (the cache
    lives as long as ``stack``)."""
    import torch

    from wiringup.nets.checkpoints import load_model
    from wiringup.nets.registry import REGION_LAYERS
    from wiringup.scoring.features import shared_features

    torch.set_num_threads(int(threads))
    model, meta, model_config = load_model(model_path)
    layers = list(dict.fromkeys(REGION_LAYERS.get(model_config.get("arch"), {}).values()))
    stack.enter_context(shared_features(model, layers))
    return model, meta, model_config


def _progress(record: dict[str, Any]) -> str:
    """One log line per scored benchmark: score, raw value and seconds (``-`` where a value is missing)."""
    def fmt(v: Any) -> str:
        return f"{v:.4f}" if isinstance(v, (int, float)) and v == v else "-"

    return (f"score {fmt(record.get('score'))}, raw {fmt(record.get('raw'))}, "
            f"{record.get('seconds') or 0:.1f} s" + (f" ({record['note']})" if record.get("note") else ""))


def _keep(path: str, data: dict[str, Any], attempts: int = 5) -> None:
    """Write a kept score. Score jobs of models in one run folder run in parallel and share the kept scores'
    folders, which :func:`_remove_kept` of another job may remove between our ``mkdir`` and our write: retry."""
    for attempt in range(attempts):
        try:
            write_json(path, data)
            return
        except FileNotFoundError:
            if attempt == attempts - 1:
                raise


def _remove_kept(path: Path) -> None:
    """Remove a kept score and the folders it leaves empty (up to ``resume``). Another score job may remove or
    fill the same folders at the same time: a folder that is gone or no longer empty ends the walk."""
    path.unlink(missing_ok=True)
    for folder in path.parents:
        if folder.name in ("resume", ".resume", ""):
            break
        try:
            if any(folder.iterdir()):
                break
            folder.rmdir()
        except OSError:  # removed by another job (FileNotFoundError) or written into meanwhile (not empty)
            break


def resume_path(out_path: str | os.PathLike) -> str:
    """Where a score JSON is kept between a failed job and its rerun: ``results/scores/...`` ->
    ``results/resume/scores/...`` (beside the output, under ``.resume/``, for paths outside results/scores)."""
    out = Path(out_path).as_posix()
    marker = "results/scores/"
    if marker in out:
        head, tail = out.split(marker, 1)
        return f"{head}results/resume/scores/{tail}"
    p = Path(out_path)
    return str(p.parent / ".resume" / p.name)


def _resume_key(model_path: str, job: dict[str, Any], scoring: dict[str, Any], input_size: int, model_id: str,
                imagenet_root: str | None, hashes: dict[str, str]) -> str:
    """Everything a score depends on, hashed: the files' sha256 (cached in ``hashes``) and the definitions."""
    files = [p for p in (model_path, job.get("assembly"), job.get("manifest")) if p]
    for f in files:
        if f not in hashes:
            hashes[f] = sha256_file(f) if Path(f).is_file() else "missing"
    return config_hash({"files": [hashes[f] for f in files], "benchmark": job["benchmark"], "scoring": scoring,
                        "input_size": input_size, "model_id": model_id, "imagenet_root": imagenet_root})


def _kept_score(out_path: str, key: str) -> dict[str, Any] | None:
    """The score kept for ``out_path`` by an earlier run of the job, if its key matches (else None)."""
    path = Path(resume_path(out_path))
    if not path.is_file():
        return None
    try:
        kept = json.loads(path.read_text())
    except (OSError, ValueError):
        return None  # a damaged copy is never trusted: the score is computed again
    if not isinstance(kept, dict) or kept.get("key") != key or not isinstance(kept.get("record"), dict):
        return None
    return kept["record"]


def _score_top1(model, benchmark, data_root, imagenet_root, manifest, scoring, input_size):
    from wiringup.scoring.top1 import imagenet_top1

    if manifest is None:
        raise WiringupError(f"benchmark {benchmark['id']}: top-1 needs the val manifest (rule manifest_val)")
    root = resolve_data_path(data_root, imagenet_root, "imagenet.root")
    result = imagenet_top1(model, root, manifest, input_size, batch_size=scoring.get("batch_size", 64),
                           device=torch_device(), benchmark_id=benchmark["id"])
    result["region"] = result.get("region") or "imagenet"
    result["layer"] = result.get("layer") or "logits"
    info = {"description": f"top-1 accuracy on the val split of {root}", "citation": "Deng et al. (2009), CVPR",
            "data": str(root)}
    return result, info


def _score_local(model, model_config, benchmark, data_root, scoring, input_size, assembly=None):
    from wiringup.nets.registry import REGION_LAYERS
    from wiringup.scoring.benchmarks.registry import FAMILIES, load_benchmark, load_packaged, loader_arguments
    from wiringup.scoring.neural import score_neural

    region = benchmark["region"]
    layer = REGION_LAYERS[model_config["arch"]][region]
    if assembly is not None:
        path = Path(assembly)
        data = load_packaged(path, region=region)
    else:
        path = resolve_data_path(data_root, benchmark["path"], f"scoring.benchmarks.{benchmark['id']}.path")
        data = load_benchmark(benchmark["type"], path, region=region, cv_scheme=benchmark.get("cv_scheme"),
                              n_folds=benchmark.get("n_folds"), **loader_arguments(benchmark))
    if data.benchmark_id != benchmark["id"]:
        raise WiringupError(f"benchmark {benchmark['id']!r} in the config loads data identifying itself as "
                            f"{data.benchmark_id!r} from {path}; fix the key or the path")
    pls, ceiling = scoring.get("pls", {}), scoring.get("ceiling", {})
    kw = dict(batch_size=scoring.get("batch_size", 64), device=torch_device(),
              n_components=pls.get("n_components", 25), n_splits=pls.get("n_splits", 10),
              train_size=pls.get("train_size", 0.9), seed=pls.get("seed", 0),
              ceiling_splits=ceiling.get("n_splits", 10), ceiling_seed=ceiling.get("seed", 0),
              ceiling_mode=ceiling.get("mode", "global"))
    info = {"description": data.description, "citation": data.citation, "data": str(path)}
    if benchmark["type"] in FAMILIES:  # RSA, behaviour, V1 properties, Cowley sessions: the fixed region layer
        family_kw = dict(batch_size=kw["batch_size"], device=kw["device"], seed=kw["seed"])
        if benchmark["type"] == "cowley2023_sessions":  # PLS per session, as the single-session benchmarks
            family_kw.update(n_components=kw["n_components"], n_splits=kw["n_splits"], train_size=kw["train_size"])
        return FAMILIES[benchmark["type"]].scorer(model, data, layer, input_size, **family_kw), info
    selection = scoring.get("layer_selection") or {}
    if model_config["arch"] in selection.get("archs", []):
        from wiringup.nets.registry import CANDIDATE_LAYERS
        from wiringup.scoring.selection import score_with_layer_selection

        if model_config["arch"] not in CANDIDATE_LAYERS:
            raise WiringupError(f"scoring.layer_selection.archs names {model_config['arch']!r}, which has no "
                                f"candidate layers; candidates exist for {sorted(CANDIDATE_LAYERS)}")
        result = score_with_layer_selection(model, data, CANDIDATE_LAYERS[model_config["arch"]], input_size,
                                            selection_fraction=selection.get("fraction", 0.5),
                                            selection_seed=selection.get("seed", 0), **kw)
    else:
        result = score_neural(model, data, layer, input_size, **kw)
    return result, info


def _score_brainscore(model, model_id, model_config, benchmark, scoring, input_size):
    from wiringup.nets.registry import REGION_LAYERS
    from wiringup.scoring.brainscore.catalog import LEGACY_IDENTIFIERS
    from wiringup.scoring.brainscore.score import score_brainscore

    bs = scoring.get("brainscore", {})
    if model_config["arch"] in (scoring.get("layer_selection") or {}).get("archs", []):
        raise WiringupError(f"scoring.layer_selection.archs names {model_config['arch']!r}, but layer selection "
                            "is a local-backend feature: brainscore-vision's own selection downloads its "
                            "selection benchmark. With scoring.backend: brainscore, remove the architecture from "
                            "scoring.layer_selection.archs (its fixed layers, wiringup.nets.registry.REGION_LAYERS, "
                            "are used)")
    result = score_brainscore(model, f"wiringup/{model_id}", benchmark["id"], input_size,
                              REGION_LAYERS[model_config["arch"]], visual_degrees=bs.get("visual_degrees", 8),
                              allow_download=bs.get("allow_download", False), cache_dir=bs.get("cache_dir"),
                              imagenet_dir=bs.get("imagenet_dir"), batch_size=scoring.get("batch_size", 64),
                              device=torch_device())
    info = {"description": f"Brain-Score benchmark {benchmark['id']} (brainscore-vision; paper-era id "
                           f"{LEGACY_IDENTIFIERS.get(benchmark['id'])})",
            "citation": "Schrimpf et al. (2018), Brain-Score; see brainscore-vision for the data set's citation"}
    return result, info
