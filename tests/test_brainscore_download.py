"""Brain-Score data download (rule prefetch_brainscore, wiringup.scoring.brainscore.prefetch) against a local
S3-compatible server, and the plan's side of it (unknown ids refused at start, the marker every brainscore score
job reads, config/paper.yaml's benchmarks).

The download runs for real: moto's S3 server (ThreadedMotoServer on 127.0.0.1, a random free port) serves a small
assembly and stimulus set packaged by BrainIO's own packaging code from the real MajajHong2015 slice of the shared
data, under their true SHA1s; boto is pointed at it (AWS_ENDPOINT_URL, dummy credentials). The registry entries of
MajajHong2015.public and its stimulus set hvm-public are swapped for entries that call BrainIO's real
``load_assembly_from_s3`` / ``load_stimulus_set_from_s3`` with the served identifiers and SHA1s, so BrainIO's own
address building, BotoFetcher download and SHA1 check run; nothing of brainscore is monkeypatched. The network
guard of tests/conftest.py fails any connection but loopback, and the endpoint is asserted to be loopback.
"""
from __future__ import annotations

import os

# Before anything can import brainscore_vision: never pip-install plugin requirements, never probe AWS metadata.
os.environ["BS_INSTALL_DEPENDENCIES"] = "no"
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

import ipaddress  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlparse  # noqa: E402

import pytest  # noqa: E402
import yaml  # noqa: E402

from conftest import NETWORK_ATTEMPTS as ATTEMPTS  # noqa: E402
from conftest import validated_config  # noqa: E402
from wiringup.core.io import WiringupError  # noqa: E402
from wiringup.plan import build  # noqa: E402
from wiringup.plan.brainscore import BENCHMARK_REGIONS, PREFETCH_MARKER, check_benchmark_ids  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DEFAULT, PAPER = REPO / "config" / "config.yaml", REPO / "config" / "paper.yaml"
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
BUCKET, FOLDER = "brainscore-storage", "brainio-brainscore"  # where brainscore-vision 2.4.2's plugins point
ASSEMBLY_ID, STIMULI_ID = "wiringup.MajajHong2015slice", "wiringup.hvm-slice"
BENCHMARK = "MajajHong2015public.IT-pls"


# --------------------------------------------------------------------------------------------------- plan

def _config(**brainscore):
    return validated_config(DEFAULT, {"scoring": {"backend": "brainscore", "brainscore": brainscore}})


def test_unknown_benchmark_refused_at_planning_with_did_you_mean():
    for bad, near in (("MajajHong2015.IT", "MajajHong2015.IT-pls"), ("dicarlo.Majaj2015.IT-pls", "MajajHong2015.IT-pls"),
                      ("majajhong2015public.v4-pls", "MajajHong2015public.V4-pls"), ("Imagenet-top1", "ImageNet-top1")):
        config = _config(benchmarks=["FreemanZiemba2013public.V1-pls", bad])
        with pytest.raises(WiringupError) as info:
            build(config)
        message = str(info.value)
        assert "scoring.brainscore.benchmarks" in message and repr(bad) in message
        assert f"did you mean {near!r}" in message
        assert all(b in message for b in BENCHMARK_REGIONS)
    with pytest.raises(WiringupError, match="unknown Brain-Score benchmark 'nothing-like-it'; "):
        check_benchmark_ids(["nothing-like-it"])
    # refused even when the local backend is active: a wrong id in the config is an error either way
    local = validated_config(DEFAULT, {"scoring": {"brainscore": {"benchmarks": ["MajajHong2015.V4"]}}})
    with pytest.raises(WiringupError, match="did you mean 'MajajHong2015.V4-pls'"):
        build(local)


def test_snakemake_start_refuses_an_unknown_id(tmp_path, data_root):
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump({
        "data_root": str(data_root), "scoring": {"backend": "brainscore", "brainscore": {
            "benchmarks": ["MajajHong2015public.IT-pls", "Rajalingham2018public.i2n"]}}}))
    proc = subprocess.run([SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", str(tmp_path), "-n", "--configfile",
                           str(DEFAULT), str(tmp_path / "bad.yaml")], capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "wiringup config error" in out and "scoring.brainscore.benchmarks" in out
    assert "did you mean 'Rajalingham2018public-i2n'" in out and "Traceback" not in out


def test_paper_config_scores_the_papers_benchmarks():
    config = validated_config(DEFAULT, PAPER)
    bs = config["scoring"]["brainscore"]
    assert config["scoring"]["backend"] == "brainscore"
    assert bs["benchmarks"] == ["FreemanZiemba2013public.V1-pls", "FreemanZiemba2013public.V2-pls",
                                "MajajHong2015public.V4-pls", "MajajHong2015public.IT-pls",
                                "Rajalingham2018public-i2n", "ImageNet-top1"]
    assert [BENCHMARK_REGIONS[b] for b in bs["benchmarks"]] == ["V1", "V2", "V4", "IT", "behavior", "imagenet"]
    text = PAPER.read_text()
    assert "PRIVATE" in text and "PUBLIC" in text  # the comment says which variants and why
    plan = build(config).scoring
    assert plan.active == sorted(bs["benchmarks"])
    assert "ImageNet-top1" not in plan.baseline_benchmarks  # the pixels have no classifier
    assert set(plan.baseline_benchmarks) == set(bs["benchmarks"]) - {"ImageNet-top1"}
    assert plan.prefetched(plan.active) == [PREFETCH_MARKER] == plan.prefetched(plan.baseline_benchmarks)
    assert plan.prefetch == {"benchmarks": plan.active, "cache_dir": None, "allow_download": True,
                             "imagenet_dir": os.path.join(config["imagenet"]["root"], "val")}
    assert plan.inputs(plan.active) == {"assemblies": [], "manifest": []}  # nothing local to package


def test_score_params_never_carry_the_download_policy():
    """Score jobs never download, and flipping the policy rescores nothing: it is not in their params."""
    on, off = build(_config(allow_download=True)), build(_config(allow_download=False))
    assert "allow_download" not in on.scoring.slice["brainscore"]
    assert on.scoring.slice == off.scoring.slice
    assert on.scoring.prefetch["allow_download"] and not off.scoring.prefetch["allow_download"]
    assert PREFETCH_MARKER in on.intermediates  # a deleted marker is made again by `snakemake`
    local = build(validated_config(DEFAULT))
    assert local.scoring.prefetched(local.scoring.active) == [] and PREFETCH_MARKER not in local.intermediates
    assert build(_config(imagenet_dir="/data/val")).scoring.slice["brainscore"]["imagenet_dir"] == "/data/val"


LIST_RULES = """
import sys
import snakemake.api  # noqa: F401
from snakemake.workflow import Workflow
from snakemake.io import is_flagged
def list_rules(self, only_targets=False):
    for r in self.rules:
        start, end = r.input._names.get('prefetch', (0, 0))
        flags = ['ancient' if is_flagged(f, 'ancient') else '-' for f in list(r.input)[start:end]]
        print('RULE', r.name, 'local' if r.name in self._localrules else 'remote', *[f'prefetch:{f}' for f in flags])
Workflow.list_rules = list_rules
from snakemake.cli import main
sys.argv[0] = 'snakemake'
main()
"""


def test_rule_is_local_and_score_rules_read_its_marker_as_ancient(tmp_path, data_root):
    (tmp_path / "bs.yaml").write_text(yaml.safe_dump({"data_root": str(data_root),
                                                      "scoring": {"backend": "brainscore"}}))
    proc = subprocess.run([sys.executable, "-c", LIST_RULES, "-s", str(REPO / "Snakefile"), "-d", str(tmp_path),
                           "--list-rules", "--configfile", str(DEFAULT), str(tmp_path / "bs.yaml")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rules = {line.split()[1]: line.split()[2:] for line in proc.stdout.splitlines() if line.startswith("RULE ")}
    assert rules["prefetch_brainscore"] == ["local"]  # runs on the submit host, never as a cluster job
    for rule in ("score", "score_baseline", "score_authors_test"):
        assert rules[rule] == ["remote", "prefetch:ancient"], rule  # a later prefetch rescores nothing


# ------------------------------------------------------------------------------------- the local S3 server

@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    """moto's S3 server on loopback with the packaged MajajHong2015 slice uploaded; boto pointed at it."""
    pytest.importorskip("moto")
    pytest.importorskip("brainscore_vision")
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    assert ipaddress.ip_address(host).is_loopback
    endpoint = f"http://{host}:{port}"
    aws = tmp_path_factory.mktemp("aws")
    with pytest.MonkeyPatch.context() as mp:
        for var, value in {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
                           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                           "AWS_CONFIG_FILE": str(aws / "config"),
                           "AWS_SHARED_CREDENTIALS_FILE": str(aws / "credentials")}.items():
            mp.setenv(var, value)
        for var in ("AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
            mp.delenv(var, raising=False)
        served = _upload(_package(tmp_path_factory.mktemp("packages")), endpoint)
        yield {"endpoint": endpoint, **served}
    server.stop()
    assert not ATTEMPTS, f"network attempts: {ATTEMPTS}"


def _package(folder: Path) -> dict:
    """The MajajHong2015 slice of the shared data, packaged as BrainIO does for Brain-Score's S3 (netCDF assembly,
    stimulus csv + zip), with BrainIO's own packaging functions."""
    import pandas as pd
    import xarray as xr
    from brainscore_core.supported_data_standards.brainio.packaging import (
        package_data_assembly_locally,
        package_stimulus_set_locally,
    )
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

    data = Path(os.environ.get("WIRINGUP_DATA_ROOT", REPO.parent / "shared" / "data")) / "majajhong2015_slice"
    if not data.is_dir():
        pytest.skip(f"real MajajHong2015 slice not found at {data}; set WIRINGUP_DATA_ROOT")
    meta = pd.read_csv(data / "images" / "test_images.csv")
    stimuli = StimulusSet(pd.DataFrame({"stimulus_id": meta["image_id"], "object_name": meta["object_name"],
                                        "category_name": meta["category_name"]}))
    stimuli.stimulus_paths = {i: str(data / "images" / f) for i, f in
                              zip(meta["image_id"], meta["image_current_relative_file_path"])}
    stimulus_files = package_stimulus_set_locally(stimuli, STIMULI_ID, downloads_path=folder)
    assembly = xr.open_dataarray(data / "assembly.nc").load()
    assembly = assembly.assign_coords(stimulus_id=("presentation", assembly["image_id"].values))
    assembly_files = package_data_assembly_locally(assembly.transpose("presentation", "neuroid", "time_bin"),
                                                   ASSEMBLY_ID, STIMULI_ID, "NeuroidAssembly",
                                                   downloads_path=folder)
    return {"stimuli": stimulus_files, "assembly": assembly_files}


def _upload(packaged: dict, endpoint: str) -> dict:
    """As on Brain-Score's bucket: the stimulus files from before versioning was turned on (version "null"), the
    assembly after (a real version id, which BrainIO requests)."""
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint)
    client.create_bucket(Bucket=BUCKET)
    out = {"csv_sha1": packaged["stimuli"]["csv_sha1"], "zip_sha1": packaged["stimuli"]["zip_sha1"],
           "assembly_sha1": packaged["assembly"]["sha1"], "local": {}}
    for path in (packaged["stimuli"]["csv_path"], packaged["stimuli"]["zip_path"]):
        client.upload_file(str(path), BUCKET, f"{FOLDER}/{Path(path).name}")
        out["local"][Path(path).name] = Path(path)
    client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    path = Path(packaged["assembly"]["path"])
    out["assembly_version"] = client.put_object(Bucket=BUCKET, Key=f"{FOLDER}/{path.name}",
                                                Body=path.read_bytes())["VersionId"]
    assert out["assembly_version"] not in (None, "null")
    out["local"][path.name] = path
    return out


@pytest.fixture()
def served_registry(s3):
    """MajajHong2015.public and hvm-public -> BrainIO's real S3 loaders for the served files (restored after)."""
    import brainscore_vision
    from brainscore_core.plugin_management.import_plugin import import_plugin
    from brainscore_core.supported_data_standards.brainio import s3 as brainio_s3
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuronRecordingAssembly

    import_plugin("brainscore_vision", "data", "MajajHong2015.public")  # its own entries first; ours then stay
    saved = (brainscore_vision.data_registry["MajajHong2015.public"],
             brainscore_vision.stimulus_set_registry["hvm-public"])
    sha1s = {"assembly": s3["assembly_sha1"]}

    def stimuli():
        return brainio_s3.load_stimulus_set_from_s3(
            identifier=STIMULI_ID, bucket=f"{BUCKET}/{FOLDER}", csv_sha1=s3["csv_sha1"], zip_sha1=s3["zip_sha1"],
            csv_version_id="null", zip_version_id="null")

    def assembly():
        return brainio_s3.load_assembly_from_s3(
            identifier=ASSEMBLY_ID, version_id=s3["assembly_version"], sha1=sha1s["assembly"], bucket=f"{BUCKET}/{FOLDER}",
            cls=NeuronRecordingAssembly, stimulus_set_loader=lambda: brainscore_vision.load_stimulus_set("hvm-public"))

    brainscore_vision.data_registry["MajajHong2015.public"] = assembly
    brainscore_vision.stimulus_set_registry["hvm-public"] = stimuli
    try:
        yield sha1s
    finally:
        brainscore_vision.data_registry["MajajHong2015.public"], brainscore_vision.stimulus_set_registry[
            "hvm-public"] = saved


@pytest.fixture()
def downloads(monkeypatch):
    """Counts BrainIO's S3 downloads (the real BotoFetcher.download_boto runs)."""
    from brainscore_core.supported_data_standards.brainio import fetch

    calls, real = [], fetch.BotoFetcher.download_boto

    def counted(self):
        calls.append(self.output_filename)
        return real(self)

    monkeypatch.setattr(fetch.BotoFetcher, "download_boto", counted)
    return calls


@pytest.fixture(autouse=True)
def brainscore_caches(tmp_path, monkeypatch):
    for var in ("BRAINIO_HOME", "RESULTCACHING_HOME", "BRAINSCORE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    monkeypatch.delenv("RESULTCACHING_S3_BUCKET", raising=False)


def _tree(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in sorted(folder.rglob("*"))}


def test_endpoint_is_loopback(s3):
    assert urlparse(s3["endpoint"]).hostname == "127.0.0.1" == urlparse(os.environ["AWS_ENDPOINT_URL"]).hostname
    import boto3

    client = boto3.client("s3")  # what BrainIO's BotoFetcher builds: the endpoint comes from the environment
    assert urlparse(client.meta.endpoint_url).hostname == "127.0.0.1"


def test_prefetch_downloads_through_brainio_then_is_a_no_op(s3, served_registry, downloads, tmp_path):
    from wiringup.scoring.brainscore.offline import check_benchmark_cached, load_benchmark_checked
    from wiringup.scoring.brainscore.prefetch import prefetch

    cache = tmp_path / "brainio"
    record = prefetch([BENCHMARK], cache, log=lambda _m: None)
    files = record["benchmarks"][BENCHMARK]["files"]
    assert [f["kind"] for f in files] == ["assembly", "stimulus_csv", "stimulus_zip"]
    assert [f["sha1"] for f in files] == [s3["assembly_sha1"], s3["csv_sha1"], s3["zip_sha1"]]
    for f in files:  # BrainIO's layout <cache>/<sha1>/<name>, the bytes that were served
        path = Path(f["path"])
        assert path.parent == cache / f["sha1"] and path.is_file()
        assert path.read_bytes() == s3["local"][path.name].read_bytes()
        assert f["url"] == f"https://{BUCKET}.s3.amazonaws.com/{FOLDER}/{path.name}"
    assert sorted(downloads) == sorted(f["path"] for f in files) == sorted(record["downloaded"])
    unpacked = Path(files[2]["path"]).with_suffix("")
    assert len(list(unpacked.glob("*.png"))) == 25  # the stimulus zip, unpacked
    assert record["cache_dir"] == str(cache) and record["brainscore_vision"] == "2.4.2"

    before = _tree(cache)
    again = prefetch([BENCHMARK], cache, log=lambda _m: None)
    assert len(downloads) == 3 and again["downloaded"] == [] and again["bytes_downloaded"] == 0
    assert _tree(cache) == before  # nothing written, nothing touched

    # what a score job then does, offline: the cache is complete and the real benchmark loads from it
    check_benchmark_cached(BENCHMARK, cache)
    benchmark = load_benchmark_checked(BENCHMARK, cache_dir=cache)
    assert benchmark.identifier == "MajajHong2015.IT.public-pls"
    assert dict(benchmark._assembly.sizes) == {"presentation": 25, "neuroid": 168}  # IT sites, trial-averaged
    assert len(downloads) == 3 and not ATTEMPTS


def test_wrong_sha1_is_refused_and_not_kept(s3, served_registry, downloads, tmp_path):
    from wiringup.scoring.brainscore.prefetch import prefetch

    cache = tmp_path / "brainio"
    wrong = s3["csv_sha1"]  # a real SHA1, of another file
    served_registry["assembly"] = wrong
    with pytest.raises(WiringupError) as info:
        prefetch([BENCHMARK], cache, log=lambda _m: None)
    message = str(info.value)
    assert f"has SHA1 {s3['assembly_sha1']}, but brainscore-vision expects {wrong}" in message
    assert "removed from the cache" in message
    assert isinstance(info.value.__cause__, ValueError) and "SHA1 mismatch" in str(info.value.__cause__)
    assert len(downloads) == 1  # fetched by BrainIO, then refused by its checksum
    assert not (cache / wrong).exists() and not list(cache.rglob("*.nc"))


def test_corrupt_cached_file_is_removed_and_fetched_again(s3, served_registry, downloads, tmp_path):
    from wiringup.scoring.brainscore.prefetch import prefetch

    cache = tmp_path / "brainio"
    record = prefetch([BENCHMARK], cache, log=lambda _m: None)
    csv = Path(record["benchmarks"][BENCHMARK]["files"][1]["path"])
    csv.write_text("not the stimulus set\n")
    with pytest.raises(WiringupError, match="in the cache at .* has SHA1 .* removed from the cache"):
        prefetch([BENCHMARK], cache, log=lambda _m: None)
    assert not csv.exists()
    prefetch([BENCHMARK], cache, log=lambda _m: None)
    assert csv.read_bytes() == s3["local"][csv.name].read_bytes() and len(downloads) == 4


def test_check_only_refuses_missing_files_without_a_request(s3, served_registry, downloads, tmp_path, capsys):
    from wiringup.scoring.brainscore.prefetch import main, prefetch

    cache = tmp_path / "brainio"
    with pytest.raises(WiringupError) as info:
        prefetch([BENCHMARK], cache, allow_download=False)
    message = str(info.value)
    assert "3 file(s)" in message and "scoring.brainscore.allow_download: false" in message
    assert f"python -m wiringup.scoring.brainscore.prefetch --benchmarks {BENCHMARK} --cache-dir {cache}" in message
    assert downloads == [] and not list(cache.rglob("*.*"))

    marker = tmp_path / "marker.json"  # the command line, in this process (the served registry is here)
    assert main(["--benchmarks", BENCHMARK, "--cache-dir", str(cache), "--marker", str(marker)]) == 0
    assert json.loads(marker.read_text())["benchmarks"][BENCHMARK]["files"][0]["sha1"] == s3["assembly_sha1"]
    assert main(["--benchmarks", BENCHMARK, "--cache-dir", str(cache), "--check-only"]) == 0
    assert main(["--benchmarks", "MajajHong2015public.IT", "--cache-dir", str(cache)]) == 1
    assert "did you mean 'MajajHong2015public.IT-pls'" in capsys.readouterr().err
    assert len(downloads) == 3


def test_unreachable_data_is_refused_naming_the_address(s3, served_registry, downloads, tmp_path):
    """A file the server does not have (a private benchmark without credentials looks the same): refused with the
    address, the cache left clean, the private benchmark's public variant named."""
    import brainscore_vision
    from brainscore_core.supported_data_standards.brainio import s3 as brainio_s3
    from wiringup.scoring.brainscore.prefetch import prefetch

    cache = tmp_path / "brainio"
    registry = brainscore_vision.data_registry
    saved = registry["MajajHong2015.private"]
    registry["MajajHong2015.private"] = lambda: brainio_s3.load_assembly_from_s3(
        identifier="wiringup.not-served", version_id="null", sha1="0" * 40, bucket=f"{BUCKET}/{FOLDER}",
        cls=None)
    try:
        with pytest.raises(WiringupError) as info:
            prefetch(["MajajHong2015.IT-pls"], cache, log=lambda _m: None)
    finally:
        registry["MajajHong2015.private"] = saved
    message = str(info.value)
    assert f"https://{BUCKET}.s3.amazonaws.com/{FOLDER}/assy_wiringup_not-served.nc" in message
    assert "'MajajHong2015public.IT-pls' downloads without them" in message
    assert len(downloads) == 1 and not list(cache.rglob("*.*"))


def test_imagenet_top1_reads_a_synset_sorted_or_flat_val_folder(tmp_path):
    pytest.importorskip("brainscore_vision")
    from brainscore_vision.benchmarks.imagenet.benchmark import Imagenet2012
    from wiringup.scoring.brainscore.offline import check_imagenet_images, imagenet_val_paths

    stimuli = Imagenet2012()._stimulus_set
    assert len(stimuli) == 50000
    first = stimuli.iloc[0]
    rows = [(str(r.stimulus_id), str(r.synset), str(r.filename)) for r in stimuli.itertuples()]
    sorted_val, flat = tmp_path / "ILSVRC2012" / "val", tmp_path / "flat"
    for sid, syn, name in rows:  # empty files stand in for the JPEGs
        (sorted_val / syn).mkdir(parents=True, exist_ok=True)
        (sorted_val / syn / name).touch()
    paths, layout = imagenet_val_paths(stimuli, sorted_val)
    assert layout == "synset" and paths[str(first.stimulus_id)] == str(sorted_val / first.synset / first.filename)
    info = check_imagenet_images(stimuli, sorted_val)
    assert info == {"images": 50000, "layout": "synset", "folder": str(sorted_val)}

    flat.mkdir()
    for _sid, _syn, name in rows[:10]:
        (flat / name).touch()
    paths, layout = imagenet_val_paths(stimuli, flat)
    assert layout == "flat" and paths[str(first.stimulus_id)] == str(flat / first.filename)
    with pytest.raises(WiringupError, match=r"49990 are missing under .*flat \(read as a flat folder"):
        check_imagenet_images(stimuli, flat)
    # rule prefetch_brainscore checks them on the submit host, before any score job (nothing is downloaded)
    from wiringup.scoring.brainscore.prefetch import prefetch

    record = prefetch(["ImageNet-top1"], tmp_path / "brainio", imagenet_dir=sorted_val, log=lambda _m: None)
    assert record["benchmarks"]["ImageNet-top1"] == {
        "files": [], "imagenet": {"images": 50000, "folder": str(sorted_val), "layout": "synset"}}
    assert record["downloaded"] == []
    shutil.rmtree(sorted_val / str(first.synset))
    with pytest.raises(WiringupError, match=r"50 are missing under .* synset folder: val/<synset>/<file>"):
        check_imagenet_images(stimuli, sorted_val)
    with pytest.raises(WiringupError, match=r"'ImageNet-top1' .* 50 are missing"):
        prefetch(["ImageNet-top1"], tmp_path / "brainio", imagenet_dir=sorted_val, log=lambda _m: None)


def test_rule_prefetch_brainscore_runs_on_its_own(tmp_path, data_root):
    """`snakemake prefetch_brainscore` end to end (rule, script, marker), without network: ImageNet-top1 (nothing
    to download, its val images checked) passes and writes the marker; an uncached benchmark with downloads off is
    refused naming its files. Any S3 request of the subprocess would go to a closed loopback port."""
    pytest.importorskip("brainscore_vision")
    val = tmp_path / "val"
    import pandas as pd
    import brainscore_vision

    csv = Path(brainscore_vision.__file__).parent / "benchmarks" / "imagenet" / "imagenet2012.csv"
    for syn, name in pd.read_csv(csv)[["synset", "filename"]].itertuples(index=False):
        (val / syn).mkdir(parents=True, exist_ok=True)
        (val / syn / name).touch()
    env = {**os.environ, "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_EC2_METADATA_DISABLED": "true",
           "BS_INSTALL_DEPENDENCIES": "no"}

    def run(benchmarks, allow_download):
        (tmp_path / "bs.yaml").write_text(yaml.safe_dump({"data_root": str(data_root), "scoring": {
            "backend": "brainscore", "brainscore": {"benchmarks": benchmarks, "allow_download": allow_download,
                                                    "cache_dir": str(tmp_path / "brainio"),
                                                    "imagenet_dir": str(val)}}}))
        return subprocess.run([SNAKEMAKE, "prefetch_brainscore", "-s", str(REPO / "Snakefile"), "-d", str(tmp_path),
                               "--cores", "1", "--configfile", str(DEFAULT), str(tmp_path / "bs.yaml")],
                              capture_output=True, text=True, timeout=600, env=env)

    proc = run(["ImageNet-top1"], False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    marker = json.loads((tmp_path / PREFETCH_MARKER).read_text())
    assert marker["benchmarks"]["ImageNet-top1"]["imagenet"] == {"images": 50000, "folder": str(val),
                                                                 "layout": "synset"}
    proc = run([BENCHMARK], False)
    out = proc.stdout + proc.stderr + (tmp_path / "logs" / "brainscore" / "prefetch.log").read_text()
    assert proc.returncode != 0 and not (tmp_path / PREFETCH_MARKER).exists()
    assert "3 file(s) of the Brain-Score benchmarks are not in the BrainIO cache" in out
    assert "assy_dicarlo_MajajHong2015_public.nc" in out and "allow_download: false" in out
