"""The Weight Compression part of the DAG as data (torch-free, unit-tested): which WC files exist, how each
at-birth init is made, which models are scored and compared. Read by workflow/rules/common.smk (section
"Weight compression") from the config key ``weight_compression`` (documented in config/config.yaml and the
schema).

Files::

    results/wc/<fit>/distributions.npz      rule fit_wc: WC fitted to one of this run's checkpoints
    results/wc/<fit>/<method>.npz            rule fit_wc_alternatives: the Fig. 7 alternatives of that checkpoint
    results/wc/authors/distributions.npz     rule import_wc: the authors' published distributions
    results/models/init/<init>/seed<S>.pt    rule init_model: a model at birth (``kn`` or a configured init)

An *init* (``weight_compression.inits.<name>``) is ``{method, source, model, <sampler switches>}``: ``method``
``kn`` (Kaiming Normal, :func:`wiringup.nets.registry.build_model`) or a compression (``wc``, ``mixture_gaussian``,
``kernel_normal``, ``no_gabor``) sampled from the file of ``source`` (a fit name, or ``authors``);
``model`` overrides ``model.width`` / ``model.num_classes`` for this init only (e.g. full width); the switches
``copy_bn_stats``, ``zero_noise_1x1``, ``gabor_clip_to_bounds``, ``default_bn`` override
``weight_compression.sampler``. The built-in ``kn`` is the config's model with the KN init.
"""
from __future__ import annotations

import copy
from typing import Any, Mapping

from wiringup.core.io import WiringupError

METHODS = ("kn", "wc", "mixture_gaussian", "kernel_normal", "no_gabor")
ALTERNATIVES = ("mixture_gaussian", "kernel_normal", "no_gabor")
SAMPLER_SWITCHES = ("copy_bn_stats", "zero_noise_1x1", "gabor_clip_to_bounds", "default_bn")
SAMPLER_DEFAULTS = {"copy_bn_stats": True, "zero_noise_1x1": True, "gabor_clip_to_bounds": False, "default_bn": []}
AUTHORS = "authors"
FIT_DEFAULTS = {"k_per_layer": {}, "k_range": [2, 15], "gabor_components": None, "gabor_niter": 8, "seed": 0}
ALTERNATIVE_DEFAULTS = {"second_layer_gabor_niter": 0, "second_layer_components": 1,
                        "weight_gmm_components": {"V2.conv2": 5, "V4.conv2": 8, "IT.conv2": 4},
                        "weight_gmm_max_points": 50_000, "weight_gmm_n_init": 1}
AUTHORS_DEFAULTS = {"path": "geiger2022/wc_distributions", "it_conv2": "plain", "gabor_components": 4, "seed": 0}


def _wc(config: Mapping[str, Any]) -> dict[str, Any]:
    return dict(config.get("weight_compression") or {})


def fits(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Fit name -> its settings with defaults filled in."""
    out = {}
    for name, spec in (_wc(config).get("fits") or {}).items():
        if name == AUTHORS:
            raise WiringupError("config key weight_compression.fits.authors: 'authors' is reserved for the "
                                "authors' files (weight_compression.authors); choose another fit name")
        s = {**copy.deepcopy(FIT_DEFAULTS), **copy.deepcopy(dict(spec))}
        s["alternatives"] = {**copy.deepcopy(ALTERNATIVE_DEFAULTS), **dict(spec.get("alternatives") or {})}
        if "checkpoint" not in s:
            raise WiringupError(f"config key weight_compression.fits.{name}.checkpoint is missing: the model id "
                                "of the trained checkpoint to compress (e.g. standard/nall_seed0/epoch_03)")
        out[name] = s
    return out


def authors(config: Mapping[str, Any]) -> dict[str, Any]:
    return {**AUTHORS_DEFAULTS, **dict(_wc(config).get("authors") or {})}


def inits(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Init name -> {method, source, model, sampler switches} (validated; ``kn`` built in)."""
    wc = _wc(config)
    sampler = {**SAMPLER_DEFAULTS, **dict(wc.get("sampler") or {})}
    known_fits = fits(config)
    out = {"kn": {"method": "kn", "source": None, "model": {}}}
    for name, spec in (wc.get("inits") or {}).items():
        key = f"weight_compression.inits.{name}"
        if name == "kn":
            raise WiringupError(f"config key {key}: 'kn' is the built-in Kaiming-Normal init; choose another name")
        spec = dict(spec)
        method = spec.get("method")
        if method not in METHODS:
            raise WiringupError(f"config key {key}.method: {method!r} is not one of {list(METHODS)}")
        model = dict(spec.get("model") or {})
        s = {"method": method, "source": spec.get("source"), "model": model}
        if method != "kn":
            src = s["source"]
            if src != AUTHORS and src not in known_fits:
                raise WiringupError(f"config key {key}.source: {src!r} is neither 'authors' nor a fit of "
                                    f"weight_compression.fits ({sorted(known_fits)})")
            if src == AUTHORS and method in ALTERNATIVES:
                raise WiringupError(f"config key {key}: the {method} compression needs trained weights; the "
                                    "authors ship only WC distributions, so its source must be a fit")
            for switch in SAMPLER_SWITCHES:
                s[switch] = copy.deepcopy(spec.get(switch, sampler[switch]))
        out[name] = s
    return out


def wc_file(config: Mapping[str, Any], init: str) -> str | None:
    """The distributions file an init samples from (None for KN)."""
    spec = inits(config).get(init)
    if spec is None:
        raise WiringupError(f"unknown init {init!r}; known: {sorted(inits(config))} (config key "
                            "weight_compression.inits)")
    if spec["method"] == "kn":
        return None
    if spec["source"] == AUTHORS:
        return "results/wc/authors/distributions.npz"
    stem = "distributions" if spec["method"] == "wc" else spec["method"]
    return f"results/wc/{spec['source']}/{stem}.npz"


def init_model_config(config: Mapping[str, Any], init: str) -> dict[str, Any]:
    """The params of rule init_model: the model config of this init (arch, width, num_classes) and, for sampled
    inits, ``sampling`` (method, file, switches). For ``kn`` exactly the config's model (arch, width,
    num_classes), so adding inits never reruns existing KN models."""
    m = config["model"]
    base = {"arch": m["arch"], "width": m.get("width", 1.0), "num_classes": m.get("num_classes", 1000)}
    spec = inits(config).get(init)
    if spec is None:
        raise WiringupError(f"unknown init {init!r} (results/models/init/{init}/...): define it under "
                            f"weight_compression.inits (known: {sorted(inits(config))})")
    base.update({k: v for k, v in spec["model"].items() if k in ("width", "num_classes")})
    if spec["method"] != "kn":
        base["sampling"] = {"method": spec["method"], "source": spec["source"], "file": wc_file(config, init),
                            **{k: spec[k] for k in SAMPLER_SWITCHES}}
    return base


def score_input_size(config: Mapping[str, Any], model_id: str) -> int:
    """Input size model ``model_id`` is scored at: ``weight_compression.inits.<name>.model.input_size`` for the
    models at birth ``init/<name>/seed<S>`` of such an init (experiment (b): full-size CORnet-S sampled from the
    authors' files, scored at the paper's 224 px), otherwise ``model.input_size``. The init model itself does not
    depend on it (:func:`init_model_config`), so changing it rescores without rebuilding."""
    parts = model_id.split("/")
    if len(parts) == 3 and parts[0] == "init":
        spec = ((_wc(config).get("inits") or {}).get(parts[1]) or {})
        size = (spec.get("model") or {}).get("input_size")
        if size is not None:
            return int(size)
    return int(config["model"].get("input_size", 224))


def at_birth(config: Mapping[str, Any]) -> dict[str, Any]:
    ab = dict(_wc(config).get("at_birth") or {})
    control = ab.get("control", "kn")
    seeds = [int(s) for s in ab.get("seeds", [0, 1])]
    per = dict(ab.get("seeds_per_init") or {})
    compare = {k: [int(s) for s in per.get(k, seeds)] for k in (ab.get("compare") or [])}
    known = inits(config)
    for name in [control, *compare]:
        if name not in known:
            raise WiringupError(f"config key weight_compression.at_birth: {name!r} is not an init (known: "
                                f"{sorted(known)})")
    for name, s in [(control, seeds), *compare.items()]:
        if len(s) < 2:
            raise WiringupError(f"config key weight_compression.at_birth: {name!r} has {len(s)} seed(s); a test "
                                "over seeds needs at least 2 per group")
    return {"control": control, "seeds": seeds, "compare": compare}


def comparisons(config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The at-birth comparisons of rule wc_stats: each compared init against the control."""
    ab = at_birth(config)
    return [{"name": f"{init}_vs_{ab['control']}_at_birth", "a": {"init": init, "seeds": seeds},
             "b": {"init": ab["control"], "seeds": ab["seeds"]}} for init, seeds in ab["compare"].items()]


def at_birth_models(config: Mapping[str, Any]) -> list[str]:
    """Model ids (under results/models) of every at-birth model the comparisons need (for SCORED_MODELS)."""
    ab = at_birth(config)
    ids = [f"init/{ab['control']}/seed{s}" for s in ab["seeds"]] if ab["compare"] else []
    for init, seeds in ab["compare"].items():
        ids += [f"init/{init}/seed{s}" for s in seeds]
    return list(dict.fromkeys(ids))


def authors_test(config: Mapping[str, Any]) -> dict[str, Any]:
    """Experiment (b): the authors' full-size WC against full-size KN at birth (target wc_authors_test)."""
    t = dict(_wc(config).get("authors_test") or {})
    out = {"init": t.get("init", "wc_authors"), "control": t.get("control", "kn_full"),
           "seeds": [int(s) for s in t.get("seeds", list(range(10)))], "regions": list(t.get("regions", ["V4"]))}
    known = inits(config)
    for key in ("init", "control"):
        if out[key] not in known:
            raise WiringupError(f"config key weight_compression.authors_test.{key}: {out[key]!r} is not an init "
                                f"(known: {sorted(known)})")
    if len(out["seeds"]) < 2:
        raise WiringupError("config key weight_compression.authors_test.seeds: at least 2 seeds")
    return out


def authors_test_models(config: Mapping[str, Any]) -> list[str]:
    t = authors_test(config)
    return [f"init/{t['init']}/seed{s}" for s in t["seeds"]] + [f"init/{t['control']}/seed{s}" for s in t["seeds"]]


def method_inits(config: Mapping[str, Any]) -> dict[str, list[str]]:
    """Compression method -> the init names sampled with it (for Fig. 7: at-birth and trained rows)."""
    out: dict[str, list[str]] = {}
    for name, spec in inits(config).items():
        out.setdefault(spec["method"], []).append(name)
    return out


def figure_fit(config: Mapping[str, Any]) -> str | None:
    """The WC file Fig. 2B draws: the source of the first compared init of method wc, else the first fit."""
    ab = at_birth(config)
    spec = inits(config)
    for name in ab["compare"]:
        if spec[name]["method"] == "wc":
            return wc_file(config, name)
    names = list(fits(config))
    return f"results/wc/{names[0]}/distributions.npz" if names else None


#: CORnet-S conv layers in model order (the authors' file names follow them).
CORNET_S_CONVS = ("V1.conv1", "V1.conv2") + tuple(f"{a}.{c}" for a in ("V2", "V4", "IT")
                                                 for c in ("conv_input", "skip", "conv1", "conv2", "conv3"))
_IT_CONV2 = {"plain": "cluster_IT.conv2.pkl", "comp8": "cluster_IT.conv2_comp8.pkl"}


def authors_files(config: Mapping[str, Any]) -> list[str]:
    """The authors' files rule import_wc reads (paths under data_root), so a changed file reruns it."""
    import os

    a = authors(config)
    if a["it_conv2"] not in _IT_CONV2:
        raise WiringupError(f"config key weight_compression.authors.it_conv2: {a['it_conv2']!r} is not one of "
                            f"{sorted(_IT_CONV2)}")
    root = os.path.join(config["data_root"], a["path"])
    names = ["gm_gabor_V1.conv1.npy"] + [_IT_CONV2[a["it_conv2"]] if n == "IT.conv2" else f"cluster_{n}.pkl"
                                         for n in CORNET_S_CONVS[1:]]
    return [os.path.join(root, n) for n in names]
