"""The pins stay consistent across requirements.txt, requirements.lock and the conda env of every rule."""
import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def pins(lines):
    out = {}
    for line in lines:
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
            assert m, f"not an exact pin: {line!r}"
            out[m.group(1).lower().replace("_", "-")] = m.group(2)
    return out


def test_direct_pins_are_exact_and_match_the_lock_and_the_conda_env():
    direct = pins((REPO / "requirements.txt").read_text().splitlines())
    lock = pins((REPO / "requirements.lock").read_text().splitlines())
    env = yaml.safe_load((REPO / "envs" / "wiringup.yaml").read_text())
    conda_pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pins(conda_pip) == direct
    for name, version in direct.items():
        assert lock.get(name) == version, (name, version, lock.get(name))
    assert direct["torch"] == "2.14.1" and direct["torchvision"] == "0.29.1"

