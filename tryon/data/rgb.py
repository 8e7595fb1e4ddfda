"""Fast per-pixel colour helpers for ``(h, w, 3)`` float32 images.

NumPy broadcasting of an ``(h, w)`` map against the colour axis (``a[..., None] * rgb``)
runs its inner loop over only 3 elements and is several times slower than three 2-D
operations merged with ``cv2.merge``; the rasteriser does this for every layer, so these
helpers matter for its speed (see ``benchmarks/bench_world.py``).
"""

from __future__ import annotations

import cv2
import numpy as np


def stack3(a: np.ndarray) -> np.ndarray:
    """``(h, w)`` float32 -> ``(h, w, 3)`` with the map in every channel."""
    a = np.ascontiguousarray(a, dtype=np.float32)
    return cv2.merge([a, a, a])


def times_colour(a: np.ndarray, colour) -> np.ndarray:
    """``a[..., None] * colour`` for an ``(h, w)`` map and an RGB triple -> ``(h, w, 3)``."""
    a = np.asarray(a, dtype=np.float32)
    c = [np.float32(v) for v in colour]
    return cv2.merge([a * c[0], a * c[1], a * c[2]])


def channels(fn) -> np.ndarray:
    """Merge ``fn(0), fn(1), fn(2)`` (each an ``(h, w)`` float32 map) into ``(h, w, 3)``."""
    return cv2.merge([np.asarray(fn(k), dtype=np.float32) for k in range(3)])


def blend_into(rgb: np.ndarray, colour, m: np.ndarray) -> None:
    """In place: ``rgb += (colour - rgb) * m[..., None]`` (``m`` an ``(h, w)`` weight map)."""
    for k in range(3):
        ch = rgb[..., k]
        ch += (np.float32(colour[k]) - ch) * m
