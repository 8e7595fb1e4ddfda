"""The named colour palette of the world, with sRGB and CIELAB values.

Every garment colour of the procedural world is one of :data:`PALETTE`'s names. Each entry
holds its 8-bit sRGB triple and its CIELAB (L*, a*, b*) value under the D65 white point,
computed by :func:`srgb_to_lab`. Captions name these colours (or a synonym, see
:data:`COLOUR_SYNONYMS`); evaluation compares rendered colours in CIELAB (``delta_e``).

The sRGB -> CIELAB conversion follows IEC 61966-2-1 (sRGB transfer function and the
sRGB -> XYZ matrix) and CIE 15:2004 (XYZ -> L*a*b* with the D65 reference white
``Xn, Yn, Zn = 0.95047, 1.0, 1.08883``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# IEC 61966-2-1 linear sRGB -> CIE XYZ (D65).
_SRGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ],
    dtype=np.float64,
)
D65_WHITE = np.array([0.95047, 1.0, 1.08883], dtype=np.float64)
_EPS = (6.0 / 29.0) ** 3


def srgb_to_lab(rgb: np.ndarray | tuple[float, float, float]) -> np.ndarray:
    """Convert 8-bit sRGB colours to CIELAB (D65).

    Args:
        rgb: array of shape ``(..., 3)`` with values in ``[0, 255]`` (any numeric dtype).

    Returns:
        ``float64`` array of shape ``(..., 3)``: L* in ``[0, 100]``, a* and b* roughly in
        ``[-128, 127]``. White ``(255, 255, 255)`` maps to ``(100, 0, 0)``.
    """
    c = np.asarray(rgb, dtype=np.float64)
    if c.shape[-1:] != (3,):
        raise ValueError(f"rgb must have a last dimension of 3, got shape {c.shape}")
    c = np.clip(c / 255.0, 0.0, 1.0)
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = lin @ _SRGB_TO_XYZ.T / D65_WHITE
    f = np.where(xyz > _EPS, np.cbrt(xyz), xyz / (3.0 * (6.0 / 29.0) ** 2) + 4.0 / 29.0)
    lightness = 116.0 * f[..., 1] - 16.0
    a = 500.0 * (f[..., 0] - f[..., 1])
    b = 200.0 * (f[..., 1] - f[..., 2])
    return np.stack([lightness, a, b], axis=-1)


def delta_e(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIE76 colour difference: Euclidean distance between CIELAB colours ``(..., 3)``."""
    d = np.asarray(lab1, dtype=np.float64) - np.asarray(lab2, dtype=np.float64)
    return np.sqrt(np.sum(d * d, axis=-1))


@dataclass(frozen=True)
class Colour:
    """A named palette colour: ``srgb`` as 8-bit ints, ``lab`` as CIELAB (D65) floats."""

    name: str
    srgb: tuple[int, int, int]
    lab: tuple[float, float, float]


_SRGB: dict[str, tuple[int, int, int]] = {
    "black": (24, 24, 27),
    "white": (244, 244, 240),
    "grey": (135, 135, 138),
    "charcoal": (58, 61, 67),
    "navy": (28, 38, 86),
    "blue": (38, 88, 196),
    "sky blue": (125, 182, 232),
    "teal": (0, 122, 125),
    "green": (36, 128, 58),
    "olive": (107, 112, 42),
    "mint": (160, 224, 192),
    "yellow": (243, 208, 48),
    "mustard": (198, 148, 28),
    "orange": (238, 118, 30),
    "coral": (247, 122, 104),
    "red": (200, 28, 38),
    "burgundy": (112, 20, 42),
    "pink": (242, 160, 192),
    "lavender": (182, 162, 222),
    "purple": (108, 46, 142),
    "brown": (108, 68, 38),
    "tan": (196, 158, 112),
    "beige": (228, 210, 176),
    "khaki": (168, 160, 108),
}

#: Palette name -> :class:`Colour`, in a fixed order (the order of :data:`COLOUR_NAMES`).
PALETTE: dict[str, Colour] = {
    name: Colour(name, rgb, tuple(float(v) for v in srgb_to_lab(rgb)))
    for name, rgb in _SRGB.items()
}
COLOUR_NAMES: tuple[str, ...] = tuple(PALETTE)

#: Words captions may use for each palette colour (the palette name first). Every synonym
#: maps to exactly one palette colour, so captions can be parsed back.
COLOUR_SYNONYMS: dict[str, tuple[str, ...]] = {
    "black": ("black", "jet black", "ink black"),
    "white": ("white", "snow white", "optic white"),
    "grey": ("grey", "gray", "heather grey"),
    "charcoal": ("charcoal", "dark grey", "dark gray"),
    "navy": ("navy", "navy blue", "dark blue"),
    "blue": ("blue", "royal blue", "cobalt"),
    "sky blue": ("sky blue", "light blue", "baby blue"),
    "teal": ("teal", "petrol", "dark turquoise"),
    "green": ("green", "emerald", "forest green"),
    "olive": ("olive", "olive green", "army green"),
    "mint": ("mint", "mint green", "pale green"),
    "yellow": ("yellow", "lemon", "canary yellow"),
    "mustard": ("mustard", "ochre", "mustard yellow"),
    "orange": ("orange", "tangerine", "bright orange"),
    "coral": ("coral", "salmon", "salmon pink"),
    "red": ("red", "crimson", "scarlet"),
    "burgundy": ("burgundy", "wine", "maroon"),
    "pink": ("pink", "rose", "blush pink"),
    "lavender": ("lavender", "lilac", "pale purple"),
    "purple": ("purple", "violet", "plum"),
    "brown": ("brown", "chocolate", "chocolate brown"),
    "tan": ("tan", "camel", "caramel"),
    "beige": ("beige", "sand", "cream"),
    "khaki": ("khaki", "stone"),
}


def colour(name: str) -> Colour:
    """Return the palette colour ``name``; raise ``ValueError`` naming it if unknown."""
    try:
        return PALETTE[name]
    except KeyError:
        raise ValueError(f"unknown colour {name!r}; palette: {list(COLOUR_NAMES)}") from None


def nearest_colour(rgb: np.ndarray | tuple[float, float, float]) -> str:
    """Name of the palette colour nearest (CIE76 in CIELAB) to an sRGB triple in [0, 255]."""
    lab = srgb_to_lab(np.asarray(rgb, dtype=np.float64).reshape(3))
    labs = np.array([c.lab for c in PALETTE.values()])
    return COLOUR_NAMES[int(np.argmin(delta_e(labs, lab[None])))]
