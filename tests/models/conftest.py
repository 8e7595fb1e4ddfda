"""Fixtures for the model tests."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture
def gen() -> torch.Generator:
    return torch.Generator().manual_seed(0)


@pytest.fixture(scope="session")
def person():
    """A 160x120 stick-figure PersonAnalysis (ground-truth backend)."""
    from tryon.pipeline.factory import stick_figure_analysis

    return stick_figure_analysis(160, 120)
