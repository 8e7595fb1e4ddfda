"""UNet input layouts."""

from __future__ import annotations

import pytest
import torch

from tryon.body import POSE_MAP_CHANNELS
from tryon.models.layout import layout_for, sd_inpaint_layout, tryon_layout


def test_tryon_layout_channels_and_order(gen):
    layout = tryon_layout()
    assert layout.in_channels == 4 + 4 + 1 + POSE_MAP_CHANNELS == 26
    noisy, agn, mask = (torch.randn(2, c, 8, 6, generator=gen) for c in (4, 4, 1))
    pose = torch.rand(2, POSE_MAP_CHANNELS, 8, 6, generator=gen)
    x = layout.build(noisy, agn, mask, pose)
    assert x.shape == (2, 26, 8, 6)
    assert torch.equal(x[:, layout.slice("noisy")], noisy)
    assert torch.equal(x[:, layout.slice("agnostic")], agn)
    assert torch.equal(x[:, layout.slice("mask")], mask)
    assert torch.equal(x[:, layout.slice("pose")], pose)


def test_sd_inpaint_layout_is_noisy_mask_masked_latent(gen):
    layout = sd_inpaint_layout()
    assert layout.in_channels == 9 and not layout.has_pose
    assert layout.slice("mask") == slice(4, 5) and layout.slice("agnostic") == slice(5, 9)
    noisy, agn, mask = (torch.randn(1, c, 4, 4, generator=gen) for c in (4, 4, 1))
    x = layout.build(noisy, agn, mask, pose=None)
    assert torch.equal(x, torch.cat([noisy, mask, agn], 1))


def test_layout_errors():
    assert layout_for(26).name == "tryon" and layout_for(9).name == "sd-inpaint"
    with pytest.raises(ValueError, match="in_channels=4"):
        layout_for(4)
    with pytest.raises(KeyError):
        sd_inpaint_layout().slice("pose")
    z = torch.zeros(1, 4, 2, 2)
    with pytest.raises(ValueError, match="needs the 'pose'"):
        tryon_layout().build(z, z, z[:, :1], None)
    with pytest.raises(ValueError, match="must have 4 channels.*got 3"):
        tryon_layout().build(z, z[:, :3], z[:, :1], torch.zeros(1, 17, 2, 2))
