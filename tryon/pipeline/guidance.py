"""Guidance: how the UNet's noise predictions for a prompt and its contrasts are combined.

Classifier-free guidance (Ho & Salimans 2022) pushes the prediction away from the unconditional
one (the empty or negative prompt). **Attribute guidance** adds narrower contrasts, each on the
first part of the steps: the prompt against the same prompt with one attribute's words taken
out, so only what those words change is amplified (:data:`CONTRASTS`):

* ``colour``: the garment's colour taken out (:func:`tryon.data.captions.without_colour`; a
  print's colour stays);
* ``pattern``: the pattern words taken out (:func:`tryon.data.captions.without_pattern`);
* ``print_colour``: the print's own colour taken out ("a navy dress with white dots" -> "a
  navy dress with dots"; :func:`tryon.data.captions.without_print_colour`).

::

    eps = eps_uncond + g * (eps_cond - eps_uncond) + sum_a s_a * (eps_cond - eps_without_a)

A small model drifts to a colour's neighbours, and the drift is the prompt's, not the seed's:
the best of four seeds delivers the asked colour in hardly more pairs than the first seed
does. The colour contrast moves it, at a cost in prints and in their colour; the pattern
contrast gives most of the prints back and the print-colour one some of their colour
(``benchmarks/results/colour-guidance``). Each contrast costs one more UNet evaluation a step
it runs on, and only when a prompt in the batch names its attribute.

Which contrasts run, with what scale and on how many steps, is a mapping of attribute to
:class:`AttributeGuidance` (a render recipe's ``[attribute_guidance]`` table);
:func:`plan_guidance` turns it and the prompts into the branches a render's UNet batches hold.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import torch

from tryon.data.captions import (
    parse_caption,
    without_colour,
    without_pattern,
    without_print_colour,
)


@dataclass(frozen=True)
class Contrast:
    """One attribute contrast: the :func:`~tryon.data.captions.parse_caption` key a prompt
    names the attribute by, and the function that takes its words out of a prompt."""

    caption_key: str
    strip: Callable[[str], str]


# The attributes a contrast can take out of a prompt, in the order their branches run (after
# the unconditional and conditional ones).
CONTRASTS: dict[str, Contrast] = {
    "colour": Contrast("colour", without_colour),
    "pattern": Contrast("pattern", without_pattern),
    "print_colour": Contrast("colour2", without_print_colour),
}


def _check_attribute(attribute: str) -> None:
    if attribute not in CONTRASTS:
        raise ValueError(f"no guidance contrast for {attribute!r}; one of {list(CONTRASTS)}")


def check_scale(name: str, scale) -> None:
    """Refuse a guidance scale that is not a finite number >= 0 (a bool included): ValueError
    naming ``name``."""
    if (
        isinstance(scale, bool)
        or not isinstance(scale, (int, float))
        or not math.isfinite(scale)
        or scale < 0
    ):
        raise ValueError(f"{name} must be a finite number >= 0, got {scale!r}")


def check_stop(name: str, stop) -> None:
    """Refuse a guidance stop outside ``(0, 1]`` or not a number (a bool included):
    ValueError naming ``name``."""
    if isinstance(stop, bool) or not isinstance(stop, (int, float)):
        raise ValueError(f"{name} must be a number in (0, 1], got {stop!r}")
    if not 0 < stop <= 1:
        raise ValueError(f"{name} must be in (0, 1], got {stop!r}")


@dataclass(frozen=True)
class AttributeGuidance:
    """How one attribute contrast guides: ``scale >= 0`` (0 = off) on the first
    ``ceil(stop * steps)`` steps, ``stop`` in ``(0, 1]`` (an attribute is settled early, a
    print's detail later)."""

    scale: float
    stop: float = 1.0

    def __post_init__(self) -> None:
        check_scale("scale", self.scale)
        check_stop("stop", self.stop)


def resolve_attribute_guidance(
    base: Mapping[str, AttributeGuidance],
    overrides: Mapping[str, AttributeGuidance | float | tuple[float, float]] | None = None,
) -> dict[str, AttributeGuidance]:
    """``base`` (a recipe's table) with ``overrides`` laid on top, attribute by attribute.

    An override is an :class:`AttributeGuidance`, a ``(scale, stop)`` pair, or a bare scale
    that keeps the base's stop for that attribute (1 when the base has none). An attribute
    left out of both is off.

    Raises:
        ValueError: an unknown attribute (the message lists :data:`CONTRASTS`) or a bad scale
            or stop (the message names the attribute).
    """
    out = dict(base)
    for attribute, value in (overrides or {}).items():
        _check_attribute(attribute)
        try:
            if isinstance(value, AttributeGuidance):
                out[attribute] = value
            elif isinstance(value, tuple):
                if len(value) != 2:
                    raise ValueError(f"expected (scale, stop), got {value!r}")
                out[attribute] = AttributeGuidance(*value)
            else:
                stop = base[attribute].stop if attribute in base else 1.0
                out[attribute] = AttributeGuidance(value, stop)
        except ValueError as error:
            raise ValueError(f"attribute_guidance[{attribute!r}]: {error}") from None
    for attribute in out:
        _check_attribute(attribute)
    return out


def contrast_prompts(prompts: list[str], attribute: str) -> list[str] | None:
    """The contrast prompts of ``attribute`` guidance (a key of :data:`CONTRASTS`): each prompt
    with that attribute's words taken out; a prompt that does not name it, or whose words for it
    cannot be taken out ("blue jeans" is denim by its type), as it is (its contrast is then
    zero); None when no prompt changes (nothing to guide: the extra UNet evaluation is
    skipped)."""
    _check_attribute(attribute)
    contrast = CONTRASTS[attribute]
    out = []
    for prompt in prompts:
        stripped = contrast.strip(prompt)
        named = parse_caption(prompt).get(contrast.caption_key) is not None
        out.append(stripped if named and stripped != " ".join(prompt.lower().split()) else prompt)
    return None if out == list(prompts) else out


@dataclass(frozen=True)
class GuidancePlan:
    """The branches of a render's UNet batches, in :func:`combine_guidance`'s order (the
    unconditional one, then each of :data:`CONTRASTS`).

    Attributes:
        scales: ``(g, s_1, ..., s_K)``: the classifier-free scale, then each contrast's (0 for
            one that does not run).
        stops: per branch, the fraction of the steps it runs on, or None when it does not run.
        contrasts: per contrast, its prompts (:func:`contrast_prompts`), or None when it does
            not run (scale 0, no prompt names the attribute, or no prompt words at all).
    """

    scales: tuple[float, ...]
    stops: tuple[float | None, ...]
    contrasts: tuple[list[str] | None, ...]

    def schedule(self, steps: int) -> list[tuple[bool, ...]]:
        """Per step, which branches run beside the conditional one (:func:`guidance_schedule`)."""
        return guidance_schedule(steps, self.stops)


def plan_guidance(
    prompts: list[str] | None,
    guidance_scale: float,
    guidance_stop: float,
    attribute_guidance: Mapping[str, AttributeGuidance],
) -> GuidancePlan:
    """Which branches a render runs: the unconditional one when ``guidance_scale > 1``, and
    each attribute contrast whose scale is above 0 and that changes one of ``prompts`` (None
    for prompt embeddings: no words to take out)."""
    contrasts, scales, stops = [], [guidance_scale], [guidance_stop if guidance_scale > 1 else None]
    for attribute in CONTRASTS:
        setting = attribute_guidance.get(attribute, AttributeGuidance(0.0))
        texts = None
        if setting.scale > 0 and prompts:
            texts = contrast_prompts(prompts, attribute)
        contrasts.append(texts)
        scales.append(setting.scale)
        stops.append(None if texts is None else setting.stop)
    return GuidancePlan(tuple(scales), tuple(stops), tuple(contrasts))


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
