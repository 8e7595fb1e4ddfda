"""Give a UNet attention to the prompt at its full latent resolution.

The ``small`` UNet cross-attends to the prompt's tokens only in its two lower-resolution
blocks (16x16 and 8x8 for a 32x32 latent). A one-colour garment needs no more: its colour is
global. A print needs each latent pixel to decide between two named colours — "a tan jumper
with cobalt stripes" — and the shipped model often gets that binding wrong: it paints the
stripes' colour as the base, or a mix of the two (``benchmarks/results/tryon-small-w8-prints3035``).
:func:`add_full_res_attention` turns the full-resolution down block and its mirror up block
into transformer blocks, so every latent pixel can consult the tokens where the print is drawn.

The new transformers' output projections start at zero: a transformer block adds its output to
its input, so the new UNet computes exactly what the old one did until training moves them
(the zero-initialised extension of ControlNet and of :mod:`tryon.models.pooled_text`).
"""

from __future__ import annotations

import logging

import torch
from diffusers import UNet2DConditionModel

from tryon.models.unet_rebuild import rebuild_unet

logger = logging.getLogger(__name__)

_PLAIN_TO_ATTENTION = {
    "DownBlock2D": "CrossAttnDownBlock2D",
    "UpBlock2D": "CrossAttnUpBlock2D",
}


def has_full_res_attention(unet: UNet2DConditionModel) -> bool:
    """Whether ``unet``'s first down block (the full latent resolution) attends to the prompt."""
    return unet.config.down_block_types[0] in _PLAIN_TO_ATTENTION.values()


def add_full_res_attention(unet: UNet2DConditionModel) -> UNet2DConditionModel:
    """A new UNet whose first down block and last up block (full latent resolution) are
    cross-attention blocks, with every weight of ``unet`` (loaded strictly) and zero output
    projections in the new transformers, so that it equals ``unet`` for any input until it is
    trained. Same dtype and device as ``unet``.

    Each new transformer layer attends from every latent pixel to the ``(N, L, D)`` prompt
    tokens twice (diffusers' ``only_cross_attention``: the first attention, which would be
    self-attention over pixels, attends to the tokens too, padding included as Stable
    Diffusion's does; the second masks the padding) and has a feed-forward layer. No
    self-attention over the ``H x W`` pixels: on this CPU that costs 2.6x a UNet training step,
    cross-attention alone 1.4x (``benchmarks/bench_unet_step.py``, ``BENCHMARKS.md``).

    Raises:
        ValueError: the full-resolution blocks already attend, or are not diffusers' plain
            ``DownBlock2D`` / ``UpBlock2D``.
    """
    down, up = list(unet.config.down_block_types), list(unet.config.up_block_types)
    if has_full_res_attention(unet):
        raise ValueError("the UNet already attends to the prompt at full latent resolution")
    if down[0] != "DownBlock2D" or up[-1] != "UpBlock2D":
        raise ValueError(
            f"expected a plain full-resolution DownBlock2D and UpBlock2D, got {down[0]!r} and "
            f"{up[-1]!r}"
        )
    down[0] = _PLAIN_TO_ATTENTION[down[0]]
    up[-1] = _PLAIN_TO_ATTENTION[up[-1]]
    only_cross = unet.config.only_cross_attention
    mid_only_cross = unet.config.mid_block_only_cross_attention
    if isinstance(only_cross, bool):
        # a single bool also set the mid block's, which a tuple no longer does: keep it
        mid_only_cross = only_cross if mid_only_cross is None else mid_only_cross
        only_cross = [only_cross] * len(down)
    attending = rebuild_unet(
        unet,
        ["down_blocks.0.attentions", f"up_blocks.{len(up) - 1}.attentions"],
        down_block_types=tuple(down),
        up_block_types=tuple(up),
        only_cross_attention=(True, *only_cross[1:]),
        mid_block_only_cross_attention=mid_only_cross,
    )
    new_blocks = (attending.down_blocks[0], attending.up_blocks[-1])
    for block in new_blocks:
        for transformer in block.attentions:
            torch.nn.init.zeros_(transformer.proj_out.weight)
            torch.nn.init.zeros_(transformer.proj_out.bias)
    added = sum(p.numel() for block in new_blocks for p in block.attentions.parameters())
    logger.info("added prompt attention at full latent resolution (%d parameters)", added)
    return attending
