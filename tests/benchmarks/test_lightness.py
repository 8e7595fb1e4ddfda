"""benchmarks/bench_lightness.py: its summary rows (the ΔL* itself is
``tryon.evaluation.colour.lightness_delta``, tested in tests/evaluation/test_colour.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import torch

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_lightness.py"
sys.path.insert(0, str(SCRIPT.parent))  # the script imports its sibling bench_colour_guidance
spec = importlib.util.spec_from_file_location("bench_lightness", SCRIPT)
bench_lightness = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_lightness)


def test_summary_row_counts_darker_and_lighter_garments():
    row = bench_lightness.summary_row("x", [-10.0, -6.0, 0.0, 2.0, 8.0])
    assert row == "| x | +0.0 | -1.2 | 40% | 20% |"


def test_parse_sampler_reads_variants_and_names_bad_ones():
    assert bench_lightness.parse_sampler("ddim:40:1.005") == ("ddim", 40, 1.005)
    for bad in ("ddim:40", "ddim:x:1", "heun:20:1", "ddim:0:1", "ddim:20:0"):
        with pytest.raises(ValueError, match="sampler"):
            bench_lightness.parse_sampler(bad)


def test_scale_predicted_noise_divides_the_noise_before_the_step():
    """A DDIM step with the noise divided by 2 is the plain step on half the noise."""
    from diffusers import DDIMScheduler

    plain, scaled = DDIMScheduler(), DDIMScheduler()
    for scheduler in (plain, scaled):
        scheduler.set_timesteps(10)
    bench_lightness.scale_predicted_noise(scaled, 2.0)
    sample, noise = torch.randn(1, 4, 8, 8), torch.randn(1, 4, 8, 8)
    t = plain.timesteps[0]
    expected = plain.step(noise / 2.0, t, sample).prev_sample
    assert torch.allclose(scaled.step(noise, t, sample).prev_sample, expected)
    assert not torch.allclose(plain.step(noise, t, sample).prev_sample, expected)
