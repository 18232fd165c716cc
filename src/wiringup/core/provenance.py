"""Provenance records: where an artifact came from.

Each artifact embeds (checkpoints, score JSONs) or sits beside (``<file>.prov.json``) a record with the rule,
the config slice and its hash, input hashes, package versions, git commit and dirty flag, host, device and
wall time. The git commit is recorded here, inside the job, never in a rule's ``params`` (that would rerun
everything on every commit).
"""
from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
import os
import platform
import re
import socket
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable

from wiringup.core.io import atomic_path, config_hash, sha256_file

PACKAGES = ("wiringup", "torch", "torchvision", "numpy", "scipy", "scikit-learn", "pandas", "xarray",
            "matplotlib", "snakemake", "brainscore-vision")


@functools.lru_cache(maxsize=1)
def package_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


@functools.lru_cache(maxsize=1)
def git_state() -> dict[str, Any]:
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                                timeout=10).stdout.strip() or None
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                                    capture_output=True, text=True, timeout=10).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        commit, dirty = None, None
    return {"commit": commit, "dirty": dirty}


def device_name() -> str:
    try:
        import torch

        if torch.cuda.is_available():
            return f"cuda:{torch.cuda.get_device_name(0)}"
    except ImportError:  # pragma: no cover
        pass
    return f"cpu:{platform.processor() or platform.machine()}"


class Recorder:
    """Collects a provenance record for one job; call :meth:`record` at the end (or at each checkpoint).

    Inputs are hashed (sha256) once, when first needed, and the hash is reused by later records; inputs of
    :data:`HASH_LIMIT` bytes or more (full-size checkpoints) are recorded by size to stay cheap.
    ``record(hash_inputs=False)`` hashes nothing new (records made during training), but reuses the hashes
    taken when the recorder was made.
    """

    HASH_LIMIT = 64 << 20

    def __init__(self, rule: str, config_slice: Any = None, inputs: Iterable[str | Path] = ()):
        self.rule = rule
        self.config_slice = config_slice
        self.inputs = [Path(p) for p in inputs]
        self.started = time.time()
        self._hashes: dict[Path, str] = {}
        for p in self.inputs:  # the inputs as the job found them
            self._hash(p)

    def _hash(self, p: Path) -> str | None:
        if p not in self._hashes and p.is_file() and p.stat().st_size < self.HASH_LIMIT:
            self._hashes[p] = "sha256:" + sha256_file(p)
        return self._hashes.get(p)

    def record(self, hash_inputs: bool = True, **extra: Any) -> dict[str, Any]:
        inputs: dict[str, str | None] = {}
        for p in self.inputs:
            h = self._hash(p) if hash_inputs else self._hashes.get(p)
            if h is not None:
                inputs[str(p)] = h
            elif p.exists():
                inputs[str(p)] = f"size:{p.stat().st_size}"
            else:
                inputs[str(p)] = None
        rec = {
            "rule": self.rule,
            "config": self.config_slice,
            "config_hash": config_hash(self.config_slice),
            "inputs": inputs,
            "packages": package_versions(),
            "git": git_state(),
            "host": socket.gethostname(),
            "python": platform.python_version(),
            "device": device_name(),
            "started": _dt.datetime.fromtimestamp(self.started, _dt.timezone.utc).isoformat(timespec="seconds"),
            "wall_seconds": round(time.time() - self.started, 3),
        }
        rec.update(extra)
        return rec


# ------------------------------------------------------------------------------------- reading records back

def read_record(path: str | os.PathLike) -> tuple[dict[str, Any] | None, str]:
    """The provenance record of an artifact and where it was found: ``("embedded" | "sidecar" | "missing")``.

    Checkpoints carry theirs in ``meta.provenance``, score JSONs and training summaries under ``provenance``;
    every other output has ``<file>.prov.json`` beside it (written by its script, or by
    :func:`wiringup.runtime.pipeline.write_missing_provenance` for outputs that have none of their own).
    """
    path = Path(path)
    side = Path(f"{path}.prov.json")
    if side.is_file():
        try:
            rec = json.loads(side.read_text())
            if isinstance(rec, dict):
                return rec, "sidecar"
        except json.JSONDecodeError:
            pass
    rec = embedded_provenance(path)
    return (rec, "embedded") if rec is not None else (None, "missing")


def lineage(targets: Iterable[str | os.PathLike]) -> list[str]:
    """Every artifact the ``targets`` were made from, found by following the ``inputs`` of provenance records
    (paths relative to the working directory), the targets first; files without a record end the walk."""
    seen: dict[str, None] = {}
    todo = [str(t) for t in targets]
    while todo:
        p = todo.pop(0)
        if p in seen:
            continue
        seen[p] = None
        rec, _ = read_record(p)
        if rec:
            todo.extend(str(i) for i in (rec.get("inputs") or {}) if str(i) not in seen)
    return list(seen)


TABLE_COLUMNS = ["artifact", "record", "rule", "started", "wall_seconds", "git_commit", "git_dirty", "host",
                 "device", "config_hash", "n_inputs", "wiringup", "torch", "numpy", "python"]


def provenance_table(artifacts: Iterable[str | os.PathLike]) -> list[dict[str, Any]]:
    """One row per artifact: where its record is (embedded, sidecar, missing) and its main fields."""
    rows = []
    for a in artifacts:
        rec, where = read_record(a)
        if rec is None and not Path(a).as_posix().startswith("results/"):
            where = "source"  # data outside the pipeline's outputs (e.g. under data_root)
        rec = rec or {}
        git, pk = rec.get("git") or {}, rec.get("packages") or {}
        rows.append({"artifact": str(a), "record": where, "rule": rec.get("rule"), "started": rec.get("started"),
                     "wall_seconds": rec.get("wall_seconds"), "git_commit": (git.get("commit") or "")[:12] or None,
                     "git_dirty": git.get("dirty"), "host": rec.get("host"), "device": rec.get("device"),
                     "config_hash": rec.get("config_hash"), "n_inputs": len(rec.get("inputs") or {}) if rec else None,
                     "wiringup": pk.get("wiringup"), "torch": pk.get("torch"), "numpy": pk.get("numpy"),
                     "python": rec.get("python")})
    return rows


def write_provenance_table(rows: list[dict[str, Any]], csv_path: str | os.PathLike,
                           html_path: str | os.PathLike | None = None) -> None:
    """Write the table as CSV and, for ``snakemake --report`` (which shows HTML inline), as a small HTML page."""
    import csv
    import html

    with atomic_path(csv_path) as tmp:
        with open(tmp, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=TABLE_COLUMNS)
            w.writeheader()
            w.writerows(rows)
    if html_path is None:
        return
    missing = sum(r["record"] == "missing" for r in rows)
    commits = sorted({str(r["git_commit"]) + (" (dirty)" if r["git_dirty"] else "") for r in rows
                      if r["git_commit"]})
    head = "".join(f"<th>{html.escape(c)}</th>" for c in TABLE_COLUMNS)
    body = "\n".join("<tr>" + "".join(f"<td>{html.escape('' if r[c] is None else str(r[c]))}</td>"
                                      for c in TABLE_COLUMNS) + "</tr>" for r in rows)
    page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Provenance</title><style>"
            "body{font-family:sans-serif;font-size:12px} table{border-collapse:collapse} "
            "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left} th{background:#eee}</style></head><body>"
            f"<h3>Provenance of {len(rows)} artifacts</h3><p>{missing} without a record. Code: "
            f"{html.escape(', '.join(commits) or 'unknown')}. The full record of each artifact (config slice, "
            "input hashes, package versions) is embedded in it (checkpoints, score JSONs) or beside it as "
            f"<code>&lt;file&gt;.prov.json</code>.</p><table><tr>{head}</tr>\n{body}</table></body></html>\n")
    with atomic_path(html_path) as tmp:
        tmp.write_text(page)


# ------------------------------------------------------------------------------ content digests (determinism)

#: Keys that hold run-specific facts rather than results; digests ignore them, and every key that contains
#: "seconds" or "timing" (timings) or "sha256" (hashes of input files: a checkpoint's bytes include its provenance
#: record, so the hash of an identical model differs between runs).
VOLATILE_KEYS = frozenset({"provenance", "started", "elapsed"})


def _volatile(key: Any) -> bool:
    k = str(key)
    return k in VOLATILE_KEYS or "seconds" in k or "timing" in k or "sha256" in k
#: Paths under a results folder that are run-specific by nature and not compared: job runtimes, resume state and
#: the provenance table itself.
VOLATILE_PARTS = ("runtime/", "resume/", "tables/provenance.")


def _strip(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items() if not _volatile(k)}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


def content_digest(path: str | os.PathLike) -> str:
    """A hash of an artifact's results, ignoring what legitimately differs between two identical runs.

    Checkpoints: every tensor (name, dtype, shape, bytes) and the meta without its provenance. JSON: the data
    without provenance, timing and input-hash keys (:func:`_volatile`). CSV/TSV tables with a header row: the
    columns except timing ones. ``.npz`` (WC files): every array, the JSON header without volatile keys. netCDF
    (packaged assemblies): every variable and attribute. PDF: the bytes without ``/CreationDate``. Everything else
    (manifests, PNG): the bytes.
    """
    path = Path(path)
    h = hashlib.sha256()
    if path.suffix == ".pt":
        import torch

        payload = torch.load(path, map_location="cpu", weights_only=True)
        if isinstance(payload, dict) and isinstance(payload.get("state_dict"), dict):
            for k in sorted(payload["state_dict"]):
                t = payload["state_dict"][k].contiguous()
                h.update(f"{k}|{t.dtype}|{tuple(t.shape)}|".encode())
                h.update(t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.float().numpy().tobytes())
            rest = {k: v for k, v in payload.items() if k != "state_dict"}
            h.update(json.dumps(_strip(rest), sort_keys=True, default=str).encode())
            return h.hexdigest()
        h.update(path.read_bytes())
        return h.hexdigest()
    data = path.read_bytes()
    if path.suffix == ".json":
        try:
            h.update(json.dumps(_strip(json.loads(data)), sort_keys=True).encode())
            return h.hexdigest()
        except json.JSONDecodeError:
            pass
    elif path.suffix in (".csv", ".tsv") and not data.startswith(b"#"):
        import csv
        import io

        lines = list(csv.reader(io.StringIO(data.decode()), delimiter="\t" if path.suffix == ".tsv" else ","))
        if lines:
            keep = [i for i, c in enumerate(lines[0]) if not _volatile(c)]
            for row in lines:
                h.update(("\x1f".join(row[i] for i in keep if i < len(row)) + "\n").encode())
            return h.hexdigest()
    elif path.suffix == ".pdf":
        data = re.sub(rb"/CreationDate \([^)]*\)", b"", data)
    elif path.suffix == ".npz":
        return _digest_npz(path, h)
    elif path.suffix == ".nc":
        return _digest_netcdf(path, h)
    h.update(data)
    return h.hexdigest()


def _digest_npz(path: Path, h: Any) -> str:
    """Arrays by name, dtype, shape and bytes; a JSON ``header`` array without its volatile keys."""
    import numpy as np

    with np.load(path, allow_pickle=False) as z:
        for name in sorted(z.files):
            a = z[name]
            if name == "header" and a.dtype.kind == "U" and a.ndim == 0:
                try:
                    h.update(json.dumps(_strip(json.loads(str(a))), sort_keys=True).encode())
                    continue
                except json.JSONDecodeError:
                    pass
            h.update(f"{name}|{a.dtype}|{a.shape}|".encode())
            h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def _digest_netcdf(path: Path, h: Any) -> str:
    """Every variable (name, dims, dtype, values, attributes) and the global attributes: HDF5 files holding the same
    data are not byte-identical between writes."""
    import numpy as np
    import xarray as xr

    with xr.open_dataset(path, engine="netcdf4") as ds:
        h.update(json.dumps(_strip(dict(ds.attrs)), sort_keys=True, default=str).encode())
        for name in sorted(map(str, ds.variables)):
            v = ds.variables[name]
            values = np.asarray(v.values)
            h.update(f"{name}|{v.dims}|{values.dtype}|{values.shape}|".encode())
            h.update(json.dumps(_strip(dict(v.attrs)), sort_keys=True, default=str).encode())
            h.update("\x1f".join(map(str, values.ravel())).encode() if values.dtype.kind == "O"
                     else np.ascontiguousarray(values).tobytes())
    return h.hexdigest()


def digest_tree(root: str | os.PathLike) -> dict[str, str]:
    """``{relative path: content_digest}`` of every result file under ``root``, except provenance sidecars,
    temporary files and the run-specific folders in :data:`VOLATILE_PARTS`."""
    root = Path(root)
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if (not p.is_file() or rel.endswith((".prov.json", ".tmp")) or p.name.startswith(".")
                or any(part in f"{rel}" for part in VOLATILE_PARTS)):
            continue
        out[rel] = content_digest(p)
    return out


def compare_trees(a: str | os.PathLike, b: str | os.PathLike) -> dict[str, list[str]]:
    """Compare the results of two runs: ``{"only_a": [...], "only_b": [...], "different": [...]}``."""
    da, db = digest_tree(a), digest_tree(b)
    return {"only_a": sorted(set(da) - set(db)), "only_b": sorted(set(db) - set(da)),
            "different": sorted(k for k in set(da) & set(db) if da[k] != db[k])}


def main(argv: list[str] | None = None) -> int:
    """``python -m wiringup.core.provenance compare RESULTS_A RESULTS_B`` (exit 1 on any difference) or
    ``python -m wiringup.core.provenance show FILE`` (print an artifact's record)."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m wiringup.core.provenance", description=main.__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("compare", help="compare the results of two runs by content (ignoring timing/provenance)")
    c.add_argument("a")
    c.add_argument("b")
    s = sub.add_parser("show", help="print the provenance record of an artifact")
    s.add_argument("file")
    args = ap.parse_args(argv)
    if args.cmd == "show":
        rec, where = read_record(args.file)
        print(json.dumps({"record": where, **(rec or {})}, indent=2, sort_keys=True))
        return 0 if rec else 1
    diff = compare_trees(args.a, args.b)
    n = len(digest_tree(args.a))
    for k, v in diff.items():
        for p in v:
            print(f"{k}: {p}")
    print(f"{n} files compared; {sum(map(len, diff.values()))} differences")
    return 1 if any(diff.values()) else 0



def has_provenance(path: str | os.PathLike, since: float | None = None) -> bool:
    """Whether ``path`` carries a provenance record: embedded (checkpoint meta, a JSON's ``provenance`` key) or
    a ``<file>.prov.json`` sidecar (written at or after ``since``, a job's start time, when given)."""
    path = Path(path)
    side = Path(f"{path}.prov.json")
    if side.is_file() and (since is None or side.stat().st_mtime >= since - 1):
        return True
    if not path.is_file():
        return False
    return embedded_provenance(path) is not None


def embedded_provenance(path: str | os.PathLike) -> dict[str, Any] | None:
    """The provenance record embedded in a checkpoint (``meta.provenance``) or JSON file, else None."""
    path = Path(path)
    try:
        if path.suffix == ".pt":
            import torch

            payload = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
            rec = payload.get("meta", {}).get("provenance") if isinstance(payload, dict) else None
        elif path.suffix == ".json" and not path.name.endswith(".prov.json"):
            data = json.loads(path.read_text())
            rec = data.get("provenance") if isinstance(data, dict) else None
        else:
            return None
    except Exception:  # noqa: BLE001 - an unreadable file has no usable record
        return None
    return rec if isinstance(rec, dict) else None


def output_hashes(paths: list[str], limit: int = 256 << 20) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for p in paths:
        q = Path(p)
        if q.is_file():
            out[p] = ("sha256:" + sha256_file(q)) if q.stat().st_size < limit else f"size:{q.stat().st_size}"
        else:
            out[p] = "directory" if q.is_dir() else None
    return out


if __name__ == "__main__":
    sys.exit(main())
