"""TryOnPipeline end to end with tiny random components (no download)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from tryon.models.text_encoder import TextEmbeddings
from tryon.pipeline import (
    AttentionBackendError,
    PreparedPerson,
    TryOnPipeline,
    TryOnPipelineOutput,
    WeightsError,
    make_scheduler,
)
from tryon.pipeline.crop import box_mask
from tryon.pipeline.factory import build_pipeline, tiny_clip_tokenizer

from .conftest import SIZE

PROMPT = "a red linen shirt with short sleeves"


def run(pipe, person, prompt=PROMPT, seed=0, **kw):
    kw.setdefault("num_inference_steps", 2)
    kw.setdefault("guidance_scale", 2.0)
    kw.setdefault("output_type", "np")
    gen = kw.pop("generator", torch.Generator().manual_seed(seed))
    return pipe(person, prompt, generator=gen, height=SIZE, width=SIZE, **kw)


def test_output_keeps_outside_pixels_and_changes_inside(tiny_pipe, person):
    out = run(tiny_pipe, person)
    assert isinstance(out, TryOnPipelineOutput)
    image = out.images[0]
    assert image.shape == person.image.shape and image.dtype == np.uint8
    mask = person.agnostic_mask("upper", dilation=tiny_pipe.defaults.mask_dilation)
    np.testing.assert_array_equal(image[~mask], person.image[~mask])
    assert (image[mask] != person.image[mask]).mean() > 0.5
    assert out.analysis is person
    assert len(out.scores) == 1 and -1.0 <= out.scores[0] <= 1.0
    assert {"analysis", "text_encoding", "denoising", "decoding", "composite", "total"} <= set(
        out.timings
    )


def test_determinism_under_generator(tiny_pipe, person):
    a = run(tiny_pipe, person, seed=3).images[0]
    b = run(tiny_pipe, person, seed=3).images[0]
    c = run(tiny_pipe, person, seed=4).images[0]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_batch_matches_single_calls(tiny_pipe, person):
    prompts = [PROMPT, "a navy wool sweater"]
    gens = [torch.Generator().manual_seed(s) for s in (5, 6)]
    batch = run(tiny_pipe, person, prompts, generator=gens)
    singles = [run(tiny_pipe, person, p, seed=s) for p, s in zip(prompts, (5, 6), strict=True)]
    assert len(batch.images) == 2
    for got, single in zip(batch.images, singles, strict=True):
        diff = np.abs(got.astype(int) - single.images[0].astype(int))
        assert diff.max() <= 1  # float summation order may differ with the batch size
        np.testing.assert_allclose(batch.scores, [s.scores[0] for s in singles], atol=1e-4)


def test_num_images_per_prompt_and_pil_output(tiny_pipe, person):
    out = run(
        tiny_pipe, person, [PROMPT, "a green tank top"], num_images_per_prompt=2, output_type="pil"
    )
    assert len(out.images) == 4 and all(isinstance(i, Image.Image) for i in out.images)
    assert out.images[0].size == (person.width, person.height)
    assert not np.array_equal(np.asarray(out.images[0]), np.asarray(out.images[1]))


def test_dict_and_tuple_outputs_agree(tiny_pipe, person):
    out = run(tiny_pipe, person)
    images, analysis, scores = run(tiny_pipe, person, return_dict=False)
    np.testing.assert_array_equal(out.images[0], images[0])
    assert analysis is out.analysis and scores == out.scores
    assert out.to_tuple()[0][0] is out.images[0]


def test_prepared_person_reused_gives_same_result(tiny_pipe, person):
    prepared = tiny_pipe.prepare(person, "upper", height=SIZE, width=SIZE)
    assert isinstance(prepared, PreparedPerson)
    x0, y0, x1, y1 = prepared.box
    assert (y1 - y0) == (x1 - x0)  # square model -> square crop
    direct = run(tiny_pipe, person).images[0]
    reused = tiny_pipe(
        prepared,
        PROMPT,
        generator=torch.Generator().manual_seed(0),
        num_inference_steps=2,
        guidance_scale=2.0,
        output_type="np",
    ).images[0]
    np.testing.assert_array_equal(direct, reused)


def test_prompt_embeds_equal_prompt(tiny_pipe, person):
    # Embeddings carry no words, so no colour to lock to or start from: compare with the lock
    # and the colour prior off.
    embeds = tiny_pipe.encode_prompt([PROMPT])
    a = run(tiny_pipe, person, colour_lock=False, colour_prior=0).images[0]
    b = tiny_pipe(
        person,
        prompt_embeds=embeds,
        generator=torch.Generator().manual_seed(0),
        num_inference_steps=2,
        guidance_scale=2.0,
        height=SIZE,
        width=SIZE,
        output_type="np",
    ).images[0]
    np.testing.assert_array_equal(a, b)


def test_pooled_prompt_embedding_reaches_the_unet(tiny_pipe, person):
    embeds = tiny_pipe.encode_prompt([PROMPT])
    flipped = TextEmbeddings(embeds.tokens, embeds.attention_mask, embeds.pooled.flip(-1))
    images = [
        tiny_pipe(
            person,
            prompt_embeds=e,
            generator=torch.Generator().manual_seed(0),
            num_inference_steps=2,
            height=SIZE,
            width=SIZE,
            output_type="np",
        ).images[0]
        for e in (embeds, flipped)
    ]
    assert not np.array_equal(images[0], images[1])


def test_callback_called_every_step_and_can_edit_latents(tiny_pipe, person):
    calls = []

    def callback(pipe, step, timestep, kwargs):
        calls.append((step, int(timestep), kwargs["latents"].shape))
        return {"latents": torch.zeros_like(kwargs["latents"])}

    out = run(tiny_pipe, person, num_inference_steps=3, callback_on_step_end=callback)
    assert [c[0] for c in calls] == [0, 1, 2]
    assert len({c[1] for c in calls}) == 3
    assert calls[0][2] == (1, 4, SIZE // 8, SIZE // 8)
    # zeroed latents every step -> the same decoded image whatever the seed
    other = run(tiny_pipe, person, seed=9, num_inference_steps=3, callback_on_step_end=callback)
    np.testing.assert_array_equal(out.images[0], other.images[0])


def test_rerank_keeps_highest_scoring_candidate(tiny_pipe, person):
    gens = [torch.Generator().manual_seed(s) for s in range(4)]
    all4 = run(
        tiny_pipe,
        person,
        num_images_per_prompt=4,
        generator=[torch.Generator().manual_seed(s) for s in range(4)],
    )
    best = int(np.argmax(all4.scores))
    out = run(tiny_pipe, person, rerank=4, generator=gens)
    assert len(out.images) == 1
    assert out.scores[0] == pytest.approx(max(all4.scores), abs=1e-6)
    np.testing.assert_array_equal(out.images[0], all4.images[best])
    two = run(
        tiny_pipe,
        person,
        rerank=4,
        num_images_per_prompt=2,
        generator=[torch.Generator().manual_seed(s) for s in range(4)],
    )
    assert two.scores == pytest.approx(sorted(all4.scores, reverse=True)[:2], abs=1e-6)


def test_refine_with_untrained_refiner_is_identity(tiny_pipe, person):
    a = run(tiny_pipe, person, refine=False).images[0]
    b = run(tiny_pipe, person, refine=True).images[0]
    np.testing.assert_array_equal(a, b)


def test_guidance_stop_and_guidance_off(tiny_pipe, person):
    full = run(tiny_pipe, person, num_inference_steps=4, guidance_stop=1.0).images[0]
    early = run(tiny_pipe, person, num_inference_steps=4, guidance_stop=0.5).images[0]
    assert not np.array_equal(full, early)
    off = run(tiny_pipe, person, num_inference_steps=4, guidance_scale=1.0).images[0]
    stop_at_zero_steps = run(tiny_pipe, person, num_inference_steps=4, guidance_stop=0.01)
    # guidance_stop=0.01 still guides ceil(0.04) = 1 step, so it differs from no guidance
    assert not np.array_equal(off, stop_at_zero_steps.images[0])


def guide(**scales) -> dict:
    """``attribute_guidance`` of the given scales on every step (stop 1)."""
    return {"attribute_guidance": {a: (scale, 1.0) for a, scale in scales.items()}}


def test_colour_guidance_contrasts_the_prompt_with_its_colourless_self(tiny_pipe, person):
    """Without classifier-free guidance, colour guidance c is guidance of 1 + c against the
    colourless prompt: eps_cond + c (eps_cond - eps_colourless)."""
    from tryon.data.captions import without_colour

    every_step = dict(num_inference_steps=4, guidance_stop=1.0)
    guided = run(tiny_pipe, person, guidance_scale=1.0, **guide(colour=3.0), **every_step)
    as_cfg = run(
        tiny_pipe,
        person,
        guidance_scale=4.0,
        negative_prompt=without_colour(PROMPT),
        **guide(colour=0.0),
        **every_step,
    ).images[0]
    plain = run(tiny_pipe, person, guidance_scale=1.0, **guide(colour=0.0), **every_step)
    guided, plain = guided.images[0], plain.images[0]
    assert np.abs(guided.astype(int) - as_cfg.astype(int)).max() <= 1  # summation order
    assert np.abs(guided.astype(int) - plain.astype(int)).max() > 10
    # stopped after the first of 4 steps, it differs from both: it ran, and it stopped
    early = run(
        tiny_pipe,
        person,
        guidance_scale=1.0,
        attribute_guidance={"colour": (3.0, 0.25)},
        **every_step,
    ).images[0]
    assert not np.array_equal(early, guided) and not np.array_equal(early, plain)
    # a bare scale keeps the recipe's stop (0.8 of 4 steps: 4), as (3, 0.8) does
    recipe_stop = tiny_pipe.defaults.attribute_guidance["colour"].stop
    bare = dict(num_inference_steps=4, guidance_scale=1.0, seed=3)
    np.testing.assert_array_equal(
        run(tiny_pipe, person, attribute_guidance={"colour": 3.0}, **bare).images[0],
        run(tiny_pipe, person, attribute_guidance={"colour": (3.0, recipe_stop)}, **bare).images[0],
    )


def test_colour_guidance_leaves_prompts_without_colour_alone(tiny_pipe, person):
    colour_free = "a linen shirt with short sleeves"
    off = run(tiny_pipe, person, colour_free, **guide(colour=0.0)).images[0]
    on = run(tiny_pipe, person, colour_free, **guide(colour=5.0)).images[0]
    np.testing.assert_array_equal(off, on)  # no prompt names a colour: no extra branch
    # beside a prompt that names one, its contrast is zero and each matches its single call
    prompts = [PROMPT, colour_free]
    gens = [torch.Generator().manual_seed(s) for s in (5, 6)]
    batch = run(tiny_pipe, person, prompts, generator=gens, **guide(colour=5.0)).images
    singles = [
        run(tiny_pipe, person, p, seed=s, **guide(colour=5.0)).images[0]
        for p, s in zip(prompts, (5, 6), strict=True)
    ]
    for got, single in zip(batch, singles, strict=True):
        assert np.abs(got.astype(int) - single.astype(int)).max() <= 1
    unguided = run(tiny_pipe, person, PROMPT, seed=5, **guide(colour=0.0)).images[0]
    assert not np.array_equal(singles[0], unguided)


@pytest.mark.parametrize(
    "attribute, prompt, strip",
    [
        # names no colour: colour guidance, asked for too, idles
        ("pattern", "a linen shirt with stripes", "without_pattern"),
        ("print_colour", "a navy shirt with white stripes", "without_print_colour"),
    ],
)
def test_attribute_guidance_contrasts_the_prompt_without_its_words(
    tiny_pipe, person, attribute, prompt, strip
):
    """Without classifier-free guidance, guidance s of an attribute is guidance of 1 + s
    against the prompt without that attribute's words: eps_cond + s (eps_cond - eps_without)."""
    from tryon.data import captions

    every_step = dict(num_inference_steps=4, guidance_scale=1.0)
    others = {a: 0.0 for a in ("colour", "pattern", "print_colour") if a != attribute}
    if attribute == "pattern":
        others["colour"] = 3.0
    guided = run(tiny_pipe, person, prompt, **guide(**others, **{attribute: 3.0}), **every_step)
    as_cfg = run(
        tiny_pipe,
        person,
        prompt,
        negative_prompt=getattr(captions, strip)(prompt),
        **guide(colour=0.0, pattern=0.0, print_colour=0.0),
        **{**every_step, "guidance_scale": 4.0},
    ).images[0]
    plain = run(tiny_pipe, person, prompt, **guide(**others, **{attribute: 0.0}), **every_step)
    guided, plain = guided.images[0], plain.images[0]
    assert np.abs(guided.astype(int) - as_cfg.astype(int)).max() <= 1  # summation order
    assert np.abs(guided.astype(int) - plain.astype(int)).max() > 5  # well above rounding


def test_attribute_contrasts_keep_their_own_scales_in_a_batch(tiny_pipe, person):
    """A batch runs every contrast when one prompt names a colour, another a pattern and a
    third a print's colour; each prompt's result matches its single call, which runs only its
    own contrasts, so each contrast's prediction met its own scale (a swapped branch order
    would not)."""
    prompts = [PROMPT, "a linen shirt with stripes", "a shirt with white stripes on red"]
    scales = dict(**guide(colour=2.0, pattern=6.0, print_colour=4.0), num_inference_steps=3)
    seeds = (5, 6, 7)
    gens = [torch.Generator().manual_seed(s) for s in seeds]
    batch = run(tiny_pipe, person, prompts, generator=gens, **scales).images
    for got, prompt, seed in zip(batch, prompts, seeds, strict=True):
        single = run(tiny_pipe, person, prompt, seed=seed, **scales).images[0]
        assert np.abs(got.astype(int) - single.astype(int)).max() <= 1
        off = dict(scales, **guide(colour=0.0, pattern=0.0, print_colour=0.0))
        unguided = run(tiny_pipe, person, prompt, seed=seed, **off).images[0]
        assert not np.array_equal(single, unguided)


def test_prepared_background_is_the_photo_around_the_person(tiny_pipe, person):
    """The base lock's background tone: the photo's median colour in the crop box off the
    grown person, not the person's (a red figure on a blue wall, a green strip far outside
    the box)."""
    from dataclasses import replace

    from tryon.pipeline.colour_lock import rgb_to_lab

    image = np.zeros_like(person.image)
    image[:] = (40, 60, 200)
    image[person.person_mask] = (200, 30, 30)
    painted = replace(person, image=image)
    prepared = tiny_pipe.prepare(painted, "upper", height=SIZE, width=SIZE)
    outside = ~box_mask(prepared.box, person.person_mask.shape) & ~person.person_mask
    image[outside] = (30, 200, 30)  # not seen: the tone is measured inside the box only
    again = tiny_pipe.prepare(replace(person, image=image), "upper", height=SIZE, width=SIZE)
    wall = rgb_to_lab(np.array([40, 60, 200], np.uint8))
    for prep in (prepared, again):
        np.testing.assert_allclose(prep.background, wall, atol=1e-3)


def test_background_restore_acts_on_the_clean_plate_only(tiny_pipe, person, monkeypatch):
    """Off the plate (the photo's background inside the mask) restore changes nothing; on it,
    a tolerance above any colour distance brings every pixel of the photo back."""
    from dataclasses import replace

    prepared = tiny_pipe.prepare(person, "upper", height=SIZE, width=SIZE)
    plate = prepared.plate
    assert plate.any() and not (plate & ~prepared.mask).any()
    assert not (plate & person.person_mask).any()
    # The colour lock's 2-px neighbourhood reaches onto the plate: off, to test the restore.
    off = run(tiny_pipe, prepared, restore_background=False, colour_lock=False).images[0]
    monkeypatch.setattr(
        tiny_pipe, "_recipe", replace(tiny_pipe.defaults, background_tolerance=(400.0, 500.0))
    )
    on = run(tiny_pipe, prepared, restore_background=True, colour_lock=False).images[0]
    np.testing.assert_array_equal(on[~plate], off[~plate])
    np.testing.assert_array_equal(on[plate], person.image[plate])
    assert (off[plate] != person.image[plate]).any()  # the untrained model did change them


def run_lock(*args, **kw):
    """:func:`run` with the colour prior off, so that renders differ by the lock alone."""
    return run(*args, colour_prior=0, **kw)


def test_colour_lock_shifts_the_render_in_its_lock_region_only(tiny_pipe, person, monkeypatch):
    """An explicit garment colour near the render's dominant colour moves the pixels near it
    towards that colour, inside the lock region (the mask off the clean plate, plus the plate
    pixels the render drew over), and nothing else."""
    from tryon.pipeline import pipeline_tryon
    from tryon.pipeline.colour_lock import base_colour, lab_to_rgb, rgb_to_lab
    from tryon.pipeline.composite import lock_region

    prepared = tiny_pipe.prepare(person, "upper", height=SIZE, width=SIZE)
    seen = []

    def recording_lock(image, region, target, skin, background):
        seen.append((image.copy(), region))
        return lock_garment(image, region, target, skin, background)

    lock_garment = pipeline_tryon.lock_garment
    monkeypatch.setattr(pipeline_tryon, "lock_garment", recording_lock)
    off = run_lock(tiny_pipe, prepared, colour_lock=False).images[0]
    assert not seen  # the lock off: never called
    # The region comes from the render as drawn (the same for every lock: one seed).
    run_lock(tiny_pipe, prepared, garment_colour="navy")
    generated, region = seen.pop()
    np.testing.assert_array_equal(
        region, lock_region(generated, person.image, prepared.mask, prepared.plate)
    )
    assert not (region & ~prepared.mask).any()
    assert (region & prepared.plate).any()  # the untrained model drew over the background
    pixels = rgb_to_lab(generated[region])
    base = base_colour(pixels, np.median(pixels, axis=0), search=200.0)
    target_rgb = lab_to_rgb(base + np.array([0.0, 12.0, -8.0], np.float32))
    on = run_lock(tiny_pipe, prepared, garment_colour=tuple(int(v) for v in target_rgb)).images[0]
    np.testing.assert_array_equal(on[~region], off[~region])
    assert (on[region] != off[region]).any()
    # Pixels move along (target - base) for the base the lock finds, by at most STRENGTH of
    # it (feathered edge pixels, blended with the photo, left out).
    from tryon.pipeline.colour_lock import STRENGTH, guarded_background

    target = rgb_to_lab(target_rgb)
    background = guarded_background(target, prepared.background)
    direction = target - base_colour(
        rgb_to_lab(generated[region]), target, prepared.skin, background=background
    )
    moved = region & (prepared.weight >= 1.0) & (on != off).any(axis=-1)
    assert moved.sum() > 0.05 * region.sum()
    delta = rgb_to_lab(on[moved]).mean(0) - rgb_to_lab(off[moved]).mean(0)
    cosine = delta @ direction / (np.linalg.norm(delta) * np.linalg.norm(direction))
    assert cosine > 0.95
    assert 0.1 * np.linalg.norm(direction) < np.linalg.norm(delta)
    assert np.linalg.norm(delta) < STRENGTH * np.linalg.norm(direction) + 1.0


def test_composite_keeps_the_holes_below_the_hips_of_skirts_and_dresses(
    tiny_pipe, person, monkeypatch
):
    """For a skirt or a dress (HOLE_CATEGORIES) the restore keeps the render in the patches
    its mask walls in below the hip line, and the lock acts there; a top's mask walls in real
    background (between arm and body), so its restore gives every patch back."""
    from tryon.analysis.agnostic import hip_row
    from tryon.pipeline import pipeline_tryon
    from tryon.pipeline.composite import HOLE_CATEGORIES

    assert HOLE_CATEGORIES == ("lower", "full")
    seen = []

    def recording(name, function):
        def record(*args, **kwargs):
            seen.append((name, kwargs))
            return function(*args, **kwargs)

        monkeypatch.setattr(pipeline_tryon, name, record)

    recording("garment_holes", pipeline_tryon.garment_holes)
    recording("restore_background", pipeline_tryon.restore_background)
    recording("lock_region", pipeline_tryon.lock_region)
    hips = hip_row(person.keypoints)
    assert hips is not None and 0 < hips < person.image.shape[0]
    for category in ("upper", "lower", "full"):
        prepared = tiny_pipe.prepare(person, category, height=SIZE, width=SIZE)
        seen.clear()
        run_lock(tiny_pipe, prepared, garment_colour="navy")
        calls = dict(seen)
        if category in HOLE_CATEGORIES:
            # the holes below the hips, at the middle of the tolerance, kept and locked
            middle = sum(tiny_pipe.defaults.background_tolerance) / 2
            assert calls["garment_holes"]["below"] == middle
            assert calls["garment_holes"]["from_row"] == hips
            assert calls["restore_background"]["keep"] is not None
            assert calls["lock_region"]["holes"] is calls["restore_background"]["keep"]
        else:
            assert "garment_holes" not in calls
            assert calls["restore_background"]["keep"] is None
            assert calls["lock_region"]["holes"] is None


def test_colour_lock_follows_the_prompt(tiny_pipe, person):
    """With the lock on, a prompt's named colour acts as garment_colour would; a prompt naming
    no colour is left as rendered; a per-prompt list may skip a prompt with None."""
    prepared = tiny_pipe.prepare(person, "upper", height=SIZE, width=SIZE)
    plain = "a linen shirt with short sleeves"
    np.testing.assert_array_equal(
        run_lock(tiny_pipe, prepared, plain, colour_lock=True).images[0],
        run_lock(tiny_pipe, prepared, plain, colour_lock=False).images[0],
    )
    prompts = [PROMPT, PROMPT]
    named = run_lock(tiny_pipe, prepared, prompts, colour_lock=True).images
    explicit = run_lock(
        tiny_pipe, prepared, prompts, colour_lock=False, garment_colour="red"
    ).images
    unlocked = run_lock(tiny_pipe, prepared, prompts, colour_lock=False).images
    mixed = run_lock(tiny_pipe, prepared, prompts, garment_colour=[None, "red"]).images
    assert not np.array_equal(named[0], unlocked[0])  # the lock found red and acted
    np.testing.assert_array_equal(named[0], explicit[0])
    np.testing.assert_array_equal(mixed[0], unlocked[0])
    np.testing.assert_array_equal(mixed[1], named[1])


def test_lock_targets_carry_the_prompts_print_colour():
    """Each prompt's lock target: its print colour ("with cobalt stripes") comes along with
    the base colour, whether the base is the prompt's or a given garment colour; the lock off
    and no garment colour, or a None entry of a per-prompt list, lock nothing."""
    from tryon.pipeline.colour_lock import parse_colour
    from tryon.pipeline.pipeline_tryon import _lock_targets

    prompts = ["a tan jumper with cobalt stripes", "a red dress", "a linen shirt"]
    tan, cobalt, navy = (parse_colour(c) for c in ("tan", "cobalt", "navy"))
    assert _lock_targets(None, prompts, 3, colour_lock=False) == [None] * 3
    striped, solid, plain = _lock_targets(None, prompts, 3, colour_lock=True)
    np.testing.assert_allclose(striped.base, tan)
    np.testing.assert_allclose(striped.print, cobalt)
    assert solid.print is None and plain is None
    for given in _lock_targets("navy", prompts, 3, colour_lock=False):
        np.testing.assert_allclose(given.base, navy)
    assert _lock_targets("navy", prompts, 3, colour_lock=False)[0].print is not None
    listed = _lock_targets([None, "navy", "navy"], prompts, 3, colour_lock=True)
    assert listed[0] is None and listed[2].print is None
    assert _lock_targets(None, None, 2, colour_lock=True) == [None, None]


@pytest.mark.parametrize("name", ["ddim", "dpm++", "euler", "unipc"])
def test_scheduler_swap(tiny_pipe, person, name):
    original = tiny_pipe.scheduler
    try:
        tiny_pipe.scheduler = make_scheduler(name, original.config)
        out = run(tiny_pipe, person, num_inference_steps=3)
        again = run(tiny_pipe, person, num_inference_steps=3)
        np.testing.assert_array_equal(out.images[0], again.images[0])
        assert type(tiny_pipe.scheduler).__name__ in {
            "DDIMScheduler",
            "DPMSolverMultistepScheduler",
            "EulerDiscreteScheduler",
            "UniPCMultistepScheduler",
        }
    finally:
        tiny_pipe.scheduler = original


def test_attention_and_vae_slicing_give_same_result(tiny_pipe, person):
    base = run(tiny_pipe, person, num_images_per_prompt=2)
    try:
        tiny_pipe.enable_attention_slicing(1)
        tiny_pipe.enable_vae_slicing()
        sliced = run(tiny_pipe, person, num_images_per_prompt=2)
    finally:
        tiny_pipe.set_attention_backend("sdpa")
        tiny_pipe.disable_vae_slicing()
    for a, b in zip(base.images, sliced.images, strict=True):
        assert np.abs(a.astype(int) - b.astype(int)).max() <= 1


def test_bfloat16_runs_on_cpu(person):
    pipe = build_pipeline("tiny", text_encoder="bert-tiny", resolution=SIZE, seed=0)
    pipe.set_progress_bar_config(disable=True)
    pipe.to(dtype=torch.bfloat16)
    out = run(pipe, person)
    mask = person.agnostic_mask("upper", dilation=pipe.defaults.mask_dilation)
    np.testing.assert_array_equal(out.images[0][~mask], person.image[~mask])


def test_xformers_missing_is_a_clear_error(tiny_pipe):
    pytest.importorskip("torch")
    try:
        import xformers  # noqa: F401
    except ImportError:
        with pytest.raises(AttentionBackendError, match="xformers"):
            tiny_pipe.set_attention_backend("xformers")
    else:  # pragma: no cover - GPU machines
        pytest.skip("xformers is installed")
    with pytest.raises(ValueError, match="sdpa"):
        tiny_pipe.set_attention_backend("flash")


# ---------------------------------------------------------------------------- check_inputs
BAD_INPUTS = [
    (dict(person=None), ValueError, "person is required"),
    (dict(person=3.5), TypeError, "person must be"),
    (dict(prompt=None), ValueError, "exactly one of prompt"),
    (dict(prompt_embeds=torch.zeros(1, 4, 32)), ValueError, "exactly one of prompt"),
    (dict(prompt=[]), ValueError, "empty list"),
    (dict(prompt=["ok", 3]), TypeError, "list of strings"),
    (dict(prompt=7), TypeError, "string or a list"),
    (dict(category="hat"), ValueError, "category"),
    (dict(prompt=None, prompt_embeds=torch.zeros(1, 4, 7)), ValueError, "UNet attends to"),
    (dict(prompt=None, prompt_embeds=torch.zeros(4, 32)), TypeError, "prompt_embeds must"),
    (dict(negative_prompt=["a", "b"]), ValueError, "negative_prompt has 2"),
    (dict(negative_prompt=5), TypeError, "negative_prompt must"),
    (
        dict(negative_prompt="x", negative_prompt_embeds=torch.zeros(1, 4, 32)),
        ValueError,
        "at most one",
    ),
    (dict(prompt=None, prompt_embeds=torch.zeros(1, 4, 32)), ValueError, "pooled prompt"),
    (dict(negative_prompt_embeds=torch.zeros(1, 4, 32)), ValueError, "pooled prompt"),
    (dict(num_inference_steps=0), ValueError, "num_inference_steps"),
    (dict(num_inference_steps=2.5), ValueError, "num_inference_steps"),
    (dict(guidance_scale=-1.0), ValueError, "guidance_scale"),
    (dict(guidance_scale=float("nan")), ValueError, "guidance_scale"),
    (dict(attribute_guidance={"colour": -1.0}), ValueError, r"\['colour'\]: scale must be"),
    (dict(attribute_guidance={"colour": float("inf")}), ValueError, "'colour'.*finite"),
    (dict(attribute_guidance={"colour": (3.0, 0.0)}), ValueError, r"'colour'.*\(0, 1\]"),
    (dict(attribute_guidance={"pattern": (3.0, 1.5)}), ValueError, r"'pattern'.*\(0, 1\]"),
    (dict(attribute_guidance={"print_colour": True}), ValueError, "'print_colour'.*scale"),
    (dict(attribute_guidance={"pattern": (3.0,)}), ValueError, r"expected \(scale, stop\)"),
    (dict(attribute_guidance={"fit": 2.0}), ValueError, "no guidance contrast for 'fit'"),
    (dict(attribute_guidance=[("colour", 2.0)]), TypeError, "attribute_guidance must be a map"),
    (dict(guidance_scale=True), ValueError, "guidance_scale"),
    (
        dict(prompt=None, prompt_embeds=torch.zeros(1, 4, 32), attribute_guidance={"pattern": 2}),
        ValueError,
        r"attribute guidance \(pattern\) needs the prompt's words",
    ),
    (dict(guidance_stop=0.0), ValueError, "guidance_stop"),
    (dict(guidance_stop=1.5), ValueError, "guidance_stop"),
    (dict(guidance_stop=True), ValueError, "guidance_stop must be a number"),
    (dict(num_images_per_prompt=0), ValueError, "num_images_per_prompt"),
    (dict(rerank=-1), ValueError, "rerank"),
    (dict(rerank=2, num_images_per_prompt=3), ValueError, "rerank"),
    (dict(refine="yes"), TypeError, "refine"),
    (dict(restore_background=1), TypeError, "restore_background"),
    (dict(colour_lock="yes"), TypeError, "colour_lock"),
    (dict(garment_colour="plaid"), ValueError, "unknown colour"),
    (dict(garment_colour=(300, 0, 0)), ValueError, "255"),
    (dict(garment_colour=["red", "navy"]), ValueError, "2 entries for 1 prompts"),
    (dict(output_type="latent"), ValueError, "output_type"),
    (dict(generator=[torch.Generator()] * 3), ValueError, "3 generators"),
    (dict(generator=5), TypeError, "generator"),
    (dict(callback_on_step_end=5), TypeError, "callable"),
    (dict(callback_on_step_end_tensor_inputs=["noise"]), ValueError, "tensor_inputs"),
    (dict(height=50), ValueError, "multiple of 16"),
    (dict(width=64.0), TypeError, "width must be an int"),
]


@pytest.mark.parametrize("kwargs, error, match", BAD_INPUTS)
def test_check_inputs_errors(tiny_pipe, person, kwargs, error, match):
    args = dict(person=person, prompt=PROMPT, num_inference_steps=1, output_type="np")
    args.update(kwargs)
    with pytest.raises(error, match=match):
        tiny_pipe(**args)


def test_check_inputs_component_errors(person):
    pipe = build_pipeline(
        "tiny", text_encoder="bert-tiny", resolution=SIZE, matcher=False, refiner=False
    )
    pipe.set_progress_bar_config(disable=True)
    with pytest.raises(ValueError, match="needs a matcher"):
        pipe(person, PROMPT, rerank=2, num_inference_steps=1)
    with pytest.raises(ValueError, match="needs a refiner"):
        pipe(person, PROMPT, refine=True, num_inference_steps=1)
    out = run(pipe, person)
    assert out.scores is None


def test_prepared_person_category_mismatch(tiny_pipe, person):
    prepared = tiny_pipe.prepare(person, "lower", height=SIZE, width=SIZE)
    with pytest.raises(ValueError, match="differs from the prepared"):
        tiny_pipe(prepared, PROMPT, category="upper", num_inference_steps=1)


# ---------------------------------------------------------------------------- save / load
def test_save_load_round_trip(tiny_pipe, tiny_pipe_dir, person):
    loaded = TryOnPipeline.from_pretrained(tiny_pipe_dir)
    loaded.set_progress_bar_config(disable=True)
    for name in ("unet", "vae", "text_encoder", "matcher", "refiner"):
        ours, theirs = getattr(tiny_pipe, name).state_dict(), getattr(loaded, name).state_dict()
        assert ours.keys() == theirs.keys()
        assert all(torch.equal(ours[k], theirs[k]) for k in ours)
    a = run(tiny_pipe, person, [PROMPT, "blue jeans"], category="lower")
    b = run(loaded, person, [PROMPT, "blue jeans"], category="lower")
    for x, y in zip(a.images, b.images, strict=True):
        np.testing.assert_array_equal(x, y)
    assert a.scores == pytest.approx(b.scores, abs=1e-6)


def test_component_override_on_load(tiny_pipe_dir):
    other = build_pipeline("tiny", text_encoder="bert-tiny", resolution=SIZE, seed=1)
    loaded = TryOnPipeline.from_pretrained(tiny_pipe_dir, unet=other.unet)
    assert loaded.unet is other.unet


def test_missing_weights_folder_error(tmp_path):
    with pytest.raises(WeightsError, match="does not exist.*train"):
        TryOnPipeline.from_pretrained(tmp_path / "nope")
    with pytest.raises(WeightsError, match="no model_index.json"):
        TryOnPipeline.from_pretrained(tmp_path)


def test_truncated_checkpoint_error(tiny_pipe_dir, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_pipe_dir, broken)
    weights = broken / "unet" / "diffusion_pytorch_model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2])
    with pytest.raises(WeightsError, match="unet.*(truncated|corrupt)"):
        TryOnPipeline.from_pretrained(broken)


def test_strict_loading_refuses_missing_keys(tiny_pipe_dir, tmp_path):
    from safetensors.torch import load_file, save_file

    broken = tmp_path / "missing-key"
    shutil.copytree(tiny_pipe_dir, broken)
    weights = broken / "matcher" / "diffusion_pytorch_model.safetensors"
    state = load_file(weights)
    state.pop("logit_scale")
    save_file(state, weights)
    with pytest.raises(WeightsError, match="logit_scale"):
        TryOnPipeline.from_pretrained(broken)


# ---------------------------------------------------------------------------- SD layout
def test_stable_diffusion_inpainting_layout_from_local_folder(person, tmp_path):
    pipe = build_pipeline("tiny", text_encoder="clip-tiny", layout="sd-inpaint", resolution=SIZE)
    assert pipe.unet.config.in_channels == 9 and not pipe.layout.has_pose
    # a tokenizer folder written the way a real CLIP tokenizer ships (vocab.json + merges.txt)
    pipe.tokenizer = tiny_clip_tokenizer(tmp_path / "tok")
    pipe.register_modules(tokenizer=pipe.tokenizer)
    pipe.save_pretrained(tmp_path / "sd")
    loaded = TryOnPipeline.from_pretrained(tmp_path / "sd")
    loaded.set_progress_bar_config(disable=True)
    assert type(loaded.text_encoder).__name__ == "CLIPTextModel"
    assert type(loaded.tokenizer).__name__ == "CLIPTokenizer"
    embeds = loaded.encode_prompt([PROMPT])
    assert embeds.attention_mask is None  # SD attends to its padding tokens
    out = run(loaded, person)
    mask = person.agnostic_mask("upper", dilation=loaded.defaults.mask_dilation)
    np.testing.assert_array_equal(out.images[0][~mask], person.image[~mask])
    assert (out.images[0][mask] != person.image[mask]).mean() > 0.5
    pipe.set_progress_bar_config(disable=True)
    np.testing.assert_array_equal(run(pipe, person).images[0], out.images[0])


def test_text_embeddings_class_as_prompt_embeds_with_rerank(tiny_pipe, person):
    embeds = tiny_pipe.encode_prompt([PROMPT])
    assert isinstance(embeds, TextEmbeddings) and embeds.pooled is not None
    out = tiny_pipe(
        person,
        prompt_embeds=embeds,
        rerank=2,
        num_inference_steps=1,
        height=SIZE,
        width=SIZE,
        output_type="np",
        generator=[torch.Generator().manual_seed(s) for s in range(2)],
    )
    assert len(out.images) == 1 and out.scores is not None


@pytest.mark.gpu
def test_gpu_fp16_offload_and_xformers(person):  # pragma: no cover - needs CUDA
    pipe = build_pipeline("tiny", text_encoder="bert-tiny", resolution=SIZE)
    pipe.set_progress_bar_config(disable=True)
    pipe.to("cuda", torch.float16)
    out = run(pipe, person, generator=torch.Generator("cuda").manual_seed(0))
    mask = person.agnostic_mask("upper", dilation=pipe.defaults.mask_dilation)
    np.testing.assert_array_equal(out.images[0][~mask], person.image[~mask])
    try:
        import xformers  # noqa: F401
    except ImportError:
        pass
    else:
        pipe.set_attention_backend("xformers")
        run(pipe, person, generator=torch.Generator("cuda").manual_seed(0))
        pipe.set_attention_backend("sdpa")
    pipe.to("cpu", torch.float32)
    pipe.enable_model_cpu_offload()
    out = run(pipe, person, generator=torch.Generator("cuda").manual_seed(0))
    assert out.images[0].shape == person.image.shape


def test_real_photo_outside_pixels_bit_exact(tiny_pipe):
    """End to end on a real photo (skimage's astronaut): analysed by the pipeline's own
    PersonAnalyzer (created on first use and cached), every pixel outside the agnostic mask
    is the input's."""
    skimage_data = pytest.importorskip("skimage.data")
    photo = skimage_data.astronaut()
    out = tiny_pipe(
        photo,
        PROMPT,
        num_inference_steps=1,
        height=SIZE,
        width=SIZE,
        output_type="np",
        generator=torch.Generator().manual_seed(0),
    )
    analyzer = tiny_pipe._analyzer
    assert analyzer is not None
    mask = out.analysis.agnostic_mask("upper", dilation=tiny_pipe.defaults.mask_dilation)
    assert 0.01 < mask.mean() < 0.9
    np.testing.assert_array_equal(out.images[0][~mask], photo[~mask])
    assert (out.images[0][mask] != photo[mask]).mean() > 0.5
    tiny_pipe(out.analysis, PROMPT, num_inference_steps=1, height=SIZE, width=SIZE)
    assert tiny_pipe._analyzer is analyzer


def test_recipe_keep_top_keeps_the_top_out_of_a_lower_render(person):
    """`mask_keep_top` (default on) keeps the person's top in a lower try-on when the analysis
    has a garment parsing: the model sees the mask it was trained on (same crop, same
    conditioning) and the render keeps the top's pixels bit for bit. The evaluation measures
    preservation outside the same mask (`TryOnPipeline.agnostic_mask`)."""
    import dataclasses

    from tryon.body import PARSING_INDEX
    from tryon.pipeline.recipe import load_render_recipe

    parsing = np.zeros(person.regions.shape, np.uint8)
    parsing[40:110] = PARSING_INDEX["top"]  # rows of the stick figure: a top over the hips
    parsing[110:150] = PARSING_INDEX["bottom"]
    parsing[person.regions == 0] = 0
    dressed = dataclasses.replace(person, parsing=parsing)
    top = parsing == PARSING_INDEX["top"]
    pipe = build_pipeline("tiny", text_encoder="bert-tiny", resolution=SIZE, seed=0)
    pipe.set_progress_bar_config(disable=True)
    recipe = load_render_recipe("default")
    assert recipe.mask_keep_top is True
    masks, prepared = {}, {}
    for keep in (False, True):
        pipe.apply_recipe(dataclasses.replace(recipe, device="cpu", mask_keep_top=keep))
        prepared[keep] = pipe.prepare(dressed, "lower", height=SIZE, width=SIZE)
        masks[keep] = prepared[keep].mask
        np.testing.assert_array_equal(masks[keep], pipe.agnostic_mask(dressed, "lower"))
        np.testing.assert_array_equal(
            pipe.agnostic_mask(dressed, "lower", for_model=True), masks[False]
        )
    assert (masks[False] & top).sum() > 100
    np.testing.assert_array_equal(masks[True], masks[False] & ~top)
    assert prepared[True].box == prepared[False].box
    assert torch.equal(prepared[True].crop_mask, prepared[False].crop_mask)
    assert (prepared[True].weight[top] == 0).all()
    np.testing.assert_array_equal(prepared[True].weight[~top], prepared[False].weight[~top])
    out = pipe(dressed, "red trousers", category="lower", num_inference_steps=2, output_type="np")
    changed = np.any(out.images[0] != dressed.image, axis=-1)
    assert changed.any() and not (changed & top).any()
    # Without a parsing there is no top to keep: the mask of before.
    np.testing.assert_array_equal(
        pipe.agnostic_mask(person, "lower"), person.agnostic_mask("lower", recipe.mask_dilation)
    )


def test_a_photo_keeps_its_top_in_a_lower_try_on():
    """From a photo alone (MediaPipe's analysis and the colour parsing, no SAM), the default
    recipe leaves the top's hem over the skirt as it was."""
    import dataclasses

    from tryon.body import PARSING_INDEX
    from tryon.evaluation.harness import world_samples
    from tryon.pipeline.recipe import load_render_recipe

    photo = world_samples("test", 2)[1].source  # a top hanging over a skirt
    pipe = build_pipeline("tiny", text_encoder="bert-tiny", resolution=SIZE, seed=0)
    pipe.set_progress_bar_config(disable=True)
    pipe.apply_recipe(dataclasses.replace(load_render_recipe("default"), device="cpu"))
    analysis = pipe.analyse(photo)
    assert analysis.backend == "mediapipe+colour"
    top = analysis.parsing == PARSING_INDEX["top"]
    hem = top & pipe.agnostic_mask(analysis, "lower", for_model=True)
    assert hem.sum() > 500  # the model's mask covers the hem; the composite keeps it
    out = pipe(photo, "a red mini skirt", category="lower", num_inference_steps=2, output_type="np")
    changed = np.any(out.images[0] != photo, axis=-1)
    assert changed.sum() > 1000 and not (changed & top).any()


def test_recipe_skirt_flare_widens_the_lower_mask_and_only_it(person):
    """`mask_skirt_flare` is the mask a model was trained on: 0 (default) draws the mask of
    before the skirt cone, bit for bit; 0.5 widens a lower mask below the hips, never an
    upper one."""
    import dataclasses

    from tryon.pipeline.recipe import load_render_recipe

    pipe = build_pipeline("tiny", text_encoder="bert-tiny", resolution=SIZE, seed=0)
    recipe = load_render_recipe("default")
    assert recipe.mask_skirt_flare == 0.0
    masks = {}
    for flare in (0.0, 0.5):
        pipe.apply_recipe(dataclasses.replace(recipe, device="cpu", mask_skirt_flare=flare))
        for category in ("lower", "upper"):
            prepared = pipe.prepare(person, category, height=SIZE, width=SIZE)
            masks[flare, category] = prepared.mask
    np.testing.assert_array_equal(
        masks[0.0, "lower"], person.agnostic_mask("lower", dilation=recipe.mask_dilation)
    )
    assert (masks[0.0, "lower"] <= masks[0.5, "lower"]).all()
    assert masks[0.5, "lower"].sum() > 1.1 * masks[0.0, "lower"].sum()
    np.testing.assert_array_equal(masks[0.0, "upper"], masks[0.5, "upper"])
    with pytest.raises(ValueError, match="mask_skirt_flare"):
        dataclasses.replace(recipe, mask_skirt_flare=-1.0)
