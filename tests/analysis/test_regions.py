"""Region parsing from landmarks and a person mask (no mediapipe involved)."""

from __future__ import annotations

import numpy as np

from tryon.analysis.regions import BodyLandmarks, parse_regions
from tryon.body import REGION_INDEX


def test_regions_partition_the_mask_by_nearest_part(syn) -> None:
    mask = syn.region_map() != 0
    regions = parse_regions(mask, BodyLandmarks(syn.keypoints()))
    np.testing.assert_array_equal(regions != 0, mask)  # every person pixel labelled, no others
    expect = {
        (20, 50): "face",  # face ellipse from the head keypoints
        (60, 50): "torso",
        (55, 25): "upper_arms",
        (85, 75): "lower_arms",
        (101, 25): "hands",
        (120, 50): "upper_legs",
        (160, 40): "lower_legs",
        (186, 42): "feet",
        (36, 50): "neck",
    }
    for (y, x), name in expect.items():
        assert regions[y, x] == REGION_INDEX[name], (y, x, name)
    # Hair: head pixels outside the face outline, above the chin.
    assert (regions[4:8, 40:60] == REGION_INDEX["hair"]).mean() > 0.5


def test_face_polygon_sets_the_face_and_scaling_keeps_labels(syn) -> None:
    mask = syn.region_map() != 0
    face = np.array([[42, 10], [58, 10], [58, 28], [42, 28]], dtype=np.float32)
    lm = BodyLandmarks(syn.keypoints(), face_polygon=face)
    regions = parse_regions(mask, lm)
    assert (regions[12:27, 44:57] == REGION_INDEX["face"]).all()
    assert regions[8, 50] == REGION_INDEX["hair"]
    big = lm.scaled(2.0)
    np.testing.assert_allclose(big.keypoints[:, :2], lm.keypoints[:, :2] * 2)
    np.testing.assert_allclose(big.face_polygon, face * 2)


def test_empty_mask_gives_background() -> None:
    regions = parse_regions(np.zeros((20, 10), bool), BodyLandmarks(np.zeros((17, 3))))
    assert regions.shape == (20, 10) and not regions.any()
