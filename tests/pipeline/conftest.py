"""Fixtures for the pipeline tests: a synthetic person and tiny random pipelines."""

from __future__ import annotations

import pytest

from tryon.pipeline import TryOnPipeline
from tryon.pipeline.factory import build_pipeline, stick_figure_analysis

SIZE = 64  # working resolution of the tiny pipelines (tiny UNet: multiples of 16)


@pytest.fixture(scope="session")
def person():
    """A 160x120 stick-figure PersonAnalysis (ground-truth backend)."""
    return stick_figure_analysis(160, 120)


@pytest.fixture(scope="session")
def tiny_pipe() -> TryOnPipeline:
    """Tiny tryon-layout pipeline: 26-channel UNet, 32-d random BERT, matcher, refiner."""
    pipe = build_pipeline("tiny", text_encoder="bert-tiny", resolution=SIZE, seed=0)
    pipe.set_progress_bar_config(disable=True)
    return pipe


@pytest.fixture(scope="session")
def tiny_pipe_dir(tiny_pipe, tmp_path_factory):
    """``tiny_pipe`` saved with save_pretrained."""
    folder = tmp_path_factory.mktemp("tiny-pipe")
    tiny_pipe.save_pretrained(folder)
    return folder
