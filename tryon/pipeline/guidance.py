"""Guidance: how the UNet's noise predictions for a prompt and its contrasts are combined.

Classifier-free guidance (Ho & Salimans 2022) pushes the prediction away from the unconditional
one (the empty or negative prompt). **Attribute guidance** adds narrower contrasts, each on the
first part of the steps: the prompt against the same prompt with one attribute's words taken
out, so only what those words change is amplified:

* colour: the garment's colour taken out (:func:`tryon.data.captions.without_colour`; a
  print's colour stays);
* pattern: the pattern words taken out (:func:`tryon.data.captions.without_pattern`).

::

    eps = eps_uncond + g * (eps_cond - eps_uncond)
                     + c * (eps_cond - eps_colourless) + p * (eps_cond - eps_patternless)

A small model drifts to a colour's neighbours, and the drift is the prompt's, not the seed's:
the best of four seeds delivers the asked colour in hardly more pairs than the first seed
does. The colour contrast moves it, at a cost in prints, and the pattern contrast gives most
of the prints back (``benchmarks/results/colour-guidance``). Each contrast costs one more UNet
evaluation a step it runs on, and only when a prompt in the batch names its attribute.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch

from tryon.data.captions import parse_caption, without_colour, without_pattern

# The attributes a contrast can take out of a prompt, in the order their branches run (after
# the unconditional and conditional ones), with the function that takes them out.
CONTRASTS: dict[str, Callable[[str], str]] = {
    "colour": without_colour,
    "pattern": without_pattern,
}


def contrast_prompts(prompts: list[str], attribute: str) -> list[str] | None:
    """The contrast prompts of ``attribute`` guidance (a key of :data:`CONTRASTS`): each prompt
    with that attribute's words taken out; a prompt that does not name it, or whose words for it
    cannot be taken out ("blue jeans" is denim by its type), as it is (its contrast is then
    zero); None when no prompt changes (nothing to guide: the extra UNet evaluation is
    skipped)."""
    if attribute not in CONTRASTS:
        raise ValueError(f"no guidance contrast for {attribute!r}; one of {list(CONTRASTS)}")
    strip = CONTRASTS[attribute]
    out = []
    for prompt in prompts:
        stripped = strip(prompt)
        named = parse_caption(prompt).get(attribute) is not None
        out.append(stripped if named and stripped != " ".join(prompt.lower().split()) else prompt)
    return None if out == list(prompts) else out


def guidance_schedule(steps: int, stops: Sequence[float | None]) -> list[tuple[bool, ...]]:
    """Per denoising step, which branches run beside the conditional one.

    Args:
        steps: denoising steps.
        stops: per branch, in :func:`combine_guidance`'s order (the unconditional one, then each
            contrast), the fraction of the steps in ``(0, 1]`` it runs on (the first
            ``ceil(stop * steps)``), or None when it does not run at all (guidance off, or no
            prompt names the attribute).

    Returns:
        ``steps`` tuples of ``len(stops)`` flags; a step's UNet batch holds ``1 + sum(flags)``
        branches.
    """
    counts = [0 if stop is None else math.ceil(stop * steps) for stop in stops]
    return [tuple(i < count for count in counts) for i in range(steps)]


def combine_guidance(
    parts: Sequence[torch.Tensor], scales: Sequence[float], flags: Sequence[bool]
) -> torch.Tensor:
    """Guided noise prediction from the branches of one UNet batch.

    Args:
        parts: the predictions, each ``(B, C, h, w)``, in this order: unconditional (when
            ``flags[0]``), conditional, then contrast ``k`` for each ``flags[k]`` set (k >= 1).
        scales: ``(g, c_1, ..., c_K)``: the classifier-free guidance scale and each contrast's.
        flags: which branches ran, as :func:`guidance_schedule` gives them; as long as
            ``scales``.

    Returns:
        ``(B, C, h, w)``: ``eps_uncond + g * (eps_cond - eps_uncond)`` (or ``eps_cond`` without
        the unconditional branch) ``+ c_k * (eps_cond - eps_k)`` for each contrast that ran.
    """
    if len(scales) != len(flags):
        raise ValueError(f"{len(scales)} scales for {len(flags)} branch flags")
    expected = 1 + sum(map(bool, flags))
    if len(parts) != expected:
        raise ValueError(f"expected {expected} noise predictions, got {len(parts)}")
    unconditional = bool(flags[0])
    cond = parts[1] if unconditional else parts[0]
    noise = parts[0] + scales[0] * (cond - parts[0]) if unconditional else cond
    contrasts = iter(parts[1 + unconditional :])
    for scale, ran in zip(scales[1:], flags[1:], strict=True):
        if ran:
            noise = noise + scale * (cond - next(contrasts))
    return noise
