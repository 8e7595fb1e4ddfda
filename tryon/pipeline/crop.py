"""The garment crop: where in the photo the model works, shared by inference and training.

The model sees a crop of the photo at its own resolution, around the garment region, so a
small model spends its pixels on the garment whatever the photo's size. :func:`garment_crop_box`
chooses the box (the one crop function both the pipeline and training use);
:func:`crop_resize`, :func:`crop_keypoints` and :func:`paste_crop` move images, masks and
keypoints between the photo and the crop.

A box is ``(x0, y0, x1, y1)`` in integer photo pixels with exclusive end. It may extend past the
photo's borders when the photo is smaller than the box in one direction; the outside part is
filled (``fill``) when cropping and ignored when pasting.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from tryon.body import KEYPOINT_INDEX, check_keypoints

Box = tuple[int, int, int, int]

# Keypoints whose mean x is the body's midline (the crop is centred on it when visible).
_TORSO = tuple(
    KEYPOINT_INDEX[n] for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")
)
_VISIBLE = 0.5


def _check_size(size: tuple[int, int]) -> tuple[int, int]:
    try:
        height, width = (int(v) for v in size)
    except (TypeError, ValueError):
        raise ValueError(f"size must be (height, width), got {size!r}") from None
    if height <= 0 or width <= 0:
        raise ValueError(f"size must be positive, got {size!r}")
    return height, width


def box_mask(box: Box, shape: tuple[int, int]) -> np.ndarray:
    """``(H, W)`` bool, True inside ``box`` (``(x0, y0, x1, y1)``, exclusive end) where it lies
    on the image of ``shape``; a box reaching past the image is clipped, never wrapped."""
    mask = np.zeros(shape, dtype=bool)
    sx0, sy0, sx1, sy1 = _on_image(check_box(box), shape)
    if sx1 > sx0 and sy1 > sy0:
        mask[sy0:sy1, sx0:sx1] = True
    return mask


def garment_crop_box(
    mask: np.ndarray,
    keypoints: np.ndarray,
    size: tuple[int, int],
    margin: float = 0.1,
) -> Box:
    """Box around the garment region with the aspect ratio of ``size``.

    The box holds the mask's bounding box, widened symmetrically about the body's midline (the
    mean x of the visible shoulders and hips) so the person is centred, padded by ``margin``
    times its longer side on every side, grown (never shrunk) to the aspect ratio of ``size``,
    and shifted to lie inside the photo where it fits. With an empty mask the visible
    keypoints' bounding box is used instead.

    Args:
        mask: ``(H, W)`` bool, the agnostic (or garment) mask.
        keypoints: ``(17, 3)`` x, y pixels and visibility (:mod:`tryon.body` conventions).
        size: ``(height, width)`` the crop will be resized to (its aspect ratio is kept).
        margin: context around the region, as a fraction of the region's longer side, >= 0.

    Returns:
        ``(x0, y0, x1, y1)`` ints, exclusive end, possibly extending past the photo.

    Raises:
        ValueError: bad shapes or values, or an empty mask and no visible keypoint.
    """
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"mask must be a 2-D (H, W) array, got shape {mask.shape}")
    keypoints = check_keypoints(keypoints)
    out_h, out_w = _check_size(size)
    if not np.isfinite(margin) or margin < 0:
        raise ValueError(f"margin must be >= 0, got {margin!r}")
    img_h, img_w = mask.shape
    ys, xs = np.nonzero(mask)
    if len(xs):
        x0, x1, y0, y1 = float(xs.min()), float(xs.max() + 1), float(ys.min()), float(ys.max() + 1)
    else:
        visible = keypoints[keypoints[:, 2] > _VISIBLE]
        if not len(visible):
            raise ValueError("cannot place the crop: the mask is empty and no keypoint is visible")
        x0, y0 = visible[:, 0].min(), visible[:, 1].min()
        x1, y1 = visible[:, 0].max() + 1, visible[:, 1].max() + 1
    torso = keypoints[list(_TORSO)]
    torso = torso[torso[:, 2] > _VISIBLE]
    cx = float(torso[:, 0].mean()) if len(torso) else (x0 + x1) / 2
    cx = min(max(cx, x0), x1)
    half_w = max(cx - x0, x1 - cx, 0.5)
    cy = (y0 + y1) / 2
    half_h = max((y1 - y0) / 2, 0.5)
    pad = margin * max(half_w, half_h)
    half_w, half_h = half_w + pad, half_h + pad
    ratio = out_h / out_w
    if half_h / half_w < ratio:
        half_h = half_w * ratio
    else:
        half_w = half_h / ratio
    box_w = max(1, int(round(2 * half_w)))
    box_h = max(1, int(round(box_w * ratio)))
    bx0 = _place(cx - box_w / 2, box_w, img_w)
    by0 = _place(cy - box_h / 2, box_h, img_h)
    return bx0, by0, bx0 + box_w, by0 + box_h


def _place(start: float, length: int, limit: int) -> int:
    """Shift a 1-D interval of ``length`` starting at ``start`` inside ``[0, limit]`` if it fits,
    else centre it on the photo."""
    if length >= limit:
        return int(round((limit - length) / 2))
    return int(min(max(round(start), 0), limit - length))


def _on_image(box: Box, shape: tuple[int, ...]) -> Box:
    """The part of ``box`` on an image of ``shape`` (``(H, W, ...)``); empty (``x1 <= x0`` or
    ``y1 <= y0``) when the box lies off it."""
    x0, y0, x1, y1 = box
    h, w = shape[:2]
    return max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)


def check_box(box: Box) -> Box:
    """Validate a box: four ints with ``x0 < x1`` and ``y0 < y1``."""
    try:
        x0, y0, x1, y1 = (int(v) for v in box)
    except (TypeError, ValueError):
        raise ValueError(f"box must be (x0, y0, x1, y1), got {box!r}") from None
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"box must have x0 < x1 and y0 < y1, got {box!r}")
    return x0, y0, x1, y1


def _pad_to_box(array: np.ndarray, box: Box, fill) -> np.ndarray:
    """The ``box`` region of ``array`` (H, W[, C]), with the part outside the photo filled."""
    x0, y0, x1, y1 = box
    out = np.empty((y1 - y0, x1 - x0, *array.shape[2:]), dtype=array.dtype)
    out[...] = np.asarray(fill, dtype=array.dtype)
    sx0, sy0, sx1, sy1 = _on_image(box, array.shape)
    if sx1 > sx0 and sy1 > sy0:
        out[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0] = array[sy0:sy1, sx0:sx1]
    return out


def crop_resize(
    array: np.ndarray, box: Box, size: tuple[int, int], fill: int | tuple[int, ...] = 0
) -> np.ndarray:
    """Cut ``box`` out of an image or mask and resize it to ``size``.

    Args:
        array: ``(H, W, 3)`` uint8 image (resized with Lanczos), ``(H, W)`` bool mask (resized
            bilinearly as coverage, then thresholded at 0.5) or ``(H, W[, C])`` float32 map
            (bilinear).
        box: ``(x0, y0, x1, y1)``; parts outside the photo are ``fill``.
        size: ``(height, width)`` of the output.

    Returns:
        The crop, ``(height, width[, C])``, same dtype as ``array``.
    """
    box = check_box(box)
    out_h, out_w = _check_size(size)
    array = np.asarray(array)
    region = _pad_to_box(array, box, fill)
    if array.dtype == np.bool_:
        coverage = Image.fromarray(region.astype(np.float32), mode="F")
        resized = np.asarray(coverage.resize((out_w, out_h), Image.Resampling.BILINEAR))
        return resized >= 0.5
    if array.dtype == np.uint8:
        resized = Image.fromarray(region).resize((out_w, out_h), Image.Resampling.LANCZOS)
        return np.asarray(resized)
    if array.dtype == np.float32:
        channels = region[..., None] if region.ndim == 2 else region
        planes = [
            np.asarray(
                Image.fromarray(np.ascontiguousarray(channels[..., c]), mode="F").resize(
                    (out_w, out_h), Image.Resampling.BILINEAR
                )
            )
            for c in range(channels.shape[-1])
        ]
        out = np.stack(planes, axis=-1)
        return out[..., 0] if region.ndim == 2 else out
    raise TypeError(f"array must be uint8, bool or float32, got {array.dtype}")


def crop_keypoints(keypoints: np.ndarray, box: Box, size: tuple[int, int]) -> np.ndarray:
    """Keypoints ``(17, 3)`` moved from photo pixels into the ``size`` crop of ``box``'s pixels
    (visibility unchanged)."""
    keypoints = check_keypoints(keypoints).copy()
    x0, y0, x1, y1 = check_box(box)
    out_h, out_w = _check_size(size)
    keypoints[:, 0] = (keypoints[:, 0] - x0) * (out_w / (x1 - x0))
    keypoints[:, 1] = (keypoints[:, 1] - y0) * (out_h / (y1 - y0))
    return keypoints


def paste_crop(photo: np.ndarray, crop: np.ndarray, box: Box) -> np.ndarray:
    """``photo`` with the ``box`` region replaced by ``crop`` resized to the box (Lanczos).

    Args:
        photo: ``(H, W, 3)`` uint8.
        crop: ``(h, w, 3)`` uint8 image for ``box`` at any size.
        box: ``(x0, y0, x1, y1)``; the part outside the photo is dropped.

    Returns:
        A new ``(H, W, 3)`` uint8 array; pixels outside ``box`` are ``photo``'s.
    """
    x0, y0, x1, y1 = check_box(box)
    photo = np.asarray(photo)
    if photo.dtype != np.uint8 or photo.ndim != 3 or crop.dtype != np.uint8 or crop.ndim != 3:
        raise TypeError("photo and crop must be (H, W, 3) uint8 arrays")
    resized = np.asarray(Image.fromarray(crop).resize((x1 - x0, y1 - y0), Image.Resampling.LANCZOS))
    out = photo.copy()
    sx0, sy0, sx1, sy1 = _on_image((x0, y0, x1, y1), photo.shape)
    if sx1 > sx0 and sy1 > sy0:
        out[sy0:sy1, sx0:sx1] = resized[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0]
    return out
