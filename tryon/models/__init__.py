"""The try-on model components: text encoder, UNet/VAE configs, matcher, refiner, widening
(input layouts and latent channels)."""

from tryon.models.configs import build_unet, build_vae, unet_config, vae_config
from tryon.models.latent_widen import widen_pipeline_latents, widen_unet_latents, widen_vae_latents
from tryon.models.layout import (
    UNetInputLayout,
    layout_for,
    layout_named,
    sd_inpaint_layout,
    tryon_layout,
)
from tryon.models.matcher import GarmentTextMatcher, symmetric_info_nce
from tryon.models.refiner import PatchDiscriminator, Refiner, hinge_d_loss, hinge_g_loss
from tryon.models.text_encoder import (
    PackagedBertModel,
    TextEmbeddings,
    TextEncoderError,
    encode_text,
    load_minilm,
)
from tryon.models.widen import widen_unet

__all__ = [
    "GarmentTextMatcher",
    "PackagedBertModel",
    "PatchDiscriminator",
    "Refiner",
    "TextEmbeddings",
    "TextEncoderError",
    "UNetInputLayout",
    "build_unet",
    "build_vae",
    "encode_text",
    "hinge_d_loss",
    "hinge_g_loss",
    "layout_for",
    "layout_named",
    "load_minilm",
    "sd_inpaint_layout",
    "symmetric_info_nce",
    "tryon_layout",
    "unet_config",
    "vae_config",
    "widen_pipeline_latents",
    "widen_unet",
    "widen_unet_latents",
    "widen_vae_latents",
]
