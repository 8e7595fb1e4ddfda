"""Tests of garment specs, sampling and held-out combinations."""

from __future__ import annotations

import numpy as np
import pytest

from tryon.body import GARMENT_CATEGORY, GARMENT_TYPES
from tryon.data.garments import (
    ATTRIBUTE_KEYS,
    HELDOUT_COMBINATIONS,
    TYPE_OPTIONS,
    GarmentSpec,
    Outfit,
    sample_garment,
    sample_outfit,
)
from tryon.data.palette import COLOUR_NAMES


def test_types_match_body_conventions():
    assert set(TYPE_OPTIONS) == set(GARMENT_TYPES)


def test_heldout_combinations_are_compositional():
    types = {t for _, t in HELDOUT_COMBINATIONS}
    assert types == set(GARMENT_TYPES)  # one held-out colour per type
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(3000):
        g = sample_garment(rng)
        assert (g.colour, g.type) not in HELDOUT_COMBINATIONS
        seen.add((g.colour, g.type))
    # Each held-out colour and each type still occur in training, in other combinations.
    for colour, gtype in HELDOUT_COMBINATIONS:
        assert any(c == colour for c, _ in seen)
        assert any(t == gtype and c != colour for c, t in seen)


def test_sampled_attributes_are_complete_and_valid():
    rng = np.random.default_rng(1)
    for _ in range(300):
        g = sample_garment(rng, exclude_heldout=False)
        attrs = g.attributes()
        assert tuple(attrs) == ATTRIBUTE_KEYS
        assert all(isinstance(v, str) for v in attrs.values())
        assert attrs["category"] == GARMENT_CATEGORY[g.type]
        assert g.colour in COLOUR_NAMES
        assert (g.colour2 == "none") == (
            g.pattern not in ("stripes_h", "stripes_v", "checks", "dots", "floral")
        )
        assert g.colour2 != g.colour


def test_sample_constraints_and_avoid():
    rng = np.random.default_rng(2)
    g = sample_garment(rng, "skirt", colour="red")
    assert (g.type, g.colour) == ("skirt", "red")
    assert sample_garment(rng, category="lower").category == "lower"
    for _ in range(50):
        h = sample_garment(rng, "jeans", avoid=g)
        assert h.pattern == "denim"
    forced = sample_garment(rng, "dress", colour="navy", exclude_heldout=True)
    assert (forced.colour, forced.type) == ("navy", "dress")  # explicit request is honoured


def test_invalid_specs_name_the_problem():
    with pytest.raises(ValueError, match="sleeve"):
        GarmentSpec("t-shirt", "red", sleeve="long", neckline="crew")
    with pytest.raises(ValueError, match="colour2"):
        GarmentSpec("t-shirt", "red", pattern="stripes_h", sleeve="short", neckline="crew")
    with pytest.raises(ValueError, match="garment type"):
        GarmentSpec("cape", "red")
    with pytest.raises(ValueError, match="one_piece"):
        Outfit(
            top=sample_garment(np.random.default_rng(0), "t-shirt"),
            one_piece=sample_garment(np.random.default_rng(0), "dress"),
        )
    with pytest.raises(ValueError, match="top and a bottom"):
        Outfit(top=sample_garment(np.random.default_rng(0), "t-shirt"))
    with pytest.raises(TypeError):
        sample_garment(np.random.RandomState(0))
    o = sample_outfit(np.random.default_rng(3))
    assert set(o.garments()) in ({"top", "bottom"}, {"one_piece"})
