"""benchmarks/bench_lightness_timestep.py on a tiny random pipeline: both clean estimates are
read and decoded where the script says (the numbers themselves need the shipped weights)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch

from tryon.evaluation.harness import world_samples
from tryon.pipeline.factory import build_pipeline

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_lightness_timestep.py"
spec = importlib.util.spec_from_file_location("bench_lightness_timestep", SCRIPT)
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


@pytest.fixture(scope="module")
def pipe():
    pipe = build_pipeline(
        "tiny", text_encoder="bert-tiny", resolution=64, seed=0, scheduler="dpm++", refiner=False
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe


@pytest.fixture(scope="module")
def sample():
    return world_samples("val", 1, size=(128, 96))[0]


def test_sampler_estimate_after_the_last_step_is_the_render(pipe, sample):
    """DPM-Solver++ ends on its clean estimate, so the estimate kept after the last step,
    decoded and pasted, must measure what the render itself measures."""
    prepared = pipe.prepare(sample.analysis(), sample.category)
    last = pipe.defaults.steps - 1
    estimates, final = bench.sampler_estimates(pipe, prepared, sample, {0, last})
    assert sorted(estimates) == [0, last]
    assert estimates[last] == pytest.approx(final, abs=0.05)
    assert estimates[0] != pytest.approx(final, abs=0.05)  # the first estimate is another image


def test_forward_estimate_near_t0_is_the_truth_through_the_vae(pipe, sample):
    """At t = 0 the noised latent is the truth's (signal 0.9996), so whatever the UNet
    predicts, both estimates decode to about the VAE-only image; at t = 999 they do not."""
    prepared = pipe.prepare(sample.analysis(), sample.category)
    timesteps = torch.tensor([0, 999])
    z0 = bench.truth_latent(pipe, prepared, sample)
    guided, unguided, vae = bench.forward_process_estimates(
        pipe, prepared, sample, z0, timesteps, guidance=5.0
    )
    assert len(guided) == len(unguided) == 2
    assert guided[0] == pytest.approx(vae, abs=1.5)
    assert unguided[0] == pytest.approx(vae, abs=1.5)
    assert abs(guided[1] - vae) > 1.5


def test_render_from_the_truth_at_the_last_step_is_the_truth_through_the_vae(pipe, sample):
    """Restarted from the truth's forward process before the last step, the render is the
    truth up to one small step of the UNet; restarted at step 1 it is the model's own."""
    prepared = pipe.prepare(sample.analysis(), sample.category)
    z0 = bench.truth_latent(pipe, prepared, sample)
    vae = bench.forward_process_estimates(pipe, prepared, sample, z0, torch.tensor([0]), 5.0)[2]
    last = pipe.defaults.steps - 1
    restarted = [bench.render_from_truth(pipe, prepared, sample, z0, k) for k in (last, 1)]
    assert restarted[0] == pytest.approx(vae, abs=1.0)
    assert restarted[1] != pytest.approx(vae, abs=1.0)
