"""Tests for wiringup.data.imagefolder (scanning ImageNet-layout folders, image checks) and wiringup.data.manifests
(subsets, manifest files)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from wiringup.data import imagefolder
from wiringup.core.io import WiringupError
from wiringup.data.imagefolder import list_classes, scan_split, verify_images
from wiringup.data.manifests import make_manifest, read_manifest, subset_indices, write_manifest

REPO = Path(__file__).resolve().parents[1]
REAL_ROOT = Path(os.environ.get("WIRINGUP_DATA_ROOT", REPO.parent / "shared" / "data")) / "imagenette80"
needs_real = pytest.mark.skipif(
    not (REAL_ROOT / "train").is_dir(),
    reason=f"real Imagenette data not found at {REAL_ROOT} (set WIRINGUP_DATA_ROOT to the folder holding imagenette80/)",
)


# ---------------------------------------------------------------------------------------------
# helpers


def touch_tree(root: Path, spec: dict[str, dict[str, int]], ext: str = ".JPEG") -> Path:
    """Empty files in ImageNet layout: enough for scanning and subsetting (not for decoding)."""
    for split, classes in spec.items():
        for cls, n in classes.items():
            d = root / split / cls
            d.mkdir(parents=True, exist_ok=True)
            for k in range(n):
                (d / f"{cls}_{k:05d}{ext}").touch()
    return root


def image_tree(root: Path, spec: dict[str, dict[str, int]], size: int = 16, seed: int = 0) -> Path:
    """Small real (noise) JPEGs in ImageNet layout."""
    rng = np.random.default_rng(seed)
    for split, classes in spec.items():
        for cls, n in classes.items():
            d = root / split / cls
            d.mkdir(parents=True, exist_ok=True)
            for k in range(n):
                a = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
                Image.fromarray(a).save(d / f"{cls}_{k:05d}.JPEG", "JPEG")
    return root


def rows(path: Path) -> list[str]:
    return [ln for ln in path.read_text().splitlines() if not ln.startswith("#")][1:]


TEN = {f"n{c:08d}": 60 for c in range(10)}


# ---------------------------------------------------------------------------------------------
# scanning


def test_scan_labels_paths_and_extensions(tmp_path):
    root = tmp_path / "data"
    touch_tree(root, {"train": {"n02": 2, "n01": 3}})
    d = root / "train" / "n01"
    for name in ("a.jpg", "b.JPG", "c.png", "d.Jpeg", "e.PNG"):
        (d / name).touch()
    (d / "notes.txt").touch()  # not an image extension: ignored
    (d / "._a.JPEG").touch()  # macOS AppleDouble file: hidden, ignored
    (d / "sub").mkdir()
    (d / "sub" / "deep.JPEG").touch()  # nested, as ImageFolder reads it
    (root / "train" / "README.txt").touch()  # non-image file beside the class folders: ignored

    idx = scan_split(root, "train")
    assert idx.classes == ["n01", "n02"]
    assert len(idx) == 3 + 5 + 1 + 2
    assert idx.labels.dtype == np.int64
    assert idx.labels.tolist() == [0] * 9 + [1] * 2
    assert idx.paths[:9] == sorted(idx.paths[:9]) and idx.paths[9:] == sorted(idx.paths[9:])
    assert "train/n01/sub/deep.JPEG" in idx.paths
    assert "train/n01/c.png" in idx.paths
    assert not any(p.endswith((".txt", "._a.JPEG")) for p in idx.paths)
    assert all(p.startswith("train/") for p in idx.paths)


def test_val_is_labelled_with_train_classes(tmp_path):
    root = touch_tree(tmp_path, {"train": {"n01": 2, "n02": 2, "n03": 2}, "val": {"n03": 1, "n02": 1}})
    train = scan_split(root, "train")
    val = scan_split(root, "val", train.classes)
    assert val.classes == ["n01", "n02", "n03"]
    assert val.paths == ["val/n02/n02_00000.JPEG", "val/n03/n03_00000.JPEG"]
    assert val.labels.tolist() == [1, 2]
    # ImageFolder semantics without a class list would give different labels; make_manifest uses train's.
    assert scan_split(root, "val").labels.tolist() == [0, 1]


def test_val_class_missing_from_train_refused(tmp_path):
    root = touch_tree(tmp_path, {"train": {"n01": 2}, "val": {"n01": 1, "n99": 1}})
    with pytest.raises(WiringupError, match="n99") as exc:
        scan_split(root, "val", scan_split(root, "train").classes)
    assert str(root / "val" / "n99") in str(exc.value)
    with pytest.raises(WiringupError, match="n99"):
        make_manifest(root, "val", "all", 0, tmp_path / "m.tsv", verify=False)


def test_missing_root_names_config_key(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(WiringupError) as exc:
        scan_split(missing, "train")
    msg = str(exc.value)
    assert f"ImageNet root {missing} does not exist" in msg and "`imagenet.root`" in msg


def test_missing_split_folder(tmp_path):
    touch_tree(tmp_path, {"train": {"n01": 1}})
    with pytest.raises(WiringupError, match="val"):
        scan_split(tmp_path, "val", ["n01"])


def test_no_class_folders(tmp_path):
    (tmp_path / "train").mkdir()
    with pytest.raises(WiringupError, match="no class folders"):
        scan_split(tmp_path, "train")


def test_empty_class_folder_named(tmp_path):
    root = touch_tree(tmp_path, {"train": {"n01": 2}})
    (root / "train" / "n05").mkdir()
    (root / "train" / "n05" / "readme.txt").touch()
    with pytest.raises(WiringupError, match="empty class folder") as exc:
        scan_split(root, "train")
    assert str(root / "train" / "n05") in str(exc.value)


def test_flat_val_refused(tmp_path):
    root = touch_tree(tmp_path, {"train": {"n01": 2}})
    (root / "val").mkdir()
    for k in range(3):
        (root / "val" / f"ILSVRC2012_val_{k:08d}.JPEG").touch()
    with pytest.raises(WiringupError, match="synset folders") as exc:
        scan_split(root, "val", ["n01"])
    assert "ILSVRC2012_val_00000000.JPEG" in str(exc.value)
    # also when some class folders exist beside the loose files
    (root / "val" / "n01").mkdir()
    (root / "val" / "n01" / "x.JPEG").touch()
    with pytest.raises(WiringupError, match="directly"):
        list_classes(root, "val")


# ---------------------------------------------------------------------------------------------
# subsets


def test_subset_indices_sizes_nesting_and_seeds():
    for n in (1, 7, 100, 1000):
        s = subset_indices(1000, n, seed=3)
        assert s.dtype == np.int64 and len(s) == n and len(np.unique(s)) == n
        assert s.min() >= 0 and s.max() < 1000
    small, big = subset_indices(1000, 100, 3), subset_indices(1000, 500, 3)
    assert np.array_equal(big[:100], small)  # nesting
    assert np.array_equal(subset_indices(1000, "all", 3), subset_indices(1000, 1000, 3))
    assert sorted(subset_indices(1000, "all", 3).tolist()) == list(range(1000))
    assert np.array_equal(subset_indices(1000, 100, 3), subset_indices(1000, 100, 3))
    assert set(subset_indices(1000, 100, 3).tolist()) != set(subset_indices(1000, 100, 4).tolist())
    assert np.array_equal(subset_indices(1000, "100", 3), small)  # e.g. a Snakemake wildcard
    assert np.array_equal(subset_indices(1000, np.int64(100), 3), small)


def test_subset_indices_refusals():
    with pytest.raises(WiringupError, match="at least 1"):
        subset_indices(10, 0, 0)
    with pytest.raises(WiringupError, match="at least 1"):
        subset_indices(10, -5, 0)
    with pytest.raises(WiringupError) as exc:
        subset_indices(10, 11, 0, where="/data/train")
    assert "11" in str(exc.value) and "10" in str(exc.value) and "/data/train" in str(exc.value)
    for bad in (2.5, 10.0, "ten", "1e3", True, None, [3]):
        with pytest.raises(WiringupError, match="integer"):
            subset_indices(10, bad, 0)
    with pytest.raises(WiringupError, match="seed"):
        subset_indices(10, 3, -1)


def test_n_greater_than_available_names_split_folder(tmp_path):
    root = touch_tree(tmp_path, {"train": {"n01": 3, "n02": 2}})
    with pytest.raises(WiringupError) as exc:
        make_manifest(root, "train", 6, 0, tmp_path / "m.tsv", verify=False)
    msg = str(exc.value)
    assert "6" in msg and "5" in msg and str(root / "train") in msg
    assert not (tmp_path / "m.tsv").exists()


# ---------------------------------------------------------------------------------------------
# manifest files


def test_manifest_sizes_roundtrip_and_format(tmp_path):
    root = touch_tree(tmp_path / "data", {"train": TEN})
    for n in (1, 5, 60, 600, "all"):
        out = tmp_path / f"m_{n}.tsv"
        summary = make_manifest(root, "train", n, 7, out, verify=False)
        m = read_manifest(out)
        expect = 600 if n == "all" else n
        assert len(m) == expect == summary["n_images"] == len(set(m.paths))
        assert m.meta == {
            "version": 2, "split": "train", "seed": 7, "n_requested": n, "n_available": 600,
            "n_classes": 10, "n_classes_present": len(set(m.labels.tolist())), "classes": sorted(TEN),
        }
        assert m.classes == sorted(TEN)
        assert m.labels.dtype == np.int64
        assert summary["n_classes_present"] == m.meta["n_classes_present"]
        assert sum(summary["class_counts"].values()) == expect
        for p, lab in zip(m.paths, m.labels.tolist()):
            assert p.split("/")[1] == m.classes[lab]
            assert (root / p).is_file()  # relative to the data root
    text = (tmp_path / "m_5.tsv").read_text()
    assert text.startswith("# wiringup-manifest: 2\n# split: train\n# seed: 7\n# n_requested: 5\n")
    assert "\npath\tlabel\tsha256\n" in text and text.endswith("\n")
    # exact equality with the index it came from
    idx = scan_split(root, "train")
    sel = subset_indices(600, 60, 7)
    m = read_manifest(tmp_path / "m_60.tsv")
    assert m.paths == [idx.paths[k] for k in sel]
    assert np.array_equal(m.labels, idx.labels[sel])


def test_manifest_works_on_moved_data(tmp_path):
    root = touch_tree(tmp_path / "a", {"train": {"n01": 3}})
    make_manifest(root, "train", 2, 0, tmp_path / "m.tsv", verify=False)
    moved = tmp_path / "b"
    root.rename(moved)
    m = read_manifest(tmp_path / "m.tsv")
    assert all((moved / p).is_file() for p in m.paths)


def test_manifest_determinism(tmp_path):
    root = touch_tree(tmp_path / "data", {"train": TEN})
    a, b, c = tmp_path / "a.tsv", tmp_path / "b.tsv", tmp_path / "c.tsv"
    make_manifest(root, "train", 50, 0, a, verify=False)
    make_manifest(root, "train", 50, 0, b, verify=False)
    make_manifest(root, "train", 50, 1, c, verify=False)
    assert a.read_bytes() == b.read_bytes()
    assert set(rows(a)) != set(rows(c))
    assert len(set(rows(a)) & set(rows(c))) < 50


def test_manifest_files_nest(tmp_path):
    root = touch_tree(tmp_path / "data", {"train": TEN})
    small, big = tmp_path / "s.tsv", tmp_path / "b.tsv"
    make_manifest(root, "train", 100, 5, small, verify=False)
    make_manifest(root, "train", 500, 5, big, verify=False)
    assert rows(big)[:100] == rows(small)
    assert len(rows(big)) == 500 and len(set(rows(big))) == 500


def test_uniform_not_stratified_synthetic(tmp_path):
    # 900 images of one class, 100 of another: a uniform draw of 200 takes ~20 of the small class
    # (hypergeometric sd ~3.8); a per-class (stratified) draw would take 100.
    root = touch_tree(tmp_path / "data", {"train": {"big": 900, "small": 100}})
    counts = []
    for seed in range(5):
        s = make_manifest(root, "train", 200, seed, tmp_path / f"m{seed}.tsv", verify=False)
        counts.append(s["class_counts"]["small"])
    assert all(5 <= c <= 40 for c in counts), counts
    assert 12 <= np.mean(counts) <= 28, counts


def test_fewer_images_than_classes_records_classes_present(tmp_path):
    root = touch_tree(tmp_path / "data", {"train": {f"n{k}": 5 for k in range(5)}})
    out = tmp_path / "m.tsv"
    s = make_manifest(root, "train", 2, 0, out, verify=False)
    m = read_manifest(out)
    assert m.meta["n_classes"] == 5 and len(m.classes) == 5
    assert m.meta["n_classes_present"] == len(set(m.labels.tolist())) == s["n_classes_present"] <= 2


@pytest.fixture
def good_manifest(tmp_path):
    root = touch_tree(tmp_path / "data", {"train": {"n01": 4, "n02": 4}})
    out = tmp_path / "m.tsv"
    make_manifest(root, "train", 5, 0, out, verify=False)
    read_manifest(out)
    return out


def _label(row: str, label: str) -> str:
    """A manifest row (path, label, sha256) with another label."""
    path, _, digest = row.split("\t")
    return f"{path}\t{label}\t{digest}"


def _tamper(path: Path, edit) -> None:
    lines = path.read_text().splitlines()
    path.write_text("\n".join(edit(lines)) + "\n")


@pytest.mark.parametrize(
    "edit, pattern",
    [
        (lambda L: L[:-1] + [L[9]], "more than once"),  # last row replaced by a copy of the first
        (lambda L: L[:-1], "rows but the header says 5"),  # a row deleted
        (lambda L: L + [L[9]], "rows but the header says 5"),  # a duplicate appended
        (lambda L: L[8:], "not a wiringup manifest"),  # header stripped
        (lambda L: ["# wiringup-manifest: 3"] + L[1:], "version 3"),
        (lambda L: L[:9] + [_label(L[9], "7")] + L[10:], "out of range"),
        (lambda L: L[:9] + [_label(L[9], str(1 - int(L[9].split("\t")[1])))] + L[10:], "folder of its label"),
        (lambda L: L[:9] + [L[9][:-1] + "x"] + L[10:], "64-digit hex digest"),
        (lambda L: L[:9] + [L[9].replace("\t", " ")] + L[10:], "not 'path<TAB>label<TAB>sha256'"),
        (lambda L: [x for x in L if not x.startswith("# seed")], "header lacks seed"),
        (lambda L: [x if not x.startswith("# n_classes_present") else "# n_classes_present: 9" for x in L], "n_classes_present"),
    ],
)
def test_tampered_manifest_refused(good_manifest, edit, pattern):
    _tamper(good_manifest, edit)
    with pytest.raises(WiringupError, match=pattern) as exc:
        read_manifest(good_manifest)
    assert str(good_manifest) in str(exc.value)


def test_read_missing_manifest(tmp_path):
    with pytest.raises(WiringupError, match="not found"):
        read_manifest(tmp_path / "nope.tsv")


def test_write_manifest_refuses_bad_indices(tmp_path):
    root = touch_tree(tmp_path / "data", {"train": {"n01": 4}})
    idx = scan_split(root, "train")
    with pytest.raises(WiringupError, match="duplicates"):
        write_manifest(tmp_path / "m.tsv", idx, [0, 0], "train", 0, 2)
    with pytest.raises(WiringupError, match="n_requested"):
        write_manifest(tmp_path / "m.tsv", idx, [0, 1], "train", 0, 3)
    with pytest.raises(WiringupError, match=r"\[0, 4\)"):
        write_manifest(tmp_path / "m.tsv", idx, [0, 4], "train", 0, 2)
    assert not (tmp_path / "m.tsv").exists()


# ---------------------------------------------------------------------------------------------
# image verification


def test_verify_images_modes_and_conversion_counts(tmp_path):
    root = image_tree(tmp_path, {"train": {"n01": 3, "n02": 2}})
    d = root / "train" / "n02"
    Image.new("L", (9, 9), 100).save(d / "gray.JPEG", "JPEG")
    Image.new("CMYK", (9, 9), (0, 255, 0, 0)).save(d / "cmyk.JPEG", "JPEG")
    Image.new("RGBA", (9, 9), (1, 2, 3, 4)).save(d / "png_in_disguise.JPEG", "PNG")
    s = make_manifest(root, "train", "all", 0, tmp_path / "m.tsv")
    assert s["modes"] == {"CMYK": 1, "L": 1, "RGB": 5, "RGBA": 1}
    assert s["n_converted"] == 3 and s["verified"] is True


def test_verify_images_lists_every_bad_file(tmp_path):
    root = image_tree(tmp_path, {"train": {"n01": 4}})
    d = root / "train" / "n01"
    good = sorted(p.name for p in d.iterdir())
    full = (d / good[0]).read_bytes()
    (d / "half.JPEG").write_bytes(full[: len(full) // 2])
    (d / "junk.JPEG").write_bytes(b"\x00not an image" * 20)
    (d / "text.png").write_text("hello")
    paths = [f"train/n01/{n}" for n in good + ["half.JPEG", "junk.JPEG", "text.png", "gone.JPEG"]]
    with pytest.raises(WiringupError) as exc:
        verify_images(root, paths)
    msg = str(exc.value)
    assert "4 of 8 images" in msg
    for name in ("half.JPEG", "junk.JPEG", "text.png", "gone.JPEG"):
        assert name in msg
    assert "truncated" in msg
    # make_manifest refuses to write a manifest over unreadable images
    with pytest.raises(WiringupError, match="could not be read"):
        make_manifest(root, "train", "all", 0, tmp_path / "m.tsv")
    assert not (tmp_path / "m.tsv").exists()


def test_verify_images_caps_the_list_and_works_in_worker_processes(tmp_path, monkeypatch):
    root = image_tree(tmp_path, {"train": {"n01": 3}})
    d = root / "train" / "n01"
    bad = [f"bad_{k:02d}.JPEG" for k in range(25)]
    for name in bad:
        (d / name).write_bytes(b"\xff\xd8\xff\xe0garbage")
    paths = sorted(f"train/n01/{p.name}" for p in d.iterdir())
    monkeypatch.setattr(imagefolder, "_MIN_PARALLEL", 2)  # force the process pool
    with pytest.raises(WiringupError) as exc:
        verify_images(root, paths, max_workers=2)
    msg = str(exc.value)
    assert "25 of 28 images" in msg and "... and 5 more" in msg
    assert sum(name in msg for name in bad) == 20
    good = [p for p in paths if "bad_" not in p]
    assert verify_images(root, good, max_workers=2) == {"RGB": 3}


# ---------------------------------------------------------------------------------------------
# the real Imagenette data


@needs_real
def test_real_scan():
    train = scan_split(REAL_ROOT, "train")
    val = scan_split(REAL_ROOT, "val", train.classes)
    assert (len(train), len(val), len(train.classes)) == (9469, 3925, 10)
    assert train.classes == sorted(train.classes) and train.classes[0] == "n01440764"
    assert val.classes == train.classes
    assert set(np.unique(train.labels).tolist()) == set(range(10))
    assert set(np.unique(val.labels).tolist()) == set(range(10))
    assert len(set(train.paths)) == 9469


@needs_real
def test_real_uniform_not_stratified(tmp_path):
    s = make_manifest(REAL_ROOT, "train", 1000, 0, tmp_path / "m.tsv", verify=False)
    counts = np.array(list(s["class_counts"].values()))
    assert counts.sum() == 1000 and s["n_classes_present"] == 10
    assert not np.all(counts == 100)  # a stratified draw would take exactly 100 per class
    # and sane for a uniform draw: each class within 5 sd of its expected hypergeometric count
    sizes = np.bincount(scan_split(REAL_ROOT, "train").labels, minlength=10)
    p = sizes / sizes.sum()
    expected = 1000 * p
    sd = np.sqrt(1000 * p * (1 - p) * (9469 - 1000) / (9469 - 1))
    assert np.all(np.abs(counts - expected) < 5 * sd), (counts, expected)


@needs_real
def test_real_verify_subset(tmp_path):
    s = make_manifest(REAL_ROOT, "train", 200, 1, tmp_path / "m.tsv", verify=True)
    assert sum(s["modes"].values()) == 200
    assert set(s["modes"]) <= {"RGB", "L"}
    m = read_manifest(tmp_path / "m.tsv")
    assert len(m) == 200 and m.meta["n_available"] == 9469


@needs_real
def test_manifest_verification_reports_progress(tmp_path, capsys):
    """Verifying a manifest's images (and only then) writes a progress bar to stderr, i.e. the job's log."""
    make_manifest(REAL_ROOT, "val", 600, 0, tmp_path / "v.tsv", verify=True, progress=True)
    err = capsys.readouterr().err
    assert "verify (hash + decode)" in err and "600/600" in err
    make_manifest(REAL_ROOT, "val", 600, 0, tmp_path / "w.tsv", verify=True)
    assert capsys.readouterr().err == ""
