"""Named component sizes: configs for the UNet, the VAE and test-size text encoders.

``"small"`` is the shipped CPU model (a 21.6M-parameter ``UNet2DConditionModel`` with
``block_out_channels=(64, 128, 256)``, no mid block, no attention at full latent resolution,
cross-attention over 384-d MiniLM token embeddings and the pooled prompt embedding added to the
timestep embedding; a ~4M-parameter x8 ``AutoencoderKL`` with 4 latent channels). ``"tiny"``
is for tests: a few thousand parameters, runs in milliseconds.

Configs are plain dicts for ``Model.from_config`` / ``Model(**config)``; the factory functions
build models from them with random weights (callers pass a ``torch.Generator``-seeded context if
they need a particular initialisation: ``torch.manual_seed`` is never called here).
"""

from __future__ import annotations

from typing import Any

from diffusers import AutoencoderKL, UNet2DConditionModel

from tryon.models.layout import UNetInputLayout, tryon_layout
from tryon.models.pooled_text import POOLED_EMBED_TYPE

SIZES: tuple[str, ...] = ("tiny", "small")

# VAE downsampling factor for every config here (three 2x downsamples).
VAE_SCALE_FACTOR = 8


def _check_size(size: str) -> str:
    if size not in SIZES:
        raise ValueError(f"size must be one of {list(SIZES)}, got {size!r}")
    return size


def _check_resolution(resolution: int | tuple[int, int]) -> tuple[int, int]:
    if isinstance(resolution, int):
        resolution = (resolution, resolution)
    height, width = (int(v) for v in resolution)
    if height <= 0 or width <= 0 or height % VAE_SCALE_FACTOR or width % VAE_SCALE_FACTOR:
        raise ValueError(
            f"resolution must be positive multiples of {VAE_SCALE_FACTOR}, got {resolution!r}"
        )
    return height, width


def unet_config(
    size: str = "small",
    *,
    resolution: int | tuple[int, int] = 256,
    layout: UNetInputLayout | None = None,
    cross_attention_dim: int | None = None,
    pooled_text: bool = True,
) -> dict[str, Any]:
    """Config of a ``UNet2DConditionModel`` for our input layout.

    Args:
        size: ``"tiny"`` or ``"small"``.
        resolution: ``(height, width)`` in image pixels, or one int for a square; the UNet's
            ``sample_size`` is it divided by 8 (the pipeline's default working size).
        layout: input layout (default :func:`tryon.models.layout.tryon_layout`, 26 channels).
        cross_attention_dim: text token embedding width (default 384 for ``small`` = MiniLM,
            32 for ``tiny``).
        pooled_text: also condition on the pooled prompt embedding, projected into the timestep
            embedding (:mod:`tryon.models.pooled_text`).
    """
    _check_size(size)
    height, width = _check_resolution(resolution)
    layout = layout or tryon_layout()
    text_width = cross_attention_dim or (32 if size == "tiny" else 384)
    common = {
        # an int for squares, as Stable-Diffusion tooling expects; (h, w) otherwise
        "sample_size": height // VAE_SCALE_FACTOR
        if height == width
        else (height // VAE_SCALE_FACTOR, width // VAE_SCALE_FACTOR),
        "in_channels": layout.in_channels,
        "out_channels": 4,
        "flip_sin_to_cos": True,
        "freq_shift": 0,
        "act_fn": "silu",
        "cross_attention_dim": text_width,
    }
    if pooled_text:
        common["class_embed_type"] = POOLED_EMBED_TYPE
        common["projection_class_embeddings_input_dim"] = text_width
    if size == "tiny":
        return {
            **common,
            "block_out_channels": (32, 64),
            "down_block_types": ("DownBlock2D", "CrossAttnDownBlock2D"),
            "up_block_types": ("CrossAttnUpBlock2D", "UpBlock2D"),
            "layers_per_block": 1,
            "attention_head_dim": 2,
            "norm_num_groups": 8,
        }
    return {
        **common,
        "block_out_channels": (64, 128, 256),
        # No mid block: it holds 4.0M of 25.4M parameters at the 8x8 level (little compute,
        # much size); without it the shipped fp16 weights fit the 60 MB budget in git.
        "mid_block_type": None,
        # No attention at full latent resolution: the first block is convolution only.
        "down_block_types": ("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
        "up_block_types": ("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
        "layers_per_block": 2,
        "attention_head_dim": 8,  # diffusers' name for the number of heads
        "norm_num_groups": 32,
    }


def vae_config(size: str = "small", *, resolution: int | tuple[int, int] = 256) -> dict[str, Any]:
    """Config of an x8 ``AutoencoderKL`` with 4 latent channels (Kingma & Welling 2014; the
    Stable-Diffusion VAE architecture at a smaller width)."""
    _check_size(size)
    height, width = _check_resolution(resolution)
    channels = (8, 16, 16, 16) if size == "tiny" else (32, 64, 128, 128)
    return {
        "in_channels": 3,
        "out_channels": 3,
        "down_block_types": ("DownEncoderBlock2D",) * 4,
        "up_block_types": ("UpDecoderBlock2D",) * 4,
        "block_out_channels": channels,
        "layers_per_block": 1,
        "latent_channels": 4,
        # One group: GroupNorm removes each group's per-image mean and scale, and the decoder
        # ends in norm -> SiLU -> conv with no skip, so with few channels per group it cannot
        # express a crop's colour. Measured on world crops: 1 channel per group gave grey
        # reconstructions, 4 per group brown-tinted ones that did not improve with training.
        "norm_num_groups": 1,
        "sample_size": max(height, width),
        "scaling_factor": 0.18215,
    }


def build_unet(size: str = "small", **kwargs: Any) -> UNet2DConditionModel:
    """A randomly initialised ``UNet2DConditionModel`` from :func:`unet_config`."""
    return UNet2DConditionModel(**unet_config(size, **kwargs))


def build_vae(size: str = "small", **kwargs: Any) -> AutoencoderKL:
    """A randomly initialised ``AutoencoderKL`` from :func:`vae_config`."""
    return AutoencoderKL(**vae_config(size, **kwargs))


def tiny_bert_config(hidden_size: int = 32, vocab_size: int = 30522) -> dict[str, Any]:
    """A 2-layer BERT config (``transformers.BertConfig`` kwargs) for tests; the default vocab
    size is MiniLM's, so the packaged MiniLM tokenizer can drive it."""
    return {
        "vocab_size": vocab_size,
        "hidden_size": hidden_size,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 2 * hidden_size,
        "max_position_embeddings": 128,
    }


def clip_text_config(hidden_size: int = 32, num_layers: int = 2, vocab_size: int = 1000) -> dict:
    """A ``transformers.CLIPTextConfig`` kwargs dict; ``hidden_size=384, num_layers=6`` gives a
    BERT-(MiniLM-)size CLIP text model for benchmarks."""
    return {
        "vocab_size": vocab_size,
        "hidden_size": hidden_size,
        "intermediate_size": 4 * hidden_size,
        "num_hidden_layers": num_layers,
        "num_attention_heads": max(1, hidden_size // 32),
        "max_position_embeddings": 77,
        "projection_dim": hidden_size,
        "bos_token_id": 0,
        "eos_token_id": 1,
        "pad_token_id": 1,
    }
