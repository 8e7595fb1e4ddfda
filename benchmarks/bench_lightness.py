"""Where the model's darkness comes from: garment lightness against the truth, per setting.

The shipped model draws garments darker than the true targets (median -2.9 L* on test with
the colour lock off; ``benchmarks/results/colour-misses``), and most colour misses are a
darker neighbour of the asked colour. This renders ``--n`` validation world pairs with the
render recipe, the colour lock off (it moves lightness itself), at each classifier-free
guidance scale of ``--scales`` and once more at the recipe's scale without the colour prior,
and measures each garment's median L* over the target's garment mask less the true target's
(:func:`tryon.evaluation.colour.lightness_delta`, as ``tryon eval`` records it per pair).
The first row is the VAE alone: the true target cropped, encoded, decoded and pasted as a
render is (``tryon eval --baseline autoencoder`` without restore or lock), so the rest is the
UNet's and the sampler's.

``--samplers`` adds a row per sampler variant at the recipe's guidance: another scheduler
(``ddim``, ``euler``, ``unipc``, ``dpm++``; the recipe's noise schedule), another step count,
and epsilon scaling (Ning et al., "Elucidating the Exposure Bias in Diffusion Models", ICLR
2024: the predicted noise divided by a factor slightly above 1 at every step, a remedy for
the sampler's latents drifting off the training distribution), written
``scheduler:steps:factor``.

Run::

    .venv/bin/python benchmarks/bench_lightness.py --n 40 --scales 1,3,5,7.5
    .venv/bin/python benchmarks/bench_lightness.py --n 30 --scales 5 \
        --samplers dpm++:20:1.005,dpm++:20:1.01,ddim:20:1,euler:20:1,unipc:20:1,dpm++:40:1

Prints a Markdown table. It renders ``n * (len(scales) + len(samplers) + 1)`` images: ~3 s
each on 2 cores (twice that at 40 steps).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_colour_guidance import render_sweep  # noqa: E402

from tryon.evaluation.baselines import AutoencoderMethod  # noqa: E402
from tryon.evaluation.colour import lightness_delta  # noqa: E402
from tryon.evaluation.harness import world_samples  # noqa: E402
from tryon.pipeline import TryOnPipeline  # noqa: E402
from tryon.pipeline.schedulers import SCHEDULER_NAMES, make_scheduler  # noqa: E402


def summary_row(label: str, deltas: list[float]) -> str:
    """A Markdown row: the median and mean ΔL* and the share of garments > 5 L* darker."""
    d = np.asarray(deltas)
    return (
        f"| {label} | {np.median(d):+.1f} | {d.mean():+.1f} | {np.mean(d < -5):.0%} "
        f"| {np.mean(d > 5):.0%} |"
    )


def scale_predicted_noise(scheduler, factor: float) -> None:
    """Epsilon scaling: ``scheduler.step`` divides the predicted noise by ``factor`` first."""
    step = scheduler.step

    def scaled(model_output, timestep, sample, **kwargs):
        return step(model_output / factor, timestep, sample, **kwargs)

    scheduler.step = scaled


def parse_sampler(text: str) -> tuple[str, int, float]:
    """``"scheduler:steps:factor"`` -> ``(scheduler, steps, factor)``, or ValueError."""
    try:
        name, steps, factor = text.split(":")
        steps, factor = int(steps), float(factor)
    except ValueError:
        raise ValueError(
            f"a sampler is scheduler:steps:factor (dpm++:20:1.005), got {text!r}"
        ) from None
    if name not in SCHEDULER_NAMES or steps < 1 or not factor > 0:
        raise ValueError(
            f"sampler {text!r}: scheduler one of {list(SCHEDULER_NAMES)}, steps >= 1, factor > 0"
        )
    return name, steps, factor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=40, help="validation pairs (default 40)")
    parser.add_argument(
        "--scales", default="1,3,5,7.5", help="comma-separated guidance scales (default 1,3,5,7.5)"
    )
    parser.add_argument("--recipe", default="default", help="render recipe (default: default)")
    parser.add_argument(
        "--samplers",
        default="",
        help="comma-separated scheduler:steps:factor variants at the recipe's guidance "
        "(factor: epsilon scaling, 1 = off)",
    )
    args = parser.parse_args()
    scales = [float(g) for g in args.scales.split(",")]
    try:
        samplers = [parse_sampler(v) for v in args.samplers.split(",") if v]
    except ValueError as error:
        parser.error(str(error))

    pipe = TryOnPipeline.from_recipe(args.recipe)
    pipe.set_progress_bar_config(disable=True)
    samples = world_samples("val", args.n, seed=0)
    guidance = pipe.defaults.guidance_scale
    settings = {f"guidance {g:g}": {"guidance_scale": g, "colour_lock": False} for g in scales}
    settings[f"guidance {guidance:g}, no colour prior"] = {
        "guidance_scale": guidance,
        "colour_lock": False,
        "colour_prior": 0.0,
    }
    renders = render_sweep(pipe, samples, settings)
    recipe_scheduler = pipe.scheduler
    for name, steps, factor in samplers:
        pipe.scheduler = make_scheduler(name, recipe_scheduler)
        if factor != 1.0:
            scale_predicted_noise(pipe.scheduler, factor)
        label = f"{name}, {steps} steps, guidance {guidance:g}, epsilon / {factor:g}"
        kwargs = {"num_inference_steps": steps, "colour_lock": False}
        renders.update(render_sweep(pipe, samples, {label: kwargs}))
    pipe.scheduler = recipe_scheduler

    vae = AutoencoderMethod(pipe, "vae")
    deltas = {"VAE alone (the true target through it)": []}
    with torch.no_grad():
        for s in samples:
            vae.target = s.target
            image = vae.run(s.analysis(), s.prompt, s.category).image
            deltas["VAE alone (the true target through it)"].append(
                lightness_delta(image, s.target, s.garment_mask)
            )
    for label, images in renders.items():
        deltas[label] = [
            lightness_delta(image, s.target, s.garment_mask)
            for image, s in zip(images, samples, strict=True)
        ]

    print(
        f"# Garment lightness against the truth (validation pairs 0-{len(samples)}, recipe "
        f"{args.recipe}, colour lock off)\n"
    )
    print("| render | median ΔL* | mean ΔL* | > 5 L* darker | > 5 L* lighter |")
    print("|---|---:|---:|---:|---:|")
    for label, d in deltas.items():
        print(summary_row(label, d))


if __name__ == "__main__":
    main()
