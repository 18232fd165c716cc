"""Experiment (b)'s BatchNorm arms: the treatments (wiringup.wc.bn, wiringup.nets.batchnorm) on a small CORnet-S
(width 0.125, 32 px), sampled from the authors' files (WC) and Kaiming Normal (its control), and their plan
(wiringup.plan.wc: arms, derived inits, init_model params)."""
from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from wiringup.core.io import WiringupError
from wiringup.data.manifests import make_manifest
from wiringup.nets.batchnorm import META_KEY, BatchStatsBatchNorm2d
from wiringup.nets.checkpoints import load_model, save_checkpoint
from wiringup.nets.registry import build_model
from wiringup.plan import wc as P
from wiringup.wc.bn import apply_bn_treatment, manifest_batches
from wiringup.wc.sample import sample_model

REPO = Path(__file__).resolve().parents[1]
WIDTH, SIZE, CLASSES = 0.125, 32, 10
MODEL = {"arch": "cornet_s", "width": WIDTH, "num_classes": CLASSES}
KINDS = ["wc", "kn"]   # the authors' WC and its KN control get the same treatment


@pytest.fixture(scope="module")
def authors_wc(data_root: Path):
    from wiringup.wc.authors import import_authors

    d = data_root / "geiger2022" / "wc_distributions"
    if not d.is_dir():
        pytest.skip(f"authors' WC files not found at {d}")
    return import_authors(d, it_conv2="plain", gabor_components=4, gmm_n_init=1)


@pytest.fixture
def make(authors_wc):
    def _make(kind: str, seed: int = 0) -> nn.Module:
        if kind == "kn":
            return build_model(seed=seed, **MODEL)
        return sample_model(authors_wc, seed=seed, width=WIDTH, num_classes=CLASSES)
    return _make


def _bns(model: nn.Module) -> dict[str, nn.BatchNorm2d]:
    return {n: m for n, m in model.named_modules() if isinstance(m, nn.BatchNorm2d)}


def _images(n: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 3, SIZE, SIZE, generator=g) * 0.8 + 0.3


def _state(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


# --------------------------------------------------------------------------------------------------- (i) none
@pytest.mark.parametrize("kind", KINDS)
def test_none_leaves_bn_at_pytorch_defaults(kind, make):
    model = make(kind)
    meta = apply_bn_treatment(model, "none")
    assert meta["bn_treatment"]["mode"] == "none" and META_KEY not in meta
    for name, bn in _bns(model).items():
        assert torch.all(bn.running_mean == 0) and torch.all(bn.running_var == 1), name
        assert torch.all(bn.weight == 1) and torch.all(bn.bias == 0), name
        assert type(bn) is nn.BatchNorm2d and bn.track_running_stats, name


# --------------------------------------------------------------------------------------------- (ii) reestimate
@pytest.mark.parametrize("kind", KINDS)
def test_reestimate_gives_each_layers_input_statistics_without_changing_weights(kind, make):
    model = make(kind)
    ref = copy.deepcopy(model)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    x = _images(16)
    batches = [x[:6], x[6:12], x[12:]]
    meta = apply_bn_treatment(model, {"mode": "reestimate"}, batches=iter(batches),
                              images_info={"paths": [f"img{i}" for i in range(16)]})
    # independently: capture every BN's input in a train-mode pass of an untouched copy over the same batches
    seen: dict[str, list[torch.Tensor]] = {}
    hooks = [bn.register_forward_hook(lambda m, a, o, n=n: seen.setdefault(n, []).append(a[0].detach().double()))
             for n, bn in _bns(ref).items()]
    ref.train()
    with torch.no_grad():
        for b in batches:
            ref(b)
    for h in hooks:
        h.remove()
    moved = 0
    for name, bn in _bns(model).items():
        xs = torch.cat(seen[name]).transpose(0, 1).reshape(bn.num_features, -1)
        torch.testing.assert_close(bn.running_mean.double(), xs.mean(1), rtol=1e-4, atol=1e-6, msg=name)
        torch.testing.assert_close(bn.running_var.double(), xs.var(1, unbiased=True), rtol=1e-4, atol=1e-6, msg=name)
        assert int(bn.num_batches_tracked) == 3
        moved += float((bn.running_var - 1).abs().max()) > 1e-2
    assert moved > len(_bns(model)) // 2          # the statistics really left 0/1
    # no weight, γ or β changed; no gradient anywhere
    for n, p in model.named_parameters():
        assert torch.equal(p, before[n]), n
        assert p.grad is None, n
    assert model.training   # the module's mode is restored
    assert meta["bn_treatment"]["mode"] == "reestimate" and meta["bn_treatment"]["images"] == 16
    assert meta["bn_treatment"]["batches"] == 3 and len(meta["bn_treatment"]["paths"]) == 16


def test_reestimate_on_one_batch_matches_pytorchs_own_running_statistics(make):
    model = make("kn", seed=1)
    torch_ref = copy.deepcopy(model)
    x = _images(8, seed=1)
    apply_bn_treatment(model, "reestimate", batches=[x])
    for bn in _bns(torch_ref).values():   # PyTorch's cumulative average over one batch: its mean and unbiased var
        bn.reset_running_stats()
        bn.momentum = None
    torch_ref.train()
    with torch.no_grad():
        torch_ref(x)
    for (name, a), b in zip(_bns(model).items(), _bns(torch_ref).values()):
        torch.testing.assert_close(a.running_mean, b.running_mean, rtol=1e-4, atol=1e-5, msg=name)
        torch.testing.assert_close(a.running_var, b.running_var, rtol=1e-4, atol=1e-5, msg=name)


# ------------------------------------------------------------------------------------------ (iii) batch_stats
@pytest.mark.parametrize("kind", KINDS)
def test_batch_stats_eval_output_equals_train_mode_batch_statistics(kind, make, tmp_path):
    model = make(kind)
    plain = copy.deepcopy(model)
    meta = apply_bn_treatment(model, "batch_stats")
    x = _images(8, seed=2)
    model.eval()
    plain.train()
    with torch.no_grad():
        out = model(x)
        expected = plain(x)      # train mode: every BN normalises by the batch's statistics
        plain.eval()
        at_defaults = plain(x)   # PyTorch >= 1.6 eval: the running statistics 0/1
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-6)
    assert not torch.allclose(out, at_defaults, atol=1e-3)
    for name, bn in _bns(model).items():   # never read, never updated (eval and train)
        assert isinstance(bn, BatchStatsBatchNorm2d), name
        assert torch.all(bn.running_mean == 0) and torch.all(bn.running_var == 1), name
    model.train()
    with torch.no_grad():
        model(x)
    assert all(torch.all(bn.running_var == 1) for bn in _bns(model).values())
    assert meta[META_KEY] == list(_bns(model)) and meta["bn_treatment"]["mode"] == "batch_stats"
    # module state, not state-dict content: the checkpoint's meta restores it on loading
    path = tmp_path / "m.pt"
    save_checkpoint(path, model, MODEL, {"init": "x", **meta})
    loaded, lmeta, _ = load_model(path)
    assert all(isinstance(bn, BatchStatsBatchNorm2d) for bn in _bns(loaded).values())
    loaded.eval()
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), out)


# ------------------------------------------------------------------------------------ meta and determinism
def _tiny_imagenet(root: Path, n: int = 7) -> None:
    rng = np.random.default_rng(0)
    for i in range(n):
        d = root / "train" / f"n0000000{i % 2}"
        d.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (40, 48, 3), dtype=np.uint8)).save(d / f"img{i}.JPEG")


@pytest.mark.parametrize("mode", ["none", "reestimate", "batch_stats"])
@pytest.mark.parametrize("kind", KINDS)
def test_treatment_is_in_the_checkpoint_meta_and_deterministic_from_the_seed(kind, mode, make, tmp_path):
    _tiny_imagenet(tmp_path / "data")
    manifest = tmp_path / "train_n7.tsv"
    make_manifest(tmp_path / "data", "train", 7, 0, manifest)

    def treated(seed):
        model = make(kind, seed)
        batches, info = manifest_batches(manifest, tmp_path / "data", images=5, input_size=SIZE, batch_size=2) \
            if mode == "reestimate" else (None, None)
        return model, apply_bn_treatment(model, {"mode": mode}, batches=batches, images_info=info)

    (a, meta_a), (b, meta_b), (c, _) = treated(3), treated(3), treated(4)
    sa, sb, sc = _state(a), _state(b), _state(c)
    assert meta_a == meta_b and all(torch.equal(sa[k], sb[k]) for k in sa)
    assert not torch.equal(sa["V2.conv2.weight"], sc["V2.conv2.weight"])
    path = tmp_path / "seed3.pt"
    save_checkpoint(path, a, MODEL, {"init": f"{kind}_bn_{mode}", "seed": 3, **meta_a})
    loaded, meta, _ = load_model(path)
    assert meta["bn_treatment"]["mode"] == mode
    if mode == "reestimate":   # the images and their count: 5 of the manifest, batches 2 + 3 (no batch of 1)
        t = meta["bn_treatment"]
        assert t["images"] == 5 and t["batches"] == 2 and t["input_size"] == SIZE
        assert t["paths"] == make_paths(manifest)[:5] and len(t["manifest_sha256"]) == 64
        assert not torch.equal(sa["V1.norm1.running_var"], torch.ones_like(sa["V1.norm1.running_var"]))
    x = _images(4, seed=5)
    a.eval()
    loaded.eval()
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), a(x))


def make_paths(manifest: Path) -> list[str]:
    from wiringup.data.manifests import read_manifest

    return list(read_manifest(manifest).paths)


def test_reestimate_without_images_and_unknown_treatments_are_refused(make):
    with pytest.raises(WiringupError, match="needs images"):
        apply_bn_treatment(make("kn"), "reestimate")
    with pytest.raises(WiringupError, match="not one of"):
        apply_bn_treatment(make("kn"), "frozen")


# ------------------------------------------------------------------------------------------------------ plan
@pytest.fixture(scope="module")
def config(validated):
    return validated(REPO / "config" / "config.yaml")


def test_arms_plan_one_factor_each(config):
    t = P.authors_test(config)
    assert set(t["arms"]) == {"bn_none", "bn_reestimate", "bn_batch_stats", "bic_bn_none", "bic_bn_reestimate",
                              "bic_bn_batch_stats"}
    assert t["regions"] == ["V1", "V2", "V4", "IT"]   # every brain region its benchmarks cover, not V4 only
    arm = t["arms"]["bn_reestimate"]
    assert (arm["init"], arm["control"]) == ("wc_authors_bn_reestimate", "kn_full_bn_reestimate")
    assert t["arms"]["bic_bn_reestimate"]["control"] == "kn_full_bn_reestimate"   # one KN control per treatment
    # arm (i) keeps today's models: the plain inits, whose params carry no treatment
    assert (t["arms"]["bn_none"]["init"], t["arms"]["bn_none"]["control"]) == ("wc_authors", "kn_full")
    assert "bn" not in P.init_model_config(config, "wc_authors") and "bn" not in P.init_model_config(config, "kn_full")
    p = P.init_model_config(config, "kn_full_bn_reestimate")
    assert p["bn"] == {"mode": "reestimate", "images": 100, "batch_size": 50, "input_size": 224,
                       "manifest": "results/manifests/train_n100.tsv", "data_root": config["data_root"],
                       "imagenet_root": config["imagenet"]["root"]}
    assert P.init_model_config(config, "wc_authors_bn_batch_stats")["bn"] == {"mode": "batch_stats"}
    assert P.init_model_config(config, "wc_authors_bn_batch_stats")["sampling"] == \
        P.init_model_config(config, "wc_authors")["sampling"]
    # the Gabor mixture refitted by BIC: a second import of the same files
    assert P.wc_file(config, "wc_authors_bic") == "results/wc/authors_bic/distributions.npz"
    assert P.authors_sources(config)["authors_bic"]["gabor_components"] is None
    assert P.authors_sources(config)["authors"]["gabor_components"] == 4
    assert P.score_input_size(config, "init/kn_full_bn_batch_stats/seed3") == 224
    assert len(P.authors_test_models(config)) == 90 and len(P.authors_test_models(config, "bn_none")) == 20
    plan = P.plan(config)
    assert plan.init_inputs("wc_authors_bic_bn_reestimate") == {
        "wc": "results/wc/authors_bic/distributions.npz", "manifest": "results/manifests/train_n100.tsv"}
    assert plan.init_inputs("kn_full_bn_batch_stats") == {}
    assert "wc_authors_bn_reestimate" not in P.method_inits(config)["wc"]   # Fig. 7 is unchanged


def test_authors_test_benchmarks_subset(config):
    """``authors_test.benchmarks`` picks what experiment (b)'s models are scored on; null = every benchmark a model
    without a classifier gets; ``regions: null`` then means the regions those benchmarks cover."""
    from wiringup.plan.build import build
    from wiringup.plan.scoring import plan as scoring_plan

    every = scoring_plan(config).baseline_benchmarks
    c = copy.deepcopy(config)
    t = c["weight_compression"]["authors_test"]
    t["benchmarks"], t["regions"] = None, None
    assert P.authors_test(c)["benchmarks"] == every and "Imagenette80-top1" not in every
    assert P.authors_test(c)["regions"] == c["scoring"]["predictivity_regions"]
    t["benchmarks"] = ["tong.Coggan2024_fMRI.V2-rdm", "MajajHong2015slice.IT-pls"]
    got = P.authors_test(c)
    assert got["benchmarks"] == ["MajajHong2015slice.IT-pls", "tong.Coggan2024_fMRI.V2-rdm"]   # scoring order
    assert got["regions"] == ["V2", "IT"]                    # predictivity order, behaviour and V1/V4 not covered
    assert P.authors_test_arm(c, "bn_none")["regions"] == ["V2", "IT"]
    plan = build(c)
    files = plan.authors_test_scores("bn_none")
    assert len(files) == 2 * 20 and {f.split("/")[2] for f in files} == set(got["benchmarks"])
    t["regions"] = ["V4"]                                    # an explicit list is kept
    assert P.authors_test(c)["regions"] == ["V4"]
    t["regions"] = None
    c["scoring"]["backend"] = "brainscore"                   # a list of the local suite: not applied there
    assert P.authors_test(c)["benchmarks"] == scoring_plan(c).baseline_benchmarks
    assert "ImageNet-top1" not in P.authors_test(c)["benchmarks"]
    c["scoring"]["backend"] = "local"
    c["scoring"]["benchmarks"]["MajajHong2015slice.IT-pls"]["enabled"] = False   # scored nowhere, so not here
    t["benchmarks"] = ["tong.Coggan2024_fMRI.V2-rdm", "MajajHong2015slice.IT-pls"]
    assert P.authors_test(c)["benchmarks"] == ["tong.Coggan2024_fMRI.V2-rdm"]
    t["benchmarks"] = ["MajajHong2015slice.IT-pls"]
    with pytest.raises(WiringupError, match="enabled: false"):
        P.authors_test(c)
    c["scoring"]["benchmarks"]["MajajHong2015slice.IT-pls"]["enabled"] = True
    for bad, match in ((["Imagenette80-top1"], "not benchmarks an untrained model"),
                       (["Nope.V4-pls"], r"\['Nope.V4-pls'\]"), ([], "empty")):
        t["benchmarks"] = bad
        with pytest.raises(WiringupError, match="weight_compression.authors_test.benchmarks"):
            P.authors_test(c)
        with pytest.raises(WiringupError, match=match):
            P.authors_test(c)


@pytest.mark.parametrize("edit, match", [
    (lambda c: c["weight_compression"]["authors_test"]["arms"].update(x={"init": "nope", "control": "kn_full",
                                                                         "bn": "none"}), "arms.x.init"),
    (lambda c: c["weight_compression"]["authors_test"]["arms"].update(x={"init": "wc_authors", "control": "kn_full",
                                                                         "bn": "frozen"}), "arms.x.bn"),
    (lambda c: c["weight_compression"]["inits"].update(kn_full_bn_reestimate={"method": "kn", "bn": "none"}),
     "also a configured init"),
    (lambda c: c["weight_compression"]["authors"]["refits"].update(run={"gabor_components": 3}), "already a WC"),
])
def test_bad_arms_are_refused_naming_the_key(config, edit, match):
    c = copy.deepcopy(config)
    edit(c)
    with pytest.raises(WiringupError, match=match):
        P.plan(c)
