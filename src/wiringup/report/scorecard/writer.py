"""Writing the scorecard: ``scorecard.csv`` (the table of :func:`~wiringup.report.scorecard.build.build_scorecard`)
and ``scorecard.md`` (the same rows as a Markdown table under an explanatory header)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from wiringup.core.io import atomic_path


def write_scorecard(card: pd.DataFrame, md_path: str | Path, csv_path: str | Path, *, run_scale: str = "",
                    sources: str = "") -> None:
    """Write the scorecard table as CSV and as a Markdown page (a header with the verdict counts, one row a claim)."""
    with atomic_path(csv_path) as tmp:
        card.to_csv(tmp, index=False)
    counts = (card["verdict_authors"].str.split(" by ", regex=False).str[0].str.split(" (", regex=False).str[0]
              .value_counts())
    lines = [
        "# Reproducibility scorecard — Wiring Up Vision (Geiger et al., ICLR 2022)", "",
        "Each quantitative claim of the paper (abstract, sections, captions, appendices) and each target question of "
        "the reproduction report (Gandhi et al. 2022). **Authors' data**: the value recomputed from the authors' raw "
        "Brain-Score scores (private benchmarks, `scores.sqlite`) with their aggregation (a missing benchmark counts "
        "as 0, as in their code); 100 % = 0.4215, the mean of `CORnet-S_full` s0 epoch 43 and s42 epoch 29. "
        "Converged checkpoints are the epochs of the authors' convergence tables (`base_models/global_data.py`) and "
        "seeds are averaged as their inclusion lists say (`benchmark/database.py::model_versions`, the runs "
        "`analysis/paper_plots.py` names); each note names the runs a row averages and the scored runs it leaves "
        "out. "
        "**This run**: the same quantity from this pipeline's score table; its benchmarks are local (not "
        "Brain-Score's) and its scale is small, so its verdicts are indicative only.", "",
        f"This run: {run_scale or 'no score table'}.", ""] + ([f"Sources: {sources}", ""] if sources else []) + [
        "Verdicts on the authors' data: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + ".", "",
        "| id | where | claim | paper | authors' data | tolerance | verdict (authors' data) | this run | verdict "
        "(this run) | note |",
        "|---|---|---|---|---|---|---|---|---|---|"]

    def cell(s: Any) -> str:
        return str(s if s is not None else "").replace("|", "\\|").replace("\n", " ")

    for _, r in card.iterrows():
        authors = (f"**{cell(r['authors'])}** — {cell(r['authors_detail'])}" if r["authors"]
                   else cell(r["authors_detail"]))
        run = (f"**{cell(r['this_run'])}** — {cell(r['this_run_detail'])}" if r["this_run"]
               else cell(r["this_run_detail"]))
        lines.append("| " + " | ".join([cell(r["id"]), cell(r["where"]), cell(r["claim"]), cell(r["paper"]), authors,
                                         cell(r["tolerance"]), cell(r["verdict_authors"]), run, cell(r["verdict_run"]),
                                         cell(r["note"])]) + " |")
    with atomic_path(md_path) as tmp:
        Path(tmp).write_text("\n".join(lines) + "\n")
