"""Reliability and provenance (issue 8): refused inputs, atomic writes under SIGKILL, damaged resume state,
the pre-start memory check, provenance sidecars and lineage, and the content digests the determinism test uses.

What other files already cover (not repeated here): the real SIGKILL-and-resume run through Snakemake and the
unknown-key / wrong-type / missing-data-root checks (test_workflow.py), in-process resume and the NaN-loss stop
(test_training.py), corrupt / truncated / PNG / CMYK / grayscale images (test_data.py, test_manifests.py), empty
class folders, val classes missing from train, too few images (test_manifests.py), NaN in raw assemblies
(test_benchmarks.py), damaged and foreign WC files (test_weight_compression.py).
"""
from __future__ import annotations

import ast
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from snakemake.iocontainers import Namedlist

from wiringup.runtime import memory, pipeline
from wiringup.core import provenance as P
from wiringup.nets.checkpoints import FORMAT, VERSION, load_model, read_checkpoint, read_model_config, save_checkpoint
from wiringup.core.io import WiringupError, atomic_path, write_json
from wiringup.nets.registry import build_model

REPO = Path(__file__).resolve().parents[1]
TINY = {"arch": "cornet_s", "width": 0.0625, "num_classes": 4}


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny models train far faster on one thread, and a busy machine makes two threads spin (measured 3 s vs 39 s)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


# ------------------------------------------------------------------------------------------------ checkpoints

@pytest.fixture()
def good_ckpt(tmp_path: Path) -> Path:
    path = tmp_path / "good.pt"
    save_checkpoint(path, build_model(seed=0, **TINY), TINY, {"epoch": 0})
    return path


def test_non_checkpoint_inputs_are_refused_naming_the_file(tmp_path: Path, good_ckpt: Path):
    cases = {}
    text = tmp_path / "notes.pt"
    text.write_text("these are not weights\n")
    cases[text] = "not a PyTorch file"
    empty = tmp_path / "empty.pt"
    empty.write_bytes(b"")
    cases[empty] = "an empty file"
    cut = tmp_path / "cut.pt"
    cut.write_bytes(good_ckpt.read_bytes()[:5000])
    cases[cut] = "truncated or corrupt"
    module = tmp_path / "module.pt"
    torch.save(torch.nn.Linear(2, 2), module)  # a pickled nn.Module: must never be unpickled
    cases[module] = "pickled Python objects"
    bare = tmp_path / "bare.pt"
    torch.save(build_model(seed=0, **TINY).state_dict(), bare)
    cases[bare] = "bare state_dict"
    foreign = tmp_path / "foreign.pt"
    torch.save({"epoch": 3, "weights": [1, 2, 3], "optimizer": {}}, foreign)  # another program's dict
    cases[foreign] = "no 'wiringup-checkpoint' header"
    hollow = tmp_path / "hollow.pt"
    torch.save({"format": FORMAT, "version": VERSION, "model": TINY}, hollow)
    cases[hollow] = "'state_dict' is missing"
    for path, what in cases.items():
        with pytest.raises(WiringupError) as exc:
            load_model(path)
        assert str(path) in str(exc.value) and what in str(exc.value), (path, str(exc.value))
    with pytest.raises(WiringupError, match="checkpoint not found"):
        read_checkpoint(tmp_path / "absent.pt")
    assert read_model_config(good_ckpt) == TINY
    load_model(good_ckpt)


def test_an_interrupted_write_never_leaves_the_final_name(tmp_path: Path):
    """SIGKILL a process in the middle of an atomic write: the final name never appears, half-written."""
    target = tmp_path / "out" / "big.bin"
    code = ("import sys, time; sys.path.insert(0, %r)\n"
            "from wiringup.core.io import atomic_path\n"
            "with atomic_path(%r) as tmp:\n"
            "    with open(tmp, 'wb') as f:\n"
            "        for _ in range(1000):\n"
            "            f.write(b'x' * 65536); f.flush(); time.sleep(0.01)\n") % (str(REPO / "src"), str(target))
    proc = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.time() + 60
    while time.time() < deadline and not any(target.parent.glob(".big.bin.*.tmp")):
        time.sleep(0.02)
    time.sleep(0.2)
    assert proc.poll() is None, "the writer finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not target.exists()
    leftovers = list(target.parent.glob(".big.bin.*.tmp"))
    assert leftovers and leftovers[0].stat().st_size > 0  # the partial data only ever lived under a temp name


class _Allowed:
    """Writes that need not go through atomic_path, with the reason."""
    WRITES = {
        ("pipeline.py", "run"): "the job's log file, written while the job runs",
        ("training.py", "_write_metrics"): "called with atomic_path's temporary name",
    }


def _non_atomic_writes(path: Path) -> list[str]:
    """File writes in ``path`` whose target is not a name bound by ``with atomic_path(...) as tmp`` (or a file
    opened on it, or an in-memory buffer); heuristic: open(..., 'w'), .write_text/.write_bytes, .to_csv,
    .savefig, .to_netcdf, np.save*, torch.save(obj, f)."""
    tree = ast.parse(path.read_text())
    bad: list[str] = []
    in_memory = frozenset(t.id for n in ast.walk(tree) if isinstance(n, ast.Assign) and isinstance(n.value, ast.Call)
                          and (getattr(n.value.func, "attr", None) or getattr(n.value.func, "id", None))
                          in ("BytesIO", "StringIO") for t in n.targets if isinstance(t, ast.Name))

    def visit(node: ast.AST, safe: frozenset, func: str | None) -> None:
        if isinstance(node, (ast.With, ast.AsyncWith)):
            names = set(safe)
            for item in node.items:
                c, var = item.context_expr, item.optional_vars
                if isinstance(c, ast.Call) and isinstance(var, ast.Name):
                    fname = getattr(c.func, "id", None) or getattr(c.func, "attr", None)
                    if fname == "atomic_path" or (fname == "open" and c.args and _safe(c.args[0], names)):
                        names.add(var.id)
            safe = frozenset(names)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            func = node.name
        if isinstance(node, ast.Call):
            target = _write_target(node)
            if target is not None and not _safe(target, safe) and (path.name, func) not in _Allowed.WRITES:
                bad.append(f"{path.relative_to(REPO)}:{node.lineno} in {func}(): {ast.unparse(node)[:80]}")
        for child in ast.iter_child_nodes(node):
            visit(child, safe, func)

    visit(tree, in_memory, None)
    return bad


def _safe(expr: ast.AST, names) -> bool:
    if isinstance(expr, ast.Name):
        return expr.id in names
    if isinstance(expr, ast.Call) and getattr(expr.func, "id", None) in ("Path", "str") and expr.args:
        return _safe(expr.args[0], names)
    return False


def _write_target(call: ast.Call) -> ast.AST | None:
    f = call.func
    name = getattr(f, "attr", None) or getattr(f, "id", None)
    owner = getattr(getattr(f, "value", None), "id", None)
    if name == "open" and len(call.args) >= 2 and isinstance(call.args[1], ast.Constant) \
            and str(call.args[1].value)[:1] in "wax":
        return call.args[0]
    if name in ("write_text", "write_bytes") and isinstance(f, ast.Attribute):
        return f.value
    if name in ("to_csv", "savefig", "to_netcdf", "to_parquet") and call.args:
        return call.args[0]
    if name in ("save", "savez", "savez_compressed") and owner in ("np", "numpy") and call.args:
        return call.args[0]
    if name == "save" and owner == "torch" and len(call.args) >= 2:
        return call.args[1]
    return None


def test_library_writes_go_through_atomic_path():
    files = sorted((REPO / "src" / "wiringup").rglob("*.py")) + sorted((REPO / "workflow" / "scripts").glob("*.py"))
    bad = [b for p in files for b in _non_atomic_writes(p)]
    assert not bad, ("write these through wiringup.core.io.atomic_path (or write_json), so a killed job never leaves a "
                     "truncated file under the final name:\n" + "\n".join(bad))


# ------------------------------------------------------------------------------------------- resume state

class _TinyData(torch.utils.data.Dataset):
    def __init__(self, n: int = 16, size: int = 32):
        g = torch.Generator().manual_seed(0)
        self.labels = torch.arange(n) % 4
        self.x = torch.randn(4, 3, size, size, generator=g)[self.labels] + torch.randn(n, 3, size, size, generator=g)
        self.epoch = 0

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int):
        return self.x[i], int(self.labels[i])


def _train(tmp_path: Path, name: str, interrupt: int | None = None):
    from wiringup.training import Recipe, train

    model = build_model(seed=0, **TINY)
    recipe = Recipe(batch_size=8, lr=0.05, schedule="constant", resume_every_steps=1)
    outs = {2.0: tmp_path / name / "epoch_02.pt"}  # 2 steps per epoch, 4 in all
    train(model, _TinyData(), recipe, outs, seed=0, model_config=TINY, meta={"images": 16},
          resume_dir=tmp_path / f"resume_{name}", metrics_path=tmp_path / name / "metrics.csv", resume_key="k",
          progress=False, interrupt_at_step=interrupt)
    return model.state_dict()


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> dict:
    return _train(tmp_path_factory.mktemp("ref"), "ref")


@pytest.mark.parametrize("damage", ["truncate", "foreign"])
def test_damaged_resume_state_is_discarded_and_training_restarts(tmp_path: Path, damage: str, capfd,
                                                                 uninterrupted: dict):
    from wiringup.training import _Interrupted

    with pytest.raises(_Interrupted):
        _train(tmp_path, "cut", interrupt=3)
    state = tmp_path / "resume_cut" / "state.pt"
    assert state.is_file()
    if damage == "truncate":
        state.write_bytes(state.read_bytes()[:1000])
    else:
        torch.save({"key": "another run", "step": 3}, state)
    capfd.readouterr()
    b = _train(tmp_path, "cut")
    assert "discarding stale resume state" in capfd.readouterr().err
    assert all(torch.equal(uninterrupted[k], b[k]) for k in uninterrupted)


# ------------------------------------------------------------------------------------------------ bad inputs

def _assembly(tmp_path: Path, responses: np.ndarray) -> Path:
    from PIL import Image

    from wiringup.scoring.benchmarks.assembly import package_assembly
    from wiringup.scoring.benchmarks.neural_data import NeuralData

    n = responses.shape[1]
    images = [Image.new("RGB", (8, 8), (i, 2 * i, 3)) for i in range(n)]
    data = NeuralData("Syn.IT-pls", "IT", "synthetic", "none", [f"s{i}" for i in range(n)], images, responses)
    return package_assembly(data, tmp_path / "syn.nc")


def test_packaged_assembly_with_nan_or_inf_is_refused(tmp_path: Path):
    import netCDF4

    from wiringup.scoring.benchmarks.assembly import load_assembly

    rng = np.random.default_rng(0)
    responses = rng.standard_normal((3, 12, 2))
    responses[1, 4, 1] = np.nan  # one missing repeat of one neuroid is allowed (the other repeat is there)
    path = _assembly(tmp_path, responses)
    assert load_assembly(path).n_stimuli == 12
    for value, what in ((np.nan, "no finite response"), (np.inf, "infinite")):
        with netCDF4.Dataset(path, "a") as ds:
            var = ds.variables["Syn.IT-pls"]   # presentation x neuroid x time_bin; stimulus s4 -> rows 8, 9
            var[8, 1, 0] = value
            # with the NaN already in slot 1, neuroid 1 now has no response at all to s4
        with pytest.raises(WiringupError, match=what) as exc:
            load_assembly(path)
        assert str(path) in str(exc.value)
        path = _assembly(tmp_path, responses)


def _config_errors(overrides: dict) -> str:
    """Validate config.yaml + tiny.yaml + overrides against the schema as Snakemake does; return the error."""
    from snakemake.utils import validate

    def merge(a: dict, b: dict) -> dict:
        out = dict(a)
        for k, v in b.items():
            out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
        return out

    cfg = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    cfg = merge(merge(cfg, yaml.safe_load((REPO / "tests" / "configs" / "tiny.yaml").read_text())), overrides)
    try:
        validate(cfg, str(REPO / "workflow" / "schemas" / "config.schema.yaml"))
    except Exception as exc:  # noqa: BLE001 - snakemake raises WorkflowError
        return str(exc)
    return ""


@pytest.mark.parametrize("overrides, key", [
    ({"trainig": {"lr": 0.1}}, "trainig"),                                   # top-level typo
    ({"model": {"widht": 0.5}}, "widht"),                                    # nested typo
    ({"imagenet": {"subset_seed": "zero"}}, "subset_seed"),                  # wrong type
    ({"variants": {"standard": {"init": "kn", "trained_layer": None}}}, "trained_layer"),
])
def test_mistyped_config_keys_are_named(overrides: dict, key: str):
    assert _config_errors({}) == ""
    assert key in _config_errors(overrides)


def test_wc_distributions_of_another_architecture_are_refused():
    """Existing behaviour of wiringup.wc.sample (owned by the WC work): sampling refuses distributions
    made for another architecture, and a set that lacks a layer names that layer."""
    from wiringup.wc.distributions import WCDistributions
    from wiringup.wc.sample import sample_model

    other = WCDistributions(arch="resnet50", width=1.0, layers={}, batchnorm={})
    with pytest.raises(WiringupError, match="made for 'resnet50', cannot sample 'cornet_s'"):
        sample_model(other, seed=0, num_classes=10)
    empty = WCDistributions(arch="cornet_s", width=0.0625, layers={}, batchnorm={})
    with pytest.raises(WiringupError, match="V1.conv1: no distribution"):
        sample_model(empty, seed=0, num_classes=10)


def test_many_classes_few_images_each(tmp_path: Path):
    """An ImageNet-layout root with 30 classes of 2 images: 10 images (fewer than the classes) train a 30-way
    model; 61 images (more than exist) are refused naming the folder."""
    from PIL import Image

    from wiringup.data.images import ManifestDataset, train_transform
    from wiringup.data.manifests import make_manifest, read_manifest
    from wiringup.training import Recipe, train

    root = tmp_path / "data"
    for c in range(30):
        d = root / "train" / f"n{c:08d}"
        d.mkdir(parents=True)
        for k in range(2):
            Image.new("RGB", (20, 20), (8 * c, 40 * k, 90)).save(d / f"{c}_{k}.JPEG")
    s = make_manifest(root, "train", 10, 0, tmp_path / "m.tsv")
    m = read_manifest(tmp_path / "m.tsv")
    assert s["n_classes"] == 30 and len(m.classes) == 30 and s["n_classes_present"] <= 10
    cfg = {"arch": "cornet_s", "width": 0.0625, "num_classes": 30}
    model = build_model(seed=0, **cfg)
    data = ManifestDataset(root, m, train_transform(32), seed=0)
    summary = train(model, data, Recipe(batch_size=4, schedule="constant"), {1.0: tmp_path / "e1.pt"}, seed=0,
                    model_config=cfg, meta={"images": 10}, resume_dir=tmp_path / "r", metrics_path=tmp_path / "x.csv",
                    resume_key="k", progress=False)
    assert summary["steps"] == 3
    with pytest.raises(WiringupError) as exc:
        make_manifest(root, "train", 61, 0, tmp_path / "m61.tsv")
    assert "61" in str(exc.value) and str(root / "train") in str(exc.value)


# ---------------------------------------------------------------------------------------------- memory check

def _job(tmp_path: Path, rule: str = "train", inputs: dict | None = None, outputs: dict | None = None,
         params: dict | None = None, resources: dict | None = None, wildcards: dict | None = None):
    class Job:
        pass

    job = Job()
    job.rule = rule
    job.input = Namedlist(fromdict={k: str(v) for k, v in (inputs or {}).items()})
    job.output = Namedlist(fromdict={k: str(v) for k, v in (outputs or {}).items()})
    job.params = Namedlist(fromdict=params or {})
    job.resources = Namedlist(fromdict=resources or {})
    job.wildcards = Namedlist(fromdict=wildcards or {})
    job.log = Namedlist(fromdict={"log": str(tmp_path / "logs" / f"{rule}.log")})
    job.threads = 1
    return job


def _header_only_checkpoint(path: Path, model: dict) -> Path:
    """A checkpoint whose model entry describes ``model`` (the estimate never reads the weights)."""
    torch.save({"format": FORMAT, "version": VERSION, "model": model, "state_dict": {}, "meta": {}}, path)
    return path


# measured peaks (max_rss, MB) of training: (model, input px, batch, num_workers) -> MB; docs/reliability.md
MEASURED_TRAIN = [
    ({"arch": "cornet_s", "width": 0.25, "num_classes": 10}, 64, 64, 923),       # embedded default, n=all
    ({"arch": "cornet_s", "width": 0.0625, "num_classes": 10}, 32, 16, 720),     # tiny config
    ({"arch": "cornet_s", "width": 1.0, "num_classes": 1000}, 224, 4, 1993),     # full size, one process
    ({"arch": "cornet_s", "width": 1.0, "num_classes": 1000}, 224, 12, 2730),
]


@pytest.mark.parametrize("model, size, batch, measured", MEASURED_TRAIN)
def test_training_memory_estimate_is_a_close_lower_bound(tmp_path: Path, model, size, batch, measured):
    ck = _header_only_checkpoint(tmp_path / "birth.pt", model)
    job = _job(tmp_path, inputs={"birth": ck}, params={"recipe": {"batch_size": batch}, "input_size": size})
    est = memory.estimate_memory(job, device="cpu")
    assert 0.7 * measured < est["host_mb"] <= measured, est


def test_a_job_that_would_exceed_its_mem_mb_stops_before_it_starts(tmp_path: Path, monkeypatch):
    ck = _header_only_checkpoint(tmp_path / "birth.pt", {"arch": "cornet_s", "width": 1.0, "num_classes": 1000})
    params = {"recipe": {"batch_size": 256}, "input_size": 224}
    job = _job(tmp_path, inputs={"birth": ck}, outputs={"m": tmp_path / "e.pt"}, params=params,
               resources={"mem_mb": 4000})
    est = memory.estimate_memory(job, device="cpu")
    assert est["host_mb"] > 20_000  # the paper's batch of 256 at 224 px does not fit a 4 GB CPU job
    with pytest.raises(WiringupError) as exc:
        memory.check_memory(job, device="cpu")
    msg = str(exc.value)
    assert "mem_mb=4,000" in msg and "--set-resources train:mem_mb=" in msg and "batch of 256" in msg
    called = []
    with pytest.raises(SystemExit):  # through pipeline.run: main never starts
        pipeline.run(job, lambda smk: called.append(1))
    assert not called and "mem_mb=4,000" in (tmp_path / "logs" / "train.log").read_text()
    monkeypatch.setenv(memory.MEMORY_CHECK_ENV, "warn")
    assert memory.check_memory(job, device="cpu")["host_mb"] == est["host_mb"]
    monkeypatch.setenv(memory.MEMORY_CHECK_ENV, "off")
    assert memory.check_memory(job, device="cpu") is None
    monkeypatch.delenv(memory.MEMORY_CHECK_ENV)
    # on a GPU the activations count against the device, not against mem_mb
    gpu = memory.estimate_memory(job, device="cuda")
    assert gpu["device_mb"] > 20_000 and gpu["host_mb"] < 4000
    # enough memory declared, or none: no complaint; a job without a checkpoint input is not estimated
    job.resources = Namedlist(fromdict={"mem_mb": 40_000})
    assert memory.check_memory(job, device="cpu") is not None
    assert memory.estimate_memory(_job(tmp_path, params={"recipe": {}})) is None
    # a model the estimate cannot build never stops a job: main() reports what is wrong with it
    odd = _header_only_checkpoint(tmp_path / "odd.pt", {"arch": "alexnet"})
    job.input = Namedlist(fromdict={"birth": str(odd)})
    assert memory.check_memory(job, device="cpu") is None


# measured peaks (max_rss, MB) of the embedded default's scoring jobs on its 3 neural benchmarks + top-1
MEASURED_SCORE = [
    ({"arch": "cornet_s", "width": 0.25, "num_classes": 10}, 64, 930),
    ({"arch": "pixels"}, 64, 1269),
    ({"arch": "cornet_s", "width": 1.0, "num_classes": 10}, 224, 2482),        # full-size CORnet-S, same benchmarks
]
# stimuli and pixels per stimulus of the packaged default benchmarks (results/benchmarks/*.nc)
DEFAULT_ASSEMBLIES = {"Cowley2023.210325.V4-pls": ("V4", 640, 112 * 112 * 3),
                      "MajajHong2015slice.V4-pls": ("V4", 25, 256 * 256 * 3),
                      "MajajHong2015slice.IT-pls": ("IT", 25, 256 * 256 * 3)}


@pytest.mark.parametrize("model, size, measured", MEASURED_SCORE)
def test_scoring_memory_estimate_is_a_lower_bound(tmp_path: Path, monkeypatch, model, size, measured):
    sizes = {f"{b}.nc": (n, px) for b, (_, n, px) in DEFAULT_ASSEMBLIES.items()}
    monkeypatch.setattr(memory, "_assembly_size", lambda path: sizes[Path(path).name])
    jobs = {b: {"benchmark": {"id": b, "region": r}, "assembly": f"{b}.nc"}
            for b, (r, _, _) in DEFAULT_ASSEMBLIES.items()}
    jobs["top1"] = {"benchmark": {"id": "top1", "type": "imagenet_top1"}, "manifest": "val.tsv"}
    ck = _header_only_checkpoint(tmp_path / "m.pt", model)
    job = _job(tmp_path, rule="score", inputs={"model": ck},
               params={"jobs": jobs, "input_size": size, "scoring": {"batch_size": 64}})
    est = memory.estimate_memory(job, device="cpu")
    assert 0.5 * measured < est["host_mb"] <= measured, est


def test_scoring_memory_estimate_counts_features_of_every_stimulus(tmp_path: Path):
    rng = np.random.default_rng(0)
    nc = _assembly(tmp_path, rng.standard_normal((3, 40, 2)))
    ck = _header_only_checkpoint(tmp_path / "m.pt", TINY)
    jobs = {"Syn.IT-pls": {"benchmark": {"id": "Syn.IT-pls", "region": "IT", "type": "assembly"}, "assembly": str(nc)}}
    job = _job(tmp_path, rule="score", inputs={"model": ck}, params={"jobs": jobs, "input_size": 32,
                                                                      "scoring": {"batch_size": 64}})
    est = memory.estimate_memory(job, device="cpu")
    prof = memory.model_profile(TINY, 32, ["IT.output-t0"])
    assert prof["features"]["IT.output-t0"] == 32 * 1 * 1  # 512/16 channels, 32 px -> 1x1 at IT
    assert est["host_parts"]["runtime"] == memory.SCORE_BASE_MB and est["host_mb"] > memory.SCORE_BASE_MB
    assert memory.model_profile({"arch": "pixels"}, 32, ["pixels"])["features"]["pixels"] == 256 * 256 * 3


# ------------------------------------------------------------------------------------------------ provenance

def test_outputs_without_a_record_get_a_sidecar(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("in.csv").write_text("a\n1\n")
    job = _job(tmp_path, rule="table", inputs={"src": "in.csv"},
               outputs={"table": "results/t.csv", "js": "results/s.json"}, params={"regions": ["V4", "IT"]},
               wildcards={"model": "m1"})

    def main(smk):
        with atomic_path(smk.output.table) as tmp:
            tmp.write_text("x\n2\n")
        write_json(smk.output.js, {"score": 1, "provenance": {"rule": "table"}})  # embeds its own

    pipeline.run(job, main)
    rec = json.loads(Path("results/t.csv.prov.json").read_text())
    assert not Path("results/s.json.prov.json").exists()
    assert rec["rule"] == "table" and rec["config"] == {"regions": ["V4", "IT"]}
    assert rec["wildcards"] == {"model": "m1"} and len(rec["config_hash"]) == 16
    assert rec["inputs"]["in.csv"].startswith("sha256:") and rec["outputs"]["results/t.csv"].startswith("sha256:")
    for key in ("packages", "git", "host", "device", "started", "wall_seconds", "python"):
        assert key in rec
    assert "commit" in rec["git"] and "dirty" in rec["git"] and torch.__version__.startswith(rec["packages"]["torch"])
    # a failing job writes no record
    job2 = _job(tmp_path, rule="bad", outputs={"o": "results/bad.csv"})

    def fails(smk):
        raise WiringupError("broken input")

    with pytest.raises(SystemExit):
        pipeline.run(job2, fails)
    assert not Path("results/bad.csv.prov.json").exists()


def test_lineage_and_provenance_table(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("results").mkdir()
    Path("results/a.tsv").write_text("x\n")
    write_json("results/a.tsv.prov.json", P.Recorder("manifest", {"n": 1}).record())
    rec_b = P.Recorder("train", {"lr": 0.1}, ["results/a.tsv"]).record()
    save_checkpoint("results/b.pt", build_model(seed=0, **TINY), TINY, {"provenance": rec_b})
    write_json("results/c.json", {"score": 0.5, "provenance": P.Recorder("score", {}, ["results/b.pt"]).record()})
    Path("results/d.csv").write_text("no record\n")
    order = P.lineage(["results/c.json", "results/d.csv"])
    assert order == ["results/c.json", "results/d.csv", "results/b.pt", "results/a.tsv"]
    rows = P.provenance_table(order + ["../data/train"])
    assert [r["record"] for r in rows] == ["embedded", "missing", "embedded", "sidecar", "source"]
    assert rows[2]["rule"] == "train" and rows[2]["n_inputs"] == 1
    P.write_provenance_table(rows, "results/p.csv", "results/p.html")
    page = Path("results/p.html").read_text()
    assert "results/b.pt" in page and "1 without a record" in page
    assert Path("results/p.csv").read_text().splitlines()[0].startswith("artifact,record,rule")


def test_content_digest_ignores_timing_and_provenance_only(tmp_path: Path):
    model = build_model(seed=0, **TINY)
    save_checkpoint(tmp_path / "a.pt", model, TINY, {"epoch": 1, "provenance": {"started": "monday"}})
    save_checkpoint(tmp_path / "b.pt", model, TINY, {"epoch": 1, "provenance": {"started": "tuesday"}})
    save_checkpoint(tmp_path / "c.pt", model, TINY, {"epoch": 2, "provenance": {"started": "monday"}})
    with torch.no_grad():
        model.V1.conv1.weight[0, 0, 0, 0] += 1e-7
    save_checkpoint(tmp_path / "d.pt", model, TINY, {"epoch": 1, "provenance": {"started": "monday"}})
    d = {p: P.content_digest(tmp_path / p) for p in ("a.pt", "b.pt", "c.pt", "d.pt")}
    assert d["a.pt"] == d["b.pt"] and len({d["a.pt"], d["c.pt"], d["d.pt"]}) == 3
    write_json(tmp_path / "s1.json", {"score": 0.4, "seconds": 3.0, "model": {"epoch": 1}})
    write_json(tmp_path / "s2.json", {"score": 0.4, "seconds": 9.0, "model": {"epoch": 1}})
    write_json(tmp_path / "s3.json", {"score": 0.41, "seconds": 3.0, "model": {"epoch": 1}})
    (tmp_path / "t1.csv").write_text("model,score,seconds\nm,0.4,3.0\n")
    (tmp_path / "t2.csv").write_text("model,score,seconds\nm,0.4,5.5\n")
    (tmp_path / "t3.csv").write_text("model,score,seconds\nm,0.5,3.0\n")
    digest = lambda n: P.content_digest(tmp_path / n)  # noqa: E731
    assert digest("s1.json") == digest("s2.json") != digest("s3.json")
    assert digest("t1.csv") == digest("t2.csv") != digest("t3.csv")


def test_content_digest_of_assemblies_and_wc_files(tmp_path: Path):
    rng = np.random.default_rng(0)
    responses = rng.standard_normal((3, 12, 2))
    a = _assembly(tmp_path, responses).rename(tmp_path / "a.nc")
    b = _assembly(tmp_path, responses).rename(tmp_path / "b.nc")
    responses[0, 0, 0] += 1e-9
    c = _assembly(tmp_path, responses).rename(tmp_path / "c.nc")
    assert P.content_digest(a) == P.content_digest(b) != P.content_digest(c)  # by content, not HDF5 bytes
    arrays = {"V1.conv1::centers": np.arange(6.0)}
    for name, timing, value in (("w1", 1.5, 0.0), ("w2", 9.0, 0.0), ("w3", 1.5, 1.0)):
        header = {"format": "wc", "source": {"timings_s": {"V1": timing}, "checkpoint_sha256": name}}
        np.savez(tmp_path / f"{name}.npz", header=np.array(json.dumps(header)),
                 **{k: v + value for k, v in arrays.items()})
    digest = lambda n: P.content_digest(tmp_path / n)  # noqa: E731
    assert digest("w1.npz") == digest("w2.npz") != digest("w3.npz")


def test_compare_trees_reports_every_difference(tmp_path: Path):
    for run in ("a", "b"):
        (tmp_path / run / "runtime").mkdir(parents=True)
        (tmp_path / run / "same.txt").write_text("1")
        (tmp_path / run / "runtime" / "job.tsv").write_text(run)          # run-specific: not compared
        (tmp_path / run / "x.txt.prov.json").write_text(run)              # provenance: not compared
    (tmp_path / "a" / "diff.txt").write_text("1")
    (tmp_path / "b" / "diff.txt").write_text("2")
    (tmp_path / "a" / "extra.txt").write_text("1")
    diff = P.compare_trees(tmp_path / "a", tmp_path / "b")
    assert diff == {"only_a": ["extra.txt"], "only_b": [], "different": ["diff.txt"]}
    assert P.main(["compare", str(tmp_path / "a"), str(tmp_path / "a")]) == 0
    assert P.main(["compare", str(tmp_path / "a"), str(tmp_path / "b")]) == 1
