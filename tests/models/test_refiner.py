"""Refiner (identity at init) and the PatchGAN discriminator."""

from __future__ import annotations

import pytest
import torch

from tryon.models.refiner import PatchDiscriminator, Refiner, hinge_d_loss, hinge_g_loss


def _inputs(gen, n=2, size=32):
    image = torch.rand(n, 3, size, size, generator=gen) * 2 - 1
    mask = (torch.rand(n, 1, size, size, generator=gen) > 0.5).float()
    agnostic = torch.rand(n, 3, size, size, generator=gen) * 2 - 1
    return image, mask, agnostic


def test_untrained_refiner_is_exactly_identity(gen):
    refiner = Refiner(channels=8, num_blocks=2)
    image, mask, agnostic = _inputs(gen)
    with torch.no_grad():
        assert torch.equal(refiner(image, mask, agnostic), image)


def test_refiner_learns_a_residual_and_round_trips(gen, tmp_path):
    refiner = Refiner(channels=8, num_blocks=1)
    image, mask, agnostic = _inputs(gen)
    target = image + 0.3 * mask
    opt = torch.optim.Adam(refiner.parameters(), lr=1e-2)
    for _ in range(20):
        opt.zero_grad()
        loss = (refiner(image, mask, agnostic) - target).abs().mean()
        loss.backward()
        opt.step()
    assert loss.item() < 0.15 - 0.05
    refiner.save_pretrained(tmp_path)
    loaded = Refiner.from_pretrained(tmp_path)
    with torch.no_grad():
        torch.testing.assert_close(loaded(image, mask, agnostic), refiner(image, mask, agnostic))


def test_refiner_input_checks(gen):
    image, mask, _ = _inputs(gen, size=31 + 1)
    with pytest.raises(ValueError, match="needs the agnostic"):
        Refiner(channels=8, num_blocks=1)(image, mask)
    with pytest.raises(ValueError, match="even"):
        Refiner(channels=8, num_blocks=1)(image[..., :31], mask[..., :31], image[..., :31])
    out = Refiner(channels=8, num_blocks=1, use_agnostic=False)(image, mask)
    assert out.shape == image.shape


def test_patch_discriminator_and_hinge_losses(gen, tmp_path):
    disc = PatchDiscriminator(in_channels=4, channels=8, num_layers=3)
    x = torch.randn(2, 4, 64, 64, generator=gen)
    logits = disc(x)
    assert logits.shape[:2] == (2, 1) and logits.shape[-1] > 1  # one logit per patch
    assert hinge_d_loss(torch.full((4,), 2.0), torch.full((4,), -2.0)) == 0
    assert hinge_d_loss(torch.zeros(4), torch.zeros(4)) == 2
    assert hinge_g_loss(torch.full((4,), 3.0)) == -3
    disc.save_pretrained(tmp_path)
    loaded = PatchDiscriminator.from_pretrained(tmp_path)
    assert loaded.state_dict().keys() == disc.state_dict().keys()
