"""The benchmark scripts run end to end on the CPU at tiny sizes (so the GPU measurement runs on its first try), and
``speed.amp`` picks bfloat16 autocast exactly where the CPU computes bfloat16 natively."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import wiringup.training as training
from wiringup.nets.checkpoints import read_checkpoint
from wiringup.nets.registry import build_model
from wiringup.training import (Recipe, _Interrupted, _cpuinfo_flags, cpu_bf16_supported, cpu_bf16_unsafe_convs,
                               epoch_label, train, training_precision)

REPO = Path(__file__).resolve().parents[1]


def bench_env(**extra):
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "BS_INSTALL_DEPENDENCIES": "no",
           "AWS_EC2_METADATA_DISABLED": "true", "PYTHONUNBUFFERED": "1", "PYTHON": sys.executable}
    env.pop("OUT", None)
    return {**env, **extra}


# ------------------------------------------------------------------------------------- the benchmark scripts

@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_gpu_throughput_script_runs_end_to_end_on_the_cpu(tmp_path):
    """benchmarks/gpu_throughput.sh --tiny: every part (bench_step with the data path, bench_training with a
    DataLoader worker on synthetic JPEGs) on the CPU, results and the machine description under $OUT."""
    out = tmp_path / "out"
    p = subprocess.run(["bash", str(REPO / "benchmarks" / "gpu_throughput.sh"), "--tiny", "--device", "cpu"],
                       cwd=REPO, env=bench_env(OUT=str(out), THREADS="1"), capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    status = dict(line.split() for line in (out / "status.txt").read_text().splitlines())
    assert status == {"step": "0", "training": "0"}, status
    machine = (out / "machine.txt").read_text()
    assert "nproc" in machine and "torch" in machine and "native bf16" in machine
    step = json.loads((out / "step.json").read_text())
    assert step["device"] == "cpu" and step["rows"] and all(r["images_per_s"] > 0 for r in step["rows"])
    assert {r["amp"] for r in step["rows"]} == ({False, True} if cpu_bf16_supported() else {False})
    assert set(step["data_rates"]) == {"jpeg+PIL", "cache+torch"}
    trained = json.loads((out / "training.json").read_text())
    assert trained["args"]["workers"] == 1
    assert set(trained["median"]) == {"reference", "ours"}
    assert all(v["wall"] > 0 and v["cpu"] > 0 for v in trained["median"].values())
    log = (out / "gpu_throughput.txt").read_text()
    assert "## step" in log and "## training" in log


def test_gpu_throughput_script_refuses_cuda_without_a_gpu(tmp_path):
    if torch.cuda.is_available():
        pytest.skip("a GPU is visible")
    p = subprocess.run(["bash", str(REPO / "benchmarks" / "gpu_throughput.sh")], cwd=REPO,
                       env=bench_env(OUT=str(tmp_path)), capture_output=True, text=True, timeout=120)
    assert p.returncode == 4 and "no CUDA GPU" in p.stderr


def test_bench_training_times_steps_in_the_main_process_with_workers(tmp_path):
    """--workers 1: the timing mark is taken where the loop asks for a batch, not inside a worker process."""
    out = tmp_path / "training.json"
    p = subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench_training.py"), "--synthetic", "8",
                        "--width", "0.0625", "--size", "32", "--batch", "4", "--steps", "3", "--warmup", "1",
                        "--rounds", "1", "--threads", "1", "--workers", "1", "--matmul-size", "128",
                        "--also-uncached", "--amp", "--device", "cpu", "--out", str(out)],
                       cwd=REPO, env=bench_env(), capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    res = json.loads(out.read_text())
    assert set(res["median"]) == {"reference", "ours", "ours, no cache"}
    assert res["precision"]["ours"] == ("bf16" if cpu_bf16_supported() else "fp32")
    assert "DataLoader workers' CPU time is not in it" in p.stdout


def test_batch_clock_marks_the_requested_batch_across_epochs():
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from bench_training import BatchClock
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    clock = BatchClock(mark_at=3)
    loader = clock.loader_class()
    data = torch.utils.data.TensorDataset(torch.arange(4.0))
    seen = []
    for _ in range(2):  # two epochs of two batches: batch 3 is the second batch of epoch 2
        for (x,) in loader(data, batch_size=2):
            seen.append(x.tolist())
            if len(seen) == 3:
                assert clock.mark is None
    assert seen == [[0, 1], [2, 3]] * 2 and clock.batches == 4 and clock.mark is not None
    with pytest.raises(RuntimeError, match="no timing mark"):
        BatchClock(mark_at=9).rates(steps=10, warmup=9, batch=2)


@pytest.mark.slow
def test_bench_amp_scores_smoke(tmp_path, data_root):
    out = tmp_path / "amp.json"
    p = subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench_amp_scores.py"), "--images", "24",
                        "--batch", "8", "--epochs", "1", "--width", "0.0625", "--size", "32", "--val-images", "10",
                        "--benchmarks", "MajajHong2015slice.V4-pls", "Imagenette80-top1", "--seeds", "0",
                        "--threads", "1", "--force-bf16", "--data-root", str(data_root), "--out", str(out)],
                       cwd=REPO, env=bench_env(), capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    res = json.loads(out.read_text())
    assert {r["precision"] for r in res["scores"]} == {"fp32", "bf16"}
    assert {r["benchmark"] for r in res["comparison"]} == {"MajajHong2015slice.V4-pls", "Imagenette80-top1"}


# -------------------------------------------------------------------------------- speed.amp: the precision

def test_bf16_detection_from_cpu_flags(tmp_path):
    assert cpu_bf16_supported(["avx2", "avx512f", "avx512_bf16"])  # AMD Zen 4+, Intel Cooper Lake
    assert cpu_bf16_supported({"amx_tile", "amx_bf16"})  # Intel Sapphire Rapids+
    assert not cpu_bf16_supported(["avx2", "fma"])  # AVX2 only: bf16 emulated, 14x slower
    assert not cpu_bf16_supported(["avx512f", "avx512bw", "avx512vl"])  # AVX-512 without BF16
    assert not cpu_bf16_supported([])
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu avx2 avx512f avx512_bf16\n\n"
                    "processor\t: 1\nflags\t\t: fpu\n")
    assert _cpuinfo_flags(info) == {"fpu", "avx2", "avx512f", "avx512_bf16"}
    assert _cpuinfo_flags(tmp_path / "missing") == set()
    assert isinstance(cpu_bf16_supported(), bool)  # this machine, whatever it is


def test_bf16_detection_agrees_with_proc_cpuinfo():
    flags = _cpuinfo_flags()
    if not flags:
        pytest.skip("no /proc/cpuinfo")
    if bool({"avx512_bf16", "amx_bf16"} & flags) != cpu_bf16_supported():
        pytest.skip("torch's check and the kernel's flags differ here (OS support for the registers)")
    assert cpu_bf16_supported() == cpu_bf16_supported(flags)


def test_training_precision_follows_amp_and_the_cpu(monkeypatch):
    monkeypatch.setattr(training, "cpu_bf16_supported", lambda flags=None: True)
    assert training_precision("cpu", True) == "bf16"
    assert training_precision("cpu", False) == "fp32"
    monkeypatch.setattr(training, "cpu_bf16_supported", lambda flags=None: False)
    assert training_precision("cpu", True) == "fp32"
    assert training_precision("meta", True) == "fp32"  # other devices: fp32


MODEL = {"arch": "cornet_s", "width": 0.0625, "num_classes": 4}


class TinyData(torch.utils.data.Dataset):
    # 32 px: IT's stride-2 conv2 sees 2x2; at 16 px it sees 1x1, where bf16 trains in fp32 (test below)
    def __init__(self, n=16, size=32):
        g = torch.Generator().manual_seed(0)
        self.labels = torch.arange(n) % 4
        self.x = torch.randn(n, 3, size, size, generator=g)
        self.epoch = 0

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.x[i], int(self.labels[i])


def tiny_run(tmp_path, name, amp, interrupt=None, size=32):
    model = build_model(seed=0, **MODEL)
    dtypes = []
    model.V1.conv1.register_forward_hook(lambda m, i, o: dtypes.append(o.dtype))
    outs = {1.0: tmp_path / name / f"epoch_{epoch_label(1.0)}.pt"}
    summary = train(model, TinyData(size=size), Recipe(batch_size=4, lr=0.05, schedule="constant", resume_every_steps=1),
                    outs, seed=0, model_config=MODEL, meta={"images": 16}, resume_dir=tmp_path / "resume",
                    metrics_path=tmp_path / name / "metrics.csv", resume_key="k", progress=False, amp=amp,
                    interrupt_at_step=interrupt)
    return model, summary, read_checkpoint(outs[1.0])["meta"], dtypes


def test_amp_on_a_bf16_cpu_trains_under_bf16_autocast_and_records_it(tmp_path, monkeypatch):
    monkeypatch.setattr(training, "cpu_bf16_supported", lambda flags=None: True)
    _, summary, meta, dtypes = tiny_run(tmp_path, "bf16", amp=True)
    assert summary["precision"] == meta["precision"] == "bf16"
    assert dtypes[0] == torch.float32 and set(dtypes[1:]) == {torch.bfloat16}  # the shape probe, then training
    _, summary, meta, dtypes = tiny_run(tmp_path, "fp32", amp=False)
    assert summary["precision"] == meta["precision"] == "fp32" and set(dtypes) == {torch.float32}


def test_convolutions_with_wrong_bf16_gradients_on_a_cpu_are_found_for_the_input_size():
    model = build_model(seed=0, **MODEL)
    assert cpu_bf16_unsafe_convs(model, torch.zeros(3, 8, 8)) == ["V4.conv2", "IT.conv2"]  # functional conv2 calls
    assert cpu_bf16_unsafe_convs(model, torch.zeros(3, 16, 16)) == ["IT.conv2"]
    assert cpu_bf16_unsafe_convs(model, torch.zeros(3, 32, 32)) == []
    assert model.training  # the probe's eval-mode pass leaves the mode as it was
    resnet = build_model(seed=0, arch="resnet50", width=0.125, num_classes=4)
    assert cpu_bf16_unsafe_convs(resnet, torch.zeros(3, 16, 16)) == ["layer4.0.conv2"]  # 3x3; the 1x1 downsample not


def test_amp_on_a_bf16_cpu_trains_in_fp32_where_a_convolution_would_get_wrong_gradients(tmp_path, monkeypatch,
                                                                                          capsys):
    monkeypatch.setattr(training, "cpu_bf16_supported", lambda flags=None: True)
    ref, _, _, _ = tiny_run(tmp_path, "off", amp=False, size=16)
    model, summary, meta, dtypes = tiny_run(tmp_path, "on", amp=True, size=16)
    assert summary["precision"] == meta["precision"] == "fp32" and set(dtypes) == {torch.float32}
    assert "bfloat16 weight gradients of IT.conv2" in capsys.readouterr().err
    for a, b in zip(ref.state_dict().values(), model.state_dict().values()):
        assert torch.equal(a, b)


def test_amp_on_a_cpu_without_bf16_trains_in_fp32(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(training, "cpu_bf16_supported", lambda flags=None: False)
    ref, _, _, _ = tiny_run(tmp_path, "off", amp=False)
    model, summary, meta, dtypes = tiny_run(tmp_path, "on", amp=True)
    assert summary["precision"] == meta["precision"] == "fp32" and set(dtypes) == {torch.float32}
    assert "no native bfloat16" in capsys.readouterr().err
    for a, b in zip(ref.state_dict().values(), model.state_dict().values()):
        assert torch.equal(a, b)  # amp without bf16 hardware is plain fp32: the same weights


def test_a_resume_state_of_the_other_precision_is_discarded(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(training, "cpu_bf16_supported", lambda flags=None: True)
    with pytest.raises(_Interrupted):
        tiny_run(tmp_path, "cut", amp=True, interrupt=2)  # a bf16 resume state at step 2
    assert (tmp_path / "resume" / "state.pt").exists()
    ref, _, _, _ = tiny_run(tmp_path / "ref", "ref", amp=False)
    model, summary, _, _ = tiny_run(tmp_path, "cut", amp=False)  # the same run, now fp32: starts over
    assert "discarding stale resume state" in capsys.readouterr().err
    assert summary["precision"] == "fp32"
    for a, b in zip(ref.state_dict().values(), model.state_dict().values()):
        assert torch.equal(a, b)


# ---------------------------------------------------------------- pyproject.toml: ranges and console scripts

def test_pyproject_ranges_admit_the_exact_pins_and_name_every_direct_dependency():
    import tomllib

    from packaging.requirements import Requirement

    from test_environment import pins

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    reqs += [Requirement(r) for extra in project["optional-dependencies"].values() for r in extra]
    ranges = {r.name.lower().replace("_", "-"): r.specifier for r in reqs}
    direct = pins((REPO / "requirements.txt").read_text().splitlines())
    assert set(ranges) == set(direct)
    for name, version in direct.items():
        assert ranges[name].contains(version), (name, version, str(ranges[name]))


def test_console_scripts_point_at_main_functions():
    import importlib
    import tomllib

    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert {"wiringup-provenance", "wiringup-authors", "wiringup-scorecard", "wiringup-counts"} <= set(scripts)
    for name, target in scripts.items():
        module, func = target.split(":")
        try:
            mod = importlib.import_module(module)
        except ImportError as exc:  # a module another change is rewriting must not hide the others
            pytest.fail(f"{name}: {module} does not import: {exc}")
        assert callable(getattr(mod, func)), name
