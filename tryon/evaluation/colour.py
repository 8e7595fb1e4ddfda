"""Colour science for text-fidelity metrics: sRGB -> CIELAB, CIEDE2000, palette look-ups.

* sRGB -> CIELAB follows IEC 61966-2-1 (sRGB transfer function, D65 primaries) and CIE 15:2004
  (L*a*b* with the D65 reference white ``Xn, Yn, Zn = 0.95047, 1.0, 1.08883``).
* CIEDE2000 follows G. Sharma, W. Wu, E. N. Dalal, "The CIEDE2000 color-difference formula:
  implementation notes, supplementary test data, and mathematical observations", Color Research
  & Application 30(1), 2005, equations (1)-(22), with ``kL = kC = kH = 1``. The tests check it
  against all 34 pairs of that paper's Table 1.

A *palette* here is a mapping ``name -> CIELAB (3,)``; :func:`palette_lab` builds one from
:data:`tryon.data.palette.PALETTE` (or any mapping of names to sRGB/CIELAB entries).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

logger = logging.getLogger(__name__)

#: D65 reference white (CIE 1931 2-degree observer), Y normalised to 1.
D65_WHITE = np.array([0.95047, 1.0, 1.08883], dtype=np.float64)

# Linear sRGB -> XYZ (IEC 61966-2-1).
_SRGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ],
    dtype=np.float64,
)
_XYZ_TO_SRGB = np.linalg.inv(_SRGB_TO_XYZ)
_EPS = 216.0 / 24389.0  # CIE epsilon (6/29)^3
_KAPPA = 24389.0 / 27.0  # CIE kappa
# Hue differences of exactly 180 degrees (Sharma's pairs 13-14) come out of atan2 a few ulps
# off; they must take the "<= 180" branches of equations (10) and (14).
_HUE_TOL = 1e-9


def _as_float_rgb(rgb) -> np.ndarray:
    """uint8 ``[0, 255]`` or float ``[0, 1]`` array ``(..., 3)`` -> float64 ``[0, 1]``."""
    arr = np.asarray(rgb)
    if arr.ndim == 0 or arr.shape[-1] != 3:
        raise ValueError(f"colours must have a last axis of size 3, got shape {arr.shape}")
    if arr.dtype == np.uint8:
        return arr.astype(np.float64) / 255.0
    if not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"colours must be numeric, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if arr.size and (arr.min() < -1e-6 or arr.max() > 1.0 + 1e-6):
        raise ValueError(
            "float sRGB colours must lie in [0, 1] (pass uint8 for 0..255), "
            f"got range [{arr.min():.3f}, {arr.max():.3f}]"
        )
    return np.clip(arr, 0.0, 1.0)


def srgb_to_linear(rgb) -> np.ndarray:
    """Undo the sRGB transfer function. ``rgb``: uint8 or float in [0, 1], ``(..., 3)``."""
    c = _as_float_rgb(rgb)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    """Apply the sRGB transfer function to linear RGB (clipped to [0, 1]); float64 out."""
    c = np.clip(np.asarray(linear, dtype=np.float64), 0.0, 1.0)
    return np.where(c <= 0.0031308, 12.92 * c, 1.055 * np.power(c, 1.0 / 2.4) - 0.055)


def srgb_to_lab(rgb) -> np.ndarray:
    """sRGB (uint8 ``[0, 255]`` or float ``[0, 1]``, shape ``(..., 3)``) -> CIELAB (D65).

    Returns float64 ``(..., 3)``: L* in [0, 100], a* and b* roughly in [-128, 127].
    """
    xyz = srgb_to_linear(rgb) @ _SRGB_TO_XYZ.T
    t = xyz / D65_WHITE
    f = np.where(t > _EPS, np.cbrt(t), (_KAPPA * t + 16.0) / 116.0)
    lab = np.empty_like(f)
    lab[..., 0] = 116.0 * f[..., 1] - 16.0
    lab[..., 1] = 500.0 * (f[..., 0] - f[..., 1])
    lab[..., 2] = 200.0 * (f[..., 1] - f[..., 2])
    return lab


def lab_to_srgb(lab) -> np.ndarray:
    """CIELAB (D65) ``(..., 3)`` -> sRGB float64 in [0, 1] (out-of-gamut values clipped)."""
    lab = np.asarray(lab, dtype=np.float64)
    if lab.ndim == 0 or lab.shape[-1] != 3:
        raise ValueError(f"Lab colours must have a last axis of size 3, got shape {lab.shape}")
    fy = (lab[..., 0] + 16.0) / 116.0
    fx = fy + lab[..., 1] / 500.0
    fz = fy - lab[..., 2] / 200.0
    f = np.stack([fx, fy, fz], axis=-1)
    t = np.where(f**3 > _EPS, f**3, (116.0 * f - 16.0) / _KAPPA)
    xyz = t * D65_WHITE
    return linear_to_srgb(xyz @ _XYZ_TO_SRGB.T)


def ciede2000(lab1, lab2, k_l: float = 1.0, k_c: float = 1.0, k_h: float = 1.0) -> np.ndarray:
    """CIEDE2000 colour difference (Sharma, Wu & Dalal 2005), vectorised.

    Args:
        lab1, lab2: CIELAB arrays broadcastable to a common ``(..., 3)`` shape.
        k_l, k_c, k_h: parametric weighting factors (1 for the reference conditions).

    Returns:
        float64 array of the broadcast shape without the last axis (a 0-d array for single
        colours). A difference of about 1 is just noticeable; over 10 is a different colour.
    """
    lab1 = np.asarray(lab1, dtype=np.float64)
    lab2 = np.asarray(lab2, dtype=np.float64)
    if lab1.shape[-1:] != (3,) or lab2.shape[-1:] != (3,):
        raise ValueError(
            f"Lab inputs need a last axis of size 3, got {lab1.shape} and {lab2.shape}"
        )
    l1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    l2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]

    # (2)-(7): a' with the G factor, C' and h'.
    c1 = np.hypot(a1, b1)
    c2 = np.hypot(a2, b2)
    c_bar7 = ((c1 + c2) / 2.0) ** 7
    g = 0.5 * (1.0 - np.sqrt(c_bar7 / (c_bar7 + 25.0**7)))
    a1p = (1.0 + g) * a1
    a2p = (1.0 + g) * a2
    c1p = np.hypot(a1p, b1)
    c2p = np.hypot(a2p, b2)
    h1p = np.where((a1p == 0) & (b1 == 0), 0.0, np.degrees(np.arctan2(b1, a1p)) % 360.0)
    h2p = np.where((a2p == 0) & (b2 == 0), 0.0, np.degrees(np.arctan2(b2, a2p)) % 360.0)

    # (8)-(10): differences.
    dl = l2 - l1
    dc = c2p - c1p
    cc = c1p * c2p
    dh = h2p - h1p
    dh = np.where(dh > 180.0 + _HUE_TOL, dh - 360.0, dh)
    dh = np.where(dh < -180.0 - _HUE_TOL, dh + 360.0, dh)
    dh = np.where(cc == 0, 0.0, dh)
    dh_big = 2.0 * np.sqrt(cc) * np.sin(np.radians(dh) / 2.0)

    # (12)-(22): weighting functions and rotation term.
    l_bar = (l1 + l2) / 2.0
    c_bar_p = (c1p + c2p) / 2.0
    h_sum = h1p + h2p
    h_bar = np.where(
        cc == 0,
        h_sum,
        np.where(
            np.abs(h1p - h2p) <= 180.0 + _HUE_TOL,
            h_sum / 2.0,
            np.where(h_sum < 360.0, (h_sum + 360.0) / 2.0, (h_sum - 360.0) / 2.0),
        ),
    )
    t = (
        1.0
        - 0.17 * np.cos(np.radians(h_bar - 30.0))
        + 0.24 * np.cos(np.radians(2.0 * h_bar))
        + 0.32 * np.cos(np.radians(3.0 * h_bar + 6.0))
        - 0.20 * np.cos(np.radians(4.0 * h_bar - 63.0))
    )
    d_theta = 30.0 * np.exp(-(((h_bar - 275.0) / 25.0) ** 2))
    c_bar_p7 = c_bar_p**7
    r_c = 2.0 * np.sqrt(c_bar_p7 / (c_bar_p7 + 25.0**7))
    l50 = (l_bar - 50.0) ** 2
    s_l = 1.0 + 0.015 * l50 / np.sqrt(20.0 + l50)
    s_c = 1.0 + 0.045 * c_bar_p
    s_h = 1.0 + 0.015 * c_bar_p * t
    r_t = -np.sin(np.radians(2.0 * d_theta)) * r_c

    tl = dl / (k_l * s_l)
    tc = dc / (k_c * s_c)
    th = dh_big / (k_h * s_h)
    return np.sqrt(tl**2 + tc**2 + th**2 + r_t * tc * th)


def _entry_lab(name: str, entry) -> np.ndarray:
    """CIELAB of one palette entry: an object/dict with ``lab`` or ``srgb``/``rgb``, or a triple."""
    for key in ("lab", "cielab"):
        value = entry.get(key) if isinstance(entry, Mapping) else getattr(entry, key, None)
        if value is not None:
            return np.asarray(value, dtype=np.float64).reshape(3)
    for key in ("srgb", "rgb"):
        value = entry.get(key) if isinstance(entry, Mapping) else getattr(entry, key, None)
        if value is not None:
            return srgb_to_lab(_srgb_triple(name, value))
    if isinstance(entry, str) and entry.startswith("#") and len(entry) == 7:
        return srgb_to_lab(np.array([int(entry[i : i + 2], 16) for i in (1, 3, 5)], np.uint8))
    arr = np.asarray(entry)
    if arr.shape == (3,) and np.issubdtype(arr.dtype, np.number):
        return srgb_to_lab(_srgb_triple(name, arr))
    raise TypeError(f"palette entry {name!r} has no lab/srgb value: {entry!r}")


def _srgb_triple(name: str, value) -> np.ndarray:
    if isinstance(value, str) and value.startswith("#") and len(value) == 7:
        return np.array([int(value[i : i + 2], 16) for i in (1, 3, 5)], np.uint8)
    arr = np.asarray(value)
    if arr.shape != (3,):
        raise ValueError(f"palette entry {name!r}: sRGB must be 3 values, got {value!r}")
    if np.issubdtype(arr.dtype, np.integer) or arr.max() > 1.0:
        return np.clip(np.round(arr), 0, 255).astype(np.uint8)
    return arr.astype(np.float64)


def palette_lab(palette: Mapping | None = None) -> dict[str, np.ndarray]:
    """Return ``{name: CIELAB (3,) float64}`` for a palette.

    Args:
        palette: mapping of colour names to entries that carry a ``lab``/``cielab`` value or
            an ``srgb``/``rgb`` value (attribute or key; uint8 0..255, float 0..1 or ``#rrggbb``),
            or bare sRGB triples. Default: :data:`tryon.data.palette.PALETTE`.
    """
    if palette is None:
        from tryon.data.palette import PALETTE

        palette = PALETTE
    if not isinstance(palette, Mapping) or not palette:
        raise ValueError("palette must be a non-empty mapping of colour names to colours")
    return {str(name): _entry_lab(str(name), entry) for name, entry in palette.items()}


def nearest_palette_colour(lab, palette: Mapping[str, np.ndarray]) -> np.ndarray:
    """Names of the palette colours nearest (CIEDE2000) to each Lab colour.

    Args:
        lab: ``(..., 3)`` CIELAB colours.
        palette: ``{name: Lab (3,)}`` as returned by :func:`palette_lab`.

    Returns:
        array of ``str`` names with shape ``lab.shape[:-1]`` (0-d for one colour; use
        ``.item()``).
    """
    names, table = _palette_table(palette)
    lab = np.asarray(lab, dtype=np.float64)
    dist = ciede2000(lab[..., None, :], table)
    return np.asarray(np.asarray(names, dtype=object)[np.argmin(dist, axis=-1)], dtype=object)


def _palette_table(palette: Mapping[str, np.ndarray]) -> tuple[list[str], np.ndarray]:
    """The palette's names and their Lab colours as a ``(K, 3)`` float64 table."""
    names = list(palette)
    if not names:
        raise ValueError("palette is empty")
    return names, np.stack([np.asarray(palette[n], dtype=np.float64) for n in names])


def _masked_rgb(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The ``(N, 3)`` uint8 pixels of ``image`` (H, W, 3) uint8 under ``mask`` (H, W) bool."""
    image = np.asarray(image)
    mask = np.asarray(mask, dtype=bool)
    if image.ndim != 3 or image.shape[-1] != 3 or image.dtype != np.uint8:
        raise ValueError(f"image must be (H, W, 3) uint8, got {image.shape} {image.dtype}")
    if mask.shape != image.shape[:2]:
        raise ValueError(f"mask shape {mask.shape} does not match image {image.shape[:2]}")
    return image[mask]


def masked_lab_pixels(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """CIELAB of the pixels of ``image`` (H, W, 3) uint8 under ``mask`` (H, W) bool -> (N, 3)."""
    return srgb_to_lab(_masked_rgb(image, mask))


def garment_mean_colour(image: np.ndarray, mask: np.ndarray) -> np.ndarray | None:
    """Mean CIELAB colour (3,) of ``image`` under ``mask`` (averaged in Lab), None if empty."""
    pixels = masked_lab_pixels(image, mask)
    if len(pixels) == 0:
        return None
    return pixels.mean(axis=0)


def garment_lightness(image: np.ndarray, mask: np.ndarray) -> float | None:
    """Median CIELAB L* (0-100) of ``image`` (H, W, 3) uint8 under ``mask`` (H, W) bool; None
    if the mask is empty. The median, so a print's second colour or a seam does not move it."""
    pixels = masked_lab_pixels(image, mask)
    return None if len(pixels) == 0 else float(np.median(pixels[:, 0]))


def lightness_delta(image: np.ndarray, target: np.ndarray, mask: np.ndarray) -> float | None:
    """:func:`garment_lightness` of ``image`` less the true ``target``'s over the same
    ``mask`` (negative: drawn darker than the truth); None for an empty mask."""
    drawn, true = garment_lightness(image, mask), garment_lightness(target, mask)
    return None if drawn is None or true is None else drawn - true


@dataclass(frozen=True)
class PaletteVotes:
    """Each garment pixel's vote for its nearest palette colour (:func:`palette_votes`).

    Attributes:
        names: the palette's names.
        votes: ``(N,)`` int indices into ``names``, one per voting pixel.
        lab: ``(N, 3)`` CIELAB of the voting pixels.
    """

    names: list[str]
    votes: np.ndarray
    lab: np.ndarray

    def dominant(self) -> tuple[str, np.ndarray]:
        """The winner's name and the mean Lab ``(3,)`` of the pixels that voted for it."""
        winner = int(np.argmax(np.bincount(self.votes, minlength=len(self.names))))
        return self.names[winner], self.lab[self.votes == winner].mean(axis=0)

    def share(self, name: str) -> float:
        """Fraction in ``[0, 1]`` of the votes that went to ``name``.

        Raises:
            KeyError: ``name`` is not in the palette.
        """
        if name not in self.names:
            raise KeyError(f"{name!r} is not a palette colour")
        return float(np.mean(self.votes == self.names.index(name)))


def palette_votes(
    image: np.ndarray, mask: np.ndarray, palette: Mapping[str, np.ndarray]
) -> PaletteVotes | None:
    """Each garment pixel's vote for its nearest palette colour (CIEDE2000).

    Args:
        image: ``(H, W, 3)`` uint8 sRGB.
        mask: ``(H, W)`` bool, the garment's pixels.
        palette: ``name -> CIELAB (3,)`` (:func:`palette_lab`).

    Returns:
        The votes, or None for an empty mask. Pixels are subsampled to at most 20,000
        (deterministic stride), and each distinct RGB value is classified once.
    """
    rgb = _masked_rgb(image, mask)
    if len(rgb) == 0:
        return None
    rgb = rgb[:: max(1, len(rgb) // 20_000)]
    packed = (rgb[:, 0].astype(np.int32) << 16) | (rgb[:, 1].astype(np.int32) << 8) | rgb[:, 2]
    unique, inverse = np.unique(packed, return_inverse=True)
    unique_rgb = np.stack([(unique >> 16) & 255, (unique >> 8) & 255, unique & 255], -1)
    unique_lab = srgb_to_lab(unique_rgb.astype(np.uint8))
    names, table = _palette_table(palette)
    nearest = np.argmin(ciede2000(unique_lab[:, None, :], table), axis=-1)
    inverse = inverse.reshape(-1)
    return PaletteVotes(names, nearest[inverse], unique_lab[inverse])


def dominant_colour(
    image: np.ndarray, mask: np.ndarray, palette: Mapping[str, np.ndarray]
) -> tuple[str, np.ndarray] | tuple[None, None]:
    """The garment's dominant colour: the winner of :func:`palette_votes`.

    Returns the winner's name and the mean Lab of the pixels that voted for it. Unlike the
    plain mean it is not pulled towards the second colour of a striped, checked or dotted
    garment. ``(None, None)`` for an empty mask.
    """
    votes = palette_votes(image, mask, palette)
    return (None, None) if votes is None else votes.dominant()


def colour_share(
    image: np.ndarray, mask: np.ndarray, palette: Mapping[str, np.ndarray], name: str
) -> float | None:
    """Fraction in ``[0, 1]`` of the garment's pixels whose nearest palette colour is ``name``
    (:func:`palette_votes`): how much of a print's second colour is there. None for an empty
    mask.

    Raises:
        KeyError: ``name`` is not in ``palette``.
    """
    if name not in palette:
        raise KeyError(f"{name!r} is not a palette colour")
    votes = palette_votes(image, mask, palette)
    return None if votes is None else votes.share(name)
