import math

import pytest
import torch

from wiringup.nets.checkpoints import load_model, read_checkpoint
from wiringup.core.io import WiringupError
from wiringup.nets.registry import build_model
from wiringup.training import Recipe, _Interrupted, checkpoint_step, epoch_label, train

MODEL = {"arch": "cornet_s", "width": 0.0625, "num_classes": 4}


class TinyData(torch.utils.data.Dataset):
    """A learnable 4-class problem with per-(epoch, index) seeded noise, like ManifestDataset."""

    def __init__(self, n=48, size=32, noise=0.1):
        g = torch.Generator().manual_seed(0)
        self.noise = noise
        self.labels = torch.arange(n) % 4
        proto = torch.randn(4, 3, size, size, generator=g)
        self.x = proto[self.labels] + 0.5 * torch.randn(n, 3, size, size, generator=g)
        self.epoch = 0

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(1000 * self.epoch + i)
        return self.x[i] + self.noise * torch.randn(self.x[i].shape, generator=g), int(self.labels[i])


def run(tmp_path, epochs=(0.5, 1, 3), interrupt=None, name="run", **kw):
    model = build_model(seed=0, **MODEL)
    recipe = Recipe(batch_size=16, lr=0.05, schedule="constant", resume_every_steps=2, **kw)
    outs = {e: tmp_path / name / f"epoch_{epoch_label(e)}.pt" for e in epochs}
    summary = train(model, TinyData(), recipe, outs, seed=0, model_config=MODEL, meta={"images": 48},
                    resume_dir=tmp_path / "resume" / name, metrics_path=tmp_path / name / "metrics.csv",
                    resume_key="k", progress=False, interrupt_at_step=interrupt)
    return model, outs, summary


def test_checkpoint_steps_follow_the_authors_rule():
    assert checkpoint_step(0.1, 5005) == 500  # full ImageNet, batch 256
    assert checkpoint_step(0.3, 10) == 3  # no float round-down to 2
    assert checkpoint_step(0.2, 4) == 0 and checkpoint_step(1, 4) == 4
    assert [epoch_label(e) for e in (0, 0.5, 1, 43, 1.25)] == ["00", "0.5", "01", "43", "1.25"]


def test_loss_falls_and_checkpoints_record_updates(tmp_path):
    _, outs, summary = run(tmp_path, epochs=(0.5, 1, 6))
    import csv

    rows = list(csv.DictReader(open(tmp_path / "run" / "metrics.csv")))
    assert len(rows) == summary["steps"] == 18
    first = sum(float(r["loss"]) for r in rows[:3]) / 3
    last = sum(float(r["loss"]) for r in rows[-3:]) / 3
    assert last < 0.7 * first, (first, last)
    meta = read_checkpoint(outs[0.5])["meta"]
    assert meta["step"] == 1 and meta["supervised_updates"] == 24 and meta["images_seen"] == 16
    assert read_checkpoint(outs[6])["meta"]["images_seen"] == 6 * 48
    assert not (tmp_path / "resume" / "run").exists()  # resume state removed after success


def test_resume_after_interruption_gives_identical_weights(tmp_path):
    ref, ref_outs, _ = run(tmp_path, name="ref")
    with pytest.raises(_Interrupted):
        run(tmp_path, name="cut", interrupt=7)  # mid-epoch 3 (3 steps per epoch), after the epoch-1 checkpoint
    assert (tmp_path / "resume" / "cut" / "state.pt").exists()
    # Snakemake deletes the declared outputs of a failed job; resume must restore them
    for p in (tmp_path / "cut").glob("epoch_*.pt"):
        p.unlink()
    model, outs, summary = run(tmp_path, name="cut")
    for a, b in zip(ref.state_dict().values(), model.state_dict().values()):
        assert torch.equal(a, b)
    for e in ref_outs:
        assert torch.equal(read_checkpoint(ref_outs[e])["state_dict"]["V1.conv1.weight"],
                           read_checkpoint(outs[e])["state_dict"]["V1.conv1.weight"])


def test_plateau_schedule_stops_after_the_fourth_decay(tmp_path):
    # zero gradients, no weight decay, no augmentation noise: the loss never improves, so the plateau
    # scheduler (patience 0) decays after every epoch but the first
    model = build_model(seed=0, **MODEL)
    recipe = Recipe(batch_size=48, lr=0.1, schedule="plateau", plateau={"factor": 0.1, "patience": 0, "min_lr": 1e-4},
                    optimizer="sgd", momentum=0.0, weight_decay=0.0)
    for p in model.parameters():
        p.register_hook(lambda g: torch.zeros_like(g))
    outs = {30: tmp_path / "epoch_30.pt"}
    summary = train(model, TinyData(noise=0.0), recipe, outs, seed=0, model_config=MODEL, meta={"images": 48},
                    resume_dir=tmp_path / "r", metrics_path=tmp_path / "m.csv", resume_key="k", progress=False)
    # the first epoch sets the best loss; then one decay per epoch: 0.01, 1e-3, 1e-4, 1e-5 < min_lr
    assert summary["converged_at_epoch"] == 5
    assert read_checkpoint(outs[30])["meta"]["converged_at_epoch"] == 5


def test_nan_loss_stops_with_step_and_lr(tmp_path):
    with pytest.raises(WiringupError, match=r"non-finite training loss .* step \d+ .* lr 1e\+30"):
        model = build_model(seed=0, **MODEL)
        recipe = Recipe(batch_size=16, lr=1e30, schedule="constant")
        train(model, TinyData(), recipe, {3: tmp_path / "e.pt"}, seed=0, model_config=MODEL, meta={"images": 48},
              resume_dir=tmp_path / "r", metrics_path=tmp_path / "m.csv", resume_key="k", progress=False)


def test_foreign_and_truncated_checkpoints_are_refused(tmp_path):
    _, outs, _ = run(tmp_path, epochs=(1,))
    data = outs[1].read_bytes()
    cut = tmp_path / "cut.pt"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(WiringupError, match="truncated or corrupt"):
        load_model(cut)
    foreign = tmp_path / "foreign.pt"
    torch.save({"state_dict": {}}, foreign)
    with pytest.raises(WiringupError, match="not a wiringup checkpoint"):
        load_model(foreign)
    with pytest.raises(WiringupError, match="expected 'resnet50'"):
        load_model(outs[1], arch="resnet50")
    model, meta, cfg = load_model(outs[1])
    assert cfg == MODEL and meta["epoch"] == 1 and not math.isnan(meta["supervised_updates"])


# --------------------------------------------------------------- frozen layers, schedules, time (helper "experiments")

def test_loss_drop_schedule_decays_like_the_authors_convergence_2():
    from wiringup.training import LossDropSchedule

    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    sched = LossDropSchedule(opt, threshold=0.2, window=3, factor=0.1)
    lrs = []
    for loss in [5.0, 4.0, 3.9, 3.85, 3.8, 3.79, 2.0]:
        sched.step(loss)
        lrs.append(opt.param_groups[0]["lr"])
    # no decay until more than 3 drops are recorded (5th epoch); then after every epoch while the mean of the
    # last 3 drops is < 0.2 (the history is not reset); a large drop (3.79 -> 2.0) stops it
    assert lrs == pytest.approx([0.1, 0.1, 0.1, 0.1, 0.01, 0.001, 0.001])
    again = LossDropSchedule(opt)
    again.load_state_dict(sched.state_dict())
    assert again.drops == sched.drops and again.prev == 2.0
    r = Recipe.from_config({"schedule": "loss_drop", "loss_drop": {"threshold": 0.5}})
    assert r.loss_drop == {"threshold": 0.5, "window": 3, "factor": 0.1, "min_lr": 1e-4}


def test_frozen_training_counts_synaptic_updates_and_times_epochs(tmp_path):
    rules = ["V2.conv3", "V4.conv3", "IT.conv3", "decoder"]
    model, outs, summary = run(tmp_path, epochs=(0.5, 2), trained_layers=rules)
    trained_conv = summary["trained_parameters"]["conv_weights"]
    assert trained_conv == summary["parameter_counts"]["trained_conv_weights"] > 0
    assert summary["trained_parameters"]["batchnorm"] == 0 and summary["frozen_parameters"]["batchnorm"] > 0
    for e in (0.5, 2):
        meta = read_checkpoint(outs[e])["meta"]
        # supervised synaptic updates = epochs × labelled images × trained synapses (conv weights)
        assert meta["synaptic_updates"] == e * 48 * trained_conv
        assert meta["frozen_parameters"]["conv_weights"] + trained_conv == meta["total_parameters"]["conv_weights"]
    assert len(summary["epoch_seconds"]) == 2 and all(s > 0 for s in summary["epoch_seconds"])
    assert summary["seconds_per_step"] > 0 and summary["steady_seconds_per_step"] > 0


def test_a_set_that_trains_nothing_only_adapts_batchnorm_statistics(tmp_path):
    with pytest.raises(WiringupError, match="allow_untrained"):
        run(tmp_path, epochs=(1,), name="refused", trained_layers=[])
    model = build_model(seed=0, **MODEL)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    recipe = Recipe(batch_size=16, schedule="plateau", trained_layers=[], allow_untrained=True)
    summary = train(model, TinyData(), recipe, {1: tmp_path / "e.pt"}, seed=0, model_config=MODEL,
                    meta={"images": 48}, resume_dir=tmp_path / "r", metrics_path=tmp_path / "m.csv",
                    resume_key="k", progress=False)
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before if not k.endswith(("running_mean", "running_var",
                                                                                   "num_batches_tracked")))
    assert not torch.equal(before["V1.norm1.running_mean"], after["V1.norm1.running_mean"])
    assert summary["trained_parameters"]["total"] == 0 and summary["steps"] == 3
