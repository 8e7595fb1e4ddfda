"""The colour prior: the initial noise plus the forward process of a garment of the asked
colour inside the mask."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from tryon.pipeline.colour_lock import LockTarget, parse_colour, rgb_to_lab
from tryon.pipeline.colour_prior import (
    add_colour_prior,
    check_colour_prior,
    colour_latent,
    prior_strength,
)
from tryon.pipeline.schedulers import make_scheduler

from .conftest import SIZE
from .test_pipeline_tryon import PROMPT, run

SHIPPED = Path(__file__).resolve().parents[2] / "weights" / "tryon-small"


def scheduler(name: str):
    config = json.loads((SHIPPED / "scheduler" / "scheduler_config.json").read_text())
    s = make_scheduler(name, config)
    s.set_timesteps(20)
    return s


@pytest.mark.parametrize("name", ["ddim", "dpm++", "euler", "unipc"])
def test_prior_is_the_forward_process_of_the_colour_inside_the_mask(name):
    s = scheduler(name)
    t0 = s.timesteps[0]
    # DDIM, DPM++ and UniPC weigh the signal by sqrt(alpha_bar); Euler scales the noise by
    # sigma instead and keeps the signal at 1.
    weight = 1.0 if name == "euler" else float(s.alphas_cumprod[int(t0)]) ** 0.5
    noise = torch.randn(3, 4, 6, 5, generator=torch.Generator().manual_seed(0))
    mask = torch.zeros(1, 1, 6, 5)
    mask[..., 1:4, 2:] = 1
    red = torch.arange(4.0).view(1, 4, 1, 1) - 1.5
    blue = torch.full((1, 4, 1, 1), 0.7)
    out = add_colour_prior(noise, s, t0, mask, [red, None, blue], strength=2.0)
    inside = mask[0, 0].bool()
    for row, colour in ((0, red), (2, blue)):
        expected = noise[row] + 2.0 * weight * colour[0] * mask[0]
        torch.testing.assert_close(out[row], expected)
        torch.testing.assert_close(out[row][:, ~inside], noise[row][:, ~inside])
    torch.testing.assert_close(out[1], noise[1])  # no colour named: plain noise
    assert add_colour_prior(noise, s, t0, mask, [red] * 3, strength=0.0) is noise
    with pytest.raises(ValueError, match="2 colours for 3 latents"):
        add_colour_prior(noise, s, t0, mask, [red, blue], strength=1.0)


def test_per_row_strengths_give_each_row_its_own_forward_process():
    """A strength per row scales each row's prior by its own; a row at 0 keeps its noise
    bit for bit, and a scalar strength is ``latents + strength * signal`` as before."""
    s = scheduler("dpm++")
    t0 = s.timesteps[0]
    weight = float(s.alphas_cumprod[int(t0)]) ** 0.5
    noise = torch.randn(3, 4, 6, 5, generator=torch.Generator().manual_seed(1))
    mask = torch.zeros(1, 1, 6, 5)
    mask[..., 2:5, 1:4] = 1
    red = torch.arange(4.0).view(1, 4, 1, 1) - 1.5
    blue = torch.full((1, 4, 1, 1), 0.7)
    out = add_colour_prior(noise, s, t0, mask, [red, red, blue], strength=[2.0, 0.0, 0.25])
    for row, k, colour in ((0, 2.0, red), (2, 0.25, blue)):
        torch.testing.assert_close(out[row], noise[row] + k * weight * colour[0] * mask[0])
    assert torch.equal(out[1], noise[1])
    # one strength for all rows: the same as that strength given per row, and bit for bit
    # the formula of a single strength
    signal = add_colour_prior(torch.zeros_like(noise), s, t0, mask, [red, None, blue], 1.0)
    scalar = add_colour_prior(noise, s, t0, mask, [red, None, blue], strength=0.3)
    assert torch.equal(scalar, noise + 0.3 * signal)
    assert torch.equal(scalar, add_colour_prior(noise, s, t0, mask, [red, None, blue], [0.3] * 3))
    assert add_colour_prior(noise, s, t0, mask, [red, red, None], [0.0, 0, 1.0]) is noise
    with pytest.raises(ValueError, match="2 strengths for 3 latents"):
        add_colour_prior(noise, s, t0, mask, [red, None, blue], strength=[1.0, 1.0])


def test_prior_strength_of_a_prompt():
    """A target with a print colour takes the print strength, one without the plain one, no
    target (no colour named or given) none."""
    navy, white = parse_colour("navy"), parse_colour("white")
    assert prior_strength(LockTarget(navy), 0.5, 0.25) == 0.5
    assert prior_strength(LockTarget(navy, white), 0.5, 0.25) == 0.25
    assert prior_strength(None, 0.5, 0.25) == 0.0


def test_check_colour_prior_names_the_problem():
    check_colour_prior(0)
    check_colour_prior(1.5)
    for name in ("colour_prior", "print_colour_prior"):
        for bad in (-0.5, float("nan"), float("inf")):
            with pytest.raises(ValueError, match=f"^{name} must be >= 0"):
                check_colour_prior(bad, name)
        for bad in (True, "1", None):
            with pytest.raises(TypeError, match=f"^{name} must be a number"):
                check_colour_prior(bad, name)


def test_colour_latent_of_the_shipped_vae_decodes_to_that_colour():
    """The latent stands for the colour: decoded as a flat field it comes back within a few
    ΔE*ab of it, and two colours give latents far apart."""
    from diffusers import AutoencoderKL

    from tryon.pipeline.conditioning import decode_latents

    vae = AutoencoderKL.from_pretrained(SHIPPED / "vae").eval()
    latents = {name: colour_latent(vae, parse_colour(name)) for name in ("red", "navy", "mustard")}
    for name, z in latents.items():
        assert z.shape == (1, vae.config.latent_channels, 1, 1)
        field = decode_latents(vae, z.expand(1, -1, 8, 8)).clamp(-1, 1)
        rgb = ((field[0, :, 24:40, 24:40].permute(1, 2, 0) + 1) * 127.5).round().byte().numpy()
        error = np.linalg.norm(rgb_to_lab(rgb).reshape(-1, 3).mean(0) - parse_colour(name))
        assert error < 8.0, (name, error)
    assert torch.dist(latents["red"], latents["navy"]) > 1.0


def test_pipeline_prior_follows_the_asked_colour(tiny_pipe, person):
    """The prior changes a render whose prompt names a colour, leaves one that names none
    as it was, takes ``garment_colour`` over the prompt, and never touches pixels outside
    the mask."""
    prepared = tiny_pipe.prepare(person, "upper", height=SIZE, width=SIZE)
    plain = "a linen shirt with short sleeves"
    off = run(tiny_pipe, prepared, colour_lock=False).images[0]
    on = run(tiny_pipe, prepared, colour_lock=False, colour_prior=1.0).images[0]
    assert (on != off).any()
    np.testing.assert_array_equal(on[~prepared.mask], off[~prepared.mask])
    np.testing.assert_array_equal(
        run(tiny_pipe, prepared, plain, colour_lock=False, colour_prior=1.0).images[0],
        run(tiny_pipe, prepared, plain, colour_lock=False).images[0],
    )
    # garment_colour drives the prior on a prompt that names no colour (the lock runs in
    # both renders, so only the prior differs)
    red = dict(colour_lock=False, garment_colour="red")
    assert (
        run(tiny_pipe, prepared, plain, colour_prior=1.0, **red).images[0]
        != run(tiny_pipe, prepared, plain, **red).images[0]
    ).any()
    # in a batch, each prompt gets its own colour's prior (or none)
    gens = [torch.Generator().manual_seed(s) for s in (0, 0)]
    batch = run(
        tiny_pipe, prepared, [PROMPT, plain], colour_lock=False, colour_prior=1.0, generator=gens
    ).images
    singles = [on, run(tiny_pipe, prepared, plain, colour_lock=False).images[0]]
    for got, single in zip(batch, singles, strict=True):
        assert np.abs(got.astype(int) - single.astype(int)).max() <= 1  # summation order


TWO_COLOURS = "a navy shirt with white polka dots"


def batch(pipe, prepared, **kw):
    """Renders of [one-colour PROMPT, two-colour prompt] in one batch, seed 0 each, lock off."""
    gens = [torch.Generator().manual_seed(0) for _ in range(2)]
    kw.setdefault("colour_lock", False)
    return run(pipe, prepared, [PROMPT, TWO_COLOURS], generator=gens, **kw).images


def test_pipeline_gives_a_print_colour_prompt_its_own_strength(tiny_pipe, person, monkeypatch):
    """In one batch the one-colour prompt takes ``colour_prior`` and the prompt naming a
    print's colour ``print_colour_prior``: each render is bit for bit what its own strength
    gives, from the call or the recipe, also with a given ``garment_colour``; left out, it
    is ``colour_prior``."""
    # the recipe without print_colour_prior (left out, it is colour_prior's)
    monkeypatch.setattr(tiny_pipe, "_recipe", replace(tiny_pipe.defaults, print_colour_prior=None))
    prepared = tiny_pipe.prepare(person, "upper", height=SIZE, width=SIZE)
    off = batch(tiny_pipe, prepared, colour_prior=0.0)
    on = batch(tiny_pipe, prepared, colour_prior=1.0)
    assert all((a != b).any() for a, b in zip(on, off, strict=True))  # the prior acts on both
    split = batch(tiny_pipe, prepared, colour_prior=1.0, print_colour_prior=0.0)
    np.testing.assert_array_equal(split[0], on[0])
    np.testing.assert_array_equal(split[1], off[1])
    swapped = batch(tiny_pipe, prepared, colour_prior=0.0, print_colour_prior=1.0)
    np.testing.assert_array_equal(swapped[0], off[0])
    np.testing.assert_array_equal(swapped[1], on[1])
    # left out, it is colour_prior's, bit for bit
    same = batch(tiny_pipe, prepared, colour_prior=1.0, print_colour_prior=1.0)
    for a, b in zip(same, on, strict=True):
        np.testing.assert_array_equal(a, b)
    # the recipe's print_colour_prior is the default
    monkeypatch.setattr(
        tiny_pipe, "_recipe", replace(tiny_pipe.defaults, colour_prior=1.0, print_colour_prior=0.0)
    )
    for a, b in zip(batch(tiny_pipe, prepared), split, strict=True):
        np.testing.assert_array_equal(a, b)
    # a given garment colour: the prompt naming a print's colour still takes its own
    # strength (the lock runs in every render, so only the prior differs)
    red = dict(garment_colour="red", colour_prior=1.0)
    given_off = batch(tiny_pipe, prepared, garment_colour="red", colour_prior=0.0)
    given = batch(tiny_pipe, prepared, **red, print_colour_prior=0.0)
    assert (given[0] != given_off[0]).any()
    np.testing.assert_array_equal(given[1], given_off[1])
    assert (batch(tiny_pipe, prepared, **red, print_colour_prior=1.0)[1] != given_off[1]).any()


def test_a_calls_colour_prior_sets_the_print_prompts_too(tiny_pipe, person, monkeypatch):
    """A recipe's print_colour_prior (the shipped ones set 0.25) is the default only while the
    call leaves colour_prior to the recipe: ``colour_prior=0`` in a call turns the prior off
    for every prompt, and a given print_colour_prior still wins."""
    monkeypatch.setattr(
        tiny_pipe, "_recipe", replace(tiny_pipe.defaults, colour_prior=1.0, print_colour_prior=0.25)
    )
    prepared = tiny_pipe.prepare(person, "upper", height=SIZE, width=SIZE)
    off = batch(tiny_pipe, prepared, colour_prior=0.0, print_colour_prior=0.0)
    for a, b in zip(batch(tiny_pipe, prepared, colour_prior=0.0), off, strict=True):
        np.testing.assert_array_equal(a, b)
    recipe = batch(tiny_pipe, prepared)  # 1.0 and 0.25 from the recipe
    quarter = batch(tiny_pipe, prepared, colour_prior=1.0, print_colour_prior=0.25)
    for a, b in zip(recipe, quarter, strict=True):
        np.testing.assert_array_equal(a, b)
    assert (recipe[1] != off[1]).any()
    full = batch(tiny_pipe, prepared, colour_prior=1.0)  # the call's 1.0 for both prompts
    np.testing.assert_array_equal(full[0], recipe[0])
    assert (full[1] != recipe[1]).any()
    given = batch(tiny_pipe, prepared, colour_prior=0.0, print_colour_prior=0.25)
    np.testing.assert_array_equal(given[0], off[0])
    np.testing.assert_array_equal(given[1], recipe[1])


def test_pipeline_refuses_a_bad_prior(tiny_pipe, person):
    with pytest.raises(ValueError, match="colour_prior must be >= 0"):
        run(tiny_pipe, person, colour_prior=-1.0)
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="^print_colour_prior must be >= 0"):
            run(tiny_pipe, person, print_colour_prior=bad)
    for bad in (True, "0.5"):
        with pytest.raises(TypeError, match="^print_colour_prior must be a number"):
            run(tiny_pipe, person, print_colour_prior=bad)
