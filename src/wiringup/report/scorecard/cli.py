"""Command line of the scorecard: ``python -m wiringup.report.scorecard --authors ... --md ... --csv ...``."""
from __future__ import annotations

import argparse
import sys

import pandas as pd

from wiringup.core.io import WiringupError
from wiringup.report.scorecard.build import build_scorecard
from wiringup.report.scorecard.writer import write_scorecard
from wiringup.tables import authors as A


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wiringup.report.scorecard",
                                     description="Reproducibility scorecard of Geiger et al. (2022): the paper's "
                                                 "claims vs the authors' raw scores vs this run.")
    parser.add_argument("--authors", required=True, help="tidy CSV of the authors' private scores "
                        "(results/tables/authors_private.csv, rule authors_import)")
    parser.add_argument("--scores", help="this run's score table (results/tables/scores.csv); omit for none")
    parser.add_argument("--md", required=True, help="Markdown output")
    parser.add_argument("--csv", required=True, help="CSV output")
    parser.add_argument("--scale", default="", help="words describing this run's scale")
    args = parser.parse_args(argv)
    try:
        authors = A.read_tidy(args.authors)
        scores = pd.read_csv(args.scores) if args.scores else None
        card = build_scorecard(authors, scores, run_scale=args.scale)
        write_scorecard(card, args.md, args.csv, run_scale=args.scale)
        print(card[["id", "paper", "authors", "verdict_authors", "this_run", "verdict_run"]].to_string(index=False))
    except WiringupError as exc:
        print(f"wiringup error: {exc}", file=sys.stderr)
        return 1
    return 0
