"""Garment-agnostic masks on a synthetic region map with exactly known geometry."""

from __future__ import annotations

import numpy as np
import pytest

from tryon.analysis import agnostic_mask_from_regions
from tryon.analysis.agnostic import SKIRT_FLARE, hip_row, person_height
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


def test_hip_row_is_the_mean_row_of_the_visible_hips(kp) -> None:
    from tryon.body import KEYPOINT_NAMES

    left, right = KEYPOINT_NAMES.index("left_hip"), KEYPOINT_NAMES.index("right_hip")
    assert hip_row(kp) == pytest.approx((kp[left, 1] + kp[right, 1]) / 2)
    one = kp.copy()
    one[left, 1] += 10.0
    one[right, 2] = 0.0  # invisible: left out
    assert hip_row(one) == pytest.approx(kp[left, 1] + 10.0)
    one[left, 2] = 0.29  # below the visibility threshold
    assert hip_row(one) is None


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


def test_lower_covers_legs_waist_and_a_cone_for_skirts(regions, kp) -> None:
    mask = agnostic_mask_from_regions(regions, kp, "lower", dilation=0.0, skirt_flare=SKIRT_FLARE)
    assert mask[100:180, 35:65].all()  # both leg regions
    # Waist line: a quarter of the shoulder(42)-hip(98) distance above the hips = row 84.
    assert mask[84:100, 30:70].all() and not mask[:84].any()
    # From the hips (row 98, 1.8x the hip half-spread: 18 px either side of x = 50) a cone
    # widens by SKIRT_FLARE = 0.5 px per row: 29 px at row 120, so a flared hem fits.
    assert mask[120, 50 - 28] and mask[120, 50 + 28]
    assert not mask[120, 50 - 31] and not mask[120, 50 + 31]
    rows_width = mask.sum(axis=1)
    assert rows_width[170] > rows_width[140] > rows_width[110] > 30
    # It ends 2 % of the person height (186 px) below the ankles (row 178): row 181.7.
    assert mask[181, 10] and not mask[182:].any()
    # Arms lie in front of a skirt: never covered by a lower mask; nor hands or feet.
    assert not (mask & protected(regions, ("upper_arms", "lower_arms", "hands", "feet"))).any()


def test_skirt_flare_zero_draws_the_straight_trapezoid_and_bad_flares_are_refused(
    regions, kp
) -> None:
    straight = agnostic_mask_from_regions(regions, kp, "lower", dilation=0.0)  # the default
    flared = agnostic_mask_from_regions(regions, kp, "lower", dilation=0.0, skirt_flare=0.5)
    assert (straight <= flared).all()
    # At row 120 the trapezoid (18 px at the waist, row 84, to 22.5 px at the ankles, row 178)
    # is ~20 px wide either side of x = 50; the cone 29 px.
    assert straight[120, 50 - 19] and not straight[120, 50 - 22] and flared[120, 50 - 28]
    assert not straight[179:, :35].any() and flared[181, :35].any()  # the cone goes lower
    for bad in (-0.1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="skirt_flare"):
            agnostic_mask_from_regions(regions, kp, "lower", skirt_flare=bad)


def test_lower_mask_holds_the_worlds_loosest_skirt() -> None:
    """The mask of a photo must hold any garment of the category; a flared skirt's hem must
    not stick out of it (the model cannot draw outside the mask, and a model trained on masks
    widened by the target learns to draw the mask's shape instead of the prompt's)."""
    from tryon.data.dataset import WorldPairDataset

    ds = WorldPairDataset(split="val", size=(256, 192), length=400, seed=0)
    checked = 0  # the trapezoid alone (skirt_flare=0) leaves 12 %, 12 % and 16 % of three out
    for i in range(len(ds)):
        spec, a, b = ds.render(i)
        garment = spec.garment_b
        if garment.type not in ("skirt", "dress") or garment.fit != "loose":
            continue
        mask = agnostic_mask_from_regions(
            b.regions, b.keypoints, spec.category, parsing=a.parsing, skirt_flare=SKIRT_FLARE
        )
        worn = np.asarray(b.garment_masks[garment.slot], dtype=bool)
        assert (worn & ~mask).sum() <= 0.05 * worn.sum(), (i, garment.type)
        checked += 1
        if checked == 5:
            break
    assert checked == 5


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


def test_keep_top_leaves_exactly_the_top_out_of_a_lower_mask(regions, kp) -> None:
    parsing = np.zeros_like(regions)
    parsing[40:120, 28:72] = PARSING_INDEX["top"]  # a top hanging over the hips
    parsing[120:180, 30:70] = PARSING_INDEX["bottom"]
    kwargs = dict(parsing=parsing, dilation=0.03)
    lower = agnostic_mask_from_regions(regions, kp, "lower", **kwargs)
    kept = agnostic_mask_from_regions(regions, kp, "lower", keep_top=True, **kwargs)
    top = parsing == PARSING_INDEX["top"]
    assert (lower & top).sum() > 200  # the waist band reaches into the top
    np.testing.assert_array_equal(kept, lower & ~top)
    # Off by default, nothing to keep without a parsing, and upper and full masks replace the top.
    np.testing.assert_array_equal(
        agnostic_mask_from_regions(regions, kp, "lower", keep_top=False, **kwargs), lower
    )
    np.testing.assert_array_equal(
        agnostic_mask_from_regions(regions, kp, "lower", keep_top=True),
        agnostic_mask_from_regions(regions, kp, "lower"),
    )
    for category in ("upper", "full"):
        np.testing.assert_array_equal(
            agnostic_mask_from_regions(regions, kp, category, keep_top=True, **kwargs),
            agnostic_mask_from_regions(regions, kp, category, **kwargs),
        )


def test_keep_top_keeps_what_the_world_target_keeps() -> None:
    """In the world a top hangs over trousers and skirts, so a lower pair's target shows the
    source's top unchanged: inside the top (but for its one-pixel anti-aliased edge) every
    pixel keep_top takes out of the mask is the target's own, and none is the new garment's."""
    import cv2

    from tryon.data.dataset import WorldPairDataset

    ds = WorldPairDataset(split="val", size=(256, 192), length=60, seed=0)
    checked = 0
    for i in range(len(ds)):
        spec, a, b = ds.render(i)
        if spec.category != "lower":
            continue
        before = agnostic_mask_from_regions(b.regions, b.keypoints, "lower", parsing=a.parsing)
        mask = agnostic_mask_from_regions(
            b.regions, b.keypoints, "lower", parsing=a.parsing, keep_top=True
        )
        taken = before & ~mask
        assert taken.sum() > 0.1 * before.sum(), i  # the waist band covered the top's hem
        top = (a.parsing == PARSING_INDEX["top"]).astype(np.uint8)
        inner = taken & cv2.erode(top, np.ones((3, 3), np.uint8)).astype(bool)
        assert inner.sum() > 0.8 * taken.sum(), i
        assert np.all(a.image[inner] == b.image[inner]), i
        worn = np.asarray(b.garment_masks[spec.garment_b.slot], dtype=bool)
        assert not (worn & inner).any(), i
        checked += 1
        if checked == 4:
            break
    assert checked == 4


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
