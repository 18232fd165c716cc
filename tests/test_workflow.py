"""The real DAG, end to end, on a tiny config (Snakemake driven through subprocess, as its docs advise)."""
import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import SNAKEMAKE, make_workdir, snakemake  # noqa: F401 - shared with test_faults.py

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture()
def workdir(tmp_path: Path, data_root: Path) -> Path:
    return make_workdir(tmp_path, data_root)


@pytest.fixture(scope="module")
def tiny_run(tiny_dag: Path) -> Path:
    """The whole tiny DAG, run once per session (conftest; the end-to-end and the determinism tests read it)."""
    return tiny_dag


def test_the_pixels_baseline_is_built_at_the_configured_size(tmp_path: Path, data_root: Path):
    """Rule baseline_model builds the pixels baseline at config scoring.pixels_size (config.yaml's, which tiny.yaml
    keeps; one job), and the checkpoint rebuilds it at that size."""
    from wiringup.nets.checkpoints import load_model

    size = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["scoring"]["pixels_size"]
    wd = make_workdir(tmp_path / "wd", data_root)
    snakemake(wd, "results/models/baselines/pixels.pt", "--configfile", str(wd / "tiny.yaml"))
    model, _, config = load_model(wd / "results/models/baselines/pixels.pt")
    assert config == {"arch": "pixels", "size": size} and model.size == size != 256


def test_tiny_dag_end_to_end(tiny_run: Path):
    workdir = tiny_run
    table = pd.read_csv(workdir / "results/tables/scores.csv")
    neural = {"Cowley2023.210325.V4-pls", "MajajHong2015slice.V4-pls", "MajajHong2015slice.IT-pls",
              "tong.Coggan2024_fMRI.V2-rdm"}
    assert set(table["benchmark_id"]) == neural | {"Imagenette80-top1"}
    # (1 at-birth model + 2 image counts × 2 checkpoint epochs + 1 KN+CT checkpoint + 3 at-birth models of the WC
    # test: init/kn/seed1, init/wc/seed0, init/wc/seed1 + 1 MobileNet WC + CT transfer checkpoint) × 5 benchmarks,
    # + the pixels baseline × 4 neural
    assert len(table) == (5 + 1 + 3 + 1) * 5 + 4
    ct = table[table["model_id"] == "ct/n32_seed0/epoch_0.5"]
    assert len(ct) == 5 and set(ct["trained"]) == {"ct"} and set(ct["variant"]) == {"ct"}
    assert (ct["synaptic_updates"] == 16 * ct["trained_conv_weights"]).all()  # 0.5 epochs × 32 images × synapses
    params = pd.read_csv(workdir / "results/tables/trained_parameters.csv").set_index(["variant", "width"])
    assert params.loc[("ct", 1.0), "trained_conv_weights"] == 1_376_256
    assert params.loc[("ct", 0.0625), "trained_conv_weights"] == ct["trained_conv_weights"].iloc[0]
    assert set(pd.read_csv(workdir / "results/tables/training_time.csv")["variant"]) == {"standard", "ct"}
    assert set(table["region"]) == {"V2", "V4", "IT", "imagenet"}
    neural_rows = table[table["benchmark_id"].isin(neural)]
    assert neural_rows["ceiling"].between(0.3, 1.0).all()
    cornet = neural_rows[neural_rows["arch"] != "mobilenet_v1"]  # CORnet-S and the pixels
    pls = cornet[~cornet["benchmark_id"].str.startswith("tong.")]
    assert pls["score"].notna().all() and cornet["score"].dropna().between(-0.5, 1.5).all()
    # At width 1/16, V2 has so few units that Coggan's unit selection can leave an undefined RSM (raw NaN), and the
    # 1/8-width MobileNet trained for half an epoch on 32 images can have constant IT-layer predictions on the
    # 25-image MajajHong slice (Pearson r undefined). Either stays NaN in the table and counts as 0 in the means,
    # named in brain_predictivity.csv's undefined_as_zero.
    undefined = neural_rows[neural_rows["score"].isna()]
    assert undefined["raw"].isna().all() and (undefined["ceiling"] > 0).all()
    other = neural_rows[neural_rows["arch"] == "mobilenet_v1"]
    assert len(other) == 4 and other["score"].dropna().between(-0.5, 1.5).all()
    top1 = table[table["benchmark_id"] == "Imagenette80-top1"]
    val_images = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["imagenet"]["val_images"]
    assert top1["score"].between(0, 1).all() and (top1["n_stimuli"] == val_images).all()  # imagenet.val_images
    assert (table[table["model_id"] == "baselines/pixels"]["layer"] == "pixels").all()
    trained = table[(table["variant"] == "standard") & (table["benchmark_id"] == "Cowley2023.210325.V4-pls")]
    trained = trained.set_index("model_id")
    assert trained.loc["standard/n64_seed0/epoch_01", "supervised_updates"] == 64
    assert trained.loc["standard/n32_seed0/epoch_0.5", "supervised_updates"] == 16
    bp = pd.read_csv(workdir / "results/tables/brain_predictivity.csv").set_index("model_id")
    assert len(bp) == 7 + 3 + 1 and set(bp["regions_scored"]) == {"V2,V4,IT"}  # + the MobileNet transfer model
    for model, bench in undefined[["model_id", "benchmark_id"]].itertuples(index=False):
        assert bench in str(bp.loc[model, "undefined_as_zero"]).split(","), (model, bench)
    row = table[table["model_id"] == "init/kn/seed0"].set_index("benchmark_id")["score"].fillna(0.0)
    expected = (row["tong.Coggan2024_fMRI.V2-rdm"] + (row["Cowley2023.210325.V4-pls"]
                + row["MajajHong2015slice.V4-pls"]) / 2 + row["MajajHong2015slice.IT-pls"]) / 3
    assert abs(bp.loc["init/kn/seed0", "brain_predictivity"] - expected) < 1e-12
    assert (workdir / "results/benchmarks/MajajHong2015slice.IT-pls.nc").is_file()
    assert (workdir / "results/figures/fig1.png").stat().st_size > 10_000
    # the authors' figures (figures.sources: run, authors) and the scorecard
    assert (workdir / "results/figures/authors/fig4.png").stat().st_size > 10_000
    card = pd.read_csv(workdir / "results/scorecard.csv").set_index("id")
    assert card.loc["sec4-wc-birth", "verdict_authors"] == "reproduces"
    assert pd.notna(card.loc["sec4-kn-birth", "this_run"])
    assert not list((workdir / "results").rglob("*.tmp"))  # nothing half-written left behind
    # a no-op rerun does nothing
    proc = snakemake(workdir, "-n", "--configfile", str(workdir / "tiny.yaml"))
    assert "Nothing to be done" in proc.stdout + proc.stderr
    # one self-contained HTML report with every figure and the scorecard
    snakemake(workdir, "--report", "results/report.html", "--configfile", str(workdir / "tiny.yaml"))
    html = (workdir / "results/report.html").read_text()
    assert "scorecard.md" in html and "fig9.png" in html and "Fig. 9" in html



def test_tiny_dag_weight_compression(tiny_run: Path):
    """WC in the tiny DAG: fit to the n64 run, 2 WC seeds sampled, scored and tested against 2 KN seeds."""
    import json

    import torch

    workdir = tiny_run
    summary = json.loads((workdir / "results/wc/run/distributions.json").read_text())
    assert summary["source"]["checkpoint"] == "results/models/standard/n64_seed0/epoch_01.pt"
    assert summary["parameter_count"]["authors_rule"] == sum(r["parameters"] for r in summary["layers"])
    meta = torch.load(workdir / "results/models/init/wc/seed1.pt", weights_only=True)["meta"]
    assert meta["init"] == "wc" and meta["wc_method"] == "wc" and meta["epoch"] == 0
    assert meta["wc_parameter_count"] == summary["parameter_count"]["authors_rule"]
    assert meta["wc_source"]["file"] == "results/wc/run/distributions.npz"
    assert set(meta["wc_sampler"]) == {"copy_bn_stats", "zero_noise_1x1", "default_bn", "gabor_clip_to_bounds"}
    stats = pd.read_csv(workdir / "results/tables/wc_stats.csv")
    assert set(stats["comparison"]) == {"wc_vs_kn_at_birth"}
    assert set(stats.loc[stats["level"] != "benchmark", "region"]) == {"V2", "V4", "IT", "mean"}
    assert (stats["n_a"] == 2).all() and stats["permutation_p"].between(0, 1).all()
    assert (workdir / "results/stats/wc_vs_kn_at_birth.json").is_file()
    for fig in ("fig2b", "fig2c", "fig7"):
        assert (workdir / f"results/figures/{fig}.png").stat().st_size > 10_000, fig

def test_unknown_config_key_stops_at_start_naming_it(workdir: Path):
    (workdir / "bad.yaml").write_text("training:\n  learning_rate: 0.1\n")
    proc = snakemake(workdir, "-n", "--configfile", str(workdir / "tiny.yaml"), str(workdir / "bad.yaml"),
                     check=False)
    assert proc.returncode != 0
    assert "learning_rate" in proc.stdout + proc.stderr


def test_wrong_type_stops_at_start_naming_the_key(workdir: Path):
    (workdir / "bad.yaml").write_text("model:\n  width: wide\n")
    proc = snakemake(workdir, "-n", "--configfile", str(workdir / "tiny.yaml"), str(workdir / "bad.yaml"),
                     check=False)
    assert proc.returncode != 0 and "width" in proc.stdout + proc.stderr


def test_missing_data_root_names_path_and_key(workdir: Path, tmp_path: Path):
    (workdir / "bad.yaml").write_text(f"data_root: {tmp_path / 'nowhere'}\n")
    proc = snakemake(workdir, "results/manifests/train_n32.tsv", "--configfile", str(workdir / "tiny.yaml"),
                     str(workdir / "bad.yaml"), check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "nowhere" in out and "imagenet.root" in out
    assert not (workdir / "results/manifests/train_n32.tsv").exists()


def test_lint_is_clean_and_paper_config_plans(tmp_path, data_root: Path):
    lint = subprocess.run([SNAKEMAKE, "--lint"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    # plan in an empty working directory, so a run in progress in the checkout cannot interfere; a relative
    # data_root resolves against the working directory, so the copy names the data folder absolutely
    shutil.copytree(REPO / "config", tmp_path / "config")
    paper = yaml.safe_load((tmp_path / "config" / "paper.yaml").read_text())
    paper["data_root"] = str(data_root)
    paper["imagenet"]["root"] = "imagenette80"  # the placeholder is refused at start (test_faults.py)
    (tmp_path / "config" / "paper.yaml").write_text(yaml.safe_dump(paper))
    plan = subprocess.run([SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", str(tmp_path), "-n", "--configfile",
                           str(tmp_path / "config" / "paper.yaml")], capture_output=True, text=True, timeout=300)
    assert plan.returncode == 0, plan.stdout[-2000:] + plan.stderr[-2000:]
    counts = job_counts(plan.stdout)
    # 7 image counts × 2 seeds of standard, WC+CT, KN+CT and 7 hyper-parameter variants on the Fig. 1 grid; the 11
    # other Fig. 3 sets converged on all images × 2 seeds (KN+CT's run is shared)
    assert counts["train"] == 14 * (1 + 2 + 7) and counts["train_critical_training"] == 11 * 2
    assert counts["init_model"] >= 2 and counts["manifest"] == 7
    # one job per model, writing 6 benchmark JSONs each: every model at birth; 2 seeds × 7 image counts × 17
    # epochs > 0 of the 10 grid variants; the 11 Fig. 3 sets at convergence × 2 seeds (+ other experiments')
    births = counts["init_model"]
    assert counts["score"] >= births + 2 * 7 * 17 * (1 + 2 + 7) + 11 * 2 and counts["score_baseline"] == 1
    assert "results/models/wc_ct/nall_seed42/epoch_43.pt" in plan.stdout  # WC+CT on the whole grid
    assert "results/models/batchnorm_v4/nall_seed42/epoch_43.pt" in plan.stdout
    n_jsons = plan.stdout.count("results/scores/")
    assert n_jsons >= 4 * 2 * (1 + 7 * 17) + 3
    # the brainscore backend (the paper's benchmarks): nothing local to package; the BrainIO cache is filled once,
    # before every score job (each reads the marker)
    assert "package_benchmark" not in counts and "manifest_val" not in counts
    assert counts["prefetch_brainscore"] == 1
    assert plan.stdout.count("results/brainscore/prefetch.json") >= counts["score"] + counts["score_baseline"]


def job_counts(stdout: str) -> dict[str, int]:
    """Parse Snakemake's "Job stats" table of a dry run."""
    lines = stdout[stdout.index("Job stats:"):].splitlines()[3:]
    counts = {}
    for line in lines:
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit():
            break
        counts[parts[0]] = int(parts[1])
    return counts


def test_training_killed_with_sigkill_resumes_to_identical_weights(workdir: Path, tmp_path_factory):
    """Kill the whole job tree mid-training, rerun with --rerun-incomplete: the weights equal an uninterrupted run."""
    import os
    import signal
    import time

    import torch

    cfg = yaml.safe_load((workdir / "tiny.yaml").read_text())
    # the other experiments' points (32 images, 0.5 epochs) must stay on the grid (experiments.check_config)
    cfg["experiments"]["supervised_updates"].update(images=[32, 512], epochs=[0, 0.5, 1, 3])
    cfg["training"]["resume_every_steps"] = 2
    (workdir / "tiny.yaml").write_text(yaml.safe_dump(cfg))
    ref = tmp_path_factory.mktemp("ref")
    shutil.copytree(workdir, ref, dirs_exist_ok=True)
    target = "results/models/standard/n512_seed0/epoch_03.pt"

    cmd = [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", str(workdir), "--cores", "2", target,
           "--configfile", str(workdir / "tiny.yaml")]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    state = workdir / "results/resume/standard/n512_seed0/state.pt"
    deadline = time.time() + 300
    while not state.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    # kill at once: 96 steps in all, the first resume point is step 2
    assert proc.poll() is None, "training finished before it could be interrupted"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (workdir / target).exists()
    assert not list((workdir / "results/models").rglob("*.tmp"))

    snakemake(workdir, "--unlock", "--configfile", str(workdir / "tiny.yaml"))  # a killed Snakemake leaves its lock
    snakemake(workdir, target, "--rerun-incomplete", "--configfile", str(workdir / "tiny.yaml"))
    log = (workdir / "logs/models/standard/n512_seed0.log").read_text()
    assert "resuming from step" in log
    snakemake(ref, target, "--configfile", str(ref / "tiny.yaml"))
    a = torch.load(workdir / target, weights_only=True)["state_dict"]
    b = torch.load(ref / target, weights_only=True)["state_dict"]
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


# ------------------------------------------------------------------------------------------------ determinism
# Issue 8: the same config and seed give bit-identical results on CPU. The first run is the module's tiny DAG; the
# default suite reruns the part of the DAG behind one trained model (manifests, the model at birth, one training
# run, that model's scores on every benchmark; about a minute); the slow test reruns the whole DAG and compares
# every result file. Digests ignore timing and provenance (wiringup.core.provenance.content_digest).
DETERMINISM_TARGETS = [
    "results/manifests/train_n32.tsv", "results/manifests/val.tsv", "results/models/init/kn/seed0.pt",
    "results/models/standard/n32_seed0/epoch_01.pt",
    "results/scores/Cowley2023.210325.V4-pls/standard/n32_seed0/epoch_0.5.json",
]
#: Results that measure time (training speed) and so differ between identical runs.
# files that hold wall times: the training-time table and figure, the provenance table, and the results summary's
# Markdown (its JSON is compared without its `training_time` section, which repeats the table)
TIMING_RESULTS = ("tables/training_time", "figures/training_time", "tables/provenance.", "summary.md")


def _same_results(a: Path, b: Path, files: list[str] | None = None) -> tuple[int, list[str]]:
    from wiringup.core.provenance import content_digest, digest_tree

    if files is None:
        da, db = digest_tree(a / "results"), digest_tree(b / "results")
        files = sorted(set(da) | set(db))
        diff = [f for f in files if not any(t in f for t in TIMING_RESULTS) and da.get(f) != db.get(f)]
        if "summary.json" in diff:
            untimed = [{k: v for k, v in json.loads((d / "results" / "summary.json").read_text()).items()
                        if k != "training_time"} for d in (a, b)]
            if untimed[0] == untimed[1]:
                diff.remove("summary.json")
        return len(files), diff
    return len(files), [f for f in files if content_digest(a / f) != content_digest(b / f)]


def test_tiny_dag_is_deterministic(tiny_run: Path, tmp_path: Path, data_root: Path):
    second = make_workdir(tmp_path / "again", data_root)
    snakemake(second, *DETERMINISM_TARGETS, "--configfile", str(second / "tiny.yaml"))
    files = sorted({str(p.relative_to(second)) for p in (second / "results").rglob("*")
                    if p.is_file() and not p.name.endswith(".prov.json") and "runtime" not in p.parts})
    assert len(files) >= 4 + 2 + 1 + 2 + 2  # scores on 4 benchmarks, 2 manifests, birth, 2 checkpoints, metrics...
    n, diff = _same_results(tiny_run, second, files)
    assert not diff, f"{len(diff)} of {n} results differ between two runs of the same config: {diff}"


@pytest.mark.slow
def test_whole_tiny_dag_is_deterministic(tiny_run: Path, tmp_path: Path, data_root: Path):
    second = make_workdir(tmp_path / "again", data_root)
    snakemake(second, "--configfile", str(second / "tiny.yaml"))
    n, diff = _same_results(tiny_run, second)
    assert n > 50 and not diff, f"{len(diff)} of {n} results differ between two runs of the same config: {diff}"
