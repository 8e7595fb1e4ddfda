"""The mediapipe analyser on real photos that installed packages ship.

scikit-image's ``astronaut`` (512x512, head to waist, arms bent) and matplotlib's
``grace_hopper.jpg`` (512x600 portrait, head and chest). Each photo is analysed once per module.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np
import pytest
from PIL import Image

from tryon.analysis import NoPersonFoundError, PersonAnalysis, PersonAnalyzer, PersonTooSmallError
from tryon.body import KEYPOINT_INDEX, REGION_INDEX


def astronaut() -> np.ndarray:
    from skimage import data

    return data.astronaut()


def grace_hopper() -> np.ndarray:
    from matplotlib import cbook

    with cbook.get_sample_data("grace_hopper.jpg") as handle:
        return np.array(Image.open(handle).convert("RGB"))


@pytest.fixture(scope="module")
def analyzer():
    with PersonAnalyzer() as analyzer:
        yield analyzer


@pytest.fixture(scope="module")
def photos(analyzer) -> dict[str, PersonAnalysis]:
    return {"astronaut": analyzer.analyse(astronaut()), "grace": analyzer.analyse(grace_hopper())}


def visible(analysis: PersonAnalysis, name: str) -> bool:
    return bool(analysis.keypoints[KEYPOINT_INDEX[name], 2] >= 0.5)


def y_of(analysis: PersonAnalysis, *names: str) -> float:
    return float(np.mean([analysis.keypoints[KEYPOINT_INDEX[n], 1] for n in names]))


@pytest.mark.parametrize("name", ["astronaut", "grace"])
def test_result_shapes_and_backend(photos, name) -> None:
    a = photos[name]
    assert a.backend == "mediapipe" and a.parsing is None
    assert a.keypoints.shape == (17, 3) and a.keypoints.dtype == np.float32
    assert a.person_mask.shape == a.image.shape[:2] and a.person_mask.dtype == bool
    np.testing.assert_array_equal(a.regions != 0, a.person_mask)
    # A real person covers a good part of these photos.
    assert 0.25 < a.person_mask.mean() < 0.9


@pytest.mark.parametrize("name", ["astronaut", "grace"])
def test_nose_above_shoulders_above_hips(photos, name) -> None:
    a = photos[name]
    for point in ("nose", "left_eye", "right_eye", "left_shoulder", "right_shoulder"):
        assert visible(a, point), point
    assert y_of(a, "nose") < y_of(a, "left_shoulder", "right_shoulder")
    hips = [h for h in ("left_hip", "right_hip") if visible(a, h)]
    if hips:
        assert y_of(a, "left_shoulder", "right_shoulder") < y_of(a, *hips)
    # Facing the camera: the person's left shoulder is on the image's right.
    lx = a.keypoints[KEYPOINT_INDEX["left_shoulder"], 0]
    rx = a.keypoints[KEYPOINT_INDEX["right_shoulder"], 0]
    assert lx > rx


def test_grace_hopper_hips_are_out_of_frame(photos) -> None:
    a = photos["grace"]
    for name in ("left_hip", "right_hip", "left_knee", "left_ankle"):
        assert a.keypoints[KEYPOINT_INDEX[name], 2] == 0.0, name


@pytest.mark.parametrize("name", ["astronaut", "grace"])
def test_visible_keypoints_lie_in_the_person_mask(photos, name) -> None:
    a = photos[name]
    for x, y, vis in a.keypoints:
        if vis >= 0.5:
            assert a.person_mask[int(y), int(x)], (x, y)


@pytest.mark.parametrize("name", ["astronaut", "grace"])
def test_regions_face_and_torso_where_expected(photos, name) -> None:
    a = photos[name]
    nose = a.keypoints[KEYPOINT_INDEX["nose"]]
    assert a.regions[int(nose[1]), int(nose[0])] == REGION_INDEX["face"]
    shoulders = a.keypoints[[KEYPOINT_INDEX["left_shoulder"], KEYPOINT_INDEX["right_shoulder"]]]
    chest = shoulders[:, :2].mean(axis=0) + np.array([0.0, 40.0])
    assert a.regions[int(chest[1]), int(chest[0])] == REGION_INDEX["torso"]
    assert (a.regions == REGION_INDEX["hair"]).any()


@pytest.mark.parametrize("name", ["astronaut", "grace"])
def test_upper_agnostic_covers_torso_and_excludes_face(photos, name) -> None:
    a = photos[name]
    upper = a.agnostic_mask("upper")
    torso = a.regions == REGION_INDEX["torso"]
    assert upper[torso].mean() > 0.98
    face = a.regions == REGION_INDEX["face"]
    assert face.sum() > 1000 and not (upper & face).any()
    # The face keypoints are never masked.
    for point in ("nose", "left_eye", "right_eye"):
        x, y, _ = a.keypoints[KEYPOINT_INDEX[point]]
        assert not upper[int(y), int(x)]
    # A lower-body mask of a portrait lies below the shoulders.
    lower = a.agnostic_mask("lower")
    if lower.any():
        assert np.flatnonzero(lower.any(axis=1)).min() > y_of(a, "left_shoulder", "right_shoulder")


def test_blank_image_has_no_person(analyzer) -> None:
    with pytest.raises(NoPersonFoundError, match="no person"):
        analyzer.analyse(np.full((240, 320, 3), 255, dtype=np.uint8))


def test_tiny_person_is_refused(analyzer) -> None:
    canvas = np.full((1024, 800, 3), 200, dtype=np.uint8)
    small = cv2.resize(astronaut(), (72, 72), interpolation=cv2.INTER_AREA)
    canvas[500:572, 300:372] = small
    with pytest.raises(PersonTooSmallError, match="of the image height") as info:
        analyzer.analyse(canvas)
    assert isinstance(info.value, ValueError)


def test_two_people_use_the_largest_and_warn(analyzer, caplog) -> None:
    photo = astronaut()
    canvas = np.full((600, 1000, 3), 200, dtype=np.uint8)
    canvas[50:562, 450:962] = photo  # the large person on the right
    canvas[250:550, 30:330] = cv2.resize(photo, (300, 300), interpolation=cv2.INTER_AREA)
    with caplog.at_level(logging.WARNING):
        a = analyzer.analyse(canvas)
    assert "2 people seen" in caplog.text
    nose_x = a.keypoints[KEYPOINT_INDEX["nose"], 0]
    assert nose_x > 450
    assert not a.person_mask[:, :330].any()


def test_bad_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="backend"):
        PersonAnalyzer(backend="openpose")


def test_a_photo_of_a_top_over_trousers_gets_a_colour_parsing(analyzer) -> None:
    """The whole photo path: MediaPipe's pose and regions, then the top found by colour."""
    from tryon.analysis.agnostic import agnostic_mask_from_regions
    from tryon.body import PARSING_INDEX
    from tryon.evaluation.harness import world_samples

    sample = world_samples("test", 2)[1]  # a top hanging over a lower garment
    assert sample.category == "lower"
    a = analyzer.analyse(sample.source)
    assert a.backend == "mediapipe+colour" and a.parsing is not None
    mask = agnostic_mask_from_regions(sample.regions, sample.keypoints, "lower")
    kept = (a.parsing == PARSING_INDEX["top"]) & mask
    true = (sample.source_parsing == PARSING_INDEX["top"]) & mask
    assert (kept & true).sum() > 0.9 * kept.sum() and (kept & true).sum() > 0.5 * true.sum()
    # keep_top then leaves the hem out of the lower mask.
    assert not (a.agnostic_mask("lower", keep_top=True) & kept).any()
    with PersonAnalyzer(colour_parsing=False) as plain:
        b = plain.analyse(sample.source)
    assert b.backend == "mediapipe" and b.parsing is None
