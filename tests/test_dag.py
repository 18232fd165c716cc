"""The DAG reruns only what a change affects: editing a plotting script replans only figure rules (dry run).

The tiny config's outputs are made as empty files and marked up to date with `snakemake --touch` (which records
Snakemake's metadata: code, params, inputs), in a copy of the workflow so that a script can be edited.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from test_profiles import parse_jobs

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
#: rules that only collect the default targets (they read every figure)
COLLECTORS = {"all", "figures", "provenance"}


def smk(wd: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [SNAKEMAKE, "-d", str(wd), "-s", str(wd / "Snakefile"), "--cores", "1", *args,
           "--configfile", str(wd / "tiny.yaml")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture()
def touched(tmp_path: Path, data_root: Path) -> Path:
    """A copy of the workflow whose tiny-config outputs all exist and are up to date."""
    wd = tmp_path / "wf"
    wd.mkdir()
    for name in ("Snakefile", "workflow", "config"):
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, wd / name)
    for name in ("src", "envs"):
        os.symlink(REPO / name, wd / name)
    tiny = yaml.safe_load((REPO / "tests" / "configs" / "tiny.yaml").read_text())
    tiny["data_root"] = str(data_root)
    (wd / "tiny.yaml").write_text(yaml.safe_dump(tiny))
    summary = smk(wd, "--summary").stdout.splitlines()
    outputs = [line.split("\t")[0] for line in summary[summary.index(next(s for s in summary
                                                                          if s.startswith("output_file"))) + 1:]]
    assert len(outputs) > 20
    for f in outputs:
        (wd / f).parent.mkdir(parents=True, exist_ok=True)
        (wd / f).touch()
    smk(wd, "--touch")
    assert "Nothing to be done" in smk(wd, "-n").stdout
    return wd


def test_editing_a_plotting_script_replans_only_figures(touched: Path):
    wd = touched
    script = wd / "workflow" / "scripts" / "plot_figure.py"
    script.write_text(script.read_text() + "\n# a style change\n")
    jobs = parse_jobs(smk(wd, "-n").stdout)
    rules = {j["rule"] for j in jobs}
    assert "fig1" in rules
    for j in jobs:  # every replanned job draws a figure, or only collects the default targets
        assert j["rule"] in COLLECTORS or all(o.startswith("results/figures/") for o in j["output"]), j
    assert not rules & {"train", "score", "aggregate_scores", "manifest", "init_model", "cache_images"}


def test_editing_the_scoring_script_rescores(touched: Path):
    """The control: a change upstream of the figures does replan the scores and everything after them."""
    script = touched / "workflow" / "scripts" / "score.py"
    script.write_text(script.read_text() + "\n# a change\n")
    rules = {j["rule"] for j in parse_jobs(smk(touched, "-n").stdout)}
    assert {"score", "aggregate_scores", "fig1"} <= rules and "train" not in rules
