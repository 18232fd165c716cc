"""Decoding the authors' model ids (the ``modification`` column of their databases) into factors.

:func:`decode_model_id` turns one id into the factors this pipeline's score table uses (config, init,
trained-layer set, images, epoch, seed, recipe, transfer mapping); :func:`unparsed_ids` lists the ids that do
not follow the grammar. Facts used here come from ``docs/AUTHORS_CODE_FACTS.md`` §2, §3.6 and §7.2.

Model-id grammar
----------------
::

    <family>_<config>[_img<N>][_seed<S>][_lr<x>|_wd<x>|_op<Opt>][_con2]_epoch_<E>

* ``<family>``: the ``model`` column (``CORnet-S``, ``resnet``, ``mobilenet``, ``alexnet``, ``pixels``,
  ``hmax`` ...). ``pixels_epoch_00`` and ``hmax_epoch_00`` have no config.
* ``<config>``: the training/initialisation config, e.g. ``full`` (standard training), ``train_conv3_bi``
  (critical training, CT), ``cluster2_v2_IT_trconv3_bi`` (weight compression + CT, WC+CT). Its prefix
  selects the initialisation (``init``) and, with the trailing area/``trconv3``/``t7_t12`` tokens, the set of
  trained layers (``trained``); see :data:`KNOWN_CONFIGS` and :func:`_init_of` / :func:`_trained_of`.
* ``_img<N>``: trained on a uniformly random subset of N ImageNet images (absent: all 1,281,167 images).
* ``_seed<S>``: the seed (absent: seed 0). **Trap**: ``_seed_0`` (with an underscore) is part of the config
  name ``train_IT_seed_0`` and is *not* a seed: ``CORnet-S_train_IT_seed_0_seed42_epoch_40`` has config
  ``train_IT_seed_0`` and seed 42.
* ``_lr<x>``, ``_wd<x>``, ``_op<Opt>``: learning rate, weight decay, optimiser (``Adam``/``Adagrad``);
  defaults (SGD, lr 0.1, wd 1e-4) when absent, reported as None here.
* ``_con2``: the second convergence criterion. In the data it appears *before* ``_img``
  (``CORnet-S_full_con2_img1000_epoch_05``), so the suffixes are stripped in any order.
* ``_epoch_<E>``: ``%02d`` for whole epochs, ``%.1f`` for fractional checkpoints; ``epoch_00`` is the
  untrained model at birth (0.0), ``epoch_0.5`` half an epoch (0.5).
* Transfer: ``resnet_v<k>_CORnet-S_<config>`` / ``mobilenet_v<k>_CORnet-S_<config>`` (also ``alexnet``):
  the CORnet-S config applied to another architecture with mapping version k (``transfer_mapping``). The
  TF-slim ``mobilenet_v1_1.0_224`` is *not* a transfer id (no ``_CORnet-S_``); its config is
  ``v1_1.0_224``. For a transfer id, ``init``/``trained`` describe the CORnet-S config as mapped onto the
  target (``resnet_v1_CORnet-S_full`` = the architecture's default init, all layers trained), not the
  target's trained-weight counts (§3.9).

Examples::

    CORnet-S_full_epoch_43                       full, kn, all, seed 0, epoch 43
    CORnet-S_full_seed42_epoch_29                full, kn, all, seed 42, epoch 29
    CORnet-S_full_img500000_epoch_02             full, images 500000, epoch 2
    CORnet-S_full_epoch_0.5                      full, epoch 0.5
    CORnet-S_full_lr0.01_epoch_05                full, lr 0.01
    CORnet-S_full_wd1e-05_epoch_05               full, weight decay 1e-05
    CORnet-S_full_opAdam_epoch_05                full, optimizer Adam
    CORnet-S_full_con2_img1000_epoch_05          full, con2, images 1000
    CORnet-S_train_conv3_bi_seed42_epoch_31      train_conv3_bi, kn, ct, seed 42
    CORnet-S_train_IT_seed_0_epoch_37            train_IT_seed_0, kn, dt_it, seed 0 (the trap)
    CORnet-S_cluster2_v2_IT_trconv3_bi_img1000_epoch_01   wc, ct, images 1000
    resnet_v3_CORnet-S_cluster2_v2_IT_trconv3_bi_epoch_22 resnet, mapping 3, wc, ct
    mobilenet_v1_1.0_224_epoch_100               mobilenet, config v1_1.0_224 (pretrained TF model)
    pixels_epoch_00, hmax_epoch_00               no config

Ids that do not follow the grammar (no ``_epoch_<E>`` at the end, e.g. ``alexnet_random``,
``CORnet-S_jumbler_L3``, ``CORnet-S_train_gabor_dist_weight_dist_channel_epoch_00_BF``, ``pixels``) raise
nothing: they get ``parsed=False`` and a ``parse_error``; :func:`unparsed_ids` lists them.

Decoded factors
---------------
``init`` (initialisation of the untrained network, from the config prefix, §3.6/§7.2):
``kn`` (Kaiming normal, CORnet-S's default: ``full`` and the DT/CT/conv1/BN ``train_*`` configs of the §2
table), ``wc`` (weight compression, ``cluster2_*`` and ``train_gmk1_cl2_7*``), ``mixture_gaussian``
(``brain_*``), ``kernel_normal`` (``brain3_*``), ``no_gabor`` (``brain2_*_v2``), ``wc_no_gabor``
(``cluster9_*``). Anything else keeps its raw prefix (e.g. ``brainbest``, ``train_gmk1``) and
``init_known=False``: a raw prefix is a label, not a decoded fact. ``init_scope`` says which areas the
non-KN init covers when the config says so (``all``, ``V1-V4``, ``V1-V2``).

``trained`` (the trained-layer set, §2 table): ``all``, ``dt_v4``, ``dt_it``, ``decoder``, ``ct_v2``,
"""
from __future__ import annotations

import re
from typing import Any

import pandas as pd

from wiringup.core.io import WiringupError

# Exact configs whose init and trained-layer set the facts document (§2 table, §7.3). Value:
# (init, trained, init_scope).
KNOWN_CONFIGS: dict[str, tuple[str, str | None, str | None]] = {
    "full": ("kn", "all", None),
    "train_V4": ("kn", "dt_v4", None),
    "train_IT_seed_0": ("kn", "dt_it", None),
    "train_random": ("kn", "decoder", None),
    "train_conv3_V2_bi": ("kn", "ct_v2", None),
    "train_conv3_V4_bi": ("kn", "ct_v4", None),
    "train_conv3_bi": ("kn", "ct", None),
    "train_conv1_V2_bi": ("kn", "conv1_v2", None),
    "train_conv1_V4_bi": ("kn", "conv1_v4", None),
    "train_conv1_bi": ("kn", "conv1", None),
    "train_batchnorm_V2": ("kn", "batchnorm_v2", None),
    "train_batchnorm_V4": ("kn", "batchnorm_v4", None),
    "train_batchnorm": ("kn", "batchnorm", None),
    "train_gmk1_cl2_7_7tr_bi": ("wc", "ct_v2", "V1-V2"),
    "train_gmk1_cl2_7_bi": ("wc", None, "V1-V2"),
    "cluster2_v2_V4_trconv3_bi": ("wc", "ct_v4", "V1-V4"),
    "cluster2_v2_IT_bi": ("wc", "decoder", "all"),
    "cluster2_v2_IT_trconv3_bi": ("wc", "ct", "all"),
    "cluster2_IT_full_train": ("wc", "all", "all"),
    # Fig. 7 alternative compressions, without / with CT (§7.3)
    "brain_wmc15_IT_bi": ("mixture_gaussian", "decoder", "all"),
    "brain_t7_t12_wmc15_IT_bi": ("mixture_gaussian", "ct", "all"),
    "brain3_knall_IT_bi": ("kernel_normal", "decoder", "all"),
    "brain3_t7_t12_knall_IT_bi": ("kernel_normal", "ct", "all"),
    "brain2_knall_IT_bi_v2": ("no_gabor", "decoder", "all"),
    "brain2_t7_t12_knall_IT_bi_v2": ("no_gabor", "ct", "all"),
}
# Config prefixes (first token) with a documented init family (§3.6).
_PREFIX_INIT = {"full": "kn", "cluster2": "wc", "brain": "mixture_gaussian", "brain3": "kernel_normal",
                "cluster9": "wc_no_gabor"}

_EPOCH_RE = re.compile(r"^(?P<body>.*?)_epoch_(?P<epoch>\d+(?:\.\d+)?)$")
_SUFFIX_RES = [
    ("con2", re.compile(r"_con2$")),
    ("lr", re.compile(r"_lr(?P<v>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)$")),
    ("weight_decay", re.compile(r"_wd(?P<v>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)$")),
    ("optimizer", re.compile(r"_op(?P<v>[A-Za-z]+)$")),
    ("seed", re.compile(r"_seed(?P<v>\d+)$")),     # `_seed_0` (underscore) does not match: it is a name
    ("images", re.compile(r"_img(?P<v>\d+)$")),
]
_TRANSFER_RE = re.compile(r"^v(?P<k>\d+)_CORnet-S_(?P<config>.+)$")

DECODED_FIELDS = ["family", "config", "init", "init_known", "init_scope", "trained", "images", "epoch", "seed",
                  "lr", "weight_decay", "optimizer", "con2", "transfer_mapping", "id_without_epoch", "parsed",
                  "parse_error"]


# -------------------------------------------------------------------------------------------------- decoding

def _float(text: str) -> float:
    return float(text)


def _init_of(config: str) -> tuple[str, bool, str | None]:
    """(init, known, scope) of a CORnet-S config; unknown → the raw prefix with known=False."""
    if config in KNOWN_CONFIGS:
        init, _, scope = KNOWN_CONFIGS[config]
        return init, True, scope
    tokens = config.split("_")
    prefix = tokens[0]
    scope = None
    if "IT" in tokens:
        scope = "all"
    elif "V4" in tokens:
        scope = "V1-V4"
    if prefix == "brain2" and config.endswith("_v2"):
        return "no_gabor", True, scope
    if prefix in _PREFIX_INIT:
        return _PREFIX_INIT[prefix], True, (scope if prefix != "full" else None)
    raw = "_".join(tokens[:2]) if prefix == "train" and len(tokens) > 1 else prefix
    return raw, False, None


def _trained_of(config: str) -> str | None:
    """The trained-layer set of a CORnet-S config (§2 table; §7.2 tokens for other known prefixes)."""
    if config in KNOWN_CONFIGS:
        return KNOWN_CONFIGS[config][1]
    tokens = config.split("_")
    # Documented tokens (§7.2): `_full_train` = all layers, `trconv3` / `t7_t12` = CT (with `_V4_`: up to V4).
    if config.endswith("_full_train"):
        return "all"
    if "trconv3" in tokens or re.search(r"(^|_)t7_t12(_|$)", config):
        if "V4" in tokens and "trconv3" in tokens:
            return "ct_v4"
        if "V4" not in tokens:
            return "ct"
        return None
    # `<prefix>_..._IT_bi` without CT trains the decoder only (cluster2_v2_IT_bi, Fig. 7 pairs): known prefixes only.
    if (tokens[0] in _PREFIX_INIT or tokens[0] == "brain2") and re.search(r"_IT_bi(_v2)?$", config):
        return "decoder"
    return None


def decode_model_id(modification: str, family: str) -> dict[str, Any]:
    """Decode one of the authors' model ids (``modification``) of architecture ``family`` into factors.

    Returns a dict with the keys of :data:`DECODED_FIELDS` plus ``model_id``. Never raises on a malformed id:
    it returns ``parsed=False`` and ``parse_error``. See the module docstring for the grammar.
    """
    out: dict[str, Any] = {"model_id": modification, "family": family, "config": None, "init": None,
                           "init_known": False, "init_scope": None, "trained": None, "images": None,
                           "epoch": None, "seed": 0, "lr": None, "weight_decay": None, "optimizer": None,
                           "con2": False, "transfer_mapping": None, "id_without_epoch": modification,
                           "parsed": False, "parse_error": None}
    m = _EPOCH_RE.match(modification)
    if not m:
        out["seed"] = None
        out["parse_error"] = "no trailing _epoch_<E>"
        return out
    body, epoch = m.group("body"), float(m.group("epoch"))
    if body != family and not body.startswith(family + "_"):
        out["seed"] = None
        out["parse_error"] = f"does not start with the family {family!r}"
        return out
    out["epoch"] = epoch
    out["id_without_epoch"] = body
    rest = body[len(family):]            # "" or "_<config...>"
    # Strip the optional suffixes from the end, in any order (the data has `_con2_img<N>`), each at most once.
    seen: set[str] = set()
    changed = True
    while changed:
        changed = False
        for key, rx in _SUFFIX_RES:
            if key in seen:
                continue
            sm = rx.search(rest)
            if sm is None:
                continue
            v = sm.groupdict().get("v")
            if key == "con2":
                out["con2"] = True
            elif key in ("lr", "weight_decay"):
                out[key] = _float(v)
            elif key in ("seed", "images"):
                out[key] = int(v)
            else:
                out[key] = v
            rest = rest[:sm.start()]
            seen.add(key)
            changed = True
    if rest and not rest.startswith("_"):
        out["parse_error"] = "config not separated from the family by '_'"
        return out
    config = rest[1:] if rest else None
    cornet_config = None
    if family == "CORnet-S":
        cornet_config = config
    elif config is not None:
        tm = _TRANSFER_RE.match(config)
        if tm:
            out["transfer_mapping"] = int(tm.group("k"))
            config = cornet_config = tm.group("config")
    out["config"] = config
    if cornet_config:
        out["init"], out["init_known"], out["init_scope"] = _init_of(cornet_config)
        out["trained"] = _trained_of(cornet_config)
    elif family == "CORnet-S":
        out["parse_error"] = "CORnet-S id without a config"
        return out
    out["parsed"] = True
    return out


def unparsed_ids(table: pd.DataFrame) -> list[str]:
    """Sorted model ids that do not follow the grammar.

    ``table`` is a :func:`~wiringup.tables.authors.database.tidy` table (uses its ``parsed`` column) or a
    :func:`~wiringup.tables.authors.database.read_raw` table (decodes).
    """
    if "parsed" in table.columns and "model_id" in table.columns:
        ids = table.loc[~table["parsed"].astype(bool), "model_id"]
        return sorted(set(ids))
    if {"modification", "model"} <= set(table.columns):
        pairs = table[["modification", "model"]].drop_duplicates()
        return sorted({mod for mod, fam in pairs.itertuples(index=False)
                       if not decode_model_id(mod, fam)["parsed"]})
    raise WiringupError("unparsed_ids needs a tidy table (model_id, parsed) or a raw table (modification, model)")

