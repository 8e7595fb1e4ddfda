"""Fabric patterns evaluated in garment-local coordinates.

Every garment piece has local coordinates ``u`` (across the piece, perpendicular to its axis)
and ``v`` (along the axis), in head units (see :mod:`tryon.data.person`), so a pattern follows
the garment: stripes of a sleeve run around the arm, a skirt's checks flare with it.
``pixels_per_unit`` sets the anti-aliasing width (one pixel) of pattern edges and keeps fine
textures (denim twill, knit ribs) at least a few pixels wide.

:func:`pattern_colour` returns the sRGB colour (float32, 0..255) at each pixel, before shading.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tryon.data.rgb import channels, times_colour

# A fixed tile of fabric grain (uniform noise in [-1, 1]); built from a local generator,
# never from global random state, so every process sees the same tile.
_GRAIN = (np.random.default_rng(20240611).random((64, 64), dtype=np.float32) * 2 - 1).astype(
    np.float32
)


@dataclass(frozen=True)
class PatternStyle:
    """Unnamed details of a pattern: scale (head units), phase and duty cycle."""

    period: float = 0.3
    phase_u: float = 0.0
    phase_v: float = 0.0
    duty: float = 0.4

    @classmethod
    def sample(cls, rng: np.random.Generator, pattern: str) -> PatternStyle:
        base = {
            "stripes_h": (0.18, 0.36),
            "stripes_v": (0.14, 0.3),
            "checks": (0.22, 0.4),
            "dots": (0.22, 0.34),
            "floral": (0.42, 0.6),
        }.get(pattern, (0.3, 0.3))
        return cls(
            period=float(rng.uniform(*base)),
            phase_u=float(rng.random()),
            phase_v=float(rng.random()),
            duty=float(rng.uniform(0.3, 0.5)),
        )


def _band(t: np.ndarray, period_px: float, duty: float) -> np.ndarray:
    """Anti-aliased 0/1 band of width ``duty`` (fraction of a period); ``t`` in periods."""
    f = t - np.floor(t)
    dist = (duty * 0.5 - np.abs(f - duty * 0.5)) * period_px  # >0 inside, pixels
    return np.clip(dist + 0.5, 0.0, 1.0)


def _grain(u: np.ndarray, v: np.ndarray, px: float) -> np.ndarray:
    k = max(px / 2.5, 1.0)  # about 2.5 pixels per grain cell
    iu = (u * k).astype(np.int32) & 63
    iv = (v * k).astype(np.int32) & 63
    return _GRAIN[iv, iu]


def pattern_colour(
    pattern: str,
    u: np.ndarray,
    v: np.ndarray,
    s: np.ndarray,
    colour: tuple[int, int, int],
    colour2: tuple[int, int, int] | None,
    style: PatternStyle,
    pixels_per_unit: float,
) -> np.ndarray:
    """Colour of a fabric at local coordinates.

    Args:
        pattern: one of :data:`tryon.data.garments.PATTERNS`.
        u, v: ``(h, w)`` float32 local coordinates in head units.
        s: ``(h, w)`` position across the piece in ``[-1, 1]`` (used by denim fading).
        colour, colour2: main and second sRGB colour (``colour2`` may be None).
        style: scale and phase.
        pixels_per_unit: pixels per head unit.

    Returns:
        ``(h, w, 3)`` float32 sRGB in ``[0, 255]``.
    """
    px = float(pixels_per_unit)
    base = [float(c) for c in colour]
    c2 = [float(c) for c in (colour2 if colour2 is not None else colour)]
    grain = _grain(u, v, px)
    if pattern in ("solid", "stripes_h", "stripes_v", "checks", "dots"):
        p = style.period
        g = 1.0 + 0.035 * grain
        if pattern == "solid":
            return times_colour(g, base)
        if pattern == "stripes_h":
            m = _band(v / p + style.phase_v, p * px, style.duty)
        elif pattern == "stripes_v":
            m = _band(u / p + style.phase_u, p * px, style.duty * 0.8)
        elif pattern == "checks":
            mh = _band(v / p + style.phase_v, p * px, 0.5)
            mv = _band(u / p + style.phase_u, p * px, 0.5)
            thin = _band(v / p + style.phase_v + 0.72, p * px, 0.06) * 0.5
            m = np.minimum(0.5 * (mh + mv) + thin, 1.0)
        else:
            row = np.floor(v / p + style.phase_v)
            fu = u / p + style.phase_u + 0.5 * (row % 2)
            fu = fu - np.floor(fu) - 0.5
            fv = v / p + style.phase_v
            fv = fv - np.floor(fv) - 0.5
            r = np.sqrt(fu * fu + fv * fv) * p * px
            m = np.clip(0.3 * p * px - r + 0.5, 0.0, 1.0)
        return channels(lambda k: (base[k] + (c2[k] - base[k]) * m) * g)
    if pattern == "floral":
        return _floral(u, v, base, c2, style, px, 1.0 + 0.03 * grain)
    if pattern == "denim":
        per = max(0.07, 3.0 / px)
        twill = np.sin((u * 0.8 + v) * (2 * np.pi / per)).astype(np.float32)
        fade = 1.0 - np.minimum(s * s, 1.0)
        white = np.clip(0.10 + 0.07 * twill + 0.08 * grain + 0.16 * fade, 0.0, 1.0)
        g = 0.94 + 0.06 * twill
        return channels(lambda k: (base[k] + (235.0 - base[k]) * white) * g)
    if pattern == "knit":
        per = max(0.12, 4.0 / px)
        t = u / per
        col = t - np.floor(t) - 0.5
        w = v / (per * 0.75) + np.abs(col) * 1.4
        w = w - np.floor(w)
        rib = 0.8 + 0.2 * np.clip(np.abs(w - 0.5) * 4 - 0.3, 0, 1)
        rib = rib * (1.0 - 0.12 * np.clip(np.abs(col) * 4 - 1.5, 0, 1)) * (1 + 0.03 * grain)
        return times_colour(rib, base)
    raise ValueError(f"unknown pattern {pattern!r}")


def _hash2(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    x = np.sin(a * 12.9898 + b * 78.233) * 43758.5453
    return x - np.floor(x)


def _floral(u, v, base, c2, style: PatternStyle, px: float, g) -> np.ndarray:
    """Five-petal flowers, one per jittered cell, with a contrasting centre and leaves."""
    p = style.period
    gu = u / p + style.phase_u
    gv = v / p + style.phase_v
    iu, iv = np.floor(gu), np.floor(gv)
    h1 = _hash2(iu, iv)
    h2 = _hash2(iv + 3.1, iu - 7.7)
    du = (gu - iu - 0.5 - (h1 - 0.5) * 0.3) * p
    dv = (gv - iv - 0.5 - (h2 - 0.5) * 0.3) * p
    r = np.sqrt(du * du + dv * dv)
    theta = np.arctan2(dv, du) + h1 * 6.283
    size = p * (0.3 + 0.08 * h2)
    petal = size * (0.55 + 0.45 * np.abs(np.cos(2.5 * theta)))
    m_petal = np.clip((petal - r) * px + 0.5, 0.0, 1.0)
    m_centre = np.clip((size * 0.28 - r) * px + 0.5, 0.0, 1.0)
    light = sum(base) / 3 > 140
    centre = [c * 0.55 if light else min(c * 0.5 + 130, 255) for c in base]
    leaf_d = np.abs(du * np.sin(h1 * 6.283 + 1) - dv * np.cos(h1 * 6.283 + 1))
    leaf = np.clip((0.05 * p - leaf_d) * px + 0.5, 0, 1) * (r < p * 0.48) * (r > size * 0.9)
    leaf = leaf * 0.8 * 0.28  # leaves are the base colour darkened to 72 %

    def chan(k):
        out = base[k] * (1.0 - leaf)
        out = out + (c2[k] - out) * m_petal
        return (out + (centre[k] - out) * m_centre) * g

    return channels(chan)
