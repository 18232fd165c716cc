"""Glue for the thin Snakemake scripts: logging, error reporting, config helpers.

Scripts call :func:`run` with their ``snakemake`` object and a function; output goes to the rule's ``log:``
file, and a :class:`~wiringup.io.WiringupError` is printed (to the log and to the console) as one clear line
instead of a traceback.
"""
from __future__ import annotations

import contextlib
import os
import sys
import traceback
from pathlib import Path
from typing import Any, Callable

from .io import WiringupError

os.environ.setdefault("BS_INSTALL_DEPENDENCIES", "no")
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")


def run(smk: Any, main: Callable[[Any], None]) -> None:
    """Run ``main(smk)`` with stdout/stderr sent to ``smk.log[0]``; exit 1 with a clear message on error."""
    log_path = Path(smk.log[0]) if len(smk.log) else None
    console = sys.__stderr__
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(log_path, "w", buffering=1)
        ctx = contextlib.ExitStack()
        ctx.enter_context(log)
        ctx.enter_context(contextlib.redirect_stdout(log))
        ctx.enter_context(contextlib.redirect_stderr(log))
    else:
        ctx = contextlib.nullcontext()
    with ctx:
        try:
            main(smk)
        except WiringupError as exc:
            msg = f"wiringup error in rule {smk.rule}: {exc}"
            print(msg, file=sys.stderr)
            print(msg, file=console)
            sys.exit(1)
        except BaseException:
            traceback.print_exc()
            raise


def torch_device() -> str:
    """``cuda`` when a GPU is visible to this job, else ``cpu`` (results are exact on CPU only)."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def resolve_data_path(data_root: str, path: str, key: str) -> Path:
    """Resolve ``path`` against ``data_root`` (unless absolute) and check it exists, naming the config key."""
    p = Path(path)
    if not p.is_absolute():
        p = Path(data_root) / p
    if not p.exists():
        raise WiringupError(f"{p} does not exist (config key {key!r}, resolved against data_root={data_root!r}); "
                            "point it at your copy of the data (see README, 'Data')")
    return p
