"""Trained-layer sets and parameter accounting shared by every architecture.

Two conventions of "number of parameters" appear in the paper and its code (AUTHORS_CODE_FACTS.md §1–2):
``total`` = every parameter (53,416,616 for CORnet-S), and ``conv_weights`` = Conv2d weights only
(52,860,096), the authors' "trained parameters". Both are reported everywhere. A third, the authors' count for
their weight-compressed models (configs with a ``batchnorm`` key, the WC rows of the §2 table), adds the BatchNorm
weight γ (not β) of every BN layer that is trained or normalises a trained conv (``conv_weights_bn``).

Trained-layer sets (Critical Training, Downstream Training and the other variants of Fig. 3) are data: config key
``trained_layer_sets`` maps a set name to the authors' substring rules (a parameter is trained iff one rule is a
substring of its name; ``null`` = every parameter), optionally per architecture. ``python -m
wiringup.nets.trained_layers counts --help`` prints the trained and frozen counts of any set in all conventions.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any, Iterable

import torch
from torch import nn

from wiringup.core.io import WiringupError
from wiringup.nets.registry import build_model, count_parameters
from wiringup.plan.experiments import resolve_trained_set


def apply_trained_layers(model: nn.Module, rules: list[str], allow_none: bool = False) -> dict[str, Any]:
    """Freeze every parameter whose name contains none of ``rules`` (the authors' substring rule, §2).

    ``'V2.conv3'`` therefore trains ``V2.conv3.weight`` but not ``V2.norm3_0.weight``. A rule that matches no
    parameter is an error naming the rule; a set that trains nothing is refused unless ``allow_none``.
    Returns the trained and frozen counts in both conventions.
    """
    names = [n for n, _ in model.named_parameters()]
    for rule in rules:
        if not any(rule in n for n in names):
            raise WiringupError(f"trained-layer rule {rule!r} matches no parameter; parameter names look like "
                                f"{names[:3]} … {names[-2:]}")
    for name, p in model.named_parameters():
        p.requires_grad_(any(rule in name for rule in rules))
    trained = count_parameters(model, trainable_only=True)
    if trained["total"] == 0 and not allow_none:
        raise WiringupError(f"trained-layer rules {rules} train no parameter; set allow_untrained to accept this")
    total = count_parameters(model)
    return {"trained": trained, "total": total,
            "frozen": {k: total[k] - trained[k] for k in total}}


# --------------------------------------------------------------------------------------------- trained-layer sets

def rules_for_arch(rules: Any, arch: str | None) -> list[str] | None:
    """Rules given inline: ``None``, a list, or a per-architecture mapping (resolved for ``arch``)."""
    if isinstance(rules, dict):
        if arch not in rules:
            raise WiringupError(f"trained-layer rules {rules} have no entry for architecture {arch!r}; add one to "
                                "the variant's trained-layer set")
        rules = rules[arch]
    return None if rules is None else list(rules)


def _cornet_norm_to_conv(bn_name: str) -> str | None:
    """The conv a CORnet-S BatchNorm layer normalises (the authors' ``conv_to_norm``, §3.7):
    ``V1.norm1`` -> ``V1.conv1``, ``V2.norm_skip`` -> ``V2.skip``, ``V4.norm2_3`` -> ``V4.conv2``."""
    m = re.fullmatch(r"(?P<area>\w+)\.norm(?:(?P<skip>_skip)|(?P<k>\d)(?:_\d+)?)", bn_name)
    if m is None:
        return None
    return f"{m['area']}.skip" if m["skip"] else f"{m['area']}.conv{m['k']}"


#: BatchNorm layer name -> the conv layer it normalises, per architecture (for the authors' +BN convention).
NORM_TO_CONV = {"cornet_s": _cornet_norm_to_conv}


def _matches(name: str, rules: list[str] | None) -> bool:
    return rules is None or any(r in name for r in rules)


def trained_set_counts(model: nn.Module, rules: list[str] | None, arch: str = "cornet_s",
                       allow_none: bool = True) -> dict[str, Any]:
    """Trained and frozen counts of the substring ``rules`` on ``model`` in every convention (flat dict).

    Keys: ``trained_total``/``frozen_total``/``total`` (all parameters), ``trained_conv_weights``/
    ``frozen_conv_weights``/``conv_weights`` (the authors' convention), ``trained_conv_weights_bn`` (the authors'
    count for WC configs: trained conv weights + γ of each BN layer that is trained or normalises a trained conv;
    None for an architecture without a BN→conv map), the percentages, and the per-kind trained counts.
    Sets ``requires_grad`` on ``model`` like :func:`apply_trained_layers` (whose checks apply).
    """
    counts = apply_trained_layers(model, [""] if rules is None else rules, allow_none=allow_none)
    tr, tot, fr = counts["trained"], counts["total"], counts["frozen"]
    out = {"trained_total": tr["total"], "frozen_total": fr["total"], "total": tot["total"],
           "trained_conv_weights": tr["conv_weights"], "frozen_conv_weights": fr["conv_weights"],
           "conv_weights": tot["conv_weights"]}
    norm_to_conv = NORM_TO_CONV.get(arch)
    if norm_to_conv is None:
        out["trained_conv_weights_bn"] = None
    else:
        bn = 0
        for name, mod in model.named_modules():
            if isinstance(mod, nn.modules.batchnorm._BatchNorm) and mod.weight is not None:
                conv = norm_to_conv(name)
                if _matches(f"{name}.weight", rules) or (conv is not None and _matches(f"{conv}.weight", rules)):
                    bn += mod.weight.numel()
        out["trained_conv_weights_bn"] = tr["conv_weights"] + bn
    out["trained_total_pct"] = 100.0 * tr["total"] / tot["total"] if tot["total"] else None
    out["trained_conv_weights_pct"] = (100.0 * tr["conv_weights"] / tot["conv_weights"]
                                       if tot["conv_weights"] else None)
    for kind in ("batchnorm", "linear", "other"):
        out[f"trained_{kind}"] = tr[kind]
    return out


COUNT_COLUMNS = ["set", "arch", "width", "num_classes", "rules", "trained_total", "frozen_total", "total",
                 "trained_total_pct", "trained_conv_weights", "frozen_conv_weights", "conv_weights",
                 "trained_conv_weights_pct", "trained_conv_weights_bn", "trained_batchnorm", "trained_linear",
                 "trained_other"]


def parameter_counts(sets: dict[str, Any], names: Iterable[str] | None = None, arch: str = "cornet_s",
                     width: float = 1.0, num_classes: int = 1000, key: str = "trained_layer_sets",
                     ) -> list[dict[str, Any]]:
    """One row (:data:`COUNT_COLUMNS`) per trained-layer set, counted on ``arch`` at ``width`` (meta tensors:
    no memory, no init cost)."""
    with torch.device("meta"):
        model = build_model(arch, seed=0, width=width, num_classes=num_classes)
    rows = []
    for name in (list(sets) if names is None else list(names)):
        rules = resolve_trained_set(sets, name, arch, key)
        row = {"set": name, "arch": arch, "width": width, "num_classes": num_classes,
               "rules": "all" if rules is None else " ".join(rules)}
        try:
            row.update(trained_set_counts(model, rules, arch))
        except WiringupError as exc:  # name the set: its rules may be another architecture's
            raise WiringupError(f"trained-layer set {name!r} ({key}.{name}) on {arch}: {exc}") from None
        rows.append({c: row.get(c) for c in COUNT_COLUMNS})
    return rows


def _read_sets(config_path: str) -> dict[str, Any]:
    import yaml

    path = Path(config_path)
    if not path.is_file():
        raise WiringupError(f"{path}: config file not found (option --config)")
    cfg = yaml.safe_load(path.read_text()) or {}
    if "trained_layer_sets" not in cfg:
        raise WiringupError(f"{path} has no trained_layer_sets key")
    return cfg["trained_layer_sets"]


def _fmt(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.2f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m wiringup.nets.trained_layers",
        description="Parameter accounting of trained-layer sets (Critical / Downstream Training, Fig. 3).")
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("counts", help="trained and frozen parameter counts of trained-layer sets",
                       description="Print, per trained-layer set, the trained and frozen counts in both "
                                   "conventions: all parameters, and the authors' conv weights only "
                                   "(+BN: their count for WC configs, conv weights + BN γ of trained blocks).")
    c.add_argument("--arch", default="cornet_s", help="architecture (default cornet_s)")
    c.add_argument("--width", type=float, default=1.0, help="channel multiplier (default 1.0, the paper's)")
    c.add_argument("--num-classes", type=int, default=1000, help="decoder outputs (default 1000)")
    c.add_argument("--set", action="append", dest="sets", metavar="NAME",
                   help="a set name from the config's trained_layer_sets (repeatable; default: every set)")
    c.add_argument("--config", default="config/config.yaml",
                   help="config file holding trained_layer_sets (default config/config.yaml)")
    c.add_argument("--csv", action="store_true", help="write CSV instead of a table")
    args = parser.parse_args(argv)
    try:
        rows = parameter_counts(_read_sets(args.config), args.sets, arch=args.arch, width=args.width,
                                num_classes=args.num_classes)
    except WiringupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.csv:
        import csv

        w = csv.DictWriter(sys.stdout, fieldnames=COUNT_COLUMNS)
        w.writeheader()
        w.writerows(rows)
        return 0
    cols = [("set", "set"), ("trained_total", "trained (all)"), ("frozen_total", "frozen (all)"),
            ("trained_total_pct", "% all"), ("trained_conv_weights", "trained conv w."),
            ("frozen_conv_weights", "frozen conv w."), ("trained_conv_weights_pct", "% conv w."),
            ("trained_conv_weights_bn", "conv w. +BN"), ("rules", "rules")]
    table = [[_fmt(r[k]) for k, _ in cols] for r in rows]
    widths = [max(len(h), *(len(t[i]) for t in table)) for i, (_, h) in enumerate(cols)]
    print(f"{args.arch} width {args.width:g}, {args.num_classes} classes: {rows[0]['total']:,} parameters, "
          f"{rows[0]['conv_weights']:,} conv weights" if rows else "no sets")
    print("  ".join(h.ljust(w) for (_, h), w in zip(cols, widths)))
    for t in table:
        print("  ".join(v.ljust(w) if i in (0, len(cols) - 1) else v.rjust(w) for i, (v, w) in
                        enumerate(zip(t, widths))))
    return 0


VARIANT_COLUMNS = ["variant", "init", "trained"] + [c for c in COUNT_COLUMNS if c != "set"]


def variant_parameter_table(variants: dict[str, dict[str, Any]], arch: str = "cornet_s", width: float = 1.0,
                            num_classes: int = 1000) -> list[dict[str, Any]]:
    """One row (:data:`VARIANT_COLUMNS`) per training variant: its trained-layer set counted on the model.

    ``variants`` maps a variant to ``{"init", "trained" (set name), "trained_layers" (its rules: None, a list, or
    a per-architecture mapping)}`` (wiringup.plan.experiments.table_specs). Columns as :func:`parameter_counts`.
    """
    with torch.device("meta"):
        model = build_model(arch, seed=0, width=width, num_classes=num_classes)
    rows = []
    for name, v in variants.items():
        rules = rules_for_arch(v.get("trained_layers"), arch)
        row = {"variant": name, "init": v.get("init"), "trained": v.get("trained"), "arch": arch, "width": width,
               "num_classes": num_classes, "rules": "all" if rules is None else " ".join(rules)}
        row.update(trained_set_counts(model, rules, arch))
        rows.append({c: row.get(c) for c in VARIANT_COLUMNS})
    return rows


if __name__ == "__main__":
    sys.exit(main())
