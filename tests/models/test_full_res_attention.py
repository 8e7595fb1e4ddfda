"""Prompt cross-attention added at the UNet's full latent resolution."""

from __future__ import annotations

import pytest
import torch
from diffusers import UNet2DConditionModel

from tryon.models.configs import build_unet
from tryon.models.full_res_attention import add_full_res_attention, has_full_res_attention
from tryon.models.pooled_text import unet_text_kwargs
from tryon.models.text_encoder import TextEmbeddings


@pytest.fixture(scope="module")
def plain_unet():
    """A tiny UNet with no attention at full resolution, its weights non-trivial everywhere."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        unet = build_unet("tiny", resolution=32).eval()
        for p in unet.parameters():
            p.data.add_(0.05 * torch.randn_like(p))
    return unet


def _call(unet, x, t, tokens, mask, pooled):
    text = TextEmbeddings(tokens, mask, pooled)
    with torch.no_grad():
        return unet(x, t, **unet_text_kwargs(unet, [text])).sample


def _inputs(gen, n=2):
    x = torch.randn(n, 26, 4, 4, generator=gen)
    tokens = torch.randn(n, 5, 32, generator=gen)
    mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]][:n])
    pooled = torch.nn.functional.normalize(torch.randn(n, 32, generator=gen), dim=-1)
    return x, torch.tensor([10, 700][:n]), tokens, mask, pooled


def test_added_attention_starts_as_the_original_for_any_prompt(plain_unet, gen):
    unet = add_full_res_attention(plain_unet).eval()
    assert has_full_res_attention(unet) and not has_full_res_attention(plain_unet)
    assert unet.config.down_block_types[0] == "CrossAttnDownBlock2D"
    assert unet.config.up_block_types[-1] == "CrossAttnUpBlock2D"
    # the mid block keeps its self-attention; only the new blocks attend to tokens alone
    assert not unet.config.mid_block_only_cross_attention
    assert list(unet.config.only_cross_attention) == [True, False]
    x, t, tokens, mask, pooled = _inputs(gen)
    for prompt in (tokens, -3 * tokens, tokens.flip(1)):
        torch.testing.assert_close(
            _call(unet, x, t, prompt, mask, pooled),
            _call(plain_unet, x, t, prompt, mask, pooled),
            rtol=1e-5,
            atol=1e-5,
        )
    for key, value in plain_unet.state_dict().items():
        assert torch.equal(unet.state_dict()[key], value), key


def test_trained_attention_reads_the_prompt_at_full_resolution(plain_unet, gen):
    unet = add_full_res_attention(plain_unet).eval()
    x, t, tokens, mask, pooled = _inputs(gen)
    before = _call(unet, x, t, tokens, mask, pooled)
    torch.nn.init.normal_(unet.up_blocks[-1].attentions[0].proj_out.weight, std=0.5)
    after = _call(unet, x, t, tokens, mask, pooled)
    assert (after - before).abs().max() > 1e-3
    # the new layer's change depends on the tokens, not only on the image
    other = _call(unet, x, t, tokens.flip(0), mask.flip(0), pooled)
    reference = _call(plain_unet, x, t, tokens.flip(0), mask.flip(0), pooled)
    assert ((other - reference) - (after - before)).abs().max() > 1e-3


def test_attention_unet_survives_save_and_load(plain_unet, gen, tmp_path):
    unet = add_full_res_attention(plain_unet).eval()
    torch.nn.init.normal_(unet.down_blocks[0].attentions[0].proj_out.weight, std=0.5)
    unet.save_pretrained(tmp_path)
    loaded = UNet2DConditionModel.from_pretrained(tmp_path).eval()
    assert has_full_res_attention(loaded)
    x, t, tokens, mask, pooled = _inputs(gen)
    torch.testing.assert_close(
        _call(loaded, x, t, tokens, mask, pooled), _call(unet, x, t, tokens, mask, pooled)
    )


def test_adding_twice_or_to_an_unknown_block_is_refused(plain_unet):
    with pytest.raises(ValueError, match="already attends"):
        add_full_res_attention(add_full_res_attention(plain_unet))
    config = dict(plain_unet.config)
    config.pop("_use_default_values", None)
    config["up_block_types"] = ("CrossAttnUpBlock2D", "AttnUpBlock2D")
    odd = UNet2DConditionModel.from_config(config)
    with pytest.raises(ValueError, match="expected a plain full-resolution"):
        add_full_res_attention(odd)
