"""Feathered compositing: outside pixels are the input's, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from tryon.pipeline.composite import composite, feather_mask
from tryon.pipeline.crop import crop_resize, paste_crop


@pytest.fixture(scope="module")
def astronaut():
    return pytest.importorskip("skimage.data").astronaut()


def test_feather_is_zero_outside_and_one_deep_inside():
    mask = np.zeros((64, 64), bool)
    mask[10:50, 20:60] = True
    weight = feather_mask(mask, radius=6)
    assert weight.dtype == np.float32
    assert np.all(weight[~mask] == 0)
    assert np.all(weight[20:40, 30:50] == 1)
    assert 0 < weight[10, 30] < 1  # on the border row: a soft edge
    row = weight[30, 20:40]
    assert np.all(np.diff(row[:8]) >= 0)  # rises monotonically inwards
    np.testing.assert_array_equal(feather_mask(mask, 0), mask.astype(np.float32))


def test_mask_touching_photo_border_is_not_feathered_there():
    mask = np.zeros((32, 32), bool)
    mask[:, :16] = True
    weight = feather_mask(mask, radius=4)
    assert np.all(weight[:, 0] == 1)  # photo border: nothing to blend with
    assert weight[16, 15] < 1


def test_composite_on_real_photo_is_bit_exact_outside(astronaut, rng):
    h, w = astronaut.shape[:2]
    yy, xx = np.mgrid[:h, :w]
    mask = (yy - 330) ** 2 / 120**2 + (xx - 250) ** 2 / 160**2 < 1  # an ellipse on the torso
    generated = rng.integers(0, 256, astronaut.shape, dtype=np.uint8)
    out = composite(astronaut, generated, feather_mask(mask, 12))
    np.testing.assert_array_equal(out[~mask], astronaut[~mask])
    core = feather_mask(mask, 12) == 1
    np.testing.assert_array_equal(out[core], generated[core])


def test_crop_paste_round_trip_on_real_photo(astronaut):
    box = (100, 150, 420, 470)  # square box inside the photo
    crop = crop_resize(astronaut, box, (64, 64))
    pasted = paste_crop(astronaut, crop, box)
    outside = np.ones(astronaut.shape[:2], bool)
    outside[150:470, 100:420] = False
    np.testing.assert_array_equal(pasted[outside], astronaut[outside])
    # identity crop size: paste(crop) reproduces the photo exactly
    same = crop_resize(astronaut, box, (320, 320))
    np.testing.assert_array_equal(paste_crop(astronaut, same, box), astronaut)


def test_composite_validation():
    a = np.zeros((4, 4, 3), np.uint8)
    with pytest.raises(TypeError):
        composite(a.astype(np.float32), a, np.zeros((4, 4)))
    with pytest.raises(ValueError, match="weight"):
        composite(a, a, np.zeros((3, 4)))
    with pytest.raises(ValueError, match="radius"):
        feather_mask(np.zeros((4, 4), bool), -1)
    with pytest.raises(ValueError, match="bool"):
        feather_mask(np.zeros((4, 4), np.uint8), 1)
