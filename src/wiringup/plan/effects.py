"""Named effects (config key ``effects``): two groups of scored models compared over seeds (rule ``effects``).

Torch-free, part of :func:`wiringup.plan.build`. An effect names each group by a model-id template with
``{seed}`` (a path under results/models without ``.pt``) and its seeds::

    effects:
      ct_vs_dt:
        a: {model: "ct/nall_seed{seed}/epoch_02", seeds: [0, 1, 2]}
        b: {model: "dt_it/nall_seed{seed}/epoch_02", seeds: [0, 1, 2]}

Every model must be one the configuration scores (:attr:`wiringup.plan.build.Plan.scored_models`); otherwise the
plan stops with an error naming the effect, the group and the models, before anything runs.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from wiringup.core.io import WiringupError

#: Where rule effects writes its outputs.
TABLE = "results/tables/effects.csv"


def json_path(name: str) -> str:
    return f"results/stats/effects/{name}.json"


def group_models(template: str, seeds: Sequence[int], key: str) -> list[str]:
    try:
        models = [template.format(seed=int(s)) for s in seeds]
    except (KeyError, IndexError, ValueError) as e:
        raise WiringupError(f"config key {key}.model: {template!r} is not a model id with {{seed}} ({e})") from None
    if len(set(models)) != len(models):
        raise WiringupError(f"config key {key}: {template!r} gives the same model for several seeds; put "
                            "{seed} where the model id has its seed")
    return models


def plan(config: Mapping[str, Any], scored: Sequence[str]) -> list[dict[str, Any]]:
    """The effects of rule ``effects``: name, output JSON, regions and per group (a, b) the template, seeds and
    model ids."""
    known = set(scored)
    out = []
    for name, spec in (config.get("effects") or {}).items():
        effect = {"name": name, "json": json_path(name),
                  "regions": list(spec.get("regions") or config["scoring"]["predictivity_regions"])}
        for g in ("a", "b"):
            key = f"effects.{name}.{g}"
            seeds = [int(s) for s in spec[g]["seeds"]]
            models = group_models(spec[g]["model"], seeds, key)
            missing = [m for m in models if m not in known]
            if missing:
                raise WiringupError(
                    f"config key {key}: model(s) {missing[:4]}{' ...' if len(missing) > 4 else ''} are not "
                    "scored by this configuration; name models of its experiments (results/models/<id>.pt: "
                    "`snakemake -n` lists them) or add their seeds and epochs to the experiments")
            effect[g] = {"model": spec[g]["model"], "seeds": seeds, "models": models}
        out.append(effect)
    return out
