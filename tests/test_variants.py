"""Trained-layer sets and variants as config data: counts against AUTHORS_CODE_FACTS.md §2, and bad input."""
import copy
from pathlib import Path

import pytest
import torch
from conftest import validated_config

from wiringup.plan import experiments as E
from wiringup.core.io import WiringupError
from wiringup.nets.registry import build_model
from wiringup.nets.trained_layers import apply_trained_layers, main, parameter_counts, trained_set_counts

REPO = Path(__file__).resolve().parents[1]
CONFIG = validated_config(REPO / "config" / "config.yaml")
SETS = CONFIG["trained_layer_sets"]

# AUTHORS_CODE_FACTS.md §2 table (full CORnet-S, 1000 classes): trained conv weights, the authors' count. The WC
# rows of the table use the "+BN" convention (their configs have a `batchnorm` key): conv weights plus the
# BatchNorm γ of each BN layer that is trained or normalises a trained conv.
CONV_WEIGHTS = {"all": 52_860_096, "dt_v4": 50_298_880, "dt_it": 40_239_104, "decoder": 0,
                "ct_v2": 50_364_416, "ct_v4": 40_566_784, "ct": 1_376_256,
                "conv1_v2": 50_364_416, "conv1_v4": 40_566_784, "conv1": 1_376_256,
                "batchnorm_v2": 50_298_880, "batchnorm_v4": 40_239_104, "batchnorm": 0}
WC_PLUS_BN = {"ct_v2": 50_383_872, "ct_v4": 40_577_792, "decoder": 0, "ct": 1_378_560}
# All trainable parameters (the reproduction report's x-axis, §8): CT and DT rows, and the full model.
TOTAL = {"all": 53_416_616, "ct_v2": 50_915_816, "ct_v4": 41_099_240, "ct": 1_889_256,
         "dt_v4": 50_850_280, "dt_it": 40_771_560, "decoder": 513_000}


@pytest.fixture(scope="module")
def counts():
    return {r["set"]: r for r in parameter_counts(SETS)}


def test_config_defines_exactly_the_vocabulary_of_the_score_table():
    from wiringup.tables.authors import KNOWN_CONFIGS

    authors = {t for _, t, _ in KNOWN_CONFIGS.values() if t is not None}
    assert set(SETS) == set(CONV_WEIGHTS) and set(CONV_WEIGHTS) <= authors | {"all"}


@pytest.mark.parametrize("name", sorted(CONV_WEIGHTS))
def test_every_set_trains_the_authors_number_of_conv_weights(counts, name):
    r = counts[name]
    assert r["trained_conv_weights"] == CONV_WEIGHTS[name]
    assert r["trained_conv_weights"] + r["frozen_conv_weights"] == r["conv_weights"] == 52_860_096
    assert r["trained_total"] + r["frozen_total"] == r["total"] == 53_416_616
    if name in WC_PLUS_BN:
        assert r["trained_conv_weights_bn"] == WC_PLUS_BN[name]
    if name in TOTAL:
        assert r["trained_total"] == TOTAL[name]


def test_critical_training_is_2_6_percent_and_trains_no_batchnorm(counts):
    ct = counts["ct"]
    assert round(ct["trained_conv_weights_pct"], 2) == 2.60
    assert ct["trained_batchnorm"] == 0 and ct["trained_linear"] == 513_000
    # the BatchNorm sets train every BN parameter (21,760 channels × γ, β) and nothing else below the decoder
    assert counts["batchnorm"]["trained_batchnorm"] == 43_520 and counts["batchnorm"]["trained_conv_weights"] == 0


def test_counts_cli_prints_both_conventions(capsys):
    assert main(["counts", "--set", "ct", "--set", "dt_it", "--config", str(REPO / "config" / "config.yaml")]) == 0
    out = capsys.readouterr().out
    assert "1,376,256" in out and "51,483,840" in out and "2.60" in out  # CT trained / frozen conv weights
    assert "1,889,256" in out and "40,239,104" in out  # CT all parameters; DT IT conv weights
    with pytest.raises(SystemExit) as exc:
        main(["counts", "--help"])
    assert exc.value.code == 0
    assert "conv weights" in capsys.readouterr().out


def test_counts_cli_names_an_unknown_set(capsys):
    assert main(["counts", "--set", "ct_v9", "--config", str(REPO / "config" / "config.yaml")]) == 2
    err = capsys.readouterr().err
    assert "'ct_v9'" in err and "trained_layer_sets" in err


def test_counts_cli_on_a_transfer_architecture(capsys):
    cfg = str(REPO / "config" / "config.yaml")
    assert main(["counts", "--arch", "resnet50", "--set", "ct", "--config", cfg]) == 0
    assert "5,029,888" in capsys.readouterr().out           # the paper's ResNet-50 CT conv weights (§3.9)
    assert main(["counts", "--arch", "resnet50", "--config", cfg]) == 2  # every set: the CORnet-S ones fail
    err = capsys.readouterr().err
    assert "'dt_v4'" in err and "resnet50" in err and "'V4' matches no parameter" in err


def test_a_rule_matching_no_parameter_is_an_error_naming_the_rule():
    m = build_model("cornet_s", seed=0, width=0.0625, num_classes=4)
    with pytest.raises(WiringupError, match="'V2.conv9'"):
        trained_set_counts(m, ["V2.conv3", "V2.conv9"])
    with pytest.raises(WiringupError, match="train no parameter"):
        apply_trained_layers(m, [])


def test_counts_at_small_width_use_the_same_rules():
    m = build_model("cornet_s", seed=0, width=0.25, num_classes=10)
    c = trained_set_counts(m, SETS["ct"]["cornet_s"])
    # the 1×1 conv3 of V2/V4/IT at width 0.25: (4C → C) with C = 32, 64, 128
    assert c["trained_conv_weights"] == 128 * 32 + 256 * 64 + 512 * 128
    assert {n for n, p in m.named_parameters() if p.requires_grad} == {
        "V2.conv3.weight", "V4.conv3.weight", "IT.conv3.weight", "decoder.linear.weight", "decoder.linear.bias"}


def test_sets_can_be_given_per_architecture():
    sets = {"ct": {"cornet_s": ["IT.conv3", "decoder"]}, "all": None}
    assert E.resolve_trained_set(sets, "ct", "cornet_s") == ["IT.conv3", "decoder"]
    assert E.resolve_trained_set(sets, "all", "resnet50") is None
    with pytest.raises(WiringupError, match="no rules for architecture 'resnet50'"):
        E.resolve_trained_set(sets, "ct", "resnet50")


# ----------------------------------------------------------------------------------------------------- variants

def config_with(**variants):
    cfg = copy.deepcopy(CONFIG)
    cfg["variants"].update(variants)
    return validated_config(cfg)


def test_variant_names_its_set_and_overrides_the_recipe():
    spec = E.variant_spec(CONFIG, "ct")
    assert spec["trained"] == "ct" and spec["trained_layers"] == SETS["ct"]["cornet_s"] and spec["init"] == "kn"
    assert spec["arch"] == "cornet_s" and E.variant_spec(CONFIG, "resnet50_wc_ct")["trained_layers"] == ["conv3", "bn3", "fc"]
    r = E.recipe(CONFIG, "lr_0_01")
    assert r["lr"] == 0.01 and r["trained_layers"] is None and "num_workers" not in r
    assert r["batch_size"] == CONFIG["training"]["batch_size"]
    assert E.recipe(CONFIG, "con2")["schedule"] == "loss_drop" and E.recipe(CONFIG, "adam")["optimizer"] == "adam"
    # nested overrides merge with the top-level mapping
    cfg = config_with(slow={"init": "kn", "trained": "all", "training": {"plateau": {"patience": 5}}})
    assert E.recipe(cfg, "slow")["plateau"] == {**CONFIG["training"]["plateau"], "patience": 5}
    assert E.variant_spec(config_with(x={"init": "kn"}), "x")["trained"] == "all"
    inline = E.variant_spec(config_with(x={"init": "kn", "trained_layers": ["IT"]}), "x")
    assert inline["trained"] == "custom" and inline["trained_layers"] == ["IT"]


def test_a_per_architecture_set_resolves_for_the_variants_architecture():
    cfg = copy.deepcopy(CONFIG)
    cfg["trained_layer_sets"]["ct_only_cornet"] = {"cornet_s": ["IT.conv3", "decoder"]}
    cfg["variants"].update(ok={"init": "wc", "trained": "ct_only_cornet"},
                           bad={"init": "mobilenet_v1_kn", "trained": "ct_only_cornet"})
    cfg = validated_config(cfg)
    assert E.variant_spec(cfg, "ok")["trained_layers"] == ["IT.conv3", "decoder"]
    with pytest.raises(WiringupError, match=r"'bad' trains mobilenet_v1.*trained_layer_sets\.ct_only_cornet"):
        E.check_config(cfg)
    # a CORnet-S variant's recipe holds its own list, so editing another architecture's entry retrains nothing
    assert E.recipe(CONFIG, "ct")["trained_layers"] == SETS["ct"]["cornet_s"]


def test_unknown_set_is_an_error_naming_the_key():
    with pytest.raises(WiringupError, match=r"'ct3'.*variants\.bad\.trained"):
        E.check_config(config_with(bad={"init": "kn", "trained": "ct3"}))


def test_a_variant_that_trains_nothing_is_refused_unless_allowed():
    cfg = config_with(none={"init": "kn", "trained": "nothing"})
    cfg["trained_layer_sets"]["nothing"] = []
    with pytest.raises(WiringupError, match=r"'none' would train nothing.*variants\.none\.allow_untrained"):
        E.check_config(cfg)
    cfg["variants"]["none"]["allow_untrained"] = True
    E.check_config(cfg)
    assert E.recipe(cfg, "none")["allow_untrained"] is True


def test_bad_variant_keys_are_refused():
    with pytest.raises(WiringupError, match="both variants.two.trained and variants.two.trained_layers"):
        E.check_config(config_with(two={"init": "kn", "trained": "ct", "trained_layers": ["IT"]}))
    with pytest.raises(WiringupError, match=r"variants\.typo\.training: unknown keys \['learning_rate'\]"):
        E.check_config(config_with(typo={"init": "kn", "training": {"learning_rate": 1.0}}))


def test_training_with_a_set_freezes_exactly_its_rules(tmp_path):
    """Through the training loop: a CT recipe updates only V2/V4/IT.conv3 and the decoder."""
    from test_training import MODEL, TinyData

    from wiringup.training import Recipe, train

    model = build_model(seed=0, **MODEL)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    recipe = Recipe.from_config({**E.recipe(CONFIG, "ct"), "batch_size": 16, "schedule": "constant"})
    summary = train(model, TinyData(), recipe, {1: tmp_path / "e1.pt"}, seed=0, model_config=MODEL,
                    meta={"images": 48, "trained": "ct"}, resume_dir=tmp_path / "r",
                    metrics_path=tmp_path / "m.csv", resume_key="k", progress=False)
    changed = {n for n, p in model.named_parameters() if not torch.equal(p, before[n])}
    assert changed == {"V2.conv3.weight", "V4.conv3.weight", "IT.conv3.weight", "decoder.linear.weight",
                       "decoder.linear.bias"}
    assert summary["parameter_counts"]["trained_conv_weights"] == summary["trained_parameters"]["conv_weights"]
