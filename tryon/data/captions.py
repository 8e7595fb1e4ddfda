"""Garment captions: a natural-language grammar, an exact attribute form, and a parser.

* :func:`natural_caption` writes a caption from a small grammar with synonyms and varied word
  order ("a crimson striped tee", "short-sleeved shirt in navy blue", "wide-leg khaki
  trousers with white pinstripes"). Invariant the parser relies on: the main colour is always
  named before the second colour.
* :func:`exact_caption` writes the attributes as ``key value`` fields separated by ``"; "``
  ("type t-shirt; colour red; pattern stripes_h; colour2 white; neckline crew"), leaving out
  what the type implies. ``parse_caption(exact_caption(a)) == a`` for every valid attribute
  dict ``a``.
* :func:`parse_caption` reads the exact form exactly, and natural captions best-effort
  (longest-match keyword spotting): it returns the attributes it finds.
"""

from __future__ import annotations

import re

import numpy as np

from tryon.body import GARMENT_CATEGORY, GARMENT_TYPES
from tryon.data.garments import (
    ATTRIBUTE_KEYS,
    NONE,
    TWO_COLOUR_PATTERNS,
    TYPE_OPTIONS,
    validate_attributes,
)
from tryon.data.palette import COLOUR_SYNONYMS

#: Words captions use for each garment type (the canonical name first).
TYPE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "t-shirt": ("t-shirt", "tee", "tee shirt", "t-shirt top"),
    "long-sleeve shirt": ("long-sleeve shirt", "long-sleeved shirt", "button-up shirt", "shirt"),
    "tank top": ("tank top", "sleeveless top", "vest top", "tank"),
    "sweater": ("sweater", "jumper", "pullover"),
    "jacket": ("jacket", "blazer"),
    "shorts": ("shorts",),
    "trousers": ("trousers", "pants", "slacks"),
    "jeans": ("jeans",),
    "skirt": ("skirt",),
    "dress": ("dress", "frock"),
}
_PLURAL_TYPES = frozenset({"shorts", "trousers", "jeans"})

# Pattern adjectives (before the type; the second colour is not named) and "with" phrases
# (after the type; "{c2}" is the second colour's word).
_PATTERN_ADJ: dict[str, tuple[str, ...]] = {
    "solid": ("", "", "plain", "solid"),
    "stripes_h": ("striped", "horizontal-striped"),
    "stripes_v": ("vertical-striped", "pinstriped"),
    "checks": ("checked", "plaid", "gingham"),
    "dots": ("polka-dot", "spotted"),
    "floral": ("floral", "flower-print"),
    "denim": ("denim",),
    "knit": ("knit", "knitted", "chunky-knit"),
}
_PATTERN_WITH: dict[str, tuple[str, ...]] = {
    "stripes_h": ("with {c2} stripes", "with thin {c2} stripes", "with {c2} horizontal stripes"),
    "stripes_v": ("with {c2} vertical stripes", "with {c2} pinstripes"),
    "checks": ("with {c2} checks", "with a {c2} check pattern"),
    "dots": ("with {c2} polka dots", "with {c2} dots"),
    "floral": ("with a {c2} floral print", "with {c2} flowers"),
}
# Words the parser maps back to patterns (longest first at parse time).
_PATTERN_WORDS: dict[str, str] = {
    "striped": "stripes_h",
    "stripes": "stripes_h",
    "horizontal-striped": "stripes_h",
    "horizontal stripes": "stripes_h",
    "vertical-striped": "stripes_v",
    "vertical stripes": "stripes_v",
    "pinstriped": "stripes_v",
    "pinstripes": "stripes_v",
    "checked": "checks",
    "checks": "checks",
    "check pattern": "checks",
    "plaid": "checks",
    "gingham": "checks",
    "polka-dot": "dots",
    "polka dots": "dots",
    "dots": "dots",
    "spotted": "dots",
    "floral": "floral",
    "floral print": "floral",
    "flower-print": "floral",
    "flowers": "floral",
    "denim": "denim",
    "jeans": "denim",
    "knit": "knit",
    "knitted": "knit",
    "chunky-knit": "knit",
    "plain": "solid",
    "solid": "solid",
}
_SLEEVE_ADJ = {
    "sleeveless": ("sleeveless",),
    "short": ("short-sleeved",),
    "long": ("long-sleeved",),
}
_SLEEVE_WITH = {"short": ("with short sleeves",), "long": ("with long sleeves",)}
_SLEEVE_WORDS = {
    "sleeveless": "sleeveless",
    "short-sleeved": "short",
    "short sleeves": "short",
    "long-sleeved": "long",
    "long-sleeve": "long",
    "long sleeves": "long",
}
_NECK_ADJ = {
    "crew": ("crew-neck", "round-neck"),
    "v-neck": ("v-neck",),
    "scoop": ("scoop-neck",),
    "collar": ("collared",),
    "turtleneck": ("turtleneck", "roll-neck"),
    "lapel": ("lapelled",),
}
_NECK_WITH = {
    "crew": ("with a crew neck", "with a round neck"),
    "v-neck": ("with a v-neck",),
    "scoop": ("with a scoop neck",),
    "collar": ("with a collar",),
    "turtleneck": ("with a turtleneck",),
    "lapel": ("with lapels",),
}
_NECK_WORDS = {
    "crew-neck": "crew",
    "crew neck": "crew",
    "round-neck": "crew",
    "round neck": "crew",
    "v-neck": "v-neck",
    "scoop-neck": "scoop",
    "scoop neck": "scoop",
    "collared": "collar",
    "collar": "collar",
    "turtleneck": "turtleneck",
    "roll-neck": "turtleneck",
    "lapelled": "lapel",
    "lapels": "lapel",
}
# Fit words depend on the type family.
_FIT_ADJ = {
    "default": {
        "slim": ("slim", "slim-fit", "fitted"),
        "regular": ("", "regular-fit"),
        "loose": ("loose", "oversized", "relaxed"),
    },
    "legs": {
        "slim": ("slim", "skinny", "slim-fit"),
        "regular": ("", "straight-leg"),
        "loose": ("wide-leg", "loose", "baggy"),
    },
    "skirt": {"slim": ("pencil",), "regular": ("a-line",), "loose": ("flared",)},
}
_FIT_WORDS = {
    "slim": "slim",
    "slim-fit": "slim",
    "fitted": "slim",
    "skinny": "slim",
    "pencil": "slim",
    "regular-fit": "regular",
    "straight-leg": "regular",
    "a-line": "regular",
    "loose": "loose",
    "oversized": "loose",
    "relaxed": "loose",
    "wide-leg": "loose",
    "baggy": "loose",
    "flared": "loose",
}
_LENGTH_ADJ = {
    "short": ("", "short"),
    "knee": ("knee-length", "bermuda"),
    "cropped": ("cropped", "ankle-length"),
    "full": ("", "full-length"),
    "mini": ("mini",),
    "midi": ("midi",),
    "maxi": ("maxi",),
}
_LENGTH_WORDS = {
    "knee-length": "knee",
    "bermuda": "knee",
    "cropped": "cropped",
    "ankle-length": "cropped",
    "full-length": "full",
    "mini": "mini",
    "midi": "midi",
    "maxi": "maxi",
}


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def _fit_family(gtype: str) -> str:
    if gtype in ("trousers", "jeans", "shorts"):
        return "legs"
    if gtype == "skirt":
        return "skirt"
    return "default"


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _article(phrase: str, plural: bool) -> str:
    if plural:
        return phrase
    return ("an " if phrase[:1] in "aeiou" else "a ") + phrase


def natural_caption(attributes: dict[str, str], rng: np.random.Generator) -> str:
    """Describe a garment in natural language, choosing synonyms and word order with ``rng``.

    Args:
        attributes: a valid attribute dict (see :func:`tryon.data.garments.validate_attributes`).
        rng: source of the random choices.

    Returns:
        A lower-case caption of at most ~20 words, e.g. ``"crimson tee with thin white
        stripes"``. The main colour is named; the second colour is named when the grammar
        uses a "with" phrase or "<colour> and <colour2>".
    """
    validate_attributes(attributes)
    gtype = attributes["type"]
    pattern = attributes["pattern"]
    plural = gtype in _PLURAL_TYPES
    colour = _pick(rng, COLOUR_SYNONYMS[attributes["colour"]])
    c2 = attributes.get("colour2", NONE)
    c2_word = _pick(rng, COLOUR_SYNONYMS[c2]) if c2 != NONE else ""
    type_word = _pick(rng, TYPE_SYNONYMS[gtype])

    fit = _pick(rng, _FIT_ADJ[_fit_family(gtype)][attributes["fit"]])
    if rng.random() < 0.4 and _fit_family(gtype) == "default":
        fit = ""
    length = attributes.get("length", NONE)
    length_adj = _pick(rng, _LENGTH_ADJ[length]) if length != NONE else ""
    if length_adj == "bermuda" and gtype != "shorts":
        length_adj = "knee-length"
    sleeve = attributes.get("sleeve", NONE)
    neck = attributes.get("neckline", NONE)
    sleeve_explicit = gtype == "dress" or rng.random() < 0.25
    neck_explicit = gtype in ("dress", "sweater") or rng.random() < 0.35

    pattern_adj = _pick(rng, _PATTERN_ADJ[pattern])
    if gtype == "jeans" and rng.random() < 0.7:
        pattern_adj = ""
    with_pattern = ""
    if pattern in _PATTERN_WITH and rng.random() < 0.6:
        with_pattern = _pick(rng, _PATTERN_WITH[pattern]).format(c2=c2_word)
        pattern_adj = ""
    elif pattern in TWO_COLOUR_PATTERNS and rng.random() < 0.5:
        colour = f"{colour} and {c2_word}"

    extras = []
    if sleeve != NONE and sleeve_explicit and sleeve in _SLEEVE_WITH and rng.random() < 0.5:
        extras.append(_pick(rng, _SLEEVE_WITH[sleeve]))
        sleeve_adj = ""
    else:
        sleeve_adj = _pick(rng, _SLEEVE_ADJ[sleeve]) if sleeve != NONE and sleeve_explicit else ""
    if neck != NONE and neck_explicit and rng.random() < 0.5:
        extras.append(_pick(rng, _NECK_WITH[neck]))
        neck_adj = ""
    else:
        neck_adj = _pick(rng, _NECK_ADJ[neck]) if neck != NONE and neck_explicit else ""
    # "t-shirt" with a sleeve adjective reads better as "short-sleeved shirt".
    if gtype == "t-shirt" and sleeve_adj and rng.random() < 0.7:
        type_word, sleeve_adj = f"{sleeve_adj} shirt", ""
    if gtype == "long-sleeve shirt" and type_word.startswith("long-sleeve"):
        sleeve_adj = ""
    if gtype == "tank top" and type_word == "sleeveless top":
        sleeve_adj = ""

    # Several "with" phrases read as "with A and B".
    withs = [w for w in (with_pattern, *extras) if w]
    with_all = _join(withs[0], *(f"and {w[len('with ') :]}" for w in withs[1:])) if withs else ""
    template = int(rng.integers(3))
    if template == 0 or (template == 2 and " and " in colour):
        # "a slim crimson striped crew-neck tee with long sleeves"
        head = _join(length_adj, fit, colour, pattern_adj, sleeve_adj, neck_adj, type_word)
        text = _join(_article(head, plural), with_all)
    elif template == 1:
        # "crimson tee with thin white stripes"
        head = _join(fit, length_adj, colour, pattern_adj, neck_adj, sleeve_adj, type_word)
        text = _join(head, with_all)
    else:
        # "short-sleeved shirt in navy blue with white dots"
        head = _join(sleeve_adj, length_adj, fit, pattern_adj, neck_adj, type_word)
        text = _join(head, "in", colour, with_all)
    return re.sub(r"\s+", " ", text).strip()


_DEFAULTS = {"pattern": "solid", "fit": "regular"}


def _implied(gtype: str, key: str) -> str | None:
    """The value of ``key`` the type implies (its only option, or the default), else None."""
    opts = TYPE_OPTIONS[gtype].get(key)
    if opts is not None and len(opts) == 1:
        return opts[0]
    return _DEFAULTS.get(key)


def exact_caption(attributes: dict[str, str]) -> str:
    """The attribute-exact caption, e.g. ``"type t-shirt; colour red; pattern stripes_h;
    colour2 white; neckline crew; fit slim"``.

    ``key value`` fields in :data:`ATTRIBUTE_KEYS` order, separated by ``"; "``. Left out
    (and restored by :func:`parse_caption`): ``category``, ``"none"`` values, values the type
    allows only one of (a t-shirt's short sleeves) and the defaults ``pattern solid`` and
    ``fit regular``. At most about 30 WordPiece tokens.
    """
    validate_attributes(attributes)
    gtype = attributes["type"]
    parts = [f"type {gtype}"]
    for key in ATTRIBUTE_KEYS[2:]:
        value = attributes.get(key, NONE)
        if value != NONE and value != _implied(gtype, key):
            parts.append(f"{key} {value}")
    return "; ".join(parts)


_EXACT_RE = re.compile(r"^\s*type [^;]+;\s*colour ")


def is_exact_caption(text: str) -> bool:
    """Whether ``text`` is in the exact attribute form (``"type ...; colour ...; ..."``)."""
    return isinstance(text, str) and _EXACT_RE.match(text) is not None


def _parse_exact(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition(" ")
        if not sep or key not in ATTRIBUTE_KEYS or key == "category" or key in found:
            raise ValueError(f"bad attribute {part!r} in exact caption {text!r}")
        found[key] = value.strip()
    gtype = found.get("type")
    if gtype not in GARMENT_CATEGORY:
        raise ValueError(f"exact caption {text!r} has no valid type")
    attrs = {"type": gtype, "category": GARMENT_CATEGORY[gtype]}
    for key in ATTRIBUTE_KEYS[2:]:
        implied = _implied(gtype, key)
        attrs[key] = found.get(key, implied if implied is not None else NONE)
    return validate_attributes(attrs)


def _spot(text: str, vocabulary: dict[str, str]) -> list[tuple[int, str, tuple[int, int]]]:
    """Longest-first, non-overlapping whole-word matches: (start, value, span) sorted by start."""
    found: list[tuple[int, str, tuple[int, int]]] = []
    taken = np.zeros(len(text) + 1, dtype=bool)
    for word in sorted(vocabulary, key=len, reverse=True):
        for m in re.finditer(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", text):
            if not taken[m.start() : m.end()].any():
                taken[m.start() : m.end()] = True
                found.append((m.start(), vocabulary[word], (m.start(), m.end())))
    return sorted(found)


_COLOUR_VOCAB = {syn: name for name, syns in COLOUR_SYNONYMS.items() for syn in syns}
_TYPE_VOCAB = {syn: name for name, syns in TYPE_SYNONYMS.items() for syn in syns}
_TYPE_VOCAB.update({"short-sleeved shirt": "t-shirt", "short-sleeve shirt": "t-shirt"})


def _blank(text: str, spans: list) -> str:
    """``text`` with the :func:`_spot` matches ``spans`` blanked out (same length), so that
    type words ("tank", "shirt") do not leak into other vocabularies ("tan")."""
    for _, _, (a, b) in spans:
        text = text[:a] + " " * (b - a) + text[b:]
    return text


def _names_print_first(text: str, colours: list, pattern: tuple) -> bool:
    """Whether ``text`` puts the print before its ground ("white dots on a navy dress",
    "red stripes on white"): the first colour, then the pattern word, then "on", then the
    second colour. ``colours`` and ``pattern`` are :func:`_spot` matches in ``text``."""
    first_end, second = colours[0][2][1], colours[1][0]
    pattern_start, pattern_end = pattern[2]
    if not first_end <= pattern_start < pattern_end <= second:
        return False
    return re.search(r"(?<![\w-])on(?![\w-])", text[pattern_end:second]) is not None


def parse_caption(text: str) -> dict[str, str]:
    """Read attributes from a caption.

    The exact form (see :func:`exact_caption`) is parsed exactly and returns the full
    attribute dict (raising ``ValueError`` on a malformed one). A natural caption returns
    only the attributes it mentions (keys among :data:`ATTRIBUTE_KEYS`): ``type`` (and its
    ``category``), ``colour`` (the first colour named), ``colour2`` (the second colour, for
    two-colour patterns), ``pattern``, ``sleeve``, ``neckline``, ``fit``, ``length``. A print
    named before its ground ("white dots on a navy dress") gives the ground as ``colour``.
    """
    if not isinstance(text, str):
        raise TypeError(f"caption must be a str, got {type(text).__name__}")
    if is_exact_caption(text):
        return _parse_exact(text)
    low = " ".join(text.lower().split())
    out: dict[str, str] = {}
    types = _spot(low, _TYPE_VOCAB)
    if types:
        out["type"] = types[0][1]
        out["category"] = GARMENT_CATEGORY[out["type"]]
        if out["type"] == "t-shirt" and "shirt" in low and "sleeve" in low:
            out["sleeve"] = "short"
    masked = _blank(low, types)
    colours = _spot(masked, _COLOUR_VOCAB)
    if colours:
        out["colour"] = colours[0][1]
    patterns = _spot(masked, _PATTERN_WORDS)
    if patterns:
        out["pattern"] = patterns[0][1]
    elif out.get("type") == "jeans":
        out["pattern"] = "denim"
    if out.get("pattern") in TWO_COLOUR_PATTERNS and len(colours) > 1:
        out["colour2"] = colours[1][1]
        if _names_print_first(masked, colours, patterns[0]):
            out["colour"], out["colour2"] = colours[1][1], colours[0][1]
    for key, vocab in (
        ("sleeve", _SLEEVE_WORDS),
        ("neckline", _NECK_WORDS),
        ("fit", _FIT_WORDS),
        ("length", _LENGTH_WORDS),
    ):
        hits = _spot(low, vocab)
        if hits:
            out[key] = hits[0][1]
    return out


def _take_out(caption: str, exact_fields: tuple[str, ...], vocabulary: dict, names=None) -> str:
    """``caption`` without the words of ``vocabulary`` found as :func:`parse_caption` finds
    them (type words blanked first: "tank" is not "tan", "jeans" is a type), all of them or,
    with ``names`` (``f(normalised caption) -> names``), those whose name it returns; an exact
    caption without its fields ``exact_fields``. Lower-cased, whitespace collapsed."""
    if not isinstance(caption, str):
        raise TypeError(f"caption must be a str, got {type(caption).__name__}")
    if is_exact_caption(caption):
        parts = [p.strip() for p in caption.split(";")]
        return "; ".join(p for p in parts if p and p.partition(" ")[0] not in exact_fields)
    low = " ".join(caption.lower().split())
    masked = _blank(low, _spot(low, _TYPE_VOCAB))
    taken = None if names is None else names(low)
    out = low
    for _, name, (a, b) in reversed(_spot(masked, vocabulary)):
        if taken is None or name in taken:
            out = out[:a] + out[b:]
    return " ".join(out.split())


def without_colour(caption: str) -> str:
    """``caption`` with the garment's colour taken out: the words :func:`parse_caption` reads
    as its ``colour`` (synonyms and two-word names: "royal blue", "dark grey"), or the
    ``colour`` field of an exact caption. A print's colour stays, as does everything else,
    lower-cased and with its whitespace collapsed: ``"a Royal Blue skirt with pale purple
    pinstripes"`` -> ``"a skirt with pale purple pinstripes"``. Colour guidance contrasts a
    prompt with this (:mod:`tryon.pipeline.guidance`); a caption naming no colour comes back
    as it is (normalised)."""
    return _take_out(
        caption, ("colour",), _COLOUR_VOCAB, lambda low: {parse_caption(low).get("colour")}
    )


def without_pattern(caption: str) -> str:
    """``caption`` with its pattern words taken out: every word :func:`parse_caption` reads as
    a pattern ("stripes", "polka dots", "plaid", "plain", "knitted"), or the ``pattern`` field
    of an exact caption (with its ``colour2``: an exact caption without a pattern is a solid
    one, which has no second colour). Colours stay, the print's too in a natural caption, as
    does everything else, lower-cased and with its whitespace collapsed: ``"a navy dress with
    white Polka Dots"`` -> ``"a navy dress with white"``. Pattern guidance contrasts a prompt
    with this (:mod:`tryon.pipeline.guidance`); a caption naming no pattern comes back as it
    is (normalised), and so does "blue jeans" (denim is read from the type word, which stays)."""
    return _take_out(caption, ("pattern", "colour2"), _PATTERN_WORDS)


def without_print_colour(caption: str) -> str:
    """``caption`` with its print's colour taken out: the words :func:`parse_caption` reads as
    its ``colour2`` (the second colour of a two-colour pattern), where they differ from the
    garment's own ``colour``. Everything else stays, lower-cased and with its whitespace
    collapsed: ``"a navy dress with White polka dots"`` -> ``"a navy dress with polka
    dots"``. Print-colour guidance contrasts a prompt with this (:mod:`tryon.pipeline.guidance`).
    A caption naming no print's colour comes back as it is (normalised), and so does an exact
    caption: its two-colour pattern cannot go without its ``colour2``."""

    def print_colour(low: str) -> set[str]:
        attributes = parse_caption(low)
        return {attributes.get("colour2")} - {attributes.get("colour")}

    return _take_out(caption, (), _COLOUR_VOCAB, print_colour)


def names_two_colours(caption: str) -> bool:
    """Whether ``caption`` names a print's second colour ("navy with white dots", "red and
    white stripes"): the prompts the evaluation scores second-colour accuracy on, and the
    pairs training can oversample (``[data] two_colour_share``)."""
    return parse_caption(caption).get("colour2") is not None


__all__ = [
    "GARMENT_TYPES",
    "TYPE_SYNONYMS",
    "exact_caption",
    "is_exact_caption",
    "names_two_colours",
    "natural_caption",
    "parse_caption",
    "without_colour",
    "without_pattern",
    "without_print_colour",
]
