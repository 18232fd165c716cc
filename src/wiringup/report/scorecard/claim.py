"""The record of one scorecard claim (:class:`Claim`) and the tolerances the claims share.

A record names where the paper says it, the statement and the number it states, how to compute the value from the
authors' raw scores (``authors``) and from this run (``run``; None: no analogue in this pipeline), the check of
each (``check`` / ``run_check``, from :mod:`~wiringup.report.scorecard.verdicts`), and the authors' runs it
averages (``runs``), whose inclusion lists and exclusions the scorecard adds to the row's note
(:meth:`~wiringup.report.scorecard.context.Context.inclusion_note`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from wiringup.report.scorecard.context import Context
from wiringup.report.scorecard.verdicts import RUN_TOLERANCE_PP

Source = Callable[[Context], tuple[Any, str]]       # ctx -> (value, detail)
Check = Callable[[Any], str]                         # value -> verdict


@dataclass(frozen=True, kw_only=True)
class Claim:
    """One claim: where the paper makes it, what it states, how to compute and check it."""

    id: str
    where: str                          # section / figure / appendix of the paper, or the RP target question
    claim: str                          # the claim in words
    paper: str                          # the number as the paper states it
    paper_value: float | None           # that number (None: not a single number)
    unit: str
    tolerance: str                      # the check's tolerance, in words
    authors: Source                     # the value from the authors' raw scores
    check: Check                        # the verdict on the authors' value
    run: Source | None = None           # the value from this run (None: no analogue in this pipeline)
    run_check: Check | None = None      # the verdict on this run's value
    note: str = ""
    run_tolerance: bool = True          # this run's verdict uses RUN_TOLERANCE_PP (False: it is not compared)
    runs: tuple[str, ...] = ()          # the authors' model names averaged: "name" (converged), "name@<epoch>",
    #                                     "name@birth" (the significance test's seeds)


PM = "±0.5 pp (the paper's whole-percent rounding)"   # the tolerance of a number stated in whole percent
RUN_TOL = RUN_TOLERANCE_PP                           # this run: another benchmark suite and scale, wider
