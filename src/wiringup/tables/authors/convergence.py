"""The authors' convergence tables: at which epoch each of their training runs counts as converged.

The authors did not flag convergence in their score database; their plotting code looks the converged checkpoint
of a run up in two hand-entered tables of ``base_models/global_data.py`` (franzigeiger/training_reductions,
version :data:`GLOBAL_DATA_COMMIT`, the copy readable through the code index; the repository head is 61e8805):

* ``convergence_epoch``: runs on all 1.28 M images (and transfer runs) → converged epoch
  (:data:`CONVERGENCE_EPOCH`);
* ``convergence_images``: runs on an image subset (``_img<N>``) → converged epoch (:data:`CONVERGENCE_IMAGES`).

``benchmark/database.py::load_error_bared`` appends ``_epoch_<E:02d>`` from these tables to a run id; Fig. 4B's
``analysis/time_analysis.py::delta_heatmap`` takes its "Convergence" column from them. A run the tables do not
list has no converged checkpoint in the authors' code; this pipeline then uses the run's last scored checkpoint
and says so (:func:`listed_epoch` returns None). A listed epoch can be absent from the database (e.g.
``CORnet-S_train_conv3_bi_img100``: listed 93, scored up to 83); the authors' code then scores the run as 0.

Keys are run ids (a model id without ``_epoch_<E>``); the numbers are transcribed, no code is copied. Marks of
the authors next to a few entries ("# check", "# double check", "needs rework") are kept as :data:`UNCERTAIN`.
"""
from __future__ import annotations

TR_REPO = "franzigeiger/training_reductions"
GLOBAL_DATA_COMMIT = "04d152a15792ae38c23ed4c892d5b0498347c741"
SOURCE = (f"{TR_REPO} base_models/global_data.py (convergence_epoch, convergence_images) @ "
          f"{GLOBAL_DATA_COMMIT[:7]}")

CONVERGENCE_EPOCH: dict[str, int] = {
    # standard training and downstream training (DT), seeds 0 / 42 / 94
    "CORnet-S_full": 43, "CORnet-S_full_seed42": 29, "CORnet-S_full_seed94": 28,
    "CORnet-S_train_V2": 20, "CORnet-S_train_V2_seed42": 32,
    "CORnet-S_train_V4": 43, "CORnet-S_train_V4_seed42": 31,
    "CORnet-S_train_IT_seed_0": 37, "CORnet-S_train_IT_seed_0_seed42": 40,
    "CORnet-S_train_random": 28, "CORnet-S_train_random_seed42": 22,
    "CORnet-S_random": 0,
    # critical training (CT)
    "CORnet-S_train_conv3_bi": 29, "CORnet-S_train_conv3_bi_seed42": 31,
    "CORnet-S_train_conv3_V2_bi": 26, "CORnet-S_train_conv3_V2_bi_seed42": 31,
    "CORnet-S_train_conv3_V4_bi": 26, "CORnet-S_train_conv3_V4_bi_seed42": 37,
    # weight compression (WC), with and without CT
    "CORnet-S_cluster2_v2_IT_trconv3_bi": 38, "CORnet-S_cluster2_v2_IT_trconv3_bi_seed42": 40,
    "CORnet-S_cluster2_v2_IT_trconv3_bi_seed94": 28,
    "CORnet-S_cluster2_v2_V4_trconv3_bi": 41, "CORnet-S_cluster2_v2_V4_trconv3_bi_seed42": 27,
    "CORnet-S_cluster2_v2_V4_trconv3_bi_seed94": 25,
    "CORnet-S_train_gmk1_cl2_7_7tr_bi": 33, "CORnet-S_train_gmk1_cl2_7_7tr_bi_seed42": 28,
    "CORnet-S_train_gmk1_cl2_7_bi_seed42": 34,
    "CORnet-S_cluster2_v2_IT_bi": 24, "CORnet-S_cluster2_v2_IT_bi_seed42": 31,
    "CORnet-S_cluster2_v2_V4_bi_seed42": 30,
    "CORnet-S_brain_t7_t12_wmc15_IT_bi": 38,
    "CORnet-S_cluster9_V4_trconv3_bi": 34, "CORnet-S_cluster9_IT_trconv3_bi": 44,
    "CORnet-S_train_wmk1_cl2_7_7tr_bi": 37,
    # transfer to ResNet-50, AlexNet and MobileNet; baselines
    "resnet_v1_CORnet-S_full": 32, "resnet_v1_CORnet-S_train_random": 24,
    "resnet_v1_CORnet-S_brain_t7_t12_wmc15_bi": 26,
    "resnet_v1_CORnet-S_train_gmk1_gmk2_kn3_kn4_kn5_wmc6_kn7_tr_bi": 24,
    "resnet_v1_CORnet-S_cluster2_v2_IT_trconv3_bi": 28, "resnet_v1_CORnet-S_cluster2_v2_IT": 28,
    "resnet_v3_CORnet-S_cluster2_v2_IT_trconv3_bi": 22, "resnet_v3_CORnet-S_cluster2_v2_V4_trconv3_bi": 28,
    "resnet_v3_CORnet-S_train_gmk1_cl2_7_7tr_bi": 32,
    "alexnet_v1_CORnet-S_brain_t7_t12_wmc15_IT_bi": 33, "alexnet_v1_CORnet-S_train_random": 29,
    "alexnet_v1_CORnet-S_full": 36, "alexnet_v1_CORnet-S_brain_kn8_kn9_kn10_wmc11_kn12_tr_bi": 33,
    "alexnet_v1_CORnet-S_train_gmk1_gmk2_kn3_kn4_kn5_wmc6_kn7_tr_bi": 46,
    "alexnet_v4_CORnet-S_train_gmk1_cl2_7_7tr_bi": 25, "alexnet_v4_CORnet-S_cluster2_v2_V4_trconv3_bi": 32,
    "alexnet_v4_CORnet-S_cluster2_v2_IT_trconv3_bi": 28,
    "mobilenet_v1_1.0_224": 100, "mobilenet_random": 0, "hmax": 0,
    "mobilenet_v1_CORnet-S_cluster2_v2_IT_trconv3_bi": 43, "mobilenet_v1_CORnet-S_cluster2_v2_V4_trconv3_bi": 36,
    "mobilenet_v1_CORnet-S_train_gmk1_cl2_7_7tr_bi": 34,
    "mobilenet_v2_CORnet-S_cluster2_v2_IT_trconv3_bi": 26, "mobilenet_v3_CORnet-S_cluster2_v2_IT_trconv3_bi": 28,
    "mobilenet_v4_CORnet-S_cluster2_v2_IT_trconv3_bi": 40, "mobilenet_v5_CORnet-S_cluster2_v2_IT_trconv3_bi": 29,
    "mobilenet_v6_CORnet-S_cluster2_v2_IT_trconv3_bi": 34, "mobilenet_v7_CORnet-S_cluster2_v2_IT_trconv3_bi": 43,
}

_IMAGES = (100, 1000, 10_000, 50_000, 100_000, 500_000)


def _per_images(run: str, epochs: tuple[int | None, ...]) -> dict[str, int]:
    return {f"{run}_img{n}": e for n, e in zip(_IMAGES, epochs) if e is not None}


CONVERGENCE_IMAGES: dict[str, int] = {   # epochs for 100, 1k, 10k, 50k, 100k, 500k images (None: not listed)
    **_per_images("CORnet-S_full", (61, 63, 35, 59, 66, 21)),
    **_per_images("CORnet-S_cluster2_v2_IT_trconv3_bi", (75, 92, 32, 41, 44, 26)),
    **_per_images("CORnet-S_cluster2_v2_V4_trconv3_bi", (62, 78, 33, 55, 47, 35)),
    **_per_images("CORnet-S_train_gmk1_cl2_7_7tr_bi", (45, 80, 38, 43, 72, 25)),
    **_per_images("CORnet-S_train_conv3_bi", (93, 99, 27, 61, 31, 32)),
    **_per_images("CORnet-S_train_IT_seed_0", (57, 70, 49, 53, 55, 34)),
    **_per_images("CORnet-S_train_V4", (47, 74, 45, 37, 50, 34)),
    **_per_images("CORnet-S_train_random", (69, 57, 26, 28, 35, 22)),
    **_per_images("CORnet-S_brain_t7_t12_wmc15_IT_bi", (81, 99, 22, None, 41, 28)),
    **_per_images("CORnet-S_brainboth2_IT_trconv3_bi", (77, 99, 31, None, 54, 23)),
    "CORnet-S_brain_t7_t12_wmc15_IT_bi_img1000_lr0.05": 88,
}

# Entries the authors marked as provisional next to the number ("# check", "# double check", "needs rework").
UNCERTAIN = frozenset({
    "alexnet_v4_CORnet-S_train_gmk1_cl2_7_7tr_bi", "alexnet_v4_CORnet-S_cluster2_v2_V4_trconv3_bi",
    "alexnet_v4_CORnet-S_cluster2_v2_IT_trconv3_bi", "CORnet-S_cluster2_v2_V4_bi_seed42",
    "CORnet-S_train_conv3_bi", "CORnet-S_train_conv3_bi_seed42", "CORnet-S_train_conv3_V2_bi",
    "CORnet-S_train_conv3_V2_bi_seed42", "CORnet-S_train_conv3_V4_bi", "CORnet-S_train_conv3_V4_bi_seed42"})


def listed_epoch(run_id: str) -> int | None:
    """The converged epoch the authors' tables give for ``run_id`` (a model id without ``_epoch_<E>``); None
    when neither table lists the run."""
    if run_id in CONVERGENCE_EPOCH:
        return CONVERGENCE_EPOCH[run_id]
    return CONVERGENCE_IMAGES.get(run_id)


def converged_id(run_id: str) -> str | None:
    """The model id of the converged checkpoint of ``run_id`` (``<run>_epoch_<E:02d>``), None when unlisted."""
    e = listed_epoch(run_id)
    return None if e is None else f"{run_id}_epoch_{e:02d}"
