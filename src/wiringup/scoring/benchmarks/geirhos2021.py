"""Benchmark family ``geirhos2021``: human 16-way decisions on Geirhos et al.'s (2019) cue-conflict, edge and
silhouette images, scored as Brain-Score's Geirhos2021 error consistency or Hermann2020 shape bias (region
``behavior``).

Data (the folder ``geirhos2019_cueconflict``, see its README): ``trials.csv`` (16,000 human trials: ``experiment,
subj, session, trial, rt, object_response, category, condition, imagename, stimulus``; 10 subjects per experiment,
each answering every image once, ``na`` = no answer) and ``stimuli/`` (224 px RGB; the cue-conflict images are JPEG
re-encodes of the upstream PNGs, so scores are close to, not identical with, those on the originals).

Benchmarks (:func:`load_geirhos2021`, own keys ``experiment`` and ``metric``), with Brain-Score's ids:

``Geirhos2021cueconflict-error_consistency`` / ``Geirhos2021edge-error_consistency`` /
``Geirhos2021silhouette-error_consistency`` (``metric="error_consistency"``)
    Brain-Score's error consistency (Cohen's kappa of correct/incorrect patterns, model vs each subject) divided by
    its inter-subject ceiling (the same kappa over all subject pairs: 0.331, 0.318, 0.476), clipped to [0, 1];
    truth = the shape class (cue conflict) or the object class. Stimuli at 3 deg on the model's 8 deg field.
``Hermann2020cueconflict-shape_bias`` (``experiment="cue-conflict", metric="shape_bias"``)
    The fraction of shape decisions among shape-or-texture decisions on the 1,200 images whose shape and texture
    classes differ. As in Brain-Score its ceiling is 1, so **score = the model's shape bias itself** (higher = more
    shape-driven), not a similarity to humans; the pooled human shape bias (0.959) is reported beside it
    (``human_shape_bias``, and ``human_distance`` = |model - human|).

Metrics: :mod:`wiringup.scoring.error_consistency`; how a model makes its 16-way decision (Brain-Score's mapping of
1000 ImageNet logits, or a logistic readout on the behaviour layer fitted on the other experiments' images for
models without 1000 ImageNet outputs): :mod:`wiringup.scoring.behavior`, whose :func:`score_geirhos2021` is this
family's ``SCORER``. Packaging: :func:`to_dataset` / :func:`from_dataset` (one netCDF4 file, attr ``family =
"geirhos2021"``, the stimuli's encoded bytes inside, so decoded pixels equal the loader's).
"""
from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from wiringup.core.io import WiringupError, atomic_path
from wiringup.scoring.benchmarks.assembly import read_packaged
from wiringup.scoring.behavior import score_geirhos2021
from wiringup.scoring.error_consistency import CHOICE_LABELS_16, error_consistency_ceiling, shape_bias

FAMILY = "geirhos2021"
FAMILY_VERSION = 1
#: experiment name -> the ``experiment`` value (raw-data folder) in trials.csv
EXPERIMENTS = {"cue-conflict": "style-transfer-512-nomask-experiment", "edge": "edge-experiment",
               "silhouette": "silhouette-filled-experiment"}
METRICS = ("error_consistency", "shape_bias")
CEILING_SCHEMES = {"error_consistency": "inter_subject", "shape_bias": "unit"}
NO_ANSWER = "na"
IMAGE_DEGREES = 3.0  # the visual size Brain-Score's Geirhos2021 benchmarks give the stimuli
TRIAL_COLUMNS = ("experiment", "subj", "object_response", "category", "condition", "stimulus")
_CONFLICT_RE = re.compile(r"^([a-z]+)(\d+)-([a-z]+)(\d+)$")
SCORER = score_geirhos2021

GEIRHOS_CITATION = (
    "Geirhos, R., Rubisch, P., Michaelis, C., Bethge, M., Wichmann, F. A. & Brendel, W. (2019). ImageNet-trained "
    "CNNs are biased towards texture; increasing shape bias improves accuracy and robustness. ICLR. Brain-Score "
    "benchmark: Geirhos, R., Narayanappa, K., Mitzkus, B., Thieringer, T., Bethge, M., Wichmann, F. A. & Brendel, W. "
    "(2021). Partial success in closing the gap between human and machine vision. NeurIPS. Data: "
    "github.com/rgeirhos/texture-vs-shape (stimuli CC BY 4.0).")
HERMANN_CITATION = ("Hermann, K., Chen, T. & Kornblith, S. (2020). The origins and prevalence of texture bias in "
                    "convolutional neural networks. NeurIPS. " + GEIRHOS_CITATION)


def benchmark_id(experiment: str, metric: str) -> str:
    """Brain-Score's id of a benchmark of this family."""
    if metric == "shape_bias":
        return "Hermann2020cueconflict-shape_bias"
    return f"Geirhos2021{experiment.replace('-', '')}-error_consistency"


@dataclass
class Geirhos2021Data:
    """One benchmark: the scored images, the human answers (``human_answers``: subject x stimulus, ``na`` = no
    answer), the truth (shape class for cue conflict) and texture class per image (``""`` outside cue conflict),
    and the images a readout is fitted on (``fit_*``, labelled with their true class; see
    :mod:`wiringup.scoring.behavior`). ``image_bytes`` / ``fit_bytes`` keep the files' encoded bytes for lossless
    packaging (None: images are stored as PNG)."""

    benchmark_id: str
    region: str
    description: str
    citation: str
    experiment: str
    metric: str
    stimulus_ids: list[str]
    images: list[Image.Image]
    truth: list[str]
    texture: list[str]
    conditions: list[str]
    subjects: list[str]
    human_answers: np.ndarray
    fit_ids: list[str] = field(default_factory=list)
    fit_images: list[Image.Image] = field(default_factory=list)
    fit_labels: list[str] = field(default_factory=list)
    image_bytes: list[bytes] | None = None
    fit_bytes: list[bytes] | None = None
    image_degrees: float = IMAGE_DEGREES
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        where = f"benchmark {self.benchmark_id!r}"
        if self.experiment not in EXPERIMENTS or self.metric not in METRICS:
            raise WiringupError(f"{where}: experiment {self.experiment!r} / metric {self.metric!r} unknown; use "
                                f"{sorted(EXPERIMENTS)} / {METRICS}")
        if self.metric == "shape_bias" and self.experiment != "cue-conflict":
            raise WiringupError(f"{where}: shape bias needs the cue-conflict experiment, not {self.experiment!r}")
        self.human_answers = np.asarray(self.human_answers, dtype=object)
        n = len(self.stimulus_ids)
        lengths = {"images": len(self.images), "truth": len(self.truth), "texture": len(self.texture),
                   "conditions": len(self.conditions)}
        if any(v != n for v in lengths.values()) or self.human_answers.shape != (len(self.subjects), n):
            raise WiringupError(f"{where}: {n} stimulus ids but {lengths}, human answers {self.human_answers.shape} "
                                f"for {len(self.subjects)} subjects; they must match")
        if not (len(self.fit_ids) == len(self.fit_images) == len(self.fit_labels)):
            raise WiringupError(f"{where}: readout-fitting ids, images and labels differ in number")
        for what, vals, allowed in (("truth", self.truth, CHOICE_LABELS_16),
                                    ("fit label", self.fit_labels, CHOICE_LABELS_16),
                                    ("human answer", self.human_answers.ravel(), (*CHOICE_LABELS_16, NO_ANSWER))):
            bad = sorted(set(map(str, vals)) - set(allowed))
            if bad:
                raise WiringupError(f"{where}: {what} {bad[:3]} not among the 16 categories"
                                    f"{' (or na)' if what == 'human answer' else ''}")
        if len(set(self.stimulus_ids)) != n or len(set(self.subjects)) != len(self.subjects):
            raise WiringupError(f"{where}: stimulus ids and subjects must be unique")

    @property
    def n_stimuli(self) -> int:
        return len(self.stimulus_ids)

    @property
    def ceiling_scheme(self) -> str:
        return CEILING_SCHEMES[self.metric]

    def ceiling(self) -> dict[str, Any]:
        """Error consistency: Brain-Score's inter-subject ceiling; shape bias: 1 (Brain-Score's Hermann2020)."""
        if self.metric == "shape_bias":
            return {"ceiling": 1.0, "error": None, "reason": "Brain-Score's Hermann2020 ceiling is 1: the score is "
                    "the model's shape bias itself"}
        out = error_consistency_ceiling(self.human_answers, self.truth, self.conditions)
        return {**out, "reason": None}

    def human_shape_bias(self) -> float | None:
        """The pooled human shape bias (all subjects' answers); None outside cue conflict."""
        if self.experiment != "cue-conflict":
            return None
        return float(shape_bias(self.human_answers, self.truth, self.texture)["shape_bias"])

    def subset(self, indices: Any) -> "Geirhos2021Data":
        """The same benchmark on the stimuli ``indices`` only (same readout-fitting images); ``meta['subset']``."""
        idx = [int(i) for i in indices]
        if not idx or len(set(idx)) != len(idx) or min(idx) < 0 or max(idx) >= self.n_stimuli:
            raise WiringupError(f"benchmark {self.benchmark_id!r}: subset indices must be distinct, within "
                                f"0..{self.n_stimuli - 1}")
        pick = lambda seq: None if seq is None else [seq[i] for i in idx]  # noqa: E731
        return dataclasses.replace(
            self, stimulus_ids=pick(self.stimulus_ids), images=pick(self.images), truth=pick(self.truth),
            texture=pick(self.texture), conditions=pick(self.conditions), human_answers=self.human_answers[:, idx],
            image_bytes=pick(self.image_bytes), meta={**self.meta, "subset": idx})

    def summary(self) -> dict[str, Any]:
        ceil = self.ceiling()
        return {"benchmark_id": self.benchmark_id, "description": self.description, "citation": self.citation,
                "region": self.region, "n_stimuli": self.n_stimuli, "n_neuroids": None,
                "n_subjects": len(self.subjects), "n_trials": int(self.human_answers.size),
                "n_no_answer": int((self.human_answers == NO_ANSWER).sum()), "experiment": self.experiment,
                "metric": self.metric, "ceiling": ceil["ceiling"], "ceiling_error": ceil["error"],
                "ceiling_reason": ceil["reason"], "ceiling_scheme": self.ceiling_scheme,
                "human_shape_bias": self.human_shape_bias(), "n_readout_fit_images": len(self.fit_ids),
                "image_degrees": self.image_degrees}


def _read_trials(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise WiringupError(f"{path}: file not found; the Geirhos data folder needs its trials.csv")
    try:
        with path.open(newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in TRIAL_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise WiringupError(f"{path}: missing column(s) {missing}; expected at least {list(TRIAL_COLUMNS)}")
            rows = list(reader)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise WiringupError(f"{path}: not a readable CSV file ({exc})") from None
    if not rows:
        raise WiringupError(f"{path}: holds no trials")
    return rows


def _read_image(root: Path, rel: str, trials: Path) -> tuple[bytes, Image.Image]:
    path = root / rel
    if not path.is_file():
        raise WiringupError(f"{trials}: stimulus {rel} not found under {root}")
    raw = path.read_bytes()
    try:
        with Image.open(io.BytesIO(raw)) as img:
            return raw, img.convert("RGB")
    except Exception as exc:  # noqa: BLE001 -- any decode failure is a data problem
        raise WiringupError(f"{path}: not a readable image ({exc})") from None


def _experiment_table(rows: list[dict[str, str]], experiment: str, trials: Path) -> dict[str, Any]:
    """Stimuli (sorted ids), their truth/condition/path, and the (subject, stimulus) answers of one experiment."""
    name = EXPERIMENTS[experiment]
    rows = [r for r in rows if r["experiment"] == name]
    if not rows:
        raise WiringupError(f"{trials}: no trials of experiment {name!r} ({experiment})")
    stim: dict[str, tuple[str, str, str]] = {}
    answers: dict[tuple[str, str], str] = {}
    for i, r in enumerate(rows):
        sid, where = Path(r["stimulus"]).stem, f"{trials}: {name} trial of {r['subj']} on {r['stimulus']}"
        if r["category"] not in CHOICE_LABELS_16 or r["object_response"] not in (*CHOICE_LABELS_16, NO_ANSWER):
            raise WiringupError(f"{where}: category {r['category']!r} / object_response {r['object_response']!r} is "
                                "not one of the 16 categories (or na for no answer)")
        if stim.setdefault(sid, (r["category"], r["condition"], r["stimulus"])) != (r["category"], r["condition"],
                                                                                  r["stimulus"]):
            raise WiringupError(f"{where}: stimulus {sid} appears with different category, condition or path")
        if (r["subj"], sid) in answers:
            raise WiringupError(f"{where}: a second trial of this subject on this stimulus (one per subject expected)")
        answers[(r["subj"], sid)] = r["object_response"]
    subjects, ids = sorted({s for s, _ in answers}), sorted(stim)
    if len(answers) != len(subjects) * len(ids):
        raise WiringupError(f"{trials}: in {name}, {len(subjects)} subjects x {len(ids)} stimuli but {len(answers)} "
                            "trials; every subject must answer every stimulus once")
    if len(subjects) < 2:
        raise WiringupError(f"{trials}: {name} has {len(subjects)} subject; the ceiling needs at least 2")
    return {"ids": ids, "truth": [stim[s][0] for s in ids], "conditions": [stim[s][1] for s in ids],
            "paths": [stim[s][2] for s in ids], "subjects": subjects,
            "answers": np.array([[answers[(s, i)] for i in ids] for s in subjects], dtype=object)}


def _textures(ids: list[str], truth: list[str], trials: Path) -> list[str]:
    textures = []
    for sid, shape in zip(ids, truth):
        m = _CONFLICT_RE.match(sid)
        if m is None or m.group(1) != shape or m.group(3) not in CHOICE_LABELS_16:
            raise WiringupError(f"{trials}: cue-conflict stimulus {sid!r} is not named <shape><i>-<texture><j> with "
                                f"shape = its category {shape!r} and a texture among the 16 categories")
        textures.append(m.group(3))
    return textures


def load_geirhos2021(path: Path, region: str | None = "behavior", experiment: str = "cue-conflict",
                     metric: str = "error_consistency") -> Geirhos2021Data:
    """Load one benchmark from the Geirhos data folder (``trials.csv`` + ``stimuli/``; module docstring).

    ``experiment``: ``cue-conflict``, ``edge`` or ``silhouette``; ``metric``: ``error_consistency`` or
    ``shape_bias`` (cue conflict only). The readout-fitting images are the other two experiments' images with
    their true class (``category``; the shape class for cue conflict), never a human answer.
    """
    root = Path(path)
    if region not in (None, "behavior"):
        raise WiringupError(f"{root}: the Geirhos2021 benchmarks are behavioural; set the region to 'behavior', not "
                            f"{region!r}")
    if experiment not in EXPERIMENTS or metric not in METRICS:
        raise WiringupError(f"{root}: unknown experiment {experiment!r} or metric {metric!r}; use one of "
                            f"{sorted(EXPERIMENTS)} and {METRICS}")
    if metric == "shape_bias" and experiment != "cue-conflict":
        raise WiringupError(f"{root}: shape bias is defined on the cue-conflict experiment only, not {experiment!r}")
    if not root.is_dir():
        raise WiringupError(f"{root}: data folder not found; point the benchmark path at geirhos2019_cueconflict")
    trials = root / "trials.csv"
    rows = _read_trials(trials)
    table = _experiment_table(rows, experiment, trials)
    texture = _textures(table["ids"], table["truth"], trials) if experiment == "cue-conflict" else \
        [""] * len(table["ids"])
    loaded = [_read_image(root, p, trials) for p in table["paths"]]
    fit_ids, fit_labels, fit_loaded = [], [], []
    for other in (e for e in EXPERIMENTS if e != experiment):
        t = _experiment_table(rows, other, trials)
        fit_ids += [f"{other}/{s}" for s in t["ids"]]
        fit_labels += t["truth"]
        fit_loaded += [_read_image(root, p, trials) for p in t["paths"]]
    bid = benchmark_id(experiment, metric)
    n_na = int((table["answers"] == NO_ANSWER).sum())
    what = (f"error consistency (Cohen's kappa of correct/incorrect, Brain-Score's metric) with "
            f"{len(table['subjects'])} subjects, divided by the inter-subject ceiling"
            if metric == "error_consistency" else
            "shape bias (Hermann et al. 2020: shape / (shape + texture) decisions on the images whose cues differ; "
            "ceiling 1, score = the model's shape bias, human 0.959)")
    description = (f"{bid}: 16-way decisions on the {len(table['ids'])} {experiment} images of Geirhos et al. "
                   f"(2019), {table['answers'].size} human trials ({n_na} without answer); {what}. Models without "
                   f"1000 ImageNet outputs decide by a logistic readout fitted on the {len(fit_ids)} images of the "
                   "other experiments." + (" Cue-conflict images are JPEG re-encodes of the upstream PNGs."
                                            if experiment == "cue-conflict" else ""))
    return Geirhos2021Data(
        benchmark_id=bid, region="behavior", description=description,
        citation=HERMANN_CITATION if metric == "shape_bias" else GEIRHOS_CITATION, experiment=experiment,
        metric=metric, stimulus_ids=table["ids"], images=[im for _, im in loaded], truth=table["truth"],
        texture=texture, conditions=table["conditions"], subjects=table["subjects"], human_answers=table["answers"],
        fit_ids=fit_ids, fit_images=[im for _, im in fit_loaded], fit_labels=fit_labels,
        image_bytes=[b for b, _ in loaded], fit_bytes=[b for b, _ in fit_loaded],
        meta={"trials_file": str(trials), "experiment_folder": EXPERIMENTS[experiment]})


# ---------------------------------------------------------------------------------------------------- packaging

def _encoded(images: list[Image.Image], raw: list[bytes] | None) -> list[bytes]:
    if raw is not None:
        return raw
    out = []
    for img in images:
        buf = io.BytesIO()
        img.convert("RGB").save(buf, format="PNG")
        out.append(buf.getvalue())
    return out


def _byte_vars(prefix: str, dim: str, blobs: list[bytes]) -> dict[str, Any]:
    lengths = np.array([len(b) for b in blobs], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    data = np.frombuffer(b"".join(blobs), dtype=np.uint8) if blobs else np.zeros(0, np.uint8)
    return {f"{prefix}_bytes": (f"{prefix}_byte", data), f"{prefix}_offset": (dim, offsets),
            f"{prefix}_length": (dim, lengths)}


def _decode(ds: Any, prefix: str, where: str) -> tuple[list[bytes], list[Image.Image]]:
    data = ds[f"{prefix}_bytes"].values.tobytes()
    blobs = [data[o:o + n] for o, n in zip(ds[f"{prefix}_offset"].values, ds[f"{prefix}_length"].values)]
    try:
        images = [Image.open(io.BytesIO(b)).convert("RGB") for b in blobs]
    except Exception as exc:  # noqa: BLE001
        raise WiringupError(f"{where}: {prefix} bytes do not decode to images ({exc}); package it again") from None
    return blobs, images


def to_dataset(data: Geirhos2021Data) -> Any:
    """The benchmark as one xarray Dataset (attr ``family`` = ``geirhos2021``; the encoded image bytes inside)."""
    import xarray as xr

    from wiringup.scoring.benchmarks.assembly import ASSEMBLY_FORMAT, ASSEMBLY_VERSION

    obj = lambda v: np.asarray(v, dtype=object)  # noqa: E731
    variables = {"human_answer": (("subject", "stimulus"), data.human_answers.astype(object)),
                 **_byte_vars("stimulus", "stimulus", _encoded(data.images, data.image_bytes)),
                 **_byte_vars("fit", "fit_stimulus", _encoded(data.fit_images, data.fit_bytes))}
    coords = {"stimulus": obj(data.stimulus_ids), "subject": obj(data.subjects), "truth": ("stimulus", obj(data.truth)),
              "texture": ("stimulus", obj(data.texture)), "condition": ("stimulus", obj(data.conditions)),
              "fit_stimulus": obj(data.fit_ids), "fit_label": ("fit_stimulus", obj(data.fit_labels))}
    attrs = {"format": ASSEMBLY_FORMAT, "version": ASSEMBLY_VERSION, "family": FAMILY,
             "family_version": FAMILY_VERSION, "benchmark_id": data.benchmark_id, "region": data.region,
             "description": data.description, "citation": data.citation, "experiment": data.experiment,
             "metric": data.metric, "image_degrees": float(data.image_degrees),
             "stimuli_storage": "inside: the encoded image files (stimulus_bytes / fit_bytes, sliced by *_offset and "
                                "*_length), decoded to RGB on load",
             "meta_json": json.dumps(data.meta, sort_keys=True, default=str)}
    return xr.Dataset(variables, coords=coords, attrs=attrs)


def from_dataset(ds: Any, where: str = "dataset") -> Geirhos2021Data:
    """The :class:`Geirhos2021Data` a :func:`to_dataset` Dataset holds."""
    if ds.attrs.get("family") != FAMILY or int(ds.attrs.get("family_version", -1)) != FAMILY_VERSION:
        raise WiringupError(f"{where}: not a packaged {FAMILY} benchmark of version {FAMILY_VERSION} (family "
                            f"{ds.attrs.get('family')!r}, version {ds.attrs.get('family_version')!r}); package it "
                            "again")
    missing = [v for v in ("human_answer", "stimulus_bytes", "fit_bytes", "truth", "fit_label") if v not in ds]
    if missing:
        raise WiringupError(f"{where}: variables {missing} are missing; package the benchmark again")
    image_bytes, images = _decode(ds, "stimulus", where)
    fit_bytes, fit_images = _decode(ds, "fit", where)
    strs = lambda name: [str(v) for v in ds[name].values]  # noqa: E731
    a = ds.attrs
    return Geirhos2021Data(
        benchmark_id=str(a["benchmark_id"]), region=str(a["region"]), description=str(a["description"]),
        citation=str(a["citation"]), experiment=str(a["experiment"]), metric=str(a["metric"]),
        stimulus_ids=strs("stimulus"), images=images, truth=strs("truth"),
        texture=[v if isinstance(v, str) else "" for v in ds["texture"].values],  # netCDF may read "" back as NaN
        conditions=strs("condition"), subjects=strs("subject"),
        human_answers=ds["human_answer"].transpose("subject", "stimulus").values.astype(str).astype(object),
        fit_ids=strs("fit_stimulus"), fit_images=fit_images, fit_labels=strs("fit_label"), image_bytes=image_bytes,
        fit_bytes=fit_bytes, image_degrees=float(a["image_degrees"]), meta=json.loads(a["meta_json"]))


def package_geirhos2021(data: Geirhos2021Data, out_path: str | Path) -> Path:
    """Write :func:`to_dataset` to one netCDF4 file (temporary name, renamed into place); returns the path."""
    out_path = Path(out_path)
    with atomic_path(out_path) as tmp:
        to_dataset(data).to_netcdf(tmp, engine="netcdf4", format="NETCDF4")
    return out_path


def load_packaged_geirhos2021(path: str | Path, region: str | None = None) -> Geirhos2021Data:
    """Read a file written by :func:`package_geirhos2021`; ``region``, when given, must be ``behavior``."""
    path = Path(path)
    ds = read_packaged(path, 'write it with package_geirhos2021')
    data = from_dataset(ds, where=str(path))
    if region is not None and region != data.region:
        raise WiringupError(f"{path}: holds region {data.region!r}, but the config asks for {region!r}")
    return data
