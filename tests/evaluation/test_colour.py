"""Tests of tryon.evaluation.colour against published reference values."""

from __future__ import annotations

import numpy as np
import pytest

from tryon.evaluation.colour import (
    ciede2000,
    colour_share,
    dominant_colour,
    garment_mean_colour,
    lab_to_srgb,
    nearest_palette_colour,
    palette_lab,
    srgb_to_lab,
)

# Sharma, Wu & Dalal (2005), Table 1: L1 a1 b1 L2 a2 b2 dE00 (all 34 pairs).
SHARMA_TABLE = np.array(
    [
        [50.0000, 2.6772, -79.7751, 50.0000, 0.0000, -82.7485, 2.0425],
        [50.0000, 3.1571, -77.2803, 50.0000, 0.0000, -82.7485, 2.8615],
        [50.0000, 2.8361, -74.0200, 50.0000, 0.0000, -82.7485, 3.4412],
        [50.0000, -1.3802, -84.2814, 50.0000, 0.0000, -82.7485, 1.0000],
        [50.0000, -1.1848, -84.8006, 50.0000, 0.0000, -82.7485, 1.0000],
        [50.0000, -0.9009, -85.5211, 50.0000, 0.0000, -82.7485, 1.0000],
        [50.0000, 0.0000, 0.0000, 50.0000, -1.0000, 2.0000, 2.3669],
        [50.0000, -1.0000, 2.0000, 50.0000, 0.0000, 0.0000, 2.3669],
        [50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0009, 7.1792],
        [50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0010, 7.1792],
        [50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0011, 7.2195],
        [50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0012, 7.2195],
        [50.0000, -0.0010, 2.4900, 50.0000, 0.0009, -2.4900, 4.8045],
        [50.0000, -0.0010, 2.4900, 50.0000, 0.0010, -2.4900, 4.8045],
        [50.0000, -0.0010, 2.4900, 50.0000, 0.0011, -2.4900, 4.7461],
        [50.0000, 2.5000, 0.0000, 50.0000, 0.0000, -2.5000, 4.3065],
        [50.0000, 2.5000, 0.0000, 73.0000, 25.0000, -18.0000, 27.1492],
        [50.0000, 2.5000, 0.0000, 61.0000, -5.0000, 29.0000, 22.8977],
        [50.0000, 2.5000, 0.0000, 56.0000, -27.0000, -3.0000, 31.9030],
        [50.0000, 2.5000, 0.0000, 58.0000, 24.0000, 15.0000, 19.4535],
        [50.0000, 2.5000, 0.0000, 50.0000, 3.1736, 0.5854, 1.0000],
        [50.0000, 2.5000, 0.0000, 50.0000, 3.2972, 0.0000, 1.0000],
        [50.0000, 2.5000, 0.0000, 50.0000, 1.8634, 0.5757, 1.0000],
        [50.0000, 2.5000, 0.0000, 50.0000, 3.2592, 0.3350, 1.0000],
        [60.2574, -34.0099, 36.2677, 60.4626, -34.1751, 39.4387, 1.2644],
        [63.0109, -31.0961, -5.8663, 62.8187, -29.7946, -4.0864, 1.2630],
        [61.2901, 3.7196, -5.3901, 61.4292, 2.2480, -4.9620, 1.8731],
        [35.0831, -44.1164, 3.7933, 35.0232, -40.0716, 1.5901, 1.8645],
        [22.7233, 20.0904, -46.6940, 23.0331, 14.9730, -42.5619, 2.0373],
        [36.4612, 47.8580, 18.3852, 36.2715, 50.5065, 21.2231, 1.4146],
        [90.8027, -2.0831, 1.4410, 91.1528, -1.6435, 0.0447, 1.4441],
        [90.9257, -0.5406, -0.9208, 88.6381, -0.8985, -0.7239, 1.5381],
        [6.7747, -0.2908, -2.4247, 5.8714, -0.0985, -2.2286, 0.6377],
        [2.0776, 0.0795, -1.1350, 0.9033, -0.0636, -0.5514, 0.9082],
    ]
)


def test_ciede2000_matches_sharma_table_all_pairs():
    got = ciede2000(SHARMA_TABLE[:, 0:3], SHARMA_TABLE[:, 3:6])
    np.testing.assert_allclose(got, SHARMA_TABLE[:, 6], atol=5e-5)


@pytest.mark.parametrize("row", [0, 6, 16, 33])
def test_ciede2000_is_symmetric_and_scalar_for_single_pairs(row):
    lab1, lab2, expected = SHARMA_TABLE[row, 0:3], SHARMA_TABLE[row, 3:6], SHARMA_TABLE[row, 6]
    assert ciede2000(lab1, lab2).shape == ()
    assert float(ciede2000(lab1, lab2)) == pytest.approx(expected, abs=5e-5)
    assert float(ciede2000(lab2, lab1)) == pytest.approx(expected, abs=5e-5)


def test_ciede2000_of_identical_colours_is_zero():
    lab = np.array([[50.0, 10.0, -20.0], [0.0, 0.0, 0.0], [100.0, 0.0, 0.0]])
    np.testing.assert_array_equal(ciede2000(lab, lab), 0.0)


def test_srgb_to_lab_known_values():
    # White is L=100, a=b=0 under D65; black is 0; pure sRGB red is (53.24, 80.09, 67.20).
    lab = srgb_to_lab(np.array([[255, 255, 255], [0, 0, 0], [255, 0, 0]], np.uint8))
    np.testing.assert_allclose(lab[0], [100.0, 0.0, 0.0], atol=0.01)
    np.testing.assert_allclose(lab[1], [0.0, 0.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(lab[2], [53.24, 80.09, 67.20], atol=0.02)


def test_srgb_to_lab_matches_skimage_and_round_trips():
    skcolor = pytest.importorskip("skimage.color")
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, size=(64, 3), dtype=np.uint8)
    ours = srgb_to_lab(rgb)
    ref = skcolor.rgb2lab(rgb[None].astype(np.float64) / 255.0, illuminant="D65")[0]
    np.testing.assert_allclose(ours, ref, atol=0.01)
    back = np.round(lab_to_srgb(ours) * 255.0).astype(np.uint8)
    np.testing.assert_array_equal(back, rgb)


def test_srgb_to_lab_rejects_bad_input():
    with pytest.raises(ValueError, match="last axis"):
        srgb_to_lab(np.zeros((4, 2), np.uint8))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        srgb_to_lab(np.array([2.0, 0.0, 0.0]))


def _toy_palette():
    return palette_lab(
        {
            "red": {"srgb": (200, 30, 40)},
            "navy": {"srgb": (20, 30, 90)},
            "white": {"srgb": (245, 245, 245)},
            "olive": (110, 120, 40),
        }
    )


def test_nearest_palette_on_palette_colours_is_exact():
    pal = _toy_palette()
    names = nearest_palette_colour(np.stack(list(pal.values())), pal)
    assert list(names) == list(pal)
    assert str(nearest_palette_colour(pal["navy"], pal)) == "navy"


def test_nearest_palette_on_project_palette_is_100_percent():
    pytest.importorskip("tryon.data.palette")
    pal = palette_lab()
    assert len(pal) >= 20
    names = nearest_palette_colour(np.stack(list(pal.values())), pal)
    assert list(names) == list(pal)


def _red_with_white_stripe() -> np.ndarray:
    """A 10x10 toy-palette red garment whose last 3 columns (30 %) are a white stripe."""
    image = np.zeros((10, 10, 3), np.uint8)
    image[:, :] = (200, 30, 40)
    image[:, 7:] = (245, 245, 245)
    return image


def test_garment_mean_and_dominant_colour():
    pal = _toy_palette()
    image = _red_with_white_stripe()
    mask = np.ones((10, 10), bool)
    name, lab = dominant_colour(image, mask, pal)
    assert name == "red"
    np.testing.assert_allclose(lab, pal["red"], atol=1e-9)
    mean = garment_mean_colour(image, mask)
    assert float(ciede2000(mean, pal["red"])) > 5.0  # the mean is pulled towards white
    assert garment_mean_colour(image, np.zeros((10, 10), bool)) is None
    assert dominant_colour(image, np.zeros((10, 10), bool), pal) == (None, None)


def test_colour_share_counts_the_second_colours_pixels():
    pal = _toy_palette()
    image = _red_with_white_stripe()
    mask = np.ones((10, 10), bool)
    assert colour_share(image, mask, pal, "white") == pytest.approx(0.3)
    assert colour_share(image, mask, pal, "red") == pytest.approx(0.7)
    mask[:, :5] = False  # only the garment's pixels vote: 3 of its 5 columns are white
    assert colour_share(image, mask, pal, "white") == pytest.approx(0.6)
    assert colour_share(image, np.zeros((10, 10), bool), pal, "white") is None
    with pytest.raises(KeyError, match="mauve"):
        colour_share(image, mask, pal, "mauve")


def test_garment_lightness_is_the_median_over_the_mask():
    from tryon.evaluation.colour import garment_lightness

    image = np.zeros((4, 4, 3), np.uint8)
    image[:, :3] = 255  # white (L* 100) on three columns, black (L* 0) on the fourth
    mask = np.ones((4, 4), bool)
    assert garment_lightness(image, mask) == pytest.approx(100.0, abs=0.01)
    mask[:, :2] = False  # one white and one black column left: the median is their middle
    assert garment_lightness(image, mask) == pytest.approx(50.0, abs=0.01)
    assert garment_lightness(image, np.zeros((4, 4), bool)) is None


def test_lightness_delta_is_measured_over_the_garment_only():
    from tryon.evaluation.colour import lab_to_srgb, lightness_delta

    def grey(lightness):
        return np.round(lab_to_srgb(np.array([lightness, 0.0, 0.0])) * 255).astype(np.uint8)

    target = np.zeros((8, 8, 3), np.uint8)
    target[:4] = grey(60)
    image = target.copy()
    image[:4] = grey(50)
    image[4:] = 255  # outside the garment: not counted
    garment = np.zeros((8, 8), bool)
    garment[:4] = True
    assert lightness_delta(image, target, garment) == pytest.approx(-10, abs=0.5)
    assert lightness_delta(target, target, garment) == 0.0
