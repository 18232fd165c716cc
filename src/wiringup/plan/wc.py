"""The Weight Compression part of the DAG as data (torch-free, unit-tested): which WC files exist, how each
at-birth init is made, which models are scored and compared (:func:`plan`, part of :func:`wiringup.plan.build`),
from the config key ``weight_compression`` of a validated config (documented in config/config.yaml and the schema,
whose defaults are the only defaults).

Files::

    results/wc/<fit>/distributions.npz      rule fit_wc: WC fitted to one of this run's checkpoints
    results/wc/<fit>/<method>.npz            rule fit_wc_alternatives: the Fig. 7 alternatives of that checkpoint
    results/wc/<authors>/distributions.npz   rule import_wc: the authors' published distributions (``authors``,
                                             and each of ``weight_compression.authors.refits``)
    results/models/init/<init>/seed<S>.pt    rule init_model: a model at birth (``kn`` or a configured init)

An *init* (``weight_compression.inits.<name>``) is ``{method, source, model, <sampler switches>}``: ``method``
``kn`` (Kaiming Normal, :func:`wiringup.nets.registry.build_model`) or a compression (``wc``, ``mixture_gaussian``,
``kernel_normal``, ``no_gabor``) sampled from the file of ``source`` (a fit name, or ``authors``);
``model`` overrides ``model.width`` / ``model.num_classes`` for this init only (e.g. full width); the switches
``copy_bn_stats``, ``zero_noise_1x1``, ``gabor_clip_to_bounds``, ``default_bn`` override
``weight_compression.sampler``; ``bn`` (:data:`BN_TREATMENTS`) is a BatchNorm treatment applied after sampling
(:mod:`wiringup.wc.bn`). The built-in ``kn`` is the config's model with the KN init.

Experiment (b) (:func:`authors_test`) is a set of *arms*: each a pair (init, control) with one ``bn`` treatment; an
arm whose treatment is not its inits' own uses derived inits ``<init>_bn_<treatment>`` (:func:`arm_inits`), so
arm ``none`` keeps the plain inits' models and every treated model is its own file.
"""
from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from typing import Any, Mapping

from wiringup.core.io import WiringupError
from wiringup.plan.ids import birth_id, birth_init, model_path, model_slice

#: The compressions of paper Fig. 7 (App. B.3; AUTHORS_CODE_FACTS.md §3.5–3.6): ``wc`` and the alternatives
#: (:mod:`wiringup.wc.alternatives`); an init's method is one of them or ``kn``.
ALTERNATIVES = ("mixture_gaussian", "kernel_normal", "no_gabor")
COMPRESSIONS = ("wc",) + ALTERNATIVES
METHODS = ("kn",) + COMPRESSIONS
#: The sampler's switches; their defaults (the authors' sampler) are :func:`wiringup.wc.sample.sample_model`'s.
SAMPLER_SWITCHES = ("copy_bn_stats", "zero_noise_1x1", "gabor_clip_to_bounds", "default_bn")
SAMPLER_DEFAULTS = {"copy_bn_stats": True, "zero_noise_1x1": True, "gabor_clip_to_bounds": False, "default_bn": []}
AUTHORS = "authors"
#: BatchNorm treatments applied after sampling or building (config ``bn`` of an init or an arm; :mod:`wiringup.wc.bn`):
#: ``none`` (as sampled: the authors' files carry no BN, so PyTorch defaults), ``reestimate`` (running statistics
#: re-estimated from unlabelled images, ``weight_compression.bn_reestimate``), ``batch_stats`` (batch statistics at
#: eval, PyTorch < 1.6 with track_running_stats=False).
BN_TREATMENTS = ("none", "reestimate", "batch_stats")
#: Defaults of the WC fit (:func:`wiringup.wc.fit.fit_wc`): the k range of the elbow rule (inclusive) and the
#: basin-hopping steps per Gabor fit (:mod:`wiringup.wc.gabor`; the authors ran 15).
K_RANGE = (2, 15)
GABOR_NITER = 8
#: Mixture sizes of the authors' weight-mixture layers (Mixture Gaussian, §3.6: V2 5, IT 4 components). V4's 8
#: is not in the facts: it is the only value that gives the paper's 428,114 parameters (App. B.3) with the
#: others, so we take it (the authors' search range was BIC over 1..8).
AUTHORS_WEIGHT_GMM_COMPONENTS: dict[str, int] = {"V2.conv2": 5, "V4.conv2": 8, "IT.conv2": 4}
#: Mixture size of the Gabor prior of the second layer (V1.conv2) under Mixture Gaussian / Kernel normal: 1, the
#: only value that gives the paper's 433,735 and 428,114 parameters (one 640-d full-covariance component).
AUTHORS_SECOND_LAYER_GABOR_COMPONENTS = 1
#: Mixture size of the first layer's Gabor prior in the paper (App. B.1; BIC chose 4).
PAPER_GABOR_COMPONENTS = 4
#: Weight mixtures (:mod:`wiringup.wc.alternatives`) are fitted on at most this many kernel slices (seeded
#: subsample), with this many restarts.
WEIGHT_GMM_MAX_POINTS = 50_000
WEIGHT_GMM_N_INIT = 1
#: Key order of a fit's settings and of its alternatives (the params of rules fit_wc and fit_wc_alternative;
#: the values, defaults included, are the validated config's).
FIT_KEYS = ("k_per_layer", "k_range", "gabor_components", "gabor_niter", "seed")
ALTERNATIVE_KEYS = ("second_layer_gabor_niter", "second_layer_components", "weight_gmm_components",
                    "weight_gmm_max_points", "weight_gmm_n_init")
AUTHORS_KEYS = ("path", "it_conv2", "gabor_components", "seed")


def _wc(config: Mapping[str, Any]) -> dict[str, Any]:
    return config["weight_compression"]


def fits(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Fit name -> its settings (:data:`FIT_KEYS` first) and its alternatives' settings."""
    out = {}
    for name, spec in _wc(config)["fits"].items():
        if name == AUTHORS:
            raise WiringupError("config key weight_compression.fits.authors: 'authors' is reserved for the "
                                "authors' files (weight_compression.authors); choose another fit name")
        s = copy.deepcopy({**{k: spec[k] for k in FIT_KEYS}, **spec})
        s["alternatives"] = {k: s["alternatives"][k] for k in ALTERNATIVE_KEYS}
        if "checkpoint" not in s:
            raise WiringupError(f"config key weight_compression.fits.{name}.checkpoint is missing: the model id "
                                "of the trained checkpoint to compress (e.g. standard/nall_seed0/epoch_03)")
        out[name] = s
    return out


def authors(config: Mapping[str, Any]) -> dict[str, Any]:
    """Params ``authors`` of rule import_wc for ``results/wc/authors/`` (the section's own settings)."""
    return {k: _wc(config)["authors"][k] for k in AUTHORS_KEYS}


def authors_sources(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Source name -> params ``authors`` of rule import_wc: ``authors`` and each of ``authors.refits`` (the same
    files imported with some settings overridden, e.g. ``authors_bic: {gabor_components: null}``)."""
    base = authors(config)
    out = {AUTHORS: base}
    for name, over in (_wc(config)["authors"].get("refits") or {}).items():
        key = f"weight_compression.authors.refits.{name}"
        if name == AUTHORS or name in _wc(config)["fits"]:
            raise WiringupError(f"config key {key}: {name!r} is already a WC source (authors or a fit); rename it")
        bad = sorted(set(over) - set(AUTHORS_KEYS) - {"path"})
        if bad:
            raise WiringupError(f"config key {key}: unknown key(s) {bad}; allowed {list(AUTHORS_KEYS[1:])}")
        out[name] = {**base, **over}
    return out


def inits(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Init name -> {method, source, model, sampler switches} (validated; ``kn`` built in)."""
    wc = _wc(config)
    sampler = wc["sampler"]
    known_fits = fits(config)
    out = {"kn": {"method": "kn", "source": None, "model": {}}}
    for name, spec in wc["inits"].items():
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
            sources = authors_sources(config)
            if src not in sources and src not in known_fits:
                raise WiringupError(f"config key {key}.source: {src!r} is neither an import of the authors' files "
                                    f"({sorted(sources)}) nor a fit of weight_compression.fits ({sorted(known_fits)})")
            if src in sources and method in ALTERNATIVES:
                raise WiringupError(f"config key {key}: the {method} compression needs trained weights; the "
                                    "authors ship only WC distributions, so its source must be a fit")
            for switch in SAMPLER_SWITCHES:  # the init's own switch, else weight_compression.sampler's
                s[switch] = copy.deepcopy(spec[switch] if switch in spec else sampler[switch])
        s["bn"] = _bn_treatment(spec.get("bn", "none"), f"{key}.bn")
        out[name] = s
    out["kn"]["bn"] = "none"
    return out


def _bn_treatment(value: Any, key: str) -> str:
    if value not in BN_TREATMENTS:
        raise WiringupError(f"config key {key}: {value!r} is not one of {list(BN_TREATMENTS)}")
    return value


def arm_init_name(init: str, bn: str) -> str:
    """The derived init of experiment (b)'s arm that gives ``init`` the BatchNorm treatment ``bn``."""
    return f"{init}_bn_{bn}"


def arm_inits(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The derived inits of the arms of experiment (b): ``<init>_bn_<treatment>`` -> the init's spec with that
    treatment (``derived_from`` names the init). An arm whose treatment is its inits' own derives nothing."""
    known = inits(config)
    out: dict[str, dict[str, Any]] = {}
    for arm, spec in _wc(config)["authors_test"]["arms"].items():
        bn = _bn_treatment(spec["bn"], f"weight_compression.authors_test.arms.{arm}.bn")
        for role in ("init", "control"):
            base = spec[role]
            if base not in known:
                raise WiringupError(f"config key weight_compression.authors_test.arms.{arm}.{role}: {base!r} is not "
                                    f"an init (known: {sorted(known)})")
            if known[base]["bn"] == bn:
                continue
            name = arm_init_name(base, bn)
            derived = {**copy.deepcopy(known[base]), "bn": bn, "derived_from": base}
            if name in known:
                raise WiringupError(f"config key weight_compression.authors_test.arms.{arm}: its derived init {name!r} "
                                    "is also a configured init; rename that init")
            out[name] = derived
    return out


def all_inits(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """:func:`inits` and the arms' derived inits (:func:`arm_inits`): every init rule init_model can make."""
    return {**inits(config), **arm_inits(config)}


def wc_file(config: Mapping[str, Any], init: str) -> str | None:
    """The distributions file an init samples from (None for KN)."""
    spec = all_inits(config).get(init)
    if spec is None:
        raise WiringupError(f"unknown init {init!r}; known: {sorted(all_inits(config))} (config key "
                            "weight_compression.inits)")
    if spec["method"] == "kn":
        return None
    if spec["source"] in authors_sources(config):
        return f"results/wc/{spec['source']}/distributions.npz"
    stem = "distributions" if spec["method"] == "wc" else spec["method"]
    return f"results/wc/{spec['source']}/{stem}.npz"


def init_model_config(config: Mapping[str, Any], init: str) -> dict[str, Any]:
    """The params of rule init_model: the model config of this init (arch, width, num_classes) and, for sampled
    inits, ``sampling`` (method, file, switches); with a BatchNorm treatment other than ``none``, ``bn``
    (:func:`bn_params`). For ``kn`` exactly the config's model (arch, width, num_classes), so adding inits never
    reruns existing KN models (nor does treatment ``none`` add a key)."""
    base = model_slice(config)
    spec = all_inits(config).get(init)
    if spec is None:
        raise WiringupError(f"unknown init {init!r} (results/models/init/{init}/...): define it under "
                            f"weight_compression.inits (known: {sorted(all_inits(config))})")
    base.update({k: v for k, v in spec["model"].items() if k in ("width", "num_classes")})
    if spec["method"] != "kn":
        base["sampling"] = {"method": spec["method"], "source": spec["source"], "file": wc_file(config, init),
                            **{k: spec[k] for k in SAMPLER_SWITCHES}}
    if spec["bn"] != "none":
        base["bn"] = bn_params(config, spec)
    return base


def bn_params(config: Mapping[str, Any], spec: Mapping[str, Any]) -> dict[str, Any]:
    """The ``bn`` entry of rule init_model's params for an init ``spec`` with a BatchNorm treatment:
    ``batch_stats``: the mode; ``reestimate``: also the unlabelled images (the first ``images`` of the training
    manifest ``results/manifests/train_n<images>.tsv``, i.e. of the seeded subset imagenet.subset_seed, labels
    unused), their folder, the batch size, and the input size they pass at (the init's scoring size)."""
    if spec["bn"] != "reestimate":
        return {"mode": spec["bn"]}
    r = _wc(config)["bn_reestimate"]
    n = int(r["images"])
    size = int(spec["model"].get("input_size", config["model"]["input_size"]))
    return {"mode": "reestimate", "images": n, "batch_size": int(r["batch_size"]), "input_size": size,
            "manifest": f"results/manifests/train_n{n}.tsv", "data_root": config["data_root"],
            "imagenet_root": config["imagenet"]["root"]}


def score_input_size(config: Mapping[str, Any], model_id: str) -> int:
    """Input size model ``model_id`` is scored at: ``weight_compression.inits.<name>.model.input_size`` for the
    models at birth ``init/<name>/seed<S>`` of such an init (experiment (b): full-size CORnet-S sampled from the
    authors' files, scored at the paper's 224 px), otherwise ``model.input_size``. The init model itself does not
    depend on it (:func:`init_model_config`), so changing it rescores without rebuilding."""
    init = birth_init(model_id)
    if init is not None:
        spec = all_inits(config).get(init) or {}
        size = (spec.get("model") or {}).get("input_size")
        if size is not None:
            return int(size)
    return int(config["model"]["input_size"])


def at_birth(config: Mapping[str, Any]) -> dict[str, Any]:
    """The at-birth comparisons' groups: the control and its seeds, each compared init and its seeds."""
    ab = _wc(config)["at_birth"]
    control = ab["control"]
    seeds = [int(s) for s in ab["seeds"]]
    per = ab["seeds_per_init"]
    compare = {k: [int(s) for s in per.get(k, seeds)] for k in ab["compare"]}
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
    """Model ids (under results/models) of every at-birth model the comparisons need (scored)."""
    ab = at_birth(config)
    ids = [birth_id(ab["control"], s) for s in ab["seeds"]] if ab["compare"] else []
    for init, seeds in ab["compare"].items():
        ids += [birth_id(init, s) for s in seeds]
    return list(dict.fromkeys(ids))


def authors_test(config: Mapping[str, Any]) -> dict[str, Any]:
    """Experiment (b) (target wc_authors_test): per arm, full-size WC sampled from the authors' files against
    full-size KN at birth, both with the arm's BatchNorm treatment. ``arms``: name -> {init, control, bn, and the
    configured ``base_init`` / ``base_control``}, where init/control are the (derived) inits its models are made
    as; ``regions``: the configured list, or null = scoring.predictivity_regions (those scored are tested)."""
    t = _wc(config)["authors_test"]
    seeds = [int(s) for s in t["seeds"]]
    if len(seeds) < 2:
        raise WiringupError("config key weight_compression.authors_test.seeds: at least 2 seeds")
    from wiringup.plan.scoring import plan as scoring_plan

    scoring = scoring_plan(config)
    benches = authors_test_benchmarks(config, scoring)
    if t["regions"] is not None:
        regions = t["regions"]
    else:   # the regions of brain predictivity that the tested benchmarks cover
        covered = {scoring.region(b) for b in benches}
        regions = [r for r in config["scoring"]["predictivity_regions"] if r in covered]
    if not t["arms"]:
        raise WiringupError("config key weight_compression.authors_test.arms: at least one arm")
    derived = arm_inits(config)   # validates the arms' inits and treatments
    known = inits(config)
    arms = {}
    for arm, spec in t["arms"].items():
        if not arm.replace("_", "").isalnum():
            raise WiringupError(f"config key weight_compression.authors_test.arms.{arm}: an arm name may hold only "
                                "letters, digits and _ (it names files)")
        a = {"bn": spec["bn"], "base_init": spec["init"], "base_control": spec["control"]}
        for role in ("init", "control"):
            base = spec[role]
            a[role] = base if known[base]["bn"] == spec["bn"] else arm_init_name(base, spec["bn"])
            assert a[role] in known or a[role] in derived
        arms[arm] = a
    return {"seeds": seeds, "regions": list(regions), "benchmarks": benches, "arms": arms}


def authors_test_benchmarks(config: Mapping[str, Any], scoring: Any = None) -> list[str]:
    """The benchmarks experiment (b)'s models are scored on (rule score_authors_test): every benchmark a model
    without a classifier is scored on, restricted, with the local backend, to ``authors_test.benchmarks`` (ids of
    ``scoring.benchmarks``; one switched off there with ``enabled: false`` is scored nowhere, so not here either;
    null = no restriction). With ``scoring.backend: brainscore`` the list does not apply (its ids are local ones),
    so switching the backend needs no other change. ``scoring``: the config's ScoringPlan, if already built."""
    from wiringup.plan.scoring import TOP1, plan as scoring_plan

    allowed = (scoring or scoring_plan(config)).baseline_benchmarks
    chosen = _wc(config)["authors_test"]["benchmarks"]
    if chosen is None or config["scoring"]["backend"] != "local":
        return list(allowed)
    key = "config key weight_compression.authors_test.benchmarks"
    if not chosen:
        raise WiringupError(f"{key}: empty; list at least one benchmark, or null for all of them")
    local = {b for b, d in config["scoring"]["benchmarks"].items() if d.get("type") != TOP1}
    bad = [b for b in chosen if b not in local]
    if bad:
        raise WiringupError(f"{key}: {bad} are not benchmarks an untrained model is scored on (the neural and "
                            f"behavioural ones of scoring.benchmarks: {sorted(local)}); fix the ids")
    out = [b for b in allowed if b in chosen]   # the scoring order, each once
    if not out:
        raise WiringupError(f"{key}: every one of {list(chosen)} has enabled: false under scoring.benchmarks; "
                            "enable one, or set this key to null")
    return out


def authors_test_arm(config: Mapping[str, Any], arm: str) -> dict[str, Any]:
    """Params ``test`` of experiment (b)'s per-arm rules: {arm, init, control, bn, seeds, regions, ...}."""
    t = authors_test(config)
    if arm not in t["arms"]:
        raise WiringupError(f"unknown arm {arm!r} of weight_compression.authors_test.arms ({sorted(t['arms'])})")
    return {"arm": arm, **t["arms"][arm], "seeds": t["seeds"], "regions": t["regions"]}


def authors_test_models(config: Mapping[str, Any], arm: str | None = None) -> list[str]:
    """Model ids of experiment (b): of one arm, or of every arm (each model once)."""
    t = authors_test(config)
    arms = [arm] if arm is not None else list(t["arms"])
    ids = []
    for name in arms:
        a = authors_test_arm(config, name)
        ids += [birth_id(a["init"], s) for s in t["seeds"]] + [birth_id(a["control"], s) for s in t["seeds"]]
    return list(dict.fromkeys(ids))


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
#: The authors' IT.conv2 cluster files (``weight_compression.authors.it_conv2``; :mod:`wiringup.wc.authors`).
AUTHORS_IT_CONV2_FILES = {"plain": "cluster_IT.conv2.pkl", "comp8": "cluster_IT.conv2_comp8.pkl"}


def authors_files(config: Mapping[str, Any], source: str = AUTHORS) -> list[str]:
    """The authors' files rule import_wc reads for ``source`` (paths under data_root), so a changed file reruns it."""
    a = authors_sources(config)[source]
    if a["it_conv2"] not in AUTHORS_IT_CONV2_FILES:
        raise WiringupError(f"config key weight_compression.authors.it_conv2: {a['it_conv2']!r} is not one of "
                            f"{sorted(AUTHORS_IT_CONV2_FILES)}")
    root = os.path.join(config["data_root"], a["path"])
    it_conv2 = AUTHORS_IT_CONV2_FILES[a["it_conv2"]]
    names = ["gm_gabor_V1.conv1.npy"] + [it_conv2 if n == "IT.conv2" else f"cluster_{n}.pkl"
                                         for n in CORNET_S_CONVS[1:]]
    return [os.path.join(root, n) for n in names]


@dataclass(frozen=True)
class WcPlan:
    """Every decision of config key ``weight_compression`` (:func:`plan`)."""

    alternative_methods = ALTERNATIVES         # the Fig. 7 alternatives (rule fit_wc_alternative's `method`)
    fits: dict[str, dict[str, Any]]            # fit name -> settings (rules fit_wc, fit_wc_alternative)
    inits: dict[str, dict[str, Any]]           # init name -> {method, source, model, switches} (kn built in)
    init_params: dict[str, dict[str, Any]]     # init name -> params `model` of rule init_model
    init_files: dict[str, str | None]          # init name -> the WC file it samples from (None: KN)
    comparisons: list[dict[str, Any]]          # rule wc_stats
    at_birth: dict[str, Any]                   # the comparisons' groups (Fig. 2C, 7)
    method_inits: dict[str, list[str]]         # compression method -> its inits (Fig. 7)
    figure_fit: str | None                     # the WC file Fig. 2B draws
    models: list[str]                          # model ids scored for the comparisons
    authors: dict[str, Any]                    # params `authors` of rule import_wc (results/wc/authors)
    authors_files: list[str]                   # the files rule import_wc reads
    authors_sources: dict[str, dict[str, Any]]  # import name (authors, refits) -> params `authors` of import_wc
    authors_test: dict[str, Any]               # experiment (b): seeds, regions, benchmarks, arms
    authors_test_models: list[str]             # its models at birth (every arm)
    input_sizes: dict[str, int]                # init name -> the input size its models are scored at, if its own
    input_size: int                            # model.input_size
    authors_source_files: dict[str, list[str]]  # import name -> the files it reads
    authors_test_arms: dict[str, dict[str, Any]]  # arm -> params `test` of experiment (b)'s per-arm rules
    arm_models: dict[str, list[str]]           # arm -> its models at birth

    def init_model_params(self, init: str) -> dict[str, Any]:
        if init not in self.init_params:
            raise WiringupError(f"unknown init {init!r} (results/models/init/{init}/...): define it under "
                                f"weight_compression.inits (known: {sorted(self.init_params)})")
        return self.init_params[init]

    def init_inputs(self, init: str) -> dict[str, str]:
        """Inputs of rule init_model: the WC file a sampled init reads, the manifest a ``reestimate`` init reads."""
        out = {"wc": self.init_files[init]} if self.init_files.get(init) else {}
        bn = (self.init_params.get(init) or {}).get("bn") or {}
        if bn.get("manifest"):
            out["manifest"] = bn["manifest"]
        return out

    def fit_checkpoint(self, fit: str) -> str:
        """The checkpoint a fit compresses."""
        return model_path(self.fits[fit]["checkpoint"])

    def score_input_size(self, model_id: str) -> int:
        """Input size a model is scored at (:func:`score_input_size`)."""
        return self.input_sizes.get(birth_init(model_id), self.input_size)


def plan(config: Mapping[str, Any]) -> WcPlan:
    """The WC plan of a validated config; bad input stops here, naming the key."""
    known = inits(config)
    every = all_inits(config)   # with experiment (b)'s derived inits
    sources = authors_sources(config)
    test = authors_test(config)
    return WcPlan(
        fits=fits(config), inits=known, init_params={i: init_model_config(config, i) for i in every},
        init_files={i: wc_file(config, i) for i in every}, comparisons=comparisons(config),
        at_birth=at_birth(config), method_inits=method_inits(config), figure_fit=figure_fit(config),
        models=at_birth_models(config), authors=authors(config), authors_files=authors_files(config),
        authors_sources=sources, authors_test=test, authors_test_models=authors_test_models(config),
        input_sizes={i: int(s["model"]["input_size"]) for i, s in every.items() if "input_size" in s["model"]},
        input_size=int(config["model"]["input_size"]),
        authors_source_files={n: authors_files(config, n) for n in sources},
        authors_test_arms={a: authors_test_arm(config, a) for a in test["arms"]},
        arm_models={a: authors_test_models(config, a) for a in test["arms"]})
