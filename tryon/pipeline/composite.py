"""Feathered compositing of the generated region into the original photo.

The generated image replaces the photo only inside the agnostic mask, with a soft edge that
fades *inwards* from the mask's border (a distance-transform ramp with a smoothstep profile,
the usual feathered-mask blend): the blend weight is exactly 0 on and outside the border, so
every pixel outside the mask is the input's, bit for bit, and exactly 1 deeper than ``radius``
inside.
"""

from __future__ import annotations

import cv2
import numpy as np


def feather_mask(mask: np.ndarray, radius: float) -> np.ndarray:
    """Blend weights that ramp from 0 at the mask's edge to 1 at ``radius`` pixels inside.

    Args:
        mask: ``(H, W)`` bool, True where the generated image goes.
        radius: feather width in pixels, >= 0; 0 gives the hard mask.

    Returns:
        ``(H, W)`` float32 in ``[0, 1]``; exactly 0 where ``mask`` is False.
    """
    mask = np.asarray(mask)
    if mask.ndim != 2 or mask.dtype != np.bool_:
        raise ValueError(f"mask must be a 2-D bool array, got {mask.dtype} {mask.shape}")
    if not np.isfinite(radius) or radius < 0:
        raise ValueError(f"radius must be >= 0, got {radius!r}")
    if radius == 0 or not mask.any():
        return mask.astype(np.float32)
    # Distance (pixels) from each mask pixel to the nearest pixel outside the mask; pixels on
    # the photo border count as next to the outside only if the mask touches it there, which
    # we do not want to feather (nothing to blend with), so pad with the mask's own value.
    padded = np.pad(mask, 1, mode="edge").astype(np.uint8)
    distance = cv2.distanceTransform(padded, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)[1:-1, 1:-1]
    t = np.clip((distance - 0.5) / radius, 0.0, 1.0)
    weight = (t * t * (3.0 - 2.0 * t)).astype(np.float32)
    weight[~mask] = 0.0
    return weight


def composite(original: np.ndarray, generated: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """``original * (1 - weight) + generated * weight``, rounded, for uint8 RGB images.

    Args:
        original, generated: ``(H, W, 3)`` uint8, same shape.
        weight: ``(H, W)`` float in ``[0, 1]`` (see :func:`feather_mask`).

    Returns:
        ``(H, W, 3)`` uint8. Where ``weight == 0`` it is ``original`` exactly, where
        ``weight == 1`` it is ``generated`` exactly.
    """
    original = np.asarray(original)
    generated = np.asarray(generated)
    weight = np.asarray(weight, dtype=np.float32)
    if original.dtype != np.uint8 or generated.dtype != np.uint8:
        raise TypeError("original and generated must be uint8 images")
    if original.shape != generated.shape or original.ndim != 3:
        raise ValueError(
            f"original and generated must be (H, W, 3) of one shape, got {original.shape} and "
            f"{generated.shape}"
        )
    if weight.shape != original.shape[:2]:
        raise ValueError(f"weight must have shape {original.shape[:2]}, got {weight.shape}")
    w = np.clip(weight, 0.0, 1.0)[..., None]
    blended = original.astype(np.float32) * (1.0 - w) + generated.astype(np.float32) * w
    out = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
    keep = weight <= 0.0
    out[keep] = original[keep]
    return out
