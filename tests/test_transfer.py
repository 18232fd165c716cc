"""Transfer of WC + CT to ResNet-50 and MobileNet v1 (wiringup.wc.transfer, paper Sec. 7, Fig. 5)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from torch import nn

from wiringup.plan import experiments as E
from wiringup.wc import transfer as T
from wiringup.core.io import WiringupError
from wiringup.nets.mobilenet_v1 import mobilenet_v1
from wiringup.nets.registry import REGION_LAYERS, build_model
from wiringup.nets.resnet50 import resnet50, scaled_resnet50
from wiringup.wc.authors import import_authors
from wiringup.wc.distributions import GaborGMMLayer, KMeansLayer, conv_layers

REPO_CONFIG = T.__file__.replace("src/wiringup/wc/transfer.py", "config/config.yaml")


@pytest.fixture(scope="module")
def wc(data_root):
    """The authors' WC distributions (mixture refitted with 2 components, 1 init: fast)."""
    return import_authors(data_root / "geiger2022" / "wc_distributions", gabor_components=2, gmm_n_init=1)


@pytest.fixture(scope="module")
def wc_kmeans_first(data_root):
    """Same, with the first layer as 7×7 k-means clusters (to exercise kernel resizing)."""
    return import_authors(data_root / "geiger2022" / "wc_distributions", first_layer="kmeans", gmm_n_init=1)


def _state_equal(a: nn.Module, b: nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return list(sa) == list(sb) and all(torch.equal(sa[k], sb[k]) for k in sa)


# ------------------------------------------------------------------------------------------ architectures, counts
@pytest.mark.parametrize("arch", T.TRANSFER_ARCHS)
def test_ct_counts_exact_at_full_width(arch):
    ct, conv = T.PAPER_CT_CONV_WEIGHTS[arch]
    c = T.trained_counts(arch, T.CT_RULES[arch])
    assert c["trained"]["conv_weights"] == ct
    assert c["total"]["conv_weights"] == conv
    total = {"resnet50": 25_557_032, "mobilenet_v1": 4_231_976}[arch]
    assert c["total"]["total"] == total
    # the paper's "parameter reduction" = trained conv weights against every parameter: ~80 % and 43 %
    row = next(r for r in T.parameter_table([arch]) if r["width"] == 1.0)
    assert round(row["reduction_vs_total_percent"], 1) == {"resnet50": 80.3, "mobilenet_v1": 43.3}[arch]


def test_parameter_table_has_the_cornet_reference():
    rows = {(r["arch"], r["width"]): r for r in T.parameter_table({"cornet_s": 0.25, "mobilenet_v1": 0.5}, 10)}
    full = rows[("cornet_s", 1.0)]
    assert (full["ct_trained_conv_weights"], full["conv_weights"]) == (1_376_256, 52_860_096)
    assert full["total_parameters"] == 53_416_616 and round(full["ct_conv_weights_percent"], 2) == 2.60
    assert rows[("mobilenet_v1", 0.5)]["num_classes"] == 10 and set(rows) == {
        ("cornet_s", 0.25), ("cornet_s", 1.0), ("mobilenet_v1", 0.5), ("mobilenet_v1", 1.0)}


@pytest.mark.parametrize("arch", T.TRANSFER_ARCHS)
def test_ct_rules_select_the_mapped_set(arch):
    """The compact substring rules train exactly the layers derived from the mapping (+ the authors' extras)."""
    model = T._meta_model(arch)
    layers = T.ct_layers_from_mapping(arch)
    by_mapping = {n for n, _ in model.named_parameters() if n.rsplit(".", 1)[0] in layers}
    by_rules = {n for n, _ in model.named_parameters() if any(r in n for r in T.CT_RULES[arch])}
    assert by_rules == by_mapping
    assert any("fc" in n for n in by_rules)


def test_resnet50_scaled_equals_torchvision_at_width_1():
    import torchvision

    torch.manual_seed(3)
    a = scaled_resnet50(1.0, num_classes=7)
    torch.manual_seed(3)
    b = torchvision.models.resnet50(weights=None, num_classes=7)
    assert _state_equal(a, b)
    assert type(resnet50(1.0)) is torchvision.models.ResNet


def test_widths_and_names():
    r = resnet50(width=0.25, num_classes=10)
    names = [n for n, m in r.named_modules() if isinstance(m, nn.Conv2d)]
    full = [n for n, m in T._meta_model("resnet50").named_modules() if isinstance(m, nn.Conv2d)]
    assert names == full and r.conv1.out_channels == 16 and r.fc.in_features == 512
    m = mobilenet_v1(width=0.5, num_classes=10)
    assert m.model[0][0].out_channels == 16 and m.model[13][3].out_channels == 512
    assert m.model[4][0].groups == m.model[4][0].in_channels          # depthwise
    for arch, model in (("resnet50", r), ("mobilenet_v1", m)):
        out = model(torch.randn(2, 3, 64, 64))                      # 64 px works (adaptive pooling)
        assert out.shape == (2, 10) and torch.isfinite(out).all()


@pytest.mark.parametrize("arch", T.TRANSFER_ARCHS)
def test_pretrained_is_refused(arch):
    with pytest.raises(WiringupError, match="never downloads"):
        build_model(arch, pretrained=True)
    with pytest.raises(WiringupError, match="transfer.variants"):
        build_model(arch, weights="IMAGENET1K_V1")


# ------------------------------------------------------------------------------------------------------ mapping
@pytest.mark.parametrize("arch", T.TRANSFER_ARCHS)
@pytest.mark.parametrize("width", [1.0, 0.25])
def test_mapping_covers_every_conv_and_bn(arch, width):
    from wiringup.nets.registry import ARCHITECTURES

    model = T._meta_model(arch, width)

    with torch.device("meta"):
        cor = ARCHITECTURES["cornet_s"]()
    cor_convs = {n: m for n, m in cor.named_modules() if isinstance(m, nn.Conv2d)}
    cor_bns = {n for n, m in cor.named_modules() if isinstance(m, nn.BatchNorm2d)}
    mapping = T.MAPPINGS[arch]
    for name, mod in model.named_modules():
        if isinstance(mod, nn.Conv2d):
            src = mapping[name]
            assert src in cor_convs, (name, src)
            if src != "V1.conv1":      # every k-means source has the target's kernel size (no resizing needed)
                assert cor_convs[src].kernel_size == mod.kernel_size, (name, src)
        elif isinstance(mod, nn.BatchNorm2d):
            assert mapping[name] in cor_bns or mapping[name] in cor_convs, (name, mapping[name])
    unmapped = [n for n, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.BatchNorm2d))
                and n not in mapping]
    assert unmapped == []
    assert "fc" not in mapping


def test_mapping_spot_checks_from_the_facts():
    r, m = T.MAPPINGS["resnet50"], T.MAPPINGS["mobilenet_v1"]
    assert r["conv1"] == "V1.conv1" and r["layer1.2.conv3"] == "V2.conv3"
    assert r["layer3.5.conv2"] == "V4.conv2" and r["layer3.4.bn1"] == "V4.norm1_2"   # layer3 → V4 too
    assert r["layer2.0.downsample.0"] == "V4.skip" and r["layer4.2.bn3"] == "IT.norm3_1"
    assert m["model.0.0"] == "V1.conv1" and m["model.1.3"] == "V2.conv_input"
    assert m["model.10.3"] == "IT.conv_input" and m["model.12.0"] == "IT.conv2" and m["model.13.4"] == "IT.conv3"
    assert sum(v == "V4.conv3" for k, v in m.items() if k.endswith(".3")) == 3


@pytest.mark.parametrize("arch", T.TRANSFER_ARCHS)
def test_region_layers_resolve_at_cornet_strides(arch):
    from wiringup.scoring.features import extract_features

    model = build_model(arch, seed=0, width=0.25, num_classes=10).eval()
    x = torch.randn(3, 3, 64, 64)
    sizes = {}
    for region, layer in REGION_LAYERS[arch].items():
        f = extract_features(model, x, layer, batch_size=3)
        assert f.shape[0] == 3 and np.isfinite(f).all()
        sizes[region] = f.shape[1]
    # V4, IT at feature strides 16, 32 (as CORnet-S): 4x4, 2x2 maps at 64 px; V2 at stride 8 (MobileNet) or 4
    # (ResNet-50's layer1, the stage the mapping gives V2, does not downsample)
    ch, v2 = {"resnet50": ((64, 256, 512), 16), "mobilenet_v1": ((64, 128, 256), 8)}[arch]
    assert sizes["V2"] == ch[0] * v2 * v2 and sizes["V4"] == ch[1] * 4 * 4 and sizes["IT"] == ch[2] * 2 * 2


def test_config_variants_use_the_library_rules():
    cfg = yaml.safe_load(open(REPO_CONFIG))
    for arch in cfg["transfer"]["archs"]:
        for kind in ("kn_ct", "wc_ct"):
            v = cfg["variants"][f"{arch}_{kind}"]
            assert v["trained"] == "ct" and "trained_layers" not in v  # score table column `trained` = ct
            assert v["init"] == T.init_name(arch, T.VARIANT_KINDS[kind][0])
        assert cfg["trained_layer_sets"]["ct"][arch] == T.CT_RULES[arch]
        assert cfg["variants"][f"{arch}_standard"]["init"] == f"{arch}_kn"
    assert cfg["trained_layer_sets"]["ct"]["cornet_s"] == T.CORNET_CT_RULES
    assert E.TRANSFER_ARCHS == T.TRANSFER_ARCHS  # the torch-free copy that resolves a variant's architecture


# ------------------------------------------------------------------------------------------------------ resizing
def test_resize_kernels():
    w = np.full((2, 3, 3, 3), 0.7, dtype=np.float32)
    up = T.resize_kernels(w, 7)
    assert up.shape == (2, 3, 7, 7) and np.allclose(up, 0.7, atol=1e-6)
    assert np.allclose(T.resize_kernels(up, 3), 0.7, atol=1e-6)
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(4, 2, 7, 7)), rng.normal(size=(4, 2, 7, 7))
    assert np.allclose(T.resize_kernels(a + b, 3), T.resize_kernels(a, 3) + T.resize_kernels(b, 3), atol=1e-5)
    assert np.array_equal(T.resize_kernels(a, 7), a.astype(np.float32))
    # a smooth ramp keeps its orientation and sign when shrunk and enlarged
    ramp = np.tile(np.linspace(-1, 1, 7), (7, 1))[None, None]
    small = T.resize_kernels(ramp, 3)[0, 0]
    assert (np.diff(small, axis=1) > 0).all() and np.allclose(np.diff(small, axis=0), 0, atol=1e-6)
    with pytest.raises(WiringupError):
        T.resize_kernels(np.zeros((3, 3)), 7)


def test_sampling_resizes_between_3x3_and_7x7(wc_kmeans_first):
    wc = wc_kmeans_first
    assert isinstance(wc.layers["V1.conv1"], KMeansLayer) and wc.layers["V1.conv1"].kernel_size == (7, 7)
    # MobileNet's 3×3 first conv from the 7×7 k-means V1.conv1 (shrink), ResNet's 7×7 conv1 from 3×3 V1.conv2
    m = T.sample_transfer_model(wc, "mobilenet_v1", 0, width=0.25, num_classes=10)
    assert "resized to 3x3" in m.wiringup_transfer["layers"]["model.0.0"]["method"]
    mapping = dict(T.MAPPINGS["resnet50"], conv1="V1.conv2")   # 64 inputs -> 3: the counts are rescaled
    r = T.sample_transfer_model(wc, "resnet50", 0, width=0.25, num_classes=10, mapping=mapping)
    info = r.wiringup_transfer["layers"]["conv1"]
    assert info["method"] == "kmeans at 3x3, resized to 7x7" and r.wiringup_transfer["mapping"] == "custom"
    assert r.conv1.weight.shape == (16, 3, 7, 7) and torch.isfinite(r.conv1.weight).all()


# ------------------------------------------------------------------------------------------------------ sampling
@pytest.mark.parametrize("arch,width", [("resnet50", 0.25), ("mobilenet_v1", 0.5)])
def test_sampling_is_deterministic(wc, arch, width):
    a = T.sample_transfer_model(wc, arch, 5, width=width, num_classes=10)
    b = T.sample_transfer_model(wc, arch, 5, width=width, num_classes=10)
    c = T.sample_transfer_model(wc, arch, 6, width=width, num_classes=10)
    assert _state_equal(a, b)
    assert not torch.equal(a.state_dict()[next(iter(conv_layers(a))) + ".weight"],
                           c.state_dict()[next(iter(conv_layers(c))) + ".weight"])
    # BN at defaults, the classifier at the KN model's default init under the same seed
    kn = build_model(arch, seed=5, width=width, num_classes=10)
    fc = "fc.weight"
    assert torch.equal(a.state_dict()[fc], kn.state_dict()[fc])
    for mod in a.modules():
        if isinstance(mod, nn.BatchNorm2d):
            assert torch.all(mod.weight == 1) and torch.all(mod.bias == 0) and mod.track_running_stats


def test_sampled_kernel_statistics(wc):
    model = T.sample_transfer_model(wc, "resnet50", 0, width=0.25, num_classes=10)
    mapping = T.MAPPINGS["resnet50"]
    for name, conv in conv_layers(model).items():
        dist = wc.layers[mapping[name]]
        w = conv.weight.detach().numpy()
        assert np.isfinite(w).all() and w.std() > 0, name
        if isinstance(dist, GaborGMMLayer):
            continue
        centres = dist.centers.reshape(dist.k, -1)
        if dist.kernel_size == (1, 1):      # zero noise: every 1×1 weight is one of the centres
            assert set(np.unique(w)) <= set(centres[:, 0].astype(np.float32)), name
        else:                               # 3×3 slices scatter around the centres with the fitted noise
            slices = w.reshape(-1, 9)
            d = np.min(np.linalg.norm(slices[:, None, :] - centres[None], axis=2), axis=1)
            noise = float(np.max(dist.weight_std)) * 3.0 * 5
            assert np.median(d) < noise, name
            assert 0.2 < w.std() / np.sqrt((centres ** 2).mean() + np.mean(dist.weight_std) ** 2) < 5, name
    # the Gabor first layer: 7×7 kernels with spatial structure (not constant), as the CORnet-S sampler draws
    first = model.conv1.weight.detach().numpy()
    assert first.shape == (16, 3, 7, 7) and (first.reshape(16, 3, -1).std(axis=2) > 0).all()
    # MobileNet's depthwise kernels are (mostly) the last cluster (a single slot; the authors' leftover rule)
    mob = T.sample_transfer_model(wc, "mobilenet_v1", 0, width=0.5, num_classes=10)
    dw = mob.model[7][0].weight.detach().numpy().reshape(-1, 9)
    dist = wc.layers["V4.conv2"]
    nearest = np.argmin(np.linalg.norm(dw[:, None, :] - dist.centers.reshape(dist.k, -1)[None], axis=2), axis=1)
    assert np.bincount(nearest, minlength=dist.k).max() >= 0.5 * len(dw)


def test_sampling_refuses_bad_input(wc):
    with pytest.raises(WiringupError, match="unknown transfer architecture"):
        T.sample_transfer_model(wc, "cornet_s", 0)
    bad = dict(T.MAPPINGS["mobilenet_v1"])
    del bad["model.3.0"]
    with pytest.raises(WiringupError, match="model.3.0"):
        T.sample_transfer_model(wc, "mobilenet_v1", 0, width=0.25, mapping=bad)
    with pytest.raises(WiringupError, match="member_std|within-cluster"):
        T.sample_transfer_model(wc, "mobilenet_v1", 0, width=0.25, zero_noise_1x1=False)


def test_checkpoint_round_trip_and_ct_training(wc, tmp_path):
    """A sampled model survives the checkpoint format; one CT step changes only the CT parameters."""
    from wiringup.nets.checkpoints import load_model, save_checkpoint
    from wiringup.nets.trained_layers import apply_trained_layers

    cfg = {"arch": "mobilenet_v1", "width": 0.25, "num_classes": 10}
    model = T.sample_transfer_model(wc, "mobilenet_v1", 1, width=0.25, num_classes=10)
    save_checkpoint(tmp_path / "m.pt", model, cfg, {"init": "wc"})
    loaded, meta, mc = load_model(tmp_path / "m.pt")
    assert _state_equal(model, loaded) and mc["arch"] == "mobilenet_v1" and meta["init"] == "wc"
    counts = apply_trained_layers(loaded, T.CT_RULES["mobilenet_v1"])
    assert 0 < counts["trained"]["conv_weights"] < counts["total"]["conv_weights"]
    before = {k: v.clone() for k, v in loaded.state_dict().items()}
    opt = torch.optim.SGD([p for p in loaded.parameters() if p.requires_grad], lr=0.1)
    loaded.train()
    loss = nn.functional.cross_entropy(loaded(torch.randn(4, 3, 32, 32)), torch.tensor([0, 1, 2, 3]))
    loss.backward()
    opt.step()
    for name, p in loaded.named_parameters():
        changed = not torch.equal(before[name], p.detach())
        assert changed == any(r in name for r in T.CT_RULES["mobilenet_v1"]), name


# ------------------------------------------------------------------------------------------------------- figure
def _run_rows(arch: str, width: float) -> pd.DataFrame:
    rows = []
    spec = {"KN": ("init/%s_kn/seed0", "kn", None, None, 0.0, 0.10),
            "WC": ("init/%s_wc/seed0", "wc", None, None, 0.0, 0.20),
            "standard": ("%s_standard/n500_seed0/epoch_01", "kn", "all", f"{arch}_standard", 1.0, 0.40),
            "WC+CT": ("%s_wc_ct/n500_seed0/epoch_01", "wc", "ct", f"{arch}_wc_ct", 1.0, 0.30)}
    weights = {"standard": 1000.0, "WC+CT": 200.0}
    for cond, (mid, init, trained, variant, epoch, score) in spec.items():
        for bench, region in (("B.V4", "V4"), ("B.IT", "IT"), ("top1", "imagenet")):
            rows.append({"source": "this run", "model_id": mid % arch, "benchmark_id": bench, "backend": "local",
                         "region": region, "score": score + (0.05 if region == "IT" else 0.0), "arch": arch,
                         "width": width, "variant": variant, "init": init, "trained": trained, "optimizer":
                         "sgd" if epoch else None, "lr": 0.1 if epoch else None,
                         "weight_decay": 1e-4 if epoch else None, "images": 500 if epoch else 0, "epoch": epoch,
                         "seed": 0, "trained_conv_weights": weights.get(cond, 0.0)})
    return pd.DataFrame(rows)


def test_fig5_on_this_runs_table(tmp_path):
    from wiringup.report.figures.fig5 import plot_fig5

    table = pd.concat([_run_rows("resnet50", 0.25), _run_rows("mobilenet_v1", 0.5)], ignore_index=True)
    out = tmp_path / "fig5.png"
    kinds = {"resnet50_standard": "standard", "resnet50_wc_ct": "wc_ct", "mobilenet_v1_standard": "standard",
             "mobilenet_v1_wc_ct": "wc_ct"}
    params = pd.DataFrame(T.parameter_table({"resnet50": 0.25, "mobilenet_v1": 0.5}, num_classes=10))
    r = plot_fig5(table, [str(out)], variant_kinds=kinds, num_classes=10, parameters=params,
                  run_recipe={"optimizer": "sgd", "lr": 0.1, "weight_decay": 1e-4}, standard_variant="standard")
    assert out.stat().st_size > 10_000
    a = r.data["A"].set_index("arch")
    assert np.isclose(a.loc["resnet50", "score_kept_percent"], 100 * 0.325 / 0.425)
    assert np.isclose(a.loc["resnet50", "conv_weight_reduction_percent"], 80.0)
    assert a.loc["resnet50", "total_parameters"] == T.trained_counts("resnet50", None, 0.25, 10)["total"]["total"]
    b = r.data["B"]
    assert set(b["condition"]) == {"KN", "WC", "WC+CT"} and set(b["arch"]) == {"resnet50", "mobilenet_v1"}
    assert any("missing KN+CT" in n for n in r.notes)           # not drawn as zero: listed as missing


def test_fig5_on_the_authors_table(data_root, tmp_path):
    """The authors' Fig. 5A numbers (AUTHORS_CODE_FACTS.md §7.4): ResNet-50 91.1 %, MobileNet 78.5 %."""
    from wiringup.tables import authors as A
    from wiringup.report.figures.fig5 import plot_fig5

    table = A.tidy(A.read_raw(data_root / "geiger2022" / "scores.sqlite"), "private")
    r = plot_fig5(table, [str(tmp_path / "fig5.png")])
    a = r.data["A"].set_index("arch")
    assert round(a.loc["resnet50", "score_kept_percent"], 1) == 91.1
    assert round(a.loc["mobilenet_v1", "score_kept_percent"], 1) == 78.5
    assert round(a.loc["resnet50", "parameter_reduction_percent"], 1) == 80.3
    assert round(a.loc["mobilenet_v1", "parameter_reduction_percent"], 1) == 43.3
    s = r.data["summary"].set_index(["arch", "condition"])
    assert s.loc[("resnet50", "WC+CT"), "model_ids"] == "resnet_v3_CORnet-S_cluster2_v2_IT_trconv3_bi_epoch_22"
    assert {c for a_, c in s.index if a_ == "cornet_s"} >= {"KN", "WC", "KN+CT", "WC+CT"}


# ------------------------------------------------------------------------------------------------ layer selection
@pytest.mark.parametrize("arch", ["cornet_s", "resnet50", "mobilenet_v1"])
def test_candidate_layers_exist_and_include_the_fixed_ones(arch):
    from wiringup.nets.registry import CANDIDATE_LAYERS
    from wiringup.scoring.features import extract_features

    model = build_model(arch, seed=0, width=0.125, num_classes=10).eval()
    x = torch.randn(2, 3, 32, 32)
    for layer in CANDIDATE_LAYERS[arch]:
        assert extract_features(model, x, layer, batch_size=2).shape[0] == 2, layer
    # every fixed region layer is a candidate, inside one (MobileNet's V1 model.1.2 is inside block model.1), or
    # a stage whose output is its last block's (ResNet-50's layer1 = layer1.2)
    for region, fixed in REGION_LAYERS[arch].items():
        if any(fixed == c or fixed.startswith(c + ".") for c in CANDIDATE_LAYERS[arch]):
            continue
        blocks = [c for c in CANDIDATE_LAYERS[arch] if c.startswith(fixed + ".")]
        assert blocks, (region, fixed)
        assert np.array_equal(extract_features(model, x, fixed, batch_size=2),
                              extract_features(model, x, blocks[-1], batch_size=2)), (region, fixed)


def test_score_checkpoint_selects_layers_for_listed_archs_only(data_root, tmp_path):
    """scoring.layer_selection.archs switches an architecture from its fixed layer to a selected one, reported on
    the held-out stimuli; other architectures keep their fixed layer; the brainscore backend refuses it."""
    from wiringup.nets.checkpoints import save_checkpoint
    from wiringup.core.io import read_json
    from wiringup.nets.registry import CANDIDATE_LAYERS
    from wiringup.scoring.jobs import score_checkpoint

    bench = {"id": "MajajHong2015slice.V4-pls", "type": "majajhong2015_slice", "path": "majajhong2015_slice",
             "region": "V4"}
    scoring = {"pls": {"n_components": 5, "n_splits": 2}, "ceiling": {"n_splits": 2},
               "layer_selection": {"archs": ["mobilenet_v1"], "fraction": 0.6, "seed": 1}}
    for arch in ("mobilenet_v1", "resnet50"):
        cfg = {"arch": arch, "width": 0.125, "num_classes": 10}
        save_checkpoint(tmp_path / f"{arch}.pt", build_model(arch, seed=0, width=0.125, num_classes=10), cfg,
                        {"init": "kn"})
        score_checkpoint(str(tmp_path / f"{arch}.pt"), str(tmp_path / f"{arch}.json"), model_id=arch,
                         benchmark=bench, data_root=str(data_root), scoring=scoring, input_size=32)
    sel = read_json(tmp_path / "mobilenet_v1.json")
    info = sel["layer_selection"]
    assert info["candidates"] == CANDIDATE_LAYERS["mobilenet_v1"] and sel["layer"] in info["candidates"]
    assert sel["layer"] == max(info["selection_scores"], key=lambda k: info["selection_scores"][k])
    assert len(info["selection_stimuli"]) == 15 and sel["n_stimuli"] == 10  # 60 % of 25 images choose
    assert not set(info["selection_stimuli"]) & set(info["report_stimuli"])
    fixed = read_json(tmp_path / "resnet50.json")
    assert fixed["layer"] == REGION_LAYERS["resnet50"]["V4"] and "layer_selection" not in fixed
    with pytest.raises(WiringupError, match="layer selection is a local-backend feature"):
        score_checkpoint(str(tmp_path / "mobilenet_v1.pt"), str(tmp_path / "bs.json"), model_id="m",
                         benchmark={**bench, "backend": "brainscore"}, data_root=str(data_root), scoring=scoring,
                         input_size=32)
    assert not (tmp_path / "bs.json").exists()
