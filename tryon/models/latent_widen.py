"""Give a trained pipeline more latent channels without changing what it renders.

`tryon eval --baseline autoencoder` showed a 4-channel x8 VAE caps colour and pattern accuracy
(it blurs a check's two colours into a third; README, Training): the fix is a larger latent.
Training a VAE and a UNet from scratch for it costs a GPU; widening the trained ones keeps
everything they learnt and adds channels that start out ignored:

* VAE: the encoder's new latent channels (mean and log-variance) start from a fresh random
  initialisation, so they carry signal from the first step; the decoder's weights on them
  start at zero, so the decoded image is exactly the old one until training uses them.
* UNet: its input weights on the new noisy- and agnostic-latent channels start at zero, so
  its features, and its prediction for the old channels, are exactly the old ones; its output
  rows for the new channels start from a fresh random initialisation (a small random readout
  of those features, which the widened VAE's decoder ignores until it is trained).

The new channels are the last ones; the old ``c`` channels keep their indices. Zero on one side
and random on the other is the usual function-preserving growth (Net2Net, Chen et al. 2016;
the zero-initialised input of ControlNet): both sides zero would be a saddle with no gradient.
Measured: a UNet widened with zero output rows too sat at its starting denoising loss (0.53 →
0.52 in 300 CPU steps), as that saddle predicts.
"""

from __future__ import annotations

import logging

import torch
from diffusers import AutoencoderKL, UNet2DConditionModel

from tryon.models.layout import AGNOSTIC, NOISY, layout_for, layout_named

logger = logging.getLogger(__name__)


def _check_growth(old: int, new: int) -> None:
    if new <= old:
        raise ValueError(f"latent_channels must grow: the model has {old}, asked for {new}")


def _identity_1x1(channels: int) -> torch.Tensor:
    return torch.eye(channels).reshape(channels, channels, 1, 1)


@torch.no_grad()
def widen_vae_latents(vae: AutoencoderKL, latent_channels: int) -> AutoencoderKL:
    """A copy of ``vae`` with ``latent_channels`` latent channels that decodes exactly as
    ``vae`` did, whatever the new channels hold.

    Args:
        vae: an ``AutoencoderKL`` with ``c < latent_channels`` latent channels.
        latent_channels: the new width ``C``.

    Returns:
        An ``AutoencoderKL`` (float32, on ``vae``'s device, train/eval mode of a fresh model)
        whose encoder gives the old ``(N, c, h, w)`` posterior in channels ``[:c]`` and freshly
        initialised ones in ``[c:C]``, and whose decoder ignores channels ``[c:C]``. Its
        ``scaling_factor`` is ``vae``'s (the VAE stage re-measures it at export).

    Raises:
        ValueError: ``latent_channels`` is not larger than ``vae``'s.
    """
    old_c = vae.config.latent_channels
    _check_growth(old_c, latent_channels)
    config = dict(vae.config)
    config["latent_channels"] = latent_channels
    device = next(vae.parameters()).device
    wide = AutoencoderKL.from_config(config)  # fresh weights for what is new
    state = {k: v.float().to("cpu") for k, v in vae.state_dict().items()}
    new = wide.state_dict()
    mean_old, logvar_old = slice(0, old_c), slice(old_c, 2 * old_c)
    mean_new, logvar_new = slice(0, old_c), slice(latent_channels, latent_channels + old_c)

    # Encoder output: (mean, log-variance) stacked along channels; old rows to their new place.
    for name in ("encoder.conv_out.weight", "encoder.conv_out.bias"):
        new[name][mean_new] = state[name][mean_old]
        new[name][logvar_new] = state[name][logvar_old]
    grown = ("encoder.conv_out.", "quant_conv.", "post_quant_conv.", "decoder.conv_in.weight")
    for key in new:
        if not key.startswith(grown):
            new[key] = state[key]  # unchanged shapes: copied
    if wide.quant_conv is not None:
        # 1x1 mixing of (mean, log-variance): the old block as it was, the new channels passed
        # through unchanged, no mixing between old and new.
        weight = _identity_1x1(2 * latent_channels)
        bias = torch.zeros(2 * latent_channels)
        old_rows = torch.cat([torch.arange(old_c), torch.arange(old_c) + latent_channels])
        weight[old_rows.unsqueeze(1), old_rows.unsqueeze(0)] = state["quant_conv.weight"]
        bias[old_rows] = state["quant_conv.bias"]
        new["quant_conv.weight"], new["quant_conv.bias"] = weight, bias
    if wide.post_quant_conv is not None:
        weight = _identity_1x1(latent_channels)
        weight[:old_c, :old_c] = state["post_quant_conv.weight"]
        bias = torch.zeros(latent_channels)
        bias[:old_c] = state["post_quant_conv.bias"]
        new["post_quant_conv.weight"], new["post_quant_conv.bias"] = weight, bias
    # The decoder reads the new channels with zero weights: its output is the old one.
    conv_in = torch.zeros_like(new["decoder.conv_in.weight"])
    conv_in[:, :old_c] = state["decoder.conv_in.weight"]
    new["decoder.conv_in.weight"] = conv_in
    wide.load_state_dict(new, strict=True)
    logger.info("widened VAE latents from %d to %d channels", old_c, latent_channels)
    return wide.to(device)


@torch.no_grad()
def widen_unet_latents(
    unet: UNet2DConditionModel, latent_channels: int, old_latent_channels: int | None = None
) -> UNet2DConditionModel:
    """A copy of ``unet`` for ``latent_channels``-channel latents that predicts exactly what
    ``unet`` did for the old channels, and a random readout of the same features for the new.

    Args:
        unet: a UNet in one of :mod:`tryon.models.layout`'s layouts, for ``c`` latent channels
            (``old_latent_channels``, default its ``out_channels``).
        latent_channels: the new width ``C > c``.

    Returns:
        A ``UNet2DConditionModel`` (same dtype and device) whose input is the same layout for
        ``C`` channels: weights on the new noisy and agnostic channels are zero, every other
        input weight is copied to its part's new place; the output's rows ``[c:C]`` are freshly
        initialised (``torch.nn.Conv2d``'s default), rows ``[:c]`` copied.

    Raises:
        ValueError: ``latent_channels`` is not larger than ``c``, or the UNet's input matches no
            layout for ``c`` channels.
    """
    old_c = old_latent_channels or unet.config.out_channels
    _check_growth(old_c, latent_channels)
    source = layout_for(unet.config.in_channels, old_c)
    target = layout_named(source.name, latent_channels)
    state = unet.state_dict()
    old_in = state["conv_in.weight"]
    conv_in = old_in.new_zeros((old_in.shape[0], target.in_channels, *old_in.shape[2:]))
    for part, channels in source.parts:
        dst, src = target.slice(part), source.slice(part)
        if part in (NOISY, AGNOSTIC):
            dst = slice(dst.start, dst.start + channels)  # the old channels keep their indices
        conv_in[:, dst] = old_in[:, src]
    state["conv_in.weight"] = conv_in
    config = dict(unet.config)
    config["in_channels"] = target.in_channels
    config["out_channels"] = latent_channels
    wide = UNet2DConditionModel.from_config(config)  # fresh weights for what is new
    for name in ("conv_out.weight", "conv_out.bias"):
        grown = wide.state_dict()[name].to(state[name])
        grown[:old_c] = state[name]
        state[name] = grown
    wide.load_state_dict(state, strict=True)
    wide.to(device=old_in.device, dtype=old_in.dtype)
    logger.info("widened UNet latents from %d to %d channels", old_c, latent_channels)
    return wide


def widen_pipeline_latents(pipe, latent_channels: int, seed: int = 0):
    """Widen ``pipe``'s VAE and UNet in place to ``latent_channels`` (see the module doc): it
    renders what it rendered before for one image, whose first ``c`` noise channels are the
    old noise. ``seed`` fixes the new weights' random initialisation (the global RNG is left
    as it was). Returns ``pipe``."""
    old_c = pipe.vae.config.latent_channels
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        vae = widen_vae_latents(pipe.vae, latent_channels).to(dtype=pipe.vae.dtype)
        unet = widen_unet_latents(pipe.unet, latent_channels, old_c)
    pipe.register_modules(vae=vae, unet=unet)
    return pipe
