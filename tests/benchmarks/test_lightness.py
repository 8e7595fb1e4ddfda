"""benchmarks/bench_lightness.py: its summary rows (the ΔL* itself is
``tryon.evaluation.colour.lightness_delta``, tested in tests/evaluation/test_colour.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_lightness.py"
sys.path.insert(0, str(SCRIPT.parent))  # the script imports its sibling bench_colour_guidance
spec = importlib.util.spec_from_file_location("bench_lightness", SCRIPT)
bench_lightness = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_lightness)


def test_summary_row_counts_darker_and_lighter_garments():
    row = bench_lightness.summary_row("x", [-10.0, -6.0, 0.0, 2.0, 8.0])
    assert row == "| x | +0.0 | -1.2 | 40% | 20% |"
