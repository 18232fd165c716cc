"""The config as the workflow sees it, outside Snakemake (tests, benchmark scripts): :func:`load_config` merges
config files in order as ``snakemake --configfile`` merges them and validates the result against the schema, which
fills in its defaults (as workflow/rules/common.smk does). Uses Snakemake's own validator, so it lives here, not in
the Snakemake-free :mod:`wiringup.plan`."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

#: The config schema (validated by workflow/rules/common.smk, and by :func:`load_config`).
SCHEMA = Path(__file__).resolve().parents[3] / "workflow" / "schemas" / "config.schema.yaml"


def deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Snakemake's ``--configfile`` semantics: nested mappings merge key by key, everything else replaces."""
    out = dict(base)
    for k, v in over.items():
        out[k] = deep_merge(out[k], v) if isinstance(v, Mapping) and isinstance(out.get(k), Mapping) else v
    return out


def load_config(config: Mapping[str, Any] | str | Path, *overrides: Mapping[str, Any] | str | Path,
                schema: str | Path = SCHEMA) -> dict[str, Any]:
    """The config as the workflow sees it: YAML files (or dicts, copied, never changed) merged in order, as
    ``snakemake --configfile A --configfile B`` merges them, then validated against the schema, which fills in its
    defaults (as workflow/rules/common.smk does)."""
    import copy

    import yaml
    from snakemake.utils import validate

    def load(c):
        return yaml.safe_load(Path(c).read_text()) if isinstance(c, (str, Path)) else copy.deepcopy(dict(c))

    out = load(config)
    for o in overrides:
        out = deep_merge(out, load(o))
    validate(out, str(schema))
    return out
