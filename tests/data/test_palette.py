"""Tests of the colour palette and the sRGB -> CIELAB conversion."""

from __future__ import annotations

import numpy as np
import pytest

from tryon.data.palette import (
    COLOUR_NAMES,
    COLOUR_SYNONYMS,
    PALETTE,
    colour,
    delta_e,
    nearest_colour,
    srgb_to_lab,
)


def test_reference_values():
    np.testing.assert_allclose(srgb_to_lab((255, 255, 255)), (100.0, 0.0, 0.0), atol=0.01)
    np.testing.assert_allclose(srgb_to_lab((0, 0, 0)), (0.0, 0.0, 0.0), atol=0.01)
    # Published D65 values of pure sRGB primaries (Lindbloom's calculator).
    np.testing.assert_allclose(srgb_to_lab((255, 0, 0)), (53.24, 80.09, 67.20), atol=0.05)
    np.testing.assert_allclose(srgb_to_lab((0, 0, 255)), (32.30, 79.19, -107.86), atol=0.05)
    np.testing.assert_allclose(srgb_to_lab((128, 128, 128)), (53.59, 0.0, 0.0), atol=0.05)


def test_palette_entries_are_consistent_and_distinct():
    assert len(PALETTE) >= 20
    labs = np.array([c.lab for c in PALETTE.values()])
    for name, c in PALETTE.items():
        assert c.name == name
        np.testing.assert_allclose(c.lab, srgb_to_lab(c.srgb))
        assert nearest_colour(c.srgb) == name
    dist = delta_e(labs[:, None], labs[None])
    np.fill_diagonal(dist, np.inf)
    assert dist.min() > 10.0  # every pair of colours is clearly different


def test_synonyms_cover_palette_and_are_unambiguous():
    assert set(COLOUR_SYNONYMS) == set(COLOUR_NAMES)
    words = [w for syns in COLOUR_SYNONYMS.values() for w in syns]
    assert len(words) == len(set(words))
    for name, syns in COLOUR_SYNONYMS.items():
        assert syns[0] == name


def test_bad_inputs():
    with pytest.raises(ValueError, match="ultraviolet"):
        colour("ultraviolet")
    with pytest.raises(ValueError, match="last dimension"):
        srgb_to_lab(np.zeros((4, 2)))
