"""Glue for the thin Snakemake scripts: logging, error reporting, memory check, provenance, config helpers.

Scripts call :func:`run` with their ``snakemake`` object and a function. :func:`run`

1. sends the job's output to the rule's ``log:`` file;
2. before ``main`` starts, estimates the job's peak memory (:func:`estimate_memory`, for jobs that read a model
   checkpoint) and stops with a clear message if it exceeds the job's declared ``resources.mem_mb`` (or, on a
   GPU, the device's memory); ``WIRINGUP_MEMORY_CHECK=warn`` only warns, ``=off`` skips the check;
3. runs ``main(smk)``; a :class:`~wiringup.core.io.WiringupError` is printed (to the log and to the console) as one
   clear line instead of a traceback; the ``<output>.prov.json`` sidecars of the job's outputs are removed when the
   job starts and when it fails (:func:`remove_sidecars`), so no record outlives its output;
4. afterwards gives every output that carries no provenance record of its own (checkpoints and score JSONs embed
   one, some scripts write ``<file>.prov.json``) a ``<file>.prov.json`` sidecar: rule, params (the config slice
   the rule passes) and its hash, wildcards, input and output hashes, package versions, git commit and dirty flag,
   host, device, start and wall time (:func:`write_missing_provenance`).
"""
from __future__ import annotations

import contextlib
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Callable

import wiringup.core.env  # noqa: F401 - offline settings before brainscore-vision can be imported
from wiringup.core.io import WiringupError, write_json
from wiringup.core.provenance import Recorder, has_provenance, output_hashes
from wiringup.runtime.memory import MEMORY_CHECK_ENV, check_memory  # noqa: F401 - MEMORY_CHECK_ENV re-exported
from wiringup.runtime.smk import job_config


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
            started = time.time()
            remove_sidecars(smk)  # a record never outlives the output it describes
            check_memory(smk, console=console)
            main(smk)
            write_missing_provenance(smk, started)
        except WiringupError as exc:
            remove_sidecars(smk)  # Snakemake removes the outputs of a failed job
            msg = f"wiringup error in rule {smk.rule}: {exc}"
            print(msg, file=sys.stderr)
            print(msg, file=console)
            sys.exit(1)
        except BaseException:
            remove_sidecars(smk)
            traceback.print_exc()
            raise


def remove_sidecars(smk: Any) -> list[str]:
    """Remove the ``<output>.prov.json`` sidecars of the job's outputs: at the start of a job (the outputs are about
    to be replaced) and when it fails (Snakemake removes the outputs of a failed job, and a stale record must not
    survive them). Returns the sidecars removed."""
    removed = []
    for o in smk.output:
        side = Path(f"{o}.prov.json")
        if side.is_file():
            side.unlink()
            removed.append(str(side))
    return removed


def write_missing_provenance(smk: Any, started: float) -> list[str]:
    """Write ``<output>.prov.json`` for each output of the job that has no provenance record of its own.

    Returns the sidecars written. The record is :class:`wiringup.core.provenance.Recorder`'s, with the job's params
    as the config slice, plus ``wildcards``, the hashes of the outputs and ``writer: "wiringup.runtime.pipeline"``.
    """
    outputs = [str(o) for o in smk.output]
    missing = [o for o in outputs if not has_provenance(o, since=started)]
    if not missing:
        return []
    cfg = job_config(smk)
    rec = Recorder(smk.rule, cfg["params"], [str(i) for i in smk.input])
    rec.started = started
    record = rec.record(wildcards=cfg["wildcards"], outputs=output_hashes(missing), writer="wiringup.runtime.pipeline")
    written = []
    for o in missing:
        write_json(f"{o}.prov.json", record)
        written.append(f"{o}.prov.json")
    return written


