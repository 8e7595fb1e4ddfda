"""benchmarks/bench_lightness.py: a garment's median L* against the true target's."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_lightness.py"
sys.path.insert(0, str(SCRIPT.parent))  # the script imports its sibling bench_colour_guidance
spec = importlib.util.spec_from_file_location("bench_lightness", SCRIPT)
bench_lightness = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_lightness)


def test_lightness_delta_is_measured_over_the_garment_only():
    from tryon.evaluation.colour import lab_to_srgb

    def grey(lightness):
        return np.round(lab_to_srgb(np.array([lightness, 0.0, 0.0])) * 255).astype(np.uint8)

    target = np.zeros((8, 8, 3), np.uint8)
    target[:4] = grey(60)
    image = target.copy()
    image[:4] = grey(50)
    image[4:] = 255  # outside the garment: not counted
    garment = np.zeros((8, 8), bool)
    garment[:4] = True
    assert bench_lightness.lightness_delta(image, target, garment) == pytest.approx(-10, abs=0.5)
    assert bench_lightness.lightness_delta(target, target, garment) == 0.0


def test_summary_row_counts_darker_and_lighter_garments():
    row = bench_lightness.summary_row("x", [-10.0, -6.0, 0.0, 2.0, 8.0])
    assert row == "| x | +0.0 | -1.2 | 40% | 20% |"
