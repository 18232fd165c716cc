"""The results summary (rule ``results_summary``): the headline numbers of this run and of the authors' data, taken
from files the pipeline writes, as ``results/summary.md`` (in the Snakemake report) and ``results/summary.json``.

The README types no result numbers; it points here. Every number below is read, never typed:

* this run's **fully trained reference** (the 100 % of every relative value: the standard variant at the largest
  image count and last checkpoint, as the figures and the scorecard define it) and its per-region scores, from
  ``results/tables/scores.csv`` (:func:`wiringup.report.figures.data.model_table`);
* each **at-birth comparison** (an init against KN, Fig. 2C / 7): n, mean ± s.e.m. per group, the difference,
  Welch's p, the permutation p and the smallest p an exact permutation test of that many seeds can give, Hedges'
  g, from ``results/tables/wc_stats.csv`` (the per-seed scores from ``results/stats/<comparison>.json``);
* **experiment (b)** (the authors' WC files against KN at full size, one comparison per arm), from
  ``results/stats/wc_authors_test/<arm>.json`` for the arms already built (the optional target ``wc_authors_test``);
* **named effects** over seeds (config key ``effects``, e.g. ``config/laptop.yaml``'s trained vs at birth and CT
  vs DT), from ``results/tables/effects.csv`` and ``results/stats/effects/<name>.json``, when configured;
* **training time** of each variant against standard training (``results/tables/training_time.csv``);
* the **headline claims** (:data:`HEADLINE`): the paper's number, the value recomputed from the authors' raw
  scores and this run's value with both verdicts, and the verdict counts over every claim, from
  ``results/scorecard.csv``.

``summary.json`` (``format: wiringup-summary``, ``version: 1``) holds ``scale`` (this run in words), ``inputs``
(role -> file), ``reference`` {``model_ids``, ``brain_predictivity``, ``regions``}, ``at_birth`` (one row per
comparison × level × region/benchmark: the columns of :data:`AT_BIRTH_COLUMNS` plus ``min_permutation_p``,
``scores_a`` and ``scores_b``), ``experiment_b`` (the same rows, or null), ``effects`` (the same rows, ``comparison`` = the effect's
name, ``label_a`` / ``label_b`` = its model-id templates; [] when none), ``training_time`` (rows), ``claims``
(the headline rows: :data:`CLAIM_COLUMNS`), ``claims_missing`` (headline ids the scorecard lacks) and
``verdicts`` {``authors``, ``this_run``: verdict -> count}. Non-finite numbers are null. ``summary.md`` shows the
same as tables. A missing optional input leaves its part empty (null or []) and says so.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd
import yaml

from wiringup.core.io import WiringupError, atomic_path, read_json, write_json

FORMAT, VERSION = "wiringup-summary", 1
#: Scorecard rows shown as the headline (ids of :data:`wiringup.report.scorecard.CLAIMS`), in this order.
HEADLINE = ("sec3-full-mean", "sec3-2pct", "sec3-0.2pct", "fig1-pixels", "sec4-kn-birth", "sec4-wc-birth",
            "sec4-12pp", "sec4-permutation", "sec5-ct", "abstract-5pct-synapses", "sec6-wc-ct-0.5pct",
            "sec6-fig4b-max", "sec7-resnet", "sec7-mobilenet", "app-b3-kernel-normal", "app-b3-gabor",
            "app-b3-gabor-ct", "app-b3-mixture")
CLAIM_COLUMNS = ("id", "where", "claim", "paper", "unit", "authors", "authors_detail", "verdict_authors",
                 "this_run", "verdict_run")
AT_BIRTH_COLUMNS = ("comparison", "level", "region", "benchmarks", "label_a", "label_b", "n_a", "n_b", "mean_a",
                    "sem_a", "mean_b", "sem_b", "difference", "welch_t", "welch_df", "welch_p", "permutation_p",
                    "permutation_exact", "hedges_g", "seeds_a", "seeds_b")
TIME_COLUMNS = ("variant", "images", "seed", "seconds_per_step", "reference_variant", "reference_seconds_per_step",
                "time_saving_pct")
#: The first words of a scorecard verdict, grouped for the counts (anything else is counted as written).
VERDICT_GROUPS = ("reproduces", "holds", "differs", "fails", "not run at this scale", "not comparable",
                  "not checkable", "not computable", "unreachable", "–")


# ------------------------------------------------------------------------------------------------- reading
def _finite(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def min_permutation_p(n_a: int, n_b: int) -> float:
    """The smallest two-sided p of an exact permutation test of ``n_a`` vs ``n_b`` values: 2 / C(n_a + n_b, n_a)
    (3 vs 3 seeds: 0.1; 10 vs 10: 1.08e-5)."""
    return min(1.0, 2.0 / math.comb(int(n_a) + int(n_b), int(n_a)))


def verdict_group(verdict: str) -> str:
    v = str(verdict or "").strip()
    for g in VERDICT_GROUPS:
        if v.startswith(g):
            return g
    return v or "–"


def reference(scores: pd.DataFrame, *, missing: str = "nan", run_recipe: Mapping[str, Any] | None = None,
              standard_variant: str | None = None) -> dict[str, Any]:
    """This run's fully trained reference (the figures' and the scorecard's 100 %) from its score table."""
    from wiringup.report.figures import data as D
    from wiringup.tables.scores import SOURCE

    run = scores[scores["source"] == SOURCE] if "source" in scores.columns else scores
    if run.empty:
        return {"model_ids": [], "brain_predictivity": None, "regions": {}}
    info = D.model_table(run, missing=missing, run_recipe=dict(run_recipe or {}),
                         standard_variant=standard_variant).sources[SOURCE]
    return {"model_ids": list(info.reference_ids), "brain_predictivity": _finite(info.reference_bp),
            "regions": {r: _finite(v) for r, v in info.reference_regions.items()}}


def _stats_rows(rows: Iterable[Mapping[str, Any]], scores: Mapping[tuple, Mapping[str, Any]] | None = None
                ) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        row = {c: r.get(c) for c in AT_BIRTH_COLUMNS}
        for c in ("n_a", "n_b"):
            row[c] = int(row[c]) if _finite(row[c]) is not None else None
        for c in AT_BIRTH_COLUMNS:
            if c.startswith(("mean", "sem", "difference", "welch", "permutation_p", "hedges")):
                row[c] = _finite(row[c])
        row["region"] = None if row["region"] is None or pd.isna(row["region"]) else str(row["region"])
        row["min_permutation_p"] = (min_permutation_p(row["n_a"], row["n_b"])
                                    if row["n_a"] and row["n_b"] else None)
        extra = (scores or {}).get((row["comparison"], row["level"], row["region"])) or r
        row["scores_a"], row["scores_b"] = list(extra.get("scores_a") or []), list(extra.get("scores_b") or [])
        out.append(row)
    return out


def _csv_rows(path: str | Path, scores: Mapping[tuple, Mapping[str, Any]] | None = None, *,
              level: str | None = None) -> list[dict[str, Any]]:
    """Summary rows of a statistics CSV (wc_stats.csv, or effects.csv with ``effect`` read as ``comparison``),
    optionally of one ``level`` only."""
    table = pd.read_csv(path).rename(columns={"effect": "comparison"})
    if level is not None:
        table = table[table["level"] == level]
    return _stats_rows(table.astype(object).where(table.notna(), None).to_dict("records"), scores)


def _json_rows(paths: Iterable[str | Path], key: str = "comparison") -> dict[tuple, Mapping[str, Any]]:
    found = {}
    for p in paths:
        for r in read_json(p).get("rows", []):
            region = r.get("region")
            found[(r.get(key), r.get("level"), None if region is None else str(region))] = r
    return found


def read_scorecard(path: str | Path) -> pd.DataFrame:
    card = pd.read_csv(path, dtype=str, keep_default_na=False)
    absent = [c for c in CLAIM_COLUMNS if c not in card.columns]
    if absent:
        raise WiringupError(f"{path}: not a scorecard (columns {absent} missing); rebuild it with "
                            "`snakemake -R scorecard`")
    return card


# ------------------------------------------------------------------------------------------------ building
def build_summary(*, scores: str | Path, scorecard: str | Path | None = None, wc_stats: str | Path | None = None,
                  stats: Iterable[str | Path] = (), experiment_b: Iterable[str | Path] = (),
                  training_time: str | Path | None = None, effects: str | Path | None = None,
                  effect_stats: Iterable[str | Path] = (), scale: str = "", missing: str = "nan",
                  run_recipe: Mapping[str, Any] | None = None, standard_variant: str | None = None
                  ) -> dict[str, Any]:
    """The summary as a JSON-ready dict (module doc) from the files the pipeline wrote."""
    from wiringup.tables.scores import read_score_table

    stats = list(stats)
    experiment_b = [experiment_b] if isinstance(experiment_b, (str, Path)) else list(experiment_b or [])
    inputs = {"scores": str(scores), "scorecard": scorecard, "wc_stats": wc_stats, "stats": [str(s) for s in stats],
              "experiment_b": [str(e) for e in experiment_b], "training_time": training_time, "effects": effects,
              "effect_stats": [str(e) for e in effect_stats]}
    out: dict[str, Any] = {"format": FORMAT, "version": VERSION, "scale": scale,
                           "inputs": {k: (str(v) if isinstance(v, Path) else v) for k, v in inputs.items()}}
    from wiringup.tables.scores import undefined_rows

    score_table = read_score_table(scores)
    out["reference"] = reference(score_table, missing=missing, run_recipe=run_recipe,
                                 standard_variant=standard_variant)
    undefined = score_table[undefined_rows(score_table)]
    out["undefined_as_zero"] = sorted(f"{m}|{b}" for m, b in zip(undefined["model_id"], undefined["benchmark_id"]))
    out["at_birth"] = _csv_rows(wc_stats, _json_rows(stats)) if wc_stats else []
    out["experiment_b"] = ([row for e in experiment_b for row in _stats_rows(read_json(e).get("rows", []))]
                           if experiment_b else None)
    out["effects"] = _csv_rows(effects, _json_rows(effect_stats, key="effect")) if effects else []
    if training_time:
        tt = pd.read_csv(training_time)
        tt = tt[[c for c in TIME_COLUMNS if c in tt.columns]]
        out["training_time"] = tt.astype(object).where(tt.notna(), None).to_dict("records")
    else:
        out["training_time"] = []
    if scorecard:
        card = read_scorecard(scorecard)
        by_id = {r["id"]: r for r in card.to_dict("records")}
        out["claims"] = [{c: by_id[i][c] for c in CLAIM_COLUMNS} for i in HEADLINE if i in by_id]
        out["claims_missing"] = [i for i in HEADLINE if i not in by_id]
        out["verdicts"] = {who: dict(Counter(verdict_group(v) for v in card[col]).most_common())
                           for who, col in (("authors", "verdict_authors"), ("this_run", "verdict_run"))}
    else:
        out["claims"], out["claims_missing"], out["verdicts"] = [], list(HEADLINE), {}
    return out


# ------------------------------------------------------------------------------------------------- writing
def _num(x: Any, digits: int = 3) -> str:
    v = _finite(x)
    if v is None:
        return "–"
    if v != 0 and abs(v) < 1e-3:
        mantissa, _, exponent = f"{v:.2e}".partition("e")
        return f"{mantissa}e{int(exponent)}"
    return f"{v:.{digits}f}"


def _cell(s: Any) -> str:
    return str("" if s is None else s).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    return (["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            + ["| " + " | ".join(_cell(c) for c in r) + " |" for r in rows])


def _stats_table(rows: list[dict[str, Any]]) -> list[str]:
    body = []
    for r in rows:
        where = r["region"] if r["level"] == "region" else (r["benchmarks"] if r["level"] == "benchmark"
                                                              else "mean over regions")
        perm = _num(r["permutation_p"]) + ("" if r["permutation_exact"] in (True, "True") else " (sampled)")
        body.append([r["comparison"], r["level"], where,
                     f"{_num(r['mean_a'])} ± {_num(r['sem_a'])} (n = {r['n_a']})",
                     f"{_num(r['mean_b'])} ± {_num(r['sem_b'])} (n = {r['n_b']})", _num(r["difference"]),
                     _num(r["welch_p"]), perm, _num(r["min_permutation_p"]), _num(r["hedges_g"], 2)])
    return _table(["comparison", "level", "region / benchmark", "a: mean ± s.e.m.", "b (control): mean ± s.e.m.",
                   "a − b", "Welch p", "permutation p", "smallest possible p", "Hedges' g"], body)


def effects_table(effects_csv: str | Path, level: str = "mean") -> list[str]:
    """The Markdown table of ``results/tables/effects.csv``'s rows at ``level`` (as in ``summary.md``); the README
    quotes the laptop configuration's table made by this function (tests/test_readme_numbers.py)."""
    return stats_table([effects_csv], levels=(level,))


def stats_table(csvs: Iterable[str | Path], levels: Iterable[str] = ("mean",)) -> list[str]:
    """The Markdown table (as in ``summary.md``) of the rows at ``levels`` of statistics CSVs in the WC-statistics
    format (wc_stats.csv, experiment (b)'s results/tables/wc_authors_test/<arm>.csv, effects.csv), file by file in
    the given order, each file's rows in its own order; the README quotes tables made by this function."""
    wanted = set(levels)
    rows = [r for path in csvs for r in _csv_rows(path) if r["level"] in wanted]
    return _stats_table(rows)


def summary_markdown(s: Mapping[str, Any]) -> str:
    ref = s["reference"]
    lines = ["# Results summary", "",
             "Written by rule `results_summary` (`wiringup.report.summary`) from the files listed under *Inputs*; "
             "no number here is typed by hand. Scores are ceiled neural predictivity on this run's benchmark suite "
             "(local benchmarks are not Brain-Score's, so this run's values are indicative only); the authors' "
             "values are recomputed from their raw Brain-Score scores.", "",
             f"**This run**: {s.get('scale') or 'scale not given'}.", "",
             "## This run's fully trained reference (100 %)", ""]
    if ref["model_ids"]:
        regions = ", ".join(f"{'ImageNet top-1' if k == 'imagenet' else k} {_num(v)}" for k, v in ref["regions"].items())
        lines += [f"Brain predictivity **{_num(ref['brain_predictivity'])}** ({regions}); model(s): "
                  + ", ".join(f"`{m}`" for m in ref["model_ids"]) + ".", ""]
    else:
        lines += ["No fully trained standard model in this run's score table.", ""]
    undefined = s.get("undefined_as_zero") or []
    if undefined:
        lines += [f"{len(undefined)} score(s) of this run are undefined for the model (raw NaN under a positive "
                  "ceiling: a model matrix without structure) and count as 0 in every region mean: "
                  + ", ".join(f"`{u.replace('|', '` on `')}`" for u in undefined) + ".", ""]
    lines += ["## Models at birth: each init against the control (Fig. 2C, 7)", ""]
    if s["at_birth"]:
        lines += _stats_table(s["at_birth"]) + [
            "", "Two-sided tests over seeds; *smallest possible p* is what an exact permutation test of that many "
            "seeds can reach at best (2 / C(n_a + n_b, n_a)). Per-seed scores: `summary.json`.", ""]
    else:
        lines += ["No at-birth comparison configured (`weight_compression.at_birth.compare`).", ""]
    lines += ["## Experiment (b): the authors' WC files against KN, full size, at birth", ""]
    if s["experiment_b"]:
        lines += _stats_table(s["experiment_b"]) + [""]
    else:
        lines += ["Not built in this run (`snakemake --cores 2 wc_authors_test`, then rerun this rule).", ""]
    if s.get("effects"):
        lines += ["## Named effects over seeds (config key `effects`)", ""]
        lines += _stats_table(s["effects"]) + [
            "", "Group a and b of each effect: " + "; ".join(
                f"{name}: `{a}` vs `{b}`" for name, a, b in dict.fromkeys(
                    (r["comparison"], r["label_a"], r["label_b"]) for r in s["effects"])) + ".", ""]
    if s["training_time"]:
        lines += ["## Training time against standard training", ""]
        lines += _table(["variant", "images", "seed", "s per step", "reference", "reference s per step",
                         "time saving %"],
                        [[r.get("variant"), r.get("images"), r.get("seed"), _num(r.get("seconds_per_step")),
                          r.get("reference_variant"), _num(r.get("reference_seconds_per_step")),
                          _num(r.get("time_saving_pct"), 1)] for r in s["training_time"]]) + [
            "", "Jobs running side by side on the same cores distort these times.", ""]
    lines += ["## Headline claims: the paper, the authors' data, this run", ""]
    if s["claims"]:
        lines += _table(["id", "where", "paper", "authors' data", "verdict", "this run", "verdict (this run)"],
                        [[c["id"], c["where"], c["paper"],
                          f"**{c['authors']}** — {c['authors_detail']}" if c["authors"] else c["authors_detail"],
                          c["verdict_authors"], c["this_run"] or "–", c["verdict_run"]] for c in s["claims"]])
        counts = "; ".join(f"{who.replace('_', ' ')}: " + ", ".join(f"{k} {v}" for k, v in n.items())
                           for who, n in s["verdicts"].items())
        lines += ["", f"Verdicts over every claim of `results/scorecard.csv` — {counts}.", ""]
        if s["claims_missing"]:
            lines += [f"Not in this scorecard: {', '.join(s['claims_missing'])}.", ""]
    else:
        lines += ["No scorecard in this run.", ""]
    lines += ["## Inputs", ""] + [f"- {k}: " + (", ".join(f"`{x}`" for x in v) if isinstance(v, list) else f"`{v}`")
                                  for k, v in s["inputs"].items() if v]
    return "\n".join(lines) + "\n"


def write_summary(summary: Mapping[str, Any], md_path: str | Path, json_path: str | Path) -> None:
    """``summary.json`` and ``summary.md`` (both atomically)."""
    write_json(json_path, summary)
    with atomic_path(md_path) as tmp:
        Path(tmp).write_text(summary_markdown(summary))


def _wall_time(time_txt: Path) -> tuple[str, str]:
    """(wall time, peak resident set) from ``/usr/bin/time -v`` output, or ("not kept", "not kept")."""
    if not time_txt.is_file():
        return "not kept", "not kept"
    fields = dict(line.strip().rsplit(": ", 1) for line in time_txt.read_text().splitlines() if ": " in line)
    clock = fields["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":")
    seconds = round(sum(float(x) * 60 ** i for i, x in enumerate(reversed(clock))))
    rss_gb = int(fields["Maximum resident set size (kbytes)"]) / 1024 ** 2
    return f"{seconds // 60} min {seconds % 60} s", f"{rss_gb:.1f} GB"


def search_table(folders: Iterable[str | Path]) -> list[str]:
    """The Markdown table of a configuration search (README, "The laptop configuration"): one row per measured run,
    each a folder holding the run's config overrides (``laptop.yaml``), its reference's ``reference_metrics.csv``,
    ``summary.json`` and ``effects.csv`` (copied unchanged from the run) and, where kept, ``time.txt`` (the
    ``/usr/bin/time -v`` output of the whole run). Per run: its scale (from ``summary.json``), how the reference's
    training stopped (lr cuts of the plateau schedule; converged = stopped before ``training.max_epochs``), its top-1
    and brain predictivity against KN at birth's mean, the run's wall time and peak memory, and per effect the
    difference a − b on the mean over regions with Hedges' g and the exact permutation p."""
    header = ["run", "scale", "reference stopped", "reference top-1", "reference / KN at birth (mean over regions)",
              "wall time", "peak memory"]
    rows, effect_names = [], None
    for folder in map(Path, folders):
        summary = read_json(folder / "summary.json")
        scale = summary.get("scale") or ""
        width, px = re.search(r"width ([\d.]+)", scale), re.search(r"(\d+) px", scale)
        images, quote = re.search(r"images \[([^\]]*)\]", scale), "'"
        metrics = pd.read_csv(folder / "reference_metrics.csv")
        epochs = round(float(metrics["epoch"].max()))
        cap = int(((yaml.safe_load((folder / "laptop.yaml").read_text()) or {}).get("training") or {})["max_epochs"])
        cuts = metrics["lr"].round(8).nunique() - 1
        stopped = (f"converged at epoch {epochs} ({cuts + 1} lr cuts)" if epochs < cap
                   else f"cap of {cap} epochs, not converged ({cuts} lr cuts)")
        kn = next(r for r in summary["at_birth"] if r["level"] == "mean")["mean_b"]
        ref = summary["reference"]
        effects = pd.read_csv(folder / "effects.csv")
        mean = effects[effects["level"] == "mean"].set_index("effect")
        if effect_names is None:
            effect_names = list(mean.index)
            header += [f"{name}: a − b (g, p)" for name in effect_names]
        if list(mean.index) != effect_names:
            raise WiringupError(f"{folder / 'effects.csv'}: effects {list(mean.index)} differ from the first run's "
                                f"{effect_names}; a search table compares the same effects")
        wall, rss = _wall_time(folder / "time.txt")
        rows.append([f"`{folder.name}`",
                     f"width {width.group(1) if width else '?'}, {px.group(1) if px else '?'} px, "
                     f"{images.group(1).replace(quote, '') if images else '?'} images",
                     stopped, _num(ref["regions"].get("imagenet")),
                     f"{_num(ref['brain_predictivity'])} / {_num(kn)}", wall, rss]
                    + [f"{_num(mean.at[n, 'difference'])} ({_num(mean.at[n, 'hedges_g'], 2)}, "
                       f"{_num(mean.at[n, 'permutation_p'])})" for n in effect_names])
    return _table(header, rows)
