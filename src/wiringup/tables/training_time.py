"""Rule training_time: wall seconds per epoch and per step of every training run, relative to standard training
(results/tables/training_time.csv; the summaries are the training rules' summary.json)."""
from __future__ import annotations

from typing import Any

import pandas as pd

TIME_COLUMNS = ["variant", "init", "trained", "images", "seed", "epochs_trained", "steps", "seconds",
                "whole_epochs", "seconds_per_epoch", "seconds_per_step", "steady_seconds_per_step", "trained_total",
                "trained_conv_weights", "reference_variant", "reference_seconds_per_step", "relative_time",
                "time_saving_pct"]


def training_time_table(summaries: list[dict[str, Any]], reference_variant: str):
    """One row per training run: wall seconds per epoch and per step, and its time per step relative to the
    ``reference_variant`` run with the same images and seed (``time_saving_pct`` = 100 × (1 − relative)).

    ``seconds_per_epoch`` is the mean over whole epochs (``epoch_seconds`` of the summary), else the run's
    seconds over its fractional epochs. Steps compare runs of different lengths (same images, same batch size);
    the comparison uses the steady time per step (without the first step's one-time costs) where a run has
    more than one step, else the plain seconds per step.
    """
    rows = []
    for s in summaries:
        counts = s.get("parameter_counts") or {}
        whole = list(s.get("epoch_seconds") or [])
        per_epoch = (sum(whole) / len(whole)) if whole else s.get("seconds_per_epoch")
        rows.append({"variant": s.get("variant"), "init": s.get("init"), "trained": s.get("trained"),
                     "images": s.get("images"), "seed": s.get("seed"), "epochs_trained": s.get("epochs_trained"),
                     "steps": s.get("steps"), "seconds": s.get("seconds"), "whole_epochs": len(whole),
                     "seconds_per_epoch": per_epoch, "seconds_per_step": s.get("seconds_per_step"),
                     "steady_seconds_per_step": s.get("steady_seconds_per_step"),
                     "trained_total": counts.get("trained_total"),
                     "trained_conv_weights": counts.get("trained_conv_weights")})
    table = pd.DataFrame(rows, columns=[c for c in TIME_COLUMNS if not c.startswith(("reference", "relative",
                                                                                          "time_saving"))])
    per_step = table["steady_seconds_per_step"].where(table["steady_seconds_per_step"].notna(),
                                                      table["seconds_per_step"]).astype(float)
    ref = pd.Series(per_step.to_numpy(), index=pd.MultiIndex.from_arrays([table["images"], table["seed"]]))[
        (table["variant"] == reference_variant).to_numpy()]
    key = list(zip(table["images"], table["seed"]))
    table["reference_variant"] = reference_variant
    table["reference_seconds_per_step"] = [ref.get(k) for k in key]
    table["relative_time"] = per_step / table["reference_seconds_per_step"].astype(float)
    table["time_saving_pct"] = 100.0 * (1.0 - table["relative_time"])
    return table[TIME_COLUMNS].sort_values(["images", "seed", "variant"]).reset_index(drop=True)
