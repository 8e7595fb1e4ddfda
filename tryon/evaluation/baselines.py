"""Try-on methods the evaluation harness runs: the recolour baseline and pipeline wrappers.

A *method* is any object with a ``name`` and ``run(analysis, prompt, category, generator) ->
MethodOutput``. The harness gives every method the same inputs (a
:class:`tryon.analysis.PersonAnalysis` of the input photo, the prompt, the category) and
measures what comes back, so baselines and models are judged by one set of rules.

Methods here:

* :class:`RecolourBaseline` - no learning at all: it reads the colour named in the prompt
  (:func:`tryon.data.captions.parse_caption`) and recolours the agnostic region in CIELAB:
  every pixel's a*, b* become the palette colour's and its L* is re-centred on the colour's
  lightness, keeping the light/dark structure of shading, folds and the old garment's pattern
  with its contrast capped (:func:`recolour`; a plain luminance-preserving multiply would keep
  a black garment black whatever the asked colour). Pixels outside the agnostic mask are copied, so its preservation error is
  exactly 0. It cannot change garment type, sleeves or pattern: the bar a model must beat there.
* :class:`PipelineMethod` - a :class:`tryon.pipeline.TryOnPipeline` with fixed sampling
  settings; the "no-refiner" baseline is this with ``refine=False`` and the ``λ_match = 0``
  baseline is this on the ablation weights (see :func:`build_method`).
* :class:`GroundTruthMethod` - returns the ground-truth target (world pairs only): the ceiling
  every metric can reach, which also checks the metrics themselves.
* :class:`AutoencoderMethod` - the ground-truth target passed through a pipeline's VAE (cropped,
  encoded, decoded, pasted and feathered exactly as the pipeline does with its own renders): the
  ceiling a latent model with that VAE can reach, which tells how much of a model's error is
  the autoencoder's rather than the denoiser's; without the VAE (``through_vae=False``), the
  ceiling the working resolution alone sets.

Methods that need the pair's target say so with ``needs_target = True``; the harness then sets
``method.target`` before each run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from tryon.body import check_category
from tryon.evaluation.colour import lab_to_srgb, palette_lab, srgb_to_lab
from tryon.pipeline.colour_lock import lock_target, prompt_colour

logger = logging.getLogger(__name__)

#: Largest standard deviation of L* the recolour baseline keeps (see :func:`recolour`).
RECOLOUR_LIGHTNESS_STD = 8.0
#: Baseline names accepted by ``tryon eval --baseline``.
BASELINES: tuple[str, ...] = ("recolour", "no-match", "no-refine")


@dataclass
class MethodOutput:
    """What a method returns for one try-on.

    Attributes:
        image: ``(H, W, 3)`` uint8 result at the input photo's size.
        mask: ``(H, W)`` bool, the region the method was allowed to change (its agnostic
            mask); preservation is measured outside it.
        score: the matcher's score of the result, when the method has one.
        extra: anything else worth keeping (timings, seeds).
    """

    image: np.ndarray
    mask: np.ndarray
    score: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class TryOnMethod(Protocol):
    """The interface the harness runs (see module docstring)."""

    name: str

    def run(self, analysis, prompt: str, category: str, generator) -> MethodOutput: ...


def recolour(
    image: np.ndarray,
    mask: np.ndarray,
    colour_lab: np.ndarray,
    lightness_shift: bool = True,
    max_lightness_std: float | None = RECOLOUR_LIGHTNESS_STD,
) -> np.ndarray:
    """Recolour ``image`` under ``mask`` to ``colour_lab`` keeping its luminance structure.

    In CIELAB every masked pixel gets the colour's a*, b*; its L* becomes
    ``L_colour + k * (L - mean L)``: the light/dark pattern of the input (shading, folds, the
    old garment's print) is kept, centred on the colour's lightness, with its spread ``k``
    limited so the standard deviation of L* is at most ``max_lightness_std`` (default 8 L*
    units; an agnostic region also holds hair, skin and background, whose full contrast would
    push much of the region to lighter or darker palette colours - e.g. red to coral and
    burgundy). Out-of-gamut results are clipped in sRGB.

    Args:
        image: ``(H, W, 3)`` uint8 sRGB.
        mask: ``(H, W)`` bool region to recolour.
        colour_lab: CIELAB ``(3,)`` of the asked colour.
        lightness_shift: centre L* on the colour's lightness (default); False keeps L* as is
            (pure chroma replacement).
        max_lightness_std: cap of L*'s standard deviation after recolouring; None keeps the
            input's full contrast.

    Returns:
        A new uint8 image; pixels outside ``mask`` are ``image``'s, bit for bit.
    """
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"image must be (H, W, 3) uint8, got {image.shape} {image.dtype}")
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != image.shape[:2]:
        raise ValueError(f"mask shape {mask.shape} does not match image {image.shape[:2]}")
    colour_lab = np.asarray(colour_lab, dtype=np.float64).reshape(3)
    out = image.copy()
    if not mask.any():
        return out
    lab = srgb_to_lab(image[mask])
    if lightness_shift:
        deviation = lab[:, 0] - lab[:, 0].mean()
        spread = float(deviation.std())
        if max_lightness_std is not None and spread > max_lightness_std:
            deviation *= max_lightness_std / spread
        lab[:, 0] = colour_lab[0] + deviation
    lab[:, 0] = np.clip(lab[:, 0], 0.0, 100.0)
    lab[:, 1] = colour_lab[1]
    lab[:, 2] = colour_lab[2]
    out[mask] = np.clip(np.round(lab_to_srgb(lab) * 255.0), 0, 255).astype(np.uint8)
    return out


class RecolourBaseline:
    """Recolour the agnostic region with the colour the prompt names (see module docstring).

    Args:
        palette: a palette mapping as :func:`tryon.evaluation.colour.palette_lab` reads it;
            default the world's :data:`tryon.data.palette.PALETTE`.
        dilation: agnostic-mask dilation (fraction of person height), as the pipeline's.
    """

    name = "recolour"

    def __init__(self, palette=None, dilation: float = 0.03):
        self.palette = palette_lab(palette)
        self.dilation = float(dilation)

    def run(self, analysis, prompt: str, category: str, generator=None) -> MethodOutput:
        check_category(category)
        if not isinstance(prompt, str) or not prompt.strip():
            raise ValueError(f"prompt must be a non-empty string, got {prompt!r}")
        mask = analysis.agnostic_mask(category, dilation=self.dilation)
        name = prompt_colour(prompt)
        if name is None or name not in self.palette:
            logger.warning("recolour: no palette colour in prompt %r; image left unchanged", prompt)
            return MethodOutput(analysis.image.copy(), mask, extra={"colour": None})
        image = recolour(analysis.image, mask, self.palette[name])
        return MethodOutput(image, mask, extra={"colour": name})


class GroundTruthMethod:
    """Returns the ground-truth target of a world pair (set ``target`` before each run)."""

    name = "ground-truth"
    needs_target = True

    def __init__(self, dilation: float = 0.03):
        self.dilation = float(dilation)
        self.target: np.ndarray | None = None

    def run(self, analysis, prompt: str, category: str, generator=None) -> MethodOutput:
        if self.target is None:
            raise ValueError("GroundTruthMethod needs .target set to the pair's target image")
        return MethodOutput(self.target.copy(), analysis.agnostic_mask(category, self.dilation))


class AutoencoderMethod:
    """The pair's target through ``pipeline``'s VAE, composited as the pipeline composites its
    renders (set ``target`` before each run; see module docstring).

    Args:
        pipeline: a loaded :class:`tryon.pipeline.TryOnPipeline`; its recipe's mask dilation,
            crop margin, feather and working size are used.
        name: label in reports.
        through_vae: False skips the encode and decode: the target is only resized to the
            working size and back, the ceiling the crop's resolution alone sets.
        background_tolerance: ``(low, high)`` ΔE*ab of the pipeline's background restore,
            applied as the pipeline applies it, or None (default) for none.
        colour_lock: lock the garment's base colour to the colour the prompt names, as the
            pipeline's ``colour_lock`` does (default off).
    """

    needs_target = True

    def __init__(
        self,
        pipeline,
        name: str,
        through_vae: bool = True,
        background_tolerance: tuple[float, float] | None = None,
        colour_lock: bool = False,
    ):
        self.pipeline = pipeline
        self.name = name
        self.through_vae = bool(through_vae)
        self.background_tolerance = background_tolerance
        self.colour_lock = bool(colour_lock)
        self.target: np.ndarray | None = None

    def run(self, analysis, prompt: str, category: str, generator=None) -> MethodOutput:
        from tryon.pipeline.conditioning import (
            AGNOSTIC_FILL,
            decode_latents,
            encode_latents,
            image_to_tensor,
            tensor_to_images,
        )
        from tryon.pipeline.crop import crop_resize

        if self.target is None:
            raise ValueError("AutoencoderMethod needs .target set to the pair's target image")
        if self.target.shape != analysis.image.shape:
            raise ValueError(
                f"target shape {self.target.shape} differs from the photo's {analysis.image.shape}"
            )
        pipe = self.pipeline
        prepared = pipe.prepare(analysis, category)
        crop = crop_resize(self.target, prepared.box, prepared.size, fill=AGNOSTIC_FILL)
        if self.through_vae:
            device = pipe._execution_device
            latents = encode_latents(pipe.vae, image_to_tensor(crop), device)
            decoded = decode_latents(pipe.vae, latents, device).float().clamp(-1.0, 1.0)
            crop = tensor_to_images(decoded)[0]
        lock = lock_target(prompt) if self.colour_lock else None
        return MethodOutput(
            prepared.composite(crop, self.background_tolerance, lock), prepared.mask
        )


class PipelineMethod:
    """A :class:`tryon.pipeline.TryOnPipeline` run with fixed settings.

    Args:
        pipeline: the loaded pipeline.
        name: label in reports.
        call_kwargs: keyword arguments for every ``pipeline(...)`` call (``num_inference_steps``,
            ``guidance_scale``, ``refine``, ...).

    Region preservation is measured outside the mask the pipeline drew
    (:meth:`tryon.pipeline.TryOnPipeline.agnostic_mask`, its recipe's).
    """

    def __init__(self, pipeline, name: str, call_kwargs: dict[str, Any] | None = None):
        self.pipeline = pipeline
        if hasattr(pipeline, "set_progress_bar_config"):
            pipeline.set_progress_bar_config(disable=True)  # the harness shows one per split
        self.name = name
        self.call_kwargs = dict(call_kwargs or {})

    @property
    def matcher(self):
        return getattr(self.pipeline, "matcher", None)

    def run(self, analysis, prompt: str, category: str, generator=None) -> MethodOutput:
        out = self.pipeline(
            analysis,
            prompt,
            category=category,
            generator=generator,
            output_type="np",
            **self.call_kwargs,
        )
        image = _first_image(out.images)
        scores = getattr(out, "scores", None)
        score = None
        if scores is not None and len(scores):
            score = float(np.asarray(scores).reshape(-1)[0])
        mask = self.pipeline.agnostic_mask(analysis, category)
        return MethodOutput(image, mask, score=score)


def _first_image(images) -> np.ndarray:
    """First image of a pipeline output (list of PIL/uint8 arrays, or float array in [0, 1])."""
    first = images[0] if isinstance(images, (list, tuple)) else np.asarray(images)[0]
    arr = np.asarray(first)
    if arr.dtype != np.uint8:
        arr = np.clip(np.round(arr.astype(np.float64) * 255.0), 0, 255).astype(np.uint8)
    if arr.ndim != 3 or arr.shape[-1] != 3:
        raise ValueError(f"pipeline returned an image of shape {arr.shape}, expected (H, W, 3)")
    return arr
