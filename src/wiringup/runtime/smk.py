"""Reading Snakemake's ``snakemake`` job object (params, wildcards, resources) as plain data."""
from __future__ import annotations

import json
from typing import Any


def named(namedlist: Any) -> dict[str, Any]:
    """The named entries of a Snakemake Namedlist (params, wildcards, resources) as a plain dict."""
    try:
        return {k: v for k, v in namedlist.items()}
    except AttributeError:
        return {}


def job_config(smk: Any) -> dict[str, Any]:
    """What defines a job besides its inputs: its params (the config slice the rule passes) and wildcards."""
    return json.loads(json.dumps({"params": named(smk.params), "wildcards": named(smk.wildcards)}, default=str,
                                 sort_keys=True))
