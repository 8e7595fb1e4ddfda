"""Feathered compositing: outside pixels are the input's, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from tryon.pipeline.composite import (
    DRAWN_OVER_PLATE,
    clean_plate,
    colour_distance,
    composite,
    enclosed,
    feather_mask,
    garment_holes,
    lock_region,
    restore_background,
)
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


def test_clean_plate_is_the_mask_minus_the_grown_person():
    mask = np.zeros((40, 40), bool)
    mask[5:35, 5:35] = True
    person = np.zeros((40, 40), bool)
    person[10:30, 15:25] = True
    plate = clean_plate(mask, person, margin=0)
    np.testing.assert_array_equal(plate, mask & ~person)
    grown = clean_plate(mask, person, margin=3)
    assert not grown[10:30, 12:28].any()  # 3 pixels clear of the person on each side
    assert grown[20, 11] and grown[20, 28]  # and no further
    assert not (grown & ~mask).any()
    with pytest.raises(ValueError, match="margin"):
        clean_plate(mask, person, margin=-1)
    with pytest.raises(ValueError, match="shape"):
        clean_plate(mask, person[:20], margin=1)


def _scene():
    """A wall gradient; on its left a haze (the wall pulled 30 % towards grey), on its right a
    garment-coloured block; the plate covers both."""
    h, w = 48, 96
    photo = np.zeros((h, w, 3), np.uint8)
    photo[..., 0] = np.linspace(150, 220, w, dtype=np.uint8)[None, :]
    photo[..., 1] = 120
    photo[..., 2] = 170
    render = photo.copy()
    haze = (slice(8, 40), slice(8, 40))
    render[haze] = np.rint(0.8 * photo[haze] + 0.2 * 128).astype(np.uint8)
    garment = (slice(8, 40), slice(56, 88))
    render[garment] = (20, 60, 30)
    plate = np.zeros((h, w), bool)
    plate[4:44, 4:92] = True
    return photo, render, plate, haze, garment


def test_restore_background_removes_haze_and_keeps_the_garment():
    photo, render, plate, haze, garment = _scene()
    out = restore_background(render, photo, plate, (15.0, 35.0), smooth=0)
    np.testing.assert_array_equal(out[haze], photo[haze])  # a faint haze: the wall is back
    np.testing.assert_array_equal(out[garment], render[garment])  # a garment: kept as drawn
    np.testing.assert_array_equal(out[~plate], render[~plate])  # off the plate: untouched
    assert not np.shares_memory(out, render)


def test_restore_background_blends_between_the_tolerances_and_smooths_edges():
    photo, render, plate, haze, _ = _scene()
    # With a tolerance around the haze's distance the haze is blended, not snapped.
    out = restore_background(render, photo, plate, (2.0, 30.0), smooth=0)
    inside = (out[haze].astype(int), photo[haze].astype(int), render[haze].astype(int))
    between = np.abs(inside[0] - inside[1]) <= np.abs(inside[2] - inside[1])
    assert between.all() and (inside[0] != inside[1]).any() and (inside[0] != inside[2]).any()
    # Smoothing softens the garment block's border (the wall next to it is partly kept).
    _, render, plate, _, garment = _scene()
    hard = restore_background(render, photo, plate, (15.0, 35.0), smooth=0)
    soft = restore_background(render, photo, plate, (15.0, 35.0), smooth=3)
    edge = (slice(8, 40), 56)
    assert (hard[edge] == render[edge]).all()
    assert (soft[edge] != render[edge]).any()


def test_restore_background_validation():
    photo, render, plate, _, _ = _scene()
    for tolerance in [(35.0, 15.0), (-1.0, 5.0), (5.0, float("nan"))]:
        with pytest.raises(ValueError, match="tolerance"):
            restore_background(render, photo, plate, tolerance)
    with pytest.raises(ValueError, match="smooth"):
        restore_background(render, photo, plate, (15.0, 35.0), smooth=-1)
    with pytest.raises(TypeError, match="uint8"):
        restore_background(render.astype(np.float32), photo, plate, (15.0, 35.0))
    with pytest.raises(ValueError, match="plate"):
        restore_background(render, photo, plate[:10], (15.0, 35.0))
    with pytest.raises(ValueError, match="plate"):
        restore_background(render, photo, plate.astype(np.uint8), (15.0, 35.0))


def test_lock_region_adds_the_garment_drawn_over_the_plate_not_its_background():
    """After the restore, the haze is the photo's wall again (not the garment's: out of the
    region), the garment block drawn over the wall is in it, and so is the mask off the plate;
    nothing outside the mask ever is."""
    photo, render, plate, haze, garment = _scene()
    mask = np.zeros(plate.shape, bool)
    mask[2:46, 2:94] = True
    restored = restore_background(render, photo, plate, (15.0, 35.0))
    region = lock_region(restored, photo, mask, plate)
    assert region[garment].all()
    assert not region[haze].any()
    np.testing.assert_array_equal(region[~plate], mask[~plate])
    # The block's border is smoothed like the restore's matte: a pixel or two either way.
    drawn = np.zeros(plate.shape, bool)
    drawn[garment] = True
    assert (region[plate] ^ drawn[plate]).sum() <= 2 * (32 + 32) * 2
    assert not lock_region(restored, photo, np.zeros_like(mask), plate).any()


def test_lock_region_threshold_and_no_plate():
    """The unrestored haze (a few ΔE*ab from the wall) counts as drawn below its distances and
    not above them; without a plate the region is the mask."""
    photo, render, plate, haze, _ = _scene()
    mask = plate.copy()
    distances = colour_distance(render, photo)[haze]
    assert 0 < distances.min() and distances.max() < DRAWN_OVER_PLATE
    below = lock_region(render, photo, mask, plate, drawn=distances.min() - 0.5, smooth=0)
    above = lock_region(render, photo, mask, plate, drawn=distances.max() + 0.5, smooth=0)
    assert below[haze].all() and not above[haze].any()
    no_plate = np.zeros_like(plate)
    np.testing.assert_array_equal(lock_region(render, photo, mask, no_plate), mask)


def test_lock_region_validation():
    photo, render, plate, _, _ = _scene()
    for drawn in (0.0, -5.0, float("nan")):
        with pytest.raises(ValueError, match="drawn"):
            lock_region(render, photo, plate, plate, drawn=drawn)
    with pytest.raises(ValueError, match="smooth"):
        lock_region(render, photo, plate, plate, smooth=-1.0)
    with pytest.raises(ValueError, match="one"):
        lock_region(render, photo[:10], plate, plate)
    with pytest.raises(ValueError, match="one"):
        lock_region(render, photo, plate[:10], plate[:10])


def test_colour_distance_is_cie76_in_lab():
    """Against the palette's own sRGB -> CIELAB conversion (IEC 61966-2-1, CIE 15)."""
    from tryon.data.palette import srgb_to_lab

    rng = np.random.default_rng(3)
    a = rng.integers(0, 256, (4, 5, 3), dtype=np.uint8)
    b = rng.integers(0, 256, (4, 5, 3), dtype=np.uint8)
    expected = np.linalg.norm(srgb_to_lab(a) - srgb_to_lab(b), axis=-1)
    distance = colour_distance(a, b)
    assert distance.shape == (4, 5) and distance.dtype == np.float32
    np.testing.assert_allclose(distance, expected, atol=2.0)  # OpenCV's 8-bit Lab rounds
    assert np.all(colour_distance(a, a) == 0)


def test_enclosed_keeps_only_the_components_the_mask_walls_in():
    mask = np.zeros((40, 60), bool)
    mask[0:30, 5:55] = True  # touches the image's top border
    region = np.zeros_like(mask)
    region[10:15, 10:15] = True  # walled in
    region[20:30, 30:35] = True  # reaches the mask's bottom edge: open
    region[0:4, 40:45] = True  # on the image border: open
    region[12:13, 20:21] = True  # a single walled-in pixel
    inside = enclosed(region, mask)
    expected = np.zeros_like(mask)
    expected[10:15, 10:15] = True
    expected[12, 20] = True
    np.testing.assert_array_equal(inside, expected)
    # diagonal contact counts (8-connected): a blob touching the edge corner-wise is open
    region[:] = False
    region[28, 10] = True
    region[29, 11] = True  # the mask's last row: outside lies below it
    assert not enclosed(region, mask).any()
    assert not enclosed(np.zeros_like(mask), mask).any()
    with pytest.raises(ValueError, match="one shape"):
        enclosed(region, mask[:10])


def _skirt_over_the_wall():
    """A wall; the render draws a dark skirt over it with a wall-coloured stripe patch inside
    (a hole: ``hole``, its middle ``inner``, clear of the smoothed edge) and a haze of the
    wall beside it, open to the outside of the mask."""
    h, w = 64, 90
    photo = np.zeros((h, w, 3), np.uint8)
    photo[...] = (200, 200, 190)
    render = photo.copy()
    render[6:58, 6:58] = (120, 30, 60)
    hole, inner = (slice(20, 44), slice(20, 44)), (slice(26, 38), slice(26, 38))
    render[hole] = (198, 201, 188)  # within a few ΔE*ab of the wall
    haze = (slice(10, 50), slice(66, 78))
    render[haze] = (196, 196, 192)
    mask = np.zeros((h, w), bool)
    mask[3:61, 3:84] = True
    return photo, render, mask, hole, inner, haze


def test_garment_holes_are_the_patches_near_the_wall_the_render_walls_in():
    """The skirt's pale patch is a hole; the haze beside it, open to the outside, is not; a
    mask that opens the patch to the outside makes it no hole."""
    photo, render, mask, hole, inner, haze = _skirt_over_the_wall()
    holes = garment_holes(render, photo, mask, mask)
    assert holes[inner].all() and not holes[haze].any()
    assert holes[hole].mean() > 0.5 and not holes[:, 55:].any()
    assert not (holes & ~mask).any()
    opened = mask.copy()
    opened[32, 32:] = False
    assert not garment_holes(render, photo, mask & opened, opened).any()
    assert not garment_holes(render, photo, np.zeros_like(mask), mask).any()
    # the middle of the tolerance: below the patch's distance from the wall, no hole
    assert not garment_holes(render, photo, mask, mask, below=1.0).any()
    # only patches centred below from_row (the hips): the patch's centre is row 31.5
    np.testing.assert_array_equal(garment_holes(render, photo, mask, mask, from_row=31.0), holes)
    assert not garment_holes(render, photo, mask, mask, from_row=32.0).any()
    for kwargs, match in (
        (dict(below=0.0), "below"),
        (dict(smooth=-1.0), "smooth"),
        (dict(from_row=float("nan")), "from_row"),
    ):
        with pytest.raises(ValueError, match=match):
            garment_holes(render, photo, mask, mask, **kwargs)
    with pytest.raises(ValueError, match="one"):
        garment_holes(render, photo, mask[:10], mask[:10])


def test_restore_background_keeps_the_holes_it_is_given():
    """With ``keep``, the render stays in the skirt's hole (rim included: nothing between
    the hole and the skirt is nearer the wall than before); the open haze is still the wall,
    and nothing far from the hole changes."""
    photo, render, mask, hole, inner, haze = _skirt_over_the_wall()
    plate = mask  # the person is elsewhere: the whole mask shows wall
    plain = restore_background(render, photo, plate, (15.0, 35.0))
    np.testing.assert_array_equal(plain[inner], photo[inner])  # the hole shows the wall
    holes = garment_holes(render, photo, plate, mask)
    kept = restore_background(render, photo, plate, (15.0, 35.0), keep=holes)
    np.testing.assert_array_equal(kept[inner], render[inner])
    np.testing.assert_array_equal(kept[haze], photo[haze])  # open: the wall comes back
    np.testing.assert_array_equal(kept[~plate], render[~plate])
    near = np.zeros(mask.shape, bool)
    near[16:48, 16:48] = True
    differs = np.any(kept != plain, axis=-1)
    assert differs[inner].all() and not differs[~near].any()
    to_wall = lambda im: np.abs(im.astype(int) - photo.astype(int)).sum(-1)  # noqa: E731
    assert (to_wall(kept)[hole] >= to_wall(plain)[hole]).all()
    nothing = np.zeros_like(mask)
    np.testing.assert_array_equal(
        restore_background(render, photo, plate, (15.0, 35.0), keep=nothing), plain
    )
    for bad in (holes[:10], holes.astype(np.uint8)):
        with pytest.raises(ValueError, match="keep"):
            restore_background(render, photo, plate, (15.0, 35.0), keep=bad)


def test_lock_region_takes_in_the_holes_the_restore_keeps():
    photo, render, mask, hole, inner, haze = _skirt_over_the_wall()
    holes = garment_holes(render, photo, mask, mask)
    restored = restore_background(render, photo, mask, (15.0, 35.0), keep=holes)
    without = lock_region(restored, photo, mask, mask)
    with_holes = lock_region(restored, photo, mask, mask, holes=holes)
    assert not without[inner].any() and with_holes[hole].all()
    assert not with_holes[haze].any()
    np.testing.assert_array_equal(with_holes, without | holes)
    assert with_holes[15, 15] and without[15, 15]  # the skirt itself
    with pytest.raises(ValueError, match="holes"):
        lock_region(restored, photo, mask, mask, holes=holes[:10])
