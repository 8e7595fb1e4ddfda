"""The known-region start: the initial noise plus the photo's own forward process outside
the agnostic mask."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from tryon.pipeline.conditioning import AGNOSTIC_FILL, encode_latents, image_to_tensor
from tryon.pipeline.crop import crop_resize
from tryon.pipeline.known_start import add_known_region

from .conftest import SIZE
from .test_colour_prior import scheduler
from .test_pipeline_tryon import run


@pytest.mark.parametrize("name", ["ddim", "dpm++", "euler", "unipc"])
def test_start_is_the_photos_forward_process_outside_the_mask(name):
    """Outside the mask every row gains ``strength * signal_T`` times the photo's latent;
    inside, the noise stays bit for bit; strength 0 returns the noise itself."""
    s = scheduler(name)
    t0 = s.timesteps[0]
    weight = 1.0 if name == "euler" else float(s.alphas_cumprod[int(t0)]) ** 0.5
    noise = torch.randn(3, 4, 6, 5, generator=torch.Generator().manual_seed(0))
    photo = torch.randn(1, 4, 6, 5, generator=torch.Generator().manual_seed(1))
    mask = torch.zeros(1, 1, 6, 5)
    mask[..., 1:4, 2:] = 1
    inside = mask[0, 0].bool()
    out = add_known_region(noise, s, t0, photo, mask, strength=0.5)
    assert out.shape == noise.shape
    for row in range(3):  # one photo latent serves every row of the batch
        torch.testing.assert_close(out[row], noise[row] + 0.5 * weight * photo[0] * (1 - mask[0]))
        assert torch.equal(out[row][:, inside], noise[row][:, inside])
    assert add_known_region(noise, s, t0, photo, mask, strength=0.0) is noise
    with pytest.raises(ValueError, match="photo latent .* does not match"):
        add_known_region(noise, s, t0, photo[..., :4], mask, strength=1.0)


def test_prepared_photo_latent_is_the_photos_crop_encoded(tiny_pipe, person):
    """``photo_latent`` is the photo's crop itself (not the agnostic one) encoded: it differs
    from the agnostic latent inside the mask, at the conditioning's latent size."""
    prepared = tiny_pipe.prepare(person, "upper", height=SIZE, width=SIZE)
    crop = crop_resize(person.image, prepared.box, prepared.size, fill=AGNOSTIC_FILL)
    expected = encode_latents(tiny_pipe.vae, image_to_tensor(crop))
    torch.testing.assert_close(prepared.photo_latent, expected)
    agnostic = prepared.conditioning.agnostic_latent
    assert prepared.photo_latent.shape == agnostic.shape
    inside = prepared.conditioning.latent_mask[0, 0].bool()
    assert not torch.allclose(prepared.photo_latent[..., inside], agnostic[..., inside])


def test_pipeline_known_start_changes_the_garment_only(tiny_pipe, person, monkeypatch):
    """The start changes the render inside the mask and never a pixel outside it; 0 is the
    plain start bit for bit; the recipe's ``known_start`` is the default; a negative or
    non-finite strength is refused naming it."""
    prepared = tiny_pipe.prepare(person, "upper", height=SIZE, width=SIZE)
    kw = dict(colour_lock=False, colour_prior=0)
    off = run(tiny_pipe, prepared, known_start=0, **kw).images[0]
    on = run(tiny_pipe, prepared, known_start=1.0, **kw).images[0]
    assert (on[prepared.mask] != off[prepared.mask]).any()
    np.testing.assert_array_equal(on[~prepared.mask], off[~prepared.mask])
    np.testing.assert_array_equal(on[~prepared.mask], person.image[~prepared.mask])
    monkeypatch.setattr(tiny_pipe, "_recipe", replace(tiny_pipe.defaults, known_start=0.0))
    np.testing.assert_array_equal(run(tiny_pipe, prepared, **kw).images[0], off)
    monkeypatch.setattr(tiny_pipe, "_recipe", replace(tiny_pipe.defaults, known_start=1.0))
    np.testing.assert_array_equal(run(tiny_pipe, prepared, **kw).images[0], on)
    # in a batch of candidates each row starts from its own noise plus the same photo
    gens = [torch.Generator().manual_seed(0) for _ in range(2)]
    pair = run(tiny_pipe, prepared, num_images_per_prompt=2, generator=gens, **kw).images
    for got in pair:
        assert np.abs(got.astype(int) - on.astype(int)).max() <= 1  # summation order
    for bad in (-0.5, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="known_start must be >= 0"):
            run(tiny_pipe, prepared, known_start=bad)
