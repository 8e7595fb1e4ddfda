"""Shared test fixtures.

The ``slow`` and ``gpu`` markers are registered in ``pyproject.toml`` and deselected by its
``addopts`` (``-m 'not slow and not gpu'``); ``pytest -m slow`` or ``pytest -m gpu`` on the
command line overrides that and runs them.
"""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh, fixed-seed numpy generator (seed 0) for each test: deterministic data."""
    return np.random.default_rng(0)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip ``gpu`` tests selected with ``-m gpu`` when no CUDA device is present."""
    gpu_items = [item for item in items if item.get_closest_marker("gpu")]
    if not gpu_items:
        return
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU (torch.cuda.is_available() is False)")
    for item in gpu_items:
        item.add_marker(skip)
