"""Widening an SD-inpainting UNet keeps what the original channels compute."""

from __future__ import annotations

import pytest
import torch

from tryon.models.configs import build_unet
from tryon.models.layout import sd_inpaint_layout, tryon_layout
from tryon.models.widen import widen_unet


@pytest.fixture(scope="module")
def sd_unet():
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        # as SD-inpainting UNets: no pooled-text projection
        unet = build_unet(
            "tiny", resolution=32, layout=sd_inpaint_layout(), pooled_text=False
        ).eval()
        # make the weights non-trivial everywhere (diffusers zero-inits some output layers)
        for p in unet.parameters():
            p.data.add_(0.05 * torch.randn_like(p))
    return unet


def test_widened_output_equals_original_for_any_pose(sd_unet, gen):
    wide = widen_unet(sd_unet).eval()
    assert wide.config.in_channels == tryon_layout().in_channels
    noisy = torch.randn(2, 4, 4, 4, generator=gen)
    masked = torch.randn(2, 4, 4, 4, generator=gen)
    mask = (torch.rand(2, 1, 4, 4, generator=gen) > 0.5).float()
    text = torch.randn(2, 5, 32, generator=gen)
    t = torch.tensor([10, 500])
    with torch.no_grad():
        ref = sd_unet(sd_inpaint_layout().build(noisy, masked, mask), t, text).sample
        for scale in (0.0, 1.0, 100.0):
            pose = scale * torch.randn(2, 17, 4, 4, generator=gen)
            out = wide(tryon_layout().build(noisy, masked, mask, pose), t, text).sample
            torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)
    assert torch.count_nonzero(wide.conv_in.weight[:, tryon_layout().slice("pose")]) == 0


def test_every_other_weight_is_copied(sd_unet):
    wide = widen_unet(sd_unet)
    a, b = sd_unet.state_dict(), wide.state_dict()
    assert a.keys() == b.keys()
    for key in a:
        if key != "conv_in.weight":
            assert torch.equal(a[key], b[key]), key
    layout = tryon_layout()
    src = sd_inpaint_layout()
    for part in ("noisy", "mask", "agnostic"):
        assert torch.equal(
            b["conv_in.weight"][:, layout.slice(part)], a["conv_in.weight"][:, src.slice(part)]
        )


def test_wrong_source_channels():
    unet = build_unet("tiny", resolution=32)  # already 26 channels
    with pytest.raises(ValueError, match="in_channels=26"):
        widen_unet(unet)
