"""The transfer part of the DAG (paper Sec. 7, Fig. 5) as data, torch-free: the transfer architectures, their
at-birth inits and trained variants, the models scored, the checks of config key ``transfer``.

Vocabulary (the one definition; :mod:`wiringup.wc.transfer` builds and samples the models)::

    arch      resnet50 | mobilenet_v1                          (TRANSFER_ARCHS; CORnet-S is the WC source)
    kind      kn | wc: the at-birth init of a transfer model   (INIT_KINDS; checkpoint meta ``init``)
    init      <arch>_<kind>: results/models/init/<init>/seed<S>.pt      (init_name)
    variant   <arch>_<name>, name standard | kn_ct | wc_ct     (VARIANT_KINDS: name -> (kind, trained set))
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from wiringup.core.io import WiringupError
from wiringup.plan.ids import birth_id, checkpoint_id, epoch_label

#: The architectures wiringup.wc.transfer defines (besides CORnet-S, the source of every WC distribution).
TRANSFER_ARCHS = ("resnet50", "mobilenet_v1")
#: At-birth initialisations of a transfer model: ``kn`` (the architecture's default Kaiming-normal init) or ``wc``
#: (sampled from CORnet-S WC distributions through the paper's layer mapping).
INIT_KINDS = ("kn", "wc")
#: Named trained-layer conditions of the transfer variants (variant ``<arch>_<name>`` in the config):
#: name -> (init kind, trained-set label in the score table vocabulary).
VARIANT_KINDS = {"standard": ("kn", "all"), "kn_ct": ("kn", "ct"), "wc_ct": ("wc", "ct")}
#: The WC source that is the authors' files (rule import_wc) rather than a fit of weight_compression.fits.
AUTHORS = "authors"


def init_name(arch: str, kind: str) -> str:
    """The at-birth model name of ``arch`` with init ``kind`` (``results/models/init/<name>/seed<S>.pt``)."""
    if arch not in TRANSFER_ARCHS:
        raise WiringupError(f"unknown transfer architecture {arch!r}; known: {list(TRANSFER_ARCHS)}")
    if kind not in INIT_KINDS:
        raise WiringupError(f"unknown transfer init {kind!r}; known: {list(INIT_KINDS)}")
    return f"{arch}_{kind}"


def init_arch(init: str) -> str:
    """The architecture a variant trains, from its init's name: ``<arch>_<kind>`` of a transfer arch, else CORnet-S."""
    for arch in TRANSFER_ARCHS:
        if init in (f"{arch}_{kind}" for kind in INIT_KINDS):
            return arch
    return "cornet_s"


@dataclass(frozen=True)
class TransferPlan:
    """Every decision of config key ``transfer`` (empty ``archs``: transfer is off)."""

    known_archs = TRANSFER_ARCHS         # the wildcards of rule transfer_init: tarch, tkind
    init_kinds = INIT_KINDS
    archs: dict[str, float]             # arch -> channel multiplier, in config order
    num_classes: int
    width: dict[str, Any]               # transfer.width as configured (archs not listed: 1.0)
    sampling: dict[str, Any]            # transfer.sampling: the WC sampler's switches
    wc_file: str                        # the WC distributions the wc inits are sampled from
    variant_kinds: dict[str, str]       # variant <arch>_<name> -> name: the rows of Fig. 5
    schedule: dict[str, Any]            # {variants, epochs, labels} of rule train_transfer
    models: list[str] = field(default_factory=list)   # model ids scored

    def model(self, arch: str) -> dict[str, Any]:
        """Params ``model`` of rule transfer_init: the architecture at its configured width."""
        return {"arch": arch, "width": float(self.width.get(arch, 1.0)), "num_classes": self.num_classes}

    def sampling_of(self, kind: str) -> dict[str, Any]:
        """Params ``sampling`` of rule transfer_init: the sampler's switches for ``wc``, nothing for ``kn``."""
        return self.sampling if kind == "wc" else {}


def plan(config: Mapping[str, Any], wc_fits: Mapping[str, Any]) -> TransferPlan:
    """The transfer plan of a validated config; ``wc_fits`` are the WC fit names (``transfer.wc`` must be one of
    them or ``authors``). Bad input stops here, naming the key."""
    t = config["transfer"]
    width = t["width"]
    archs = {a: float(width.get(a, 1.0)) for a in t["archs"]}
    variants = config["variants"]
    kinds = {f"{a}_{k}": k for a in archs for k in t["variants"]}
    for v, k in kinds.items():
        init = init_name(v[: -len(k) - 1], VARIANT_KINDS[k][0])
        if v not in variants:
            raise WiringupError(f"config key transfer.variants: {k!r} needs the variant {v!r} in `variants` "
                                f"(init {init}; see config/config.yaml)")
        if variants[v]["init"] != init:
            raise WiringupError(f"config key variants.{v}.init: {variants[v]['init']!r}, expected {init!r}")
    if archs and ("wc" in t["at_birth"] or "wc_ct" in t["variants"]) and t["wc"] != AUTHORS \
            and t["wc"] not in wc_fits:
        raise WiringupError(f"config key transfer.wc: {t['wc']!r} is neither `authors` nor a fit of "
                            f"weight_compression.fits ({sorted(wc_fits)})")
    epochs = sorted({float(e) for e in t["epochs"] if float(e) > 0})
    models = [birth_id(f"{a}_{k}", s) for a in archs for k in t["at_birth"] for s in t["seeds"]]
    models += [checkpoint_id(v, t["images"], s, e) for v in kinds for s in t["seeds"] for e in epochs]
    return TransferPlan(
        archs=archs, num_classes=config["model"]["num_classes"], width=width, sampling=t["sampling"],
        wc_file=f"results/wc/{t['wc']}/distributions.npz", variant_kinds=kinds,
        schedule={"variants": list(kinds), "epochs": epochs, "labels": [epoch_label(e) for e in epochs]},
        models=models)
