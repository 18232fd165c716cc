"""Reproducibility scorecard: every quantitative claim of the paper, checked against the authors' raw scores and
against this run.

One row per claim of the abstract, the sections, figure captions and appendices of Geiger et al. (2022), and per
target question of the reproduction report (Gandhi et al. 2022), with

* ``paper``: the claim as stated, and ``paper_value``, the number it states;
* ``authors``: the value recomputed from the authors' raw Brain-Score scores (private benchmarks,
  ``results/tables/authors_private.csv``) with the authors' own aggregation (a missing benchmark counts as 0,
  as in their code; :func:`wiringup.tables.authors.headline_numbers`), ``authors_detail``: which model ids;
* ``tolerance`` (stated per row) and ``verdict_authors``: does the paper's number follow from its own data
  (``reproduces``, ``differs``, ``holds`` / ``fails`` for inequalities, ``rounded`` where the paper rounds
  beyond its own precision, ``not checkable`` when the raw scores cannot answer);
* ``this_run``: the same quantity from this pipeline's score table, ``this_run_detail`` (the benchmark suite
  and the scale: width, input size, data), ``verdict_run`` with a wider stated tolerance; or "not run at this
  scale" when the run has no such models. This run's benchmarks are local (V4/IT recordings, a 10-class
  ImageNet subset), not Brain-Score's: its verdicts are indicative only and say so.
* ``note``: where the paper rounds, or its text disagrees with its own data (AUTHORS_CODE_FACTS.md §7.4–7.5,
  §8), and the reproduction report's own finding.

The package, lowest module first:

* :mod:`~wiringup.report.scorecard.verdicts`: the checks (``near``, ``above``, ``below`` and their bound forms;
  ``BelowReachable``: a threshold the stated test cannot reach gets "unreachable by the test", not "fails");
* :mod:`~wiringup.report.scorecard.context`: what values are computed from (the authors' and this run's model
  tables, the headline numbers) and the selections of this run's models;
* :mod:`~wiringup.report.scorecard.authors_values` / :mod:`~wiringup.report.scorecard.run_values`: how a claim's
  value is computed from the authors' data / from this run;
* :mod:`~wiringup.report.scorecard.figure_values`: the values behind single figures (Fig. 1B/C, 5B, 6, 7, 8, 9);
* :mod:`~wiringup.report.scorecard.claim` / :mod:`~wiringup.report.scorecard.figure_claims` /
  :mod:`~wiringup.report.scorecard.claims`: the claim record, the figure claims and all claims as data
  (:data:`CLAIMS`); each row's note names the authors' runs it averages and the scored runs their inclusion
  lists leave out;
* :mod:`~wiringup.report.scorecard.build`: evaluating the claims into the table (:func:`build_scorecard`);
* :mod:`~wiringup.report.scorecard.writer`: ``scorecard.csv`` and ``scorecard.md`` (:func:`write_scorecard`);
* :mod:`~wiringup.report.scorecard.cli`: ``python -m wiringup.report.scorecard --help`` runs it without Snakemake.
"""
from wiringup.report.scorecard.authors_values import exact_permutation_p
from wiringup.report.scorecard.build import COLUMNS, build_scorecard, describe_scale, evaluate
from wiringup.report.scorecard.claims import CLAIMS, Claim
from wiringup.report.scorecard.cli import main
from wiringup.report.scorecard.verdicts import (NOT_RUN, RUN_TOLERANCE_PP, BelowReachable, above, below,
                                                exact_permutation_min_p, near)
from wiringup.report.scorecard.writer import write_scorecard

__all__ = ["BelowReachable", "CLAIMS", "COLUMNS", "Claim", "NOT_RUN", "RUN_TOLERANCE_PP", "above", "below",
           "build_scorecard", "describe_scale", "evaluate", "exact_permutation_min_p", "exact_permutation_p", "main",
           "near", "write_scorecard"]
