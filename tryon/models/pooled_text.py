"""Condition the UNet on the prompt's pooled embedding as well as its tokens.

Cross-attention alone reaches only the UNet's lower-resolution blocks (the ``small`` UNet has no
attention at full latent resolution), so a global attribute such as the garment's colour has to
travel there and back. The pooled prompt embedding ``(N, D)`` projected into the timestep
embedding (diffusers' ``class_embed_type="projection"``, the route SDXL uses for its pooled text
embedding) modulates every ResNet block, at every resolution, from the first step.

A UNet trained without it gains it through :func:`add_pooled_text`: the projection's last layer
starts at zero, so the new UNet computes exactly what the old one did until training moves it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import torch
from diffusers import UNet2DConditionModel

from tryon.models.text_encoder import TextEmbeddings
from tryon.models.unet_rebuild import rebuild_unet

logger = logging.getLogger(__name__)

POOLED_EMBED_TYPE = "projection"


def uses_pooled_text(unet: UNet2DConditionModel) -> bool:
    """Whether ``unet`` takes the pooled prompt embedding (as diffusers' ``class_labels``)."""
    return getattr(unet.config, "class_embed_type", None) == POOLED_EMBED_TYPE


def unet_text_kwargs(
    unet: UNet2DConditionModel,
    texts: Sequence[TextEmbeddings],
    device: torch.device | str | None = None,
    dtype: torch.dtype | None = None,
) -> dict[str, torch.Tensor | None]:
    """Keyword arguments of ``unet(...)`` for a batch made of ``texts`` stacked in order (e.g.
    ``[uncond, cond]`` for classifier-free guidance): the token embeddings ``(N, L, D)``; their
    ``(N, L)`` cross-attention mask (``None`` when no part has one, all-ones for a part without
    one when another has one); and the pooled embeddings ``(N, D)`` when the UNet takes them.
    Tokens and pooled go to ``device`` and ``dtype`` (default: as they are).

    Raises:
        ValueError: the UNet takes the pooled embedding and a part of ``texts`` has none.
    """
    tokens = torch.cat([t.tokens.to(device=device, dtype=dtype) for t in texts])
    mask = None
    if any(t.attention_mask is not None for t in texts):
        mask = torch.cat(
            [
                (
                    t.attention_mask
                    if t.attention_mask is not None
                    else torch.ones(t.tokens.shape[:2], dtype=torch.long)
                ).to(tokens.device)
                for t in texts
            ]
        )
    kwargs: dict[str, torch.Tensor | None] = {
        "encoder_hidden_states": tokens,
        "encoder_attention_mask": mask,
    }
    if uses_pooled_text(unet):
        if any(t.pooled is None for t in texts):
            raise ValueError(
                "this UNet is conditioned on the pooled prompt embedding, but none was given: "
                "pass TextEmbeddings with pooled set (encode_prompt returns them)"
            )
        pooled = torch.cat([t.pooled for t in texts])
        kwargs["class_labels"] = pooled.to(device=tokens.device, dtype=tokens.dtype)
    return kwargs


def add_pooled_text(unet: UNet2DConditionModel) -> UNet2DConditionModel:
    """A new UNet with a pooled-text projection into the timestep embedding and every other
    weight of ``unet`` (loaded strictly). The projection's output layer is zero, so the result
    equals ``unet``'s for any prompt until it is trained. Same dtype and device as ``unet``.

    Raises:
        ValueError: ``unet`` already has a class embedding.
    """
    if unet.config.class_embed_type is not None or unet.config.num_class_embeds is not None:
        raise ValueError(
            f"unet already has a class embedding ({unet.config.class_embed_type!r}); "
            "add_pooled_text adds one to a UNet without"
        )
    wider = rebuild_unet(
        unet,
        ["class_embedding"],
        class_embed_type=POOLED_EMBED_TYPE,
        projection_class_embeddings_input_dim=unet.config.cross_attention_dim,
    )
    torch.nn.init.zeros_(wider.class_embedding.linear_2.weight)
    torch.nn.init.zeros_(wider.class_embedding.linear_2.bias)
    logger.info("added a pooled-text projection to the UNet's timestep embedding")
    return wider
