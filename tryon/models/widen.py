"""Widen a Stable-Diffusion inpainting UNet (9 input channels) to our input layout.

A user with SD-inpainting weights can fine-tune from them instead of training from scratch:
the first convolution's weights for the noisy latent, the mask and the masked-image latent are
copied onto our corresponding input channels (see :mod:`tryon.models.layout`), and the weights
of the channels SD does not have (the pose map) are zero, so the widened UNet computes exactly
what the original did, whatever the pose input, until fine-tuning moves those weights. This is
the zero-initialised input extension used by SD-inpainting itself (Rombach et al. 2022) and by
ControlNet-style conditioning.
"""

from __future__ import annotations

import logging

import torch
from diffusers import UNet2DConditionModel

from tryon.models.layout import UNetInputLayout, sd_inpaint_layout, tryon_layout

logger = logging.getLogger(__name__)


def widen_unet(
    unet: UNet2DConditionModel,
    target: UNetInputLayout | None = None,
    source: UNetInputLayout | None = None,
) -> UNet2DConditionModel:
    """A new UNet with ``target``'s input channels and every other weight of ``unet``.

    Args:
        unet: the source UNet; its ``in_channels`` must equal ``source.in_channels``.
        target: layout to widen to (default: :func:`tryon_layout` for the UNet's latent width).
        source: layout of ``unet`` (default: :func:`sd_inpaint_layout`).

    Returns:
        A ``UNet2DConditionModel`` (same dtype and device as ``unet``) whose ``conv_in`` maps each
        part of ``source`` onto the same-named part of ``target`` and has zero weights on the
        parts ``source`` lacks. All other parameters are copies, loaded strictly.

    Raises:
        ValueError: ``unet`` does not have ``source``'s channel count, or a part of ``source`` is
            missing from ``target`` or has a different width there.
    """
    latent_channels = unet.config.out_channels
    source = source or sd_inpaint_layout(latent_channels)
    target = target or tryon_layout(latent_channels)
    if unet.config.in_channels != source.in_channels:
        raise ValueError(
            f"unet has in_channels={unet.config.in_channels}, but the source layout "
            f"{source.name!r} has {source.in_channels}"
        )
    state = unet.state_dict()
    old_weight = state["conv_in.weight"]
    new_weight = torch.zeros(
        (old_weight.shape[0], target.in_channels, *old_weight.shape[2:]),
        dtype=old_weight.dtype,
        device=old_weight.device,
    )
    for part, channels in source.parts:
        try:
            dst = target.slice(part)
        except KeyError as err:
            raise ValueError(f"target layout {target.name!r} has no {part!r} channels") from err
        if dst.stop - dst.start != channels:
            raise ValueError(f"part {part!r} has {channels} channels in the source, not in target")
        new_weight[:, dst] = old_weight[:, source.slice(part)]
    state["conv_in.weight"] = new_weight

    config = dict(unet.config)
    config["in_channels"] = target.in_channels
    widened = UNet2DConditionModel.from_config(config)
    widened.load_state_dict(state, strict=True)
    widened.to(device=old_weight.device, dtype=old_weight.dtype)
    logger.info(
        "widened UNet input from %d (%s) to %d (%s) channels",
        source.in_channels,
        source.name,
        target.in_channels,
        target.name,
    )
    return widened
