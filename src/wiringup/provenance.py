"""Provenance records: where an artifact came from.

Each artifact embeds (checkpoints, score JSONs) or sits beside (``<file>.prov.json``) a record with the rule,
the config slice and its hash, input hashes, package versions, git commit and dirty flag, host, device and
wall time. The git commit is recorded here, inside the job, never in a rule's ``params`` (that would rerun
everything on every commit).
"""
from __future__ import annotations

import datetime as _dt
import functools
import platform
import socket
import subprocess
import time
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable

from .io import config_hash, sha256_file

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
    """Collects a provenance record for one job; call :meth:`record` at the end."""

    def __init__(self, rule: str, config_slice: Any = None, inputs: Iterable[str | Path] = ()):
        self.rule = rule
        self.config_slice = config_slice
        self.inputs = [Path(p) for p in inputs]
        self.started = time.time()

    def record(self, hash_inputs: bool = True, **extra: Any) -> dict[str, Any]:
        inputs = {}
        for p in self.inputs:
            # Hash small inputs; large ones (checkpoints of full models) by size+mtime to stay cheap.
            if hash_inputs and p.is_file() and p.stat().st_size < 64 << 20:
                inputs[str(p)] = "sha256:" + sha256_file(p)
            elif p.exists():
                st = p.stat()
                inputs[str(p)] = f"size:{st.st_size}"
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
