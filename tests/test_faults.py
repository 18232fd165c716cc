"""Fault injection (issue 16): every fault of docs/reliability.md, section 6, injected.

Each test asserts a clear message naming the file or the config key, no half-written output, no valid artifact
lost that its inputs did not force, and recovery by the documented command. :data:`FAULTS` maps each fault id to
the tests that inject it, here or in the files that already did (test_data.py, test_manifests.py,
test_reliability.py, test_training.py, test_workflow.py: referenced, not repeated);
:func:`test_the_catalogue_in_the_doc_matches_the_tests` checks docs/reliability.md against it both ways.

The Snakemake-driven tests run on the tiny config (tests/configs/tiny.yaml): the dry-run checks and the config
refusals in the default suite, the ones that rerun part of the tiny DAG behind ``@pytest.mark.slow``; they work on
a copy of the session's tiny run (conftest ``tiny_dag``), never on the run itself.
"""
from __future__ import annotations

import ast
import errno
import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from conftest import SNAKEMAKE, make_workdir, snakemake, validated_config
from test_reliability import TINY, _assembly, _job, _train
from wiringup.core.io import WiringupError, read_json, write_json
from wiringup.runtime import pipeline

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "reliability.md"

#: fault id -> the tests that inject it ("file::test"); docs/reliability.md section 6 lists the same ids.
FAULTS: dict[str, list[str]] = {
    # images and data folders
    "image-truncated": ["test_data.py::test_truncated_jpeg_names_the_file",
                        "test_data.py::test_truncated_real_imagenet_jpeg",
                        "test_manifests.py::test_verify_images_lists_every_bad_file"],
    "image-zero-byte": ["test_faults.py::test_unreadable_files_stop_the_manifest_naming_each"],
    "image-not-an-image": ["test_data.py::test_non_image_and_missing_file",
                           "test_faults.py::test_unreadable_files_stop_the_manifest_naming_each"],
    "image-cmyk": ["test_data.py::test_cmyk_jpeg_becomes_rgb"],
    "image-grayscale": ["test_data.py::test_grayscale_becomes_rgb",
                        "test_manifests.py::test_verify_images_modes_and_conversion_counts"],
    "image-decoder-warning": ["test_faults.py::test_decoder_warnings_are_errors"],
    "image-changed-after-manifest": ["test_faults.py::test_an_image_changed_after_its_manifest_is_refused"],
    "class-folder-empty": ["test_manifests.py::test_empty_class_folder_named"],
    "val-class-missing-from-train": ["test_manifests.py::test_val_class_missing_from_train_refused"],
    "too-many-images": ["test_manifests.py::test_n_greater_than_available_names_split_folder",
                        "test_reliability.py::test_many_classes_few_images_each"],
    # configuration
    "config-misspelt-key": ["test_faults.py::test_config_faults_stop_at_start_with_one_line",
                            "test_workflow.py::test_unknown_config_key_stops_at_start_naming_it",
                            "test_reliability.py::test_mistyped_config_keys_are_named"],
    "config-wrong-type": ["test_faults.py::test_config_faults_stop_at_start_with_one_line",
                          "test_workflow.py::test_wrong_type_stops_at_start_naming_the_key"],
    "config-resources-unknown-rule": ["test_faults.py::test_config_faults_stop_at_start_with_one_line"],
    "data-root-missing": ["test_faults.py::test_config_faults_stop_at_start_with_one_line",
                          "test_workflow.py::test_missing_data_root_names_path_and_key",
                          "test_manifests.py::test_missing_root_names_config_key"],
    "imagenet-root-is-a-file": ["test_faults.py::test_config_faults_stop_at_start_with_one_line",
                                "test_faults.py::test_a_root_that_is_a_file_is_named_in_jobs"],
    "imagenet-root-placeholder": ["test_faults.py::test_config_faults_stop_at_start_with_one_line"],
    # damaged or missing intermediates
    "checkpoint-truncated": ["test_reliability.py::test_non_checkpoint_inputs_are_refused_naming_the_file",
                             "test_faults.py::test_damaged_intermediates_name_the_file_and_the_command"],
    "benchmark-corrupt": ["test_faults.py::test_damaged_intermediates_name_the_file_and_the_command",
                          "test_faults.py::test_a_corrupt_benchmark_costs_only_its_own_scores"],
    "score-json-invalid": ["test_faults.py::test_damaged_intermediates_name_the_file_and_the_command",
                           "test_faults.py::test_an_invalid_score_json_is_named_and_recovered"],
    "intermediate-deleted": ["test_faults.py::test_every_intermediate_is_an_input_of_the_targets",
                             "test_faults.py::test_deleted_intermediates_are_scheduled_by_the_same_command",
                             "test_faults.py::test_deleted_intermediates_are_rebuilt_by_the_same_command"],
    "benchmark-fails-in-a-score-job": ["test_faults.py::test_a_failing_benchmark_keeps_the_other_scores",
                                       "test_faults.py::test_a_corrupt_benchmark_costs_only_its_own_scores"],
    "parallel-score-jobs-share-kept-folders": [
        "test_faults.py::test_parallel_score_jobs_sharing_a_kept_folder_do_not_fail"],
    "stale-sidecar": ["test_faults.py::test_a_failed_job_leaves_no_sidecar",
                      "test_faults.py::test_an_invalid_score_json_is_named_and_recovered"],
    "benchmark-nan-inf": ["test_reliability.py::test_packaged_assembly_with_nan_or_inf_is_refused",
                          "test_benchmarks.py::test_majaj_slice_synthetic_and_refusals"],
    "wc-file-foreign": ["test_reliability.py::test_wc_distributions_of_another_architecture_are_refused",
                        "test_weight_compression.py::test_corrupt_and_foreign_files_are_refused"],
    # interruptions and resources
    "kill-training": ["test_workflow.py::test_training_killed_with_sigkill_resumes_to_identical_weights",
                      "test_reliability.py::test_an_interrupted_write_never_leaves_the_final_name",
                      "test_reliability.py::test_damaged_resume_state_is_discarded_and_training_restarts"],
    "kill-scoring": ["test_faults.py::test_a_killed_job_leaves_no_partial_output_and_reruns"],
    "kill-wc-fit": ["test_faults.py::test_a_killed_job_leaves_no_partial_output_and_reruns"],
    "disk-full-checkpoint": ["test_faults.py::test_a_full_disk_during_a_checkpoint_write",
                             "test_faults.py::test_a_full_small_filesystem_is_named"],
    "nan-loss": ["test_training.py::test_nan_loss_stops_with_step_and_lr"],
    "memory-too-small": ["test_reliability.py::test_a_job_that_would_exceed_its_mem_mb_stops_before_it_starts"],
}


# ------------------------------------------------------------------------------------------------ the catalogue

def _doc_rows() -> dict[str, str]:
    """Fault id -> its row in the catalogue table of docs/reliability.md (section 6)."""
    text = DOC.read_text()
    section = text[text.index("## 6. Fault catalogue"):]
    return {m.group(1): m.group(0) for m in re.finditer(r"^\| `([a-z0-9-]+)` \|.*$", section, re.M)}


def _test_names(file: str) -> set[str]:
    tree = ast.parse((REPO / "tests" / file).read_text())
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}


def test_the_catalogue_in_the_doc_matches_the_tests():
    rows = _doc_rows()
    assert sorted(rows) == sorted(FAULTS), (f"in the doc only: {sorted(set(rows) - set(FAULTS))}; "
                                            f"in FAULTS only: {sorted(set(FAULTS) - set(rows))}")
    names: dict[str, set[str]] = {}
    for fault, tests in FAULTS.items():
        for ref in tests:
            file, name = ref.split("::")
            assert name in names.setdefault(file, _test_names(file)), f"{fault}: {ref} does not exist"
            assert f"{file}::{name}" in rows[fault] or f"`{name}`" in rows[fault], f"the doc's {fault} row lacks {ref}"
    here = {n for n in _test_names("test_faults.py") if n != "test_the_catalogue_in_the_doc_matches_the_tests"}
    listed = {ref.split("::")[1] for tests in FAULTS.values() for ref in tests if ref.startswith("test_faults.py")}
    assert here == listed, f"tests of this file missing from FAULTS: {sorted(here - listed)}"


# ------------------------------------------------------------------------------------------------ images

def _real_images(root: Path, n_per_class: int = 3) -> Path:
    """A small ImageNet-layout tree of real Imagenette JPEGs (two classes), or skip without the data."""
    src = Path(os.environ.get("WIRINGUP_DATA_ROOT", REPO.parent / "shared" / "data")) / "imagenette80" / "train"
    if not src.is_dir():
        pytest.skip(f"real Imagenette data not found at {src}")
    for cls in sorted(p.name for p in src.iterdir())[:2]:
        (root / "train" / cls).mkdir(parents=True)
        for f in sorted((src / cls).iterdir())[:n_per_class]:
            shutil.copy(f, root / "train" / cls / f.name)
    return root


def test_unreadable_files_stop_the_manifest_naming_each(tmp_path: Path):
    from wiringup.data.manifests import make_manifest

    root = _real_images(tmp_path / "data")
    cls = root / "train" / sorted(p.name for p in (root / "train").iterdir())[0]
    (cls / "empty.JPEG").write_bytes(b"")
    (cls / "notes.JPEG").write_text("not an image\n")
    (cls / "README.txt").write_text("ignored: not an image name\n")  # other files are not images: skipped
    with pytest.raises(WiringupError) as exc:
        make_manifest(root, "train", "all", 0, tmp_path / "m.tsv")
    msg = str(exc.value)
    assert "2 of 8 images" in msg and str(cls / "empty.JPEG") in msg and str(cls / "notes.JPEG") in msg
    assert not (tmp_path / "m.tsv").exists() and not list(tmp_path.glob(".m.tsv.*"))  # nothing half-written
    (cls / "empty.JPEG").unlink()
    (cls / "notes.JPEG").unlink()  # the documented recovery: replace or remove them, rerun
    assert make_manifest(root, "train", "all", 0, tmp_path / "m.tsv")["n_images"] == 6


def _png_with_invalid_apng_chunk() -> bytes:
    """A PNG whose acTL chunk announces 0 frames: PIL warns "Invalid APNG" and decodes the default image."""
    import io
    import struct
    import zlib

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(buf, "PNG")
    png = buf.getvalue()
    chunk = b"acTL" + struct.pack(">II", 0, 0)
    actl = struct.pack(">I", 8) + chunk + struct.pack(">I", zlib.crc32(chunk) & 0xFFFFFFFF)
    at = png.index(b"IDAT") - 4
    return png[:at] + actl + png[at:]


def test_decoder_warnings_are_errors(tmp_path: Path):
    import warnings

    from PIL import Image

    from wiringup.data.images import load_rgb

    path = tmp_path / "n01_odd.JPEG"
    path.write_bytes(_png_with_invalid_apng_chunk())
    with warnings.catch_warnings(record=True) as seen:  # PIL itself only warns, and decodes
        warnings.simplefilter("always")
        with Image.open(path) as im:
            im.load()
    assert any("Invalid APNG" in str(w.message) for w in seen)
    with pytest.raises(WiringupError, match="Invalid APNG") as exc:
        load_rgb(path)
    assert str(path) in str(exc.value)


def test_an_image_changed_after_its_manifest_is_refused(tmp_path: Path):
    """200 random bytes overwritten mid-file: the JPEG still decodes without any error (libjpeg's warnings never
    reach Python), so only the manifest's content hash catches it, in every reader, naming file and manifest."""
    from wiringup.data.imagefolder import _decode
    from wiringup.data.images import ManifestDataset, build_image_cache, eval_transform
    from wiringup.data.manifests import make_manifest, read_manifest

    root = _real_images(tmp_path / "data")
    manifest_path = tmp_path / "m.tsv"
    make_manifest(root, "train", "all", 0, manifest_path)
    manifest = read_manifest(manifest_path)
    assert manifest.sha256 is not None and len(manifest.sha256) == len(manifest.paths) == 6
    rng = np.random.default_rng(0)
    for k, rel in enumerate(manifest.paths):  # the first image that still decodes after the damage
        target = root / rel
        original = target.read_bytes()
        data = bytearray(original)
        data[len(data) // 2:len(data) // 2 + 200] = rng.integers(0, 256, 200, dtype=np.uint8).tobytes()
        try:
            _decode(target, bytes(data))
        except WiringupError:
            continue
        target.write_bytes(bytes(data))
        break
    else:
        pytest.fail("every damaged image failed to decode: the silent case was not exercised")
    for read in (lambda: ManifestDataset(root, manifest, eval_transform(16))[k],
                 lambda: build_image_cache(root, manifest, tmp_path / "c.imgcache")):
        with pytest.raises(WiringupError, match="changed since the manifest") as exc:
            read()
        assert str(target) in str(exc.value) and str(manifest_path) in str(exc.value)
    assert not (tmp_path / "c.imgcache").exists()  # nothing half-written
    target.write_bytes(original)  # the documented recovery: restore the original file
    assert ManifestDataset(root, manifest, eval_transform(16))[k][0].shape == (3, 16, 16)


def test_a_root_that_is_a_file_is_named_in_jobs(tmp_path: Path):
    from wiringup.core.env import resolve_data_path
    from wiringup.data.imagefolder import scan_split

    (tmp_path / "imagenet.tar").write_bytes(b"")
    with pytest.raises(WiringupError, match="is a file, not a folder") as exc:
        resolve_data_path(str(tmp_path), "imagenet.tar", "imagenet.root")
    assert "'imagenet.root'" in str(exc.value) and "does not exist" not in str(exc.value)
    with pytest.raises(WiringupError, match="is a file, not a folder") as exc:
        scan_split(tmp_path / "imagenet.tar", "train")
    assert "`imagenet.root`" in str(exc.value) and "data.root" not in str(exc.value)


# ------------------------------------------------------------------------------------------- configuration

def _config_run(workdir: Path, overrides: dict | None = None, *configs: str) -> subprocess.CompletedProcess:
    files = [str(workdir / "tiny.yaml"), *configs]
    if overrides is not None:
        (workdir / "bad.yaml").write_text(yaml.safe_dump(overrides))
        files.append(str(workdir / "bad.yaml"))
    return snakemake(workdir, "-n", "--configfile", *files, check=False)


@pytest.mark.parametrize("overrides, expected", [
    ({"trainig": {"lr": 0.1}}, "config key trainig is not allowed; did you mean 'training'?"),
    ({"model": {"widht": 0.5}}, "config key model.widht is not allowed; did you mean 'width'?"),
    ({"model": {"width": "wide"}}, "config key model.width: 'wide' is not of type 'number'"),
    ({"resources": {"scroe": {"mem_mb": 100}}}, "config key resources.scroe: no rule or rule family is named "
                                                "'scroe'; did you mean 'score'?"),
    ({"data_root": "/nonexistent/data"}, "config key imagenet.root: /nonexistent/data/imagenette80 does not exist"),
    ({"imagenet": {"root": "README.md"}}, "is a file, not a folder"),
    ("paper", "config key imagenet.root: /path/to/ILSVRC2012 does not exist"),
])
def test_config_faults_stop_at_start_with_one_line(workdir: Path, data_root: Path, overrides, expected: str):
    """A config fault stops Snakemake (dry run included) before it plans: one line naming the key, with the
    allowed keys or what to set; no schema dump, no traceback."""
    if overrides == "paper":
        paper = yaml.safe_load((REPO / "config" / "paper.yaml").read_text())
        (workdir / "paper.yaml").write_text(yaml.safe_dump({**paper, "data_root": str(data_root)}))
        proc = _config_run(workdir, None, str(workdir / "paper.yaml"))
    else:
        if overrides == {"imagenet": {"root": "README.md"}}:
            assert (data_root / "README.md").is_file()
        proc = _config_run(workdir, overrides)
    out = proc.stdout + proc.stderr
    lines = [line for line in out.splitlines() if line.strip() and not line.startswith(("Config file", "Assuming"))]
    assert proc.returncode != 0 and len(lines) == 1, out[-3000:]
    assert lines[0].startswith("wiringup config error: ") and expected in lines[0], lines[0]
    if "did you mean" in expected:
        assert "(allowed " in lines[0] or "rule family" in lines[0]
    assert not (workdir / "results").exists()


@pytest.fixture()
def workdir(tmp_path: Path, data_root: Path) -> Path:
    return make_workdir(tmp_path / "wd", data_root)


# -------------------------------------------------------------------------------------- damaged intermediates

def test_damaged_intermediates_name_the_file_and_the_command(tmp_path: Path):
    """A truncated checkpoint, a corrupt packaged benchmark and an invalid score JSON are refused naming the file
    and the one command that rebuilds it (the target rules list every intermediate: see the deletion tests)."""
    from wiringup.nets.checkpoints import load_model, save_checkpoint
    from wiringup.nets.registry import build_model
    from wiringup.scoring.benchmarks.assembly import load_assembly
    from wiringup.tables.scores import read_score

    ckpt = tmp_path / "epoch_01.pt"
    save_checkpoint(ckpt, build_model(seed=0, **TINY), TINY, {"epoch": 1})
    ckpt.write_bytes(ckpt.read_bytes()[:4000])
    nc = _assembly(tmp_path, np.random.default_rng(0).standard_normal((2, 6, 1)))
    nc.write_bytes(nc.read_bytes()[: nc.stat().st_size // 3])
    score = tmp_path / "score.json"
    score.write_text('{"format": "wiringup-score", "score": 0.4')
    for path, read in ((ckpt, load_model), (nc, load_assembly), (score, read_score)):
        with pytest.raises(WiringupError) as exc:
            read(path)
        assert f"delete {path} and rerun the same command (`snakemake --cores 2`" in str(exc.value), str(exc.value)


def test_a_failing_benchmark_keeps_the_other_scores(tmp_path: Path, monkeypatch, capsys):
    """One benchmark of a score job fails: the others still run, and their scores are kept outside the job's
    outputs (which Snakemake removes) and restored, not recomputed, by the rerun; the failure names the benchmark."""
    from wiringup.scoring import jobs as J

    monkeypatch.chdir(tmp_path)
    model = Path("results/models/m.pt")
    model.parent.mkdir(parents=True)
    model.write_bytes(b"weights")
    benches = {b: {"benchmark": {"id": b}, "assembly": None, "manifest": None} for b in ("A", "B", "C")}
    outputs = {b: f"results/scores/{b}/m.json" for b in benches}
    calls: list[str] = []
    broken = {"B"}

    def fake_score(model_path, out_path, *, benchmark, **kw):
        calls.append(benchmark["id"])
        if benchmark["id"] in broken:
            raise WiringupError(f"results/benchmarks/{benchmark['id']}.nc: not a readable netCDF file")
        record = {"format": "wiringup-score", "benchmark_id": benchmark["id"], "score": 0.5}
        write_json(out_path, record)
        return record

    monkeypatch.setattr(J, "score_checkpoint", fake_score)
    monkeypatch.setattr(J, "_load_shared", lambda *a: ("model", {}, {}))   # loaded once, here a stand-in
    run = lambda: J.score_checkpoint_on(str(model), benches, outputs, model_id="m", data_root=".",  # noqa: E731
                                        scoring={}, input_size=32)
    with pytest.raises(WiringupError) as exc:
        run()
    msg = str(exc.value)
    assert "1 of 3 benchmark(s) failed for model m" in msg and "B: results/benchmarks/B.nc" in msg
    assert "2 other score(s) are kept" in msg and calls == ["A", "B", "C"]
    kept = sorted(str(p) for p in Path("results/resume/scores").rglob("*.json"))
    assert kept == ["results/resume/scores/A/m.json", "results/resume/scores/C/m.json"]
    for o in outputs.values():  # what Snakemake does to the outputs of a failed job
        Path(o).unlink(missing_ok=True)
    broken.clear()
    calls.clear()
    capsys.readouterr()
    records = run()
    assert calls == ["B"] and [r["benchmark_id"] for r in records] == ["A", "B", "C"]
    progress = capsys.readouterr().out.splitlines()  # one progress line per benchmark, in order
    assert progress[0].startswith("[1/3] A: restored") and progress[1] == "[2/3] B: score 0.5000, raw -, 0.0 s"
    assert progress[2].startswith("[3/3] C: restored")
    assert all(read_json(o)["score"] == 0.5 for o in outputs.values())
    assert not Path("results/resume").exists() or not any(Path("results/resume").rglob("*"))  # cleaned up
    # a kept score whose inputs changed is never reused
    broken.add("B")
    with pytest.raises(WiringupError):
        run()
    model.write_bytes(b"other weights")
    broken.clear()
    calls.clear()
    run()
    assert calls == ["A", "B", "C"]


def test_parallel_score_jobs_sharing_a_kept_folder_do_not_fail(tmp_path: Path, monkeypatch):
    """Two score jobs of one run folder (e.g. epoch_0.5 and epoch_01) keep their scores in the same folders: one
    removing its kept score (and the then-empty folders) while the other writes, or after the other already removed
    them, must not fail either job (a FileNotFoundError from rmdir broke a parallel run of the tiny DAG)."""
    from wiringup.scoring import jobs as J

    monkeypatch.chdir(tmp_path)
    kept = Path("results/resume/scores/B/standard/n32_seed0/epoch_01.json")
    J._remove_kept(kept)  # its folders were already removed by the other job: nothing to do, no error
    calls = []
    real = J.write_json

    def flaky(path, data):  # the other job's rmdir wins the race once, between mkdir and the write
        calls.append(path)
        if len(calls) == 1:
            raise FileNotFoundError(2, "No such file or directory", str(Path(path).parent))
        real(path, data)

    monkeypatch.setattr(J, "write_json", flaky)
    J._keep(str(kept), {"key": "k", "record": {}})
    assert len(calls) == 2 and read_json(kept) == {"key": "k", "record": {}}
    other = kept.with_name("epoch_0.5.json")
    real(other, {"key": "k2"})
    J._remove_kept(kept)  # the folder still holds the other job's score: kept
    assert other.is_file() and not kept.exists()
    J._remove_kept(other)
    assert not Path("results/resume/scores/B").exists() and Path("results/resume").is_dir()


def test_a_failed_job_leaves_no_sidecar(tmp_path: Path, monkeypatch):
    """Snakemake removes the outputs of a failed job; their provenance sidecars go with them (and a job that starts
    removes its outputs' old sidecars)."""
    monkeypatch.chdir(tmp_path)
    Path("results").mkdir()
    for name in ("t.csv", "u.csv"):
        Path(f"results/{name}").write_text("old\n")
        write_json(f"results/{name}.prov.json", {"rule": "table", "stale": True})
    job = _job(tmp_path, rule="table", outputs={"t": "results/t.csv", "u": "results/u.csv"})

    def fails_after_writing(smk):
        Path(smk.output.t).write_text("new\n")
        write_json(f"{smk.output.t}.prov.json", {"rule": "table"})  # a script's own sidecar
        raise WiringupError("results/in.json: not valid JSON")

    with pytest.raises(SystemExit):
        pipeline.run(job, fails_after_writing)
    assert not list(Path("results").glob("*.prov.json"))
    pipeline.run(job, lambda smk: [Path(o).write_text("good\n") for o in smk.output])
    assert sorted(p.name for p in Path("results").glob("*.prov.json")) == ["t.csv.prov.json", "u.csv.prov.json"]
    assert "stale" not in read_json("results/t.csv.prov.json")


# ------------------------------------------------------------------------------------------------ full disk

def test_a_full_disk_during_a_checkpoint_write(tmp_path: Path, monkeypatch):
    """ENOSPC while a checkpoint is written: training stops naming the file and the free space, nothing is left
    under that name, the resume state survives, and the rerun (the same command) ends with the weights of an
    uninterrupted run."""
    import wiringup.nets.checkpoints as C

    reference = _train(tmp_path, "ref")
    real_save = torch.save

    def full_disk(obj, f, *a, **kw):
        if isinstance(obj, dict) and obj.get("format") == C.FORMAT:
            with open(f, "wb") as h:
                h.write(b"PK\x03\x04partial")  # some bytes made it before the disk filled up
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_save(obj, f, *a, **kw)

    monkeypatch.setattr(C.torch, "save", full_disk)
    with pytest.raises(WiringupError) as exc:
        _train(tmp_path, "cut")
    final = tmp_path / "cut" / "epoch_02.pt"
    msg = str(exc.value)
    assert str(final) in msg and "no space left on device" in msg and "MB free" in msg
    assert not final.exists() and not list(final.parent.glob(".epoch_02.pt.*"))
    assert (tmp_path / "resume_cut" / "state.pt").is_file()
    monkeypatch.setattr(C.torch, "save", real_save)
    resumed = _train(tmp_path, "cut")
    assert all(torch.equal(reference[k], resumed[k]) for k in reference)


def test_a_full_small_filesystem_is_named(tmp_path: Path):
    """A real full disk: torch.save into a 1 MB tmpfs (root only; skipped elsewhere) reports a RuntimeError, which
    the atomic writer turns into the same message; nothing is left under the final name."""
    from wiringup.nets.checkpoints import save_checkpoint
    from wiringup.nets.registry import build_model

    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        target = mount / "epoch_01.pt"
        big = {"arch": "cornet_s", "width": 0.25, "num_classes": 10}  # 13 MB of weights
        with pytest.raises(WiringupError, match="no space left on device") as exc:
            save_checkpoint(target, build_model(seed=0, **big), big, {"epoch": 1})
        assert str(target) in str(exc.value)
        assert not list(mount.iterdir())
        del exc  # the traceback holds torch's writer, and with it the deleted temporary file open
    finally:
        import gc

        gc.collect()
        if subprocess.run(["umount", str(mount)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(mount)], check=True)


# ------------------------------------------------------------------------------- missing intermediates (DAG)

def _summary(workdir: Path, *target: str) -> list[str]:
    """Every output file of the DAG behind ``target`` (``snakemake --summary``: nothing runs)."""
    lines = snakemake(workdir, *target, "--summary", "--configfile", str(workdir / "tiny.yaml")).stdout.splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith("output_file"))
    return [line.split("\t")[0] for line in lines[start + 1:] if line.strip()]


def _target_inputs(workdir: Path, *target: str) -> set[str]:
    """The inputs of the target rule (all, figures) in a dry run."""
    out = snakemake(workdir, "-n", *target, "--configfile", str(workdir / "tiny.yaml")).stdout.splitlines()
    at = out.index(f"rule {target[0] if target else 'all'}:")
    line = out[at + 1].strip()
    assert line.startswith("input: "), line
    return set(line[len("input: "):].split(", "))


def test_every_intermediate_is_an_input_of_the_targets(workdir: Path):
    """Rule all lists every output of its DAG and rule figures every output of its own (but the temporary image
    caches), so a missing one is a missing input of the target: the same command rebuilds it."""
    from wiringup.plan import build

    plan = build(validated_config(REPO / "config" / "config.yaml", workdir / "tiny.yaml"))
    temporary = re.compile(r"results/cache/.*\.imgcache$")
    for target in ((), ("figures",)):
        made = {f for f in _summary(workdir, *target) if not temporary.match(f)}
        listed = _target_inputs(workdir, *target)
        assert made == listed, (target, sorted(made - listed), sorted(listed - made))
    assert set(plan.intermediates) <= _target_inputs(workdir) and len(plan.intermediates) > 70
    assert "results/manifests/train_n32.tsv" in plan.figure_intermediates


@pytest.fixture()
def tiny_copy(tiny_dag: Path, tmp_path: Path) -> Path:
    """A copy of the session's tiny run (results, logs and Snakemake's metadata; modification times kept)."""
    copy = tmp_path / "run"
    shutil.copytree(tiny_dag, copy, symlinks=True, ignore=shutil.ignore_patterns("locks"))
    return copy


#: One intermediate of each kind, and what else rule all must then rebuild (at least).
DELETED = {
    "score JSON": "results/scores/MajajHong2015slice.V4-pls/init/kn/seed1.json",
    "packaged benchmark": "results/benchmarks/MajajHong2015slice.IT-pls.nc",
    "WC fit": "results/wc/run/distributions.npz",
    "checkpoint": "results/models/ct/n32_seed0/epoch_0.5.pt",
    "model at birth": "results/models/init/wc/seed1.pt",
    "manifest": "results/manifests/val.tsv",
}


def test_deleted_intermediates_are_scheduled_by_the_same_command(tiny_copy: Path):
    from test_profiles import parse_jobs

    run = tiny_copy
    cfg = ("--configfile", str(run / "tiny.yaml"))
    assert "Nothing to be done" in snakemake(run, "-n", *cfg).stdout  # the copy is complete and up to date
    for path in DELETED.values():
        (run / path).unlink()
    for target in ((), ("figures",)):
        jobs = parse_jobs(snakemake(run, "-n", *target, *cfg).stdout)
        planned = {o for j in jobs for o in j["output"]}
        missing = {kind: p for kind, p in DELETED.items() if p not in planned}
        assert not missing, f"`snakemake {' '.join(target)}` does not rebuild {missing}"
        assert "results/tables/scores.csv" in planned  # and what is made from them


@pytest.mark.slow
def test_deleted_intermediates_are_rebuilt_by_the_same_command(tiny_copy: Path):
    """Delete a score JSON, a checkpoint and the WC fit; `snakemake --cores 2` rebuilds each, and what is made
    from them; an artifact nothing of that depends on (another run's checkpoint) is not touched."""
    from wiringup.core.provenance import content_digest

    run = tiny_copy
    deleted = [DELETED["score JSON"], DELETED["checkpoint"], DELETED["WC fit"]]
    before = {p: content_digest(run / p) for p in deleted}
    untouched = run / "results/models/standard/n64_seed0/epoch_01.pt"
    stamp = untouched.stat().st_mtime_ns
    for p in deleted:
        (run / p).unlink()
    snakemake(run, "--configfile", str(run / "tiny.yaml"))
    assert {p: content_digest(run / p) for p in deleted} == before  # rebuilt, and identical (CPU is exact)
    assert untouched.stat().st_mtime_ns == stamp
    assert "Nothing to be done" in snakemake(run, "-n", "--configfile", str(run / "tiny.yaml")).stdout


# ------------------------------------------------------------------------------- damaged intermediates (DAG)

def _corrupt_keeping_mtime(path: Path, keep: int) -> None:
    """Truncate ``path`` to ``keep`` bytes without changing its modification time (bit rot, a bad copy)."""
    st = path.stat()
    path.write_bytes(path.read_bytes()[:keep])
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


@pytest.mark.slow
def test_an_invalid_score_json_is_named_and_recovered(tiny_copy: Path):
    """An invalid score JSON stops aggregate_scores naming it and the command; Snakemake removes the score tables
    (the failed job's outputs) and their provenance sidecars go with them; deleting the JSON and rerunning the same
    command restores everything."""
    run = tiny_copy
    cfg = ("--configfile", str(run / "tiny.yaml"))
    bad = run / DELETED["score JSON"]
    bad.write_text('{"format": "wiringup-score", "score": ')  # newer than the table: aggregate_scores reruns
    proc = snakemake(run, *cfg, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and f"{DELETED['score JSON']}: not valid JSON" in out
    assert f"delete {DELETED['score JSON']} and rerun the same command (`snakemake --cores 2`" in out
    for table in ("scores.csv", "brain_predictivity.csv"):
        assert not (run / "results/tables" / table).exists()
        assert not (run / "results/tables" / f"{table}.prov.json").exists()
    assert (run / "results/models/standard/n64_seed0/epoch_01.pt").is_file()  # nothing upstream lost
    bad.unlink()
    snakemake(run, *cfg)
    assert read_json(bad)["format"] == "wiringup-score"
    for table in ("scores.csv", "brain_predictivity.csv"):
        assert (run / "results/tables" / f"{table}.prov.json").is_file()


@pytest.mark.slow
def test_a_corrupt_benchmark_costs_only_its_own_scores(tiny_copy: Path):
    """A packaged benchmark damaged after it was made: the score job of a model fails naming the file and the
    command, its other benchmarks' scores are kept and, after the documented recovery (delete it, rerun the same
    command), restored without being computed again."""
    run = tiny_copy
    cfg = ("--configfile", str(run / "tiny.yaml"))
    model = "init/kn/seed1"
    jsons = sorted((run / "results/scores").glob(f"*/{model}.json"))
    assert len(jsons) == 5  # the tiny DAG's 5 benchmarks
    for j in jsons:
        j.unlink()
    nc = run / DELETED["packaged benchmark"]
    _corrupt_keeping_mtime(nc, nc.stat().st_size // 3)
    proc = snakemake(run, *cfg, check=False)
    out = proc.stdout + proc.stderr
    rel = DELETED["packaged benchmark"]
    assert proc.returncode != 0 and f"{rel}: not a readable netCDF file" in out
    assert f"delete {rel} and rerun the same command" in out and "1 of 5 benchmark(s) failed" in out
    kept = sorted(p.relative_to(run / "results/resume/scores") for p in (run / "results/resume/scores").rglob("*.json"))
    assert len(kept) == 4 and all(str(k).endswith(f"{model}.json") for k in kept)
    nc.unlink()
    snakemake(run, *cfg)
    assert all(read_json(j)["format"] == "wiringup-score" for j in jsons)
    log = (run / "logs/scores" / f"{model}.log").read_text()
    assert log.count("restored the score kept by an earlier run") == 4
    assert not list((run / "results/resume").rglob("*.json"))


# ------------------------------------------------------------------------------------------------ kill -9

KILLED = {
    "score": ("results/scores/Cowley2023.210325.V4-pls/init/kn/seed1.json",
              "results/scores/*/init/kn/seed1.json", "logs/scores/init/kn/seed1.log"),
    "wc": ("results/wc/run/distributions.npz", "results/wc/run/distributions.*", "logs/wc/run/fit.log"),
}


@pytest.mark.slow
@pytest.mark.parametrize("job", sorted(KILLED))
def test_a_killed_job_leaves_no_partial_output_and_reruns(tiny_copy: Path, job: str):
    """SIGKILL Snakemake and its job (a score job, the WC fit) while the job runs: no output is left half-written
    under its final name; `snakemake --unlock` and the same command with --rerun-incomplete finish the job."""
    run = tiny_copy
    target, pattern, log = KILLED[job]
    for f in run.glob(pattern):
        f.unlink()
    cmd = [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", str(run), "--cores", "2", target, "--configfile",
           str(run / "tiny.yaml")]
    (run / log).unlink(missing_ok=True)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 600
    while not (run / log).exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    time.sleep(1.0)  # the job's work has started (its log is open)
    assert proc.poll() is None, "the job finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    for f in run.glob(pattern):  # whatever exists is complete (written atomically), never a partial file
        _complete(f)
    snakemake(run, "--unlock", "--configfile", str(run / "tiny.yaml"))
    snakemake(run, target, "--rerun-incomplete", "--configfile", str(run / "tiny.yaml"))
    for f in run.glob(pattern):
        _complete(f)
    assert (run / target).is_file()


def _complete(path: Path) -> None:
    """Refuse a damaged score JSON or WC file (the readers check every part)."""
    from wiringup.tables.scores import read_score
    from wiringup.wc.distributions import load_wc

    if path.suffix == ".npz":
        load_wc(path)
    elif path.suffix == ".json":
        read_score(path) if "/scores/" in str(path) else read_json(path)
