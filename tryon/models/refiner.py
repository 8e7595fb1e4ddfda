"""GAN refiner applied after decoding, and the PatchGAN discriminator that trains it.

The VAE decoder of a small latent model blurs fine texture; the refiner is a residual
image-to-image CNN (pix2pixHD-style residual blocks, Wang et al. 2018) that adds a correction to
the decoded image, conditioned on the agnostic mask and the agnostic image. Its last layer is
zero-initialised, so an untrained refiner is exactly the identity. It is trained with
L1 + hinge adversarial loss against :class:`PatchDiscriminator` (pix2pix's 70x70 PatchGAN,
Isola et al. 2017, with spectral normalisation, Miyato et al. 2018); the discriminator is only
used in training, never part of the pipeline.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from torch import nn


class _ResBlock(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.GroupNorm(min(8, channels), channels),
            nn.SiLU(),
            nn.Conv2d(channels, channels, 3, padding=1),
            nn.GroupNorm(min(8, channels), channels),
            nn.SiLU(),
            nn.Conv2d(channels, channels, 3, padding=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class Refiner(ModelMixin, ConfigMixin):
    """Residual refiner: ``out = image + f(image, mask, agnostic)``.

    Works at half resolution internally (a stride-2 convolution in, a pixel-shuffle out) for
    speed; image height and width must be even.

    Args:
        channels: width of the residual blocks.
        num_blocks: number of residual blocks.
        use_agnostic: whether the agnostic image is a third input (7 input channels, else 4).
    """

    @register_to_config
    def __init__(self, channels: int = 64, num_blocks: int = 4, use_agnostic: bool = True):
        super().__init__()
        in_ch = 3 + 1 + (3 if use_agnostic else 0)
        self.conv_in = nn.Conv2d(in_ch, channels, 4, stride=2, padding=1)
        self.blocks = nn.Sequential(*[_ResBlock(channels) for _ in range(num_blocks)])
        self.norm_out = nn.GroupNorm(min(8, channels), channels)
        self.conv_out = nn.Conv2d(channels, 3 * 4, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)
        nn.init.zeros_(self.conv_out.bias)

    def forward(
        self, image: torch.Tensor, mask: torch.Tensor, agnostic: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Refine ``image``.

        Args:
            image: ``(N, 3, H, W)`` decoded image in about ``[-1, 1]``; ``H, W`` even.
            mask: ``(N, 1, H, W)`` agnostic mask, 1 = generated region.
            agnostic: ``(N, 3, H, W)`` agnostic image in ``[-1, 1]`` (needed when the config's
                ``use_agnostic`` is true).

        Returns:
            ``(N, 3, H, W)`` refined image (not clamped).
        """
        if image.ndim != 4 or image.shape[1] != 3 or image.shape[-1] % 2 or image.shape[-2] % 2:
            raise ValueError(f"image must be (N, 3, H, W) with even H, W, got {tuple(image.shape)}")
        parts = [image, mask.to(image.dtype) * 2.0 - 1.0]
        if self.config.use_agnostic:
            if agnostic is None:
                raise ValueError("this refiner needs the agnostic image")
            parts.append(agnostic.to(image.dtype))
        dtype = self.conv_in.weight.dtype
        h = self.conv_in(torch.cat(parts, dim=1).to(dtype))
        h = self.blocks(h)
        residual = F.pixel_shuffle(self.conv_out(F.silu(self.norm_out(h))), 2)
        return image + residual.to(image.dtype)


class PatchDiscriminator(ModelMixin, ConfigMixin):
    """PatchGAN discriminator (training only): ``(N, in_channels, H, W) -> (N, 1, h, w)`` logits,
    one per overlapping patch (70x70 receptive field with the defaults).

    Args:
        in_channels: image channels plus conditioning channels (3 image + 1 mask by default).
        channels: width of the first layer (doubled per layer, capped at 8x).
        num_layers: number of stride-2 layers.
    """

    @register_to_config
    def __init__(self, in_channels: int = 4, channels: int = 64, num_layers: int = 3):
        super().__init__()
        sn = nn.utils.spectral_norm
        layers: list[nn.Module] = [
            sn(nn.Conv2d(in_channels, channels, 4, stride=2, padding=1)),
            nn.LeakyReLU(0.2),
        ]
        ch = channels
        for i in range(1, num_layers + 1):
            out_ch = channels * min(2**i, 8)
            stride = 2 if i < num_layers else 1
            layers += [sn(nn.Conv2d(ch, out_ch, 4, stride=stride, padding=1)), nn.LeakyReLU(0.2)]
            ch = out_ch
        layers.append(sn(nn.Conv2d(ch, 1, 4, padding=1)))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def hinge_d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Discriminator hinge loss (Lim & Ye 2017): ``E[relu(1 - D(real))] + E[relu(1 + D(fake))]``."""
    return F.relu(1.0 - real_logits).mean() + F.relu(1.0 + fake_logits).mean()


def hinge_g_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """Generator hinge loss: ``-E[D(fake)]``."""
    return -fake_logits.mean()
