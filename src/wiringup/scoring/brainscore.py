"""The ``brainscore`` scoring backend: the paper's Brain-Score benchmarks, run through brainscore-vision 2.x.

Our model is wrapped the way the authors' CORnet commitment did it (AUTHORS_CODE_FACTS.md §1, §6):

* **Preprocessing** ``load_preprocess_images(image_size=input_size)``: resize the whole image to
  ``input_size`` x ``input_size`` (no crop), ``ToTensor``, ImageNet normalisation. Activations in eval mode.
* **Model commitment** brainscore-vision's ``ModelCommitment`` with an explicit ``region_layer_map`` (so no
  layer search, which would download the public benchmarks), 8 degrees of visual angle, and the behavioural
  readout (``ProbabilitiesMapping``, a logistic regression fitted on ``objectome.public``) on
  ``decoder.avgpool``. ImageNet top-1 reads the model's last module (``logits``), so it needs 1000 outputs.
* **Timesteps.** CORnet-S calls each area's Identity ``output`` once per timestep. brainscore-vision's
  ``PytorchWrapper`` hooks a module by name and keeps whatever the hook saw last, i.e. the LAST timestep
  (``V4.output`` -> t3). The authors' commitment read ``V4.output-t0``, the FIRST. :func:`brain_model` therefore
  uses a ``PytorchWrapper`` subclass that understands ``<module>-t<K>`` (as :mod:`wiringup.scoring.neural` does): the
  hook keeps the K-th call within one forward pass; a name without suffix means ``-t0``.

Scores: brainscore-vision 2.4.2's ``NeuralBenchmark`` returns ``explained_variance`` = raw**2 / ceiling, while
the Brain-Score of the paper (2019-2021) returned raw / ceiling (see :mod:`wiringup.scoring.neural`). For the four
neural benchmarks :func:`score_brainscore` reports ``score`` = raw / ceiling (the paper's number) and
``score_brainscore_2x`` = what brainscore-vision returned; for the behavioural benchmark (i2n, ceiled per split
by sqrt(ceiling)) and ImageNet top-1 the two are the same number.

Offline policy. ``load_benchmark`` would download assemblies and stimuli from S3 into BrainIO's cache
(``$BRAINIO_HOME``, default ``~/.brainio``; one folder per file, named by the file's SHA1:
``<cache>/<sha1>/assy_<identifier>.nc``, ``<cache>/<sha1>/stimulus_<identifier>.csv|.zip``, the zip unpacked
beside it). With ``allow_download=False`` (the default) :func:`required_cache_files` first lists the files a
benchmark needs, by calling the installed data plugins' registry entries with the S3 loaders replaced by
recorders (so the list always matches the installed brainscore-vision); a missing file is a
:class:`~wiringup.core.io.WiringupError` naming the benchmark, the folder and the config keys
(``scoring.brainscore.allow_download``, ``scoring.brainscore.cache_dir``). The benchmark is then loaded and
scored with every download entry point of BrainIO replaced by a local-only lookup, so nothing can reach the
network even if the list missed a file. ``allow_download=True`` calls brainscore's real ``load_benchmark``.
ImageNet-top1 is never downloaded: brainscore-vision reads the 50,000 validation images from the absolute
paths in its ``imagenet2012.csv`` (``/mnt/brainscore-ami/...``); pass ``imagenet_dir`` to read them elsewhere.

Other caches brainscore writes (all local): ``$RESULTCACHING_HOME`` (default ``~/.result_caching``: benchmark
ceilings keyed by benchmark identifier, FreemanZiemba assemblies, re-scaled stimulus sets, and activations when
``store_activations=True``) and ``$BRAINSCORE_HOME/stimuli_on_screen`` (default ``~/.brain-score``: stimuli
re-scaled to the model's visual degrees). Activation caching is off by default: it is keyed by the model
identifier, which does not change when the weights do; with ``store_activations=True`` a fingerprint of the
weights and the input size are added to the key. result_caching's shared S3 backend
(``RESULTCACHING_S3_BUCKET``) is switched off for the duration of an offline call.

:func:`score_local_through_brainscore` runs brainscore-vision's own ``load_metric('pls')`` and
``load_ceiling('internal_consistency')`` on a local :class:`~wiringup.scoring.benchmarks.NeuralData` benchmark, with
activations taken through :func:`brain_model`; that is how this backend is tested without any network.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence
from urllib.parse import urlparse

# Before anything can import brainscore_vision: never pip-install plugin requirements, never probe AWS metadata.
os.environ["BS_INSTALL_DEPENDENCIES"] = "no"
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from wiringup.scoring.benchmarks import NeuralData  # noqa: E402
from wiringup.core.io import WiringupError  # noqa: E402
from wiringup.scoring.neural import parse_layer, resolve_layer  # noqa: E402

log = logging.getLogger(__name__)

# ------------------------------------------------------------------------------------------- benchmarks

#: The paper's benchmarks under their brainscore-vision 2.x names (registered in
#: ``brainscore_vision/benchmarks/{freemanziemba2013,majajhong2015,rajalingham2018,imagenet}/__init__.py``),
#: each mapped to its region. The first six are what the paper reports (private data); the rest are the
#: public variants.
PAPER_BENCHMARKS: dict[str, str] = {
    "FreemanZiemba2013.V1-pls": "V1",
    "FreemanZiemba2013.V2-pls": "V2",
    "MajajHong2015.V4-pls": "V4",
    "MajajHong2015.IT-pls": "IT",
    "Rajalingham2018-i2n": "behavior",
    "ImageNet-top1": "imagenet",
    "FreemanZiemba2013public.V1-pls": "V1",
    "FreemanZiemba2013public.V2-pls": "V2",
    "MajajHong2015public.V4-pls": "V4",
    "MajajHong2015public.IT-pls": "IT",
    "Rajalingham2018public-i2n": "behavior",
}
PRIVATE_BENCHMARKS: tuple[str, ...] = tuple(list(PAPER_BENCHMARKS)[:6])
PUBLIC_BENCHMARKS: tuple[str, ...] = tuple(list(PAPER_BENCHMARKS)[6:])
#: The five benchmarks whose unweighted mean is the paper's brain predictivity (ImageNet is excluded).
BRAIN_BENCHMARKS: tuple[str, ...] = PRIVATE_BENCHMARKS[:5]

#: The identifiers the paper's Brain-Score (2020) used for the same benchmarks.
LEGACY_IDENTIFIERS: dict[str, str] = {
    "FreemanZiemba2013.V1-pls": "movshon.FreemanZiemba2013.V1-pls",
    "FreemanZiemba2013.V2-pls": "movshon.FreemanZiemba2013.V2-pls",
    "MajajHong2015.V4-pls": "dicarlo.Majaj2015.V4-pls",
    "MajajHong2015.IT-pls": "dicarlo.Majaj2015.IT-pls",
    "Rajalingham2018-i2n": "dicarlo.Rajalingham2018-i2n",
    "ImageNet-top1": "fei-fei.Deng2009-top1",
    "FreemanZiemba2013public.V1-pls": "movshon.FreemanZiemba2013public.V1-pls",
    "FreemanZiemba2013public.V2-pls": "movshon.FreemanZiemba2013public.V2-pls",
    "MajajHong2015public.V4-pls": "dicarlo.Majaj2015public.V4-pls",
    "MajajHong2015public.IT-pls": "dicarlo.Majaj2015public.IT-pls",
    "Rajalingham2018public-i2n": "dicarlo.Rajalingham2018public-i2n",
}

_PUBLIC_VARIANT: dict[str, str] = dict(zip(PRIVATE_BENCHMARKS[:5], PUBLIC_BENCHMARKS))

#: The data each benchmark loads (read from the benchmarks' code): data-registry names (assemblies, which pull
#: their stimulus set in) and extra stimulus sets (the i2n readout's fitting images).
_BENCHMARK_DATA: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "FreemanZiemba2013.V1-pls": (("FreemanZiemba2013.private",), ()),
    "FreemanZiemba2013.V2-pls": (("FreemanZiemba2013.private",), ()),
    "MajajHong2015.V4-pls": (("MajajHong2015.private",), ()),
    "MajajHong2015.IT-pls": (("MajajHong2015.private",), ()),
    "Rajalingham2018-i2n": (("Rajalingham2018.private",), ("objectome.public",)),
    "ImageNet-top1": ((), ()),
    "FreemanZiemba2013public.V1-pls": (("FreemanZiemba2013.public",), ()),
    "FreemanZiemba2013public.V2-pls": (("FreemanZiemba2013.public",), ()),
    "MajajHong2015public.V4-pls": (("MajajHong2015.public",), ()),
    "MajajHong2015public.IT-pls": (("MajajHong2015.public",), ()),
    "Rajalingham2018public-i2n": (("Rajalingham2018.public",), ("objectome.public",)),
}

NEURAL_REGIONS = ("V1", "V2", "V4", "IT")
DEFAULT_READOUT = "decoder.avgpool-t0"
CONFIG_ALLOW_DOWNLOAD = "scoring.brainscore.allow_download"
CONFIG_CACHE_DIR = "scoring.brainscore.cache_dir"
CONFIG_IMAGENET_DIR = "scoring.brainscore.imagenet_dir"


def _check_benchmark_id(benchmark_id: str) -> str:
    if benchmark_id not in PAPER_BENCHMARKS:
        raise WiringupError(
            f"unknown Brain-Score benchmark {benchmark_id!r}; the brainscore backend knows the paper's benchmarks: "
            f"{', '.join(PAPER_BENCHMARKS)}. Fix the benchmark id in the config")
    return PAPER_BENCHMARKS[benchmark_id]


# ---------------------------------------------------------------------------------------- brain model

@functools.lru_cache(maxsize=None)
def _wrapper_class() -> type:
    """A ``PytorchWrapper`` that reads ``<module>-t<K>`` layers at the K-th call (imported lazily: ~7 s)."""
    from brainscore_vision.model_helpers.activations.core import ActivationsExtractorHelper
    from brainscore_vision.model_helpers.activations.pytorch import PytorchWrapper

    class WiringupActivationsExtractor(ActivationsExtractorHelper):
        """Stores activations in result_caching only when asked to (the key ignores the weights)."""

        store_activations = False

        def from_paths(self, stimuli_paths, layers, stimuli_identifier=None, require_variance=None):
            if not self.store_activations:
                stimuli_identifier = None  # without a stimuli identifier brainscore computes uncached
            return super().from_paths(stimuli_paths=stimuli_paths, layers=layers,
                                      stimuli_identifier=stimuli_identifier, require_variance=require_variance)

    class TimestepPytorchWrapper(PytorchWrapper):
        """``PytorchWrapper`` whose layer names may carry a timestep: ``V4.output-t0`` = first call of
        ``V4.output`` in one forward pass, ``-t1`` the second, ...; no suffix means ``-t0``. ``logits`` is
        brainscore's name for the model's last module. The model's train/eval mode is restored after each
        batch (brainscore leaves it in eval mode)."""

        def _build_extractor(self, identifier, preprocessing, get_activations, *args, **kwargs):
            return WiringupActivationsExtractor(identifier=identifier, get_activations=get_activations,
                                                preprocessing=preprocessing, *args, **kwargs)

        @staticmethod
        def _split(layer_name: str) -> tuple[str, int]:
            return (layer_name, 0) if layer_name == "logits" else parse_layer(layer_name)

        def get_layer(self, layer_name):
            return super().get_layer(self._split(layer_name)[0])

        def register_hook(self, layer, layer_name, target_dict):
            _, t = self._split(layer_name)
            state = {"calls": 0}
            self._call_counts[layer_name] = state

            def hook(_module, _inputs, output, name=layer_name):
                call = state["calls"]
                state["calls"] = call + 1
                if call == t:
                    out = output[0] if isinstance(output, (tuple, list)) else output
                    target_dict[name] = out.detach().to("cpu").numpy().copy()

            return layer.register_forward_hook(hook)

        def get_activations(self, images, layer_names):
            self._call_counts = {}
            was_training = self._model.training
            try:
                results = super().get_activations(images, layer_names)
            finally:
                self._model.train(was_training)
            missing = [name for name in layer_names if name not in results]
            if missing:
                name = missing[0]
                calls = self._call_counts.get(name, {}).get("calls", 0)
                module, t = self._split(name)
                raise WiringupError(
                    f"layer {name!r}: module {module!r} was called {calls} time(s) in one forward pass, so "
                    f"timestep t{t} does not exist; use -t0 ... -t{max(calls - 1, 0)}")
            return type(results)((name, results[name]) for name in layer_names)

    TimestepPytorchWrapper._call_counts = {}
    return TimestepPytorchWrapper


def weights_fingerprint(model: nn.Module) -> str:
    """SHA1 (12 hex digits) over the model's state dict: names, shapes, dtypes and values."""
    digest = hashlib.sha1()
    for name, tensor in model.state_dict().items():
        t = tensor.detach().to("cpu").contiguous()
        digest.update(f"{name}:{tuple(t.shape)}:{t.dtype}".encode())
        digest.update(t.reshape(-1).numpy().tobytes() if t.dtype != torch.bfloat16
                      else t.reshape(-1).view(torch.int16).numpy().tobytes())
    return digest.hexdigest()[:12]


def _check_layers(model: nn.Module, region_layers: Mapping[str, str],
                  behavioral_readout_layer: str | None) -> tuple[dict[str, str], str | None]:
    """Validate every layer name against the model (no forward pass); returns (neural map, readout)."""
    neural = {str(k): str(v) for k, v in region_layers.items() if k != "behavior"}
    readout = behavioral_readout_layer or region_layers.get("behavior")
    if readout is None and "decoder.avgpool" in dict(model.named_modules()):
        readout = DEFAULT_READOUT
    for region, layer in neural.items():
        try:
            resolve_layer(model, layer)
        except WiringupError as exc:
            raise WiringupError(f"region_layers[{region!r}]: {exc}") from None
    if readout is not None:
        try:
            resolve_layer(model, readout)
        except WiringupError as exc:
            raise WiringupError(f"behavioural readout layer: {exc}") from None
    if not neural and readout is None:
        raise WiringupError("brain_model: region_layers maps no region to a layer and there is no behavioural "
                            "readout layer; give e.g. {'V4': 'V4.output-t0'}")
    return neural, readout


def brain_model(model: nn.Module, identifier: str, input_size: int, region_layers: Mapping[str, str],
                visual_degrees: float = 8, behavioral_readout_layer: str | None = None, *, batch_size: int = 64,
                store_activations: bool = False, device: str | None = None) -> Any:
    """Wrap ``model`` as a brainscore-vision ``ModelCommitment`` the way the authors' CORnet commitment did.

    ``region_layers`` maps Brain-Score regions (``V1``, ``V2``, ``V4``, ``IT``) to layers such as
    ``V4.output-t0`` (timestep suffix as in :mod:`wiringup.scoring.neural`); a ``behavior`` entry is taken as the
    behavioural readout layer unless ``behavioral_readout_layer`` is given (default ``decoder.avgpool-t0`` when
    the model has ``decoder.avgpool``). Every layer is checked against the model before anything runs.
    ``visual_degrees`` is the model's field of view (8 in the paper). ``store_activations`` lets brainscore
    cache activations in ``$RESULTCACHING_HOME`` under a key that includes a fingerprint of the weights and
    the input size. ``device`` defaults to brainscore's choice (CUDA when available); the model is moved there.
    """
    neural, readout = _check_layers(model, region_layers, behavioral_readout_layer)
    if int(input_size) < 8:
        raise WiringupError(f"brain_model: input_size {input_size} is too small; use e.g. 224 (the paper) or 64")

    from brainscore_vision.model_helpers.activations.pytorch import load_preprocess_images
    from brainscore_vision.model_helpers.brain_transformation import ModelCommitment

    extractor_id = identifier
    if store_activations:
        extractor_id = f"{identifier}.w{weights_fingerprint(model)}.{int(input_size)}px"
    preprocessing = functools.partial(load_preprocess_images, image_size=int(input_size))
    wrapper = _wrapper_class()(model=model, preprocessing=preprocessing, identifier=extractor_id,
                               batch_size=int(batch_size))
    wrapper._extractor.store_activations = bool(store_activations)
    if device is not None:
        wrapper._device = torch.device(device)
        wrapper._model.to(wrapper._device)
    layers = list(dict.fromkeys([*neural.values(), *([readout] if readout else [])]))
    return ModelCommitment(identifier=identifier, activations_model=wrapper, layers=layers,
                           behavioral_readout_layer=readout, region_layer_map=neural,
                           visual_degrees=visual_degrees)


# ------------------------------------------------------------------------------------------ the cache

def brainio_cache_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    """BrainIO's download cache: ``cache_dir`` if given, else ``$BRAINIO_HOME``, else ``~/.brainio``."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    return Path(os.path.expanduser(os.getenv("BRAINIO_HOME", "~/.brainio")))


@dataclass(frozen=True)
class CacheFile:
    """One file a benchmark needs in BrainIO's cache."""

    kind: str           # "assembly", "stimulus_csv" or "stimulus_zip"
    identifier: str     # the BrainIO identifier (assembly or stimulus set)
    sha1: str
    path: Path          # where BrainIO looks for it: <cache>/<sha1>/<file name>

    @property
    def present(self) -> bool:
        return self.path.is_file()


def _local_file_name(identifier: str, file_type: str, prefix: str | None = None) -> str:
    """BrainIO's file name for an identifier (``brainio.s3.get_path``)."""
    if prefix is None:
        prefix = "stimulus_" if file_type in ("csv", "zip") else "assy_"
    return f"{prefix}{identifier.replace('.', '_')}.{file_type}"


@contextlib.contextmanager
def _patched(targets: Sequence[tuple[Any, str, Any]]) -> Iterator[None]:
    """Temporarily set attributes; restores them in reverse order."""
    saved = []
    try:
        for obj, name, value in targets:
            saved.append((obj, name, getattr(obj, name)))
            setattr(obj, name, value)
        yield
    finally:
        for obj, name, value in reversed(saved):
            setattr(obj, name, value)


def _loader_modules() -> list[Any]:
    from brainscore_core.supported_data_standards.brainio import s3

    mods = [s3]
    for name, mod in list(sys.modules.items()):
        if name.startswith("brainscore_vision.data") and mod is not None and mod is not s3:
            mods.append(mod)
    return mods


def required_cache_files(benchmark_id: str, cache_dir: str | os.PathLike | None = None) -> list[CacheFile]:
    """The BrainIO files ``benchmark_id`` loads, with their local paths; no network, nothing downloaded.

    The installed data plugins are imported and their registry entries called with BrainIO's S3 loaders
    replaced by recorders, so the list is exactly what this brainscore-vision version would fetch.
    """
    _check_benchmark_id(benchmark_id)
    root = brainio_cache_dir(cache_dir)
    data_names, stimulus_names = _BENCHMARK_DATA[benchmark_id]
    if not data_names and not stimulus_names:
        return []
    import brainscore_vision
    from brainscore_core.plugin_management.import_plugin import import_plugin

    for name in data_names:
        import_plugin("brainscore_vision", "data", name)
    for name in stimulus_names:
        import_plugin("brainscore_vision", "data", name, registry_prefix="stimulus_set")

    files: list[CacheFile] = []

    def record_stimulus_set(identifier, bucket=None, csv_sha1=None, zip_sha1=None, csv_version_id=None,
                            zip_version_id=None, filename_prefix=None, **_kw):
        for kind, sha1, ext in (("stimulus_csv", csv_sha1, "csv"), ("stimulus_zip", zip_sha1, "zip")):
            files.append(CacheFile(kind, identifier, str(sha1),
                                   root / str(sha1) / _local_file_name(identifier, ext, filename_prefix)))

    def record_assembly(identifier, version_id=None, sha1=None, bucket=None, cls=None, stimulus_set_loader=None,
                        merge_stimulus_set_meta=True, **_kw):
        files.append(CacheFile("assembly", identifier, str(sha1),
                               root / str(sha1) / _local_file_name(identifier, "nc")))
        if stimulus_set_loader is not None:
            stimulus_set_loader()

    targets = []
    for mod in _loader_modules():
        if hasattr(mod, "load_assembly_from_s3"):
            targets.append((mod, "load_assembly_from_s3", record_assembly))
        if hasattr(mod, "load_stimulus_set_from_s3"):
            targets.append((mod, "load_stimulus_set_from_s3", record_stimulus_set))
    with _patched(targets):
        for name in data_names:
            brainscore_vision.data_registry[name]()
        for name in stimulus_names:
            brainscore_vision.stimulus_set_registry[name]()
    return list(dict.fromkeys(files))


def _missing_message(benchmark_id: str, root: Path, missing: Sequence[str]) -> str:
    shown = "\n".join(f"  - {m}" for m in missing[:8]) + (f"\n  ... and {len(missing) - 8} more"
                                                          if len(missing) > 8 else "")
    return (
        f"Brain-Score benchmark {benchmark_id!r} needs data that is not in the local Brain-Score (BrainIO) cache "
        f"folder {root}:\n{shown}\nNothing was downloaded: downloads are off by default. Either run this once on "
        f"a machine with internet access with `{CONFIG_ALLOW_DOWNLOAD}: true` (brainscore then downloads into "
        f"that folder), or copy a filled cache folder from such a machine and point `{CONFIG_CACHE_DIR}` (or the "
        f"BRAINIO_HOME environment variable) at it."
        + (f" {benchmark_id!r} is a private benchmark: its data sit in Brain-Score's access-restricted storage "
           f"and need Brain-Score's credentials; its public variant {_PUBLIC_VARIANT[benchmark_id]!r} downloads "
           "without them." if benchmark_id in _PUBLIC_VARIANT else ""))


def check_benchmark_cached(benchmark_id: str, cache_dir: str | os.PathLike | None = None) -> list[CacheFile]:
    """Raise :class:`WiringupError` unless every file ``benchmark_id`` needs is in the cache; no network."""
    root = brainio_cache_dir(cache_dir)
    files = required_cache_files(benchmark_id, root)
    missing = [f"{f.kind} {f.identifier}: {f.path}" for f in files if not f.present]
    if missing:
        raise WiringupError(_missing_message(benchmark_id, root, missing))
    return files


@contextlib.contextmanager
def _brainio_root(root: Path) -> Iterator[None]:
    """Make BrainIO use ``root`` (it memoises ``$BRAINIO_HOME`` on first use in a module global)."""
    from brainscore_core.supported_data_standards.brainio import fetch

    with _patched([(fetch, "_local_data_path", str(root))]):
        yield


@contextlib.contextmanager
def _env_without(*names: str) -> Iterator[None]:
    saved = {n: os.environ.pop(n) for n in names if n in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


@contextlib.contextmanager
def offline_guard(benchmark_id: str, root: Path) -> Iterator[None]:
    """Within the block, every BrainIO download entry point only looks in ``root``; a missing file raises
    :class:`WiringupError` instead of downloading. result_caching's S3 backend is switched off."""
    from brainscore_core.supported_data_standards.brainio import fetch, s3

    def local_fetch_file(location_type, location, sha1=None, version_id=None):
        path = root / (sha1 or "") / os.path.basename(urlparse(location).path)
        if not path.is_file():
            raise WiringupError(_missing_message(benchmark_id, root, [f"{location} -> {path}"]))
        if sha1:
            fetch.verify_sha1(str(path), sha1)
        return str(path)

    def no_download(self, *args, **kwargs):
        raise WiringupError(_missing_message(benchmark_id, root, [f"{self.location} -> {self.output_filename}"]))

    def local_only(local_path, bucket, remote_filepath):
        if not Path(local_path).is_file():
            raise WiringupError(_missing_message(benchmark_id, root, [f"s3://{bucket}/{remote_filepath} -> "
                                                                      f"{local_path}"]))

    with _env_without("RESULTCACHING_S3_BUCKET"), _brainio_root(root), _patched([
            (fetch, "fetch_file", local_fetch_file), (s3, "fetch_file", local_fetch_file),
            (fetch.BotoFetcher, "download_boto", no_download), (s3, "download_file_if_not_exists", local_only)]):
        yield


def _force_lazy(benchmark: Any) -> None:
    """Load the data a benchmark defers (e.g. Rajalingham2018's assembly), so it is read inside the guard."""
    from brainscore_vision.utils import LazyLoad

    for value in list(vars(benchmark).values()):
        if type(value) is LazyLoad:  # noqa: E721 -- LazyLoad.__class__ would itself trigger the load
            value._ensure_loaded()


def _imagenet_paths(benchmark: Any, imagenet_dir: str | os.PathLike | None) -> None:
    """Point ImageNet-top1 at ``imagenet_dir`` (if given) and check its images exist."""
    stimuli = benchmark._stimulus_set
    if imagenet_dir is not None:
        folder = Path(imagenet_dir).expanduser()
        stimuli.stimulus_paths = {sid: str(folder / Path(str(path)).name)
                                  for sid, path in stimuli.stimulus_paths.items()}
    paths = list(stimuli.stimulus_paths.values())
    absent = [p for p in paths if not Path(p).is_file()]
    if absent:
        raise WiringupError(
            f"Brain-Score benchmark 'ImageNet-top1' reads the {len(paths)} ImageNet validation images from local "
            f"files; {len(absent)} are missing, e.g. {absent[0]}. brainscore never downloads them. Put the "
            f"ILSVRC2012 validation images (ILSVRC2012_val_*.JPEG) in one folder and set `{CONFIG_IMAGENET_DIR}` "
            "to it.")


def load_benchmark_checked(benchmark_id: str, allow_download: bool = False,
                           cache_dir: str | os.PathLike | None = None,
                           imagenet_dir: str | os.PathLike | None = None) -> Any:
    """brainscore-vision's ``load_benchmark`` behind the download policy (see the module docstring).

    Offline (default) the result must then be used inside :func:`offline_guard`; :func:`score_brainscore`
    does that.
    """
    _check_benchmark_id(benchmark_id)
    root = brainio_cache_dir(cache_dir)
    from brainscore_vision import load_benchmark

    if allow_download:
        root.mkdir(parents=True, exist_ok=True)
        with _brainio_root(root):
            benchmark = load_benchmark(benchmark_id)
            _force_lazy(benchmark)
    else:
        check_benchmark_cached(benchmark_id, root)
        with offline_guard(benchmark_id, root):
            benchmark = load_benchmark(benchmark_id)
            _force_lazy(benchmark)
    if benchmark_id == "ImageNet-top1":
        _imagenet_paths(benchmark, imagenet_dir)
    return benchmark


# -------------------------------------------------------------------------------------------- scoring

def _scalar(value: Any) -> float | None:
    """A float from a Score / DataArray / number (the ``center`` of an aggregation dim), None if absent."""
    if value is None:
        return None
    try:
        if hasattr(value, "dims") and "aggregation" in value.dims:
            value = value.sel(aggregation="center")
        arr = np.asarray(getattr(value, "values", value), dtype=float)
        return float(arr) if arr.size == 1 else None
    except (TypeError, ValueError):
        return None


def _error(score: Any) -> float | None:
    if score is None:
        return None
    if hasattr(score, "dims") and "aggregation" in score.dims:
        return _scalar(score.sel(aggregation="error"))
    return _scalar(getattr(score, "attrs", {}).get("error"))


def _per_split(raw: Any) -> list[float] | None:
    """Per-split values from a raw Score's ``raw`` attribute (split x neuroid -> median over neuroids)."""
    per = getattr(raw, "attrs", {}).get("raw") if raw is not None else None
    if per is None or not hasattr(per, "dims") or "split" not in per.dims:
        return None
    if "neuroid" in per.dims:
        per = per.median("neuroid")
    return [float(v) for v in np.asarray(per.values, dtype=float).ravel()]


def _last_linear_out(model: nn.Module) -> int | None:
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    return linears[-1].out_features if linears else None


def score_brainscore(model: nn.Module, identifier: str, benchmark_id: str, input_size: int,
                     region_layers: Mapping[str, str], *, visual_degrees: float = 8,
                     behavioral_readout_layer: str | None = None, allow_download: bool = False,
                     cache_dir: str | os.PathLike | None = None, imagenet_dir: str | os.PathLike | None = None,
                     batch_size: int = 64, device: str | None = None,
                     store_activations: bool = False) -> dict[str, Any]:
    """Score ``model`` on one of the paper's Brain-Score benchmarks through brainscore-vision.

    Checks, in this order and before any activation is computed: the benchmark id, the layer names, the
    model's output size (ImageNet needs 1000 classes), and (offline) that the benchmark's data are cached.
    Returns the keys of :func:`wiringup.scoring.neural.score_neural` where they apply, plus ``backend="brainscore"``,
    ``score_brainscore_2x`` (the number brainscore-vision returned) and ``legacy_identifier``. For the neural
    benchmarks ``score`` = raw / ceiling (the paper's Brain-Score) and ``error`` = raw error / ceiling.
    """
    t0 = time.perf_counter()
    region = _check_benchmark_id(benchmark_id)
    neural, readout = _check_layers(model, region_layers, behavioral_readout_layer)
    if region in NEURAL_REGIONS and region not in neural:
        raise WiringupError(f"benchmark {benchmark_id!r} records region {region}, but region_layers has no {region!r} "
                            f"entry (it maps {sorted(neural)}); add e.g. {region}: {region}.output-t0")
    if region == "behavior" and readout is None:
        raise WiringupError(f"benchmark {benchmark_id!r} needs a behavioural readout layer (the paper: "
                            f"{DEFAULT_READOUT}); set region_layers['behavior']")
    if region == "imagenet" and _last_linear_out(model) not in (None, 1000):
        raise WiringupError(f"benchmark 'ImageNet-top1' reads 1000 ImageNet logits, but the model's last Linear "
                            f"layer has {_last_linear_out(model)} outputs; score a model trained with 1000 classes")
    root = brainio_cache_dir(cache_dir)
    layer = neural.get(region) if region in NEURAL_REGIONS else readout if region == "behavior" else "logits"

    guard = contextlib.nullcontext() if allow_download else offline_guard(benchmark_id, root)
    benchmark = load_benchmark_checked(benchmark_id, allow_download=allow_download, cache_dir=root,
                                       imagenet_dir=imagenet_dir)
    candidate = brain_model(model, identifier, input_size, {**neural, **({"behavior": readout} if readout else {})},
                            visual_degrees=visual_degrees, batch_size=batch_size, device=device,
                            store_activations=store_activations)
    with guard, (_brainio_root(root) if allow_download else contextlib.nullcontext()):
        result = benchmark(candidate)

    value = _scalar(result)
    raw_score = result.attrs.get("raw")
    ceiling_score = result.attrs.get("ceiling")
    raw, ceiling = _scalar(raw_score), _scalar(ceiling_score)
    raw_error, ceiling_error = _error(raw_score), _error(ceiling_score)
    if region in NEURAL_REGIONS and raw is not None and ceiling:
        score, error = raw / ceiling, (raw_error / ceiling if raw_error is not None else None)
        per_split = [v / ceiling for v in (_per_split(raw_score) or [])] or None
    else:
        score, error, per_split = value, _error(result), None
    assembly = getattr(benchmark, "_assembly", None)
    n_stimuli = n_neuroids = None
    if region in NEURAL_REGIONS and assembly is not None:
        n_stimuli, n_neuroids = int(assembly.sizes["presentation"]), int(assembly.sizes["neuroid"])
    elif region == "behavior" and assembly is not None:
        n_stimuli = int(len(np.unique(assembly["stimulus_id"].values)))
    elif region == "imagenet":
        n_stimuli = int(len(benchmark._stimulus_set))
    return {
        "benchmark_id": benchmark_id,
        "legacy_identifier": LEGACY_IDENTIFIERS[benchmark_id],
        "region": region,
        "layer": layer,
        "score": score,
        "score_brainscore_2x": value,
        "raw": raw,
        "ceiling": ceiling,
        "error": error,
        "raw_error": raw_error,
        "ceiling_error": ceiling_error,
        "per_split": per_split,
        "raw_per_split": _per_split(raw_score),
        "n_stimuli": n_stimuli,
        "n_neuroids": n_neuroids,
        "input_size": int(input_size),
        "visual_degrees": visual_degrees,
        "backend": "brainscore",
        "seconds": time.perf_counter() - t0,
    }


# ----------------------------------------------------------------------- local data through brainscore

def stimulus_set_from_images(images: Sequence[Any], stimulus_ids: Sequence[str], folder: str | os.PathLike,
                             identifier: str, extra: Mapping[str, Sequence[Any]] | None = None) -> Any:
    """A brainscore ``StimulusSet`` for in-memory PIL images, written losslessly as PNG into ``folder``.

    Columns: ``stimulus_id``, ``filename``, ``stimulus_num`` (the given order) and any ``extra`` columns.
    """
    import pandas as pd
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

    if len(images) != len(stimulus_ids) or len(set(stimulus_ids)) != len(stimulus_ids):
        raise WiringupError("stimulus_set_from_images: need one unique stimulus id per image")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for i, (img, sid) in enumerate(zip(images, stimulus_ids)):
        path = folder / f"{i:06d}.png"
        (img if img.mode == "RGB" else img.convert("RGB")).save(path, format="PNG")
        paths[str(sid)] = path
    frame = pd.DataFrame({"stimulus_id": [str(s) for s in stimulus_ids],
                          "filename": [paths[str(s)].name for s in stimulus_ids],
                          "stimulus_num": np.arange(len(stimulus_ids)),
                          **{k: list(v) for k, v in (extra or {}).items()}})
    stimulus_set = StimulusSet(frame)
    stimulus_set.stimulus_paths = paths
    stimulus_set.identifier = identifier
    return stimulus_set


def _images_digest(images: Sequence[Any]) -> str:
    digest = hashlib.sha1()
    for img in images:
        digest.update(f"{img.size}{img.mode}".encode())
        digest.update(img.tobytes())
    return digest.hexdigest()[:12]


def _neural_assemblies(data: NeuralData, stratify: Sequence[str] | None) -> tuple[Any, Any]:
    """(repetition assembly: one presentation per present repeat, trial-averaged assembly in data order)."""
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
    from brainscore_vision.benchmark_helpers.neural_common import average_repetition

    r = np.asarray(data.responses, dtype=float)
    stim, rep = np.nonzero(~np.isnan(r[0]))
    if np.isnan(r[:, stim, rep]).any():
        raise WiringupError(f"{data.benchmark_id}: the missing (NaN) repeats differ between neuroids; brainscore "
                            "needs the same repeats of each stimulus for every neuroid")
    ids = np.asarray(data.stimulus_ids, dtype=object).astype(str)
    coords = {"stimulus_id": ("presentation", ids[stim]), "stimulus_num": ("presentation", stim),
              "repetition": ("presentation", rep),
              "neuroid_id": ("neuroid", list(getattr(data, "neuroid_ids", None) or
                                             [f"n{i:03d}" for i in range(r.shape[0])])),
              "region": ("neuroid", [data.region] * r.shape[0])}
    if stratify is not None:
        coords["object_name"] = ("presentation", np.asarray(stratify, dtype=object).astype(str)[stim])
    repeated = NeuroidAssembly(r[:, stim, rep].T, coords=coords, dims=["presentation", "neuroid"])
    # brainscore's own averaging (a skip-NaN mean per stimulus); it sorts by stimulus, and the cross-validation
    # splits follow the target's order, so restore the data order
    averaged = average_repetition(repeated).sortby("stimulus_num").transpose("presentation", "neuroid")
    return repeated, averaged


def score_local_through_brainscore(model: nn.Module, data: NeuralData, layer: str, input_size: int, *,
                                   identifier: str = "wiringup-model", batch_size: int = 64,
                                   device: str | None = None, seed: int = 1,
                                   stratify: Sequence[str] | None = None, apply_visual_degrees: bool = False,
                                   visual_degrees: float = 8,
                                   work_dir: str | os.PathLike | None = None) -> dict[str, Any]:
    """Score ``layer`` on a local benchmark with brainscore-vision's own metric and ceiling.

    The images become a ``StimulusSet`` (PNG files in a temporary folder, or ``work_dir``), the responses a
    ``NeuroidAssembly`` (presentation x neuroid with a ``repetition`` coord, one presentation per recorded
    repeat). Activations come from ``brain_model(...).start_recording(region)`` / ``look_at(...)``; the raw
    score from ``load_metric('pls')`` on the trial-averaged responses (brainscore's own ``average_repetition``;
    splits over stimuli in data order, ``random_state=seed``, brainscore's default being 1; no stratification
    unless ``stratify`` gives object labels, e.g. ``data.stimulus_meta['object_name']``, as the MajajHong2015
    benchmarks do); the ceiling from ``load_ceiling('internal_consistency')`` on the repeats (brainscore fixes
    its ``random_state`` to 1: compare with ``score_neural(..., seed=1, ceiling_seed=1,
    ceiling_mode="global")``), or none when ``data.ceiling_scheme`` is ``"none"`` or there are no repeats.
    brainscore only has the ``"shuffle"`` cross-validation (ten 90/10 splits); a benchmark whose own scheme is
    ``"kfold_pooled"`` is scored that way anyway and the result says so in ``note``. By default no
    ``place_on_screen``, like :mod:`wiringup.scoring.neural`; with ``apply_visual_degrees`` and a known
    ``data.image_degrees`` the stimuli are re-scaled to ``visual_degrees`` as Brain-Score's benchmarks do.
    Returns the dict of :func:`wiringup.scoring.neural.score_neural` (``score`` = raw / ceiling) plus
    ``backend="brainscore"`` and ``score_brainscore_2x`` = raw**2 / ceiling (brainscore-vision 2.x's
    convention).
    """
    t0 = time.perf_counter()
    resolve_layer(model, layer)
    if stratify is not None and len(stratify) != data.n_stimuli:
        raise WiringupError(f"stratify: {len(stratify)} labels for {data.n_stimuli} stimuli")
    from brainscore_vision import load_ceiling, load_metric

    region = data.region
    note = None
    own_scheme = getattr(data, "cv_scheme", "shuffle")
    if own_scheme != "shuffle":
        note = (f"{data.benchmark_id} is scored with {own_scheme!r} by wiringup.scoring.neural; brainscore-vision only has "
                "shuffle splits (10 x 90/10), which were used here")
        log.warning(note)
    candidate = brain_model(model, identifier, input_size, {region: layer}, visual_degrees=visual_degrees,
                            batch_size=batch_size, device=device)
    stim_identifier = f"wiringup.{data.benchmark_id}.{_images_digest(data.images)}"
    time_bin = tuple(getattr(data, "time_bin", None) or (70, 170))
    with contextlib.ExitStack() as stack:
        folder = Path(work_dir) if work_dir is not None else Path(stack.enter_context(
            tempfile.TemporaryDirectory(prefix="wiringup-stimuli-")))
        stimulus_set = stimulus_set_from_images(
            data.images, data.stimulus_ids, folder, stim_identifier,
            extra={"object_name": list(stratify)} if stratify is not None else None)
        degrees = getattr(data, "image_degrees", None)
        if apply_visual_degrees and degrees is not None:
            from brainscore_vision.benchmark_helpers.screen import place_on_screen

            stimulus_set = place_on_screen(stimulus_set, target_visual_degrees=visual_degrees,
                                           source_visual_degrees=degrees)
        candidate.start_recording(region, time_bins=[time_bin])
        source = candidate.look_at(stimulus_set)
    if "time_bin" in source.dims:
        source = source.squeeze("time_bin")
    source = source.transpose("presentation", "neuroid")
    repeated, target = _neural_assemblies(data, stratify)

    metric = load_metric("pls", crossvalidation_kwargs=dict(
        stratification_coord="object_name" if stratify is not None else None, random_state=seed))
    raw_score = metric(source, target)
    raw, raw_error = float(raw_score.values), _error(raw_score)
    raw_per_split = _per_split(raw_score)
    per_neuroid = raw_score.attrs["raw"].mean("split") if "raw" in raw_score.attrs else None

    ceiling = ceiling_error = None
    reason = None
    n_repeats = (~np.isnan(data.responses[0])).sum(axis=1)
    ceiling_scheme = getattr(data, "ceiling_scheme", "internal_consistency")
    if ceiling_scheme == "none":
        reason = "ceiling scheme 'none' (trial averages only): the score is the unceiled raw r"
    elif (n_repeats >= 2).sum() < 3:
        reason = "fewer than 3 stimuli with 2 or more repeats: no split-half ceiling; report the unceiled score"
    else:
        ceiling_score = load_ceiling("internal_consistency")(repeated)
        ceiling, ceiling_error = float(ceiling_score.values), _error(ceiling_score)
        if not math.isfinite(ceiling) or ceiling <= 0:
            reason = f"non-positive or undefined ceiling {ceiling}"
    if ceiling is not None and reason is None:
        score, error = raw / ceiling, (raw_error / ceiling if raw_error is not None else None)
        score_2x = raw ** 2 / ceiling
        per_split = [v / ceiling for v in raw_per_split] if raw_per_split else None
    else:
        score = error = score_2x = None
        per_split = raw_per_split
    return {
        "benchmark_id": data.benchmark_id,
        "region": region,
        "layer": layer,
        "score": score,
        "score_brainscore_2x": score_2x,
        "raw": raw,
        "ceiling": ceiling,
        "error": error,
        "raw_error": raw_error,
        "ceiling_error": ceiling_error,
        "ceiling_reason": reason,
        "per_split": per_split,
        "raw_per_split": raw_per_split,
        "per_neuroid_raw": None if per_neuroid is None else [float(v) for v in per_neuroid.values],
        "n_stimuli": data.n_stimuli,
        "n_neuroids": data.n_neuroids,
        "n_features": int(source.sizes["neuroid"]),
        "n_components": 25,
        "n_splits": len(raw_per_split) if raw_per_split else None,
        "cv_scheme": "shuffle",
        "n_folds": None,
        "stimulus_se": None,
        "ceiling_scheme": ceiling_scheme,
        "ceiling_mode": "brainscore",
        "seed": seed,
        "input_size": int(input_size),
        "backend": "brainscore",
        "note": note,
        "seconds": time.perf_counter() - t0,
    }


__all__ = [
    "PAPER_BENCHMARKS", "PRIVATE_BENCHMARKS", "PUBLIC_BENCHMARKS", "BRAIN_BENCHMARKS", "LEGACY_IDENTIFIERS",
    "CacheFile", "brain_model", "brainio_cache_dir", "check_benchmark_cached", "load_benchmark_checked",
    "offline_guard", "required_cache_files", "score_brainscore", "score_local_through_brainscore",
    "stimulus_set_from_images", "weights_fingerprint",
]
