"""Fixtures for the benchmark tooling tests; finds the package when it is not installed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
REPO = Path(__file__).resolve().parents[4]
NRP_DATA = REPO / "bench" / "data" / "nrp"

if importlib.util.find_spec("scheduler") is None:
    # A plain checkout without `make install`: run against the source tree.
    sys.path.insert(0, str(SRC))


@pytest.fixture(scope="session")
def nrp_data() -> Path:
    """The directory holding the NRP benchmark instances."""
    return NRP_DATA
