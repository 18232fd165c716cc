"""Evaluating the claims: :func:`evaluate` computes one claim of :data:`~wiringup.report.scorecard.claims.CLAIMS`
from the authors' data and from this run and checks each value; :func:`build_scorecard` does so for every claim and
returns the scorecard table (columns :data:`COLUMNS`); :func:`describe_scale` puts this run's scale in words."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from wiringup.core.io import WiringupError
from wiringup.report.figures import data as D
from wiringup.report.scorecard.claims import CLAIMS, Claim
from wiringup.report.scorecard.context import Context
from wiringup.report.scorecard.verdicts import NOT_RUN, RUN_TOLERANCE_PP
from wiringup.tables import authors as A

COLUMNS = ["id", "where", "claim", "paper", "paper_value", "unit", "authors", "authors_detail", "tolerance",
           "verdict_authors", "this_run", "this_run_detail", "verdict_run", "note"]


def format_value(v: Any) -> str:
    """A value as the scorecard's cell shows it (tuples, booleans, lists; floats to 3–4 significant digits)."""
    if v is None:
        return ""
    if isinstance(v, tuple):
        return "(" + ", ".join(format_value(x) for x in v) + ")"
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (list, set)):
        return ", ".join(map(str, v))
    if isinstance(v, (float, np.floating)):
        if not np.isfinite(v):
            return ""
        return f"{v:.3g}" if abs(v) < 1e-3 and v != 0 else (f"{v:.4f}" if abs(v) < 1 else f"{v:.1f}")
    return str(v)


def describe_scale(scale: dict[str, Any]) -> str:
    """This run's scale in words (from the rule's params: model, data, grid, backend)."""
    m = scale.get("model") or {}
    return (f"{m.get('arch', 'cornet_s')} width {m.get('width', 1.0):g}, {m.get('input_size', 224)} px input, "
            f"{m.get('num_classes', 1000)} classes ({scale.get('imagenet_root', '?')}); standard training grid: images "
            f"{scale.get('images')} × epochs {scale.get('epochs')}, seeds {scale.get('seeds')}; scoring backend "
            f"{scale.get('backend', 'local')}")


def evaluate(c: Claim, ctx: Context) -> dict[str, Any]:
    """One row of the scorecard: the claim's value from the authors' data and from this run, each with its
    verdict. A value that cannot be computed (a model id missing from the table, ...) gets "not computable" /
    "not run at this scale" and the reason. The note ends with the authors' runs the claim averages and the scored
    runs their inclusion lists leave out (``Claim.runs``)."""
    try:
        av, adetail = c.authors(ctx)
    except (WiringupError, KeyError, IndexError) as exc:
        av, adetail = None, f"not computable: {exc}"
    verdict = c.check(av)
    if c.run is None:
        rv, rdetail, rverdict = None, "no analogue in this pipeline's experiments", "–"
    elif ctx.run is None:
        rv, rdetail, rverdict = None, NOT_RUN + " (no score table)", NOT_RUN
    else:
        try:
            rv, rdetail = c.run(ctx)
        except (WiringupError, KeyError, IndexError, ValueError) as exc:
            rv, rdetail = None, f"{NOT_RUN} ({exc})"
        if rv is None:
            rverdict = NOT_RUN
        else:
            rverdict = (c.run_check(rv) if c.run_check else "–") + " (indicative: local benchmarks)"
            rdetail = f"{rdetail}; suite: {ctx.suite()}"
    note = c.note
    if c.runs:
        note = (note + " " if note else "") + "Runs — " + "; ".join(ctx.inclusion_note(r) for r in c.runs) + "."
    return {"id": c.id, "where": c.where, "claim": c.claim, "paper": c.paper,
            "paper_value": c.paper_value, "unit": c.unit, "authors": format_value(av), "authors_detail": adetail,
            "tolerance": c.tolerance + (f"; {'this run: ±%g pp, indicative only' % RUN_TOLERANCE_PP}"
                                        if c.run_check and c.run_tolerance else ""),
            "verdict_authors": verdict, "this_run": format_value(rv), "this_run_detail": rdetail,
            "verdict_run": rverdict, "note": note}


def build_scorecard(authors_private: pd.DataFrame, run_table: pd.DataFrame | None = None, *,
                    run_scale: str = "", missing: str = "nan", run_recipe: dict[str, Any] | None = None,
                    standard_variant: str | None = None) -> pd.DataFrame:
    """The scorecard table (columns :data:`COLUMNS`) from the authors' private tidy table and this run's table."""
    if authors_private.empty or not authors_private["backend"].astype(str).eq("authors-private").all():
        raise WiringupError("scorecard: the authors' table must be the private database's tidy table "
                            "(results/tables/authors_private.csv)")
    authors = D.model_table(authors_private, missing="zero")
    run = None
    if run_table is not None and len(run_table):
        run = D.model_table(run_table, missing=missing, run_recipe=run_recipe, standard_variant=standard_variant)
    ctx = Context(authors=authors, headline=A.headline_numbers(authors_private), run=run, run_scale=run_scale,
                  standard_variant=standard_variant)
    return pd.DataFrame([evaluate(c, ctx) for c in CLAIMS], columns=COLUMNS)
