import pytest
import torch

from wiringup.nets.cornet_s import REGION_LAYERS
from wiringup.core.io import WiringupError
from wiringup.nets.registry import build_model, count_parameters
from wiringup.nets.trained_layers import apply_trained_layers


@pytest.fixture(scope="module")
def full():
    return build_model("cornet_s", seed=0)


def test_full_width_parameter_counts_are_the_papers(full):
    c = count_parameters(full)
    assert c["total"] == 53_416_616
    assert c["conv_weights"] == 52_860_096
    assert c["batchnorm"] == 43_520
    assert c["linear"] == 513_000
    convs = [m for m in full.modules() if isinstance(m, torch.nn.Conv2d)]
    bns = [m for m in full.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert len(convs) == 17 and len(bns) == 29


def test_layer_names_match_the_authors(full):
    names = {n for n, _ in full.named_parameters()}
    for n in ["V1.conv1.weight", "V1.norm1.weight", "V1.conv2.weight", "V2.conv_input.weight", "V2.skip.weight",
              "V2.norm_skip.bias", "V2.conv1.weight", "V2.conv2.weight", "V2.conv3.weight", "V2.norm1_1.weight",
              "V4.norm3_3.bias", "IT.norm2_1.weight", "decoder.linear.weight", "decoder.linear.bias"]:
        assert n in names, n
    assert "V4.norm1_4.weight" not in names  # V4 has exactly 4 timesteps
    assert "IT.norm1_2.weight" not in names
    modules = dict(full.named_modules())
    for layer in REGION_LAYERS.values():
        assert layer.split("-t")[0] in modules


def test_kaiming_normal_init_statistics(full):
    w = full.IT.conv2.weight
    expected = (2.0 / (3 * 3 * w.shape[0])) ** 0.5
    assert abs(w.std().item() - expected) / expected < 0.01
    assert torch.all(full.V4.norm1_0.weight == 1) and torch.all(full.V4.norm1_0.bias == 0)


def test_same_seed_same_weights_and_global_rng_untouched():
    state = torch.get_rng_state()
    a = build_model("cornet_s", seed=3, width=0.25, num_classes=10)
    b = build_model("cornet_s", seed=3, width=0.25, num_classes=10)
    c = build_model("cornet_s", seed=4, width=0.25, num_classes=10)
    assert torch.equal(torch.get_rng_state(), state)
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    assert not torch.equal(a.V1.conv1.weight, c.V1.conv1.weight)


def test_width_scales_channels_only_and_timesteps_emit_outputs():
    m = build_model("cornet_s", width=0.25, num_classes=10).eval()
    assert m.V1.conv1.out_channels == 16 and m.IT.conv2.out_channels == 512
    calls = {}
    for area in ["V2", "V4", "IT"]:
        getattr(m, area).output.register_forward_hook(
            lambda mod, i, o, area=area: calls.setdefault(area, []).append(tuple(o.shape)))
    out = m(torch.randn(2, 3, 64, 64))
    assert out.shape == (2, 10)
    assert [len(calls[a]) for a in ["V2", "V4", "IT"]] == [2, 4, 2]
    # the area halves the resolution at t0 (conv2 stride 2) and keeps it afterwards
    assert calls["V2"][0] == calls["V2"][1] == (2, 32, 8, 8)
    assert calls["IT"][0] == (2, 128, 2, 2)


def test_trained_layer_rules_follow_the_authors_substring_rule():
    m = build_model("cornet_s", seed=0)
    counts = apply_trained_layers(m, ["V2.conv3", "V4.conv3", "IT.conv3", "decoder"])
    assert counts["trained"]["conv_weights"] == 1_376_256  # Critical Training, 2.60 % of 52,860,096
    assert counts["trained"]["batchnorm"] == 0  # 'V2.conv3' does not unfreeze V2.norm3_t
    assert not m.V2.norm3_0.weight.requires_grad and m.V2.conv3.weight.requires_grad
    with pytest.raises(WiringupError, match="'V5'"):
        apply_trained_layers(m, ["V5"])
    with pytest.raises(WiringupError, match="train no parameter"):
        apply_trained_layers(m, [])
