"""Shared test fixtures.

The ``slow`` and ``gpu`` markers are registered in ``pyproject.toml`` and deselected by its
``addopts`` (``-m 'not slow and not gpu'``); ``pytest -m slow`` or ``pytest -m gpu`` on the
command line overrides that and runs them.
"""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Every test runs torch on one thread: the models here are tiny, and a multi-thread pool
    on a shared CPU made them up to 30x slower. The previous setting is restored after."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


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
