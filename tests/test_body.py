"""tryon.body: the shared keypoint, label and category conventions, and the pose map."""

from __future__ import annotations

import numpy as np
import pytest

from tryon.body import (
    CATEGORIES,
    CATEGORY_PARSING_LABELS,
    GARMENT_CATEGORY,
    GARMENT_TYPES,
    KEYPOINT_INDEX,
    KEYPOINT_NAMES,
    NUM_KEYPOINTS,
    PARSING_INDEX,
    PARSING_LABELS,
    POSE_MAP_CHANNELS,
    REGION_INDEX,
    REGION_LABELS,
    SKELETON,
    check_category,
    check_keypoints,
    render_pose_map,
)


def test_keypoints_follow_coco_17() -> None:
    assert NUM_KEYPOINTS == 17 == len(set(KEYPOINT_NAMES)) == POSE_MAP_CHANNELS
    assert KEYPOINT_NAMES[0] == "nose" and KEYPOINT_NAMES[-1] == "right_ankle"
    # COCO order: left before right for every paired joint.
    for joint in ("eye", "ear", "shoulder", "elbow", "wrist", "hip", "knee", "ankle"):
        assert KEYPOINT_INDEX[f"right_{joint}"] == KEYPOINT_INDEX[f"left_{joint}"] + 1
    assert all(KEYPOINT_NAMES[i] == name for name, i in KEYPOINT_INDEX.items())


def test_skeleton_uses_known_keypoints() -> None:
    assert len(set(SKELETON)) == len(SKELETON)
    for a, b in SKELETON:
        assert a in KEYPOINT_INDEX and b in KEYPOINT_INDEX and a != b


@pytest.mark.parametrize(
    ("labels", "index"), [(REGION_LABELS, REGION_INDEX), (PARSING_LABELS, PARSING_INDEX)]
)
def test_label_maps_are_unique_and_fit_uint8(labels, index) -> None:
    assert labels[0] == "background"
    assert len(set(labels)) == len(labels) <= 256
    assert all(labels[i] == name for name, i in index.items())


def test_categories_and_garments() -> None:
    assert CATEGORIES == ("upper", "lower", "full")
    assert set(CATEGORY_PARSING_LABELS) == set(CATEGORIES)
    for labels in CATEGORY_PARSING_LABELS.values():
        assert set(labels) <= set(PARSING_LABELS)
    assert set(GARMENT_CATEGORY.values()) == set(CATEGORIES)
    assert GARMENT_TYPES == tuple(GARMENT_CATEGORY)
    for category in CATEGORIES:
        assert check_category(category) == category
    with pytest.raises(ValueError, match="'hat'"):
        check_category("hat")


def test_check_keypoints() -> None:
    keypoints = check_keypoints(np.zeros((17, 3), np.float64).tolist())
    assert keypoints.dtype == np.float32 and keypoints.shape == (17, 3)
    with pytest.raises(ValueError, match=r"\(17, 3\).*\(17, 2\)"):
        check_keypoints(np.zeros((17, 2)))
    bad = np.zeros((17, 3))
    bad[4, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        check_keypoints(bad)


def test_pose_map_peaks_at_keypoints_scaled_by_visibility() -> None:
    keypoints = np.zeros((17, 3), np.float32)
    keypoints[KEYPOINT_INDEX["nose"]] = (10.5, 5.5, 1.0)  # centre of pixel row 5, column 10
    keypoints[KEYPOINT_INDEX["left_wrist"]] = (3.5, 20.5, 0.5)
    maps = render_pose_map(keypoints, height=32, width=16, sigma=2.0)
    assert maps.shape == (17, 32, 16) and maps.dtype == np.float32
    assert maps.min() >= 0.0 and maps.max() <= 1.0

    nose = maps[KEYPOINT_INDEX["nose"]]
    assert np.unravel_index(np.argmax(nose), nose.shape) == (5, 10)
    assert nose[5, 10] == pytest.approx(1.0)
    assert nose[5, 12] == pytest.approx(np.exp(-0.5), rel=1e-5)  # one sigma away

    wrist = maps[KEYPOINT_INDEX["left_wrist"]]
    assert np.unravel_index(np.argmax(wrist), wrist.shape) == (20, 3)
    assert wrist.max() == pytest.approx(0.5)

    invisible = [i for i, name in enumerate(KEYPOINT_NAMES) if name not in ("nose", "left_wrist")]
    assert not maps[invisible].any()


def test_pose_map_default_sigma_and_bad_size() -> None:
    keypoints = np.zeros((17, 3), np.float32)
    keypoints[0] = (31.5, 31.5, 1.0)
    maps = render_pose_map(keypoints, 64, 64)  # sigma = 64 / 32 = 2
    assert maps[0, 31, 33] == pytest.approx(np.exp(-0.5), rel=1e-5)
    with pytest.raises(ValueError, match="0x4"):
        render_pose_map(keypoints, 0, 4)
