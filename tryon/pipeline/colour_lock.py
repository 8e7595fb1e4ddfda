"""Colour lock: anchor the rendered garment's base colour to the colour asked for.

A small latent model drifts towards a colour's neighbours: red comes out burgundy, khaki grey,
white mint. Part of it is the VAE, which alone costs about 12 points of colour accuracy on a
round trip of the true targets (``benchmarks/results/autoencoder``); part is the UNet. A shop
needs the colour of the SKU, so the pipeline corrects the drift after decoding:

1. **Target.** The colour the prompt names (:func:`prompt_colour`, synonyms understood: "wine"
   is burgundy) or one given explicitly (:func:`parse_colour`: a palette name, ``"#RRGGBB"`` or
   an ``(r, g, b)`` triple), as CIELAB.
2. **Base colour.** Among the render's pixels inside the agnostic mask (minus the clean plate:
   the background there is the photo's, not the garment's), those within :data:`SEARCH` ΔE*ab of
   the target and not within :data:`SKIN_EXCLUSION` of the person's skin tone (measured on the
   face, outside the mask) are binned in CIELAB; the fullest bin, refined by a few mean-shift
   steps, is the garment's base colour. If fewer than :data:`MIN_FRACTION` of the region's
   pixels qualify, the model drew something else (another garment, skin) and the render is
   left as it is: the lock corrects drift, it does not paint a garment the model did not draw.
3. **Shift.** Every region pixel whose neighbourhood colour (CIELAB blurred with a Gaussian of
   :data:`SMOOTH` pixels, so a weave moves as one) is near the base colour (weight 1 within
   ``RADIUS[0]``, a smoothstep to 0 at ``RADIUS[1]``; and 0 where the pixel itself is closer
   to the skin tone than its neighbourhood is to the base) moves by
   ``STRENGTH * weight * (target - base)`` in CIELAB. Shading, folds and a pattern's second
   colour keep their offsets from the base, so they survive.

All distances are CIE76 ΔE*ab in OpenCV's float CIELAB (D65, L* in ``[0, 100]``). The
constants were chosen on the ``val`` split (``benchmarks/results/colour-lock``).
"""

from __future__ import annotations

import logging
import re

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
#: Pixels within this ΔE*ab of the skin tone never count towards the base colour.
SKIN_EXCLUSION = 10.0
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
_HEX = re.compile(r"^#([0-9a-fA-F]{6})$")


def rgb_to_lab(image: np.ndarray) -> np.ndarray:
    """uint8 sRGB ``(..., 3)`` -> float32 CIELAB ``(..., 3)`` (L* in ``[0, 100]``)."""
    rgb = np.asarray(image, dtype=np.float32).reshape(-1, 1, 3) / 255.0
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab).reshape(np.shape(image))


def lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """float CIELAB ``(..., 3)`` -> uint8 sRGB ``(..., 3)`` (out-of-gamut values clipped)."""
    lab = np.asarray(lab, dtype=np.float32)
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


def prompt_target(prompt: str) -> np.ndarray | None:
    """CIELAB ``(3,)`` of the colour ``prompt`` names (:func:`prompt_colour`), or None."""
    name = prompt_colour(prompt)
    return None if name is None else parse_colour(name)


def skin_tone(image: np.ndarray, face: np.ndarray) -> np.ndarray | None:
    """Median CIELAB ``(3,)`` of ``image`` (``(H, W, 3)`` uint8) under ``face`` (``(H, W)``
    bool: the face pixels outside the agnostic mask), or None with fewer than 20 pixels."""
    face = np.asarray(face, dtype=bool)
    if face.sum() < 20:
        return None
    return np.median(rgb_to_lab(np.asarray(image)[face]), axis=0).astype(np.float32)


def _smoothstep(t: np.ndarray) -> np.ndarray:
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def base_colour(
    pixels: np.ndarray,
    target: np.ndarray,
    skin: np.ndarray | None = None,
    search: float = SEARCH,
) -> np.ndarray | None:
    """The garment's base colour among ``pixels`` (``(N, 3)`` CIELAB), searched within
    ``search`` ΔE*ab of ``target`` (see the module docstring), or None when too few pixels lie
    near it."""
    pixels = np.asarray(pixels, dtype=np.float32).reshape(-1, 3)
    near = np.linalg.norm(pixels - target, axis=1) < search
    if skin is not None:
        near &= np.linalg.norm(pixels - skin, axis=1) > SKIN_EXCLUSION
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
        close = np.linalg.norm(candidates - centre, axis=1) < _MEAN_SHIFT_RADIUS
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
) -> tuple[np.ndarray, np.ndarray | None]:
    """Shift the garment's base colour inside ``region`` to ``target`` (module docstring).

    Args:
        image: ``(H, W, 3)`` uint8 render (pasted at the photo's size).
        region: ``(H, W)`` bool, where the garment may be (agnostic mask minus clean plate).
        target: CIELAB ``(3,)`` of the asked colour (:func:`parse_colour`).
        skin: CIELAB ``(3,)`` skin tone (:func:`skin_tone`), or None.
        search: ΔE*ab around ``target`` searched for the base colour (:data:`SEARCH`).
        radius: ``(full, none)`` ΔE*ab from the base colour, ``0 <= full < none``: pixels
            within ``full`` shift all the way, beyond ``none`` not at all (:data:`RADIUS`).
        smooth: Gaussian sigma in pixels, >= 0, of the colour that distance is measured on
            (:data:`SMOOTH`; 0: each pixel's own).
        strength: fraction of the base-to-target offset applied, in ``[0, 1]``
            (:data:`STRENGTH`).

    Returns:
        ``(locked, base)``: a new uint8 image, equal to ``image`` bit for bit outside
        ``region`` and wherever the shift is zero, and the base colour found (CIELAB
        ``(3,)``), or ``(image copy, None)`` when the render has no base colour near the
        target.
    """
    image = np.asarray(image)
    region = np.asarray(region)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"image must be (H, W, 3) uint8, got {image.shape} {image.dtype}")
    if region.dtype != np.bool_ or region.shape != image.shape[:2]:
        raise ValueError(f"region must be a bool array of shape {image.shape[:2]}")
    target = np.asarray(target, dtype=np.float32).reshape(3)
    full, none = (float(r) for r in radius)
    if not (np.isfinite(full) and np.isfinite(none) and 0 <= full < none):
        raise ValueError(f"radius must be (full, none) with 0 <= full < none, got {radius!r}")
    if not np.isfinite(search) or search <= 0:
        raise ValueError(f"search must be > 0, got {search!r}")
    if not np.isfinite(smooth) or smooth < 0:
        raise ValueError(f"smooth must be >= 0, got {smooth!r}")
    if not 0 <= strength <= 1:
        raise ValueError(f"strength must be in [0, 1], got {strength!r}")
    out = image.copy()
    if not region.any():
        return out, None
    rows, cols = np.nonzero(region)
    box = np.s_[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    inside = region[box]
    lab = rgb_to_lab(image[box])
    base = base_colour(lab[inside], target, skin, search)
    if base is None:
        logger.info("colour lock: no garment colour near the target in the render; left as is")
        return out, None
    local = cv2.GaussianBlur(lab, (0, 0), smooth) if smooth > 0 else lab
    distance = np.linalg.norm(local - base, axis=-1)
    weight = 1.0 - _smoothstep((distance - full) / (none - full))
    if skin is not None:  # a pixel nearer the skin tone than the base stays skin
        to_skin = np.linalg.norm(lab - skin, axis=-1)
        weight *= _smoothstep((to_skin - distance) / _SKIN_SOFTNESS + 0.5)
    shifted = lab + (strength * weight)[..., None] * (target - base)
    moved = inside & (weight > 0)  # the rest skip the Lab round trip: bit-exact, not +-1
    window = out[box]
    window[moved] = lab_to_rgb(shifted[moved])
    return out, base
