"""Fill the Brain-Score (BrainIO) cache once, before any score job: :func:`prefetch`, and its command line
``python -m wiringup.scoring.brainscore.prefetch --benchmarks ID [ID ...] --cache-dir DIR``.

Rule ``prefetch_brainscore`` (workflow/rules/brainscore.smk) is a local rule: it runs on the submit host, which
reaches the network, and calls :func:`prefetch` with the active brainscore benchmarks. Every brainscore score job
reads its marker file, so on a cluster the data are downloaded once, before the score jobs start (not by up to a
hundred of them at once into an empty cache), and the score jobs never download
(:mod:`~wiringup.scoring.brainscore.offline`: a missing file stops a score job before any connection).

What runs is BrainIO's own code: the files a benchmark loads are listed from the installed data plugins
(:func:`~wiringup.scoring.brainscore.offline.required_cache_files`: identifier, bucket, version, SHA1), a missing
one is fetched by ``brainio.s3.get_path`` with exactly the arguments the plugin passes (the same address, then
``BotoFetcher``: a signed, then an unsigned S3 request) and checked by ``brainio.fetch.verify_sha1``. Standard boto
settings apply, e.g. ``AWS_ENDPOINT_URL_S3`` for an S3-compatible mirror (``--endpoint-url``). A file whose SHA1
does not match, freshly fetched or already there, is removed from the cache and refused. Stimulus zips are
unpacked atomically (:func:`~wiringup.scoring.brainscore.offline.unpack_zip`). Files already in the cache are not
fetched again (their SHA1 is checked), so a second prefetch downloads and writes nothing. ImageNet-top1 has
nothing to download; its 50,000 validation images are checked under ``imagenet_dir``. With
``allow_download=False`` nothing is fetched: missing files are listed and refused.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, Callable, Iterable

from wiringup.core.io import WiringupError
from wiringup.scoring.brainscore.catalog import CONFIG_ALLOW_DOWNLOAD, IMAGENET_TOP1, check_benchmark_id
from wiringup.scoring.brainscore.offline import (
    PREFETCH_COMMAND,
    CacheFile,
    brainio_cache_dir,
    brainio_root,
    private_hint,
    required_cache_files,
    unpack_zip,
)


def _sha1(path: Path) -> str:
    from brainscore_core.supported_data_standards.brainio.s3 import sha1_hash

    return sha1_hash(path)


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    try:
        path.parent.rmdir()  # the <sha1>/ folder, if nothing else is in it
    except OSError:
        pass


def _sha1_refused(f: CacheFile, actual: str, fetched: bool) -> WiringupError:
    return WiringupError(
        f"{f.kind} {f.identifier}: the file {'fetched from ' + f.url if fetched else 'in the cache at ' + str(f.path)}"
        f" has SHA1 {actual}, but brainscore-vision expects {f.sha1}; it was removed from the cache "
        f"({f.path}). Nothing with a wrong checksum is kept: run the prefetch again, or check the mirror "
        "(AWS_ENDPOINT_URL_S3) the file came from.")


def fetch_file(f: CacheFile, benchmark_id: str, root: Path) -> None:
    """Fetch one file into ``root`` with BrainIO's own ``get_path`` (address, S3 download, SHA1 check)."""
    from brainscore_core.supported_data_standards.brainio import s3

    bucket, _, folder = f.bucket.partition("/")
    with brainio_root(root):
        try:
            got = s3.get_path(f.identifier, f.file_type, bucket, f.version_id, f.sha1,
                              filename_prefix=f.filename_prefix, folder_name=folder or None)
        except ValueError as exc:  # brainio.fetch.verify_sha1: "SHA1 mismatch. Expected: ..., Actual: ..."
            if f.path.is_file() and "SHA1" in str(exc):
                actual = _sha1(f.path)
                _remove(f.path)
                raise _sha1_refused(f, actual, fetched=True) from exc
            raise
        except Exception as exc:  # BotoFetcher raises Exception([signed error, unsigned error])
            _remove(f.path)
            raise WiringupError(
                f"Brain-Score benchmark {benchmark_id!r}: could not download {f.kind} {f.identifier} from {f.url} "
                f"(version {f.version_id}): {exc}." + private_hint(benchmark_id)) from exc
    if Path(got) != f.path:  # pragma: no cover - BrainIO's layout changed under us
        raise WiringupError(f"BrainIO stored {f.identifier} at {got}, not at {f.path} where the score jobs look")


def _bytes(path: Path) -> int | None:
    return path.stat().st_size if path.is_file() else None


def prefetch(benchmark_ids: Iterable[str], cache_dir: str | os.PathLike | None = None, *,
             allow_download: bool = True, imagenet_dir: str | os.PathLike | None = None,
             log: Callable[[str], Any] = print,
             where: str = "config key scoring.brainscore.benchmarks") -> dict[str, Any]:
    """Make the BrainIO cache hold every file of ``benchmark_ids`` (SHA1-checked, zips unpacked); returns the
    record rule prefetch_brainscore writes as its marker. See the module docstring. ``where`` names the ids' source
    in the refusal of an unknown one."""
    ids = list(dict.fromkeys(benchmark_ids))
    for b in ids:
        check_benchmark_id(b, where)
    root = brainio_cache_dir(cache_dir)
    root.mkdir(parents=True, exist_ok=True)
    needed: dict[str, list[CacheFile]] = {b: required_cache_files(b, root) for b in ids}
    first_user = {}
    for b, files in needed.items():
        for f in files:
            first_user.setdefault(f.path, (f, b))

    missing = [(f, b) for f, b in first_user.values() if not f.present]
    if missing and not allow_download:
        shown = "\n".join(f"  - {b}: {f.kind} {f.identifier} ({f.url}) -> {f.path}" for f, b in missing)
        raise WiringupError(
            f"{len(missing)} file(s) of the Brain-Score benchmarks are not in the BrainIO cache {root}:\n{shown}\n"
            f"Downloads are off (`{CONFIG_ALLOW_DOWNLOAD}: false`): set it to true to let rule prefetch_brainscore "
            f"download them on the submit host, or run `{PREFETCH_COMMAND} --benchmarks {' '.join(ids)} "
            f"--cache-dir {root}` on a machine with internet access (or copy such a cache folder here).")

    downloaded: list[str] = []
    for f, b in first_user.values():
        if f.present:
            actual = _sha1(f.path)
            if actual != f.sha1:
                _remove(f.path)
                raise _sha1_refused(f, actual, fetched=False)
            continue
        log(f"prefetch: {b}: downloading {f.kind} {f.identifier} from {f.url}")
        fetch_file(f, b, root)
        downloaded.append(str(f.path))
    for f, _ in first_user.values():
        if f.unpacked is not None:
            unpack_zip(f.path)

    record: dict[str, Any] = {"cache_dir": str(root), "brainscore_vision": _version(), "benchmarks": {},
                              "downloaded": downloaded,
                              "bytes_downloaded": sum(_bytes(Path(p)) or 0 for p in downloaded)}
    for b, files in needed.items():
        entry: dict[str, Any] = {"files": [{"kind": f.kind, "identifier": f.identifier, "sha1": f.sha1,
                                            "path": str(f.path), "bytes": _bytes(f.path), "url": f.url,
                                            "version_id": f.version_id} for f in files]}
        if b == IMAGENET_TOP1:  # nothing to download: the val images are checked as a score job reads them
            from wiringup.scoring.brainscore.offline import imagenet_val_paths, load_benchmark_checked

            stimuli = load_benchmark_checked(b, cache_dir=root, imagenet_dir=imagenet_dir)._stimulus_set
            entry["imagenet"] = {"images": len(stimuli), "folder": _str(imagenet_dir),
                                 "layout": imagenet_val_paths(stimuli, imagenet_dir)[1] if imagenet_dir else None}
        record["benchmarks"][b] = entry
        log(f"prefetch: {b}: {len(files)} file(s) in {root}" + (" (ImageNet val images found)"
                                                                  if b == IMAGENET_TOP1 else ""))
    log(f"prefetch: {len(downloaded)} file(s) downloaded, {record['bytes_downloaded']:,} bytes")
    return record


def _str(path: Any) -> str | None:
    return str(path) if path is not None else None


def _version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("brainscore-vision")
    except PackageNotFoundError:  # pragma: no cover
        return None


def main(argv: list[str] | None = None) -> int:
    from wiringup.scoring.brainscore.catalog import PAPER_BENCHMARKS

    ap = argparse.ArgumentParser(
        prog=PREFETCH_COMMAND, description="Download the Brain-Score benchmarks' data into the BrainIO cache once "
        "(BrainIO's own fetch and SHA1 check), so that score jobs run offline.")
    ap.add_argument("--benchmarks", nargs="+", required=True, metavar="ID",
                    help=f"brainscore-vision benchmark ids: {', '.join(PAPER_BENCHMARKS)}")
    ap.add_argument("--cache-dir", default=None, help="BrainIO cache folder (default $BRAINIO_HOME or ~/.brainio)")
    ap.add_argument("--imagenet-dir", default=None,
                    help="ImageNet's val/ folder (synset-sorted or flat), checked for ImageNet-top1")
    ap.add_argument("--check-only", action="store_true", help="download nothing; fail listing missing files")
    ap.add_argument("--endpoint-url", default=None,
                    help="an S3-compatible mirror holding Brain-Score's buckets (sets AWS_ENDPOINT_URL_S3)")
    ap.add_argument("--marker", default=None, help="also write the record (JSON) to this file")
    args = ap.parse_args(argv)
    if args.endpoint_url:
        os.environ["AWS_ENDPOINT_URL_S3"] = args.endpoint_url
    try:
        record = prefetch(args.benchmarks, args.cache_dir, allow_download=not args.check_only,
                          imagenet_dir=args.imagenet_dir, where="--benchmarks")
    except WiringupError as exc:
        print(f"wiringup error: {exc}", file=sys.stderr)
        return 1
    if args.marker:
        from wiringup.core.io import write_json

        write_json(args.marker, record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
