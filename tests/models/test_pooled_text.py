"""The pooled prompt embedding as a UNet input: config, call arguments, adding it to a UNet."""

from __future__ import annotations

import pytest
import torch

from tryon.models.configs import build_unet, unet_config
from tryon.models.pooled_text import add_pooled_text, unet_text_kwargs, uses_pooled_text
from tryon.models.text_encoder import TextEmbeddings


@pytest.fixture(scope="module")
def plain_unet():
    """A tiny UNet without the projection, its weights non-trivial everywhere."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        unet = build_unet("tiny", resolution=32, pooled_text=False).eval()
        for p in unet.parameters():
            p.data.add_(0.05 * torch.randn_like(p))
    return unet


def _inputs(gen, n=2):
    x = torch.randn(n, 26, 4, 4, generator=gen)
    tokens = torch.randn(n, 5, 32, generator=gen)
    pooled = torch.nn.functional.normalize(torch.randn(n, 32, generator=gen), dim=-1)
    return x, torch.tensor([10, 700][:n]), tokens, pooled


def test_configs_take_the_pooled_embedding_by_default():
    for size, width in (("tiny", 32), ("small", 384)):
        config = unet_config(size)
        assert config["class_embed_type"] == "projection"
        assert config["projection_class_embeddings_input_dim"] == width
    assert "class_embed_type" not in unet_config("small", pooled_text=False)
    assert uses_pooled_text(build_unet("tiny")) and not uses_pooled_text(
        build_unet("tiny", pooled_text=False)
    )


def test_added_projection_starts_as_the_original_for_any_prompt(plain_unet, gen):
    unet = add_pooled_text(plain_unet).eval()
    assert uses_pooled_text(unet)
    x, t, tokens, pooled = _inputs(gen)
    with torch.no_grad():
        ref = plain_unet(x, t, **unet_text_kwargs(plain_unet, [TextEmbeddings(tokens)])).sample
        for p in (pooled, -pooled, 10 * pooled):
            out = unet(x, t, **unet_text_kwargs(unet, [TextEmbeddings(tokens, None, p)])).sample
            torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)
    for key, value in plain_unet.state_dict().items():
        assert torch.equal(unet.state_dict()[key], value), key


def test_trained_projection_makes_the_pooled_prompt_matter(plain_unet, gen):
    unet = add_pooled_text(plain_unet).eval()
    torch.nn.init.normal_(unet.class_embedding.linear_2.weight, std=0.5)
    x, t, tokens, pooled = _inputs(gen)
    with torch.no_grad():
        a = unet(x, t, **unet_text_kwargs(unet, [TextEmbeddings(tokens, None, pooled)])).sample
        b = unet(
            x, t, **unet_text_kwargs(unet, [TextEmbeddings(tokens, None, pooled.flip(0))])
        ).sample
    assert (a - b).abs().max() > 1e-3


def test_text_kwargs_need_pooled_only_when_the_unet_takes_it(plain_unet):
    tokens, mask = torch.zeros(1, 3, 32), torch.ones(1, 3, dtype=torch.long)
    text = TextEmbeddings(tokens, mask, torch.zeros(1, 32))
    assert "class_labels" not in unet_text_kwargs(plain_unet, [text])
    unet = add_pooled_text(plain_unet)
    kwargs = unet_text_kwargs(unet, [text], dtype=torch.float64)
    assert kwargs["class_labels"].dtype == torch.float64  # follows the tokens
    with pytest.raises(ValueError, match="pooled prompt embedding"):
        unet_text_kwargs(unet, [TextEmbeddings(tokens, mask)])


def test_text_kwargs_stack_parts_and_fill_a_missing_mask(plain_unet):
    unet = add_pooled_text(plain_unet)
    masked = TextEmbeddings(torch.ones(1, 3, 32), torch.tensor([[1, 1, 0]]), torch.ones(1, 32))
    unmasked = TextEmbeddings(torch.zeros(2, 3, 32), None, torch.zeros(2, 32))
    kwargs = unet_text_kwargs(unet, [unmasked, masked])
    assert kwargs["encoder_hidden_states"].shape == (3, 3, 32)
    assert kwargs["encoder_attention_mask"].tolist() == [[1, 1, 1], [1, 1, 1], [1, 1, 0]]
    assert kwargs["class_labels"][:, 0].tolist() == [0.0, 0.0, 1.0]  # in the given order
    assert unet_text_kwargs(unet, [unmasked])["encoder_attention_mask"] is None


def test_adding_twice_is_refused(plain_unet):
    with pytest.raises(ValueError, match="already has a class embedding"):
        add_pooled_text(add_pooled_text(plain_unet))
