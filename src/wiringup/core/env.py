"""The job's environment: offline settings for brainscore-vision, the torch device, data paths from config."""
from __future__ import annotations

import os
from pathlib import Path

from wiringup.core.io import WiringupError

# Set before anything imports brainscore_vision (see docs/install.md): no pip installs, no cloud metadata probes.
os.environ.setdefault("BS_INSTALL_DEPENDENCIES", "no")
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")


def torch_device() -> str:
    """``cuda`` when a GPU is visible to this job, else ``cpu`` (results are exact on CPU only)."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def resolve_data_path(data_root: str, path: str, key: str) -> Path:
    """Resolve ``path`` against ``data_root`` (unless absolute) and check it exists, naming the config key; a
    ``*.root`` key (``imagenet.root``) must be a folder."""
    p = Path(path)
    if not p.is_absolute():
        p = Path(data_root) / p
    problem = None if p.exists() else "does not exist"
    if problem is None and key.endswith("root") and not p.is_dir():
        problem = "is a file, not a folder"
    if problem:
        raise WiringupError(f"{p} {problem} (config key {key!r}, resolved against data_root={data_root!r}); "
                            "point it at your copy of the data (see README, 'Data')")
    return p
