"""Garment-text matcher: scores, contrastive loss, strict save/load."""

from __future__ import annotations

import pytest
import torch

from tryon.models.matcher import GarmentTextMatcher, symmetric_info_nce


@pytest.fixture
def matcher():
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return GarmentTextMatcher(text_dim=24, embed_dim=16, image_size=32, channels=(8, 16))


def _batch(gen, n=3, size=40):
    images = torch.rand(n, 3, size, size, generator=gen) * 2 - 1
    masks = (torch.rand(n, 1, size, size, generator=gen) > 0.3).float()
    texts = torch.randn(n, 24, generator=gen)
    return images, masks, texts


def test_score_shapes_and_range(matcher, gen):
    images, masks, texts = _batch(gen)
    with torch.no_grad():
        diag = matcher.score(images, masks, texts)
        matrix = matcher.score(images, masks, texts[:2], pairwise=True)
        one = matcher.score(images, masks, texts[:1])
    assert diag.shape == (3,) and matrix.shape == (3, 2) and one.shape == (3,)
    torch.testing.assert_close(diag, torch.diagonal(matcher.score(images, masks, texts, True)))
    torch.testing.assert_close(one, matrix[:, 0])
    assert diag.abs().max() <= 1 + 1e-5
    with pytest.raises(ValueError, match="1 or 3 rows"):
        matcher.score(images, masks, texts[:2])


def test_score_only_sees_the_masked_region(matcher, gen):
    images, masks, texts = _batch(gen, n=1)
    other = images.clone()
    other[masks.expand_as(images) == 0] = 0.7  # change only pixels outside the mask
    with torch.no_grad():
        torch.testing.assert_close(
            matcher.score(images, masks, texts), matcher.score(other, masks, texts)
        )


def test_contrastive_loss_trains(matcher, gen):
    images, masks, texts = _batch(gen, n=4)
    opt = torch.optim.Adam(matcher.parameters(), lr=3e-3)
    first = matcher.contrastive_loss(images, masks, texts)
    assert first.item() == pytest.approx(torch.log(torch.tensor(4.0)).item(), abs=1.0)
    for _ in range(30):
        opt.zero_grad()
        loss = matcher.contrastive_loss(images, masks, texts)
        loss.backward()
        opt.step()
    assert loss.item() < 0.5 * first.item()
    assert matcher.scale() <= matcher.config.max_logit_scale


def test_symmetric_info_nce_perfect_pairs_is_small():
    e = torch.eye(4)
    assert symmetric_info_nce(e, e, torch.tensor(100.0)) < 1e-3
    with pytest.raises(ValueError):
        symmetric_info_nce(e, e[:3], torch.tensor(1.0))


def test_round_trip_and_bad_inputs(matcher, gen, tmp_path):
    matcher.save_pretrained(tmp_path)
    loaded = GarmentTextMatcher.from_pretrained(tmp_path)
    images, masks, texts = _batch(gen)
    with torch.no_grad():
        torch.testing.assert_close(
            matcher.score(images, masks, texts), loaded.score(images, masks, texts)
        )
    with pytest.raises(ValueError, match="images"):
        matcher.encode_image(images[:, :2], masks)
    with pytest.raises(ValueError, match="masks"):
        matcher.encode_image(images, masks[:2])
    with pytest.raises(ValueError, match="text_embeds"):
        matcher.encode_text(torch.zeros(2, 7))


def test_scoring_methods_trigger_an_offload_hook(matcher, gen):
    """Model CPU offload moves a model to the GPU in its accelerate hook's ``pre_forward``;
    the pipeline calls ``score`` (not ``forward``), which must run the hook too, or the
    matcher stays on the CPU beside CUDA images (the H100 failure of 2026-11-25)."""
    from accelerate.hooks import ModelHook, add_hook_to_module

    calls = []

    class Recorder(ModelHook):
        def pre_forward(self, module, *args, **kwargs):
            calls.append(module)
            return args, kwargs

    add_hook_to_module(matcher, Recorder())
    images, masks, texts = _batch(gen)
    matcher.score(images, masks, texts)
    assert calls and all(m is matcher for m in calls)
    for method, args in ((matcher.encode_image, (images, masks)), (matcher.encode_text, (texts,))):
        calls.clear()
        method(*args)
        assert calls == [matcher]
