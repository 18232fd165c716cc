"""Command line of the importer: ``python -m wiringup.tables.authors --db scores.sqlite --out table.csv``."""
from __future__ import annotations

import argparse
import sys

from wiringup.core.io import WiringupError
from wiringup.tables.authors.database import MISSING_POLICIES, read_raw, tidy, write_tidy
from wiringup.tables.authors.headline import headline_numbers
from wiringup.tables.authors.ids import unparsed_ids


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m wiringup.tables.authors",
        description="Import the authors' Brain-Score database (Geiger et al. 2022, scores.sqlite or "
                    "scores_public.sqlite) into a tidy CSV: one row per model id × benchmark, duplicates averaged "
                    "(n_duplicates, duplicate_spread), NULL scores counted (n_null), benchmark regions, and the "
                    "model id decoded into factors (config, init, trained layers, images, epoch, seed, ...).",
        epilog="Example: python -m wiringup.tables.authors --db ../shared/data/geiger2022/scores.sqlite "
               "--source private --out results/tables/authors_private.csv --headline "
               "results/tables/authors_headline.json")
    parser.add_argument("--db", required=True, help="path of scores.sqlite or scores_public.sqlite")
    parser.add_argument("--source", required=True,
                        help="label of the database, e.g. 'private' or 'public'; rows get backend authors-<source>")
    parser.add_argument("--out", required=True, help="CSV to write (atomically)")
    parser.add_argument("--missing", choices=MISSING_POLICIES, default="nan",
                        help="NULL scores: 'nan' keeps them missing (default); 'zero' counts them as 0, as the "
                             "authors' code does")
    parser.add_argument("--headline", metavar="JSON",
                        help="also recompute the paper's headline numbers (private database only) into this JSON")
    args = parser.parse_args(argv)
    try:
        raw = read_raw(args.db)
        table = tidy(raw, args.source, missing=args.missing)
        write_tidy(table, args.out)
        bad = unparsed_ids(table)
        print(f"{args.db}: {len(raw)} raw rows -> {len(table)} rows, {table['model_id'].nunique()} model ids "
              f"({len(bad)} not following the id grammar), {int((table['n_null'] > 0).sum())} rows with NULL "
              f"scores; wrote {args.out}")
        if args.headline:
            from wiringup.core.io import write_json

            nums = headline_numbers(table)
            write_json(args.headline, nums)
            for k, v in nums.items():
                print(f"  {k}: {v['value']:.4g} (facts: {v['facts']})")
            print(f"wrote {args.headline}")
    except WiringupError as exc:
        print(f"wiringup error: {exc}", file=sys.stderr)
        return 1
    return 0
