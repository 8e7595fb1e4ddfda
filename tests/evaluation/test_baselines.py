"""Tests of the recolour baseline on a real world rendering."""

from __future__ import annotations

import numpy as np
import pytest

from tryon.analysis import PersonAnalysis
from tryon.data import render_person, sample_outfit, sample_person
from tryon.evaluation.baselines import (
    AutoencoderMethod,
    GroundTruthMethod,
    RecolourBaseline,
    recolour,
)
from tryon.evaluation.colour import dominant_colour, palette_lab, srgb_to_lab
from tryon.evaluation.metrics import preservation_error


@pytest.fixture(scope="module")
def person():
    rng = np.random.default_rng(3)
    r = render_person(sample_person(rng), sample_outfit(rng), size=(256, 192))
    return PersonAnalysis.from_ground_truth(r.image, r.keypoints, r.regions)


@pytest.mark.parametrize(
    "prompt, colour",
    [
        ("a red t-shirt", "red"),
        ("navy blue sweater with white stripes", "navy"),
        ("a mint tee", "mint"),
    ],
)
def test_recolour_preserves_outside_and_delivers_colour(person, prompt, colour):
    out = RecolourBaseline().run(person, prompt, "upper")
    assert out.extra["colour"] == colour
    assert out.mask.any()
    # Preservation is exactly 0: every pixel outside the agnostic mask is the input's.
    assert preservation_error(out.image, person.image, out.mask) == 0
    np.testing.assert_array_equal(out.image[~out.mask], person.image[~out.mask])
    assert (out.image[out.mask] != person.image[out.mask]).any()
    # The recoloured region's dominant colour is the asked one.
    name, _ = dominant_colour(out.image, out.mask, palette_lab())
    assert name == colour


def test_recolour_keeps_luminance_structure():
    rng = np.random.default_rng(0)
    image = rng.integers(40, 220, size=(20, 20, 3), dtype=np.uint8)
    mask = np.zeros((20, 20), bool)
    mask[5:15, 5:15] = True
    target = palette_lab()["teal"]
    out = recolour(image, mask, target)
    lab_in, lab_out = srgb_to_lab(image[mask]), srgb_to_lab(out[mask])
    # a*, b* become the colour's (up to gamut clipping/rounding), L* keeps its variation.
    assert np.corrcoef(lab_in[:, 0], lab_out[:, 0])[0, 1] > 0.9
    assert abs(lab_out[:, 0].mean() - target[0]) < 4.0
    np.testing.assert_array_equal(out[~mask], image[~mask])
    np.testing.assert_array_equal(recolour(image, np.zeros_like(mask), target), image)


def test_recolour_without_colour_returns_input(person):
    out = RecolourBaseline().run(person, "a plain t-shirt", "upper")
    assert out.extra["colour"] is None
    np.testing.assert_array_equal(out.image, person.image)


def test_bad_inputs(person):
    with pytest.raises(ValueError, match="category"):
        RecolourBaseline().run(person, "a red t-shirt", "hat")
    with pytest.raises(ValueError, match="prompt"):
        RecolourBaseline().run(person, "  ", "upper")
    with pytest.raises(ValueError, match="target"):
        GroundTruthMethod().run(person, "a red t-shirt", "upper")


@pytest.fixture(scope="module")
def tiny_pipe():
    from tryon.pipeline.factory import build_pipeline

    return build_pipeline("tiny", text_encoder="bert-tiny", resolution=64, seed=0, refiner=False)


def test_autoencoder_method_is_the_pipeline_with_the_targets_latents(person, tiny_pipe):
    """Its output is exactly what the pipeline returns when its final latents are the target's:
    same crop, decode, paste, background restore, colour lock and feather, so its numbers are
    a ceiling for the pipeline."""
    from tryon.data.palette import nearest_colour
    from tryon.pipeline.colour_lock import base_colour, lab_to_rgb, rgb_to_lab
    from tryon.pipeline.conditioning import AGNOSTIC_FILL, encode_latents, image_to_tensor
    from tryon.pipeline.crop import crop_resize

    rng = np.random.default_rng(7)
    target = render_person(sample_person(rng), sample_outfit(rng), size=(256, 192)).image
    assert tiny_pipe.defaults.restore_background
    tolerance = tiny_pipe.defaults.background_tolerance
    prepared = tiny_pipe.prepare(person, "upper")
    crop = crop_resize(target, prepared.box, prepared.size, fill=AGNOSTIC_FILL)
    target_latents = encode_latents(tiny_pipe.vae, image_to_tensor(crop))

    def to_target(pipe, i, t, kwargs):
        return {"latents": target_latents}

    def render(prompt, restore, lock):
        return tiny_pipe(
            prepared,
            prompt,
            num_inference_steps=1,
            refine=False,
            restore_background=restore,
            colour_lock=lock,
            output_type="np",
            callback_on_step_end=to_target,
        ).images[0]

    # Ask for the palette colour nearest the decoded garment's, so the lock has work to do.
    plain = render("a t-shirt", True, False)
    pixels = rgb_to_lab(plain[prepared.mask & ~prepared.plate])
    dominant = base_colour(pixels, np.median(pixels, axis=0), search=200.0)
    prompt = f"a {nearest_colour(lab_to_rgb(dominant))} t-shirt"

    def method(**kwargs):
        m = AutoencoderMethod(tiny_pipe, "tiny (VAE ceiling)", **kwargs)
        m.target = target
        return m.run(person, prompt, "upper")

    out = method(background_tolerance=tolerance, colour_lock=True)
    np.testing.assert_array_equal(out.image, render(prompt, True, True))
    unlocked = method(background_tolerance=tolerance)
    np.testing.assert_array_equal(unlocked.image, render(prompt, True, False))
    assert not np.array_equal(out.image, unlocked.image)  # the lock acted
    np.testing.assert_array_equal(method().image, render(prompt, False, False))
    np.testing.assert_array_equal(out.mask, prepared.mask)
    assert preservation_error(out.image, person.image, out.mask) == 0
    assert np.abs(out.image.astype(int) - person.image).sum() > 0


def test_autoencoder_method_needs_a_matching_target(person, tiny_pipe):
    method = AutoencoderMethod(tiny_pipe, "tiny")
    with pytest.raises(ValueError, match="target"):
        method.run(person, "a red t-shirt", "upper")
    method.target = person.image[:-1]
    with pytest.raises(ValueError, match="shape"):
        method.run(person, "a red t-shirt", "upper")
