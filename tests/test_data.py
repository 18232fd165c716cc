"""Tests for wiringup.data.images: RGB loading of odd images, transforms, deterministic augmentation."""
from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader

from wiringup.data.images import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    ManifestDataset,
    epoch_order,
    eval_resize_size,
    eval_transform,
    load_rgb,
    train_transform,
)
from wiringup.core.io import WiringupError
from wiringup.data.manifests import make_manifest, read_manifest

REPO = Path(__file__).resolve().parents[1]
REAL_ROOT = Path(os.environ.get("WIRINGUP_DATA_ROOT", REPO.parent / "shared" / "data")) / "imagenette80"
needs_real = pytest.mark.skipif(
    not (REAL_ROOT / "train").is_dir(),
    reason=f"real Imagenette data not found at {REAL_ROOT} (set WIRINGUP_DATA_ROOT to the folder holding imagenette80/)",
)


def stored(path: Path) -> Image.Image:
    """The file as PIL reads it without conversion (file closed afterwards)."""
    with Image.open(path) as im:
        im.load()
    return im


def noise_jpeg_bytes(size: int = 64, seed: int = 0) -> bytes:
    a = np.random.default_rng(seed).integers(0, 256, (size, size, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, "JPEG", quality=90)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# load_rgb


def test_grayscale_becomes_rgb(tmp_path):
    p = tmp_path / "g.JPEG"
    Image.new("L", (10, 8), 77).save(p, "JPEG")
    im = load_rgb(p)
    assert im.mode == "RGB" and im.size == (10, 8)
    a = np.asarray(im)
    assert np.array_equal(a[..., 0], a[..., 1]) and np.array_equal(a[..., 1], a[..., 2])
    assert abs(int(a.mean()) - 77) <= 2


def test_cmyk_jpeg_becomes_rgb(tmp_path):
    p = tmp_path / "c.JPEG"
    Image.new("CMYK", (8, 8), (0, 255, 255, 0)).save(p, "JPEG", quality=95)  # pure red in CMYK
    assert stored(p).mode == "CMYK"
    im = load_rgb(p)
    assert im.mode == "RGB"
    r, g, b = np.asarray(im).reshape(-1, 3).mean(0)
    assert r > 200 and g < 60 and b < 60


def test_png_under_jpeg_name(tmp_path):
    p = tmp_path / "n02105855_2933.JPEG"  # ImageNet's famous PNG-in-disguise
    Image.new("RGB", (5, 5), (10, 20, 30)).save(p, "PNG")
    im = load_rgb(p)
    assert im.mode == "RGB" and im.getpixel((0, 0)) == (10, 20, 30)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Image.new("RGBA", (6, 6), (200, 100, 50, 128)),
        lambda: Image.new("LA", (6, 6), (90, 255)),
        lambda: Image.new("RGB", (6, 6), (3, 200, 9)).convert("P"),
        lambda: Image.new("1", (6, 6), 1),
    ],
    ids=["RGBA", "LA", "P", "1"],
)
def test_other_modes_become_rgb(tmp_path, make):
    p = tmp_path / "x.png"
    src = make()
    src.save(p, "PNG")
    im = load_rgb(p)
    assert im.mode == "RGB" and im.size == (6, 6)
    assert np.array_equal(np.asarray(im), np.asarray(stored(p).convert("RGB")))


def test_16bit_grayscale_is_scaled_not_clipped(tmp_path):
    p = tmp_path / "deep.png"
    Image.fromarray(np.array([[0, 32896, 65535]], dtype=np.uint16)).save(p, "PNG")
    assert stored(p).mode.startswith("I")
    a = np.asarray(load_rgb(p))
    assert a.shape == (1, 3, 3)
    assert a[0, :, 0].tolist() == [0, 128, 255]


def test_corrupt_bytes_name_the_file(tmp_path):
    p = tmp_path / "n01_bad.JPEG"
    p.write_bytes(np.random.default_rng(0).integers(0, 256, 500, dtype=np.uint8).tobytes())
    with pytest.raises(WiringupError, match="n01_bad.JPEG"):
        load_rgb(p)
    q = tmp_path / "header_only.JPEG"
    q.write_bytes(noise_jpeg_bytes()[:40] + b"\x00" * 400)  # valid JPEG start, garbage after
    with pytest.raises(WiringupError, match="header_only.JPEG"):
        load_rgb(q)


def test_non_image_and_missing_file(tmp_path):
    p = tmp_path / "notes.JPEG"
    p.write_text("this is text")
    with pytest.raises(WiringupError, match="notes.JPEG"):
        load_rgb(p)
    with pytest.raises(WiringupError, match="absent.JPEG"):
        load_rgb(tmp_path / "absent.JPEG")


def test_truncated_jpeg_names_the_file(tmp_path):
    full = noise_jpeg_bytes()
    p = tmp_path / "half.JPEG"
    p.write_bytes(full[: len(full) // 2])
    with Image.open(p) as im:
        assert im.size == (64, 64)  # the header alone looks fine
    with pytest.raises(WiringupError, match="truncated") as exc:
        load_rgb(p)
    assert str(p) in str(exc.value)


@needs_real
def test_truncated_real_imagenet_jpeg(tmp_path):
    src = sorted((REAL_ROOT / "train" / "n01440764").iterdir())[0]
    assert load_rgb(src).mode == "RGB"
    data = src.read_bytes()
    p = tmp_path / src.name
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(WiringupError, match=src.name):
        load_rgb(p)


# ---------------------------------------------------------------------------------------------
# transforms


def test_transforms_shapes_and_normalisation():
    img = Image.new("RGB", (100, 80), tuple(int(round(255 * m)) for m in IMAGENET_MEAN))
    for tf in (train_transform(32), eval_transform(32)):
        torch.manual_seed(0)
        x = tf(img)
        assert x.shape == (3, 32, 32) and x.dtype == torch.float32
        assert x.abs().max() < 0.02  # the mean colour maps to ~0
    white = eval_transform(8)(Image.new("RGB", (20, 20), (255, 255, 255)))
    assert torch.allclose(white[:, 0, 0], torch.tensor([(1 - m) / s for m, s in zip(IMAGENET_MEAN, IMAGENET_STD)]), atol=1e-5)
    assert eval_resize_size(224) == 256 and eval_resize_size(64) == 73
    noisy = Image.fromarray(np.random.default_rng(1).integers(0, 256, (50, 70, 3), dtype=np.uint8))
    assert torch.equal(eval_transform(32)(noisy), eval_transform(32)(noisy))
    with pytest.raises(WiringupError, match="input size"):
        train_transform(0)


# ---------------------------------------------------------------------------------------------
# ManifestDataset and epoch order


@pytest.fixture(scope="module")
def small_set(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    rng = np.random.default_rng(0)
    for c in ("n01", "n02"):
        d = root / "train" / c
        d.mkdir(parents=True)
        for k in range(4):
            a = rng.integers(0, 256, (40, 48, 3), dtype=np.uint8)
            Image.fromarray(a).save(d / f"{c}_{k}.JPEG", "JPEG")
    Image.new("L", (40, 40), 30).save(root / "train" / "n02" / "gray.JPEG", "JPEG")
    out = root / "m.tsv"
    make_manifest(root, "train", "all", 0, out)
    return root, read_manifest(out)


def test_dataset_items_and_labels(small_set):
    root, m = small_set
    ds = ManifestDataset(root, m, eval_transform(16))
    assert len(ds) == 9
    for i in range(len(ds)):
        x, y = ds[i]
        assert x.shape == (3, 16, 16) and y == int(m.labels[i]) and isinstance(y, int)
    assert torch.equal(ds[-1][0], ds[8][0])
    with pytest.raises(IndexError):
        ds[9]
    img, _ = ManifestDataset(root, m, None)[0]
    assert isinstance(img, Image.Image) and img.mode == "RGB"


def test_augmentation_is_a_function_of_seed_epoch_index(small_set):
    root, m = small_set
    a = ManifestDataset(root, m, train_transform(16), seed=3)
    b = ManifestDataset(root, m, train_transform(16), seed=3)
    forward = [a[i][0] for i in range(len(a))]
    torch.manual_seed(12345)  # unrelated global RNG use must not matter
    torch.rand(7)
    backward = {i: b[i][0] for i in reversed(range(len(b)))}
    for i in range(len(a)):
        assert torch.equal(forward[i], backward[i])
    assert torch.equal(a[2][0], a[2][0])  # repeated access
    # epoch and seed change the augmentation
    a.epoch = 1
    epoch1 = [a[i][0] for i in range(len(a))]
    assert sum(not torch.equal(x, y) for x, y in zip(forward, epoch1)) >= len(a) - 1
    other = ManifestDataset(root, m, train_transform(16), seed=4)
    assert sum(not torch.equal(x, other[i][0]) for i, x in enumerate(forward)) >= len(a) - 1
    a.epoch = 0
    assert torch.equal(a[5][0], forward[5])
    with pytest.raises(WiringupError, match="epoch"):
        a.epoch = -1


def test_global_rng_untouched(small_set):
    root, m = small_set
    ds = ManifestDataset(root, m, train_transform(16), seed=0)
    torch.manual_seed(99)
    state = torch.get_rng_state()
    ds[0], ds[3]
    assert torch.equal(torch.get_rng_state(), state)
    after = torch.rand(5)
    torch.manual_seed(99)
    assert torch.equal(torch.rand(5), after)


def test_same_tensors_with_and_without_workers(small_set):
    root, m = small_set
    ds = ManifestDataset(root, m, train_transform(16), seed=2)
    ds.epoch = 3
    order = epoch_order(len(ds), 2, 3).tolist()
    batches = {}
    for workers in (0, 2):
        loader = DataLoader(ds, batch_size=4, sampler=order, num_workers=workers)
        batches[workers] = [(x, y) for x, y in loader]
    for (x0, y0), (x2, y2) in zip(batches[0], batches[2]):
        assert torch.equal(x0, x2) and torch.equal(y0, y2)
    direct = torch.stack([ds[i][0] for i in order[:4]])
    assert torch.equal(batches[0][0][0], direct)


def test_epoch_order():
    o = epoch_order(50, 0, 0)
    assert o.dtype == np.int64 and sorted(o.tolist()) == list(range(50))
    assert np.array_equal(o, epoch_order(50, 0, 0))
    assert not np.array_equal(o, epoch_order(50, 0, 1))
    assert not np.array_equal(o, epoch_order(50, 1, 0))
    assert np.array_equal(o, np.random.default_rng([0, 0]).permutation(50))
    assert len(epoch_order(0, 0, 0)) == 0


def test_missing_image_at_load_time_names_it(tmp_path, small_set):
    root, m = small_set
    ds = ManifestDataset(root, m, eval_transform(16))
    ds.paths = list(ds.paths)
    ds.paths[0] = "train/n01/vanished.JPEG"
    with pytest.raises(WiringupError, match="vanished.JPEG"):
        ds[0]
    with pytest.raises(WiringupError, match="data.root"):
        ManifestDataset(tmp_path / "nowhere", m, None)
