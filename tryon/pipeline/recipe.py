"""Render recipes: ``pipelines/*.toml`` files of ``kind = "render"``.

A render recipe names the weights and every sampling setting of a try-on; the values live in
the TOML files (``pipelines/default.toml``, ``fast.toml``, ``quality.toml``), not in code: the
fields below have no defaults, so a recipe states all of them. Example::

    kind = "render"
    weights = "weights/tryon-small"
    resolution = [256, 256]
    steps = 20
    scheduler = "dpm++"
    ...
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

from tryon.body import CATEGORIES
from tryon.pipeline.guidance import (
    AttributeGuidance,
    check_scale,
    check_stop,
    resolve_attribute_guidance,
)
from tryon.recipes import load_recipe, recipe_dirs

DEFAULT_RECIPE = "default"


@dataclass
class RenderRecipe:
    """Everything a try-on render depends on besides the inputs.

    Attributes:
        weights: weights folder (``save_pretrained`` layout); relative paths are looked up from
            the current directory, then from the repository root.
        resolution: ``(height, width)`` the model works at (the garment crop is resized to it);
            multiples of the UNet's downsampling (32 for ``small``).
        steps: denoising steps, >= 1.
        scheduler: ``ddim``, ``dpm++``, ``euler`` or ``unipc`` (:mod:`tryon.pipeline.schedulers`).
        timestep_spacing: which of the 1000 training timesteps the sampler visits:
            ``leading`` (at 20 steps DPM++ starts at t = 941), ``trailing`` or ``linspace``
            (start at t = 999; :data:`~tryon.pipeline.schedulers.TIMESTEP_SPACINGS`).
            Optional, default None: the weights' scheduler config's (``leading`` for the
            shipped weights).
        guidance_scale: classifier-free guidance scale (Ho & Salimans 2022); <= 1 turns it off.
        guidance_stop: fraction of the steps, in ``(0, 1]``, after which guidance is switched off
            (the last steps run the conditional branch only, halving their cost); 1 = guide
            every step.
        attribute_guidance: per attribute (``colour``, ``pattern``, ``print_colour``), an
            :class:`~tryon.pipeline.guidance.AttributeGuidance` ``{ scale, stop }``: the prompt
            is also contrasted with itself without that attribute's words, amplifying what
            they ask for, on the first ``stop`` of the steps; one more UNet evaluation a step it
            runs on, for prompts that name the attribute (:mod:`tryon.pipeline.guidance`). An
            attribute left out, or at scale 0, is off. A TOML table, so it comes last in a file.
        refine: run the GAN refiner after decoding.
        rerank: best-of-N by matcher score; 0 or 1 = off.
        attention: ``sdpa`` (PyTorch scaled-dot-product attention) or ``xformers``.
        dtype: ``float32``, ``float16`` or ``bfloat16``.
        device: ``cpu``, ``cuda`` or ``auto`` (CUDA when available).
        category: default garment category, ``upper``, ``lower`` or ``full``.
        mask_dilation: agnostic-mask dilation as a fraction of the person's height.
        mask_skirt_flare: widening of the agnostic mask's skirt cone, pixels a row, ``>= 0``
            (:func:`tryon.analysis.agnostic_mask_from_regions`); optional, default 0 (no
            cone). It must be what the weights were trained with (``[data] skirt_flare``):
            the shipped model's is 0.
        mask_keep_top: for ``lower`` garments, keep the person's top exactly as it is when
            the analysis has a garment parsing (from colour, SAM or a world sample): the model
            renders on its usual mask and the photo's top is pasted back over the result, as a
            top hangs over trousers and skirts. Optional, default False (the top's hem is
            repainted); without a parsing it changes nothing. Needs no retraining.
        crop_margin: context around the garment region in the crop (fraction of its size).
        feather: composite edge width as a fraction of the crop box height.
        restore_background: inside the mask, where the photo showed background, bring the
            photo back wherever the render is within ``background_tolerance`` of it (a
            difference matte against the clean plate: removes the haze a small model leaves
            around the garment; :func:`tryon.pipeline.composite.restore_background`).
        background_tolerance: ``(low, high)`` CIELAB distances (ΔE*ab), ``0 <= low < high``:
            closer than ``low`` the photo's background is restored, farther than ``high`` the
            render is kept, blended between.
        colour_lock: shift the garment's base colour in the render to the colour the prompt
            names, keeping its shading and pattern; when the prompt also names a print's
            colour, pull the print's pixels towards it first (:mod:`tryon.pipeline.colour_lock`).
        colour_prior: start the sampler from noise around a garment of the colour the prompt
            names, ``>= 0`` (:mod:`tryon.pipeline.colour_prior`); optional, default 0 (off).
        print_colour_prior: the colour prior's strength instead on prompts that name a print's
            second colour ("navy with white dots"), where the flat start costs prints,
            ``>= 0``; optional, default None: ``colour_prior``'s.
        known_start: start the sampler from the photo's own forward process outside the
            agnostic mask, as every noisy input in training held there, ``>= 0``
            (:mod:`tryon.pipeline.known_start`); optional, default 0 (pure noise), 1 = the
            forward process.
        seed: default random seed.
        analysis_backend: person-analysis backend (``tryon.analysis.PersonAnalyzer``).
    """

    KIND: ClassVar[str] = "render"

    weights: str
    resolution: tuple[int, int]
    steps: int
    scheduler: Literal["ddim", "dpm++", "euler", "unipc"]
    guidance_scale: float
    guidance_stop: float
    attribute_guidance: dict[str, AttributeGuidance]
    refine: bool
    rerank: int
    attention: Literal["sdpa", "xformers"]
    dtype: Literal["float32", "float16", "bfloat16"]
    device: Literal["cpu", "cuda", "auto"]
    category: str
    mask_dilation: float
    crop_margin: float
    feather: float
    restore_background: bool
    background_tolerance: tuple[float, float]
    colour_lock: bool
    seed: int
    analysis_backend: str
    mask_skirt_flare: float = 0.0
    mask_keep_top: bool = False
    colour_prior: float = 0.0
    print_colour_prior: float | None = None
    known_start: float = 0.0
    timestep_spacing: Literal["leading", "trailing", "linspace"] | None = None

    def __post_init__(self) -> None:
        height, width = self.resolution
        if height <= 0 or width <= 0 or height % 8 or width % 8:
            raise ValueError(f"resolution must be positive multiples of 8, got {self.resolution}")
        if self.steps < 1:
            raise ValueError(f"steps must be >= 1, got {self.steps}")
        check_scale("guidance_scale", self.guidance_scale)
        check_stop("guidance_stop", self.guidance_stop)
        try:
            resolve_attribute_guidance(self.attribute_guidance)  # refuses an unknown attribute
        except ValueError as error:
            raise ValueError(f"attribute_guidance: {error}") from None
        if self.rerank < 0:
            raise ValueError(f"rerank must be >= 0, got {self.rerank}")
        if self.category not in CATEGORIES:
            raise ValueError(f"category must be one of {list(CATEGORIES)}, got {self.category!r}")
        for name in (
            "mask_dilation",
            "mask_skirt_flare",
            "crop_margin",
            "feather",
            "colour_prior",
            "print_colour_prior",
            "known_start",
        ):
            value = getattr(self, name)
            if value is None:  # print_colour_prior left out: colour_prior's
                continue
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be >= 0, got {value}")
        low, high = self.background_tolerance
        if not (math.isfinite(low) and math.isfinite(high) and 0 <= low < high):
            raise ValueError(
                f"background_tolerance must be [low, high] with 0 <= low < high, got "
                f"{list(self.background_tolerance)}"
            )

    def weights_path(self) -> Path:
        """:attr:`weights` resolved: as given if it exists (or is absolute), else beside the
        repository's ``pipelines`` folder; returned even if missing (the loader reports it)."""
        path = Path(os.path.expanduser(self.weights))
        if path.is_absolute() or path.exists():
            return path
        for directory in recipe_dirs():
            candidate = directory.parent / path
            if candidate.exists():
                return candidate
        return path


def load_render_recipe(path: str | os.PathLike = DEFAULT_RECIPE) -> RenderRecipe:
    """Read a render recipe (a path or a name under ``pipelines/``, default ``default``)."""
    return load_recipe(path, RenderRecipe)
