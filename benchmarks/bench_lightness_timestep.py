"""When does the render get dark? The model's clean-image estimate, step by step.

The shipped model draws garments darker than the truth (``bench_lightness.py``: median
-3.6 L* at the recipe's guidance, lock off; the VAE alone +0.8). This tells *where* in
sampling the darkness arises, by comparing two estimates of the clean garment at the same
timesteps (the render recipe's, DPM-Solver++ at 20 steps):

- **forward process**: the true target's latent noised to timestep ``t`` exactly as in
  training, one UNet call (guided at the recipe's scale, and unguided), and its clean-latent
  estimate ``x0 = (x_t - sqrt(1 - a_t) * eps) / sqrt(a_t)`` decoded. This is the model on the
  data it was trained on: a bias here is the UNet's own (a conditional mean drawn dark).
- **sampler**: the same estimate DPM-Solver++ holds after step ``i`` of a real render from
  noise (the recipe as it is, colour prior on, lock off; the evaluation's seed). A bias here
  but not above is the trajectory's: the sampler's latents leave the training distribution
  (exposure bias) or the start carries no colour.

With ``--starts``, a third experiment: the render from noise again, but after step ``k - 1``
its latents are replaced by the true target's latent noised to step ``k``'s timestep (and
DPM-Solver++ takes the next step first order, so its history of the noise trajectory's
estimates does not enter), so the sampler goes on from the truth's own forward process: a render that ends dark from a late start darkens in the steps
after it; one that ends as light as the truth was set dark before it.

Each estimate is decoded, pasted into the photo as a render is (no background restore, no
lock) and measured as ``tryon eval`` measures a render: the garment's median L* over the
target's garment mask less the true target's (:func:`tryon.evaluation.colour.lightness_delta`).
Shading darkens the truth, so 0 is "as light as the truth", not "as light as the palette".

Run::

    .venv/bin/python benchmarks/bench_lightness_timestep.py --n 40 --starts 1,2,7,13

Prints Markdown tables. About 17 s a pair on 2 cores (one render, one batched UNet call,
decodes), and 4-9 s more a pair for each start (60 pairs took 17 min; 40 pairs with four
starts 35 min).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tryon.evaluation.colour import lightness_delta  # noqa: E402
from tryon.evaluation.harness import _generator, world_samples  # noqa: E402
from tryon.models.pooled_text import unet_text_kwargs  # noqa: E402
from tryon.pipeline import TryOnPipeline  # noqa: E402
from tryon.pipeline.conditioning import (  # noqa: E402
    AGNOSTIC_FILL,
    decode_latents,
    encode_latents,
    image_to_tensor,
    tensor_to_images,
)
from tryon.pipeline.crop import crop_resize  # noqa: E402


def measure(prepared, sample, latents: torch.Tensor, pipe) -> list[float]:
    """ΔL* against the truth of each clean-latent estimate in ``latents`` ``(N, C, h, w)``,
    decoded and pasted into the photo (no restore, no lock)."""
    images = tensor_to_images(decode_latents(pipe.vae, latents).float().clamp(-1.0, 1.0))
    return [
        lightness_delta(prepared.composite(crop), sample.target, sample.garment_mask)
        for crop in images
    ]


def truth_latent(pipe, prepared, sample) -> torch.Tensor:
    """``(1, C, h, w)`` float32: the true target's crop encoded as the pipeline crops photos."""
    crop = crop_resize(sample.target, prepared.box, prepared.size, fill=AGNOSTIC_FILL)
    return encode_latents(pipe.vae, image_to_tensor(crop), pipe._execution_device).float()


@torch.no_grad()
def forward_process_estimates(
    pipe, prepared, sample, z0: torch.Tensor, timesteps: torch.Tensor, guidance: float
) -> tuple[list[float], list[float], float]:
    """ΔL* of the one-step clean estimate from the truth (its :func:`truth_latent` ``z0``)
    noised to each of ``timesteps``, guided at ``guidance`` and unguided, and of the truth
    through the VAE alone."""
    device, dtype = pipe._execution_device, pipe.unet.dtype
    n = len(timesteps)
    noise = torch.randn(
        (n, *z0.shape[1:]), generator=torch.Generator().manual_seed(sample.index)
    ).to(device)
    noisy = pipe.scheduler.add_noise(z0.expand(n, -1, -1, -1), noise, timesteps)
    uncond, cond = pipe.encode_prompt([""]), pipe.encode_prompt([sample.prompt])
    text = unet_text_kwargs(
        pipe.unet, [uncond.repeat_interleave(n), cond.repeat_interleave(n)], device, dtype
    )
    c = prepared.conditioning.to(device, dtype).expand(2 * n)
    unet_in = pipe.layout.build(
        torch.cat([noisy, noisy]).to(dtype), c.agnostic_latent, c.latent_mask, c.pose
    )
    eps_u, eps_c = pipe.unet(unet_in, timesteps.repeat(2), **text).sample.float().chunk(2)
    a = pipe.scheduler.alphas_cumprod.to(device)[timesteps].view(-1, 1, 1, 1)

    def clean(eps):
        return (noisy - (1 - a).sqrt() * eps) / a.sqrt()

    guided = measure(prepared, sample, clean(eps_u + guidance * (eps_c - eps_u)), pipe)
    unguided = measure(prepared, sample, clean(eps_c), pipe)
    return guided, unguided, measure(prepared, sample, z0, pipe)[0]


def sampler_estimates(pipe, prepared, sample, steps: set[int]) -> tuple[dict[int, float], float]:
    """ΔL* of DPM-Solver++'s clean estimate after each step in ``steps`` of a render from
    noise (the recipe, lock off, the evaluation's seed), and of the render itself."""
    estimates: dict[int, torch.Tensor] = {}

    def keep(p, i, t, tensors):
        if i in steps:
            estimates[i] = p.scheduler.model_outputs[-1].clone()
        return tensors

    final = render_lightness(pipe, prepared, sample, keep)
    order = sorted(estimates)
    deltas = measure(prepared, sample, torch.cat([estimates[i] for i in order]), pipe)
    return dict(zip(order, deltas, strict=True)), final


def render_lightness(pipe, prepared, sample, callback) -> float:
    """ΔL* of ``sample`` rendered with the recipe, lock and background restore off, the
    evaluation's seed, ``callback`` as its ``callback_on_step_end``."""
    with torch.no_grad():
        out = pipe(
            prepared,
            sample.prompt,
            colour_lock=False,
            restore_background=False,
            generator=_generator(0, sample.index),
            output_type="np",
            callback_on_step_end=callback,
        )
    return lightness_delta(out.images[0], sample.target, sample.garment_mask)


def render_from_truth(pipe, prepared, sample, z0: torch.Tensor, start: int) -> float:
    """ΔL* of a render that goes on from the true target's (:func:`truth_latent` ``z0``)
    forward process at step ``start`` (``>= 1``; the latents after step ``start - 1``
    replaced, fresh noise seeded by the pair), recipe otherwise as :func:`sampler_estimates`."""
    noise = torch.randn(z0.shape, generator=torch.Generator().manual_seed(1000 + sample.index))

    def restart(p, i, t, tensors):
        if i != start - 1:
            return tensors
        scheduler = p.scheduler
        # The solver's history holds the noise trajectory's clean estimates; the step after
        # the restart goes first order, so neither they nor the truth leak into it.
        scheduler.lower_order_nums = 0
        return {
            "latents": scheduler.add_noise(z0, noise.to(z0), scheduler.timesteps[start].reshape(1))
        }

    return render_lightness(pipe, prepared, sample, restart)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=40, help="validation pairs (default 40)")
    parser.add_argument(
        "--steps", default="0,2,4,7,10,13,16,19", help="sampler steps to look at (0-based)"
    )
    parser.add_argument("--recipe", default="default", help="render recipe (default: default)")
    parser.add_argument(
        "--starts",
        default="",
        help="comma-separated sampler steps (>= 1) to restart from the truth's forward process",
    )
    args = parser.parse_args(argv)

    pipe = TryOnPipeline.from_recipe(args.recipe)
    pipe.set_progress_bar_config(disable=True)
    if pipe.defaults.scheduler != "dpm++":
        parser.error("the sampler's clean estimate is read from DPM-Solver++ (scheduler dpm++)")
    pipe.scheduler.set_timesteps(pipe.defaults.steps)
    timesteps = pipe.scheduler.timesteps.clone()
    steps = sorted({int(s) for s in args.steps.split(",")})
    if not steps or min(steps) < 0 or max(steps) >= len(timesteps):
        parser.error(f"--steps must lie in 0..{len(timesteps) - 1}")
    chosen = timesteps[steps]
    starts = sorted({int(k) for k in args.starts.split(",") if k})
    if starts and (min(starts) < 1 or max(starts) >= len(timesteps)):
        parser.error(f"--starts must lie in 1..{len(timesteps) - 1}")
    guidance = pipe.defaults.guidance_scale

    forward_g, forward_u, sampler, vae, final = [], [], [], [], []
    restarted: dict[int, list[float]] = {k: [] for k in starts}
    for sample in world_samples("val", args.n, seed=0):
        prepared = pipe.prepare(sample.analysis(), sample.category)
        z0 = truth_latent(pipe, prepared, sample)
        g, u, v = forward_process_estimates(pipe, prepared, sample, z0, chosen, guidance)
        s, f = sampler_estimates(pipe, prepared, sample, set(steps))
        forward_g.append(g)
        forward_u.append(u)
        sampler.append([s[i] for i in steps])
        vae.append(v)
        final.append(f)
        for k in starts:
            restarted[k].append(render_from_truth(pipe, prepared, sample, z0, k))

    fg, fu, sp = (np.asarray(x, dtype=float) for x in (forward_g, forward_u, sampler))
    signal = pipe.scheduler.alphas_cumprod[chosen].sqrt().numpy()
    print(
        f"# Clean-estimate lightness against the truth, step by step ({args.n} validation "
        f"pairs, recipe {args.recipe}, guidance {guidance:g}, lock off)\n"
    )
    print(
        "Median ΔL* (render less truth, garment mask); in brackets the share of garments "
        "more than 5 L* darker.\n"
    )
    print(
        "| step | t | signal sqrt(a_t) | forward process, guided | forward process, unguided "
        "| sampler from noise |"
    )
    print("|---:|---:|---:|---:|---:|---:|")

    def cell(d: np.ndarray) -> str:
        return f"{np.median(d):+.1f} ({np.mean(d < -5):.0%})"

    for k, (i, t) in enumerate(zip(steps, chosen.tolist(), strict=True)):
        print(
            f"| {i} | {t} | {signal[k]:.3f} | {cell(fg[:, k])} | {cell(fu[:, k])} "
            f"| {cell(sp[:, k])} |"
        )
    print(f"\nThe render (after the last step, decoded): {cell(np.asarray(final))}.")
    print(f"The true target through the VAE alone: {cell(np.asarray(vae))}.")
    if starts:
        print("\n| render going on from the truth's forward process at step | t | ΔL* |")
        print("|---:|---:|---:|")
        print(f"| (none: from noise) | {int(timesteps[0])} | {cell(np.asarray(final))} |")
        for k in starts:
            print(f"| {k} | {int(timesteps[k])} | {cell(np.asarray(restarted[k]))} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
