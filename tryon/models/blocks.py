"""Small building blocks shared by our own (non-diffusers) networks."""

from __future__ import annotations

from torch import nn


def strided_conv_encoder(in_channels: int, channels: tuple[int, ...]) -> nn.Sequential:
    """A plain CNN image encoder: per stage a stride-2 3x3 convolution then a 3x3 convolution,
    each followed by GroupNorm (at most 8 groups) and SiLU.

    ``(N, in_channels, H, W) -> (N, channels[-1], H / 2**len(channels), W / 2**len(channels))``.
    The layers sit flat in one ``nn.Sequential`` (six per stage), which fixes the state-dict
    keys of the models that use it (the matcher, the evaluation classifiers).
    """
    layers: list[nn.Module] = []
    in_ch = in_channels
    for out_ch in channels:
        layers += [
            nn.Conv2d(in_ch, out_ch, 3, stride=2, padding=1),
            nn.GroupNorm(min(8, out_ch), out_ch),
            nn.SiLU(),
            nn.Conv2d(out_ch, out_ch, 3, padding=1),
            nn.GroupNorm(min(8, out_ch), out_ch),
            nn.SiLU(),
        ]
        in_ch = out_ch
    return nn.Sequential(*layers)
