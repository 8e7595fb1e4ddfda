"""Guidance: how the UNet's noise predictions for a prompt and its contrasts are combined.

Classifier-free guidance (Ho & Salimans 2022) pushes the prediction away from the unconditional
one (the empty or negative prompt). **Colour guidance** adds a second, narrower contrast, on
the first ``colour_guidance_stop`` of the steps: the prompt against the same prompt with the
garment's colour taken out (:func:`tryon.data.captions.without_colour`; a print's colour
stays), so only what the colour word changes is amplified::

    eps = eps_uncond + g * (eps_cond - eps_uncond) + c * (eps_cond - eps_colourless)

A small model drifts to a colour's neighbours, and the drift is the prompt's, not the seed's:
the best of four seeds delivers the asked colour in hardly more pairs than the first seed
does. The colour contrast moves it, at a cost in prints (``benchmarks/results/colour-guidance``).
It costs one more UNet evaluation a step it runs on, and only when a prompt names a colour.
"""

from __future__ import annotations

import math

import torch

from tryon.data.captions import parse_caption, without_colour


def colourless_prompts(prompts: list[str]) -> list[str] | None:
    """The contrast prompts of colour guidance: each prompt without its garment colour, a prompt
    that names no colour as it is (its contrast is then zero), or None when no prompt names a
    colour (nothing to guide: the extra UNet evaluation is skipped)."""
    out = [without_colour(p) if parse_caption(p).get("colour") else p for p in prompts]
    return None if out == list(prompts) else out


def guidance_schedule(
    steps: int,
    guidance_stop: float,
    colour_guidance_stop: float,
    unconditional: bool,
    colourless: bool,
) -> list[tuple[bool, bool]]:
    """Per denoising step, which contrast branches run beside the conditional one:
    ``(unconditional, colourless)``. The unconditional branch (when ``unconditional``: guidance
    is on) runs on the first ``ceil(guidance_stop * steps)`` steps, the colourless one (when
    ``colourless``: a prompt names a colour) on the first ``ceil(colour_guidance_stop * steps)``.
    A step's UNet batch holds ``1 + sum(flags)`` branches."""
    guided = math.ceil(guidance_stop * steps) if unconditional else 0
    coloured = math.ceil(colour_guidance_stop * steps) if colourless else 0
    return [(i < guided, i < coloured) for i in range(steps)]


def combine_guidance(
    parts: tuple[torch.Tensor, ...],
    guidance_scale: float,
    colour_guidance_scale: float,
    unconditional: bool,
    colourless: bool,
) -> torch.Tensor:
    """Guided noise prediction from the branches of one UNet batch.

    Args:
        parts: the predictions, each ``(B, C, h, w)``, in this order: unconditional (when
            ``unconditional``), conditional, colourless (when ``colourless``).
        guidance_scale: classifier-free guidance scale ``g`` (used with ``unconditional``).
        colour_guidance_scale: colour guidance scale ``c`` (used with ``colourless``), >= 0.

    Returns:
        ``(B, C, h, w)``: ``eps_uncond + g * (eps_cond - eps_uncond)`` and/or
        ``+ c * (eps_cond - eps_colourless)``; the conditional prediction alone without either.
    """
    expected = 1 + int(unconditional) + int(colourless)
    if len(parts) != expected:
        raise ValueError(f"expected {expected} noise predictions, got {len(parts)}")
    cond = parts[1] if unconditional else parts[0]
    noise = parts[0] + guidance_scale * (cond - parts[0]) if unconditional else cond
    if colourless:
        noise = noise + colour_guidance_scale * (cond - parts[-1])
    return noise
