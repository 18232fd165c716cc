"""The scoring part of the DAG as data, torch-free: the benchmarks, which of them are scored (the active backend),
what a score job reads and passes to its script, the baselines, the score JSON files of the score table.

Config key ``scoring`` (workflow/schemas/config.schema.yaml): ``benchmarks`` are local benchmarks (packaged once
into results/benchmarks/<id>.nc, or ImageNet top-1 from the val manifest), ``brainscore.benchmarks`` are scored
through brainscore-vision; ``backend`` picks which of the two sets the DAG scores.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from wiringup.core.io import WiringupError
from wiringup.plan.brainscore import BENCHMARK_REGIONS, PREFETCH_MARKER, check_benchmark_ids
from wiringup.plan.ids import baseline_id, score_path

TOP1 = "imagenet_top1"
LOCAL, BRAINSCORE = "local", "brainscore"
VAL_MANIFEST = "results/manifests/val.tsv"
#: Keys of ``scoring`` that are not part of a score (the benchmark list, the regions averaged, the baselines).
NOT_A_SCORE = ("benchmarks", "predictivity_regions", "baselines", "pixels_size")  # pixels_size: in the baseline's
#                                                                                      checkpoint (baseline_models)
#: Keys of ``scoring.brainscore`` that change no score: the download policy (score jobs never download; rule
#: prefetch_brainscore does, before them).
NOT_A_SCORE_BRAINSCORE = ("allow_download",)


def benchmarks(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Benchmark id -> its definition with ``id`` and ``backend``: the local benchmarks of ``scoring.benchmarks``,
    then those of ``scoring.brainscore.benchmarks``. Entries with ``enabled: false`` are left out (a config merged
    over another, e.g. tests/configs/tiny.yaml, can switch off a benchmark it inherits). A neural local benchmark
    without path or region is refused."""
    out = {k: {"id": k, "backend": LOCAL, **{f: x for f, x in v.items() if f != "enabled"}}
           for k, v in config["scoring"]["benchmarks"].items() if v.get("enabled", True)}
    if not out:
        raise WiringupError("config key scoring.benchmarks: every benchmark has enabled: false; enable one")
    for b, d in out.items():
        if d["type"] != TOP1 and not {"path", "region"} <= set(d):
            raise WiringupError(f"config key scoring.benchmarks.{b}: a {d['type']} benchmark needs `path` and `region`")
    return out


@dataclass(frozen=True)
class ScoringPlan:
    benchmarks: dict[str, dict[str, Any]]   # id -> definition (local and brainscore)
    active: list[str]                       # the benchmarks of the configured backend, each model is scored on
    baseline_benchmarks: list[str]          # the active ones a baseline (no classifier: no top-1) is scored on
    baselines: list[str]                    # baseline model names (baselines/<name>)
    baseline_models: dict[str, dict[str, Any]]   # name -> the model config of its checkpoint (rule baseline_model)
    regions: list[str]                      # scoring.predictivity_regions
    slice: dict[str, Any]                   # the scoring config a score depends on (params `scoring`)
    prefetch: dict[str, Any]                # params of rule prefetch_brainscore (the active brainscore ids)

    def inputs(self, ids: Iterable[str]) -> dict[str, list[str]]:
        """What scoring on these benchmarks reads besides the model: packaged assemblies (local neural) and the
        val manifest (local top-1); brainscore benchmarks read brainscore-vision's own cache."""
        local = [b for b in ids if self.benchmarks[b]["backend"] == LOCAL]
        return {"assemblies": [f"results/benchmarks/{b}.nc" for b in local if self.benchmarks[b]["type"] != TOP1],
                "manifest": [VAL_MANIFEST] if any(self.benchmarks[b]["type"] == TOP1 for b in local) else []}

    @property
    def prefetch_marker(self) -> str:
        """The output of rule prefetch_brainscore."""
        return PREFETCH_MARKER

    def prefetched(self, ids: Iterable[str]) -> list[str]:
        """Rule prefetch_brainscore's marker if any of these benchmarks is a brainscore one (an input of their
        score jobs: the BrainIO cache is filled once, on the submit host, before any of them runs)."""
        return [PREFETCH_MARKER] if any(self.benchmarks[b]["backend"] == BRAINSCORE for b in ids) else []

    def jobs(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Params ``jobs`` of a score rule: per benchmark its definition and the packaged assembly or val manifest
        it is scored from."""
        out = {}
        for b in ids:
            d = self.benchmarks[b]
            local = d["backend"] == LOCAL
            out[b] = {"benchmark": d,
                      "assembly": f"results/benchmarks/{b}.nc" if local and d["type"] != TOP1 else None,
                      "manifest": VAL_MANIFEST if local and d["type"] == TOP1 else None}
        return out

    def region(self, benchmark: str) -> str:
        """The region a benchmark scores (V1, V2, V4, IT, behavior; imagenet for top-1)."""
        d = self.benchmarks[benchmark]
        if d["backend"] == BRAINSCORE:
            return BENCHMARK_REGIONS[benchmark]
        return d.get("region") or "imagenet"

    def score_files(self, models: Iterable[str]) -> list[str]:
        """Every score JSON of the score table: each model on each active benchmark, then the baselines."""
        models = list(dict.fromkeys(models))
        return ([score_path(b, m) for b in self.active for m in models]
                + [score_path(b, baseline_id(n)) for b in self.baseline_benchmarks for n in self.baselines])


def imagenet_dir(config: Mapping[str, Any]) -> str:
    """The folder of the ImageNet validation images brainscore's ImageNet-top1 reads: ``scoring.brainscore.
    imagenet_dir``, or by default ``<imagenet.root>/val`` (imagenet.root resolved against data_root), the usual
    synset-sorted ``val/<synset>/*.JPEG`` (a flat folder of the 50,000 files works too)."""
    folder = config["scoring"]["brainscore"]["imagenet_dir"]
    if folder is None:
        root = config["imagenet"]["root"]
        folder = os.path.join(root if os.path.isabs(root) else os.path.join(config["data_root"], root), "val")
    return str(folder)


def plan(config: Mapping[str, Any]) -> ScoringPlan:
    s = config["scoring"]
    bs = s["brainscore"]
    check_benchmark_ids(bs["benchmarks"])  # an unknown id stops the start, not a score job
    found = benchmarks(config)
    neural = {b for b, d in found.items() if d["type"] != TOP1}
    found.update({b: {"id": b, "backend": BRAINSCORE} for b in bs["benchmarks"]})
    active = sorted(b for b, d in found.items() if d["backend"] == s["backend"])
    bs = {**bs, "imagenet_dir": imagenet_dir(config)}
    slice_ = {k: v for k, v in s.items() if k not in NOT_A_SCORE}
    slice_["brainscore"] = {k: v for k, v in bs.items() if k not in NOT_A_SCORE_BRAINSCORE}
    active_bs = [b for b in active if found[b]["backend"] == BRAINSCORE]
    return ScoringPlan(
        benchmarks=found, active=active,
        # a baseline has no classifier: neural and behavioural benchmarks only (no top-1)
        baseline_benchmarks=[b for b in active if b in neural or (found[b]["backend"] == BRAINSCORE
                                                                  and BENCHMARK_REGIONS[b] != "imagenet")],
        baselines=list(s["baselines"]), regions=list(s["predictivity_regions"]),
        baseline_models={n: {"arch": n, **({"size": s["pixels_size"]} if n == "pixels" else {})} for n in s["baselines"]},
        slice=slice_,
        prefetch={"benchmarks": active_bs, "cache_dir": bs["cache_dir"], "allow_download": bs["allow_download"],
                  "imagenet_dir": bs["imagenet_dir"]})
