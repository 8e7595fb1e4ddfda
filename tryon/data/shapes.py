"""Polygon helpers of the world's rasteriser: tubes (tapered capsules), ellipses, smoothing.

All shapes are ``(N, 2)`` float arrays of ``x, y`` image coordinates (pixels, origin at the
top-left corner of the image, pixel centres at half-integers, as in :mod:`tryon.body`).
"""

from __future__ import annotations

import functools
import math

import numpy as np


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.maximum(n, 1e-9)


@functools.lru_cache(maxsize=32)
def _cap_angles(cap_segments: int) -> np.ndarray:
    return np.linspace(0, np.pi, cap_segments + 2)[1:-1]


def tube(
    points: np.ndarray,
    radii: np.ndarray | list[float],
    *,
    cap_start: bool = True,
    cap_end: bool = True,
    cap_segments: int = 7,
) -> np.ndarray:
    """Outline of a tapered tube along a polyline (a capsule for two points).

    Args:
        points: ``(n, 2)`` axis points, ``n >= 2``.
        radii: ``n`` half-widths at the points (pixels).
        cap_start, cap_end: round caps (half discs) at the ends; flat ends otherwise.
        cap_segments: vertices per round cap.

    Returns:
        ``(m, 2)`` closed outline (the last vertex is not repeated).
    """
    p = np.asarray(points, dtype=np.float64)
    r = np.asarray(radii, dtype=np.float64)
    if len(p) == 2:
        return _tube2(p, r, cap_start, cap_end, cap_segments)
    d = p[1:] - p[:-1]
    d = d / np.maximum(np.sqrt((d * d).sum(axis=1, keepdims=True)), 1e-9)
    seg_n = np.stack([-d[:, 1], d[:, 0]], axis=1)
    normals = np.empty_like(p)
    normals[0] = seg_n[0]
    normals[-1] = seg_n[-1]
    if len(p) > 2:
        mid = seg_n[:-1] + seg_n[1:]
        mid = mid / np.maximum(np.sqrt((mid * mid).sum(axis=1, keepdims=True)), 1e-9)
        cos = np.sum(mid * seg_n[:-1], axis=1, keepdims=True)
        normals[1:-1] = mid / np.maximum(cos, 0.35)  # mitre, limited at sharp bends
    left = p + normals * r[:, None]
    right = p - normals * r[:, None]
    parts = [left]
    ang = _cap_angles(cap_segments)
    if cap_end:
        a = np.arctan2(seg_n[-1, 1], seg_n[-1, 0]) - ang
        parts.append(p[-1] + r[-1] * np.stack([np.cos(a), np.sin(a)], axis=1))
    parts.append(right[::-1])
    if cap_start:
        a = np.arctan2(-seg_n[0, 1], -seg_n[0, 0]) - ang
        parts.append(p[0] + r[0] * np.stack([np.cos(a), np.sin(a)], axis=1))
    return np.concatenate(parts, axis=0)


@functools.lru_cache(maxsize=32)
def _cap_cs(cap_segments: int) -> tuple[np.ndarray, np.ndarray]:
    ang = _cap_angles(cap_segments)
    return np.cos(ang)[:, None], np.sin(ang)[:, None]


def _tube2(p, r, cap_start, cap_end, cap_segments):
    """Fast path of :func:`tube` for a single segment (same vertices, fewer numpy calls)."""
    dx, dy = p[1, 0] - p[0, 0], p[1, 1] - p[0, 1]
    inv = 1.0 / max(math.hypot(dx, dy), 1e-9)
    n = np.array([-dy * inv, dx * inv])
    cos, sin = _cap_cs(cap_segments)
    # Rotating n by -ang sweeps the end cap; rotating -n sweeps the start cap.
    rot = cos * n + sin * np.array([n[1], -n[0]])
    parts = [p[0] + n * r[0], p[1] + n * r[1]]
    if cap_end:
        parts.append(p[1] + r[1] * rot)
    parts += [p[1] - n * r[1], p[0] - n * r[0]]
    if cap_start:
        parts.append(p[0] - r[0] * rot)
    return np.vstack(parts)


def tube_sides(points: np.ndarray, radii, *, cap_end: bool = True) -> list[np.ndarray]:
    """The open outline of :func:`tube` without its start cap: the two sides joined by the
    end cap (or two separate sides for a flat end), for stroking a limb that continues
    another one without drawing a line across the joint."""
    outline = tube(points, radii, cap_start=False, cap_end=cap_end)
    if cap_end:
        return [outline]
    n = len(np.asarray(points))
    return [outline[:n], outline[n:]]


def ellipse(
    centre,
    rx: float,
    ry: float,
    *,
    angle: float = 0.0,
    start: float = 0.0,
    stop: float = 2 * np.pi,
    n: int = 32,
) -> np.ndarray:
    """Points on an ellipse (or an arc of it, angles in radians, ``angle`` rotates it)."""
    t = _angles(float(start), float(stop), int(n))
    x = rx * np.cos(t)
    y = ry * np.sin(t)
    ca, sa = np.cos(angle), np.sin(angle)
    return np.stack([centre[0] + ca * x - sa * y, centre[1] + sa * x + ca * y], axis=1)


@functools.lru_cache(maxsize=64)
def _angles(start: float, stop: float, n: int) -> np.ndarray:
    return np.linspace(start, stop, n, endpoint=(stop - start) < 2 * np.pi - 1e-9)


def chaikin(poly: np.ndarray, iterations: int = 2, closed: bool = True) -> np.ndarray:
    """Chaikin corner cutting (Chaikin 1974): a smoother polygon with rounded corners."""
    p = np.asarray(poly, dtype=np.float64)
    for _ in range(iterations):
        q = np.roll(p, -1, axis=0) if closed else p[1:]
        a = p if closed else p[:-1]
        new = np.empty((2 * len(a), 2))
        new[0::2] = 0.75 * a + 0.25 * q
        new[1::2] = 0.25 * a + 0.75 * q
        if not closed:
            new = np.concatenate([p[:1], new, p[-1:]], axis=0)
        p = new
    return p


def rotate(v: np.ndarray, angle: float) -> np.ndarray:
    """Rotate 2-D vectors ``(..., 2)`` by ``angle`` radians (counter-clockwise in x-right,
    y-down image axes this turns +x towards +y)."""
    c, s = np.cos(angle), np.sin(angle)
    v = np.asarray(v, dtype=np.float64)
    return np.stack([c * v[..., 0] - s * v[..., 1], s * v[..., 0] + c * v[..., 1]], axis=-1)


def lerp(a, b, t: float) -> np.ndarray:
    """Linear interpolation between points ``a`` and ``b``."""
    a = np.asarray(a, dtype=np.float64)
    return a + (np.asarray(b, dtype=np.float64) - a) * t
