"""The results summary (wiringup.report.summary, rule results_summary): built from synthetic pipeline files."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from test_figures import RECIPE, run_table
from wiringup.report import summary as S
from wiringup.tables import wc_stats as W


def test_permutation_floor_and_verdict_groups():
    assert S.min_permutation_p(3, 3) == pytest.approx(0.1)
    assert S.min_permutation_p(2, 3) == pytest.approx(0.2)
    assert S.min_permutation_p(10, 10) == pytest.approx(2 / 184_756)
    assert S.verdict_group("differs by +0.7 (the paper truncates)") == "differs"
    assert S.verdict_group("not run at this scale") == "not run at this scale"
    assert S.verdict_group("") == "–" and S.verdict_group("something new") == "something new"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("results")
    table = run_table()
    scores = d / "scores.csv"
    table.to_csv(scores, index=False)
    rows = W.compare_groups(table, comparison="wc_vs_kn_at_birth", init_a="wc", seeds_a=[0, 1], init_b="kn",
                            seeds_b=[0, 1], n_resamples=1000)
    stats_json = d / "wc_vs_kn_at_birth.json"
    W.write_outputs({"wc_vs_kn_at_birth": rows}, d / "wc_stats.csv", {"wc_vs_kn_at_birth": stats_json})
    exp_b = d / "bn_none.json"
    arm = [{**r, "comparison": "wc_authors_test_bn_none"} for r in rows]
    W.write_outputs({"wc_authors_test_bn_none": arm}, d / "exp_b.csv", {"wc_authors_test_bn_none": exp_b})
    card = pd.DataFrame([
        {"id": "sec4-wc-birth", "where": "Sec. 4", "claim": "WC at birth", "paper": "54 %", "unit": "%",
         "authors": "53.8", "authors_detail": "n = 10", "verdict_authors": "reproduces", "this_run": "61.0",
         "verdict_run": "differs by +7.0 (indicative: local benchmarks)"},
        {"id": "other", "where": "x", "claim": "y", "paper": "1", "unit": "", "authors": "", "authors_detail": "",
         "verdict_authors": "not checkable", "this_run": "", "verdict_run": "–"}])
    card.to_csv(d / "scorecard.csv", index=False)
    return {"scores": scores, "scorecard": d / "scorecard.csv", "wc_stats": d / "wc_stats.csv",
            "stats": [stats_json], "experiment_b": [exp_b], "dir": d}


def test_summary_reads_every_number_from_the_files(files):
    s = S.build_summary(scores=files["scores"], scorecard=files["scorecard"], wc_stats=files["wc_stats"],
                        stats=files["stats"], experiment_b=files["experiment_b"], scale="synthetic",
                        run_recipe=RECIPE, standard_variant="standard")
    assert s["format"] == "wiringup-summary" and s["version"] == 1 and s["scale"] == "synthetic"
    ref = s["reference"]
    assert ref["model_ids"] and all(m.startswith("standard/") for m in ref["model_ids"])
    assert 0 < ref["brain_predictivity"] < 1
    stats = pd.read_csv(files["wc_stats"])
    mean = next(r for r in s["at_birth"] if r["level"] == "mean")
    want = stats[stats["level"] == "mean"].iloc[0]
    assert mean["mean_a"] == pytest.approx(want["mean_a"]) and mean["welch_p"] == pytest.approx(want["welch_p"])
    assert mean["min_permutation_p"] == pytest.approx(S.min_permutation_p(2, 2))
    assert len(mean["scores_a"]) == 2                       # per-seed scores from the JSON
    assert len(s["at_birth"]) == len(stats)
    assert s["experiment_b"] and s["experiment_b"][0]["comparison"] == "wc_authors_test_bn_none"
    assert [c["id"] for c in s["claims"]] == ["sec4-wc-birth"] and "sec4-kn-birth" in s["claims_missing"]
    assert s["verdicts"]["authors"] == {"reproduces": 1, "not checkable": 1}
    assert s["verdicts"]["this_run"] == {"differs": 1, "–": 1}


def test_summary_files_and_missing_parts(files):
    d = files["dir"]
    s = S.build_summary(scores=files["scores"], run_recipe=RECIPE, standard_variant="standard")
    assert s["at_birth"] == [] and s["experiment_b"] is None and s["claims"] == [] and s["verdicts"] == {}
    S.write_summary(s, d / "summary.md", d / "summary.json")
    back = json.loads((d / "summary.json").read_text())
    assert back["reference"]["model_ids"] == s["reference"]["model_ids"]
    md = (d / "summary.md").read_text()
    assert md.startswith("# Results summary") and "Not built in this run" in md and "No scorecard" in md
    full = S.build_summary(scores=files["scores"], scorecard=files["scorecard"], wc_stats=files["wc_stats"],
                           stats=files["stats"], run_recipe=RECIPE, standard_variant="standard")
    md = S.summary_markdown(full)
    assert "| wc_vs_kn_at_birth | mean | mean over regions |" in md and "**53.8**" in md
    assert "Verdicts over every claim" in md


def test_summary_lists_the_undefined_scores_it_counted_as_zero(files, tmp_path):
    table = pd.read_csv(files["scores"])
    assert S.build_summary(scores=files["scores"], run_recipe=RECIPE, standard_variant="standard")[
        "undefined_as_zero"] == []
    row = table.index[(table["region"] == "V4") & (table["init"] == "wc")][0]
    table.loc[row, ["score", "raw"]] = float("nan")
    table.loc[row, "ceiling"] = 0.6
    path = tmp_path / "scores.csv"
    table.to_csv(path, index=False)
    s = S.build_summary(scores=path, run_recipe=RECIPE, standard_variant="standard")
    key = f"{table.loc[row, 'model_id']}|{table.loc[row, 'benchmark_id']}"
    assert s["undefined_as_zero"] == [key]
    assert "1 score(s) of this run are undefined" in S.summary_markdown(s)


def test_summary_reports_named_effects_from_their_files(files, tmp_path):
    from wiringup.tables import effects as TE

    table = pd.read_csv(files["scores"])
    effect = {"name": "wc_vs_kn", "regions": ["V1", "V2", "V4", "IT", "behavior"],
              "a": {"model": "init/wc/seed{seed}", "seeds": [0, 1], "models": ["init/wc/seed0", "init/wc/seed1"]},
              "b": {"model": "init/kn/seed{seed}", "seeds": [0, 1], "models": ["init/kn/seed0", "init/kn/seed1"]}}
    df = TE.run(table, [effect], tmp_path / "effects.csv", {"wc_vs_kn": tmp_path / "wc_vs_kn.json"},
                n_resamples=1000)
    s = S.build_summary(scores=files["scores"], effects=tmp_path / "effects.csv",
                        effect_stats=[tmp_path / "wc_vs_kn.json"], run_recipe=RECIPE, standard_variant="standard")
    mean = next(r for r in s["effects"] if r["level"] == "mean")
    want = df[df["level"] == "mean"].iloc[0]
    assert mean["comparison"] == "wc_vs_kn" and mean["label_a"] == "init/wc/seed{seed}"
    assert mean["difference"] == pytest.approx(want["difference"]) and len(mean["scores_a"]) == 2
    md = S.summary_markdown(s)
    assert "## Named effects over seeds" in md and "| wc_vs_kn | mean | mean over regions |" in md
    assert S.build_summary(scores=files["scores"], run_recipe=RECIPE, standard_variant="standard")["effects"] == []
