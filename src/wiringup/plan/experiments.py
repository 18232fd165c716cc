"""Experiment plans from the config: variants, trained-layer sets, training schedules and scored models.

Paper Sec. 5–6 (Fig. 3, 4, 6, 8, 9). Torch-free, part of :func:`wiringup.plan.build`; it reads a validated config
(the schema's defaults filled in).

Config (every key is described in ``workflow/schemas/config.schema.yaml``)::

    trained_layer_sets:          # set name -> the authors' substring rules (AUTHORS_CODE_FACTS.md §2)
      all: null                  #   null = every parameter
      ct: [V2.conv3, V4.conv3, IT.conv3, decoder]
      ct_resnet: {resnet50: [...]}   # or per architecture
    variants:                    # a training variant = an initialisation + a trained-layer set + recipe overrides
      ct: {init: kn, trained: ct}
      lr_0_01: {init: kn, trained: all, training: {lr: 0.01}}
    experiments:
      supervised_updates: {variant: standard, images: [...], epochs: [...], seeds: [...]}   # Fig. 1
      critical_training:  {variants: [...], images: [...], epochs: [...], seeds: [...]}     # Fig. 3
      synaptic_updates:   {variants: [...], ...}                                            # Fig. 4, 8, 9
      hyperparameters:    {variants: [...], ...}                                            # Fig. 6

A variant names its set with ``trained`` (the name goes into every checkpoint's meta and the score table's
``trained`` column) or, for a one-off, gives inline rules with ``trained_layers`` (``trained`` = "custom");
neither means every layer ("all"). Bad input is refused before anything runs, naming the key: an unknown set,
both keys, a set that trains nothing without ``allow_untrained``, an experiment naming an unknown variant, or an
experiment point outside the supervised-updates grid.

**Every grid experiment runs on (a subset of) the supervised-updates grid**: its images and epochs must be
points of that grid, so standard training at the same images × epochs × seed is always its reference.

**Training schedules.** A run (variant, images, seed) writes checkpoints at the union of the epochs (> 0) of every
experiment that trains its variant. Snakemake needs the outputs of a rule fixed, so runs with the same checkpoint
epochs share one rule: ``train`` for the schedule of the supervised grid's variant, ``train_<experiment>`` for
another (the experiment that first names the schedule's first variant; ``_2``, ``_3`` … if that name is taken).
The rules are the same script on the same paths ``results/models/{variant}/n{images}_seed{seed}/epoch_{label}.pt``.
"""
from __future__ import annotations

from typing import Any

from wiringup.core.io import WiringupError
from wiringup.plan.ids import birth_id, checkpoint_id
from wiringup.plan.ids import epoch_label, run_dir  # noqa: F401 - re-exported
from wiringup.plan.transfer import INIT_KINDS as TRANSFER_INIT_KINDS  # noqa: F401 - re-exported
from wiringup.plan.transfer import TRANSFER_ARCHS, init_arch  # noqa: F401 - re-exported

#: The experiments with the shape {variants, images, epochs, seeds}, in planning order. Another experiment of the
#: same shape joins the plan (training rules, scored models) by being added here.
GRID_EXPERIMENTS = ["critical_training", "synaptic_updates", "hyperparameters"]
SUPERVISED = "supervised_updates"
#: Keys of `training` a variant may override (the recipe; not num_workers, a resource).
TRAINING_KEYS = ["optimizer", "lr", "momentum", "weight_decay", "batch_size", "schedule", "plateau", "step",
                 "loss_drop", "max_epochs", "resume_every_steps"]


# ------------------------------------------------------------------------------------------------- sets, variants

def resolve_trained_set(sets: dict[str, Any], name: str, arch: str, key: str = "trained_layer_sets"
                        ) -> list[str] | None:
    """The substring rules of trained-layer set ``name`` for ``arch`` (``None`` = every parameter).

    A set is ``null`` (all), a list of rules (any architecture), or a mapping ``{arch: null | [rules]}``.
    An unknown name, or a per-architecture set without an entry for ``arch``, is an error naming ``key``.
    """
    if name not in sets:
        raise WiringupError(f"unknown trained-layer set {name!r} (config key {key}); defined sets: {sorted(sets)}")
    rules = sets[name]
    if isinstance(rules, dict):
        if arch not in rules:
            raise WiringupError(f"trained-layer set {name!r} (config key trained_layer_sets.{name}) has no rules "
                                f"for architecture {arch!r}; it defines {sorted(rules)}")
        rules = rules[arch]
    if rules is not None and (not isinstance(rules, (list, tuple)) or not all(isinstance(r, str) for r in rules)):
        raise WiringupError(f"config key trained_layer_sets.{name}: expected null or a list of parameter-name "
                            f"substrings, got {rules!r}")
    return None if rules is None else list(rules)


def variant_spec(config: dict[str, Any], name: str, key: str | None = None) -> dict[str, Any]:
    """A variant's init, architecture, trained-set name, rules (a list or None) and recipe overrides.

    A per-architecture set (``{arch: rules}``) is resolved for the variant's architecture (:func:`init_arch`), so a
    variant's rules, and with them its training rule's params, change only when its own architecture's entry does.
    ``key`` names the config key that referred to the variant (for the error if it does not exist).
    """
    variants = config["variants"]
    if name not in variants:
        raise WiringupError(f"unknown variant {name!r} (config key {key or 'variants'}); defined variants: "
                            f"{sorted(variants)}")
    v = variants[name]
    sets = config["trained_layer_sets"]
    if v.get("trained") is not None and v["trained_layers"] is not None:
        raise WiringupError(f"variant {name!r} sets both variants.{name}.trained and variants.{name}.trained_layers;"
                            " keep one (a set name, or inline rules)")
    if v.get("trained") is not None:
        trained = v["trained"]
        if trained not in sets:
            raise WiringupError(f"unknown trained-layer set {trained!r} (config key variants.{name}.trained); "
                                f"defined in trained_layer_sets: {sorted(sets)}")
        rules = sets[trained]
    elif v["trained_layers"] is not None:
        trained, rules = "custom", v["trained_layers"]
    else:
        trained, rules = "all", None
    arch = init_arch(v["init"])
    if isinstance(rules, dict):
        where = f"trained_layer_sets.{trained}" if trained != "custom" else f"variants.{name}.trained_layers"
        if arch not in rules:
            raise WiringupError(f"variant {name!r} trains {arch} (init {v['init']!r}) but {where} has no rules "
                                f"for it; it defines {sorted(rules)}")
        rules = rules[arch]
    unknown = sorted(set(v["training"]) - set(TRAINING_KEYS))
    if unknown:
        raise WiringupError(f"variants.{name}.training: unknown keys {unknown}; a variant overrides keys of "
                            f"`training`: {TRAINING_KEYS}")
    allow = bool(v["allow_untrained"])
    if not allow and rules is not None and len(rules) == 0:
        raise WiringupError(f"variant {name!r} would train nothing (its trained-layer rules are empty); set "
                            f"variants.{name}.allow_untrained: true to run it anyway (BatchNorm statistics adapt)")
    return {"name": name, "init": v["init"], "arch": arch, "trained": trained, "trained_layers": rules,
            "allow_untrained": allow, "training": dict(v["training"])}


def recipe(config: dict[str, Any], variant: str) -> dict[str, Any]:
    """Training recipe of a variant: the top-level ``training`` keys with the variant's overrides (nested dicts
    such as ``plateau`` merge) and its trained-layer rules; ``num_workers`` is not part of the recipe."""
    spec = variant_spec(config, variant)
    r = {k: (dict(v) if isinstance(v, dict) else v) for k, v in config["training"].items()}
    for k, v in spec["training"].items():
        r[k] = {**r[k], **v} if isinstance(v, dict) and isinstance(r.get(k), dict) else v
    r.pop("num_workers", None)
    r["trained_layers"] = spec["trained_layers"]
    r["allow_untrained"] = spec["allow_untrained"]
    return r


# ------------------------------------------------------------------------------------------------- experiments

def grid_experiments(config: dict[str, Any]) -> list[str]:
    """The grid experiments configured (keys of ``experiments`` in :data:`GRID_EXPERIMENTS`)."""
    return [k for k in GRID_EXPERIMENTS if k in config["experiments"]]


def experiment(config: dict[str, Any], key: str) -> dict[str, Any]:
    """One experiment as {variants, images, epochs, seeds} (the supervised grid has one variant)."""
    e = config["experiments"][key]
    variants = [e["variant"]] if key == SUPERVISED else list(e["variants"])
    return {"variants": variants, "images": [str(i) for i in e["images"]],
            "epochs": sorted({float(x) for x in e["epochs"]}), "seeds": [int(s) for s in e["seeds"]]}


def check_config(config: dict[str, Any]) -> None:
    """Refuse, naming the key, every inconsistency of variants, sets and experiments (before anything runs)."""
    for name in config["variants"]:
        variant_spec(config, name)
    sup = experiment(config, SUPERVISED)
    variant_spec(config, sup["variants"][0], key=f"experiments.{SUPERVISED}.variant")
    for key in grid_experiments(config):
        e = experiment(config, key)
        for v in e["variants"]:
            variant_spec(config, v, key=f"experiments.{key}.variants")
        off_images = [i for i in e["images"] if i not in sup["images"]]
        off_epochs = [x for x in e["epochs"] if x not in sup["epochs"]]
        if off_images or off_epochs:
            raise WiringupError(
                f"experiments.{key}: images {off_images or ''} epochs {off_epochs or ''} are not points of the "
                f"supervised-updates grid (experiments.{SUPERVISED}: images {sup['images']}, epochs "
                f"{sup['epochs']}); every experiment is compared with standard training at the same points, so "
                "use a subset of that grid or extend it")


def runs(config: dict[str, Any], key: str) -> list[tuple[str, str, int]]:
    """(variant, images, seed) of every training run of an experiment (none if it has no epoch > 0)."""
    e = experiment(config, key)
    if not any(x > 0 for x in e["epochs"]):
        return []
    return [(v, i, s) for v in e["variants"] for i in e["images"] for s in e["seeds"]]


def scored_models(config: dict[str, Any], key: str) -> list[str]:
    """Model ids (paths under results/models without .pt) an experiment puts into the score table: each run's
    checkpoints at the experiment's epochs, and at epoch 0 the variant's model at birth."""
    e = experiment(config, key)
    ids = []
    for v in e["variants"]:
        init = variant_spec(config, v)["init"]
        for s in e["seeds"]:
            if 0.0 in e["epochs"]:
                ids.append(birth_id(init, s))
            for i in e["images"]:
                ids += [checkpoint_id(v, i, s, x) for x in e["epochs"] if x > 0]
    return list(dict.fromkeys(ids))


def variant_epochs(config: dict[str, Any]) -> dict[str, list[float]]:
    """Checkpoint epochs (> 0) of each trained variant: the union over the experiments that train it."""
    out: dict[str, set[float]] = {}
    for key in [SUPERVISED] + grid_experiments(config):
        e = experiment(config, key)
        for v in e["variants"]:
            out.setdefault(v, set()).update(x for x in e["epochs"] if x > 0)
    return {v: sorted(es) for v, es in out.items() if es}


def train_schedules(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Rule name -> {variants, epochs, labels}: one training rule per distinct checkpoint schedule."""
    epochs = variant_epochs(config)
    sup_variant = experiment(config, SUPERVISED)["variants"][0]
    order = [sup_variant] + [v for key in grid_experiments(config) for v in experiment(config, key)["variants"]]
    first_exp = {}
    for key in grid_experiments(config):
        for v in experiment(config, key)["variants"]:
            first_exp.setdefault(v, key)
    groups: dict[tuple[float, ...], list[str]] = {}
    for v in dict.fromkeys(order):
        if v in epochs:
            groups.setdefault(tuple(epochs[v]), []).append(v)
    out = {}
    for sched, variants in groups.items():
        name = base = "train" if sup_variant in variants else f"train_{first_exp[variants[0]]}"
        k = 1
        while name in out:
            k += 1
            name = f"{base}_{k}"
        out[name] = {"variants": variants, "epochs": list(sched), "labels": [epoch_label(x) for x in sched]}
    return out


def trained_runs(config: dict[str, Any]) -> list[tuple[str, str, int]]:
    """Every training run of the plan (supervised grid and grid experiments), each once."""
    out = runs(config, SUPERVISED)
    for key in grid_experiments(config):
        out += runs(config, key)
    return list(dict.fromkeys(out))


def table_variants(config: dict[str, Any]) -> list[str]:
    """Variants of the trained-parameters table: the supervised grid's, then every grid experiment's."""
    order = experiment(config, SUPERVISED)["variants"]
    for key in grid_experiments(config):
        order += experiment(config, key)["variants"]
    return list(dict.fromkeys(order))


def table_specs(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Variant -> {init, trained, trained_layers} for the trained-parameters table (JSON-able, for params:)."""
    out = {}
    for v in table_variants(config):
        spec = variant_spec(config, v)
        out[v] = {"init": spec["init"], "trained": spec["trained"], "trained_layers": spec["trained_layers"]}
    return out
