"""The brainscore backend's download policy: BrainIO cache files, the offline guard, checked benchmark loading.

brainscore-vision's ``load_benchmark`` would download assemblies and stimuli from S3 into BrainIO's cache
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
paths in its ``imagenet2012.csv`` (``/mnt/brainscore-ami/...``); pass ``imagenet_dir`` (ImageNet's ``val/``
folder, synset-sorted or flat) to read them elsewhere.

Score jobs never download: :mod:`wiringup.scoring.brainscore.prefetch` (rule ``prefetch_brainscore``, on the
submit host) fills the cache once before them, through BrainIO's own fetch and SHA1 check.

Other caches brainscore writes (all local): ``$RESULTCACHING_HOME`` (default ``~/.result_caching``: benchmark
ceilings keyed by benchmark identifier, FreemanZiemba assemblies, re-scaled stimulus sets, and activations when
``store_activations=True``) and ``$BRAINSCORE_HOME/stimuli_on_screen`` (default ``~/.brain-score``: stimuli
re-scaled to the model's visual degrees). Activation caching is off by default: it is keyed by the model
identifier, which does not change when the weights do; with ``store_activations=True`` a fingerprint of the
weights and the input size are added to the key. result_caching's shared S3 backend
(``RESULTCACHING_S3_BUCKET``) is switched off for the duration of an offline call.
"""
from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence
from urllib.parse import urlparse

from wiringup.core.io import WiringupError
from wiringup.scoring.brainscore.catalog import (
    BENCHMARK_DATA,
    CONFIG_ALLOW_DOWNLOAD,
    CONFIG_CACHE_DIR,
    CONFIG_IMAGENET_DIR,
    PUBLIC_VARIANT,
    check_benchmark_id,
)


def brainio_cache_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    """BrainIO's download cache: ``cache_dir`` if given, else ``$BRAINIO_HOME``, else ``~/.brainio``."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    return Path(os.path.expanduser(os.getenv("BRAINIO_HOME", "~/.brainio")))


@dataclass(frozen=True)
class CacheFile:
    """One file a benchmark needs in BrainIO's cache, and where BrainIO downloads it from."""

    kind: str           # "assembly", "stimulus_csv" or "stimulus_zip"
    identifier: str     # the BrainIO identifier (assembly or stimulus set)
    sha1: str
    path: Path          # where BrainIO looks for it: <cache>/<sha1>/<file name>
    bucket: str = ""    # the data plugin's S3 bucket, with its folder ("brainscore-storage/brainio-brainscore")
    version_id: str | None = None
    filename_prefix: str | None = None

    @property
    def present(self) -> bool:
        return self.path.is_file()

    @property
    def file_type(self) -> str:
        return self.path.suffix.lstrip(".")

    @property
    def url(self) -> str:
        """The address BrainIO fetches (``brainio.s3.get_path``)."""
        bucket, _, folder = self.bucket.partition("/")
        return f"https://{bucket}.s3.amazonaws.com/{folder + '/' if folder else ''}{self.path.name}"

    @property
    def unpacked(self) -> Path | None:
        """A stimulus zip's folder (BrainIO unpacks it beside the zip), else None."""
        return self.path.with_suffix("") if self.kind == "stimulus_zip" else None


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
    check_benchmark_id(benchmark_id)
    root = brainio_cache_dir(cache_dir)
    data_names, stimulus_names = BENCHMARK_DATA[benchmark_id]
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
        for kind, sha1, ext, version in (("stimulus_csv", csv_sha1, "csv", csv_version_id),
                                         ("stimulus_zip", zip_sha1, "zip", zip_version_id)):
            files.append(CacheFile(kind, identifier, str(sha1),
                                   root / str(sha1) / _local_file_name(identifier, ext, filename_prefix),
                                   str(bucket or ""), version, filename_prefix))

    def record_assembly(identifier, version_id=None, sha1=None, bucket=None, cls=None, stimulus_set_loader=None,
                        merge_stimulus_set_meta=True, **_kw):
        files.append(CacheFile("assembly", identifier, str(sha1), root / str(sha1) / _local_file_name(identifier, "nc"),
                               str(bucket or ""), version_id))
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


PREFETCH_COMMAND = "python -m wiringup.scoring.brainscore.prefetch"


def private_hint(benchmark_id: str) -> str:
    return (f" {benchmark_id!r} is a private benchmark: its data sit in Brain-Score's access-restricted storage "
            f"and need Brain-Score's credentials; its public variant {PUBLIC_VARIANT[benchmark_id]!r} downloads "
            "without them." if benchmark_id in PUBLIC_VARIANT else "")


def _missing_message(benchmark_id: str, root: Path, missing: Sequence[str]) -> str:
    shown = "\n".join(f"  - {m}" for m in missing[:8]) + (f"\n  ... and {len(missing) - 8} more"
                                                          if len(missing) > 8 else "")
    return (
        f"Brain-Score benchmark {benchmark_id!r} needs data that is not in the local Brain-Score (BrainIO) cache "
        f"folder {root}:\n{shown}\nNothing was downloaded: score jobs never download. Fill the cache once "
        f"first: rule prefetch_brainscore does it on the submit host before any score job (with "
        f"`{CONFIG_ALLOW_DOWNLOAD}: true`), as does `{PREFETCH_COMMAND} --benchmarks {benchmark_id} --cache-dir "
        f"{root}` on any machine with internet access; or copy a filled cache folder from such a machine and point "
        f"`{CONFIG_CACHE_DIR}` (or the BRAINIO_HOME environment variable) at it." + private_hint(benchmark_id))


def unpack_zip(zip_path: Path) -> Path:
    """Unpack a stimulus zip beside itself (``<cache>/<sha1>/stimulus_<id>/``), as BrainIO's ``unzip`` does, but
    atomically: into a temporary sibling renamed into place, so concurrent score jobs never see a half-unpacked
    folder (BrainIO's own ``unzip`` skips any folder that exists). Returns the folder."""
    import shutil
    import tempfile
    import zipfile

    target = zip_path.with_suffix("")
    if target.is_dir():
        return target
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=zip_path.parent))
    try:
        with zipfile.ZipFile(zip_path) as z:
            z.extractall(tmp)
        try:
            os.rename(tmp, target)
        except OSError:
            if not target.is_dir():  # not another process that got there first
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def check_benchmark_cached(benchmark_id: str, cache_dir: str | os.PathLike | None = None) -> list[CacheFile]:
    """Raise :class:`WiringupError` unless every file ``benchmark_id`` needs is in the cache; no network.
    Stimulus zips not yet unpacked are unpacked (atomically, :func:`unpack_zip`)."""
    root = brainio_cache_dir(cache_dir)
    files = required_cache_files(benchmark_id, root)
    missing = [f"{f.kind} {f.identifier}: {f.path}" for f in files if not f.present]
    if missing:
        raise WiringupError(_missing_message(benchmark_id, root, missing))
    for f in files:
        if f.unpacked is not None:
            unpack_zip(f.path)
    return files


@contextlib.contextmanager
def brainio_root(root: Path) -> Iterator[None]:
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

    with _env_without("RESULTCACHING_S3_BUCKET"), brainio_root(root), _patched([
            (fetch, "fetch_file", local_fetch_file), (s3, "fetch_file", local_fetch_file),
            (fetch.BotoFetcher, "download_boto", no_download), (s3, "download_file_if_not_exists", local_only)]):
        yield


def _force_lazy(benchmark: Any) -> None:
    """Load the data a benchmark defers (e.g. Rajalingham2018's assembly), so it is read inside the guard."""
    from brainscore_vision.utils import LazyLoad

    for value in list(vars(benchmark).values()):
        if type(value) is LazyLoad:  # noqa: E721 -- LazyLoad.__class__ would itself trigger the load
            value._ensure_loaded()


def imagenet_val_paths(stimuli: Any, imagenet_dir: str | os.PathLike) -> tuple[dict[str, str], str]:
    """Where ImageNet-top1's 50,000 validation images are under ``imagenet_dir``, and its layout: ``synset`` (the
    usual ``val/<synset>/ILSVRC2012_val_*.JPEG``, as sorted by ImageNet's valprep script) if any of the benchmark's
    synsets is a sub-folder, else ``flat`` (``ILSVRC2012_val_*.JPEG`` directly in the folder). ``stimuli`` is the
    benchmark's stimulus set (columns ``stimulus_id``, ``filename``, ``synset``)."""
    folder = Path(imagenet_dir).expanduser()
    synsets = [str(s) for s in stimuli["synset"]]
    layout = "synset" if any((folder / s).is_dir() for s in dict.fromkeys(synsets)) else "flat"
    paths = {str(sid): str(folder / syn / name if layout == "synset" else folder / name)
             for sid, syn, name in zip(stimuli["stimulus_id"], synsets, stimuli["filename"])}
    return paths, layout


def check_imagenet_images(stimuli: Any, imagenet_dir: str | os.PathLike | None) -> dict[str, Any]:
    """Point ImageNet-top1's stimulus set at ``imagenet_dir`` (if given; :func:`imagenet_val_paths`) and check every
    image is there; returns ``{"images", "layout", "folder"}``. brainscore never downloads them."""
    layout = "brainscore-vision's own paths"
    if imagenet_dir is not None:
        paths, layout = imagenet_val_paths(stimuli, imagenet_dir)
        stimuli.stimulus_paths = {sid: paths[str(sid)] for sid in stimuli.stimulus_paths}
    paths = list(stimuli.stimulus_paths.values())
    absent = [p for p in paths if not Path(p).is_file()]
    if absent:
        where = (f"{imagenet_dir} (read as a {layout} folder: "
                 + ("val/<synset>/<file>" if layout == "synset" else "<file> directly in it") + ")"
                 if imagenet_dir is not None else "brainscore-vision's built-in paths (/mnt/brainscore-ami/...)")
        raise WiringupError(
            f"Brain-Score benchmark 'ImageNet-top1' reads the {len(paths)} ImageNet validation images from local "
            f"files; {len(absent)} are missing under {where}, e.g. {absent[0]}. brainscore never downloads them. "
            f"Set `{CONFIG_IMAGENET_DIR}` to ImageNet's val/ folder: synset-sorted "
            "(val/<synset>/ILSVRC2012_val_*.JPEG) or flat (ILSVRC2012_val_*.JPEG).")
    return {"images": len(paths), "layout": layout, "folder": str(imagenet_dir) if imagenet_dir else None}


def _imagenet_paths(benchmark: Any, imagenet_dir: str | os.PathLike | None) -> None:
    """Point ImageNet-top1 at ``imagenet_dir`` (if given) and check its images exist."""
    check_imagenet_images(benchmark._stimulus_set, imagenet_dir)


def load_benchmark_checked(benchmark_id: str, allow_download: bool = False,
                           cache_dir: str | os.PathLike | None = None,
                           imagenet_dir: str | os.PathLike | None = None) -> Any:
    """brainscore-vision's ``load_benchmark`` behind the download policy (see the module docstring).

    Offline (default) the result must then be used inside :func:`offline_guard`; :func:`score_brainscore`
    does that.
    """
    check_benchmark_id(benchmark_id)
    root = brainio_cache_dir(cache_dir)
    from brainscore_vision import load_benchmark

    if allow_download:
        root.mkdir(parents=True, exist_ok=True)
        with brainio_root(root):
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
