"""The garment crop box and crop/paste helpers."""

from __future__ import annotations

import numpy as np
import pytest

from tryon.body import KEYPOINT_INDEX
from tryon.pipeline.crop import (
    box_mask,
    crop_keypoints,
    crop_resize,
    garment_crop_box,
    paste_crop,
)
from tryon.pipeline.factory import stick_figure_analysis


@pytest.fixture(scope="module")
def person():
    return stick_figure_analysis(320, 240)


@pytest.mark.parametrize("size", [(64, 64), (64, 48), (48, 64)])
@pytest.mark.parametrize("category", ["upper", "lower", "full"])
def test_box_contains_mask_with_model_aspect(person, size, category):
    mask = person.agnostic_mask(category)
    x0, y0, x1, y1 = garment_crop_box(mask, person.keypoints, size)
    ys, xs = np.nonzero(mask)
    assert x0 <= xs.min() and xs.max() < x1 and y0 <= ys.min() and ys.max() < y1
    assert (y1 - y0) / (x1 - x0) == pytest.approx(size[0] / size[1], rel=0.02)


def test_box_is_centred_on_body_midline_and_inside_photo(person):
    mask = person.agnostic_mask("upper")
    box = garment_crop_box(mask, person.keypoints, (64, 64), margin=0.1)
    x0, y0, x1, y1 = box
    assert 0 <= x0 and x1 <= person.width and 0 <= y0 and y1 <= person.height
    mid = person.keypoints[[KEYPOINT_INDEX["left_shoulder"], KEYPOINT_INDEX["right_shoulder"]], 0]
    assert abs((x0 + x1) / 2 - mid.mean()) <= 1.0
    wider = garment_crop_box(mask, person.keypoints, (64, 64), margin=0.5)
    assert wider[2] - wider[0] > x1 - x0


def test_box_larger_than_photo_extends_past_borders():
    mask = np.zeros((40, 100), bool)
    mask[5:35, 10:90] = True
    kp = np.zeros((17, 3), np.float32)
    x0, y0, x1, y1 = garment_crop_box(mask, kp, (64, 64))
    assert y0 < 0 and y1 > 40  # square box taller than the photo, centred on it
    crop = crop_resize(np.full((40, 100, 3), 200, np.uint8), (x0, y0, x1, y1), (32, 32), fill=7)
    assert crop[0, 16].tolist() == [7, 7, 7] and crop[16, 16].tolist() == [200, 200, 200]


def test_empty_mask_falls_back_to_keypoints(person):
    empty = np.zeros((person.height, person.width), bool)
    x0, y0, x1, y1 = garment_crop_box(empty, person.keypoints, (64, 64))
    visible = person.keypoints[person.keypoints[:, 2] > 0.5]
    assert x0 <= visible[:, 0].min() and visible[:, 1].max() < y1
    with pytest.raises(ValueError, match="no keypoint is visible"):
        garment_crop_box(empty, np.zeros((17, 3), np.float32), (64, 64))


@pytest.mark.parametrize(
    "args, match",
    [
        ((np.zeros((4, 4, 1), bool), np.zeros((17, 3)), (8, 8)), "2-D"),
        ((np.ones((4, 4), bool), np.zeros((16, 3)), (8, 8)), "keypoints"),
        ((np.ones((4, 4), bool), np.zeros((17, 3)), (0, 8)), "positive"),
        ((np.ones((4, 4), bool), np.zeros((17, 3)), "big"), "size"),
    ],
)
def test_box_validation(args, match):
    with pytest.raises(ValueError, match=match):
        garment_crop_box(*args)


def test_crop_keypoints_and_mask_resize(person):
    mask = person.agnostic_mask("upper")
    box = garment_crop_box(mask, person.keypoints, (64, 64))
    kp = crop_keypoints(person.keypoints, box, (64, 64))
    scale = 64 / (box[2] - box[0])
    np.testing.assert_allclose(kp[:, 0], (person.keypoints[:, 0] - box[0]) * scale, rtol=1e-5)
    np.testing.assert_array_equal(kp[:, 2], person.keypoints[:, 2])
    small = crop_resize(mask, box, (64, 64))
    assert small.dtype == bool and small.shape == (64, 64)
    coverage = mask[box[1] : box[3], box[0] : box[2]].mean()
    assert small.mean() == pytest.approx(coverage, abs=0.05)
    pose = crop_resize(np.ones((person.height, person.width, 2), np.float32), box, (8, 8))
    assert pose.shape == (8, 8, 2) and np.allclose(pose, 1.0)


def test_paste_validation():
    with pytest.raises(TypeError):
        paste_crop(np.zeros((4, 4, 3)), np.zeros((2, 2, 3), np.uint8), (0, 0, 2, 2))
    with pytest.raises(ValueError, match="x0 < x1"):
        paste_crop(np.zeros((4, 4, 3), np.uint8), np.zeros((2, 2, 3), np.uint8), (2, 0, 2, 2))


def test_box_mask_is_the_box_clipped_to_the_image_never_wrapped():
    inside = box_mask((2, 3, 6, 8), (10, 12))
    assert inside.shape == (10, 12) and inside.dtype == np.bool_
    assert inside.sum() == 4 * 5 and inside[3:8, 2:6].all()
    # A box past the top-left corner (as garment_crop_box may give) keeps only what is on the
    # image; negative starts must not wrap to the far edge.
    past = box_mask((-4, -2, 3, 5), (10, 12))
    assert past.sum() == 3 * 5 and past[:5, :3].all()
    assert not past[:, -1].any() and not past[-1].any()
    assert box_mask((-9, -9, -1, -1), (10, 12)).sum() == 0
    assert box_mask((0, 0, 50, 50), (10, 12)).all()
