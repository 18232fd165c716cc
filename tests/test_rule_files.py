"""Static checks of the rule files that a dry run cannot see."""
from __future__ import annotations

import re

from conftest import REPO

RULE_FILES = sorted((REPO / "workflow" / "rules").glob("*.smk"))
HEAD = re.compile(r"^(?:rule (\w+)|use rule (\w+) as (\w+) with):\s*$")


def _blocks() -> dict[str, tuple[str | None, str]]:
    """rule name -> (the rule it is derived from by `use rule ... as`, or None; its block's text)."""
    out: dict[str, tuple[str | None, str]] = {}
    for path in RULE_FILES:
        name, parent, lines = None, None, []
        for line in path.read_text().splitlines() + ["<end>"]:
            m = HEAD.match(line)
            if m or (name and line and not line.startswith((" ", "#"))):
                if name:
                    out[name] = (parent, "\n".join(lines))
                name, parent, lines = None, None, []
            if m:
                name, parent = (m.group(1), None) if m.group(1) else (m.group(3), m.group(2))
            elif name:
                lines.append(line)
    return out


def test_every_rule_that_runs_code_writes_a_benchmark_file_of_its_own():
    """Each job's wall time and peak memory land in results/runtime/ (Snakemake `benchmark:`); a rule derived by
    `use rule ... as` from a rule with a fixed path names its own file (else the two would overwrite one file)."""
    blocks = _blocks()
    paths: dict[str, str] = {}
    for name, (parent, text) in blocks.items():
        runs = any(k in text for k in ("    script:", "    shell:", "    run:")) or (
            parent is not None and any(k in blocks[parent][1] for k in ("    script:", "    shell:", "    run:")))
        if not runs:
            continue
        m = re.search(r"    benchmark:\s*\n\s*(.+)", text) or (
            parent is not None and re.search(r"    benchmark:\s*\n\s*(.+)", blocks[parent][1]))
        assert m, f"rule {name} runs code but has no `benchmark:`"
        paths[name] = m.group(1).strip()
    fixed = [p for p in paths.values() if "{" not in p]  # a path without wildcards: one job, one rule
    assert len(set(fixed)) == len(fixed), f"two rules share a benchmark path: {sorted(fixed)}"
    assert {"wc_stats", "aggregate_scores", "fig7", "fig2b", "score", "score_authors_test"} <= set(paths)
    # the training rules are made in a loop (models.smk), each with results/runtime/models/{variant}/...tsv
    assert "benchmark:" in (REPO / "workflow" / "rules" / "models.smk").read_text().split("for _name, _schedule")[-1]
