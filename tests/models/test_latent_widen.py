"""Widening the latent keeps what the VAE, the UNet and the pipeline compute."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tryon.models.configs import build_unet, build_vae
from tryon.models.latent_widen import (
    widen_pipeline_latents,
    widen_unet_latents,
    widen_vae_latents,
)
from tryon.models.layout import sd_inpaint_layout, tryon_layout


def _perturbed(module: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """Non-trivial weights everywhere (diffusers zero-inits some output layers)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for p in module.parameters():
            p.data.add_(0.05 * torch.randn_like(p))
    return module.eval()


@pytest.fixture(scope="module")
def vae():
    return _perturbed(build_vae("tiny", resolution=32))


def test_widened_vae_keeps_old_latents_and_decodes_as_before(vae, gen):
    wide = widen_vae_latents(vae, 7).eval()
    assert wide.config.latent_channels == 7
    images = torch.rand(2, 3, 32, 32, generator=gen) * 2 - 1
    with torch.no_grad():
        old = vae.encode(images).latent_dist
        new = wide.encode(images).latent_dist
        torch.testing.assert_close(new.mean[:, :4], old.mean)
        torch.testing.assert_close(new.logvar[:, :4], old.logvar)
        # the new channels carry signal from the start (else no gradient reaches them)
        assert new.mean[:, 4:].std() > 1e-3
        # whatever the new channels hold, the decoder ignores them
        for scale in (0.0, 1.0, 50.0):
            z = torch.cat([old.mean, scale * torch.randn(2, 3, 4, 4, generator=gen)], dim=1)
            torch.testing.assert_close(
                wide.decode(z).sample, vae.decode(old.mean).sample, rtol=1e-5, atol=1e-5
            )


def test_widened_vae_learns_to_use_the_new_channels(vae):
    """One gradient step moves the decoder's zero weights on the new channels."""
    wide = widen_vae_latents(vae, 6).train()
    images = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(1)) * 2 - 1
    recon = wide.decode(wide.encode(images).latent_dist.mean).sample
    torch.nn.functional.l1_loss(recon, images).backward()
    grad = wide.decoder.conv_in.weight.grad[:, 4:]
    assert grad.abs().sum() > 0


@pytest.mark.parametrize("layout", [tryon_layout, sd_inpaint_layout])
def test_widened_unet_predicts_the_same_noise_for_the_old_channels_and_can_learn_the_new(
    layout, gen
):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        unet = build_unet("tiny", resolution=32, layout=layout())
    unet = _perturbed(unet)
    wide = widen_unet_latents(unet, 6).eval()
    assert (wide.config.in_channels, wide.config.out_channels) == (layout(6).in_channels, 6)
    noisy = torch.randn(2, 4, 4, 4, generator=gen)
    agnostic = torch.randn(2, 4, 4, 4, generator=gen)
    mask = (torch.rand(2, 1, 4, 4, generator=gen) > 0.5).float()
    pose = torch.randn(2, 17, 4, 4, generator=gen)
    text = torch.randn(2, 5, 32, generator=gen)
    pooled = {"class_labels": torch.randn(2, 32, generator=gen)}
    t = torch.tensor([10, 700])
    with torch.no_grad():
        ref = unet(layout(4).build(noisy, agnostic, mask, pose), t, text, **pooled).sample
        extra = 10 * torch.randn(2, 2, 4, 4, generator=gen)
        wide_in = layout(6).build(
            torch.cat([noisy, extra], 1), torch.cat([agnostic, -extra], 1), mask, pose
        )
        out = wide(wide_in, t, text, **pooled).sample
    torch.testing.assert_close(out[:, :4], ref, rtol=1e-5, atol=1e-5)
    # the new channels' readout is random, not zero: with zero on both sides of the new
    # channels' path no gradient would reach either side
    assert out[:, 4:].abs().mean() > 1e-4
    torch.testing.assert_close(wide.conv_out.weight[:4], unet.conv_out.weight)


def test_widened_unet_learns_to_read_the_new_input_channels(gen):
    """One gradient step on the new channels' loss moves the zero input weights of the new
    noisy channels (the saddle check for the UNet side)."""
    unet = _perturbed(build_unet("tiny", resolution=32))
    wide = widen_unet_latents(unet, 6).train()
    layout = tryon_layout(6)
    noisy = torch.randn(2, 6, 4, 4, generator=gen)
    x = layout.build(
        noisy,
        torch.randn(2, 6, 4, 4, generator=gen),
        torch.ones(2, 1, 4, 4),
        torch.rand(2, 17, 4, 4, generator=gen),
    )
    kwargs = {"class_labels": torch.randn(2, 32, generator=gen)}
    eps = wide(x, torch.tensor([500, 900]), torch.randn(2, 5, 32, generator=gen), **kwargs).sample
    torch.nn.functional.mse_loss(eps[:, 4:], noisy[:, 4:]).backward()
    assert wide.conv_in.weight.grad[:, layout.slice("noisy")][:, 4:].abs().sum() > 0


def test_widening_must_grow(vae):
    with pytest.raises(ValueError, match="must grow"):
        widen_vae_latents(vae, 4)
    with pytest.raises(ValueError, match="must grow"):
        widen_unet_latents(build_unet("tiny", resolution=32), 3)


def test_widened_pipeline_renders_the_same_image(person):
    """The whole pipeline, widened, draws the same pixels for one image: its first four
    noise channels are the old noise, and nothing reads the new ones yet."""
    from tryon.pipeline.factory import build_pipeline

    def render(pipe):
        generator = torch.Generator().manual_seed(3)
        return pipe(
            person,
            "a red t-shirt",
            num_inference_steps=3,
            refine=False,
            output_type="np",
            generator=generator,
        ).images[0]

    pipe = build_pipeline("tiny", text_encoder="bert-tiny", resolution=64, seed=0, refiner=False)
    pipe.set_progress_bar_config(disable=True)
    _perturbed(pipe.unet)
    before = render(pipe)
    widen_pipeline_latents(pipe, 8)
    assert pipe.layout.in_channels == tryon_layout(8).in_channels
    after = render(pipe)
    # equal up to float rounding (the convolutions sum over more, zero-weighted, channels)
    diff = np.abs(after.astype(int) - before.astype(int))
    assert diff.max() <= 1 and (diff > 0).mean() < 1e-3
