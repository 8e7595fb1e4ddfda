"""Tests of the rasteriser and its ground truth."""

from __future__ import annotations

import numpy as np
import pytest

from tryon.body import KEYPOINT_INDEX, PARSING_INDEX, PARSING_LABELS, REGION_INDEX, REGION_LABELS
from tryon.data import (
    GarmentSpec,
    Outfit,
    render_pair,
    render_person,
    sample_background,
    sample_outfit,
    sample_person,
)
from tryon.data.person import PersonSpec, Pose

SIZE = (128, 96)


def _scene(seed):
    rng = np.random.default_rng(seed)
    return sample_person(rng), sample_outfit(rng), sample_background(rng)


def test_rendering_is_deterministic_and_well_formed():
    person, outfit, bg = _scene(0)
    a = render_person(person, outfit, bg, SIZE)
    b = render_person(person, outfit, bg, SIZE)
    np.testing.assert_array_equal(a.image, b.image)
    np.testing.assert_array_equal(a.parsing, b.parsing)
    assert a.image.shape == SIZE + (3,) and a.image.dtype == np.uint8
    assert a.parsing.shape == SIZE and a.parsing.max() < len(PARSING_LABELS)
    assert a.regions.shape == SIZE and a.regions.max() < len(REGION_LABELS)
    assert a.keypoints.shape == (17, 3) and a.keypoints.dtype == np.float32
    assert np.all(a.keypoints[:, 2] == 1)
    h, w = SIZE
    assert np.all((a.keypoints[:, 0] >= 0) & (a.keypoints[:, 0] < w))
    assert np.all((a.keypoints[:, 1] >= 0) & (a.keypoints[:, 1] < h))


@pytest.mark.parametrize("seed", range(6))
def test_garment_pixels_lie_inside_garment_masks(seed):
    person, outfit, bg = _scene(seed)
    r = render_person(person, outfit, bg, SIZE)
    assert set(r.garment_masks) == set(outfit.garments())
    for slot, mask in r.garment_masks.items():
        visible = r.parsing == PARSING_INDEX[slot]
        assert visible.sum() > 30
        assert not (visible & ~mask).any()
        # The mask is the visible garment plus at most its anti-aliased rim.
        assert mask.sum() < visible.sum() * 1.6 + 100


@pytest.mark.parametrize("seed", range(8))
def test_pair_is_identical_outside_the_changed_garments(seed):
    rng = np.random.default_rng(100 + seed)
    person, bg = sample_person(rng), sample_background(rng)
    bottom = GarmentSpec("trousers", "khaki", length="full")
    cases = [
        (
            Outfit(
                top=GarmentSpec("t-shirt", "red", sleeve="short", neckline="crew"), bottom=bottom
            ),
            Outfit(
                top=GarmentSpec("jacket", "navy", sleeve="long", neckline="lapel", fit="loose"),
                bottom=bottom,
            ),
            ("top",),
        ),
        (
            Outfit(
                top=GarmentSpec("tank top", "white", sleeve="sleeveless", neckline="scoop"),
                bottom=bottom,
            ),
            Outfit(
                one_piece=GarmentSpec(
                    "dress", "green", "floral", "yellow", "long", "v-neck", "loose", "maxi"
                )
            ),
            ("top", "bottom", "one_piece"),
        ),
    ]
    for outfit_a, outfit_b, slots in cases:
        # Share the unchanged bottom object so it is painted once.
        a, b = render_pair(person, outfit_a, outfit_b, bg, SIZE)
        union = np.zeros(SIZE, dtype=bool)
        for r in (a, b):
            for slot in slots:
                if slot in r.garment_masks:
                    union |= r.garment_masks[slot]
        np.testing.assert_array_equal(a.image[~union], b.image[~union])
        assert (a.image[union] != b.image[union]).any()
        np.testing.assert_array_equal(a.regions, b.regions)
        np.testing.assert_array_equal(a.keypoints, b.keypoints)


def test_regions_are_body_parts_under_clothes():
    person, _, bg = _scene(3)
    outfit = Outfit(
        one_piece=GarmentSpec(
            "dress", "black", sleeve="long", neckline="crew", fit="slim", length="maxi"
        )
    )
    r = render_person(person, outfit, bg, (256, 192))
    dress = r.parsing == PARSING_INDEX["one_piece"]
    under = r.regions[dress]
    # Under a long-sleeved maxi dress lie torso, arms and legs, not background only.
    for name in ("torso", "upper_arms", "upper_legs", "lower_legs"):
        assert (under == REGION_INDEX[name]).sum() > 20, name
    assert not (r.parsing == PARSING_INDEX["legs"]).any()
    # The face is where the nose keypoint is.
    x, y = r.keypoints[KEYPOINT_INDEX["nose"], :2].astype(int)
    assert r.regions[y, x] == REGION_INDEX["face"]
    # Person's left is on the image right.
    assert (
        r.keypoints[KEYPOINT_INDEX["left_shoulder"], 0]
        > r.keypoints[KEYPOINT_INDEX["right_shoulder"], 0]
    )


def test_person_fills_the_frame_height_and_poses_vary():
    person, outfit, bg = _scene(4)
    r = render_person(person, outfit, bg, (512, 384))
    rows = np.flatnonzero((r.regions > 0).any(axis=1))
    assert rows[-1] - rows[0] > 0.75 * 512
    up = PersonSpec(pose=Pose(right_arm=("raised", 150.0, 0.0), left_arm=("hip", 0, 0)))
    r2 = render_person(up, outfit, bg, (256, 192))
    kp = r2.keypoints
    assert kp[KEYPOINT_INDEX["right_wrist"], 1] < kp[KEYPOINT_INDEX["right_shoulder"], 1]
    hip = kp[KEYPOINT_INDEX["left_hip"], :2]
    assert np.linalg.norm(kp[KEYPOINT_INDEX["left_wrist"], :2] - hip) < 0.15 * 256


def test_sizes_are_validated():
    person, outfit, bg = _scene(0)
    with pytest.raises(ValueError, match="size"):
        render_person(person, outfit, bg, (2048, 512))
    with pytest.raises(TypeError, match="outfit"):
        render_person(person, "a red dress", bg, SIZE)
    small = render_person(person, outfit, bg, (32, 24))
    assert small.image.shape == (32, 24, 3)


def test_head_turn_hides_the_far_ear():
    person, outfit, bg = _scene(2)
    ears = [KEYPOINT_INDEX["left_ear"], KEYPOINT_INDEX["right_ear"]]
    for turn, hidden in ((1.0, "left_ear"), (-1.0, "right_ear"), (0.0, None)):
        pose = Pose(head_turn=turn)
        r = render_person(PersonSpec(pose=pose), outfit, bg, (256, 192))
        vis = {name: r.keypoints[KEYPOINT_INDEX[name], 2] for name in ("left_ear", "right_ear")}
        for name, v in vis.items():
            assert v == (0.0 if name == hidden else 1.0), (turn, name)
        assert r.keypoints[ears, 2].sum() == (2 if hidden is None else 1)
    # The nose follows the turn (towards the person's left = image right for turn > 0).
    noses = [
        render_person(PersonSpec(pose=Pose(head_turn=t)), outfit, bg, (256, 192)).keypoints[0, 0]
        for t in (-1.0, 1.0)
    ]
    assert noses[1] > noses[0]
