"""Colour lock: target parsing, base-colour search, the shift that keeps shading, and the
print lock that pulls a blurred two-colour print apart."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tryon.data.palette import colour
from tryon.pipeline.colour_lock import (
    BACKGROUND_EXCLUSION,
    PRINT_STRENGTH,
    SEARCH,
    STRENGTH,
    LockTarget,
    background_tone,
    base_colour,
    guarded_background,
    lab_to_rgb,
    lock_colour,
    lock_garment,
    lock_print,
    lock_target,
    parse_colour,
    prompt_colour,
    rgb_to_lab,
    skin_tone,
)


def lab(rgb) -> np.ndarray:
    return rgb_to_lab(np.array(rgb, dtype=np.uint8))


def test_prompt_colour_reads_the_first_named_colour():
    assert prompt_colour("a sky blue dress") == "sky blue"
    assert prompt_colour("a wine skirt with white dots") == "burgundy"
    assert prompt_colour("a linen shirt with short sleeves") is None
    np.testing.assert_allclose(lock_target("a wine skirt").base, colour("burgundy").lab, atol=1e-4)
    assert lock_target("a linen shirt with short sleeves") is None


def test_parse_colour_names_hex_and_triples():
    np.testing.assert_allclose(parse_colour("navy"), colour("navy").lab, atol=1e-4)
    np.testing.assert_allclose(parse_colour("wine"), colour("burgundy").lab, atol=1e-4)
    np.testing.assert_allclose(parse_colour("#FF0000"), lab([255, 0, 0]), atol=1e-4)
    np.testing.assert_allclose(parse_colour((0, 0, 255)), lab([0, 0, 255]), atol=1e-4)
    # OpenCV's Lab agrees with the palette's own CIELAB (D65) to well under one unit.
    navy = colour("navy")
    assert np.abs(lab(navy.srgb) - np.array(navy.lab)).max() < 1.0


@pytest.mark.parametrize(
    "value, error, match",
    [
        ("plaid", ValueError, "unknown colour"),
        ("#12345", ValueError, "unknown colour"),
        ("", ValueError, "unknown colour"),
        ((300, 0, 0), ValueError, r"\[0, 255\]"),
        ((0.5, 0.5, 0.5), ValueError, "three ints"),
        ((1, 2), ValueError, "three ints"),
        (3.5, TypeError, "a colour must be"),
    ],
)
def test_parse_colour_errors(value, error, match):
    with pytest.raises(error, match=match):
        parse_colour(value)


def test_lab_round_trip():
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (50, 3), dtype=np.uint8)
    assert np.abs(lab_to_rgb(rgb_to_lab(rgb)).astype(int) - rgb).max() <= 1


def test_colour_conversions_take_no_pixels():
    """A lock that finds a base colour but moves no pixel (every weight 0) converts an empty
    selection: OpenCV refuses empty input, the conversions must not."""
    assert rgb_to_lab(np.zeros((0, 3), np.uint8)).shape == (0, 3)
    empty = lab_to_rgb(np.zeros((0, 3), np.float32))
    assert empty.shape == (0, 3) and empty.dtype == np.uint8
    assert rgb_to_lab(np.zeros((4, 0, 3), np.uint8)).shape == (4, 0, 3)


def garment_scene(base_rgb=(160, 35, 45), skin_rgb=(200, 150, 120)):
    """A 60x60 scene: grey background, a shaded garment of ``base_rgb`` (L* ramp of +-6) with
    white stripes, and a skin patch, all inside the region but the background."""
    image = np.full((60, 60, 3), 90, np.uint8)
    region = np.zeros((60, 60), bool)
    region[10:50, 10:50] = True
    base = lab(base_rgb)
    garment = np.zeros((40, 40, 3), np.float32) + base
    garment[..., 0] += np.linspace(-6, 6, 40, dtype=np.float32)[None, :]
    image[10:50, 10:50] = lab_to_rgb(garment)
    stripes = np.zeros((60, 60), bool)
    stripes[20:23, 10:50] = stripes[35:38, 10:50] = True
    image[stripes] = 245
    skin = np.zeros((60, 60), bool)
    skin[40:50, 10:20] = True
    image[skin] = skin_rgb
    body = region & ~stripes & ~skin
    return image, region, body, stripes, skin


def test_lock_moves_the_base_to_the_target_and_keeps_shading_stripes_and_skin():
    image, region, body, stripes, skin = garment_scene()
    target = parse_colour("red")
    skin_lab = lab([200, 150, 120])
    out, base = lock_colour(image, region, target, skin_lab, smooth=0.0, strength=1.0)
    assert 15 < np.linalg.norm(lab([160, 35, 45]) - target) < 35  # a drifted red
    np.testing.assert_allclose(base, lab([160, 35, 45]), atol=2.5)
    before, after = rgb_to_lab(image[body]), rgb_to_lab(out[body])
    assert np.linalg.norm(after.mean(0) - target) < 2.0
    assert np.linalg.norm(before.mean(0) - target) > 10.0
    # The shading ramp survives: L* offsets between pixels are unchanged (to rounding).
    np.testing.assert_allclose(
        after[:, 0] - after[:, 0].mean(), before[:, 0] - before[:, 0].mean(), atol=1.5
    )
    np.testing.assert_array_equal(out[stripes], image[stripes])
    np.testing.assert_array_equal(out[skin], image[skin])
    np.testing.assert_array_equal(out[~region], image[~region])


def test_default_lock_moves_three_quarters_of_the_way_and_keeps_a_weave():
    """STRENGTH of the offset is applied; with the neighbourhood smoothing a fine two-tone
    weave (alternate columns 24 L* apart) moves as one: its contrast is kept (without the
    smoothing the light columns, 24 from the base, would shift less than the dark ones)."""
    image, region, body, *_ = garment_scene(base_rgb=(60, 70, 120))
    weave = body.copy()
    weave[:, ::2] = False
    lab_image = rgb_to_lab(image)
    lab_image[weave] += np.array([24.0, 0.0, 0.0], np.float32)
    image = lab_to_rgb(lab_image)
    target = parse_colour("blue")
    out, base = lock_colour(image, region, target)
    assert np.linalg.norm(target - base) > 30
    before, after = rgb_to_lab(image), rgb_to_lab(out)
    inner = body & (cv2.erode(body.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0)
    shift = (after - before)[inner].mean(0)
    np.testing.assert_allclose(shift, STRENGTH * (target - base), atol=1.0)
    contrast = lambda lab_: lab_[inner & weave].mean(0) - lab_[inner & ~weave].mean(0)  # noqa: E731
    np.testing.assert_allclose(contrast(after), contrast(before), atol=1.0)


def test_skin_guard_keeps_skin_near_the_garment_colour():
    """A tan garment beside skin 15 ΔE*ab away: without the skin tone the skin drifts with
    the garment, with it the skin stays exactly."""
    image, region, body, _, skin = garment_scene(base_rgb=(180, 140, 100), skin_rgb=(205, 150, 125))
    target = lab([170, 150, 110])
    skin_lab = lab([205, 150, 125])
    guarded, _ = lock_colour(image, region, target, skin_lab)
    unguarded, _ = lock_colour(image, region, target, None)
    np.testing.assert_array_equal(guarded[skin], image[skin])
    assert (unguarded[skin] != image[skin]).any()
    assert (guarded[body] != image[body]).any()


def test_background_guard_keeps_a_haze_of_the_wall_from_being_the_garment():
    """A mini dress drawn olive-tan above a haze of the wall where the photo's long skirt was:
    the haze is nearer the asked tan than the dress is, and larger, so without the wall's tone
    the lock takes it for the garment and paints it; with it, the dress is the base and the
    haze stays as drawn."""
    wall = np.array([71.0, 13.0, -7.0], np.float32)
    image = np.zeros((60, 40, 3), np.uint8)
    image[:] = lab_to_rgb(wall)
    region = np.zeros((60, 40), bool)
    region[5:55, 5:35] = True
    dress = np.zeros_like(region)
    dress[5:25, 5:35] = True
    haze = region & ~dress
    image[dress] = lab_to_rgb(np.array([57.0, 0.0, 29.0], np.float32))
    image[haze] = lab_to_rgb(np.array([71.0, 9.0, 1.0], np.float32))
    tan = parse_colour("tan")
    assert np.linalg.norm(rgb_to_lab(image[haze][0]) - tan) < SEARCH
    unguarded, base = lock_colour(image, region, tan, smooth=0.0)
    assert np.linalg.norm(base - rgb_to_lab(image[haze][0])) < 2.0  # the haze, taken for it
    assert (unguarded[haze] != image[haze]).any()
    guarded, base = lock_colour(image, region, tan, smooth=0.0, background=wall)
    assert np.linalg.norm(base - rgb_to_lab(image[dress][0])) < 2.0
    np.testing.assert_array_equal(guarded[haze], image[haze])
    moved = rgb_to_lab(guarded[dress]).mean(0)
    assert np.linalg.norm(moved - tan) < 0.3 * np.linalg.norm(rgb_to_lab(image[dress][0]) - tan)
    # lock_garment hands the tone to the base lock
    locked, found = lock_garment(image, region, LockTarget(tan), None, wall)
    expected, expected_base = lock_colour(image, region, tan, background=wall)
    np.testing.assert_array_equal(locked, expected)
    np.testing.assert_array_equal(found, expected_base)


def test_background_guard_stands_aside_when_the_asked_colour_is_the_walls():
    """A white shirt on a white backdrop: the guard would leave nothing to lock, so it stands
    aside and the lock acts as without it."""
    wall = parse_colour("white")
    image, region, *_ = garment_scene(base_rgb=(228, 226, 214))
    near_wall = np.asarray(wall, np.float32) + np.array([-3.0, 0.0, 4.0], np.float32)
    assert np.linalg.norm(near_wall - wall) < 2 * BACKGROUND_EXCLUSION
    unguarded, base = lock_colour(image, region, wall)
    assert base is not None and (unguarded != image).any()
    guarded, guarded_base = lock_colour(image, region, wall, background=near_wall)
    np.testing.assert_array_equal(guarded, unguarded)
    np.testing.assert_array_equal(guarded_base, base)
    assert guarded_background(wall, near_wall) is None
    far_wall = parse_colour("navy")
    np.testing.assert_array_equal(guarded_background(wall, far_wall), far_wall)
    assert guarded_background(wall, None) is None


def test_background_and_skin_tones_are_medians_of_enough_pixels():
    image = np.zeros((20, 20, 3), np.uint8)
    image[:, :10] = (200, 30, 30)
    image[:, 10:] = (30, 30, 200)
    where = np.zeros((20, 20), bool)
    where[:, :12] = True  # 200 red pixels and 40 blue: the median is red
    np.testing.assert_allclose(background_tone(image, where), lab([200, 30, 30]), atol=1e-3)
    np.testing.assert_array_equal(background_tone(image, where), skin_tone(image, where))
    few = np.zeros((20, 20), bool)
    few[0, :19] = True
    assert background_tone(image, few) is None


def test_pixels_the_lock_does_not_move_stay_bit_exact():
    """Far from the base colour (weight 0) a pixel is not sent through CIELAB and back, which
    would move some 8-bit values by one."""
    rng = np.random.default_rng(3)
    image, region, body, *_ = garment_scene()
    noise = np.zeros_like(region)
    noise[12:20, 12:48] = True  # a patch of random colours, mostly far from the garment's
    image[noise] = rng.integers(0, 256, (int(noise.sum()), 3), dtype=np.uint8)
    out, base = lock_colour(image, region, parse_colour("red"), smooth=0.0)
    far = noise & (np.linalg.norm(rgb_to_lab(image) - base, axis=-1) > 36)
    assert far.sum() > 100
    np.testing.assert_array_equal(out[far], image[far])


def test_no_base_near_the_target_leaves_the_render():
    image, region, *_ = garment_scene()
    out, base = lock_colour(image, region, parse_colour("sky blue"), None)
    assert base is None
    np.testing.assert_array_equal(out, image)
    out, base = lock_colour(image, np.zeros_like(region), parse_colour("red"))
    assert base is None and out is not image
    # lock_garment says so too (what tells a caller the render holds none of the colour)
    out, base = lock_garment(image, region, LockTarget(parse_colour("sky blue")))
    assert base is None
    np.testing.assert_array_equal(out, image)


def test_base_colour_prefers_the_largest_cluster_near_the_target():
    rng = np.random.default_rng(1)
    a = lab([150, 20, 30]) + rng.normal(0, 1.5, (600, 3)).astype(np.float32)
    b = lab([210, 40, 40]) + rng.normal(0, 1.5, (300, 3)).astype(np.float32)
    far = lab([20, 200, 20]) + rng.normal(0, 1.5, (2000, 3)).astype(np.float32)
    pixels = np.concatenate([a, b, far])
    found = base_colour(pixels, parse_colour("red"))
    np.testing.assert_allclose(found, lab([150, 20, 30]), atol=1.0)
    # Mostly something else (a green garment asked red): too few pixels near red.
    assert base_colour(np.concatenate([b[:50], far]), parse_colour("red")) is None


def test_lightness_weight_finds_a_garment_drawn_too_dark():
    """A grey tee drawn ~44 L* too dark (the model's commonest drift, here to a navy black):
    with L* at full weight even its lightest shading lies beyond the search and the lock leaves
    it; with L* weighted 0.5 it is found and moved by the full CIELAB offset towards grey."""
    image, region, body, *_ = garment_scene(base_rgb=(30, 32, 44))
    target = parse_colour("grey")
    base_lab = rgb_to_lab(image[body]).mean(0)
    assert np.linalg.norm(rgb_to_lab(image[body]) - target, axis=-1).min() > SEARCH
    skin_lab = lab([200, 150, 120])  # else the skin patch, 29 from grey, is taken for the tee
    out, base = lock_colour(image, region, target, skin_lab, lightness=1.0)
    assert base is None
    np.testing.assert_array_equal(out, image)
    out, base = lock_colour(
        image, region, target, skin_lab, lightness=0.5, strength=1.0, smooth=0.0
    )
    np.testing.assert_allclose(base, base_lab, atol=2.5)
    assert np.linalg.norm(rgb_to_lab(out[body]).mean(0) - target) < 3.0
    np.testing.assert_array_equal(out[~region], image[~region])


def test_skin_tone():
    image = np.zeros((20, 20, 3), np.uint8)
    image[:10] = (200, 150, 120)
    face = np.zeros((20, 20), bool)
    face[:5, :5] = True
    np.testing.assert_allclose(skin_tone(image, face), lab([200, 150, 120]), atol=1e-3)
    face[:] = False
    face[0, :10] = True
    assert skin_tone(image, face) is None


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(radius=(25.0, 12.0)), "radius"),
        (dict(radius=(0.0, float("inf"))), "radius"),
        (dict(search=0.0), "search"),
        (dict(smooth=-1.0), "smooth"),
        (dict(strength=1.5), "strength"),
        (dict(lightness=0.0), "lightness"),
        (dict(lightness=1.5), "lightness"),
    ],
)
def test_lock_argument_errors(kwargs, match):
    image, region, *_ = garment_scene()
    with pytest.raises(ValueError, match=match):
        lock_colour(image, region, parse_colour("red"), **kwargs)
    with pytest.raises(ValueError, match="region"):
        lock_colour(image, region[:10], parse_colour("red"))
    with pytest.raises(ValueError, match="uint8"):
        lock_colour(image.astype(float), region, parse_colour("red"))


def test_base_colour_of_a_huge_region_is_searched_on_a_stride():
    """Millions of pixels (a large photo's garment) give the same base as a tenth of them."""
    rng = np.random.default_rng(2)
    base = lab([150, 20, 30])
    pixels = base + rng.normal(0, 2.0, (2_000_000, 3)).astype(np.float32)
    found = base_colour(pixels, parse_colour("red"))
    np.testing.assert_allclose(found, base, atol=0.5)


# --------------------------------------------------------------------------- print lock
TAN, COBALT = parse_colour("tan"), parse_colour("cobalt")


def blurred_print_scene(sigma=2.0):
    """A 60x60 scene: grey background; inside the region a tan garment with cobalt stripes 3 px
    wide every 10 px, blurred (``sigma`` px) the way a small latent model blurs a print, so the
    stripes are dull blends of the two colours; and a skin patch. Returns the image, region,
    stripe-centre rows, base-centre rows (masks) and the skin mask."""
    lab_image = np.zeros((60, 60, 3), np.float32) + lab([90, 90, 90])
    region = np.zeros((60, 60), bool)
    region[10:50, 10:50] = True
    garment = np.zeros((40, 40, 3), np.float32) + TAN
    rows = np.arange(40)
    stripe_rows = rows % 10 < 3
    garment[stripe_rows] = COBALT
    lab_image[10:50, 10:50] = cv2.GaussianBlur(garment, (0, 0), sigma)
    image = lab_to_rgb(lab_image)
    stripe_centre = np.zeros((60, 60), bool)
    stripe_centre[10:50][(rows % 10 == 1)] = True
    base_centre = np.zeros((60, 60), bool)
    base_centre[10:50][(rows % 10 == 6)] = True
    for mask in (stripe_centre, base_centre):
        mask[:, :16] = mask[:, 44:] = False  # away from the garment's edge
    skin = np.zeros((60, 60), bool)
    skin[44:50, 10:16] = True
    image[skin] = (200, 150, 120)
    return image, region, stripe_centre, base_centre, skin


def test_print_lock_pulls_a_blurred_print_apart_into_the_asked_colours():
    image, region, stripes, base, skin = blurred_print_scene()
    before = rgb_to_lab(image)
    dist = lambda lab_, colour_: np.linalg.norm(lab_ - colour_, axis=-1)  # noqa: E731
    assert dist(before[stripes], COBALT).mean() > 30  # the blur dulled the stripes
    out, acted = lock_print(image, region, TAN, COBALT, lab([200, 150, 120]), strength=1.0)
    assert acted
    after = rgb_to_lab(out)
    assert dist(after[stripes], COBALT).mean() < 0.4 * dist(before[stripes], COBALT).mean()
    assert dist(after[base], TAN).mean() < 0.5 * dist(before[base], TAN).mean() + 1.0
    # the print's contrast grew; the skin (9 ΔE*ab from tan) stayed, to a level of rounding on
    # the patch's border, whose neighbourhood is half garment; outside the region bit-exact
    contrast = lambda lab_: dist(lab_[stripes].mean(0), lab_[base].mean(0))  # noqa: E731
    assert contrast(after) > 1.5 * contrast(before)
    assert np.abs(out[skin].astype(int) - image[skin]).max() <= 1
    unguarded, _ = lock_print(image, region, TAN, COBALT, None, strength=1.0)
    assert np.abs(unguarded[skin].astype(int) - image[skin]).max() > 3
    np.testing.assert_array_equal(out[~region], image[~region])


def test_print_lock_moves_a_flat_blend_to_the_base_and_keeps_shading():
    """A garment drawn as one flat blend (no print to pull out) goes to the base colour; the
    part of each pixel off the base-to-print segment (shading) is kept."""
    image = np.full((40, 40, 3), 90, np.uint8)
    region = np.zeros((40, 40), bool)
    region[5:35, 5:35] = True
    blend = 0.6 * TAN + 0.4 * COBALT
    garment = np.zeros((30, 30, 3), np.float32) + blend
    garment[..., 0] += np.linspace(-5, 5, 30, dtype=np.float32)[None, :]
    image[5:35, 5:35] = lab_to_rgb(garment)
    out, acted = lock_print(image, region, TAN, COBALT, strength=1.0)
    assert acted
    before, after = rgb_to_lab(image[region]), rgb_to_lab(out[region])
    axis = COBALT - TAN

    def off_segment(lab_):
        along = (lab_ - TAN) @ axis / (axis @ axis)
        return lab_ - TAN - along[:, None] * axis

    assert np.linalg.norm(after.mean(0) - TAN) < 3.0
    np.testing.assert_allclose(off_segment(after), off_segment(before), atol=1.5)
    # default strength: PRINT_STRENGTH of the way
    part, _ = lock_print(image, region, TAN, COBALT)
    mid = rgb_to_lab(part[region]).mean(0)
    expected = before.mean(0) + PRINT_STRENGTH * (after.mean(0) - before.mean(0))
    np.testing.assert_allclose(mid, expected, atol=1.5)


def test_print_lock_leaves_a_render_far_from_both_colours():
    image, region, *_ = blurred_print_scene()
    far = lab_to_rgb(np.zeros((60, 60, 3), np.float32) + lab([30, 200, 40]))  # green
    far[~region] = image[~region]
    out, acted = lock_print(far, region, TAN, COBALT)
    assert not acted
    np.testing.assert_array_equal(out, far)
    assert lock_print(image, np.zeros_like(region), TAN, COBALT)[1] is False


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(print_colour=TAN), "same"),
        (dict(contrast=(0.3, 0.1)), "contrast"),
        (dict(radius=(-1.0, 5.0)), "radius"),
        (dict(level_sigma=0.0), "level_sigma"),
        (dict(strength=-0.1), "strength"),
    ],
)
def test_print_lock_argument_errors(kwargs, match):
    image, region, *_ = blurred_print_scene()
    args = dict(base=TAN, print_colour=COBALT) | kwargs
    with pytest.raises(ValueError, match=match):
        lock_print(image, region, **args)


def test_lock_target_reads_base_and_print_colours():
    target = lock_target("a tan jumper with cobalt stripes")
    np.testing.assert_allclose(target.base, TAN, atol=1e-4)
    np.testing.assert_allclose(target.print, COBALT, atol=1e-4)
    assert lock_target("a wine skirt").print is None
    ground_last = lock_target("white polka dots on a navy dress")  # navy, with white dots
    np.testing.assert_allclose(ground_last.base, parse_colour("navy"), atol=1e-4)
    np.testing.assert_allclose(ground_last.print, parse_colour("white"), atol=1e-4)
    assert lock_target("a linen shirt") is None
    assert lock_target(None) is None
    # a given colour replaces the base; the prompt's print colour stays
    given = lock_target("a tan jumper with cobalt stripes", "#1F2A44")
    np.testing.assert_allclose(given.base, parse_colour("#1F2A44"), atol=1e-4)
    np.testing.assert_allclose(given.print, COBALT, atol=1e-4)
    np.testing.assert_allclose(lock_target("a linen shirt", "navy").base, parse_colour("navy"))


def test_lock_garment_runs_the_print_lock_only_for_a_print_colour():
    image, region, stripes, *_ = blurred_print_scene()
    base_only, base = lock_garment(image, region, LockTarget(TAN))
    np.testing.assert_array_equal(base_only, lock_colour(image, region, TAN)[0])
    assert base is not None
    both = lock_garment(image, region, LockTarget(TAN, COBALT))[0]
    printed = lock_print(image, region, TAN, COBALT)[0]
    np.testing.assert_array_equal(both, lock_colour(printed, region, TAN)[0])
    to_cobalt = lambda im: np.linalg.norm(rgb_to_lab(im)[stripes] - COBALT, axis=-1).mean()  # noqa: E731
    assert to_cobalt(both) < to_cobalt(base_only) - 5
    # the same colour twice is a solid garment
    np.testing.assert_array_equal(lock_garment(image, region, LockTarget(TAN, TAN))[0], base_only)
