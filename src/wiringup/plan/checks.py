"""Checks Snakemake runs at start (workflow/rules/common.smk), before it plans anything: each refusal is one line
that names the config key and says what to set, never a schema dump.

* :func:`config_error_message`: a config that fails the schema (workflow/schemas/config.schema.yaml): the key, what
  is wrong, and for a misspelt key the allowed keys at that place with a "did you mean";
* :func:`check_data`: ``imagenet.root`` and ``data_root`` must be folders (config/paper.yaml ships a placeholder
  ImageNet root, which would otherwise plan with ``-n`` and fail in the first job).

Torch-free; :mod:`wiringup.plan.resources` checks the rule names of config key ``resources``.
"""
from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any, Iterable, Mapping

from wiringup.core.io import WiringupError

#: The longest value quoted in a message.
MAX_SHOWN = 120


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest candidates, or ``""``."""
    close = difflib.get_close_matches(word, sorted(set(candidates)), n=3, cutoff=0.6)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


def _validation_error(exc: BaseException) -> Any:
    """The jsonschema ValidationError behind ``exc`` (snakemake.utils.validate raises a WorkflowError whose message
    holds the whole schema and config; the ValidationError is its context), or None."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if hasattr(exc, "validator") and hasattr(exc, "absolute_path"):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def explain_validation_error(err: Any) -> str:
    """One line for a jsonschema ValidationError of the config: the key path, what is wrong and, for keys the
    schema does not allow, the allowed keys at that place and the closest ones."""
    if err.context:  # oneOf / anyOf: the error of a branch that got deeper into the value, or every branch's
        inner = max(err.context, key=lambda e: len(e.absolute_path))
        if len(inner.absolute_path) > len(err.absolute_path):
            return explain_validation_error(inner)
        where = ".".join(str(p) for p in err.absolute_path)
        branches = " or ".join(dict.fromkeys(explain_validation_error(c).split(": ", 1)[-1] for c in err.context))
        return f"config key {where}: {branches}"
    where = ".".join(str(p) for p in err.absolute_path)
    if err.validator == "additionalProperties" and isinstance(err.instance, Mapping):
        allowed = sorted(err.schema.get("properties", {}))
        unexpected = [k for k in err.instance if k not in allowed]
        place = f"under {where}" if where else "at the top level"
        keys = "; ".join(f"config key {where + '.' if where else ''}{k} is not allowed{did_you_mean(str(k), allowed)}"
                         for k in unexpected)
        return f"{keys} (allowed {place}: {', '.join(allowed)})"
    if err.validator == "required":
        return f"config key {where or '(top level)'}: {err.message}"
    value = _shown(err.instance)
    if err.validator == "type":
        return f"config key {where}: {value} is not of type {err.validator_value!r}"
    if err.validator == "enum":
        return f"config key {where}: {value} is not one of {list(err.validator_value)}"
    message = err.message if len(err.message) <= 2 * MAX_SHOWN else err.message[: 2 * MAX_SHOWN] + "..."
    return f"config key {where or '(top level)'}: {message}"


def config_error_message(exc: BaseException) -> str:
    """The one-line message of a config refusal: a schema error explained (:func:`explain_validation_error`), a
    :class:`WiringupError` as it is, anything else by its first line."""
    err = _validation_error(exc)
    if err is not None:
        return explain_validation_error(err)
    text = str(exc).strip()
    return text if isinstance(exc, WiringupError) else text.splitlines()[0] if text else type(exc).__name__


def _folder_problem(path: Path) -> str | None:
    if path.is_dir():
        return None
    return "is a file, not a folder" if path.exists() else "does not exist"


def check_data(config: Mapping[str, Any]) -> None:
    """Refuse, naming the key to set, an ``imagenet.root`` (resolved against ``data_root``) or a ``data_root`` that
    is not a folder. Relative ``data_root`` resolves against the working directory (Snakemake's ``-d``)."""
    data_root = Path(config["data_root"])
    root = Path(config["imagenet"]["root"])
    if not root.is_absolute():
        root = data_root / root
    problem = _folder_problem(root)
    if problem:
        also = _folder_problem(data_root)
        base = (f"resolved against data_root={str(config['data_root'])!r}" + (f", which {also}" if also else "")
                if not Path(config["imagenet"]["root"]).is_absolute() else "an absolute path")
        raise WiringupError(
            f"config key imagenet.root: {root} {problem} ({base}; working directory {os.getcwd()}). Set "
            "imagenet.root to your ImageNet-layout folder (train/<synset>/*.JPEG, val/<synset>/*.JPEG), in your "
            "config file or with --config \"imagenet={root: /path/to/imagenet}\" (README, 'Data')")
    problem = _folder_problem(data_root)
    if problem:
        raise WiringupError(f"config key data_root: {data_root} {problem} (working directory {os.getcwd()}); set "
                            "data_root to the folder holding the data sets (README, 'Data')")

