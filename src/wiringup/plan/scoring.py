"""The scoring part of the DAG as data, torch-free: the benchmarks, which of them are scored (the active backend),
what a score job reads and passes to its script, the baselines, the score JSON files of the score table.

Config key ``scoring`` (workflow/schemas/config.schema.yaml): ``benchmarks`` are local benchmarks (packaged once
into results/benchmarks/<id>.nc, or ImageNet top-1 from the val manifest), ``brainscore.benchmarks`` are scored
through brainscore-vision; ``backend`` picks which of the two sets the DAG scores.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from wiringup.core.io import WiringupError
from wiringup.plan.ids import baseline_id, score_path

TOP1 = "imagenet_top1"
LOCAL, BRAINSCORE = "local", "brainscore"
VAL_MANIFEST = "results/manifests/val.tsv"
#: Keys of ``scoring`` that are not part of a score (the benchmark list, the regions averaged, the baselines).
NOT_A_SCORE = ("benchmarks", "predictivity_regions", "baselines")


def benchmarks(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Benchmark id -> its definition with ``id`` and ``backend``: the local benchmarks of ``scoring.benchmarks``,
    then those of ``scoring.brainscore.benchmarks``. A neural local benchmark without path or region is refused."""
    out = {k: {"id": k, "backend": LOCAL, **v} for k, v in config["scoring"]["benchmarks"].items()}
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
    regions: list[str]                      # scoring.predictivity_regions
    slice: dict[str, Any]                   # the scoring config a score depends on (params `scoring`)

    def inputs(self, ids: Iterable[str]) -> dict[str, list[str]]:
        """What scoring on these benchmarks reads besides the model: packaged assemblies (local neural) and the
        val manifest (local top-1); brainscore benchmarks read brainscore-vision's own cache."""
        local = [b for b in ids if self.benchmarks[b]["backend"] == LOCAL]
        return {"assemblies": [f"results/benchmarks/{b}.nc" for b in local if self.benchmarks[b]["type"] != TOP1],
                "manifest": [VAL_MANIFEST] if any(self.benchmarks[b]["type"] == TOP1 for b in local) else []}

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

    def score_files(self, models: Iterable[str]) -> list[str]:
        """Every score JSON of the score table: each model on each active benchmark, then the baselines."""
        models = list(dict.fromkeys(models))
        return ([score_path(b, m) for b in self.active for m in models]
                + [score_path(b, baseline_id(n)) for b in self.baseline_benchmarks for n in self.baselines])


def plan(config: Mapping[str, Any]) -> ScoringPlan:
    s = config["scoring"]
    found = benchmarks(config)
    neural = {b for b, d in found.items() if d["type"] != TOP1}
    found.update({b: {"id": b, "backend": BRAINSCORE} for b in s["brainscore"]["benchmarks"]})
    active = sorted(b for b, d in found.items() if d["backend"] == s["backend"])
    return ScoringPlan(
        benchmarks=found, active=active,
        baseline_benchmarks=[b for b in active if b in neural or found[b]["backend"] == BRAINSCORE],
        baselines=list(s["baselines"]), regions=list(s["predictivity_regions"]),
        slice={k: v for k, v in s.items() if k not in NOT_A_SCORE})
