"""Atomic file writing and small readers shared by every stage.

Every artifact is written to a temporary name in the target folder and renamed into place,
so a killed job never leaves a truncated file under the final name.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator


class WiringupError(Exception):
    """A user-facing error: bad input, bad config, missing data. The message says what to do."""


#: Free space (bytes) below which a failed write is reported as a full disk.
DISK_FULL_BYTES = 1 << 20


def rebuild_advice(path: str | os.PathLike) -> str:
    """What to do about a damaged or wrong intermediate ``path``: the target rules list every intermediate as an
    input (:mod:`wiringup.plan.outputs`), so deleting it and rerunning the same command rebuilds it and everything
    made from it."""
    return f"delete {path} and rerun the same command (`snakemake --cores 2`, or `snakemake --cores 2 figures`): " \
           "it is rebuilt, and so is everything made from it"


def _disk_full(exc: BaseException, folder: Path) -> bool:
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    try:
        return shutil.disk_usage(folder).free < DISK_FULL_BYTES
    except OSError:
        return False


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` only if the block succeeds.

    If the block fails, the temporary file is removed and ``path`` is left as it was; a failure on a full disk
    (``ENOSPC``, or any error while less than 1 MiB is free: ``torch.save`` reports a full disk as a RuntimeError)
    is a :class:`WiringupError` naming ``path`` and the free space.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        os.replace(tmp, path)
    except Exception as exc:
        if isinstance(exc, WiringupError) or not _disk_full(exc, path.parent):
            raise
        tmp.unlink(missing_ok=True)
        free = shutil.disk_usage(path.parent).free
        raise WiringupError(f"{path}: no space left on device while writing it ({free / 1e6:.1f} MB free in "
                            f"{path.parent}; {type(exc).__name__}: {exc}); nothing was written under this name. Free "
                            "some space and rerun the same command (a training run resumes from its last resume "
                            "point)") from None
    finally:
        if tmp.exists():
            tmp.unlink()


def _json_default(obj: Any) -> Any:
    try:
        import numpy as np

        if isinstance(obj, np.generic):
            return obj.item()
        if isinstance(obj, np.ndarray):
            return obj.tolist()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def _finite(obj: Any) -> Any:
    """Replace non-finite floats by None so the JSON stays standard (no NaN literals)."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def write_json(path: str | os.PathLike, data: Any) -> None:
    """Write ``data`` as indented, key-sorted JSON, atomically."""
    text = json.dumps(_finite(json.loads(json.dumps(data, default=_json_default))), indent=2, sort_keys=True)
    with atomic_path(path) as tmp:
        tmp.write_text(text + "\n")


def read_json(path: str | os.PathLike) -> Any:
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise WiringupError(f"{path}: file not found") from None
    except json.JSONDecodeError as exc:
        raise WiringupError(f"{path}: not valid JSON ({exc}); {rebuild_advice(path)}") from None


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def config_hash(cfg: Any) -> str:
    """A short, stable hash of a JSON-able config slice."""
    text = json.dumps(cfg, sort_keys=True, default=_json_default)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
