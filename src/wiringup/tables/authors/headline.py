"""The paper's headline numbers recomputed from the authors' private scores with their aggregation (§7.4).

:func:`headline_numbers` gives every number the abstract and the sections state (the 100 % normaliser, the
at-birth means and their significance, CT, the update fractions, the baselines) with the model ids behind it;
:func:`fig4b_max_gain` the largest WC+CT gain of Fig. 4B on the authors' grid. The constants are the authors' ids,
seeds and weight counts these use (``docs/AUTHORS_CODE_FACTS.md`` §2, §7); converged checkpoints come from the
authors' convergence tables and the runs averaged from their inclusion lists
(:mod:`~wiringup.tables.authors.convergence`, :mod:`~wiringup.tables.authors.runs`).
"""
from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np
import pandas as pd

from wiringup.core.io import WiringupError
from wiringup.tables.authors.database import AUTHORS_FULL_IMAGES, FULL_IMAGENET
from wiringup.tables.authors.convergence import converged_id
from wiringup.tables.authors.predictivity import (NORMALISER_IDS, REGIONS, authors_run_average,
                                                  brain_predictivity, normaliser)
from wiringup.tables.authors.runs import AT_BIRTH_SEEDS, converged_ids, excluded_runs

FULL_EPOCHS = 43                   # converged epoch of the standard model (s0), the 100 % of updates
# Fig. 4B (``delta_heatmap``) normalises by s0 epoch 43 alone (§7.1): the converged checkpoint of the s0 run.
DELTA_NORMALISER_IDS = (converged_id("CORnet-S_full"),)
# Fig. 4B grid (``analysis/paper_plots.py::plot_figure_4`` → ``analysis/time_analysis.py::delta_heatmap``, head
# 61e8805): image subsets and the full-data row × these epochs plus a "Convergence" column (each run's epoch in
# the authors' convergence tables).
FIG4B_IMAGES = (100, 1000, 10_000, 50_000, 100_000, 500_000)
FIG4B_EPOCHS = (0, 1, 3, 6, 10, 20)
# Fig. 8 B/C grid (``supp_4`` → ``image_epoch_heatmap``): the same image counts, these epochs, and "Convergence".
FIG8_EPOCHS = (0, 1, 2, 3, 5, 6, 10, 20)
CONVERGED = "converged"     # the label of the convergence column
# Trained conv weights (authors' counting rule, §2): full model and the CT/WC+CT sets.
CONV_WEIGHTS_FULL = 52_860_096
CONV_WEIGHTS_WC_CT = 1_378_560     # 1,376,256 conv3 weights + 2,304 norm3 BN weights (WC models, §2)


def _with_seed(config: str, seed: int, suffix: str = "") -> str:
    return f"CORnet-S_{config}{suffix}{'' if seed == 0 else f'_seed{seed}'}"


def headline_numbers(private_tidy: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Recompute the paper's headline numbers (§7.4) from the private scores, with the authors' aggregation.

    Every entry is a dict with ``value`` (relative numbers in % of the normaliser), the ``model_ids`` it used,
    the paper's claim and the value listed in AUTHORS_CODE_FACTS.md §7.4 (``facts``), plus details.
    """
    from scipy import stats

    bp = brain_predictivity(private_tidy, missing="zero")
    idx = bp.set_index("model_id")

    def need(ids: list[str]) -> None:
        absent = [m for m in ids if m not in idx.index]
        if absent:
            raise WiringupError(f"headline_numbers: model ids {absent} are not in the score table; "
                                "pass the tidy table of the authors' private scores.sqlite")

    def bps(mid: str) -> float:
        return float(idx.loc[mid, "brain_predictivity"])

    need(list(NORMALISER_IDS))
    norm = normaliser(private_tidy)
    out: dict[str, dict[str, Any]] = {}
    full = authors_run_average(bp, NORMALISER_IDS)
    out["fully_trained_mean"] = {
        "value": norm, "unit": "brain predictivity", "paper": "0.42", "facts": 0.4215,
        "model_ids": list(NORMALISER_IDS), "per_region": full["per_region"], "per_run": full["per_run"],
        "name": "CORnet-S_full"}
    run_ids = set(bp["id_without_epoch"].dropna()) if "id_without_epoch" in bp.columns else set()
    out["fully_trained_mean"]["excluded_runs"] = [i for i in (converged_id(r) for r in excluded_runs(
        "CORnet-S_full", run_ids)) if i in idx.index]

    rel = lambda v: 100.0 * v / norm  # noqa: E731
    kn_ids = [_with_seed("full", s) + "_epoch_00" for s in AT_BIRTH_SEEDS]
    wc_ids = [_with_seed("cluster2_v2_IT_trconv3_bi", s) + "_epoch_00" for s in AT_BIRTH_SEEDS]
    need(kn_ids + wc_ids)
    kn = np.array([rel(bps(m)) for m in kn_ids])
    wc = np.array([rel(bps(m)) for m in wc_ids])
    for key, arr, ids, paper, facts in (("kn_at_birth", kn, kn_ids, "43 ± 1.7 %", (42.6, 1.74)),
                                        ("wc_at_birth", wc, wc_ids, "54 ± 1.5 %", (53.8, 1.47))):
        name = ids[0][:-len("_epoch_00")]
        kept = [i[:-len("_epoch_00")] for i in ids]
        left_out = [r + "_epoch_00" for r in excluded_runs(name, run_ids, keep=kept) if r + "_epoch_00" in idx.index]
        out[key] = {"excluded_runs": left_out, "name": name,
                    "value": float(arr.mean()), "std": float(arr.std(ddof=0)), "std_ddof1": float(arr.std(ddof=1)),
                    "sem": float(arr.std(ddof=1) / math.sqrt(len(arr))), "n": int(len(arr)), "unit": "% of normaliser",
                    "paper": paper, "facts": {"mean": facts[0], "std": facts[1]}, "model_ids": ids,
                    "per_run": dict(zip(ids, arr.tolist()))}
    student = stats.ttest_ind(wc, kn, equal_var=True)
    welch = stats.ttest_ind(wc, kn, equal_var=False)
    out["at_birth_ttest"] = {"value": float(student.pvalue), "t": float(student.statistic),
                             "welch_p": float(welch.pvalue), "welch_t": float(welch.statistic),
                             "unit": "p (two-sided Student t-test; Welch alongside)", "paper": "significant",
                             "facts": {"t": 14.7, "p": 1.7e-11}, "model_ids": wc_ids + kn_ids}

    def rel_runs(key: str, ids: list[str], paper: str, facts: float, **extra: Any) -> None:
        need(ids)
        res = authors_run_average(bp, ids)
        out[key] = {"value": rel(res["value"]), "unit": "% of normaliser", "paper": paper, "facts": facts,
                    "model_ids": ids, "per_run": {m: rel(v) for m, v in res["per_run"].items()},
                    "per_region_percent": {r: 100.0 * v / full["per_region"][r] if full["per_region"][r]
                                           else float("nan") for r, v in res["per_region"].items()}, **extra}

    def converged_runs(key: str, name: str, paper: str, facts: float, **extra: Any) -> None:
        """The authors' converged average of ``name`` (their inclusion list and convergence table)."""
        left_out = [converged_id(r) for r in excluded_runs(name, run_ids)]   # trained runs scored at convergence
        rel_runs(key, converged_ids(name), paper, facts, name=name,
                 excluded_runs=[i for i in left_out if i in idx.index], **extra)

    converged_runs("ct_relative", "CORnet-S_train_conv3_bi", ">75 %", 76.0, trained_conv_weights=1_376_256,
             trained_fraction_percent=100.0 * 1_376_256 / CONV_WEIGHTS_FULL)
    full_synaptic = AUTHORS_FULL_IMAGES * FULL_EPOCHS * CONV_WEIGHTS_FULL
    full_supervised = AUTHORS_FULL_IMAGES * FULL_EPOCHS
    rel_runs("wc_ct_500k_20ep", ["CORnet-S_cluster2_v2_IT_trconv3_bi_img500000_epoch_20"], "79 % @ ~0.5 %", 79.7,
             synaptic_updates_percent=100.0 * 500_000 * 20 * CONV_WEIGHTS_WC_CT / full_synaptic)
    rel_runs("two_percent_updates", ["CORnet-S_full_img500000_epoch_02"], "76 % @ ~2 %", 76.2,
             supervised_updates_percent=100.0 * 500_000 * 2 / full_supervised)
    rel_runs("point_two_percent_updates", ["CORnet-S_full_img50000_epoch_02"], "50 % @ ~0.2 %", 49.5,
             supervised_updates_percent=100.0 * 50_000 * 2 / full_supervised)
    rel_runs("twenty_percent_updates", ["CORnet-S_full_img500000_epoch_20"], "97 % @ ~20 % (RP)", 97.2,
             supervised_updates_percent=100.0 * 500_000 * 20 / full_supervised)
    converged_runs("wc_ct_converged", "CORnet-S_cluster2_v2_IT_trconv3_bi", "–", 82.0)
    converged_runs("kn_decoder_only", "CORnet-S_train_random", "–", 49.5)
    rel_runs("hmax", ["hmax_epoch_00"], "–", 34.9)
    rel_runs("pixels_epoch_00_only", ["pixels_epoch_00"], "~7 % (RP plot)", 4.9,
             note="pixels_epoch_00 lacks V1/V2, which the authors' rule counts as 0")
    # The pixel baseline split across two ids (§0.8): V1/V2 from pixels_epoch_06, the rest from pixels_epoch_00.
    need(["pixels_epoch_00", "pixels_epoch_06"])
    p00, p06 = idx.loc["pixels_epoch_00"], idx.loc["pixels_epoch_06"]
    combined = {r: float(p06[r] if r in ("V1", "V2") else p00[r]) for r in REGIONS}
    out["pixels_combined"] = {"value": rel(float(np.mean([0.0 if np.isnan(v) else v for v in combined.values()]))),
                              "unit": "% of normaliser", "paper": "~7 % (RP plot)", "facts": 6.8,
                              "model_ids": ["pixels_epoch_00", "pixels_epoch_06"], "per_region": combined}
    out["fig4b_max_gain"] = fig4b_max_gain(private_tidy, bp=bp)
    return out


def fig4b_max_gain(table: pd.DataFrame, *, bp: pd.DataFrame | None = None,
                   images: Iterable[int] = FIG4B_IMAGES, epochs: Iterable[int] = FIG4B_EPOCHS) -> dict[str, Any]:
    """Fig. 4B (``delta_heatmap``): WC+CT minus standard training, in percentage points of the s0 epoch-43 model
    (0.42493), on the authors' grid: the image subsets and the full-data ("All") row × ``epochs`` and the
    "Convergence" column (each seed-0 run at its epoch in the authors' convergence tables).

    Cells where either model id is missing are skipped (and listed), never scored as 0. Returns the largest
    gain and its cell, the cell the paper names (1,000 images × 1 epoch, "up to 27 percent points"), the
    all-data converged cell (paper: −17 pp), the top cells and every cell (largest first). A convergence cell has
    ``epoch`` ``"converged"`` and the two runs' epochs in ``converged_epochs`` (WC+CT, standard).
    """
    if bp is None:
        bp = brain_predictivity(table, missing="zero")
    idx = bp.set_index("model_id")
    norm = authors_run_average(bp, DELTA_NORMALISER_IDS)["value"]
    std_cfg, wc_cfg = "CORnet-S_full", "CORnet-S_cluster2_v2_IT_trconv3_bi"
    epochs = list(epochs)

    def gain(w_id: str, s_id: str) -> float:
        return 100.0 * (float(idx.loc[w_id, "brain_predictivity"]) - float(idx.loc[s_id, "brain_predictivity"])) / norm

    cells, skipped = [], []
    for n in list(images) + [None]:
        img = "" if n is None else f"_img{n}"
        pairs = [(float(e), f"{wc_cfg}{img}_epoch_{e:02d}", f"{std_cfg}{img}_epoch_{e:02d}") for e in epochs]
        conv = (converged_id(f"{wc_cfg}{img}"), converged_id(f"{std_cfg}{img}"))
        if None in conv:
            skipped.append([f"{wc_cfg}{img} ({CONVERGED})", f"{std_cfg}{img} ({CONVERGED})"])
        else:
            pairs.append((CONVERGED, *conv))
        for e, w_id, s_id in pairs:
            if w_id not in idx.index or s_id not in idx.index:
                skipped.append([w_id, s_id])
                continue
            cell = {"images": FULL_IMAGENET if n is None else n, "epoch": e, "wc_ct_id": w_id, "standard_id": s_id,
                    "gain_pp": gain(w_id, s_id)}
            if e == CONVERGED:
                cell["converged_epochs"] = [int(i.rsplit("_epoch_", 1)[1]) for i in (w_id, s_id)]
            cells.append(cell)
    if not cells:
        raise WiringupError("fig4b_max_gain: no (images, epoch) cell is scored for both standard and WC+CT "
                            "training; use the authors' private scores.sqlite")
    cells.sort(key=lambda c: -c["gain_pp"])
    best = cells[0]
    named = next((c for c in cells if c["images"] == 1000 and c["epoch"] == 1.0), None)
    conv_ids = [converged_id(wc_cfg), converged_id(std_cfg)]      # converged s0 epochs 38 and 43
    converged = ({"model_ids": conv_ids, "gain_pp": gain(*conv_ids), "paper": "-17 pp"}
                 if all(m in idx.index for m in conv_ids) else None)
    return {"value": best["gain_pp"], "unit": "percentage points of the s0 epoch-43 model",
            "paper": "up to 27 pp (1 epoch on 1,000 images)", "facts": 26.6, "images": best["images"],
            "epoch": best["epoch"], "model_ids": [best["wc_ct_id"], best["standard_id"]], "normaliser": norm,
            "normaliser_ids": list(DELTA_NORMALISER_IDS), "paper_cell": named, "all_data_converged": converged,
            "grid": {"images": list(images) + ["all"], "epochs": epochs + [CONVERGED]}, "skipped_cells": skipped,
            "n_cells": len(cells), "top_cells": cells[:5], "cells": cells}
