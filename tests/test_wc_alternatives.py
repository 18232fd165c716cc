"""Fig. 7 alternative compressions (Mixture Gaussian, Kernel normal, No Gabor prior): fits, samplers, parameter
counts (the paper's exact numbers), file format, and the refusals of bad input."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from wiringup.wc import gabor
from wiringup.plan.wc import ALTERNATIVES
from wiringup.wc.alternatives import (alternative_plan, fit_alternative, fit_alternative_checkpoint, fit_alternatives,
                                      fit_kernel_normal_layer, fit_weight_gmm_layer)
from wiringup.wc.authors import read_authors_gabor_file
from wiringup.wc.distributions import KernelNormalLayer, PAPER_PARAMETER_COUNTS, arch_layout, load_wc, save_wc
from wiringup.wc.fit import fit_wc, fit_wc_checkpoint
from wiringup.wc.sample import (WCCT_DEFAULT_BN, restore_sampled_state, sample_kernel_normal_weight, sample_model,
                                sample_weight_gmm_weight, sampled_meta)
from wiringup.wc.summary import write_summary
from wiringup.core.io import WiringupError
from wiringup.nets.registry import build_model


@pytest.fixture(scope="module")
def authors_gabor(data_root):
    path = data_root / "geiger2022" / "wc_distributions" / "gm_gabor_V1.conv1.npy"
    if not path.is_file():
        pytest.skip(f"authors' Gabor file not found at {path}")
    return read_authors_gabor_file(path, shape=(64, 3))


@pytest.fixture(scope="module")
def small():
    """A 1/8-width CORnet-S with non-default BN and its WC fit (fast settings)."""
    model = build_model("cornet_s", seed=2, width=0.125, num_classes=10)
    rng = np.random.default_rng(1)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(torch.from_numpy(rng.normal(1.1, 0.1, m.num_features).astype(np.float32)))
                m.running_var.copy_(torch.from_numpy(rng.uniform(0.5, 2, m.num_features).astype(np.float32)))
    wc = fit_wc(model, k_range=(2, 4), gabor_components=1, gabor_niter=0, seed=0, curve_points=2000,
                exact_max_points=5000)
    alts = fit_alternatives(model, ALTERNATIVES, wc=wc, second_layer_gabor_niter=0,
                            weight_gmm_components={"V2.conv2": 2, "V4.conv2": 2, "IT.conv2": 2},
                            weight_gmm_max_points=3000)
    return model, wc, alts


def test_layer_plans_follow_the_authors_configs():
    shapes = {n: s for n, s in arch_layout("cornet_s", 1.0)["convs"].items()}
    ng = alternative_plan("no_gabor", shapes)
    assert set(ng.values()) == {"kernel_normal"} and len(ng) == 17
    kn = alternative_plan("kernel_normal", shapes)
    assert kn["V1.conv1"] == kn["V1.conv2"] == "gabor_gmm"
    assert [n for n, m in kn.items() if m != "kernel_normal"] == ["V1.conv1", "V1.conv2"]
    mg = alternative_plan("mixture_gaussian", shapes)
    assert sorted(n for n, m in mg.items() if m == "weight_gmm") == ["IT.conv2", "V2.conv2", "V4.conv2"]
    assert all(mg[n] == "kernel_normal" for n, s in shapes.items() if s[2:] == (1, 1))
    with pytest.raises(WiringupError, match="unknown alternative"):
        alternative_plan("cluster9", shapes)


def test_paper_parameter_counts_are_exact_at_full_size(authors_gabor):
    """App. B.3: Mixture Gaussian 428,114, Kernel normal 433,735, No Gabor prior 20,026 (with the authors'
    mixture sizes: V1.conv1 4, V1.conv2 1 of 640 dimensions, V2/V4/IT.conv2 5/8/4)."""
    model = build_model("cornet_s", seed=0, width=1.0)
    rng = np.random.default_rng(0)
    lo = np.array([b[0] for b in gabor.GABOR_BOUNDS])
    hi = np.array([b[1] for b in gabor.GABOR_BOUNDS])
    second = np.concatenate([lo + (hi - lo) * rng.random((64, 64, 8)), rng.random((64, 64, 1))], axis=-1)
    sets = fit_alternatives(model, ALTERNATIVES, first_layer_gabor_params=authors_gabor, gabor_components=4,
                            second_layer_gabor_params=second, weight_gmm_max_points=2000)
    for method, wc in sets.items():
        pc = wc.parameter_count()
        assert pc["authors_rule"] == PAPER_PARAMETER_COUNTS[method], method
        assert wc.compression == method and pc["batchnorm"] == 58
    mg = sets["mixture_gaussian"].parameter_count()
    assert mg["per_layer"]["V1.conv2"] == 1 + 640 + 640 ** 2 == 410_241
    assert mg["weight_gmm"] == (5 + 8 + 4) * (1 + 9 + 81) == 1547
    assert sets["no_gabor"].parameter_count()["kernel_normal"] == 2 * 9984
    # a full-size model sampled from one of them runs (the samplers of all three: the other tests)
    net = sample_model(sets["no_gabor"], seed=1, num_classes=10).eval()
    with torch.no_grad():
        out = net(torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(0)))
    assert torch.isfinite(out).all()


def test_kernel_normal_fit_and_sampler_reproduce_per_kernel_statistics():
    rng = np.random.default_rng(3)
    mean = rng.normal(0, 0.1, 32)
    std = rng.uniform(0.01, 0.2, 32)
    w = (mean[:, None, None, None] + std[:, None, None, None] * rng.standard_normal((32, 64, 3, 3)))
    layer = fit_kernel_normal_layer("V2.conv2", w)
    np.testing.assert_allclose(layer.mean, w.reshape(32, -1).mean(1))
    np.testing.assert_allclose(layer.std, w.reshape(32, -1).std(1))
    assert layer.authors_count() == 64
    s = sample_kernel_normal_weight(layer, (32, 256, 3, 3), np.random.default_rng(0)).reshape(32, -1)
    np.testing.assert_allclose(s.mean(1), layer.mean, atol=4 * layer.std.max() / np.sqrt(s.shape[1]))
    np.testing.assert_allclose(s.std(1), layer.std, rtol=0.06)
    with pytest.raises(WiringupError, match="V2.conv2.*fitted width"):
        sample_kernel_normal_weight(layer, (16, 64, 3, 3), np.random.default_rng(0))


def test_weight_mixture_recovers_components_and_samples_them():
    rng = np.random.default_rng(4)
    centres = np.stack([np.full(9, 0.2), np.full(9, -0.2)])
    labels = rng.random((64, 64)) < 0.3
    w = np.where(labels[..., None], centres[0], centres[1]) + rng.normal(0, 0.02, (64, 64, 9))
    w = w.reshape(64, 64, 3, 3)
    layer = fit_weight_gmm_layer("V4.conv2", w, components=2, max_points=2000)
    assert layer.n_components == 2 and layer.selection["fitted_points"] == 2000
    i = int(np.argmax(layer.means[:, 0]))
    np.testing.assert_allclose(layer.means[i], centres[0], atol=0.01)
    assert layer.weights[i] == pytest.approx(0.3, abs=0.04)
    s = sample_weight_gmm_weight(layer, (128, 64, 3, 3), np.random.default_rng(0)).reshape(-1, 9)
    assert (s[:, 0] > 0).mean() == pytest.approx(0.3, abs=0.02)
    # slices are shuffled: the first input channel of every kernel is not always the same component
    first = sample_weight_gmm_weight(layer, (200, 8, 3, 3), np.random.default_rng(1))[:, 0, 0, 0] > 0
    assert 0.15 < first.mean() < 0.45
    bic = fit_weight_gmm_layer("V4.conv2", w, components=None, max_points=1500, max_components=4)
    assert bic.selection["selection"] == "bic" and bic.n_components == 2


def test_alternatives_reuse_the_wc_first_layer_and_batchnorm(small):
    model, wc, alts = small
    for method in ("mixture_gaussian", "kernel_normal"):
        assert alts[method].layers["V1.conv1"] is wc.layers["V1.conv1"]
        assert alts[method].layers["V1.conv2"].dim == 10 * 8
        assert alts[method].layers["V1.conv2"].n_components == 1
    assert isinstance(alts["no_gabor"].layers["V1.conv1"], KernelNormalLayer)
    for a in alts.values():
        assert a.batchnorm["V4.norm1_2"].running_var is wc.batchnorm["V4.norm1_2"].running_var
    s = sample_model(alts["mixture_gaussian"], seed=0, num_classes=10)
    assert torch.equal(s.V2.norm2_0.running_var, model.V2.norm2_0.running_var)
    assert s.wiringup_wc["compression"] == "mixture_gaussian"


def test_alternative_files_round_trip_and_sampling_is_deterministic(tmp_path, small):
    _, _, alts = small
    for method, a in alts.items():
        path = tmp_path / f"{method}.npz"
        save_wc(a, path)
        back = load_wc(path)
        assert back.compression == method and back.header() == a.header()
        assert list(back.layers) == list(a.layers)       # model order, although the header keys are sorted
        sa = sample_model(a, seed=3, num_classes=10).state_dict()
        sb = sample_model(back, seed=3, num_classes=10).state_dict()
        sc = sample_model(back, seed=4, num_classes=10).state_dict()
        assert all(torch.equal(sa[k], sb[k]) for k in sa)
        assert not torch.equal(sa["V2.conv2.weight"], sc["V2.conv2.weight"])


def test_alternatives_need_the_wc_file_of_the_same_checkpoint(tmp_path, small):
    from wiringup.nets.checkpoints import save_checkpoint

    model, wc, _ = small
    ck = tmp_path / "a.pt"
    save_checkpoint(ck, model, {"arch": "cornet_s", "width": 0.125, "num_classes": 10}, {})
    other = tmp_path / "b.pt"
    save_checkpoint(other, build_model("cornet_s", seed=9, width=0.125, num_classes=10),
                    {"arch": "cornet_s", "width": 0.125, "num_classes": 10}, {})
    fitted = fit_wc_checkpoint(ck, k_range=(2, 3), gabor_components=1, gabor_niter=0, curve_points=1000,
                               exact_max_points=2000)
    wc_path = tmp_path / "wc.npz"
    save_wc(fitted, wc_path)
    with pytest.raises(WiringupError, match="another checkpoint"):
        fit_alternative_checkpoint(other, "no_gabor", wc_path=wc_path)
    ng = fit_alternative_checkpoint(ck, "no_gabor", wc_path=wc_path)
    assert ng.source["wc_file"] == str(wc_path) and ng.source["checkpoint"] == str(ck)
    # a WC file of another width is refused too
    wide = build_model("cornet_s", seed=0, width=0.25, num_classes=10)
    with pytest.raises(WiringupError, match="not fitted to this model"):
        fit_alternative(wide, "no_gabor", wc=fitted)


def test_bad_input_is_refused_naming_layer_or_file(tmp_path, small):
    model, wc, alts = small
    # a layer with fewer kernel slices than the requested clusters / mixture components
    tiny = build_model("cornet_s", seed=0, width=0.0625, num_classes=2)
    with pytest.raises(WiringupError, match="V1.conv2.*cannot form 40 clusters"):
        fit_wc(tiny, k_per_layer={"V1.conv2": 40}, gabor_components=1, gabor_niter=0)
    with pytest.raises(WiringupError, match="V1.conv1.*cannot form a mixture of 9"):
        fit_wc(tiny, gabor_components=9, gabor_niter=0)
    with pytest.raises(WiringupError, match="V2.conv2.*cannot form a mixture of 9000"):
        fit_alternative(tiny, "mixture_gaussian", weight_gmm_components={"V2.conv2": 9000},
                        second_layer_gabor_niter=0, gabor_components=1, gabor_niter=0)
    with pytest.raises(WiringupError, match="weight_gmm_components.*V9.conv2"):
        fit_alternative(tiny, "mixture_gaussian", weight_gmm_components={"V9.conv2": 2})
    # another architecture's checkpoint
    from wiringup.nets.checkpoints import save_checkpoint

    pixels = tmp_path / "pixels.pt"
    save_checkpoint(pixels, build_model("pixels"), {"arch": "pixels"}, {})
    with pytest.raises(WiringupError, match="pixels.pt.*'pixels' model, expected 'cornet_s'"):
        fit_wc_checkpoint(pixels)
    with pytest.raises(WiringupError, match="pixels.pt"):
        fit_alternative_checkpoint(pixels, "no_gabor")
    # corrupt files: a non-finite layer, an array of the wrong shape, an unknown compression
    good = tmp_path / "good.npz"
    save_wc(alts["kernel_normal"], good)
    with np.load(good, allow_pickle=False) as z:
        data = {k: z[k] for k in z.files}
    bad = dict(data)
    bad["IT.conv3::std"] = np.full_like(bad["IT.conv3::std"], np.nan)
    np.savez(tmp_path / "nan.npz", **bad)
    with pytest.raises(WiringupError, match="nan.npz: layer IT.conv3 holds non-finite"):
        load_wc(tmp_path / "nan.npz")
    bad = dict(data)
    bad["V4.conv1::mean"] = bad["V4.conv1::mean"][:3]
    np.savez(tmp_path / "shape.npz", **bad)
    with pytest.raises(WiringupError, match="shape.npz: array 'V4.conv1::mean' has shape"):
        load_wc(tmp_path / "shape.npz")
    bad = dict(data)
    bad["header"] = np.array(str(bad["header"][()]).replace('"kernel_normal"}', '"cluster9"}', 1)
                             .replace('"compression": "kernel_normal"', '"compression": "cluster9"'))
    np.savez(tmp_path / "method.npz", **bad)
    with pytest.raises(WiringupError, match="method.npz: unknown compression 'cluster9'"):
        load_wc(tmp_path / "method.npz")
    # a sampled init must match its file's method (sample_model of a WC set for another architecture)
    with pytest.raises(WiringupError, match="cannot sample 'pixels'"):
        sample_model(wc, seed=0, arch="pixels")


def test_summary_and_sampled_meta(tmp_path, small):
    model, wc, alts = small
    path = tmp_path / "wc.npz"
    save_wc(wc, path)
    info = write_summary(wc, path, tmp_path / "wc.json", tmp_path / "wc.csv")
    rows = {r["layer"]: r for r in info["layers"]}
    assert sum(r["parameters"] for r in info["layers"]) == wc.parameter_count()["authors_rule"]
    assert rows["V2.conv2"]["k"] == wc.layers["V2.conv2"].k and rows["V2.conv2"]["choice"] == "rule"
    assert rows["V1.conv1"]["method"] == "gabor_gmm" and rows["V1.conv1"]["n_components"] == 1
    import csv

    with open(tmp_path / "wc.csv") as fh:
        assert len(list(csv.DictReader(fh))) == 17 + 1
    net = sample_model(wc, seed=0, num_classes=10, default_bn=WCCT_DEFAULT_BN)
    meta = sampled_meta(wc, path, net)
    assert meta["wc_method"] == "wc" and meta["wc_sampler"]["default_bn"] == ["norm3_"]
    assert meta["wc_parameter_count"] == wc.parameter_count()["authors_rule"]
    assert meta["wc_source"]["sha256"] and "V2.norm1_0" in meta["bn_frozen_running_stats"]
    assert not any("norm3_" in n for n in meta["bn_frozen_running_stats"])
    fresh = build_model("cornet_s", seed=0, width=0.125, num_classes=10)
    fresh.load_state_dict(net.state_dict())
    assert fresh.V2.norm1_0.track_running_stats
    assert restore_sampled_state(fresh, meta) == meta["bn_frozen_running_stats"]
    assert not fresh.V2.norm1_0.track_running_stats and fresh.V2.norm3_0.track_running_stats
