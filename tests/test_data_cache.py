"""The fast training data path (config `speed`): image cache, cached dataset, channels_last, exact resume."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader
from torchvision import transforms as T

from wiringup.nets.checkpoints import read_checkpoint
from wiringup.data.images import (
    CachedManifestDataset,
    ImageCache,
    ManifestDataset,
    build_image_cache,
    epoch_order,
    item_seed,
    random_resized_crop_params,
    train_transform,
)
from wiringup.core.io import WiringupError
from wiringup.data.manifests import make_manifest, read_manifest
from wiringup.nets.registry import build_model
from wiringup.training import Recipe, _Interrupted, epoch_label, train


@pytest.fixture(scope="module")
def image_set(tmp_path_factory):
    """Smooth random images (JPEG and PNG, odd sizes, one grayscale) in an ImageNet-layout folder + manifest."""
    root = tmp_path_factory.mktemp("data")
    rng = np.random.default_rng(0)
    for c, n in (("n01", 5), ("n02", 5)):
        d = root / "train" / c
        d.mkdir(parents=True)
        for k in range(n):
            h, w = int(rng.integers(30, 60)), int(rng.integers(30, 60))
            a = rng.integers(0, 256, (h // 4 + 1, w // 4 + 1, 3), dtype=np.uint8)
            im = Image.fromarray(a).resize((w, h), Image.BILINEAR)
            im.save(d / f"{c}_{k}.{'JPEG' if k % 2 else 'png'}")
    Image.new("L", (41, 33), 90).save(root / "train" / "n02" / "gray.JPEG", "JPEG")
    out = root / "m.tsv"
    make_manifest(root, "train", "all", 0, out)
    m = read_manifest(out)
    cache = root / "m.imgcache"
    build_image_cache(root, m, cache)
    return root, m, cache


def test_crop_params_equal_torchvision_draws():
    for seed in range(200):
        h, w = (int(v) for v in np.random.default_rng(seed).integers(8, 400, 2))
        torch.manual_seed(seed)
        expected = T.RandomResizedCrop.get_params(torch.empty(3, h, w), [0.08, 1.0], [3 / 4, 4 / 3])
        flip_expected = torch.rand(1) < 0.5
        g = torch.Generator().manual_seed(seed)
        assert random_resized_crop_params(h, w, g) == tuple(expected)
        assert bool(torch.rand(1, generator=g) < 0.5) == bool(flip_expected)


def test_cache_round_trip_and_shrink(image_set, tmp_path):
    root, m, cache = image_set
    c = ImageCache(cache)
    assert len(c) == len(m.paths) == 11
    for i, p in enumerate(m.paths):
        with Image.open(root / p) as im:
            assert np.array_equal(c.image(i), np.asarray(im.convert("RGB")))
    assert np.array_equal(c.labels, m.labels)
    small = tmp_path / "s.imgcache"
    info = build_image_cache(root, m, small, short_side=32, workers=2)
    s = ImageCache(small)
    assert info["images"] == 11 and s.meta["short_side"] == 32
    for i in range(len(s)):
        h, w = c.image(i).shape[:2]
        assert min(s.image(i).shape[:2]) == min(32, h, w)


def test_cached_items_match_uncached_crops(image_set):
    root, m, cache = image_set
    fast = CachedManifestDataset(cache, m, 24, seed=5)
    slow = ManifestDataset(root, m, train_transform(24), seed=5)
    identical = 0
    for epoch in (0, 3):
        fast.epoch = slow.epoch = epoch
        for i in range(len(m.paths)):
            (x, y), (x0, y0) = fast[i], slow[i]
            assert x.shape == x0.shape == (3, 24, 24) and x.dtype == torch.float32 and y == y0
            # same crop box and flip; resampling rounds differently (PIL vs torch) by at most a few grey levels
            assert (x - x0).abs().max() < 0.1, (epoch, i)
            identical += torch.equal(x, x0)
    assert identical >= 2  # many items are bit-identical (all would be with the same resampler)
    a = fast[3][0]
    fast.epoch = 0
    assert not torch.equal(a, fast[3][0])  # the epoch changes the draw


def test_cached_dataset_is_deterministic_with_workers(image_set):
    _, m, cache = image_set
    ds = CachedManifestDataset(cache, m, 16, seed=2)
    ds.epoch = 1
    order = epoch_order(len(ds), 2, 1).tolist()
    runs = [[x for x, _ in DataLoader(ds, batch_size=4, sampler=order, num_workers=w)] for w in (0, 2)]
    assert all(torch.equal(a, b) for a, b in zip(*runs))
    state = torch.get_rng_state()
    ds[0]
    assert torch.equal(torch.get_rng_state(), state)  # the global RNG is untouched
    assert item_seed(2, 1, 0) != item_seed(2, 1, 1)


def test_stale_or_damaged_cache_is_refused(image_set, tmp_path):
    root, m, cache = image_set
    other = read_manifest(root / "m.tsv")
    other.paths = list(reversed(other.paths))
    with pytest.raises(WiringupError, match="does not match its manifest"):
        CachedManifestDataset(cache, other, 16)
    cut = tmp_path / "cut.imgcache"
    cut.write_bytes(cache.read_bytes()[:-100])
    with pytest.raises(WiringupError, match="truncated|damaged"):
        ImageCache(cut)
    (tmp_path / "bad.imgcache").write_bytes(b"not a cache at all")
    with pytest.raises(WiringupError, match="not a wiringup-image-cache"):
        ImageCache(tmp_path / "bad.imgcache")


MODEL = {"arch": "cornet_s", "width": 0.0625, "num_classes": 2}


def _run(tmp_path, dataset, name, interrupt=None, **speed):
    model = build_model(seed=0, **MODEL)
    recipe = Recipe(batch_size=4, lr=0.05, schedule="constant", resume_every_steps=2)
    outs = {e: tmp_path / name / f"epoch_{epoch_label(e)}.pt" for e in (1, 2)}
    train(model, dataset, recipe, outs, seed=0, model_config=MODEL, meta={"images": len(dataset)},
          resume_dir=tmp_path / "resume" / name, metrics_path=tmp_path / name / "metrics.csv", resume_key="k",
          progress=False, interrupt_at_step=interrupt, **speed)
    return model, outs


def test_resume_is_exact_with_cache_and_channels_last(image_set, tmp_path):
    _, m, cache = image_set
    ds = CachedManifestDataset(cache, m, 32, seed=0)
    ref, ref_outs = _run(tmp_path, ds, "ref", channels_last=True)
    with pytest.raises(_Interrupted):
        _run(tmp_path, ds, "cut", interrupt=4, channels_last=True)  # mid-epoch 2 (3 steps per epoch)
    for p in (tmp_path / "cut").glob("epoch_*.pt"):
        p.unlink()  # Snakemake deletes the outputs of a failed job
    model, outs = _run(tmp_path, ds, "cut", channels_last=True)
    for a, b in zip(ref.state_dict().values(), model.state_dict().values()):
        assert torch.equal(a, b)
    for e in ref_outs:
        sa, sb = read_checkpoint(ref_outs[e])["state_dict"], read_checkpoint(outs[e])["state_dict"]
        assert all(torch.equal(sa[k], sb[k]) for k in sa)
        w = sa["V1.conv1.weight"]
        assert w.is_contiguous()  # checkpoints in the standard layout
        w.view(w.shape[0], -1)
    # channels_last computes the same function up to float rounding: the first step's loss (before any update)
    _run(tmp_path, ds, "plain")
    import csv

    first = [float(next(csv.DictReader(open(tmp_path / n / "metrics.csv")))["loss"]) for n in ("ref", "plain")]
    assert abs(first[0] - first[1]) < 1e-4 * abs(first[1])
