"""Cluster resources per rule from config key ``resources`` (profiles/slurm), torch-free."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from wiringup.core.io import WiringupError


def cluster_resources(table: Mapping[str, Mapping[str, Any]], rule: str) -> dict[str, Any]:
    """Snakemake resources of ``rule`` (runtime in minutes, mem_mb, cpus_per_task, gpu) from the ``resources``
    table: the ``default`` entry, overridden by the entry of the rule's family, the longest key equal to the name
    or equal to its start followed by "_" (``train`` covers ``train_critical_training``, ``score`` covers
    ``score_baseline``). The rules that run threads (train, score, cache_images) take ``cpus_per_task`` as their
    ``threads`` too, so a cluster job uses every CPU it holds. profiles/slurm's per-family settings (partition,
    account, WIRINGUP_SLURM_<FAMILY>) override these."""
    keys = [k for k in table if k != "default" and (rule == k or rule.startswith(k + "_"))]
    r = {**table.get("default", {}), **(table[max(keys, key=len)] if keys else {})}
    out = {"runtime": r.get("runtime"), "mem_mb": r.get("mem_mb"), "cpus_per_task": r.get("cpus")}
    if r.get("gpu"):
        out["gpu"] = r["gpu"]
    return {k: v for k, v in out.items() if v is not None}


def check_resource_rules(table: Mapping[str, Any], rules: Iterable[str]) -> None:
    """Refuse a key of the ``resources`` table that is neither ``default`` nor a rule or rule family of the workflow
    (a misspelt name would otherwise be ignored silently), with the closest rule names."""
    from wiringup.plan.checks import did_you_mean

    rules = sorted(set(rules))
    unknown = [k for k in table if k != "default" and not any(r == k or r.startswith(k + "_") for r in rules)]
    if unknown:
        raise WiringupError("; ".join(f"config key resources.{k}: no rule or rule family is named {k!r}"
                                      f"{did_you_mean(k, rules)}" for k in unknown)
                            + " (`default`, a rule name, or the start of rule names before '_': `train` covers "
                            "train_<experiment>)")
