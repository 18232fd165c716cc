"""Imported first by every rule script (Snakemake puts this folder on sys.path).

Makes the library in ``src/`` importable whether or not it is pip-installed (a conda env made by
``--software-deployment-method conda`` does not install it), and sets the variables that keep
brainscore-vision from pip-installing or probing cloud metadata (docs/install.md, hazards).
"""
import os
import sys
from pathlib import Path

os.environ.setdefault("BS_INSTALL_DEPENDENCIES", "no")
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
_src = str(Path(__file__).resolve().parents[2] / "src")
if _src not in sys.path:
    sys.path.insert(0, _src)
