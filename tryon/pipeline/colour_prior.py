"""Colour prior: start the sampler from noise around a garment of the asked colour.

Sampling starts from pure noise, which says nothing about colour, and the model settles the
garment's colour in its first steps, where it drifts to a neighbour of the asked one (red drawn
burgundy; a print's two colours blended into a third). The forward process of a garment of the
asked colour at the first timestep ``T`` is ``signal_T * z + noise``, where ``z`` is the VAE
latent of that colour and ``signal_T`` is ``sqrt(alpha_bar_T)`` (0.095 for the shipped DPM++
schedule at 20 steps). The prior adds ``strength * signal_T * z`` inside the garment mask to the
initial noise, so the model starts from a noisy version of a flat garment in the asked colour
and still draws its shape, pattern and shading from the prompt. Strength 1 is that forward
process exactly; more overpowers the print (benchmarks/results/colour-prior).

The start is a flat garment in the base colour, so on a prompt that names a print's own colour
("navy with white dots") it also pulls the print towards the base colour. Such a prompt can
take a strength of its own (``print_colour_prior``; :func:`prior_strength`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real

import numpy as np
import torch

from tryon.pipeline.colour_lock import LockTarget, lab_to_rgb
from tryon.pipeline.conditioning import encode_latents
from tryon.pipeline.schedulers import forward_signal

#: side in pixels of the flat patch whose mean latent stands for a colour
PATCH = 64


def check_colour_prior(strength, name: str = "colour_prior") -> None:
    """Raise ValueError/TypeError, naming ``name``, unless ``strength`` is a finite real
    number ``>= 0``."""
    if isinstance(strength, bool) or not isinstance(strength, Real):
        raise TypeError(f"{name} must be a number, got {type(strength).__name__}")
    if not math.isfinite(strength) or strength < 0:
        raise ValueError(f"{name} must be >= 0 (0 = off), got {strength}")


def prior_strength(target: LockTarget | None, strength: float, print_strength: float) -> float:
    """The prior's strength for one prompt, from its :class:`LockTarget` (the colour the
    prior starts from): ``print_strength`` when the target carries a print colour (the prompt
    names a print's second colour, :func:`tryon.data.captions.names_two_colours`, whether the
    base colour is the prompt's or a given ``garment_colour``), else ``strength``; 0 without
    a target (no colour named or given)."""
    if target is None:
        return 0.0
    return print_strength if target.print is not None else strength


@torch.no_grad()
def colour_latent(vae, lab: np.ndarray, device=None) -> torch.Tensor:
    """The scaled VAE latent of a flat patch of one colour.

    Args:
        vae: the pipeline's autoencoder.
        lab: CIELAB ``(3,)`` of the colour.
        device: where the VAE runs (as :func:`~tryon.pipeline.conditioning.encode_latents`).

    Returns:
        ``(1, C, 1, 1)`` float32: the mean over a :data:`PATCH`-pixel patch's latent.
    """
    rgb = lab_to_rgb(np.asarray(lab, dtype=np.float32)).astype(np.float32) / 255.0
    patch = torch.from_numpy(rgb * 2.0 - 1.0).view(1, 3, 1, 1).expand(1, 3, PATCH, PATCH)
    return encode_latents(vae, patch.contiguous(), device).float().mean(dim=(2, 3), keepdim=True)


def add_colour_prior(
    latents: torch.Tensor,
    scheduler,
    first_timestep: torch.Tensor,
    latent_mask: torch.Tensor,
    colours: list[torch.Tensor | None],
    strength: float | Sequence[float],
) -> torch.Tensor:
    """The initial noise plus the prior of each row's colour inside its mask.

    Args:
        latents: ``(N, C, h, w)`` initial noise, already scaled by the scheduler's
            ``init_noise_sigma``.
        scheduler: the pipeline's scheduler, with its timesteps set; it gives the signal's
            weight at ``first_timestep`` (:func:`~tryon.pipeline.schedulers.forward_signal`).
        first_timestep: the first timestep of the schedule (a scalar tensor).
        latent_mask: ``(N, 1, h, w)`` or ``(1, 1, h, w)`` 0/1, where the garment may go.
        colours: per row, :func:`colour_latent` ``(1, C, 1, 1)`` or None (no prior: the
            prompt names no colour).
        strength: ``>= 0``, one for all rows or a sequence of ``N``, one per row
            (:func:`prior_strength`); a row at 0 keeps its noise. All 0 returns ``latents``
            itself.

    Returns:
        ``(N, C, h, w)`` float32.
    """
    n = latents.shape[0]
    if len(colours) != n:
        raise ValueError(f"{len(colours)} colours for {n} latents")
    strengths = [strength] * n if isinstance(strength, Real) else list(strength)
    if len(strengths) != n:
        raise ValueError(f"{len(strengths)} strengths for {n} latents")
    if all(c is None or s == 0 for c, s in zip(colours, strengths, strict=True)):
        return latents
    zero = torch.zeros(latents.shape[1:], device=latents.device)
    prior = torch.stack([zero if c is None else c[0].to(latents.device) + zero for c in colours])
    prior = prior * latent_mask.to(latents.device, latents.dtype)
    signal = forward_signal(scheduler, prior, first_timestep)
    weight = torch.tensor(strengths, dtype=latents.dtype, device=latents.device)
    return latents + weight.view(n, 1, 1, 1) * signal
