"""Garment-agnostic masks on a synthetic region map with exactly known geometry."""

from __future__ import annotations

import numpy as np
import pytest

from tryon.analysis import agnostic_mask_from_regions
from tryon.analysis.agnostic import person_height
from tryon.body import PARSING_INDEX, REGION_INDEX


@pytest.fixture(scope="module")
def regions(syn) -> np.ndarray:
    return syn.region_map()


@pytest.fixture(scope="module")
def kp(syn) -> np.ndarray:
    return syn.keypoints()


def protected(regions: np.ndarray, names=("hair", "face", "hands", "feet")) -> np.ndarray:
    return np.isin(regions, [REGION_INDEX[n] for n in names])


def test_person_height_is_region_row_extent(regions, kp) -> None:
    assert person_height(regions, kp) == 186.0  # rows 4..189


def test_upper_without_dilation_is_exactly_torso_arms_and_neck_base(syn, regions, kp) -> None:
    mask = agnostic_mask_from_regions(regions, kp, "upper", dilation=0.0)
    expected = syn.box_mask("torso") | syn.box_mask("upper_arms") | syn.box_mask("lower_arms")
    expected[35:40, 45:55] = True  # lower half of the neck (rows 30-39)
    # The shoulder-hip quadrilateral lies inside the torso box here.
    np.testing.assert_array_equal(mask[:98], expected[:98])
    # Long-top band: from the hips (y 98) 40% of the way to the knees (y 140) -> y 114.8,
    # 1.8x the hip half-spread (10 px) either side of x = 50.
    assert mask[98:114, 33:67].all()
    assert not mask[116:].any() and not mask[100:116, :31].any() and not mask[100:116, 70:].any()


def test_upper_dilation_grows_by_the_fraction_of_height_but_never_covers_face_hands(
    regions, kp
) -> None:
    mask = agnostic_mask_from_regions(regions, kp, "upper", dilation=0.05)
    radius = round(0.05 * 186)  # 9 px
    assert mask[40:100, 30:70].all()
    # Grown sideways by the radius beyond the arms (cols 20-80) and down below the torso.
    assert mask[60, 80 + radius - 1] and not mask[60, 80 + radius + 1]
    assert mask[115 + radius - 1, 50] and not mask[115 + radius + 1, 50]
    assert not (mask & protected(regions)).any()
    # Upper-body masks do cover the legs' top within the dilation (long tops), not the knees.
    assert not mask[140:].any()


def test_lower_covers_legs_waist_and_a_trapezoid_for_skirts(regions, kp) -> None:
    mask = agnostic_mask_from_regions(regions, kp, "lower", dilation=0.0)
    assert mask[100:180, 35:65].all()  # both leg regions
    assert not mask[180:190].any()  # feet
    # Waist line: a quarter of the shoulder(42)-hip(98) distance above the hips = row 84.
    assert mask[84:100, 30:70].all() and not mask[:84].any()
    # The trapezoid reaches beyond the legs, wider at the ankles (row 177) than at the waist.
    rows_width = mask.sum(axis=1)
    assert rows_width[170] > rows_width[110] > 30
    assert mask[170, 35 - 6] and mask[170, 65 + 6]  # half-width ~22 px around x=50
    # Arms lie in front of a skirt: never covered by a lower mask; nor hands or feet.
    assert not (mask & protected(regions, ("upper_arms", "lower_arms", "hands", "feet"))).any()


def test_full_is_exactly_the_union_of_upper_and_lower(regions, kp) -> None:
    upper = agnostic_mask_from_regions(regions, kp, "upper", dilation=0.03)
    lower = agnostic_mask_from_regions(regions, kp, "lower", dilation=0.03)
    full = agnostic_mask_from_regions(regions, kp, "full", dilation=0.03)
    np.testing.assert_array_equal(full, upper | lower)
    assert not (full & protected(regions)).any()


def test_parsing_adds_the_current_garment(regions, kp) -> None:
    parsing = np.zeros_like(regions)
    # A long coat-like top reaching the knees, outside the dilated upper mask.
    parsing[40:150, 28:72] = PARSING_INDEX["top"]
    parsing[150:160, 5:15] = PARSING_INDEX["top"]  # a stray garment piece far from the body
    without = agnostic_mask_from_regions(regions, kp, "upper", dilation=0.0)
    with_parsing = agnostic_mask_from_regions(regions, kp, "upper", parsing=parsing, dilation=0.0)
    assert not without[150:160, 5:15].any()
    assert with_parsing[150:160, 5:15].all() and with_parsing[120:140, 40:60].all()
    # A bottom garment is not added to the upper mask.
    parsing[:] = 0
    parsing[150:160, 5:15] = PARSING_INDEX["bottom"]
    again = agnostic_mask_from_regions(regions, kp, "upper", parsing=parsing, dilation=0.0)
    np.testing.assert_array_equal(again, without)


def test_invisible_keypoints_fall_back_to_regions(syn, regions) -> None:
    kp = syn.keypoints(visible=0.0)
    lower = agnostic_mask_from_regions(regions, kp, "lower", dilation=0.0)
    np.testing.assert_array_equal(lower, syn.box_mask("upper_legs") | syn.box_mask("lower_legs"))


def test_accepts_int64_maps_like_the_dataset(regions, kp) -> None:
    a = agnostic_mask_from_regions(regions.astype(np.int64), kp, "full")
    b = agnostic_mask_from_regions(regions, kp, "full")
    np.testing.assert_array_equal(a, b)
    assert a.dtype == bool and a.shape == regions.shape


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"category": "shoes"}, ValueError, "category"),
        ({"dilation": -0.1}, ValueError, "dilation"),
        ({"dilation": "wide"}, TypeError, "dilation"),
        ({"parsing": np.zeros((5, 5), np.uint8)}, ValueError, "parsing"),
        ({"keypoints": np.zeros((16, 3))}, ValueError, "keypoints"),
        ({"regions": np.full((10, 10), 99, np.uint8)}, ValueError, "regions"),
        ({"regions": np.zeros((10, 10), np.float32)}, TypeError, "regions"),
    ],
)
def test_bad_inputs_name_the_value(regions, kp, kwargs, error, match) -> None:
    args = {"regions": regions, "keypoints": kp, "category": "upper", **kwargs}
    with pytest.raises(error, match=match):
        agnostic_mask_from_regions(**args)
