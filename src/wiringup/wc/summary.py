"""The summary written beside each WC file (``<stem>.json`` and ``<stem>.csv``, rules fit_wc, import_wc,
fit_wc_alternatives): per conv layer its method, shape, k or mixture size and how it was chosen, and the
parameter count by the authors' rule (:meth:`wiringup.wc.distributions.WCDistributions.parameter_count`).
"""
from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

from wiringup.core.io import atomic_path, sha256_file, write_json
from wiringup.wc.distributions import (PAPER_PARAMETER_COUNTS, GaborGMMLayer, KMeansLayer, WCDistributions,
                                       WeightGMMLayer, json_default, stored_mixture)

#: The columns of ``<stem>.csv`` (one row per conv layer, then one for BatchNorm).
SUMMARY_COLUMNS = ["layer", "method", "out_channels", "in_channels", "kernel", "k", "rule_k", "choice",
                   "n_components", "selection", "parameters", "stored_numbers", "solver"]


def layer_table(wc: WCDistributions) -> list[dict[str, Any]]:
    """One row per conv layer (then BatchNorm): method, shape, k or mixture size and how it was chosen, and the
    parameter count (authors' rule) and numbers stored."""
    rows = []
    for name, l in wc.layers.items():
        kernel = "x".join(str(v) for v in (l.kernel_size if not isinstance(l, GaborGMMLayer)
                                            else (l.kernel_size, l.kernel_size)))
        row = {"layer": name, "method": l.method, "out_channels": l.out_channels, "in_channels": l.in_channels,
               "kernel": kernel, "k": None, "rule_k": None, "choice": None, "n_components": None,
               "selection": None, "parameters": l.authors_count(), "stored_numbers": l.authors_count(),
               "solver": None}
        if isinstance(l, KMeansLayer):
            row.update(k=l.k, rule_k=l.elbow.get("rule_k"), choice=l.elbow.get("choice"), solver=l.solver)
        elif isinstance(l, (GaborGMMLayer, WeightGMMLayer)):
            row.update(n_components=l.n_components, selection=l.selection.get("selection"),
                       stored_numbers=stored_mixture(l.n_components, l.dim))
        rows.append(row)
    bn = [b for b in wc.batchnorm.values()]
    rows.append({"layer": f"BatchNorm ({len(bn)} layers)",
                 "method": ",".join(sorted({b.method for b in bn})) or "none", "out_channels": None,
                 "in_channels": None, "kernel": None, "k": None, "rule_k": None, "choice": None,
                 "n_components": None, "selection": None, "parameters": sum(b.authors_count() for b in bn),
                 "stored_numbers": 4 * sum(b.method == "bn_normal" for b in bn), "solver": None})
    return rows


def summary(wc: WCDistributions, path: str | os.PathLike | None = None) -> dict[str, Any]:
    """A small JSON-able summary of a WC set: method, source, parameter counts, per-layer choices."""
    src = {k: v for k, v in wc.source.items() if k not in ("timings_s", "plan", "how", "sha256")}
    out = {"format": "wiringup-wc-summary", "file": str(path) if path is not None else None,
           "file_sha256": sha256_file(path) if path is not None and Path(path).is_file() else None,
           "compression": wc.compression, "arch": wc.arch, "width": wc.width, "source": src,
           "parameter_count": wc.parameter_count(), "paper_parameter_count_full_size":
           PAPER_PARAMETER_COUNTS.get(wc.compression), "layers": layer_table(wc), "notes": list(wc.notes)}
    if "timings_s" in wc.source:
        out["fit_seconds"] = round(float(sum(wc.source["timings_s"].values())), 2)
    return out


def write_summary(wc: WCDistributions, wc_path: str | os.PathLike, json_path: str | os.PathLike,
                  csv_path: str | os.PathLike) -> dict[str, Any]:
    """Write :func:`summary` as JSON and :func:`layer_table` as CSV (atomically); return the summary."""
    info = summary(wc, wc_path)
    write_json(json_path, json.loads(json.dumps(info, default=json_default)))
    with atomic_path(Path(csv_path)) as tmp:
        with open(tmp, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=SUMMARY_COLUMNS)
            writer.writeheader()
            for row in info["layers"]:
                writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in SUMMARY_COLUMNS})
    return info
