"""Stage 1: the autoencoder (``AutoencoderKL``, Kingma & Welling 2014) on crops of world frames.

Loss: ``L1(x, D(mu)) + lambda_kl * KL(q(z|x) || N(0, I))``. The decoder reconstructs from the
posterior mean: with the tiny KL weight latent-diffusion autoencoders use (Rombach et al. 2022),
sampling mostly adds noise the decoder must first learn to ignore, which slowed our small
model's start several-fold on this CPU; the KL term still keeps the latents near unit scale,
and the pipeline encodes with the mean (``latent_dist.mode()``) anyway. The VAE is fully
convolutional, so it trains on small crops and runs on any size.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F

from tryon.models.configs import build_vae
from tryon.training.recipe import TrainRecipe
from tryon.training.stages.common import image_grid, load_vae


class VaeStage:
    name = "vae"

    def __init__(self, recipe: TrainRecipe):
        self.recipe = recipe
        model = recipe.model
        self.vae = load_vae(model.pretrained) if model.pretrained else build_vae(model.size)
        self.vae.train()

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
        posterior = vae.encode(images).latent_dist
        return vae.decode(posterior.mean).sample, posterior

    def losses(self, batch: dict, generator: torch.Generator) -> dict[str, torch.Tensor]:
        images = batch["image"].to(self.accelerator.device)
        recon, posterior = self._reconstruct(images, generator)
        l1 = F.l1_loss(recon, images)
        kl = posterior.kl().mean()
        loss = l1 + self.recipe.loss.lambda_kl * kl
        return {"loss": loss, "l1": l1.detach(), "kl": kl.detach()}

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
        vae.save_pretrained(str(Path(directory) / "vae"), safe_serialization=True)
