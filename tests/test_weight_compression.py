"""Weight Compression: k-means + elbow, Gabor prior, the authors' sampler, the importer and the file format."""
from __future__ import annotations

import math
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from wiringup.wc import gabor
from wiringup.wc.authors import import_authors, read_authors_cluster_file, read_authors_gabor_file
from wiringup.wc.distributions import (GaborGMMLayer, KMeansLayer, WCDistributions, _arrays, conv_layers, load_wc,
                                       save_wc)
from wiringup.wc.fit import elbow_k, fit_kmeans_layer, fit_wc, fit_wc_checkpoint
from wiringup.wc.sample import WCCT_DEFAULT_BN, sample_gabor_weight, sample_kmeans_weight, sample_model
from wiringup.core.io import WiringupError
from wiringup.nets.registry import build_model, count_parameters


# ------------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def authors_dir(data_root: Path) -> Path:
    d = data_root / "geiger2022" / "wc_distributions"
    if not d.is_dir():
        pytest.skip(f"authors' WC files not found at {d}")
    return d


@pytest.fixture(scope="module")
def authors_wc(authors_dir: Path) -> WCDistributions:
    """The default import: IT.conv2 from _comp8, mixture by BIC, BN defaults."""
    return import_authors(authors_dir)


def _clustered_weight(rng, centres, count_mean, out, noise):
    """A conv weight whose (out, in) slices come from known centres with known per-kernel counts."""
    k, d = centres.shape
    inp = int(sum(count_mean))
    w = np.empty((out, inp, d), dtype=np.float32)
    for o in range(out):
        labels = np.repeat(np.arange(k), count_mean)
        rng.shuffle(labels)
        w[o] = centres[labels] + rng.normal(0, noise, (inp, d))
    side = int(round(math.sqrt(d)))
    return w.reshape(out, inp, side, side)


def _match(found: np.ndarray, true: np.ndarray) -> np.ndarray:
    """Index of the nearest found centre for each true centre."""
    dist = ((true[:, None, :] - found[None, :, :]) ** 2).sum(-1)
    return dist.argmin(1)


# ------------------------------------------------------------------------------------------------- k-means
def test_elbow_rule_picks_the_knee():
    ks = list(range(2, 16))
    wcss = [100 / (k - 1) if k <= 5 else 25 - (k - 5) * 0.5 for k in ks]  # steep to k=5, then nearly flat
    assert elbow_k(ks, wcss) == 5
    assert elbow_k(ks, [10 - k for k in ks]) == 2      # a straight line has no knee: smallest k
    assert elbow_k([2, 3], [5.0, 1.0]) == 2              # too short to have a knee


def test_kmeans_recovers_known_clusters_and_statistics():
    rng = np.random.default_rng(0)
    k = 4
    centres = rng.normal(0, 1.0, (k, 9)).astype(np.float32)
    counts = np.array([6, 12, 20, 26])
    noise = 0.05
    w = _clustered_weight(rng, centres, counts, out=96, noise=noise)
    layer = fit_kmeans_layer("V1.conv2", w, k_range=(2, 15), seed=0)
    assert layer.elbow["choice"] == "rule" and layer.elbow["rule_k"] == 4 and layer.k == 4
    assert layer.elbow["k"] == list(range(2, 16)) and len(layer.elbow["wcss"]) == 14
    found = layer.centers.reshape(k, 9)
    idx = _match(found, centres)
    assert sorted(idx) == list(range(k))
    np.testing.assert_allclose(found[idx], centres, atol=0.02)
    np.testing.assert_allclose(layer.count_mean[idx], counts, atol=1e-9)   # every kernel has exactly these
    np.testing.assert_allclose(layer.count_std[idx], 0, atol=1e-9)
    # weight_std: mean over members of the std across the 9 elements of (centre − member): E ≈ 0.914 σ
    np.testing.assert_allclose(layer.weight_std, noise * 0.9139, rtol=0.05)
    np.testing.assert_allclose(layer.member_std, noise, rtol=0.05)
    # an override wins over the rule, and the curve is still recorded
    forced = fit_kmeans_layer("V1.conv2", w, k=6, seed=0)
    assert forced.k == 6 and forced.elbow["choice"] == "override" and forced.elbow["rule_k"] == 4


def test_kmeans_1x1_layer_has_zero_noise_and_scalar_points():
    rng = np.random.default_rng(1)
    out, inp = 64, 32
    signs = rng.random((out, inp)) < 0.4
    w = np.where(signs, 0.05, -0.04) + rng.normal(0, 0.003, (out, inp))
    layer = fit_kmeans_layer("V2.conv_input", w[..., None, None], k=2, seed=0)
    assert layer.centers.shape == (2, 1, 1)
    np.testing.assert_array_equal(layer.weight_std, 0.0)                  # authors: std of a 1-element residual
    np.testing.assert_allclose(layer.member_std, 0.003, rtol=0.1)
    assert layer.count_mean.sum() == pytest.approx(inp)
    np.testing.assert_allclose(sorted(layer.centers.ravel()), [-0.04, 0.05], atol=1e-3)


def test_too_few_kernels_for_the_clusters_is_refused():
    w = np.zeros((1, 2, 3, 3), dtype=np.float32)
    with pytest.raises(WiringupError, match="V4.conv2"):
        fit_kmeans_layer("V4.conv2", w, k=5)


# --------------------------------------------------------------------------------------------------- Gabor
def test_gabor_gradient_is_exact():
    y, x = gabor._grid(7)
    rng = np.random.default_rng(0)
    from scipy.optimize import approx_fprime

    for _ in range(3):
        target = gabor.minmax(rng.random(49))
        p = np.array([0.2, 0.7, 3.0, 2.5, 0.4, 0.3, -0.5, 1.2]) + rng.normal(0, 0.05, 8)
        loss, grad = gabor._objective_and_grad(p, x.ravel(), y.ravel(), target)
        assert loss == pytest.approx(gabor.gabor_mse(p, target.reshape(7, 7)), abs=1e-12)
        num = approx_fprime(p, lambda q: gabor._objective_and_grad(q, x.ravel(), y.ravel(), target)[0], 1e-7)
        np.testing.assert_allclose(grad, num, atol=1e-5)


@pytest.mark.parametrize("true", [(0.25, 0.6, 2.5, 3.0, 0.8, 0.5, -0.3, 1.0),
                                  (0.15, -1.1, 3.5, 2.2, -2.0, -0.4, 0.7, 0.5),
                                  (0.33, 2.0, 2.2, 4.0, 1.5, 0.0, 0.0, 1.5)])
def test_gabor_fit_recovers_parameters_up_to_symmetry(true):
    fit = gabor.fit_gabor(gabor.gabor_kernel(*true), seed=0)
    f, th, sx, sy, ph, xc, yc, _scale, mse = fit
    assert mse < 1e-5
    np.testing.assert_allclose([f, sx, sy, xc, yc], [true[0], true[2], true[3], true[5], true[6]], atol=0.02)
    # θ is defined modulo π; θ + π is the same kernel with φ ↦ −φ; φ modulo 2π; scale is not identifiable
    assert abs(math.sin(th - true[1])) < 0.02
    sign = 1.0 if math.cos(th - true[1]) > 0 else -1.0
    assert abs(math.sin(ph - sign * true[4])) < 0.02 and math.cos(ph - sign * true[4]) > 0.99


def test_gabor_features_round_trip_and_parallel_fit_is_identical():
    rng = np.random.default_rng(2)
    lo = np.array([b[0] for b in gabor.GABOR_BOUNDS])
    hi = np.array([b[1] for b in gabor.GABOR_BOUNDS])
    params = lo + (hi - lo) * rng.random((5, 3, 8))
    feats = gabor.gabor_features(params)
    assert feats.shape == (5, 30)
    back = gabor.features_to_params(feats)
    # the authors' encoding is lossless only for θ in (−π/2, π/2] (mod 2π); otherwise φ keeps the wrong sign
    kept = np.cos(back[..., 1] - params[..., 1]) > 0
    assert kept.any() and (~kept).any()
    np.testing.assert_allclose(gabor.gabor_kernels(back)[kept], gabor.gabor_kernels(params)[kept], atol=1e-12)
    wrong = gabor.gabor_kernels(params[..., :8])[~kept]
    expected = gabor.gabor_kernels(np.concatenate([params[..., :1], back[..., 1:2], params[..., 2:]], -1))[~kept]
    np.testing.assert_allclose(gabor.gabor_kernels(back)[~kept], expected, atol=1e-12)
    assert not np.allclose(gabor.gabor_kernels(back)[~kept], wrong, atol=1e-6)
    # the canonical encoding (θ folded, φ flipped per half-turn) is lossless
    back_c = gabor.features_to_params(gabor.gabor_features(params, canonical=True))
    np.testing.assert_allclose(gabor.gabor_kernels(back_c), gabor.gabor_kernels(params), atol=1e-12)
    kernels = gabor.gabor_kernels(params[:2])
    one = gabor.fit_gabors(kernels, niter=1, n_jobs=1)
    two = gabor.fit_gabors(kernels, niter=1, n_jobs=2)
    assert one.shape == (2, 3, 9)
    np.testing.assert_array_equal(one, two)


# -------------------------------------------------------------------------------------------------- sampler
def _layer(centers, mean, std, wstd, in_channels, out_channels=16, name="V2.conv2"):
    k = len(mean)
    return KMeansLayer(name=name, centers=np.asarray(centers, np.float32), count_mean=np.asarray(mean, float),
                       count_std=np.asarray(std, float), weight_std=np.asarray(wstd, float),
                       member_std=np.full(k, np.nan), in_channels=in_channels, out_channels=out_channels)


def test_sampler_reproduces_counts_noise_and_frac():
    rng = np.random.default_rng(0)
    centres = np.eye(3, 9, dtype=np.float32).reshape(3, 3, 3) * 2.0            # far apart: assignment is exact
    layer = _layer(centres, [10.0, 20.0, 34.0], [1.0, 2.0, 1.5], [0.05, 0.1, 0.02], in_channels=64)
    w = sample_kmeans_weight(layer, (4000, 64, 3, 3), rng)
    flat = w.reshape(-1, 9)
    lab = ((flat[:, None, :] - centres.reshape(1, 3, 9)) ** 2).sum(-1).argmin(1)
    counts = np.stack([(lab.reshape(4000, 64) == j).sum(1) for j in range(3)], 1)
    # fill in cluster order, truncate when full, leftovers to the last cluster: small effect with these stds
    np.testing.assert_allclose(counts.mean(0), [10, 20, 34], atol=0.3)
    assert counts[:, :2].std(0) == pytest.approx([1.0, 2.0], rel=0.1)
    resid = flat - centres.reshape(3, 9)[lab]
    for j, s in enumerate([0.05, 0.1, 0.02]):
        assert resid[lab == j].std() == pytest.approx(s, rel=0.03)
    # channel order is permuted: the first slot is not always cluster 0
    assert 0.05 < (lab.reshape(4000, 64)[:, 0] == 0).mean() < 0.3
    # half the input channels: counts scale by frac = 32/64
    half = sample_kmeans_weight(layer, (2000, 32, 3, 3), rng).reshape(-1, 9)
    lab2 = ((half[:, None, :] - centres.reshape(1, 3, 9)) ** 2).sum(-1).argmin(1).reshape(2000, 32)
    np.testing.assert_allclose((lab2 == 0).sum(1).mean(), 5.0, atol=0.3)


def test_sampler_1x1_zero_noise_gives_exactly_the_centres():
    layer = _layer([[[0.03]], [[-0.04]]], [40.0, 24.0], [5.0, 5.0], [0.0, 0.0], in_channels=64)
    w = sample_kmeans_weight(layer, (128, 64, 1, 1), np.random.default_rng(0))
    assert set(np.unique(w).tolist()) == {np.float32(0.03).item(), np.float32(-0.04).item()}


def test_sample_model_is_deterministic_per_seed(authors_wc):
    a = sample_model(authors_wc, seed=3, width=0.25, num_classes=10)
    b = sample_model(authors_wc, seed=3, width=0.25, num_classes=10)
    c = sample_model(authors_wc, seed=4, width=0.25, num_classes=10)
    sa, sb, sc = a.state_dict(), b.state_dict(), c.state_dict()
    for key in sa:
        assert torch.equal(sa[key], sb[key]), key
    for key in ("V1.conv1.weight", "V2.conv2.weight", "IT.conv3.weight", "decoder.linear.weight"):
        assert not torch.equal(sa[key], sc[key]), key
    # the authors' 1×1 layers: every weight is one of the two shipped centres
    centres = authors_wc.layers["V2.conv_input"].centers.ravel()
    assert set(torch.unique(a.V2.conv_input.weight).tolist()) == set(centres.tolist())
    # optional clipping of the sampled Gabor parameters to the fit bounds bounds the amplitude: scale/(2π·2·2)
    clipped = sample_gabor_weight(authors_wc.layers["V1.conv1"], (64, 3, 7, 7), np.random.default_rng(0),
                                  clip_to_bounds=True)
    assert np.abs(clipped).max() <= 2 / (2 * math.pi * 4) + 1e-6
    # BN from the authors' files: defaults, live statistics
    assert torch.all(a.V2.norm1_0.weight == 1) and a.V2.norm1_0.track_running_stats


def test_full_size_model_from_the_authors_files(authors_wc):
    model = sample_model(authors_wc, seed=0)
    assert count_parameters(model)["total"] == 53_416_616
    assert count_parameters(model)["conv_weights"] == 52_860_096
    model.eval()
    with torch.no_grad():
        out = model(torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(0)))
    assert out.shape == (2, 1000) and torch.isfinite(out).all()
    assert model.V1.conv1.weight.shape == (64, 3, 7, 7)        # Gabor kernels from the refitted mixture
    assert torch.isfinite(model.V1.conv1.weight).all()


# ----------------------------------------------------------------------------------------------- importer
EXPECTED_K = {"V1.conv1": 8, "V1.conv2": 7, "V2.conv2": 5, "V4.conv2": 8, "IT.conv2": 4, "IT.conv2_comp4": 4,
              "IT.conv2_comp8": 9}


def test_importer_reads_every_shipped_file(authors_dir):
    files = sorted(authors_dir.glob("cluster_*.pkl"))
    assert len(files) == 19   # 17 conv layers + the _comp4 and _comp8 variants of IT.conv2
    for path in files:
        layer = path.stem[len("cluster_"):]
        d = read_authors_cluster_file(path)
        assert d["k"] == EXPECTED_K.get(layer, 2), layer
        assert d["centers"].shape[0] == d["k"]
    params = read_authors_gabor_file(authors_dir / "gm_gabor_V1.conv1.npy", shape=(64, 3))
    assert params.shape == (64, 3, 9)


def test_imported_parameter_counts_are_exact(authors_dir, authors_wc):
    # default: IT.conv2 from _comp8 (9 clusters) -> k-means part 444; mixture by BIC; BN defaults count 0
    pc = authors_wc.parameter_count()
    m = authors_wc.layers["V1.conv1"].n_components
    assert authors_wc.layers["IT.conv2"].k == 9
    assert pc["kmeans"] == 444 and pc["gabor_gmm"] == 931 * m and pc["batchnorm"] == 0
    assert pc["authors_rule"] == 444 + 931 * m
    assert authors_wc.layers["V1.conv1"].selection["selection"] == "bic"
    # the 16 shipped files the authors' sampler loads by name (IT.conv2 with 4 clusters): 384 (§3.8), and
    # with 4 mixture components and 29 BN layers the paper's 4,166 (App. B.3)
    bn_model = build_model("cornet_s", seed=0, width=1.0)
    plain = import_authors(authors_dir, it_conv2="plain", gabor_components=4, bn_source=bn_model,
                           gmm_n_init=2)
    pc = plain.parameter_count()
    assert pc["kmeans"] == 384
    assert pc["gabor_gmm"] == 4 * 931 == 3724
    assert pc["batchnorm"] == 58
    assert pc["authors_rule"] == 4166
    assert pc["bn_running_stats_not_counted"] == 2 * 21_760
    assert plain.layers["V1.conv1"].selection["selection"] == "fixed"
    # the first layer's k-means alternative (cluster_V1.conv1.pkl, not WC): 8·49 + 3·8
    km1 = import_authors(authors_dir, first_layer="kmeans")
    assert km1.parameter_count()["per_layer"]["V1.conv1"] == 8 * 49 + 24


def test_importer_refuses_foreign_pickles(tmp_path, authors_dir):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    bad = tmp_path / "cluster_V2.conv1.pkl"
    bad.write_bytes(pickle.dumps({"mean": Evil()}))
    with pytest.raises(WiringupError, match="cluster_V2.conv1.pkl"):
        read_authors_cluster_file(bad)
    bad.write_bytes(pickle.dumps({"mean": [1.0], "std": [1.0]}))
    with pytest.raises(WiringupError, match="expected a dict"):
        read_authors_cluster_file(bad)
    d = pickle.loads((authors_dir / "cluster_V2.conv1.pkl").read_bytes())
    d["components"] = 3
    bad.write_bytes(pickle.dumps(d))
    with pytest.raises(WiringupError, match="centers"):
        read_authors_cluster_file(bad)
    bad.write_bytes(b"not a pickle")
    with pytest.raises(WiringupError, match="cluster_V2.conv1.pkl"):
        read_authors_cluster_file(bad)


# ------------------------------------------------------------------------------------ fit + file format
@pytest.fixture(scope="module")
def small_fit():
    """fit_wc on a small CORnet-S (width 1/8) with structured weights and non-default BN."""
    model = build_model("cornet_s", seed=1, width=0.125, num_classes=10)
    rng = np.random.default_rng(0)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(torch.from_numpy(rng.normal(1.2, 0.1, m.num_features).astype(np.float32)))
                m.bias.copy_(torch.from_numpy(rng.normal(-0.1, 0.05, m.num_features).astype(np.float32)))
                m.running_mean.copy_(torch.from_numpy(rng.normal(0, 1, m.num_features).astype(np.float32)))
                m.running_var.copy_(torch.from_numpy(rng.uniform(0.5, 2, m.num_features).astype(np.float32)))
    wc = fit_wc(model, k_per_layer={"V2.conv2": 3}, k_range=(2, 6), gabor_components=1, gabor_niter=0,
                gabor_n_jobs=1, seed=0)
    return model, wc


def test_fit_wc_end_to_end(small_fit):
    model, wc = small_fit
    assert list(wc.layers) == list(conv_layers(model))
    assert isinstance(wc.layers["V1.conv1"], GaborGMMLayer) and wc.layers["V1.conv1"].n_components == 1
    assert wc.layers["V2.conv2"].k == 3 and wc.layers["V2.conv2"].elbow["choice"] == "override"
    assert all(2 <= l.k <= 6 for n, l in wc.layers.items() if n not in ("V1.conv1", "V2.conv2"))
    assert wc.width == pytest.approx(0.125) and len(wc.batchnorm) == 29
    bn = wc.batchnorm["V4.norm2_3"]
    g = model.V4.norm2_3.weight.detach().double().numpy()
    np.testing.assert_allclose(bn.gamma, [g.mean(), g.std()])
    pc = wc.parameter_count()
    assert pc["authors_rule"] == pc["kmeans"] + 931 + 58
    # sampling at the fitted width: BN stats copied and frozen (authors), norm3_* left at defaults on request
    s = sample_model(wc, seed=0, num_classes=10, default_bn=WCCT_DEFAULT_BN)
    assert torch.equal(s.V2.norm1_0.running_mean, model.V2.norm1_0.running_mean)
    assert not s.V2.norm1_0.track_running_stats
    assert s.V2.norm3_0.track_running_stats and torch.all(s.V2.norm3_0.weight == 1)
    assert "V2.norm1_0" in s.wiringup_wc["bn_frozen_running_stats"]
    # zero_noise_1x1=False uses the within-cluster scalar std: no longer just k distinct values
    noisy = sample_model(wc, seed=0, num_classes=10, zero_noise_1x1=False)
    assert torch.unique(noisy.V2.conv1.weight).numel() > wc.layers["V2.conv1"].k
    # another width: BN statistics cannot be copied, the error says what to do
    with pytest.raises(WiringupError, match="copy_bn_stats=False"):
        sample_model(wc, seed=0, width=0.25, num_classes=10)
    wide = sample_model(wc, seed=0, width=0.25, num_classes=10, copy_bn_stats=False)
    assert wide.V2.conv2.weight.shape[0] == 128


def test_save_load_round_trip_is_exact(tmp_path, small_fit, authors_wc):
    for i, wc in enumerate([small_fit[1], authors_wc]):
        path = tmp_path / f"wc{i}.npz"
        save_wc(wc, path)
        back = load_wc(path)
        assert back.header() == wc.header()
        for key, arr in _arrays(wc).items():
            np.testing.assert_array_equal(_arrays(back)[key], arr)
            assert _arrays(back)[key].dtype == arr.dtype
        a = sample_model(wc, seed=5, width=0.125, num_classes=10, copy_bn_stats=False).state_dict()
        b = sample_model(back, seed=5, width=0.125, num_classes=10, copy_bn_stats=False).state_dict()
        assert all(torch.equal(a[k], b[k]) for k in a)
    with np.load(tmp_path / "wc1.npz", allow_pickle=False) as z:       # no pickle needed to read it
        assert "header" in z.files


def test_corrupt_and_foreign_files_are_refused(tmp_path, small_fit):
    good = tmp_path / "good.npz"
    save_wc(small_fit[1], good)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[:2000])
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"\x00" * 100)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, x=np.arange(3))
    other = tmp_path / "other.npz"
    np.savez(other, header=np.array('{"format": "something-else", "version": 1}'))
    for path in (truncated, garbage, foreign, other, tmp_path / "missing.npz"):
        with pytest.raises(WiringupError, match=path.name):
            load_wc(path)
    # a consistent-looking file with one array dropped
    with np.load(good, allow_pickle=False) as z:
        data = {k: z[k] for k in z.files}
    del data["V2.conv2::centers"]
    damaged = tmp_path / "damaged.npz"
    np.savez(damaged, **data)
    with pytest.raises(WiringupError, match="V2.conv2::centers"):
        load_wc(damaged)
    # a header naming an architecture this code cannot build is refused at load, not first at sampling
    import json
    with np.load(good, allow_pickle=False) as z:
        data = {k: z[k] for k in z.files}
    header = json.loads(str(data["header"]))
    data["header"] = np.array(json.dumps({**header, "arch": "alexnet"}))
    unknown = tmp_path / "unknown_arch.npz"
    np.savez(unknown, **data)
    with pytest.raises(WiringupError, match="unknown_arch.npz.*'alexnet'"):
        load_wc(unknown)


def test_other_architectures_are_refused(tmp_path):
    from wiringup.nets.checkpoints import save_checkpoint

    net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.Conv2d(8, 8, 1))
    with pytest.raises(WiringupError, match="not a cornet_s network"):
        fit_wc(net)
    path = tmp_path / "resnet.pt"
    save_checkpoint(path, net, {"arch": "resnet50"}, {})
    with pytest.raises(WiringupError, match="resnet.pt"):
        fit_wc_checkpoint(path)
    with pytest.raises(WiringupError, match="k_per_layer"):
        fit_wc(build_model("cornet_s", width=0.0625, num_classes=2), k_per_layer={"V3.conv9": 2})
