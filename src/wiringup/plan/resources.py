"""Cluster resources per rule from config key ``resources`` (profiles/slurm), torch-free."""
from __future__ import annotations

from typing import Any, Mapping


def cluster_resources(table: Mapping[str, Mapping[str, Any]], rule: str) -> dict[str, Any]:
    """Snakemake resources of ``rule`` (runtime in minutes, mem_mb, cpus_per_task, gpu) from the ``resources``
    table: the ``default`` entry, overridden by the entry of the rule's family, the longest key equal to the name
    or equal to its start followed by "_" (``train`` covers ``train_critical_training``, ``score`` covers
    ``score_baseline``). A profile's set-resources and the command line override these (profiles/slurm)."""
    keys = [k for k in table if k != "default" and (rule == k or rule.startswith(k + "_"))]
    r = {**table.get("default", {}), **(table[max(keys, key=len)] if keys else {})}
    out = {"runtime": r.get("runtime"), "mem_mb": r.get("mem_mb"), "cpus_per_task": r.get("cpus")}
    if r.get("gpu"):
        out["gpu"] = r["gpu"]
    return {k: v for k, v in out.items() if v is not None}
