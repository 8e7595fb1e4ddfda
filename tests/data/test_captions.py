"""Tests of the caption grammar, the exact attribute form and the parser."""

from __future__ import annotations

import numpy as np
import pytest

from tryon.data.captions import (
    exact_caption,
    names_two_colours,
    natural_caption,
    parse_caption,
    without_colour,
    without_pattern,
    without_print_colour,
)
from tryon.data.garments import ATTRIBUTE_KEYS, GarmentSpec, sample_garment


def _garments(n, seed=0):
    rng = np.random.default_rng(seed)
    return [sample_garment(rng, exclude_heldout=False) for _ in range(n)], rng


def test_exact_form_round_trips():
    garments, _ = _garments(400)
    for g in garments:
        attrs = g.attributes()
        text = exact_caption(attrs)
        assert parse_caption(text) == attrs
        assert GarmentSpec.from_attributes(parse_caption(text)) == g
        assert len(text.split()) < 25


def test_natural_captions_parse_back_to_their_attributes():
    garments, rng = _garments(600, seed=1)
    texts = set()
    for g in garments:
        attrs = g.attributes()
        text = natural_caption(attrs, rng)
        texts.add(text)
        assert len(text.split()) < 40
        found = parse_caption(text)
        # Type and main colour are always named; whatever else is named is right.
        assert found["type"] == attrs["type"], text
        assert found["colour"] == attrs["colour"], text
        for key, value in found.items():
            assert value == attrs[key], (key, text)
    assert len(texts) > 550  # synonyms and word orders vary


def test_examples_from_the_issue():
    assert parse_caption("a red striped t-shirt") == {
        "type": "t-shirt",
        "category": "upper",
        "colour": "red",
        "pattern": "stripes_h",
    }
    found = parse_caption("crimson tee with thin white stripes")
    assert (found["type"], found["colour"], found["pattern"], found["colour2"]) == (
        "t-shirt",
        "red",
        "stripes_h",
        "white",
    )
    found = parse_caption("short-sleeved shirt in navy blue")
    assert (found["type"], found["colour"], found["sleeve"]) == ("t-shirt", "navy", "short")
    assert parse_caption("a tan tank top")["colour"] == "tan"


def test_natural_caption_is_deterministic_in_rng():
    attrs = GarmentSpec(
        "dress", "coral", "dots", "white", "short", "v-neck", "loose", "midi"
    ).attributes()
    a = [natural_caption(attrs, np.random.default_rng(5)) for _ in range(2)]
    assert a[0] == a[1]


def test_bad_captions_and_attributes():
    with pytest.raises(ValueError, match="colour"):
        exact_caption({"type": "t-shirt", "colour": "ultraviolet"})
    with pytest.raises(ValueError, match="bad attribute"):
        parse_caption("type t-shirt; colour red; glitter yes")
    with pytest.raises(ValueError, match="sleeve"):
        parse_caption("type t-shirt; colour red; sleeve long; neckline crew")
    with pytest.raises(ValueError, match="type"):
        parse_caption("type cape; colour red")
    jeans = parse_caption("type jeans; colour blue; length full")
    assert set(jeans) == set(ATTRIBUTE_KEYS)
    assert (jeans["pattern"], jeans["fit"], jeans["sleeve"]) == ("denim", "regular", "none")
    assert exact_caption(jeans) == "type jeans; colour blue; length full"


def test_names_two_colours_reads_the_second_colour_of_a_print():
    assert names_two_colours("a navy shirt with white polka dots")
    assert names_two_colours("a red and white striped t-shirt")
    assert not names_two_colours("a navy linen shirt with short sleeves")
    assert not names_two_colours("a striped navy t-shirt")  # stripes' colour left unnamed


def test_a_print_named_before_its_ground_gives_the_ground_as_the_colour():
    """ "white dots on a navy dress" is a navy dress: the colour lock and the evaluation read
    the base colour from `colour` and the print's from `colour2`."""
    for text in ("white polka dots on a navy dress", "a dress with white dots on navy"):
        parsed = parse_caption(text)
        assert (parsed["colour"], parsed["colour2"], parsed["pattern"]) == ("navy", "white", "dots")
    for text in ("a navy dress with white dots", "navy dress, white dots on the hem"):
        parsed = parse_caption(text)
        assert (parsed["colour"], parsed.get("colour2")) == ("navy", "white")
    # "on" before the pattern word, or no second colour: nothing to swap
    assert parse_caption("a red top on white with stripes")["colour"] == "red"
    assert parse_caption("white stripes on a shirt")["colour"] == "white"


def test_without_colour():
    assert without_colour("a Royal Blue skirt with pale purple pinstripes") == (
        "a skirt with pale purple pinstripes"  # the print's colour stays
    )
    assert without_colour("a tan tank top") == "a tank top"  # "tank" is a type, not "tan"
    assert without_colour("white dots on a navy dress") == "white dots on a dress"
    assert without_colour("a  linen   shirt") == "a linen shirt"  # no colour: normalised only
    exact = "type t-shirt; colour red; pattern stripes_h; colour2 white; fit slim"
    assert without_colour(exact) == "type t-shirt; pattern stripes_h; colour2 white; fit slim"
    for caption in ("a crimson tee", "navy blue jeans", "a tan tank top"):
        assert "colour" not in parse_caption(without_colour(caption))
    with pytest.raises(TypeError, match="must be a str"):
        without_colour(None)


def test_without_pattern():
    assert without_pattern("a navy dress with white Polka Dots") == "a navy dress with white"
    assert without_pattern("red and white striped shirt") == "red and white shirt"
    assert without_pattern("a plain tan tank top") == "a tan tank top"  # "plain" is solid
    assert without_pattern("a red gingham check pattern shirt") == "a red shirt"
    assert without_pattern("blue  Jeans") == "blue jeans"  # denim by its type word, which stays
    assert without_pattern("a linen shirt") == "a linen shirt"
    garments, rng = _garments(300, seed=3)
    for g in garments:
        attrs = g.attributes()
        natural = without_pattern(natural_caption(attrs, rng))
        parsed = parse_caption(natural)
        assert parsed.get("pattern") in (None, "denim"), natural  # jeans keep their denim
        assert parsed.get("type") == attrs["type"], natural
        assert parsed.get("colour") in (attrs["colour"], attrs.get("colour2")), natural
        exact = parse_caption(without_pattern(exact_caption(attrs)))  # still a valid caption
        assert exact["pattern"] in ("solid", "denim") and exact["colour2"] == "none"
        assert {k: v for k, v in exact.items() if k not in ("pattern", "colour2")} == {
            k: v for k, v in attrs.items() if k not in ("pattern", "colour2")
        }
    with pytest.raises(TypeError, match="must be a str"):
        without_pattern(None)


def test_without_print_colour():
    assert (
        without_print_colour("a navy dress with White polka dots") == "a navy dress with polka dots"
    )
    assert without_print_colour("white dots on a navy dress") == "dots on a navy dress"
    assert (
        without_print_colour("a navy skirt with pale purple pinstripes")
        == "a navy skirt with pinstripes"
    )
    # the print's colour is the garment's: taking it out would take the garment's too
    assert without_print_colour("a white dress with white dots") == "a white dress with white dots"
    assert without_print_colour("a red shirt") == "a red shirt"
    assert without_print_colour("a navy shirt with stripes") == "a navy shirt with stripes"
    garments, rng = _garments(300, seed=4)
    two_colour = 0
    for g in garments:
        attrs = g.attributes()
        caption = natural_caption(attrs, rng)
        before, after = parse_caption(caption), parse_caption(without_print_colour(caption))
        # only the print's colour goes: type, pattern and the garment's colour stay
        for key in ("type", "pattern", "colour"):
            assert after.get(key) == before.get(key), caption
        if before.get("colour2") not in (None, before.get("colour")):
            two_colour += 1
            assert after.get("colour2") is None, caption
        else:
            assert without_print_colour(caption) == " ".join(caption.lower().split()), caption
        exact = exact_caption(attrs)
        assert without_print_colour(exact) == exact  # colour2 cannot go alone
    assert two_colour > 30
    with pytest.raises(TypeError, match="must be a str"):
        without_print_colour(None)
