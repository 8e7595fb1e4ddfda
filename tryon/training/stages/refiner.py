"""Stage 3: the refiner, a residual image-to-image network trained against a PatchGAN
discriminator (Isola et al. 2017) with the hinge loss (Lim & Ye 2017).

Its inputs are what it will see at inference: the frozen UNet's one-step prediction ``x0`` from
a lightly noised target (``t`` uniform in the first ``refiner_max_t`` of the schedule), decoded
by the frozen VAE — blurred, slightly off renders of the right garment. Loss:
``L1(refined, target) (x (1 + lambda_garment) inside the mask) + lambda_adv * hinge_G``; the
discriminator sees ``(image, mask)`` and trains on ``hinge_D``.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from diffusers import DDPMScheduler

from tryon.models.layout import layout_for
from tryon.models.pooled_text import unet_text_kwargs
from tryon.models.refiner import PatchDiscriminator, Refiner, hinge_d_loss, hinge_g_loss
from tryon.models.text_encoder import encode_text
from tryon.pipeline.conditioning import (
    agnostic_image,
    decode_latents,
)
from tryon.training.recipe import TrainRecipe
from tryon.training.stages.common import (
    freeze,
    frozen,
    image_grid,
    is_pipeline_folder,
    noised_batch,
    save_pipeline,
)

# Largest diffusion timestep whose one-step prediction the refiner learns to fix.
REFINER_MAX_T = 400


class RefinerStage:
    name = "refiner"

    def __init__(self, recipe: TrainRecipe, pipeline=None):
        from tryon.pipeline import TryOnPipeline

        self.recipe = recipe
        if pipeline is None:
            if not is_pipeline_folder(recipe.model.pretrained):
                raise FileNotFoundError(
                    "the refiner stage needs a trained pipeline: set [model] pretrained to a "
                    f"folder with model_index.json (got {recipe.model.pretrained!r})"
                )
            pipeline = TryOnPipeline.from_pretrained(recipe.model.pretrained)
        self.pipeline = pipeline
        self.vae, self.unet = freeze(pipeline.vae), freeze(pipeline.unet)
        self.text_encoder, self.tokenizer = freeze(pipeline.text_encoder), pipeline.tokenizer
        tiny = recipe.model.size == "tiny"
        self.refiner = (
            pipeline.refiner or (Refiner(channels=8, num_blocks=1) if tiny else Refiner())
        ).train()
        self.discriminator = PatchDiscriminator(channels=8 if tiny else 64).train()
        self.layout = layout_for(self.unet.config.in_channels, self.vae.config.latent_channels)
        self.noise_scheduler = DDPMScheduler.from_config(pipeline.scheduler.config)
        self.vae_scale = 2 ** (len(self.vae.config.block_out_channels) - 1)

    def modules(self) -> dict[str, torch.nn.Module]:
        return {"refiner": self.refiner, "discriminator": self.discriminator}

    def optimizers(self) -> dict[str, tuple[list[str], float]]:
        optim = self.recipe.optim
        return {
            "main": (["refiner"], optim.lr),
            "discriminator": (["discriminator"], optim.discriminator_lr),
        }

    def ema_modules(self) -> list[str]:
        return ["refiner"]

    def bind(self, modules, accelerator) -> None:
        self.accelerator = accelerator
        self.refiner, self.discriminator = modules["refiner"], modules["discriminator"]
        for module in (self.vae, self.unet, self.text_encoder):
            module.to(accelerator.device)

    @torch.no_grad()
    def _renders(self, batch: dict, generator: torch.Generator):
        """Decoded one-step predictions of the target: ``(render, target, mask, agnostic)``."""
        device = self.accelerator.device
        text = encode_text(self.text_encoder, self.tokenizer, list(batch["caption"]), device=device)
        target, mask, cond, z0, noise, t, noisy = noised_batch(
            self, batch, generator, REFINER_MAX_T
        )
        model_in = self.layout.build(noisy, cond.agnostic_latent, cond.latent_mask, cond.pose)
        eps = self.unet(
            model_in,
            t,
            **unet_text_kwargs(self.unet, [text]),
        ).sample
        alpha_bar = self.noise_scheduler.alphas_cumprod.to(device)[t].view(-1, 1, 1, 1)
        x0 = (noisy - (1 - alpha_bar).sqrt() * eps) / alpha_bar.sqrt()
        render = decode_latents(self.vae, x0).clamp(-1, 1)
        render = render * mask + target * (1 - mask)  # the pipeline composites the same way
        return render, target, mask, agnostic_image(batch["source"].to(device), mask)

    def losses(self, batch: dict, generator: torch.Generator) -> dict[str, torch.Tensor]:
        lw = self.recipe.loss
        render, target, mask, agnostic = self._renders(batch, generator)
        refined = self.refiner(render, mask, agnostic)
        weight = 1.0 + lw.lambda_garment * mask
        l1 = ((refined - target).abs() * weight).mean() / weight.mean()
        with frozen(self.discriminator):
            adv = hinge_g_loss(self.discriminator(torch.cat([refined, mask], 1)))
        real_logits = self.discriminator(torch.cat([target, mask], 1))
        fake_logits = self.discriminator(torch.cat([refined.detach(), mask], 1))
        d_loss = hinge_d_loss(real_logits, fake_logits)
        loss = l1 + lw.lambda_adv * adv
        baseline = F.l1_loss(render, target)
        return {
            "loss": loss,
            "discriminator_loss": d_loss,
            "l1": l1.detach(),
            "adv": adv.detach(),
            "l1_unrefined": baseline.detach(),
        }

    @torch.no_grad()
    def sample_grid(self, batch: dict, generator: torch.Generator):
        render, target, mask, agnostic = self._renders(batch, generator)
        refiner = self.accelerator.unwrap_model(self.refiner)
        refiner.eval()
        refined = refiner(render, mask, agnostic).clamp(-1, 1)
        refiner.train()
        return image_grid([target, render, refined])

    def export(self, directory: Path) -> None:
        pipe = self.pipeline
        pipe.register_modules(refiner=self.accelerator.unwrap_model(self.refiner).eval())
        save_pipeline(pipe, directory, self.recipe.export_dtype)
