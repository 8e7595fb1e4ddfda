"""Feathered compositing of the generated region into the original photo.

The generated image replaces the photo only inside the agnostic mask, with a soft edge that
fades *inwards* from the mask's border (a distance-transform ramp with a smoothstep profile,
the usual feathered-mask blend): the blend weight is exactly 0 on and outside the border, so
every pixel outside the mask is the input's, bit for bit, and exactly 1 deeper than ``radius``
inside.

Inside the mask, where the photo showed background (the *clean plate*: no person there), the
model may leave a haze instead of the scene. :func:`restore_background` is a difference matte
against that plate (difference keying, the compositing technique that separates a subject from
a known clean background): where the render is close to the photo's background, the photo's
pixel comes back; where it differs (the new garment or a limb drawn there), the render stays.
A patch near the background that the render walls in on every side, below the hips of a skirt
or dress, is a hole in a garment drawn over the wall (a pale stripe), not the wall:
:func:`garment_holes` finds those, and the restore keeps the render there.
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


def clean_plate(mask: np.ndarray, person_mask: np.ndarray, margin: int) -> np.ndarray:
    """Pixels of ``mask`` where the photo shows background: ``mask`` minus the person mask
    grown by ``margin`` pixels (a person mask's edge pixels mix person and background).

    Args:
        mask: ``(H, W)`` bool agnostic mask.
        person_mask: ``(H, W)`` bool, True on the person.
        margin: person-mask dilation in pixels, >= 0.

    Returns:
        ``(H, W)`` bool.
    """
    mask = np.asarray(mask, dtype=bool)
    person_mask = np.asarray(person_mask, dtype=bool)
    if mask.ndim != 2 or person_mask.shape != mask.shape:
        raise ValueError(
            f"mask and person_mask must be 2-D of one shape, got {mask.shape} and "
            f"{person_mask.shape}"
        )
    if margin < 0:
        raise ValueError(f"margin must be >= 0, got {margin!r}")
    person = person_mask.astype(np.uint8)
    if margin:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * margin + 1, 2 * margin + 1))
        person = cv2.dilate(person, kernel)
    return mask & (person == 0)


#: Smoothed ΔE*ab from the photo above which a clean-plate pixel of a render is garment drawn
#: over the background (a flared hem past the photo's trousers), not the background: the
#: middle of the shipped restore tolerance, so a pixel the restore mostly gave back to the
#: photo is background and one it mostly kept is garment.
DRAWN_OVER_PLATE = 25.0


#: Garment categories whose render can wall in a hole below the hips: a patch of the clean
#: plate the restore would give back, walled in by the render on every side and centred below
#: the hip line, is a hole in a garment drawn over the background (a pale stripe of a skirt
#: near the wall's colour), and the render stays there. On 240 validation renders such patches
#: were the true garment in 92 % of their pixels for ``lower`` and 98 % for ``full`` garments;
#: above the hips they are the real gaps between arm and body (0-11 % garment), and a top's
#: mask barely reaches below them (``benchmarks/results/restore-holes``).
HOLE_CATEGORIES = ("lower", "full")


def enclosed(region: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The 8-connected components of ``region`` that touch no pixel outside ``mask`` (nor the
    image border): ``(H, W)`` bool, inside ``region``. ``region`` and ``mask``: ``(H, W)``
    bool."""
    region = np.asarray(region, dtype=bool)
    mask = np.asarray(mask, dtype=bool)
    if region.ndim != 2 or region.shape != mask.shape:
        raise ValueError(
            f"region and mask must be 2-D of one shape, got {region.shape} and {mask.shape}"
        )
    if not region.any():
        return region.copy()
    _, labels = cv2.connectedComponents(region.astype(np.uint8), connectivity=8)
    # a 1-pixel frame of "outside" makes the border count as outside
    outside = np.pad(~mask, 1, constant_values=True)
    outside = cv2.dilate(outside.astype(np.uint8), np.ones((3, 3), np.uint8))[1:-1, 1:-1] > 0
    return region & ~np.isin(labels, np.unique(labels[outside & region]))


def _check_one_size(generated, photo, mask, plate) -> None:
    if generated.shape != photo.shape or not generated.shape[:2] == mask.shape == plate.shape:
        raise ValueError(
            f"generated {generated.shape}, photo {photo.shape}, mask {mask.shape} and plate "
            f"{plate.shape} must be one (H, W[, 3]) size"
        )


def garment_holes(
    generated: np.ndarray,
    photo: np.ndarray,
    plate: np.ndarray,
    mask: np.ndarray,
    below: float = DRAWN_OVER_PLATE,
    smooth: float = 2.0,
    from_row: float = 0.0,
) -> np.ndarray:
    """Holes in a garment drawn over the background: the plate pixels where the render is
    near the photo (its ΔE*ab to it, smoothed as :func:`restore_background` smooths it, below
    ``below``) in patches that touch nothing outside ``mask`` (:func:`enclosed`) and whose
    centre lies below row ``from_row``, which the restore would give back to the wall though
    the render walls them in (:data:`HOLE_CATEGORIES`).

    Args:
        generated: ``(H, W, 3)`` uint8 render pasted at the photo's size, before the restore.
        photo: ``(H, W, 3)`` uint8 input photo.
        plate: ``(H, W)`` bool, the pixels of ``mask`` where the photo shows background.
        mask: ``(H, W)`` bool agnostic mask.
        below: ΔE*ab, > 0: the middle of the restore's tolerance (:data:`DRAWN_OVER_PLATE`).
        smooth: Gaussian sigma in pixels, >= 0, of the distance (0: each pixel's own).
        from_row: only patches centred below this row (pixels; the hip line,
            :func:`tryon.analysis.agnostic.hip_row`: above it a mask walls in the real gaps
            between arm and body). 0: every patch.

    Returns:
        ``(H, W)`` bool, inside ``plate``.
    """
    generated, photo = np.asarray(generated), np.asarray(photo)
    plate, mask = np.asarray(plate, dtype=bool), np.asarray(mask, dtype=bool)
    _check_one_size(generated, photo, mask, plate)
    if not np.isfinite(below) or below <= 0:
        raise ValueError(f"below must be > 0, got {below!r}")
    if not np.isfinite(smooth) or smooth < 0:
        raise ValueError(f"smooth must be >= 0, got {smooth!r}")
    if not np.isfinite(from_row):
        raise ValueError(f"from_row must be a finite row, got {from_row!r}")
    if not plate.any():
        return plate.copy()
    distance = smoothed_distance(generated, photo, smooth)
    holes = enclosed(plate & (distance < below), mask)
    if from_row > 0 and holes.any():
        _, labels, _, centres = cv2.connectedComponentsWithStats(
            holes.astype(np.uint8), connectivity=8
        )
        low = np.nonzero(centres[1:, 1] > from_row)[0] + 1  # label 0 is the rest
        holes = np.isin(labels, low)
    return holes


def restore_background(
    generated: np.ndarray,
    photo: np.ndarray,
    plate: np.ndarray,
    tolerance: tuple[float, float],
    smooth: float = 2.0,
    keep: np.ndarray | None = None,
) -> np.ndarray:
    """Bring the photo's background back where the render only hazed it (a difference matte).

    On ``plate`` pixels the CIELAB distance (CIE76, OpenCV's 8-bit Lab rescaled to L* in
    ``[0, 100]``) between ``generated`` and ``photo`` is smoothed with a Gaussian of ``smooth``
    pixels (so a matte follows regions, not single-pixel noise) and mapped to a keep-weight
    with a smoothstep from 0 at ``tolerance[0]`` to 1 at ``tolerance[1]``: closer than the low
    end the photo's pixel is restored, farther than the high end the render is kept, in between
    they blend.

    Args:
        generated: ``(H, W, 3)`` uint8 render, pasted at the photo's size.
        photo: ``(H, W, 3)`` uint8 input photo.
        plate: ``(H, W)`` bool, where ``photo`` shows background (:func:`clean_plate`).
        tolerance: ``(low, high)`` colour distances in ΔE*ab units, ``0 <= low < high``.
        smooth: Gaussian sigma in pixels, >= 0 (0: no smoothing).
        keep: ``(H, W)`` bool, where the render stays whatever its distance (the holes of a
            garment drawn over the background, :func:`garment_holes`), and one pixel around
            them, so no step is left between a kept hole and the half-kept edge beside it;
            or None.

    Returns:
        ``(H, W, 3)`` uint8: ``generated`` off the plate, bit for bit; on it, the blend.
    """
    generated = np.asarray(generated)
    photo = np.asarray(photo)
    plate = np.asarray(plate)
    if generated.dtype != np.uint8 or photo.dtype != np.uint8:
        raise TypeError("generated and photo must be uint8 images")
    if generated.shape != photo.shape or generated.ndim != 3 or generated.shape[-1] != 3:
        raise ValueError(
            f"generated and photo must be (H, W, 3) of one shape, got {generated.shape} and "
            f"{photo.shape}"
        )
    if plate.shape != photo.shape[:2] or plate.dtype != np.bool_:
        raise ValueError(
            f"plate must be a bool array of shape {photo.shape[:2]}, got {plate.shape}"
        )
    low, high = (float(t) for t in tolerance)
    if not (np.isfinite(low) and np.isfinite(high) and 0 <= low < high):
        raise ValueError(f"tolerance must be (low, high) with 0 <= low < high, got {tolerance!r}")
    if not np.isfinite(smooth) or smooth < 0:
        raise ValueError(f"smooth must be >= 0, got {smooth!r}")
    if keep is not None and (np.shape(keep) != plate.shape or np.asarray(keep).dtype != bool):
        raise ValueError(f"keep must be a bool array of shape {plate.shape}")
    out = generated.copy()
    if not plate.any():
        return out
    distance = smoothed_distance(generated, photo, smooth)
    t = np.clip((distance - low) / (high - low), 0.0, 1.0)
    weight = t * t * (3.0 - 2.0 * t)
    if keep is not None and keep.any():
        rim = cv2.dilate(keep.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        weight = np.where(rim, np.float32(1.0), weight)
    weight = weight[plate][:, None]
    blended = generated[plate].astype(np.float32) * weight + photo[plate].astype(np.float32) * (
        1.0 - weight
    )
    out[plate] = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
    return out


def lock_region(
    generated: np.ndarray,
    photo: np.ndarray,
    mask: np.ndarray,
    plate: np.ndarray,
    drawn: float = DRAWN_OVER_PLATE,
    smooth: float = 2.0,
    holes: np.ndarray | None = None,
) -> np.ndarray:
    """Where a render's garment may be, for the colour lock: the agnostic mask off the clean
    plate, plus the plate pixels where the render is not the photo's background (its ΔE*ab to
    the photo, smoothed as :func:`restore_background` smooths it, above ``drawn``): the part
    of a garment the model drew wider than the clothes the photo wears, and its ``holes``.

    Args:
        generated: ``(H, W, 3)`` uint8 render pasted at the photo's size (after the
            background restore, when it runs).
        photo: ``(H, W, 3)`` uint8 input photo.
        mask: ``(H, W)`` bool agnostic mask.
        plate: ``(H, W)`` bool, the pixels of ``mask`` where the photo shows background.
        drawn: ΔE*ab, > 0 (:data:`DRAWN_OVER_PLATE`).
        smooth: Gaussian sigma in pixels, >= 0, of the distance (0: each pixel's own).
        holes: ``(H, W)`` bool, the holes of such a garment (:func:`garment_holes`), which
            the restore kept (``restore_background(..., keep=holes)``), or None.

    Returns:
        ``(H, W)`` bool, inside ``mask``.
    """
    generated, photo = np.asarray(generated), np.asarray(photo)
    mask = np.asarray(mask, dtype=bool)
    plate = np.asarray(plate, dtype=bool)
    _check_one_size(generated, photo, mask, plate)
    if not np.isfinite(drawn) or drawn <= 0:
        raise ValueError(f"drawn must be > 0, got {drawn!r}")
    if not np.isfinite(smooth) or smooth < 0:
        raise ValueError(f"smooth must be >= 0, got {smooth!r}")
    if holes is not None and np.shape(holes) != mask.shape:
        raise ValueError(f"holes must be of shape {mask.shape}, got {np.shape(holes)}")
    region = mask & ~plate
    if not plate.any():
        return region
    distance = smoothed_distance(generated, photo, smooth)
    region |= mask & plate & (distance > drawn)
    if holes is not None:
        region |= mask & np.asarray(holes, dtype=bool)
    return region


def smoothed_distance(generated: np.ndarray, photo: np.ndarray, smooth: float) -> np.ndarray:
    """:func:`colour_distance` of the render to the photo, blurred with a Gaussian of sigma
    ``smooth`` pixels (0: each pixel's own), so a matte follows regions, not single-pixel
    noise: ``(H, W)`` float32."""
    distance = colour_distance(generated, photo)
    return cv2.GaussianBlur(distance, (0, 0), smooth) if smooth > 0 else distance


def colour_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-pixel CIELAB distance ΔE*ab (CIE76) of two ``(H, W, 3)`` uint8 sRGB images, as
    ``(H, W)`` float32 (OpenCV's 8-bit Lab, its L* rescaled from 0..255 to 0..100)."""
    lab_a, lab_b = (cv2.cvtColor(x, cv2.COLOR_RGB2LAB).astype(np.float32) for x in (a, b))
    scale = np.array([100.0 / 255.0, 1.0, 1.0], dtype=np.float32)
    return np.linalg.norm((lab_a - lab_b) * scale, axis=-1).astype(np.float32)
