import os
from pathlib import Path

import pytest

os.environ.setdefault("BS_INSTALL_DEPENDENCIES", "no")
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def data_root() -> Path:
    """The shared real data (../shared/data beside the repository, or $WIRINGUP_DATA_ROOT)."""
    root = Path(os.environ.get("WIRINGUP_DATA_ROOT", REPO.parent / "shared" / "data"))
    if not root.is_dir():
        pytest.skip(f"real data not found at {root}; set WIRINGUP_DATA_ROOT")
    return root
