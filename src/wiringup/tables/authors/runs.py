"""Which of the authors' training runs each figure and claim averages: their inclusion lists.

The authors' plotting code passes a model *name* (a run id without seed suffix, e.g. ``CORnet-S_full``, or one
seed's run id, e.g. ``CORnet-S_cluster2_v2_IT_bi_seed42``) to ``benchmark/database.py::load_error_bared``. A name
listed in ``model_versions`` stands for the runs listed there, averaged; any other name for that one run
(:func:`runs_of`). The database holds further seeds of several configs that no figure uses; :func:`excluded_runs`
names them, so that the scorecard can state each exclusion.

:data:`MODEL_VERSIONS` follows ``model_versions`` at the repository head (61e8805) as AUTHORS_CODE_FACTS.md §2
transcribes it (its "runs" column): seed 94 is not in the WC+CT list (the paper's App. E names seeds 0, 42, 94
for error bars), the WC-up-to-V4 list has seeds 0 and 94, not 42, and WC without CT lists seeds 42 and 0. An
earlier copy of the file (the one the code index holds) lists seed 94 for WC+CT, seed 42 for the V4 variant and
no WC-without-CT entry; its values differ from the paper's Fig. 3 numbers, the head's reproduce them
(82.0, 88.2, 52.0 % of the fully trained model).

The figure sets are the names ``analysis/paper_plots.py`` passes (head 61e8805): Fig. 5B (``plot_figure_5``) and
Fig. 7 (``supp_5``, epoch 6).
"""
from __future__ import annotations

import re
from typing import Iterable

from wiringup.tables.authors.convergence import TR_REPO, converged_id

MODEL_VERSIONS_SOURCE = f"{TR_REPO} benchmark/database.py::model_versions @ 61e8805 (AUTHORS_CODE_FACTS.md §2)"


def _seeds(name: str, *seeds: int) -> tuple[str, ...]:
    return tuple(name if s == 0 else f"{name}_seed{s}" for s in seeds)


MODEL_VERSIONS: dict[str, tuple[str, ...]] = {
    "CORnet-S_full": _seeds("CORnet-S_full", 0, 42),
    "CORnet-S_train_V4": _seeds("CORnet-S_train_V4", 0, 42),
    "CORnet-S_train_IT_seed_0": _seeds("CORnet-S_train_IT_seed_0", 0, 42),
    "CORnet-S_train_random": _seeds("CORnet-S_train_random", 0, 42),
    "CORnet-S_train_conv3_bi": _seeds("CORnet-S_train_conv3_bi", 0, 42),
    "CORnet-S_train_conv3_V2_bi": _seeds("CORnet-S_train_conv3_V2_bi", 0, 42),
    "CORnet-S_train_conv3_V4_bi": _seeds("CORnet-S_train_conv3_V4_bi", 0, 42),
    "CORnet-S_train_gmk1_cl2_7_7tr_bi": _seeds("CORnet-S_train_gmk1_cl2_7_7tr_bi", 0, 42),
    "CORnet-S_cluster2_v2_V4_trconv3_bi": _seeds("CORnet-S_cluster2_v2_V4_trconv3_bi", 0, 94),
    "CORnet-S_cluster2_v2_IT_bi": _seeds("CORnet-S_cluster2_v2_IT_bi", 42, 0),
    "CORnet-S_cluster2_v2_IT_trconv3_bi": _seeds("CORnet-S_cluster2_v2_IT_trconv3_bi", 0, 42),
    "CORnet-S_cluster9_V4_trconv3_bi": _seeds("CORnet-S_cluster9_V4_trconv3_bi", 0, 42),
    "CORnet-S_cluster9_IT_trconv3_bi": _seeds("CORnet-S_cluster9_IT_trconv3_bi", 0, 42),
    "CORnet-S_train_wmk1_cl2_7_7tr_bi": _seeds("CORnet-S_train_wmk1_cl2_7_7tr_bi", 0, 42),
}

# Fig. 5B (plot_figure_5): KN and KN+CT by config name (model_versions: seeds 0 and 42), WC and WC+CT by one
# seed's run (seed 42 only).
FIG5B_MODELS: dict[str, str] = {"KN": "CORnet-S_train_random", "WC": "CORnet-S_cluster2_v2_IT_bi_seed42",
                                "KN+CT": "CORnet-S_train_conv3_bi",
                                "WC+CT": "CORnet-S_cluster2_v2_IT_trconv3_bi_seed42"}
# Fig. 7 (supp_5): per compression, the name without and with CT, compared at epoch 6.
FIG7_MODELS: dict[str, tuple[str, str]] = {
    "wc": ("CORnet-S_cluster2_v2_IT_bi", "CORnet-S_cluster2_v2_IT_trconv3_bi"),
    "mixture_gaussian": ("CORnet-S_brain_wmc15_IT_bi", "CORnet-S_brain_t7_t12_wmc15_IT_bi"),
    "kernel_normal": ("CORnet-S_brain3_knall_IT_bi", "CORnet-S_brain3_t7_t12_knall_IT_bi"),
    "no_gabor": ("CORnet-S_brain2_knall_IT_bi_v2", "CORnet-S_brain2_t7_t12_knall_IT_bi_v2")}
FIG7_EPOCH = 6
# Fig. 2C / Sec. 4 significance test (calc_significance): seed 0 and these nine seeds, KN and WC+CT at epoch 0.
AT_BIRTH_SEEDS = (0, 12, 42, 32, 43, 52, 62, 72, 82, 92)

_SEED_RE = re.compile(r"_seed\d+(?=_|$)")     # `_seed_0` (a name, underscore after "seed") does not match


def base_name(run_id: str) -> str:
    """A run id without its ``_seed<S>`` suffix (the name the authors' lists use)."""
    return _SEED_RE.sub("", run_id)


def runs_of(name: str) -> tuple[str, ...]:
    """The runs a model name stands for in the authors' averages: ``model_versions`` where listed, else the name."""
    return MODEL_VERSIONS.get(name, (name,))


def included(run_id: str) -> bool:
    """False for a run whose seedless name has a ``model_versions`` list that leaves it out."""
    name = base_name(run_id)
    return name not in MODEL_VERSIONS or run_id in MODEL_VERSIONS[name]


def converged_ids(name: str) -> list[str]:
    """The converged checkpoints (convergence tables) of the runs ``name`` stands for; unlisted runs are skipped."""
    return [i for i in (converged_id(r) for r in runs_of(name)) if i is not None]


def epoch_ids(name: str, epoch: float) -> list[str]:
    """The checkpoints at ``epoch`` of the runs ``name`` stands for (the authors' ``%02d`` / ``%.1f`` naming)."""
    suffix = f"{int(epoch):02d}" if float(epoch).is_integer() else f"{epoch:.1f}"
    return [f"{r}_epoch_{suffix}" for r in runs_of(name)]


def seed_of(run_id: str) -> int:
    m = re.search(r"_seed(\d+)(?=_|$)", run_id)
    return int(m.group(1)) if m else 0


def excluded_runs(name: str, run_ids: Iterable[str], keep: Iterable[str] | None = None) -> list[str]:
    """Runs among ``run_ids`` (runs of the database) of the same config as ``name`` (any seed) that the authors'
    average of ``name`` (or the explicit run list ``keep``) leaves out, sorted by seed."""
    base = base_name(name)
    keep = set(runs_of(name) if keep is None else keep)
    return sorted({r for r in run_ids if base_name(r) == base and r not in keep}, key=seed_of)


def exclusion_text(name: str, run_ids: Iterable[str], *, keep: Iterable[str] | None = None, what: str = "",
                   source: str = "") -> str:
    """One sentence: the seeds ``name`` averages (its ``model_versions`` list, or ``keep``) and the runs of its
    config among ``run_ids`` (the scored ones) that are left out."""
    runs = list(runs_of(name) if keep is None else keep)
    out = excluded_runs(name, run_ids, keep=runs)
    source = source or ("model_versions" if name in MODEL_VERSIONS and keep is None else "the run paper_plots.py names")
    text = f"{what or name}: the authors use {', '.join(f's{seed_of(r)}' for r in runs)} ({source})"
    if out:
        text += "; left out although scored: " + ", ".join(f"s{seed_of(r)}" for r in out)
    return text
