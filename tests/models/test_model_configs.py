"""Component configs: the shipped "small" sizes and the test "tiny" sizes."""

from __future__ import annotations

import pytest
import torch

from tryon.models.configs import build_unet, build_vae, unet_config, vae_config


def test_small_unet_matches_the_design():
    config = unet_config("small")
    assert config["in_channels"] == 26 and config["cross_attention_dim"] == 384
    assert tuple(config["block_out_channels"]) == (64, 128, 256)
    assert config["down_block_types"][0] == "DownBlock2D"  # no attention at full resolution
    assert config["up_block_types"][-1] == "UpBlock2D"
    unet = build_unet("small")
    params = sum(p.numel() for p in unet.parameters())
    assert 20e6 < params < 30e6


def test_small_vae_is_x8_with_4_latent_channels():
    vae = build_vae("small").eval()
    assert vae.config.latent_channels == 4
    with torch.no_grad():
        z = vae.encode(torch.zeros(1, 3, 64, 48)).latent_dist.mode()
    assert z.shape == (1, 4, 8, 6)


def test_resolution_sets_sample_size_and_is_validated():
    assert unet_config("tiny", resolution=(64, 48))["sample_size"] == (8, 6)
    assert vae_config("tiny", resolution=64)["sample_size"] == 64
    with pytest.raises(ValueError, match="multiples of 8"):
        unet_config("tiny", resolution=(60, 48))
    with pytest.raises(ValueError, match="size must be"):
        unet_config("huge")
