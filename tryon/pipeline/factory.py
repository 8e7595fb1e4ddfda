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

import torch
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
    seed: int | None = 0,
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
        seed: seed of the weight initialisation (drawn inside ``torch.random.fork_rng``, so the
            global generator is left as it was); ``None`` uses the global generator.
    """
    if seed is None:
        return _build(size, text_encoder, layout, resolution, scheduler, matcher, refiner)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return _build(size, text_encoder, layout, resolution, scheduler, matcher, refiner)


def _build(size, text_encoder, layout, resolution, scheduler, matcher, refiner) -> TryOnPipeline:
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


def stick_figure_analysis(height: int = 160, width: int = 120, seed: int = 0):
    """A synthetic :class:`tryon.analysis.PersonAnalysis` (backend ``ground_truth``) of a
    front-facing stick figure on a noise background, for tests, demos and speed benchmarks
    that must not depend on a pose detector. Body parts are axis-aligned boxes placed at
    fractions of ``height`` x ``width``; ``seed`` drives the background noise."""
    import numpy as np

    from tryon.analysis import PersonAnalysis
    from tryon.body import KEYPOINT_INDEX, NUM_KEYPOINTS, REGION_INDEX

    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    regions = np.zeros((height, width), np.uint8)
    keypoints = np.zeros((NUM_KEYPOINTS, 3), np.float32)
    cx, sy, sx = width / 2, height / 160, width / 120

    def put(name: str, dx: float, y: float) -> None:
        keypoints[KEYPOINT_INDEX[name]] = (cx + dx * sx, y * sy, 1.0)

    for side, sign in (("left", 1), ("right", -1)):
        put(f"{side}_eye", 4 * sign, 16)
        put(f"{side}_ear", 8 * sign, 18)
        put(f"{side}_shoulder", 18 * sign, 40)
        put(f"{side}_elbow", 24 * sign, 65)
        put(f"{side}_wrist", 26 * sign, 88)
        put(f"{side}_hip", 12 * sign, 95)
        put(f"{side}_knee", 12 * sign, 125)
        put(f"{side}_ankle", 12 * sign, 152)
    put("nose", 0, 20)

    def box(label: str, y0: float, y1: float, dx0: float, dx1: float) -> None:
        ys = slice(int(y0 * sy), int(y1 * sy))
        regions[ys, int(cx + dx0 * sx) : int(cx + dx1 * sx)] = REGION_INDEX[label]

    box("face", 8, 32, -10, 10)
    box("neck", 32, 40, -5, 5)
    box("torso", 40, 98, -18, 18)
    box("upper_legs", 98, 125, -18, 18)
    box("lower_legs", 125, 150, -18, 18)
    box("feet", 150, 158, -18, 18)
    for sign in (1, -1):
        lo, hi = sorted((sign * 18, sign * 28))
        box("upper_arms", 40, 65, lo, hi)
        lo, hi = sorted((sign * 20, sign * 30))
        box("lower_arms", 65, 88, lo, hi)
        box("hands", 88, 96, lo, hi)
    return PersonAnalysis.from_ground_truth(image, keypoints, regions)
