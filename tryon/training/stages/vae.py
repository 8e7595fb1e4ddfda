"""Stage 1: the autoencoder (``AutoencoderKL``, Kingma & Welling 2014) on crops of world frames.

Loss: ``L1(x, D(mu)) + lambda_chroma * L1(chroma(x), chroma(D(mu))) + lambda_kl * KL(q(z|x) || N(0, I))``.
The chroma term exists because plain L1 learned shape long before colour: after 1200 steps
our small VAE still decoded saturated garments as greys and browns (decoded chroma 21% of the
input's). A decoder-only fine-tune with the chroma term fixed a fixed batch but not varied
data: the encoder had not kept the colour, so the term belongs in training from the start.

The decoder reconstructs from the posterior mean: with the tiny KL weight latent-diffusion
autoencoders use (Rombach et al. 2022), sampling mostly adds noise the decoder must first learn
to ignore; the KL term still keeps the latents near unit scale, and the pipeline encodes with
the mean (``latent_dist.mode()``) anyway. The VAE is fully convolutional, so it trains on small
crops and runs on any size. ``model.decoder_only`` freezes the encoder (a trained UNet's
latents stay valid).

At export the config's ``scaling_factor`` is set to ``1 / std`` of the latents of the first
crops the run saw (Rombach et al. 2022 do the same): the diffusion noise schedule assumes
unit-variance data. Stable Diffusion's 0.18215, which our VAEs kept until then, left their
scaled latents with a standard deviation of 0.28 (README, Training); a pipeline trained that
way is rescaled by the unet stage's ``rescale_latents``.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F

from tryon.models.configs import build_vae
from tryon.training.recipe import TrainRecipe
from tryon.training.stages.common import EXPORT_DTYPES, image_grid, load_vae

#: Crops whose latents set the exported ``scaling_factor``.
SCALE_SAMPLES = 64


@torch.no_grad()
def _raw_latents(vae, images: torch.Tensor, chunk: int = 16) -> torch.Tensor:
    param = next(vae.parameters())
    latents = [
        vae.encode(images[i : i + chunk].to(param.device, param.dtype)).latent_dist.mode().float()
        for i in range(0, len(images), chunk)
    ]
    return torch.cat(latents)


def latent_scaling_factor(vae, images: torch.Tensor) -> float:
    """``1 / std`` of the posterior means of ``images`` (``(N, 3, H, W)`` in ``[-1, 1]``): the
    ``scaling_factor`` that gives the UNet unit-variance latents."""
    return float(1.0 / _raw_latents(vae, images).std())


def latent_channel_std(vae, images: torch.Tensor) -> list[float]:
    """The standard deviation of each latent channel of ``images``' posterior means (``C``
    floats): ``latents_std`` for per-channel unit variance."""
    return _raw_latents(vae, images).transpose(0, 1).flatten(1).std(dim=1).tolist()


def chroma(images: torch.Tensor) -> torch.Tensor:
    """Colour without brightness: each pixel of ``(N, 3, H, W)`` minus its mean over channels."""
    return images - images.mean(dim=1, keepdim=True)


class VaeStage:
    """The autoencoder stage; with ``model.decoder_only`` only the decoder trains (the encoder,
    hence every latent a UNet was trained on, stays fixed)."""

    name = "vae"

    def __init__(self, recipe: TrainRecipe):
        self.recipe = recipe
        model = recipe.model
        if model.decoder_only and not model.pretrained:
            raise ValueError(
                "model.decoder_only needs model.pretrained: a VAE to keep the encoder of"
            )
        self.vae = load_vae(model.pretrained) if model.pretrained else build_vae(model.size)
        self.vae.train()
        self.scale_images: list[torch.Tensor] = []  # the first SCALE_SAMPLES crops seen
        if model.decoder_only:
            for part in (self.vae.encoder, self.vae.quant_conv):
                if part is not None:
                    part.requires_grad_(False)

    def modules(self) -> dict[str, torch.nn.Module]:
        return {"vae": self.vae}

    def optimizers(self) -> dict[str, tuple[list[str], float]]:
        return {"main": (["vae"], self.recipe.optim.lr)}

    def ema_modules(self) -> list[str]:
        return ["vae"]

    def bind(self, modules, accelerator) -> None:
        self.accelerator = accelerator
        self.vae = modules["vae"]

    def _reconstruct(self, images: torch.Tensor, generator: torch.Generator):
        vae = self.accelerator.unwrap_model(self.vae)
        with torch.set_grad_enabled(not self.recipe.model.decoder_only):
            posterior = vae.encode(images).latent_dist
        return vae.decode(posterior.mean).sample, posterior

    def losses(self, batch: dict, generator: torch.Generator) -> dict[str, torch.Tensor]:
        images = batch["image"].to(self.accelerator.device)
        kept = sum(len(x) for x in self.scale_images)
        if kept < SCALE_SAMPLES:
            self.scale_images.append(batch["image"][: SCALE_SAMPLES - kept].clone())
        recon, posterior = self._reconstruct(images, generator)
        lw = self.recipe.loss
        l1 = F.l1_loss(recon, images)
        colour = F.l1_loss(chroma(recon), chroma(images))
        kl = posterior.kl().mean()
        loss = l1 + lw.lambda_chroma * colour + lw.lambda_kl * kl
        return {"loss": loss, "l1": l1.detach(), "chroma": colour.detach(), "kl": kl.detach()}

    @torch.no_grad()
    def sample_grid(self, batch: dict, generator: torch.Generator):
        vae = self.accelerator.unwrap_model(self.vae)
        vae.eval()
        images = batch["image"].to(self.accelerator.device)
        recon = vae.decode(vae.encode(images).latent_dist.mode()).sample
        vae.train()
        return image_grid([images, recon])

    def export(self, directory: Path) -> None:
        vae = self.accelerator.unwrap_model(self.vae)
        # A frozen encoder keeps its latents, and the UNet trained on them their scale.
        if self.scale_images and not self.recipe.model.decoder_only:
            was_training = vae.training
            vae.eval()
            factor = latent_scaling_factor(vae, torch.cat(self.scale_images))
            vae.train(was_training)
            # one factor for all channels: any per-channel scale the VAE had no longer holds
            vae.register_to_config(
                scaling_factor=round(factor, 5), latents_mean=None, latents_std=None
            )
        vae.to(EXPORT_DTYPES[self.recipe.export_dtype])
        try:
            vae.save_pretrained(str(Path(directory) / "vae"), safe_serialization=True)
        finally:
            vae.to(torch.float32)
