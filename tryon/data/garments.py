"""Garment specifications of the world: types, attributes, outfits and their sampling.

A :class:`GarmentSpec` is a garment type of :data:`tryon.body.GARMENT_TYPES` with its
attributes. Its attribute dictionary (:meth:`GarmentSpec.attributes`) always has every key of
:data:`ATTRIBUTE_KEYS` with a string value (``"none"`` where an attribute does not apply,
e.g. the sleeve of trousers or the second colour of a solid garment), so batches of
attributes collate. What each type allows is in :data:`TYPE_OPTIONS`.

Held-out compositions: :data:`HELDOUT_COMBINATIONS` lists (colour, garment type) pairs that
never occur in the train, val and test splits; the ``heldout`` split shows them only as the
changed garment B, for compositional generalisation tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tryon.body import GARMENT_CATEGORY, GARMENT_TYPES
from tryon.data.palette import COLOUR_NAMES, PALETTE, delta_e

ATTRIBUTE_KEYS: tuple[str, ...] = (
    "type",
    "category",
    "colour",
    "pattern",
    "colour2",
    "sleeve",
    "neckline",
    "fit",
    "length",
)
PATTERNS: tuple[str, ...] = (
    "solid",
    "stripes_h",
    "stripes_v",
    "checks",
    "dots",
    "floral",
    "denim",
    "knit",
)
#: Patterns drawn with a second colour (``colour2``); the others have ``colour2 == "none"``.
TWO_COLOUR_PATTERNS: frozenset[str] = frozenset(
    {"stripes_h", "stripes_v", "checks", "dots", "floral"}
)
SLEEVES: tuple[str, ...] = ("sleeveless", "short", "long")
NECKLINES: tuple[str, ...] = ("crew", "v-neck", "scoop", "collar", "turtleneck", "lapel")
FITS: tuple[str, ...] = ("slim", "regular", "loose")
LENGTHS: tuple[str, ...] = ("short", "knee", "cropped", "full", "mini", "midi", "maxi")
NONE = "none"

# Per type: allowed values of each attribute, patterns with sampling weights.
TYPE_OPTIONS: dict[str, dict[str, tuple]] = {
    "t-shirt": {
        "sleeve": ("short",),
        "neckline": ("crew", "v-neck", "scoop"),
        "length": (NONE,),
        "pattern": ("solid", "stripes_h", "stripes_v", "checks", "dots", "floral"),
        "pattern_weights": (4, 2, 1, 1, 1, 1),
    },
    "long-sleeve shirt": {
        "sleeve": ("long",),
        "neckline": ("collar",),
        "length": (NONE,),
        "pattern": ("solid", "stripes_v", "checks", "dots", "floral", "denim"),
        "pattern_weights": (4, 2, 2, 1, 1, 1),
    },
    "tank top": {
        "sleeve": ("sleeveless",),
        "neckline": ("scoop", "v-neck", "crew"),
        "length": (NONE,),
        "pattern": ("solid", "stripes_h", "dots", "floral"),
        "pattern_weights": (4, 2, 1, 1),
    },
    "sweater": {
        "sleeve": ("long",),
        "neckline": ("crew", "v-neck", "turtleneck"),
        "length": (NONE,),
        "pattern": ("knit", "solid", "stripes_h"),
        "pattern_weights": (4, 2, 2),
    },
    "jacket": {
        "sleeve": ("long",),
        "neckline": ("lapel",),
        "length": (NONE,),
        "pattern": ("solid", "checks", "denim"),
        "pattern_weights": (4, 2, 2),
    },
    "shorts": {
        "sleeve": (NONE,),
        "neckline": (NONE,),
        "length": ("short", "knee"),
        "pattern": ("solid", "stripes_v", "checks", "floral", "denim"),
        "pattern_weights": (4, 1, 1, 1, 2),
    },
    "trousers": {
        "sleeve": (NONE,),
        "neckline": (NONE,),
        "length": ("full", "cropped"),
        "pattern": ("solid", "stripes_v", "checks"),
        "pattern_weights": (5, 1, 1),
    },
    "jeans": {
        "sleeve": (NONE,),
        "neckline": (NONE,),
        "length": ("full", "cropped"),
        "pattern": ("denim",),
        "pattern_weights": (1,),
    },
    "skirt": {
        "sleeve": (NONE,),
        "neckline": (NONE,),
        "length": ("mini", "knee", "midi"),
        "pattern": ("solid", "stripes_h", "stripes_v", "checks", "dots", "floral", "denim"),
        "pattern_weights": (4, 1, 1, 2, 1, 2, 1),
    },
    "dress": {
        "sleeve": ("sleeveless", "short", "long"),
        "neckline": ("crew", "v-neck", "scoop"),
        "length": ("mini", "knee", "midi", "maxi"),
        "pattern": ("solid", "stripes_h", "stripes_v", "checks", "dots", "floral"),
        "pattern_weights": (4, 1, 1, 1, 2, 2),
    },
}

#: (colour, garment type) combinations never shown in train/val/test: one colour per type,
#: each colour still seen on other types and each type still seen in other colours.
HELDOUT_COMBINATIONS: frozenset[tuple[str, str]] = frozenset(
    {
        ("yellow", "t-shirt"),
        ("pink", "long-sleeve shirt"),
        ("teal", "tank top"),
        ("red", "sweater"),
        ("mint", "jacket"),
        ("purple", "shorts"),
        ("orange", "trousers"),
        ("white", "jeans"),
        ("green", "skirt"),
        ("navy", "dress"),
    }
)

# Second colours of two-colour patterns: palette colours at least 35 CIE76 units away.
_CONTRASTING: dict[str, tuple[str, ...]] = {
    name: tuple(
        c
        for c in COLOUR_NAMES
        if delta_e(np.array(PALETTE[c].lab), np.array(PALETTE[name].lab)) > 35.0
    )
    for name in COLOUR_NAMES
}

# Colours that look like jeans (denim-dyed) get picked more often for jeans.
_DENIM_COLOURS = ("blue", "navy", "sky blue", "black", "charcoal", "grey", "white")


@dataclass(frozen=True)
class GarmentSpec:
    """One garment: type and attributes (see :data:`TYPE_OPTIONS`) plus a style seed.

    ``style_seed`` varies details that captions do not name (fold placement, pattern
    scale and phase); two specs with equal attributes but different seeds look alike.
    """

    type: str
    colour: str
    pattern: str = "solid"
    colour2: str = NONE
    sleeve: str = NONE
    neckline: str = NONE
    fit: str = "regular"
    length: str = NONE
    style_seed: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        validate_attributes(self.attributes())

    @property
    def category(self) -> str:
        """``"upper"``, ``"lower"`` or ``"full"`` (from :data:`tryon.body.GARMENT_CATEGORY`)."""
        return GARMENT_CATEGORY[self.type]

    @property
    def slot(self) -> str:
        """Parsing label the garment is drawn as: ``"top"``, ``"bottom"`` or ``"one_piece"``."""
        return {"upper": "top", "lower": "bottom", "full": "one_piece"}[self.category]

    def attributes(self) -> dict[str, str]:
        """All :data:`ATTRIBUTE_KEYS` as strings (``"none"`` where not applicable)."""
        return {
            "type": self.type,
            "category": GARMENT_CATEGORY.get(self.type, NONE),
            "colour": self.colour,
            "pattern": self.pattern,
            "colour2": self.colour2,
            "sleeve": self.sleeve,
            "neckline": self.neckline,
            "fit": self.fit,
            "length": self.length,
        }

    @classmethod
    def from_attributes(cls, attributes: dict[str, str], style_seed: int = 0) -> GarmentSpec:
        """Build a spec from an attribute dict (``category`` is checked, not stored)."""
        validate_attributes(attributes)
        kwargs = {k: v for k, v in attributes.items() if k != "category"}
        return cls(style_seed=style_seed, **kwargs)


def validate_attributes(attributes: dict[str, str]) -> dict[str, str]:
    """Check an attribute dict against :data:`TYPE_OPTIONS`; raise ``ValueError`` naming the bad key."""
    if not isinstance(attributes, dict):
        raise TypeError(f"attributes must be a dict, got {type(attributes).__name__}")
    unknown = set(attributes) - set(ATTRIBUTE_KEYS)
    if unknown:
        raise ValueError(f"unknown attribute keys {sorted(unknown)}; expected {ATTRIBUTE_KEYS}")
    gtype = attributes.get("type")
    if gtype not in TYPE_OPTIONS:
        raise ValueError(f"garment type must be one of {list(GARMENT_TYPES)}, got {gtype!r}")
    opts = TYPE_OPTIONS[gtype]
    if "category" in attributes and attributes["category"] != GARMENT_CATEGORY[gtype]:
        raise ValueError(
            f"category {attributes['category']!r} does not match type {gtype!r} "
            f"({GARMENT_CATEGORY[gtype]!r})"
        )
    if attributes.get("colour") not in PALETTE:
        raise ValueError(f"colour must be a palette name, got {attributes.get('colour')!r}")
    pattern = attributes.get("pattern", "solid")
    if pattern not in opts["pattern"]:
        raise ValueError(f"pattern {pattern!r} not allowed for {gtype!r}: {opts['pattern']}")
    colour2 = attributes.get("colour2", NONE)
    if pattern in TWO_COLOUR_PATTERNS:
        if colour2 not in PALETTE:
            raise ValueError(f"pattern {pattern!r} needs a palette colour2, got {colour2!r}")
    elif colour2 != NONE:
        raise ValueError(f"pattern {pattern!r} takes no colour2, got {colour2!r}")
    for key in ("sleeve", "neckline", "length"):
        value = attributes.get(key, NONE)
        if value not in opts[key]:
            raise ValueError(f"{key} {value!r} not allowed for {gtype!r}: {opts[key]}")
    if attributes.get("fit", "regular") not in FITS:
        raise ValueError(f"fit must be one of {FITS}, got {attributes.get('fit')!r}")
    return attributes


def _choice(rng: np.random.Generator, options, weights=None):
    if weights is None:
        return options[int(rng.integers(len(options)))]
    p = np.asarray(weights, dtype=np.float64)
    return options[int(rng.choice(len(options), p=p / p.sum()))]


def sample_garment(
    rng: np.random.Generator,
    garment_type: str | None = None,
    *,
    colour: str | None = None,
    category: str | None = None,
    exclude_heldout: bool = True,
    avoid: GarmentSpec | None = None,
) -> GarmentSpec:
    """Sample a random garment.

    Args:
        rng: source of randomness.
        garment_type: fix the type; else uniform over the types (of ``category`` if given).
        colour: fix the main colour; else uniform over the palette.
        category: restrict the type to ``"upper"``, ``"lower"`` or ``"full"``.
        exclude_heldout: never return a (colour, type) in :data:`HELDOUT_COMBINATIONS`
            (ignored when both ``colour`` and ``garment_type`` are given).
        avoid: resample until the result differs from this spec in type, colour or pattern.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator, got {type(rng).__name__}")
    if garment_type is not None and garment_type not in TYPE_OPTIONS:
        raise ValueError(f"unknown garment type {garment_type!r}; expected {list(GARMENT_TYPES)}")
    if colour is not None and colour not in PALETTE:
        raise ValueError(f"unknown colour {colour!r}")
    types = [t for t in GARMENT_TYPES if category is None or GARMENT_CATEGORY[t] == category]
    if not types:
        raise ValueError(f"unknown category {category!r}")
    for _ in range(100):
        gtype = garment_type or _choice(rng, types)
        opts = TYPE_OPTIONS[gtype]
        if colour is not None:
            main = colour
        elif gtype == "jeans" and rng.random() < 0.7:
            main = _choice(rng, _DENIM_COLOURS)
        else:
            main = _choice(rng, COLOUR_NAMES)
        if exclude_heldout and (main, gtype) in HELDOUT_COMBINATIONS:
            if colour is not None and garment_type is not None:
                pass  # the caller asked for exactly this combination
            else:
                continue
        pattern = _choice(rng, opts["pattern"], opts["pattern_weights"])
        colour2 = NONE
        if pattern in TWO_COLOUR_PATTERNS:
            colour2 = _choice(rng, _CONTRASTING[main])
        spec = GarmentSpec(
            type=gtype,
            colour=main,
            pattern=pattern,
            colour2=colour2,
            sleeve=_choice(rng, opts["sleeve"]),
            neckline=_choice(rng, opts["neckline"]),
            fit=_choice(rng, FITS),
            length=_choice(rng, opts["length"]),
            style_seed=int(rng.integers(2**31)),
        )
        if avoid is not None and (spec.type, spec.colour, spec.pattern) == (
            avoid.type,
            avoid.colour,
            avoid.pattern,
        ):
            continue
        return spec
    raise ValueError(
        f"could not sample a garment with type={garment_type!r} colour={colour!r} "
        f"category={category!r} (all candidates excluded)"
    )


@dataclass(frozen=True)
class Outfit:
    """What a person wears: a ``top`` and a ``bottom``, or a ``one_piece`` (a dress)."""

    top: GarmentSpec | None = None
    bottom: GarmentSpec | None = None
    one_piece: GarmentSpec | None = None

    def __post_init__(self) -> None:
        if self.one_piece is not None:
            if self.top is not None or self.bottom is not None:
                raise ValueError("an outfit with a one_piece has no top or bottom")
            if self.one_piece.slot != "one_piece":
                raise ValueError(f"one_piece must be a dress, got {self.one_piece.type!r}")
        else:
            if self.top is None or self.bottom is None:
                raise ValueError("an outfit needs a top and a bottom, or a one_piece")
            if self.top.slot != "top":
                raise ValueError(f"top must be an upper garment, got {self.top.type!r}")
            if self.bottom.slot != "bottom":
                raise ValueError(f"bottom must be a lower garment, got {self.bottom.type!r}")

    def garments(self) -> dict[str, GarmentSpec]:
        """Slot name (``"top"``, ``"bottom"``, ``"one_piece"``) -> spec, for worn slots."""
        out = {"top": self.top, "bottom": self.bottom, "one_piece": self.one_piece}
        return {k: v for k, v in out.items() if v is not None}


def sample_outfit(
    rng: np.random.Generator, *, p_dress: float = 0.2, exclude_heldout: bool = True
) -> Outfit:
    """Sample a top + bottom outfit, or a dress with probability ``p_dress``."""
    if rng.random() < p_dress:
        return Outfit(one_piece=sample_garment(rng, "dress", exclude_heldout=exclude_heldout))
    return Outfit(
        top=sample_garment(rng, category="upper", exclude_heldout=exclude_heldout),
        bottom=sample_garment(rng, category="lower", exclude_heldout=exclude_heldout),
    )
