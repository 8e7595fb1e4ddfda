"""Small raster-geometry helpers shared by region parsing and agnostic masks.

All masks are ``(H, W)`` ``bool`` arrays; points are ``(x, y)`` in pixels (origin top-left).
Drawing uses OpenCV's scan-line filling at 1/16-pixel sub-pixel precision.
"""

from __future__ import annotations

import cv2
import numpy as np

_SHIFT = 4  # OpenCV fixed-point fraction bits (1/16 pixel).
_SCALE = 1 << _SHIFT


def _fixed(points: np.ndarray) -> np.ndarray:
    # Cell centres are at +0.5 in our convention and at integer coordinates in OpenCV's.
    return np.round((np.asarray(points, dtype=np.float64) - 0.5) * _SCALE).astype(np.int32)


def fill_polygon(mask: np.ndarray, points) -> np.ndarray:
    """Fill the polygon ``points`` (``(N, 2)`` x, y, N >= 3) into ``mask`` in place; returns it."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(points) < 3:
        return mask
    canvas = mask.view(np.uint8)
    cv2.fillPoly(canvas, [_fixed(points)], 1, lineType=cv2.LINE_8, shift=_SHIFT)
    return mask


def draw_capsule(mask: np.ndarray, p0, p1, radius: float) -> np.ndarray:
    """Fill the capsule (all points within ``radius`` of segment ``p0``-``p1``) into ``mask``."""
    radius = float(radius)
    if radius <= 0:
        return mask
    p0 = np.asarray(p0, dtype=np.float64)
    p1 = np.asarray(p1, dtype=np.float64)
    d = p1 - p0
    length = float(np.hypot(*d))
    canvas = mask.view(np.uint8)
    r_fixed = int(round(radius * _SCALE))
    for p in (p0, p1):
        cv2.circle(canvas, tuple(int(v) for v in _fixed(p)), r_fixed, 1, -1, cv2.LINE_8, _SHIFT)
    if length > 1e-6:
        n = np.array([-d[1], d[0]]) / length * radius
        fill_polygon(mask, np.stack([p0 + n, p1 + n, p1 - n, p0 - n]))
    return mask


def dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """Binary dilation of ``mask`` by a disk of ``radius`` pixels (``radius <= 0``: a copy).

    Small radii use a morphological ellipse kernel; from 4 pixels on, the Euclidean distance
    transform (``distance <= radius``), whose cost does not grow with the radius.
    """
    radius = int(radius)
    if radius <= 0:
        return mask.copy()
    if radius < 4:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
        return cv2.dilate(mask.astype(np.uint8), kernel).astype(bool)
    if not mask.any():
        return mask.copy()
    distance = cv2.distanceTransform((~mask).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    return distance <= radius


def erode(mask: np.ndarray, radius: int) -> np.ndarray:
    """Binary erosion of ``mask`` by a disk of ``radius`` pixels (``radius <= 0``: a copy)."""
    radius = int(radius)
    if radius <= 0:
        return mask.copy()
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    return cv2.erode(mask.astype(np.uint8), kernel).astype(bool)


def row_extent(mask: np.ndarray) -> tuple[int, int] | None:
    """First and last row (inclusive) holding a ``True`` pixel, or ``None`` for an empty mask."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    return int(rows[0]), int(rows[-1])


def bbox(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """``(x0, y0, x1, y1)`` of the ``True`` pixels (exclusive end), ``None`` when empty."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1
