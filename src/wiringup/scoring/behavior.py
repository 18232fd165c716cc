"""16-way behavioural decisions of a model on Geirhos et al.'s stimuli, and their scores (:func:`score_geirhos2021`).

**How a model decides** (``decision``):

* ``"imagenet"`` -- Brain-Score's own mapping, for models with **1000 ImageNet outputs** in the ILSVRC-2012 class
  order (sorted synsets, the order ``torchvision``/Brain-Score use): the model's last module is read as logits
  (Brain-Score's ``logits`` layer, the last leaf of the module tree), softmax over the 1000 classes, the
  probabilities of the ImageNet classes of each of the 16 categories averaged (Brain-Score's
  ``LabelToImagenetIndices``, Geirhos et al. 2021's mapping; :data:`IMAGENET_16_INDICES`), the category with the
  largest mean chosen (``LabelBehavior.logits_to_choice``). We subtract the row maximum before the exponential
  (Brain-Score does not; the result is the same unless Brain-Score's float32 ``exp`` overflows, at logits > 88).
* ``"readout"`` -- for models **without** 1000 ImageNet outputs (e.g. the embedded default's 10-class Imagenette
  CORnet-S, at-birth models of any head, the pixel baseline): a logistic readout on the behaviour layer
  (``REGION_LAYERS[arch]["behavior"]``, e.g. ``decoder.avgpool-t0``), the classifier of Brain-Score's
  ``ProbabilitiesMapping`` (``StandardScaler`` then multinomial ``LogisticRegression(C=1e-3, solver="newton-cg")``),
  fitted on the benchmark's **readout-fitting images** labelled with their true class: for each experiment, the
  images of the two *other* experiments of the same data folder (cue conflict: the 160 edge and 160 silhouette
  images; edge: the 160 silhouettes and the 1,280 cue-conflict images, labelled with their shape class;
  silhouette: likewise with the edges). No scored image and no human answer is used to fit it. Brain-Score has no
  such path for these benchmarks (``LabelBehavior`` refuses models without 1000 logits), so readout scores have
  no Brain-Score counterpart. Caveat: edges and silhouettes carry shape but no texture, so a readout fitted on
  them may favour shape-driven features; a readout's shape bias is not comparable with a logit shape bias.
* ``"auto"`` (default) -- ``"imagenet"`` when the model's last module has 1000 outputs, else ``"readout"``. A
  1000-output model trained on another label order must be scored with ``decision="readout"``.

Where a decision is impossible (``"imagenet"`` without 1000 outputs; ``"readout"`` without a behaviour layer or
fitting images) :func:`score_geirhos2021` raises :class:`~wiringup.core.io.WiringupError` naming the model and what
it would need.

**What the model sees.** Brain-Score's error-consistency benchmarks place each 3 deg stimulus on the model's 8 deg
field (``place_on_screen``: the 224 px image pasted at the centre of a 597 px gray canvas), then resize the canvas
to the model's input size; :func:`wiringup.scoring.screen.place_on_screen` does the same in memory (lazily, chunk by
chunk; readout-fitting images too). The
Hermann2020 shape-bias benchmark shows the stimuli as they are (no placement), and so do we.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
from PIL import Image

from wiringup.core.io import WiringupError
from wiringup.scoring.error_consistency import CHOICE_LABELS_16, error_consistency, shape_bias
from wiringup.scoring.screen import place_on_screen

if TYPE_CHECKING:  # torch only when a model is scored: the benchmark registry imports this module
    from torch import nn


#: ImageNet class indices (0-999) of each of the 16 categories: brainscore-vision's ``LabelToImagenetIndices``
#: (model_helpers/brain_transformation/behavior.py), i.e. model-vs-human's Geirhos et al. (2021) mapping.
IMAGENET_16_INDICES: dict[str, tuple[int, ...]] = {
    "airplane": (404,), "bear": (294, 295, 296, 297), "bicycle": (444, 671),
    "bird": (8, 10, 11, 12, 13, 14, 15, 16, 18, 19, 20, 22, 23, 24, 80, 81, 82, 83, 87, 88, 89, 90, 91, 92, 93, 94,
             95, 96, 98, 99, 100, 127, 128, 129, 130, 131, 132, 133, 135, 136, 137, 138, 139, 140, 141, 142, 143,
             144, 145),
    "boat": (472, 554, 625, 814, 914), "bottle": (440, 720, 737, 898, 899, 901, 907), "car": (436, 511, 817),
    "cat": (281, 282, 283, 284, 285, 286), "chair": (423, 559, 765, 857), "clock": (409, 530, 892),
    "dog": tuple([*range(152, 192), *range(193, 204), *range(205, 227), *range(228, 242), *range(243, 251),
                  *range(252, 258), 259, 261, 262, 263, *range(265, 269)]),
    "elephant": (385, 386), "keyboard": (508, 878), "knife": (499,), "oven": (766,),
    "truck": (555, 569, 656, 675, 717, 734, 864, 867),
}
DECISIONS = ("auto", "imagenet", "readout")


def imagenet_choices(logits: np.ndarray, labels: Sequence[str] = CHOICE_LABELS_16) -> list[str]:
    """Brain-Score's 16-way decision from 1000 ImageNet logits (stimulus, 1000): softmax, mean probability over each
    label's ImageNet classes, argmax (the first label on ties)."""
    x = np.asarray(logits, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 1000:
        raise WiringupError(f"imagenet_choices: need (stimulus, 1000) logits, got shape {x.shape}")
    p = np.exp(x - x.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    per_label = np.stack([p[:, list(IMAGENET_16_INDICES[label])].mean(axis=1) for label in labels], axis=1)
    return [labels[i] for i in per_label.argmax(axis=1)]


class _OnScreen(Sequence):
    """The images placed on screen lazily (image_features takes them in chunks; a 597 px canvas is 1 MB)."""

    def __init__(self, images: Sequence[Image.Image], source_degrees: float, target_degrees: float):
        self.images, self.source, self.target = images, source_degrees, target_degrees

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return place_on_screen(self.images[i], self.source, self.target)
        return place_on_screen([self.images[i]], self.source, self.target)[0]


def readout_choices(fit_features: np.ndarray, fit_labels: Sequence[str],
                    features: np.ndarray) -> tuple[list[str], float]:
    """Fit Brain-Score's ``ProbabilitiesMapping`` classifier (standardise, multinomial logistic regression, C=1e-3,
    newton-cg) on ``fit_features``/``fit_labels`` and pick the most probable label for each row of ``features``;
    returns (choices, accuracy on the fitting images)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    labels = np.asarray(fit_labels, dtype=object).astype(str)
    if len(set(labels)) < 2:
        raise WiringupError("readout: the fitting images must cover at least two classes")
    scaler = StandardScaler().fit(fit_features)
    clf = LogisticRegression(C=1e-3, solver="newton-cg").fit(scaler.transform(fit_features), labels)
    choices = clf.classes_[clf.predict_proba(scaler.transform(features)).argmax(axis=1)]
    fit_acc = float((clf.predict(scaler.transform(fit_features)) == labels).mean())
    return [str(c) for c in choices], fit_acc


def output_layer(model: nn.Module) -> str:
    """The name of Brain-Score's ``logits`` layer: the last leaf of the module tree (``decoder.output`` in CORnet-S)."""
    names, module = [], model
    while module._modules:
        name = next(reversed(module._modules))
        names.append(name)
        module = module._modules[name]
    if not names:
        raise WiringupError(f"model {type(model).__name__}: has no submodules, so there is no output layer to read")
    return ".".join(names)


def model_decisions(model: nn.Module, images: Sequence[Image.Image], input_size: int, *, decision: str = "auto",
                    layer: str | None = None, fit_images: Sequence[Image.Image] = (),
                    fit_labels: Sequence[str] = (), labels: Sequence[str] = CHOICE_LABELS_16, batch_size: int = 64,
                    device: str = "cpu", model_name: str | None = None) -> dict[str, Any]:
    """The model's 16-way choice for every image (see the module docstring for ``decision``)."""
    from wiringup.scoring.features import image_features, resolve_layer

    name = model_name or type(model).__name__
    if decision not in DECISIONS:
        raise WiringupError(f"unknown decision {decision!r}; use one of {DECISIONS}")
    out_layer = output_layer(model)
    kw = dict(batch_size=batch_size, device=device)
    n_out = int(image_features(model, images[:1], out_layer, input_size, **kw).shape[1])
    if decision == "auto":
        decision = "imagenet" if n_out == 1000 else "readout"
    if decision == "imagenet":
        if n_out != 1000:
            raise WiringupError(
                f"model {name}: its output layer {out_layer!r} has {n_out} outputs, but Brain-Score's 16-way decision "
                "maps 1000 ImageNet logits (ILSVRC-2012 class order) to the 16 categories; score a model with 1000 "
                "ImageNet outputs, or use decision='readout' with its behaviour layer")
        logits = image_features(model, images, out_layer, input_size, **kw)
        return {"choices": imagenet_choices(logits, labels), "decision": "imagenet", "layer": "logits",
                "output_layer": out_layer, "n_model_outputs": n_out, "readout_fit_accuracy": None,
                "n_readout_fit_images": 0}
    if layer is None or len(fit_images) == 0:
        needs = [what for what, missing in (("a behaviour layer (REGION_LAYERS[arch]['behavior'])", layer is None),
                                            ("readout-fitting images in the benchmark data", len(fit_images) == 0))
                 if missing]
        raise WiringupError(f"model {name}: has {n_out} outputs, not 1000 ImageNet logits, so its 16-way decision "
                            f"needs a logistic readout, which needs {' and '.join(needs)}")
    try:
        resolve_layer(model, layer)
    except WiringupError as exc:
        raise WiringupError(f"model {name}: behaviour readout layer: {exc}") from None
    bad = sorted(set(map(str, fit_labels)) - set(labels))
    if bad:
        raise WiringupError(f"readout: fitting labels {bad[:3]} are not among the choice labels")
    fit_features = image_features(model, fit_images, layer, input_size, **kw)
    features = image_features(model, images, layer, input_size, **kw)
    choices, fit_acc = readout_choices(fit_features, fit_labels, features)
    return {"choices": choices, "decision": "readout", "layer": layer, "output_layer": out_layer,
            "n_model_outputs": n_out, "readout_fit_accuracy": fit_acc, "n_readout_fit_images": len(fit_images),
            "n_features": int(features.shape[1])}


def score_geirhos2021(model: nn.Module, data: Any, layer: str | None, input_size: int,
                      batch_size: int = 64, device: str = "cpu", seed: int = 0, decision: str = "auto",
                      visual_degrees: float = 8.0, model_name: str | None = None) -> dict[str, Any]:
    """Score ``model`` on a Geirhos2021 behavioural benchmark (:mod:`wiringup.scoring.benchmarks.geirhos2021`).

    ``layer`` is the behaviour layer of the readout (used only when the decision is a readout); ``decision`` and
    ``visual_degrees`` (the model's field of view, 8 as in the paper's commitment) as in the module docstring.
    Error consistency: ``raw`` = Brain-Score's |mean kappa| over subjects, ``ceiling`` = the inter-subject one,
    ``score`` = raw / ceiling clipped to [0, 1] (``score_unbounded`` unclipped), ``error`` = raw error / ceiling,
    ``per_split`` = per-subject kappa / ceiling. Shape bias: ``score`` = ``raw`` = the model's shape bias
    (ceiling 1, as Brain-Score's Hermann2020 benchmark), ``human_shape_bias`` the pooled human value, ``error`` its
    binomial standard error. ``seed`` is recorded only (every step is deterministic).
    """
    t0 = time.perf_counter()
    on_screen = data.metric == "error_consistency"

    def shown(images: Sequence[Image.Image]) -> Sequence[Image.Image]:
        return _OnScreen(images, data.image_degrees, visual_degrees) if on_screen else images

    dec = model_decisions(model, shown(data.images), input_size, decision=decision, layer=layer,
                          fit_images=shown(data.fit_images), fit_labels=data.fit_labels, batch_size=batch_size,
                          device=device, model_name=model_name)
    choices = dec.pop("choices")
    out: dict[str, Any] = {"benchmark_id": data.benchmark_id, "region": data.region, **dec,
                           "n_stimuli": data.n_stimuli, "n_neuroids": None, "n_subjects": len(data.subjects),
                           "ceiling_scheme": data.ceiling_scheme, "seed": seed, "input_size": int(input_size),
                           "visual_degrees": visual_degrees, "image_degrees": data.image_degrees,
                           "on_screen": on_screen, "accuracy": float(np.mean(np.asarray(choices) ==
                                                                             np.asarray(data.truth)))}
    if data.metric == "error_consistency":
        m = error_consistency(choices, data.human_answers, data.truth, data.conditions)
        ceil = data.ceiling()
        c = ceil["ceiling"]
        ok = np.isfinite(m["raw"]) and np.isfinite(c) and c > 0
        unbounded = m["raw"] / c if ok else None
        out.update(score=None if unbounded is None else min(max(unbounded, 0.0), 1.0), score_unbounded=unbounded,
                   raw=m["raw"], ceiling=c, error=m["error"] / c if ok else None, raw_error=m["error"],
                   ceiling_error=ceil["error"], per_split=[v / c for v in m["per_subject"]] if ok else None,
                   raw_per_split=m["per_subject"],
                   score_reason=None if ok else f"undefined error consistency (raw {m['raw']}, ceiling {c}): the "
                   "model or the subjects are always right or always wrong")
    else:
        sb = shape_bias(choices, data.truth, data.texture)
        human = data.human_shape_bias()
        ok = np.isfinite(sb["shape_bias"])
        out.update(score=sb["shape_bias"] if ok else None, raw=sb["shape_bias"] if ok else None, ceiling=1.0,
                   error=sb["error"], per_split=None, shape_match=sb["shape_match"],
                   texture_match=sb["texture_match"], n_shape=sb["n_shape"], n_texture=sb["n_texture"],
                   human_shape_bias=human, human_distance=abs(sb["shape_bias"] - human) if ok else None,
                   score_reason=None if ok else "no decision matched the shape or the texture class")
    out.update(choices=list(choices), seconds=time.perf_counter() - t0)
    return out
