"""Colour lock: anchor the rendered garment's base colour to the colour asked for.

A small latent model drifts towards a colour's neighbours: red comes out burgundy, khaki grey,
white mint. Part of it is the VAE, which alone costs about 12 points of colour accuracy on a
round trip of the true targets (``benchmarks/results/autoencoder``); part is the UNet. A shop
needs the colour of the SKU, so the pipeline corrects the drift after decoding:

1. **Target.** The colour the prompt names (:func:`prompt_colour`, synonyms understood: "wine"
   is burgundy) or one given explicitly (:func:`parse_colour`: a palette name, ``"#RRGGBB"`` or
   an ``(r, g, b)`` triple), as CIELAB.
2. **Base colour.** Among the render's pixels inside the agnostic mask (minus the clean plate
   where the render is still the photo's background: :func:`tryon.pipeline.composite.lock_region`;
   a hem drawn wider than the photo's clothes stays in), those within :data:`SEARCH` ΔE*ab of
   the target, not within :data:`SKIN_EXCLUSION` of the person's skin tone (measured on the
   face, outside the mask) and not within :data:`BACKGROUND_EXCLUSION` of the photo's
   background tone (:func:`background_tone`, measured in the crop box off the person: a haze
   of the wall the model left where a longer garment was is not the garment) are binned in
   CIELAB; the fullest bin, refined by a few mean-shift
   steps, is the garment's base colour. If fewer than :data:`MIN_FRACTION` of the region's
   pixels qualify, the model drew something else (another garment, skin) and the render is
   left as it is: the lock corrects drift, it does not paint a garment the model did not draw.
3. **Shift.** Every region pixel whose neighbourhood colour (CIELAB blurred with a Gaussian of
   :data:`SMOOTH` pixels, so a weave moves as one) is near the base colour (weight 1 within
   ``RADIUS[0]``, a smoothstep to 0 at ``RADIUS[1]``; and 0 where the pixel itself is closer
   to the skin or background tone than its neighbourhood is to the base) moves by
   ``STRENGTH * weight * (target - base)`` in CIELAB. Shading, folds and a pattern's second
   colour keep their offsets from the base, so they survive.

When the prompt also names a print's colour ("tan with cobalt stripes"), a **print lock**
(:func:`lock_print`) runs first. A small model blurs a fine print into its base, and the
blend (tan and cobalt make grey) is often too far from either colour for the base lock to find
it. Pixels whose neighbourhood colour lies near the segment from the base colour to the print
colour are the garment's; each one's place along that segment is compared with its
neighbourhood's, and those that stand out towards the print colour are print, the rest base.
Each moves :data:`PRINT_STRENGTH` of the way to its own colour, keeping its offset from the
segment (shading), and the base lock then corrects what drift is left.

All distances are CIE76 ΔE*ab in OpenCV's float CIELAB (D65, L* in ``[0, 100]``); the base
lock can count L* at less than full weight (:data:`LIGHTNESS`, 1 as shipped: half weight gained
nothing on validation, ``benchmarks/results/colour-misses``). The constants were chosen on the
``val`` split (``benchmarks/results/colour-lock``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import cv2
import numpy as np

logger = logging.getLogger(__name__)

#: ΔE*ab around the target within which the render's pixels may be the garment's base colour.
SEARCH = 35.0
#: ΔE*ab from the base colour: full shift within the first, none beyond the second.
RADIUS = (16.0, 35.0)
#: Gaussian sigma (pixels) of the colour the fall-off is measured on: a weave or fine print
#: moves with the garment around it instead of being flattened thread by thread.
SMOOTH = 2.0
#: Fraction of the base-to-target offset applied: the rest of the model's drift is kept,
#: which costs a little colour and spares more prints and garment types (the sweep).
STRENGTH = 0.75
#: Weight of L* in the base lock's colour distances (search, mean shift, fall-off, skin guard):
#: below 1 a render drawn too dark or too light (the model's commonest drift) is still found
#: and moved, as CMC l:c = 2:1 forgives lightness in textile matching. 1: CIE76 ΔE*ab.
LIGHTNESS = 1.0
#: Pixels within this ΔE*ab of the skin tone never count towards the base colour.
SKIN_EXCLUSION = 10.0
#: Pixels within this ΔE*ab of the photo's background tone never count towards the base colour:
#: where the model hazed a region over with the wall (a long skirt left as a ghost under a mini
#: dress), the haze is not the garment, however near the asked colour it lies. Only when the
#: asked colour is more than twice this from the wall: a white shirt on a white backdrop is
#: locked as before, its haze and its cloth being one colour.
BACKGROUND_EXCLUSION = 10.0
#: Fraction of the region's pixels that must lie near the target for the lock to act.
MIN_FRACTION = 0.05
#: At most about this many pixels enter the base-colour search (evenly strided beyond it).
MAX_SEARCH_PIXELS = 200_000
#: CIELAB bin size for the base-colour search, and its mean-shift radius and iterations.
_BIN = 6.0
_MEAN_SHIFT_RADIUS = 12.0
_MEAN_SHIFT_STEPS = 6
#: Softness (ΔE*ab) of the skin guard: how much closer to the skin a pixel must be to drop out.
_SKIN_SOFTNESS = 6.0
#: ΔE*ab from the base-to-print segment (neighbourhood colour): a pixel counts fully as the
#: print lock's garment within the first, not at all beyond the second.
PRINT_RADIUS = (20.0, 35.0)
#: Gaussian sigma (pixels) of the neighbourhood a pixel's place along the segment is compared
#: with: wider than a dot or a stripe, narrower than the garment.
PRINT_LEVEL_SIGMA = 6.0
#: How far (as a fraction of the segment) a pixel must stand out towards the print colour from
#: its neighbourhood to be print: not at all at the first, fully at the second.
PRINT_CONTRAST = (0.1, 0.25)
#: Fraction of the way each pixel moves to its colour (base or print); the base lock follows.
#: 0.75 on the known-region start's renders (0.5 before: benchmarks/results/known-start).
PRINT_STRENGTH = 0.75
_HEX = re.compile(r"^#([0-9a-fA-F]{6})$")


def rgb_to_lab(image: np.ndarray) -> np.ndarray:
    """uint8 sRGB ``(..., 3)`` -> float32 CIELAB ``(..., 3)`` (L* in ``[0, 100]``)."""
    rgb = np.asarray(image, dtype=np.float32).reshape(-1, 1, 3) / 255.0
    if rgb.size == 0:  # OpenCV refuses empty input; no pixels, no colours
        return rgb.reshape(np.shape(image))
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab).reshape(np.shape(image))


def lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """float CIELAB ``(..., 3)`` -> uint8 sRGB ``(..., 3)`` (out-of-gamut values clipped)."""
    lab = np.asarray(lab, dtype=np.float32)
    if lab.size == 0:  # OpenCV refuses empty input: a lock that moves no pixel writes none
        return np.zeros(lab.shape, dtype=np.uint8)
    rgb = cv2.cvtColor(lab.reshape(-1, 1, 3), cv2.COLOR_Lab2RGB).reshape(lab.shape)
    return np.clip(np.rint(rgb * 255.0), 0, 255).astype(np.uint8)


def prompt_colour(prompt: str) -> str | None:
    """The palette colour a garment description names first (synonyms understood:
    ``"a wine skirt"`` -> ``"burgundy"``), or None when it names none."""
    from tryon.data.captions import parse_caption

    return parse_caption(prompt).get("colour")


def parse_colour(value) -> np.ndarray:
    """A colour given by a user -> CIELAB float32 ``(3,)``.

    Args:
        value: a palette colour or synonym (``"navy"``, ``"wine"``), ``"#RRGGBB"``, or an
            ``(r, g, b)`` triple of ints in ``[0, 255]``.

    Raises:
        ValueError / TypeError naming the problem.
    """
    if isinstance(value, str):
        match = _HEX.match(value.strip())
        if match:
            rgb = [int(match.group(1)[i : i + 2], 16) for i in (0, 2, 4)]
            return rgb_to_lab(np.array(rgb, dtype=np.uint8))
        from tryon.data.palette import colour

        name = prompt_colour(value)
        if name is None or not value.strip():
            raise ValueError(
                f"unknown colour {value!r}: give a palette colour (e.g. 'navy'), '#RRGGBB' "
                "or an (r, g, b) triple"
            )
        return np.asarray(colour(name).lab, dtype=np.float32)
    if isinstance(value, (tuple, list, np.ndarray)):
        arr = np.asarray(value)
        if arr.shape != (3,) or not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(f"an (r, g, b) colour must be three ints, got {value!r}")
        if arr.min() < 0 or arr.max() > 255:
            raise ValueError(f"(r, g, b) values must lie in [0, 255], got {value!r}")
        return rgb_to_lab(arr.astype(np.uint8))
    raise TypeError(
        f"a colour must be a name, '#RRGGBB' or an (r, g, b) triple, got {type(value).__name__}"
    )


@dataclass(frozen=True)
class LockTarget:
    """What a render's garment is locked to.

    Attributes:
        base: CIELAB ``(3,)`` of the garment's base colour.
        print: CIELAB ``(3,)`` of its print's (dots', stripes', checks', flowers') colour, or
            None: the base lock alone runs.
    """

    base: np.ndarray
    print: np.ndarray | None = None


def lock_target(prompt: str | None, garment_colour=None) -> LockTarget | None:
    """The :class:`LockTarget` of a try-on: the base colour is ``garment_colour`` when given
    (:func:`parse_colour`), else the colour ``prompt`` names; the print colour is the second
    colour the prompt names ("navy with white dots"). None when there is no base colour."""
    from tryon.data.captions import parse_caption

    attributes = parse_caption(prompt) if prompt else {}
    if garment_colour is not None:
        base = parse_colour(garment_colour)
    elif attributes.get("colour") is not None:
        base = parse_colour(attributes["colour"])
    else:
        return None
    second = attributes.get("colour2")
    return LockTarget(base, None if second is None else parse_colour(second))


def _median_tone(image: np.ndarray, where: np.ndarray) -> np.ndarray | None:
    """Median CIELAB ``(3,)`` of ``image`` (``(H, W, 3)`` uint8) under ``where`` (``(H, W)``
    bool), or None with fewer than 20 pixels."""
    where = np.asarray(where, dtype=bool)
    if where.sum() < 20:
        return None
    return np.median(rgb_to_lab(np.asarray(image)[where]), axis=0).astype(np.float32)


def skin_tone(image: np.ndarray, face: np.ndarray) -> np.ndarray | None:
    """Median CIELAB ``(3,)`` of ``image`` (``(H, W, 3)`` uint8) under ``face`` (``(H, W)``
    bool: the face pixels outside the agnostic mask), or None with fewer than 20 pixels."""
    return _median_tone(image, face)


def background_tone(image: np.ndarray, background: np.ndarray) -> np.ndarray | None:
    """Median CIELAB ``(3,)`` of ``image`` (``(H, W, 3)`` uint8) under ``background``
    (``(H, W)`` bool: the photo's background around the person, e.g. the crop box off the
    grown person mask), or None with fewer than 20 pixels."""
    return _median_tone(image, background)


def guarded_background(target: np.ndarray, background: np.ndarray | None) -> np.ndarray | None:
    """The background tone the base lock guards for ``target`` (CIELAB ``(3,)`` each):
    ``background`` itself, or None when the asked colour lies within
    ``2 * BACKGROUND_EXCLUSION`` of it (a white shirt on a white backdrop: there a haze of the
    wall cannot be told from the cloth, and excluding it would leave nothing to lock)."""
    if background is None:
        return None
    distance = np.linalg.norm(np.asarray(target, np.float32) - np.asarray(background, np.float32))
    return None if distance <= 2 * BACKGROUND_EXCLUSION else background


def _check_image_region(image, region) -> tuple[np.ndarray, np.ndarray]:
    """``image`` as an ``(H, W, 3)`` uint8 array and ``region`` as ``(H, W)`` bool, or a
    ValueError naming what is wrong."""
    image = np.asarray(image)
    region = np.asarray(region)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"image must be (H, W, 3) uint8, got {image.shape} {image.dtype}")
    if region.dtype != np.bool_ or region.shape != image.shape[:2]:
        raise ValueError(f"region must be a bool array of shape {image.shape[:2]}")
    return image, region


def _check_falloff(name: str, falloff) -> tuple[float, float]:
    """A ``(full, none)`` fall-off with ``0 <= full < none``, as floats."""
    full, none = (float(r) for r in falloff)
    if not (np.isfinite(full) and np.isfinite(none) and 0 <= full < none):
        raise ValueError(f"{name} must be (full, none) with 0 <= full < none, got {falloff!r}")
    return full, none


def _check_smooth_strength(smooth: float, strength: float) -> None:
    if not np.isfinite(smooth) or smooth < 0:
        raise ValueError(f"smooth must be >= 0, got {smooth!r}")
    if not 0 <= strength <= 1:
        raise ValueError(f"strength must be in [0, 1], got {strength!r}")


def _region_box(region: np.ndarray) -> tuple[tuple[slice, slice], np.ndarray]:
    """The bounding box of a non-empty ``region`` (a slice pair) and the region within it:
    the locks work on that window only."""
    rows, cols = np.nonzero(region)
    box = np.s_[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    return box, region[box]


def _tone_guard(
    lab: np.ndarray, tone: np.ndarray, distance: np.ndarray, lightness: float = 1.0
) -> np.ndarray:
    """Weight in ``[0, 1]`` per pixel of ``lab`` (``(h, w, 3)`` CIELAB): 0 where the pixel is
    nearer the ``tone`` (the skin's, the background's) than ``distance`` (``(h, w)``, its
    neighbourhood's distance from the garment colour the lock moves, with L* weighted by
    ``lightness``), 1 where it is clearly farther (:data:`_SKIN_SOFTNESS`)."""
    to_tone = _distance(lab, tone, lightness)
    return _smoothstep((to_tone - distance) / _SKIN_SOFTNESS + 0.5)


def _write_moved(
    out: np.ndarray, box: tuple[slice, slice], moved: np.ndarray, shifted: np.ndarray
) -> None:
    """Write ``shifted`` (CIELAB of the window ``box``) into ``out`` (uint8 RGB) where
    ``moved``. The other pixels skip the Lab round trip: bit-exact, not +-1."""
    window = out[box]
    window[moved] = lab_to_rgb(shifted[moved])


def _distance(lab: np.ndarray, other: np.ndarray, lightness: float = 1.0) -> np.ndarray:
    """CIELAB distance over the last axis with L* differences scaled by ``lightness`` (1:
    CIE76 ΔE*ab)."""
    diff = np.asarray(lab, dtype=np.float32) - np.asarray(other, dtype=np.float32)
    if lightness != 1.0:
        diff = diff * np.array([lightness, 1.0, 1.0], dtype=np.float32)
    return np.linalg.norm(diff, axis=-1)


def _smoothstep(t: np.ndarray) -> np.ndarray:
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def base_colour(
    pixels: np.ndarray,
    target: np.ndarray,
    skin: np.ndarray | None = None,
    search: float = SEARCH,
    lightness: float = LIGHTNESS,
    background: np.ndarray | None = None,
) -> np.ndarray | None:
    """The garment's base colour among ``pixels`` (``(N, 3)`` CIELAB), searched within
    ``search`` of ``target`` (ΔE*ab with L* weighted by ``lightness``; see the module
    docstring), pixels within :data:`SKIN_EXCLUSION` of ``skin`` and
    :data:`BACKGROUND_EXCLUSION` of ``background`` (CIELAB ``(3,)`` tones, or None) left out;
    None when too few pixels lie near it."""
    pixels = np.asarray(pixels, dtype=np.float32).reshape(-1, 3)
    near = _distance(pixels, target, lightness) < search
    if skin is not None:
        near &= np.linalg.norm(pixels - skin, axis=1) > SKIN_EXCLUSION
    if background is not None:
        near &= np.linalg.norm(pixels - background, axis=1) > BACKGROUND_EXCLUSION
    candidates = pixels[near]
    if len(candidates) == 0 or len(candidates) < MIN_FRACTION * len(pixels):
        return None
    # A large photo's region can hold millions of pixels; a deterministic stride keeps the
    # search fast and leaves regions up to MAX_SEARCH_PIXELS (a 512x384 world image's is
    # ~25k) exactly as they are.
    candidates = candidates[:: max(1, len(candidates) // MAX_SEARCH_PIXELS)]
    bins = np.floor(candidates / _BIN).astype(np.int64)
    _, inverse, counts = np.unique(bins, axis=0, return_inverse=True, return_counts=True)
    centre = candidates[inverse.reshape(-1) == np.argmax(counts)].mean(axis=0)
    for _ in range(_MEAN_SHIFT_STEPS):
        close = _distance(candidates, centre, lightness) < _MEAN_SHIFT_RADIUS
        if not close.any():
            break
        centre = candidates[close].mean(axis=0)
    return centre.astype(np.float32)


def lock_colour(
    image: np.ndarray,
    region: np.ndarray,
    target: np.ndarray,
    skin: np.ndarray | None = None,
    search: float = SEARCH,
    radius: tuple[float, float] = RADIUS,
    smooth: float = SMOOTH,
    strength: float = STRENGTH,
    lightness: float = LIGHTNESS,
    background: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Shift the garment's base colour inside ``region`` to ``target`` (module docstring).

    Args:
        image: ``(H, W, 3)`` uint8 render (pasted at the photo's size).
        region: ``(H, W)`` bool, where the garment may be
            (:func:`tryon.pipeline.composite.lock_region`).
        target: CIELAB ``(3,)`` of the asked colour (:func:`parse_colour`).
        skin: CIELAB ``(3,)`` skin tone (:func:`skin_tone`), or None.
        search: ΔE*ab around ``target`` searched for the base colour (:data:`SEARCH`).
        radius: ``(full, none)`` ΔE*ab from the base colour, ``0 <= full < none``: pixels
            within ``full`` shift all the way, beyond ``none`` not at all (:data:`RADIUS`).
        smooth: Gaussian sigma in pixels, >= 0, of the colour that distance is measured on
            (:data:`SMOOTH`; 0: each pixel's own).
        strength: fraction of the base-to-target offset applied, in ``[0, 1]``
            (:data:`STRENGTH`).
        lightness: weight in ``(0, 1]`` of L* in the search, mean-shift, fall-off and skin
            distances (:data:`LIGHTNESS`; 1: CIE76 ΔE*ab). The shift itself is the full
            CIELAB offset.
        background: CIELAB ``(3,)`` of the photo's background (:func:`background_tone`), or
            None. Unless ``target`` lies within ``2 * BACKGROUND_EXCLUSION`` of it, pixels near
            it never make the base colour, and a pixel nearer it than its neighbourhood is to
            the base stays as it is, as with ``skin``.

    Returns:
        ``(locked, base)``: a new uint8 image, equal to ``image`` bit for bit outside
        ``region`` and wherever the shift is zero, and the base colour found (CIELAB
        ``(3,)``), or ``(image copy, None)`` when the render has no base colour near the
        target.
    """
    image, region = _check_image_region(image, region)
    target = np.asarray(target, dtype=np.float32).reshape(3)
    full, none = _check_falloff("radius", radius)
    if not np.isfinite(search) or search <= 0:
        raise ValueError(f"search must be > 0, got {search!r}")
    if not 0 < lightness <= 1:
        raise ValueError(f"lightness must be in (0, 1], got {lightness!r}")
    _check_smooth_strength(smooth, strength)
    out = image.copy()
    if not region.any():
        return out, None
    background = guarded_background(target, background)
    box, inside = _region_box(region)
    lab = rgb_to_lab(image[box])
    base = base_colour(lab[inside], target, skin, search, lightness, background)
    if base is None:
        logger.info("colour lock: no garment colour near the target in the render; left as is")
        return out, None
    local = cv2.GaussianBlur(lab, (0, 0), smooth) if smooth > 0 else lab
    distance = _distance(local, base, lightness)
    weight = 1.0 - _smoothstep((distance - full) / (none - full))
    if skin is not None:  # a pixel nearer the skin tone than the base stays skin
        weight *= _tone_guard(lab, skin, distance, lightness)
    if background is not None:  # and one nearer the wall than the base stays a haze
        weight *= _tone_guard(lab, background, distance, lightness)
    shifted = lab + (strength * weight)[..., None] * (target - base)
    _write_moved(out, box, inside & (weight > 0), shifted)
    return out, base


def lock_print(
    image: np.ndarray,
    region: np.ndarray,
    base: np.ndarray,
    print_colour: np.ndarray,
    skin: np.ndarray | None = None,
    radius: tuple[float, float] = PRINT_RADIUS,
    level_sigma: float = PRINT_LEVEL_SIGMA,
    contrast: tuple[float, float] = PRINT_CONTRAST,
    smooth: float = SMOOTH,
    strength: float = PRINT_STRENGTH,
) -> tuple[np.ndarray, bool]:
    """Pull a two-colour garment's pixels apart into its base and print colours (module
    docstring, "print lock").

    Args:
        image: ``(H, W, 3)`` uint8 render (pasted at the photo's size).
        region: ``(H, W)`` bool, where the garment may be
            (:func:`tryon.pipeline.composite.lock_region`).
        base, print_colour: CIELAB ``(3,)`` of the asked base and print colours; they must
            differ.
        skin: CIELAB ``(3,)`` skin tone (:func:`skin_tone`), or None. A pixel nearer the skin
            tone than its neighbourhood is to the segment stays as it is.
        radius: ``(full, none)`` ΔE*ab of a pixel's neighbourhood colour from the base-to-print
            segment: full weight within ``full``, none beyond ``none`` (:data:`PRINT_RADIUS`).
        level_sigma: Gaussian sigma in pixels, > 0, of the neighbourhood a pixel's place along
            the segment is compared with (:data:`PRINT_LEVEL_SIGMA`).
        contrast: ``(none, full)`` excess of a pixel's place over its neighbourhood's, as a
            fraction of the segment, at which it is not print / fully print
            (:data:`PRINT_CONTRAST`).
        smooth: Gaussian sigma in pixels, >= 0, of the neighbourhood colour the distance to the
            segment is measured on (:data:`SMOOTH`).
        strength: fraction of the way to its colour each pixel moves, in ``[0, 1]``
            (:data:`PRINT_STRENGTH`).

    Returns:
        ``(locked, acted)``: a new uint8 image, equal to ``image`` bit for bit outside
        ``region`` and wherever the weight is zero, and whether the lock acted: it leaves the
        render as it is when fewer than :data:`MIN_FRACTION` of the region's pixels lie near
        the segment.
    """
    image, region = _check_image_region(image, region)
    base = np.asarray(base, dtype=np.float32).reshape(3)
    axis = np.asarray(print_colour, dtype=np.float32).reshape(3) - base
    length2 = float(axis @ axis)
    if length2 < 1e-6:
        raise ValueError("the base and print colours are the same: nothing to pull apart")
    full, none = _check_falloff("radius", radius)
    low, high = _check_falloff("contrast", contrast)
    if not np.isfinite(level_sigma) or level_sigma <= 0:
        raise ValueError(f"level_sigma must be > 0, got {level_sigma!r}")
    _check_smooth_strength(smooth, strength)
    out = image.copy()
    if not region.any():
        return out, False
    box, inside = _region_box(region)
    lab = rgb_to_lab(image[box])
    local = cv2.GaussianBlur(lab, (0, 0), smooth) if smooth > 0 else lab
    # distance of the neighbourhood colour from the segment base -> print
    along_local = np.clip((local - base) @ axis / length2, 0.0, 1.0)
    to_segment = np.linalg.norm(local - base - along_local[..., None] * axis, axis=-1)
    weight = (1.0 - _smoothstep((to_segment - full) / (none - full))) * inside
    if skin is not None:  # a pixel nearer the skin tone than the segment stays skin
        weight *= _tone_guard(lab, skin, to_segment)
    if np.count_nonzero(weight > 0.5) < MIN_FRACTION * np.count_nonzero(inside):
        logger.info("print lock: too little of the render near the asked colours; left as is")
        return out, False
    # each pixel's place along the segment (0 base, 1 print) against its garment neighbourhood's
    along = ((lab - base) @ axis / length2).astype(np.float32)
    weight = weight.astype(np.float32)
    level = cv2.GaussianBlur(along * weight, (0, 0), level_sigma) / np.maximum(
        cv2.GaussianBlur(weight, (0, 0), level_sigma), 1e-6
    )
    is_print = _smoothstep((along - level - low) / (high - low))
    offset = lab - base - along[..., None] * axis  # shading: the part off the segment
    wanted = base + is_print[..., None] * axis + offset
    shifted = lab + (strength * weight)[..., None] * (wanted - lab)
    _write_moved(out, box, inside & (weight > 0), shifted)
    return out, True


def lock_garment(
    image: np.ndarray,
    region: np.ndarray,
    target: LockTarget,
    skin: np.ndarray | None = None,
    background: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """The colour lock as the pipeline runs it: :func:`lock_print` when ``target`` names a
    print colour (different from the base), then :func:`lock_colour` (with the ``background``
    tone's guard), with the shipped settings. ``image``: ``(H, W, 3)`` uint8; ``region``:
    ``(H, W)`` bool. Returns ``(locked, base)``: a new image, bit-exact outside ``region``,
    and the base colour the lock found (CIELAB ``(3,)``), or None when the render holds
    nothing near the asked colour (then only a print colour may have moved)."""
    if target.print is not None and not np.allclose(target.print, target.base):
        image = lock_print(image, region, target.base, target.print, skin)[0]
    return lock_colour(image, region, target.base, skin, background=background)
