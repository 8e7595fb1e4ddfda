"""Text–garment matcher: how well the garment region of an image matches a description.

A small CNN encodes the garment region (the image multiplied by the garment mask, plus the mask
itself as a fourth channel, resized to ``image_size``) into a shared embedding space; a linear
projection maps the pooled sentence embedding of the text encoder into the same space. Both are
L2-normalised, and a learned temperature scales their cosine similarity, as in CLIP (Radford et
al. 2021): trained with the symmetric InfoNCE loss (van den Oord et al. 2018) over a batch of
(image, caption) pairs. At inference it ranks candidates (best-of-N) and measures text fidelity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from diffusers.utils.accelerate_utils import apply_forward_hook
from torch import nn

from tryon.models.blocks import strided_conv_encoder


@dataclass
class MatcherOutput:
    """``image_embeds`` ``(N, E)`` and ``text_embeds`` ``(M, E)``, both unit-norm; ``logit_scale``
    is the (clamped) multiplier of cosine similarities, a scalar tensor."""

    image_embeds: torch.Tensor
    text_embeds: torch.Tensor
    logit_scale: torch.Tensor


def symmetric_info_nce(
    image_embeds: torch.Tensor, text_embeds: torch.Tensor, logit_scale: torch.Tensor
) -> torch.Tensor:
    """CLIP's symmetric InfoNCE loss over a batch of matching pairs.

    Args:
        image_embeds, text_embeds: ``(N, E)`` unit-norm embeddings; row ``i`` of each is a pair.
        logit_scale: scalar multiplier of the cosine similarities (``exp`` of the temperature
            parameter, already clamped).

    Returns:
        Scalar: mean of the image->text and text->image cross-entropies.
    """
    if image_embeds.shape != text_embeds.shape:
        raise ValueError(
            f"image and text embeddings must have the same shape, got "
            f"{tuple(image_embeds.shape)} and {tuple(text_embeds.shape)}"
        )
    logits = logit_scale * image_embeds @ text_embeds.t()
    labels = torch.arange(logits.shape[0], device=logits.device)
    return 0.5 * (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels))


class GarmentTextMatcher(ModelMixin, ConfigMixin):
    """Image encoder over the garment region + text projection into a shared space.

    Args:
        text_dim: width of the pooled text embedding (384 for MiniLM).
        embed_dim: width of the shared space.
        image_size: side of the square the masked garment image is resized to.
        channels: output channels of the stride-2 convolution stages.
        init_temperature: initial softmax temperature (CLIP: 0.07).
        max_logit_scale: upper clamp of ``exp(logit_scale)`` (CLIP: 100).
    """

    @register_to_config
    def __init__(
        self,
        text_dim: int = 384,
        embed_dim: int = 256,
        image_size: int = 128,
        channels: tuple[int, ...] = (32, 64, 128, 256),
        init_temperature: float = 0.07,
        max_logit_scale: float = 100.0,
    ):
        super().__init__()
        self.image_encoder = strided_conv_encoder(4, tuple(channels))
        in_ch = channels[-1]
        self.image_proj = nn.Linear(in_ch, embed_dim)
        self.text_proj = nn.Sequential(
            nn.Linear(text_dim, embed_dim), nn.SiLU(), nn.Linear(embed_dim, embed_dim)
        )
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1.0 / init_temperature)))

    def _check_images(self, images: torch.Tensor, masks: torch.Tensor) -> None:
        if images.ndim != 4 or images.shape[1] != 3:
            raise ValueError(f"images must have shape (N, 3, H, W), got {tuple(images.shape)}")
        if masks.ndim != 4 or masks.shape[1] != 1 or masks.shape[0] != images.shape[0]:
            raise ValueError(
                f"masks must have shape ({images.shape[0]}, 1, H, W), got {tuple(masks.shape)}"
            )

    # The pipeline calls these methods, not forward: apply_forward_hook lets model CPU offload
    # move the matcher to the GPU for them too (without it the H100 test failed, 2026-11-25).
    @apply_forward_hook
    def encode_image(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        """Unit-norm embeddings ``(N, E)`` of the garment region.

        Args:
            images: ``(N, 3, H, W)`` in ``[-1, 1]``.
            masks: ``(N, 1, H', W')`` in ``[0, 1]``, 1 on the garment region (resized to
                ``H, W`` bilinearly if needed).
        """
        self._check_images(images, masks)
        dtype = self.image_proj.weight.dtype
        images, masks = images.float(), masks.float()
        if masks.shape[-2:] != images.shape[-2:]:
            masks = F.interpolate(
                masks, size=images.shape[-2:], mode="bilinear", align_corners=False
            )
        x = torch.cat([images * masks, masks * 2.0 - 1.0], dim=1).float()
        size = self.config.image_size
        if x.shape[-2:] != (size, size):
            x = F.interpolate(
                x, size=(size, size), mode="bilinear", align_corners=False, antialias=True
            )
        x = x.to(dtype)
        features = self.image_encoder(x).mean(dim=(2, 3))
        return F.normalize(self.image_proj(features), dim=-1)

    @apply_forward_hook
    def encode_text(self, text_embeds: torch.Tensor) -> torch.Tensor:
        """Unit-norm embeddings ``(M, E)`` of pooled sentence embeddings ``(M, text_dim)``."""
        if text_embeds.ndim != 2 or text_embeds.shape[1] != self.config.text_dim:
            raise ValueError(
                f"text_embeds must have shape (M, {self.config.text_dim}), got "
                f"{tuple(text_embeds.shape)}"
            )
        return F.normalize(self.text_proj(text_embeds.to(self.image_proj.weight.dtype)), dim=-1)

    def scale(self) -> torch.Tensor:
        """``exp(logit_scale)`` clamped to ``[1, max_logit_scale]``."""
        return self.logit_scale.exp().clamp(1.0, self.config.max_logit_scale)

    def forward(
        self, images: torch.Tensor, masks: torch.Tensor, text_embeds: torch.Tensor
    ) -> MatcherOutput:
        return MatcherOutput(
            self.encode_image(images, masks), self.encode_text(text_embeds), self.scale()
        )

    @apply_forward_hook
    def score(
        self,
        images: torch.Tensor,
        masks: torch.Tensor,
        text_embeds: torch.Tensor,
        pairwise: bool = False,
    ) -> torch.Tensor:
        """Cosine similarities in ``[-1, 1]`` between garment regions and texts.

        Args:
            images, masks: as in :meth:`encode_image`, ``N`` of them.
            text_embeds: ``(M, text_dim)`` pooled text embeddings.
            pairwise: ``False``: ``M`` must be ``N`` (row ``i`` with row ``i``) or 1 (one text
                against every image); returns ``(N,)``. ``True``: returns the ``(N, M)`` matrix.
        """
        image = self.encode_image(images, masks)
        text = self.encode_text(text_embeds)
        if pairwise:
            return image @ text.t()
        if text.shape[0] not in (1, image.shape[0]):
            raise ValueError(
                f"text_embeds must have 1 or {image.shape[0]} rows unless pairwise=True, got "
                f"{text.shape[0]}"
            )
        return (image * text).sum(dim=-1)

    def contrastive_loss(
        self, images: torch.Tensor, masks: torch.Tensor, text_embeds: torch.Tensor
    ) -> torch.Tensor:
        """Symmetric InfoNCE (:func:`symmetric_info_nce`) over ``N`` matching pairs."""
        out = self(images, masks, text_embeds)
        return symmetric_info_nce(out.image_embeds, out.text_embeds, out.logit_scale)
