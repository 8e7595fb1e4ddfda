"""Randomly initialised pipelines at named sizes: the starting point of training, and the tiny
components of tests and the speed benchmarks (speed does not depend on weight values).

Nothing is downloaded: MiniLM comes from its installed package, and the tiny CLIP tokenizer is a
character-level BPE vocabulary built here (written as ``vocab.json`` + ``merges.txt`` when a
folder is given, like a real CLIP tokenizer folder).
"""

from __future__ import annotations

import json
import string
from pathlib import Path

from transformers import (
    AutoTokenizer,
    BertConfig,
    BertModel,
    CLIPTextConfig,
    CLIPTextModel,
    CLIPTokenizer,
)

from tryon.models.configs import build_unet, build_vae, clip_text_config, tiny_bert_config
from tryon.models.layout import sd_inpaint_layout, tryon_layout
from tryon.models.matcher import GarmentTextMatcher
from tryon.models.refiner import Refiner
from tryon.models.text_encoder import MAX_TEXT_TOKENS, load_minilm, packaged_model_dir
from tryon.pipeline.pipeline_tryon import TryOnPipeline
from tryon.pipeline.schedulers import default_scheduler_config, make_scheduler

TEXT_ENCODERS = ("minilm", "bert-tiny", "clip-tiny", "clip-minilm-size")


def tiny_clip_vocab() -> tuple[dict[str, int], list[str]]:
    """A character-level CLIP BPE vocabulary (no merges): special tokens, then every lowercase
    letter, digit and punctuation mark alone and with the end-of-word marker ``</w>``."""
    chars = string.ascii_lowercase + string.digits + string.punctuation
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for suffix in ("", "</w>"):
        for c in chars:
            vocab.setdefault(c + suffix, len(vocab))
    return vocab, []


def tiny_clip_tokenizer(folder: str | Path | None = None) -> CLIPTokenizer:
    """The :func:`tiny_clip_vocab` tokenizer; with ``folder``, written there as ``vocab.json``,
    ``merges.txt`` and ``tokenizer_config.json`` and loaded back with ``from_pretrained``."""
    vocab, merges = tiny_clip_vocab()
    if folder is None:
        return CLIPTokenizer(vocab=vocab, merges=merges, model_max_length=MAX_TEXT_TOKENS)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.json").write_text(json.dumps(vocab))
    (folder / "merges.txt").write_text("#version: 0.2\n" + "".join(m + "\n" for m in merges))
    (folder / "tokenizer_config.json").write_text(
        json.dumps({"model_max_length": MAX_TEXT_TOKENS, "tokenizer_class": "CLIPTokenizer"})
    )
    return CLIPTokenizer.from_pretrained(str(folder), local_files_only=True)


def build_text_encoder(kind: str = "minilm"):
    """``(text_encoder, tokenizer)`` of a kind in :data:`TEXT_ENCODERS`:

    * ``minilm``: the packaged all-MiniLM-L6-v2 (pretrained, 384-d);
    * ``bert-tiny``: a random 2-layer 32-d BERT with MiniLM's tokenizer;
    * ``clip-tiny``: a random 2-layer 32-d CLIP text model with :func:`tiny_clip_tokenizer`;
    * ``clip-minilm-size``: a random 6-layer 384-d CLIP text model (MiniLM's size, for the
      Stable-Diffusion-layout speed comparison) with :func:`tiny_clip_tokenizer`.
    """
    if kind == "minilm":
        return load_minilm()
    if kind == "bert-tiny":
        tokenizer = AutoTokenizer.from_pretrained(str(packaged_model_dir()), local_files_only=True)
        return BertModel(BertConfig(**tiny_bert_config())).eval(), tokenizer
    if kind == "clip-tiny":
        return CLIPTextModel(CLIPTextConfig(**clip_text_config())).eval(), tiny_clip_tokenizer()
    if kind == "clip-minilm-size":
        vocab, _ = tiny_clip_vocab()
        config = clip_text_config(hidden_size=384, num_layers=6, vocab_size=len(vocab))
        return CLIPTextModel(CLIPTextConfig(**config)).eval(), tiny_clip_tokenizer()
    raise ValueError(f"text encoder must be one of {list(TEXT_ENCODERS)}, got {kind!r}")


def build_pipeline(
    size: str = "small",
    *,
    text_encoder: str = "minilm",
    layout: str = "tryon",
    resolution: int | tuple[int, int] = 256,
    scheduler: str = "ddim",
    matcher: bool = True,
    refiner: bool = True,
) -> TryOnPipeline:
    """A :class:`TryOnPipeline` of freshly initialised components (random weights, except a
    pretrained MiniLM text encoder).

    Args:
        size: ``"tiny"`` or ``"small"`` (:mod:`tryon.models.configs`).
        text_encoder: one of :data:`TEXT_ENCODERS`; its width sets the cross-attention width.
        layout: ``"tryon"`` (26-channel UNet) or ``"sd-inpaint"`` (9-channel UNet).
        resolution: the UNet's native working size.
        scheduler: scheduler name (:mod:`tryon.pipeline.schedulers`).
        matcher, refiner: include these components.
    """
    encoder, tokenizer = build_text_encoder(text_encoder)
    width = encoder.config.hidden_size
    if layout == "tryon":
        unet_layout = tryon_layout()
    elif layout == "sd-inpaint":
        unet_layout = sd_inpaint_layout()
    else:
        raise ValueError(f"layout must be 'tryon' or 'sd-inpaint', got {layout!r}")
    unet = build_unet(size, resolution=resolution, layout=unet_layout, cross_attention_dim=width)
    vae = build_vae(size, resolution=resolution)
    tiny = size == "tiny"
    match = None
    if matcher:
        match = GarmentTextMatcher(
            text_dim=width,
            embed_dim=16 if tiny else 256,
            image_size=32 if tiny else 128,
            channels=(8, 16) if tiny else (32, 64, 128, 256),
        )
    refine = (
        Refiner(channels=8, num_blocks=1)
        if (refiner and tiny)
        else (Refiner() if refiner else None)
    )
    return TryOnPipeline(
        vae=vae.eval(),
        unet=unet.eval(),
        text_encoder=encoder,
        tokenizer=tokenizer,
        scheduler=make_scheduler(scheduler, default_scheduler_config()),
        matcher=None if match is None else match.eval(),
        refiner=refine.eval() if refine is not None else None,
    )
