import os
import tempfile
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("BS_INSTALL_DEPENDENCIES", "no")
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))

# the config as the workflow sees it (files merged as --configfile merges them, validated, defaults filled in)
from wiringup.runtime.configs import deep_merge, load_config as validated_config  # noqa: E402,F401 - used by tests


@pytest.fixture(scope="session")
def data_root() -> Path:
    """The shared real data (../shared/data beside the repository, or $WIRINGUP_DATA_ROOT)."""
    root = Path(os.environ.get("WIRINGUP_DATA_ROOT", REPO.parent / "shared" / "data"))
    if not root.is_dir():
        pytest.skip(f"real data not found at {root}; set WIRINGUP_DATA_ROOT")
    return root


def snakemake(workdir: Path, *args: str, check: bool = True, timeout: int = 1800) -> subprocess.CompletedProcess:
    """Run the workflow in ``workdir`` (Snakemake driven through a subprocess, as its docs advise)."""
    cmd = [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", str(workdir), "--cores", "2", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return proc


def make_workdir(path: Path, data_root: Path) -> Path:
    """A working directory with config/config.yaml and tiny.yaml (tests/configs/tiny.yaml, data_root set)."""
    import yaml

    (path / "config").mkdir(parents=True)
    shutil.copy(REPO / "config" / "config.yaml", path / "config" / "config.yaml")
    tiny = yaml.safe_load((REPO / "tests" / "configs" / "tiny.yaml").read_text())
    tiny["data_root"] = str(data_root)
    (path / "tiny.yaml").write_text(yaml.safe_dump(tiny))
    return path


@pytest.fixture(scope="session")
def tiny_dag(tmp_path_factory, data_root: Path) -> Path:
    """The whole tiny DAG, run once per session. Read-only: a test that changes files works on a copy."""
    workdir = make_workdir(tmp_path_factory.mktemp("tiny_run"), data_root)
    snakemake(workdir, "--configfile", str(workdir / "tiny.yaml"), timeout=3600)  # ~4 min alone, far more on a busy machine
    return workdir


@pytest.fixture(scope="session")
def validated():
    """:func:`validated_config` as a fixture."""
    return validated_config


LOCAL_HOSTS = {"127.0.0.1", "::1", "localhost", "0.0.0.0"}
#: Every blocked network or pip attempt, even where the caller swallowed the error (tests assert on it).
NETWORK_ATTEMPTS: list[str] = []


def _block(what: str):
    NETWORK_ATTEMPTS.append(what)
    raise AssertionError(f"network access attempted during tests: {what}")


@pytest.fixture(autouse=True, scope="session")
def no_network():
    """No test may reach anything but loopback, nor run pip: fail (and record) any such attempt."""
    real_connect, real_connect_ex, real_getaddrinfo = (socket.socket.connect, socket.socket.connect_ex,
                                                       socket.getaddrinfo)
    real_run, real_popen = subprocess.run, subprocess.Popen

    def check(address):
        if isinstance(address, tuple) and address and str(address[0]) not in LOCAL_HOSTS:
            _block(f"connect {address!r}")

    def connect(self, address):
        check(address)
        return real_connect(self, address)

    def connect_ex(self, address):
        check(address)
        return real_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if host is not None and str(host) not in LOCAL_HOSTS:
            _block(f"DNS lookup {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    def is_pip(args) -> bool:
        return "pip" in (args if isinstance(args, str) else " ".join(map(str, args)))

    def no_pip(args, *a, **kw):
        if is_pip(args):
            _block(f"pip {args!r}")
        return real_run(args, *a, **kw)

    class NoPipPopen(real_popen):  # type: ignore[misc,valid-type]
        def __init__(self, args, *a, **kw):
            if is_pip(args):
                _block(f"pip {args!r}")
            super().__init__(args, *a, **kw)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", connect)
        mp.setattr(socket.socket, "connect_ex", connect_ex)
        mp.setattr(socket, "getaddrinfo", getaddrinfo)
        mp.setattr(subprocess, "run", no_pip)
        mp.setattr(subprocess, "Popen", NoPipPopen)
        yield
    assert not NETWORK_ATTEMPTS, f"network/pip attempts during the tests: {NETWORK_ATTEMPTS}"


@pytest.fixture(autouse=True)
def _seed_global_rngs():
    """Every test starts from the same global RNG state, so a result never depends on which tests ran first."""
    import random

    import numpy as np
    import torch

    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    yield


@pytest.fixture(scope="module")
def brainscore_env():
    """brainscore-vision's caches in a temporary folder (the network/pip guard is session-wide, above)."""
    pytest.importorskip("brainscore_vision")
    caches = Path(tempfile.mkdtemp(prefix="wiringup-test-brainscore-env-"))
    with pytest.MonkeyPatch.context() as mp:
        for var in ("BRAINIO_HOME", "RESULTCACHING_HOME", "BRAINSCORE_HOME"):
            mp.setenv(var, str(caches / var.lower()))
        mp.delenv("RESULTCACHING_S3_BUCKET", raising=False)
        mp.setenv("BS_INSTALL_DEPENDENCIES", "no")
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        yield caches
    shutil.rmtree(caches, ignore_errors=True)
