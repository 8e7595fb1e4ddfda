"""Known-region start: begin sampling from the photo's own forward process outside the mask.

In training the noised latent is the target's, and outside the agnostic mask the target is
the photo: every noisy input the UNet learnt from carries, at any timestep ``t``,
``sqrt(alpha_bar_t)`` times the photo's latent there. Pure noise over the whole crop is a
start the model never saw, and its first step reads that lack of signal as a darker garment:
from it the shipped model drew ~3 L* darker than the truth, the darkness set in that first
step (``benchmarks/results/lightness-timestep``; the gain: ``benchmarks/results/known-start``). The photo outside the mask is
known at inference, so the start can be what training saw there: the initial noise plus
``strength * signal_T`` times the photo's latent outside the mask, where ``signal_T`` is
``sqrt(alpha_bar_T)`` at the first timestep (0.095 for the shipped DPM++ schedule at 20 steps).
Strength 1 is that forward process exactly; inside the mask the start is unchanged (the colour
prior, :mod:`tryon.pipeline.colour_prior`, may add to it there).
"""

from __future__ import annotations

import torch

from tryon.pipeline.schedulers import forward_signal


def add_known_region(
    latents: torch.Tensor,
    scheduler,
    first_timestep: torch.Tensor,
    photo_latent: torch.Tensor,
    latent_mask: torch.Tensor,
    strength: float,
) -> torch.Tensor:
    """The initial noise plus the photo's forward-process signal outside the mask.

    Args:
        latents: ``(N, C, h, w)`` initial noise, already scaled by the scheduler's
            ``init_noise_sigma``.
        scheduler: the pipeline's scheduler, with its timesteps set; it gives the signal's
            weight at ``first_timestep`` (:func:`~tryon.pipeline.schedulers.forward_signal`).
        first_timestep: the first timestep of the schedule (a scalar tensor).
        photo_latent: ``(1, C, h, w)`` or ``(N, C, h, w)`` scaled VAE latent of the photo's
            crop (:attr:`~tryon.pipeline.pipeline_tryon.PreparedPerson.photo_latent`).
        latent_mask: ``(1, 1, h, w)`` or ``(N, 1, h, w)`` 0/1, where the garment may go;
            the signal goes where it is 0.
        strength: ``>= 0``; 0 returns ``latents`` itself, 1 is the forward process.

    Returns:
        ``(N, C, h, w)`` float32.
    """
    if strength == 0:
        return latents
    if photo_latent.shape[1:] != latents.shape[1:]:
        raise ValueError(
            f"photo latent {tuple(photo_latent.shape)} does not match the latents "
            f"{tuple(latents.shape)}"
        )
    known = photo_latent.to(latents.device, latents.dtype)
    known = known * (1 - latent_mask.to(latents.device, latents.dtype))
    return latents + strength * forward_signal(scheduler, known, first_timestep)
