"""Stage 2: the UNet and the matcher, trained jointly.

``L = L_denoise + lambda_match * L_match + lambda_rec * L_rec`` (DESIGN.md), where

* ``L_denoise``: epsilon-prediction MSE (Ho et al. 2020), each latent cell weighted
  ``1 + lambda_garment`` inside the agnostic mask and 1 outside, so the few cells that matter
  are not drowned by the background the conditioning already gives;
* ``L_match``: InfoNCE (CLIP; van den Oord et al. 2018) between the caption and the garment
  region — symmetric over the real targets (trains the matcher), plus image-to-text for the
  UNet's one-step predictions ``x0`` of the ``match_generated`` least-noisy items, decoded by the
  frozen VAE (trains the UNet to be text-faithful; the matcher is frozen for that term so it
  cannot learn to accept bad renders), weighted by ``alpha_bar_t`` since a prediction from heavy
  noise says little;
* ``L_rec``: L1 between predicted and true ``x0`` latents inside the mask, weighted by
  ``alpha_bar_t``.

The caption is replaced by the empty prompt with probability ``prompt_dropout`` (classifier-free
guidance, Ho & Salimans 2022); the pipeline's unconditional branch uses the same empty prompt.
The VAE and text encoder are frozen.
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch
import torch.nn.functional as F
from diffusers import DDPMScheduler

from tryon.models.full_res_attention import add_full_res_attention, has_full_res_attention
from tryon.models.layout import layout_for
from tryon.models.matcher import symmetric_info_nce
from tryon.models.pooled_text import add_pooled_text, unet_text_kwargs, uses_pooled_text
from tryon.models.text_encoder import encode_text
from tryon.pipeline.conditioning import decode_latents, unscale_latents
from tryon.pipeline.schedulers import default_scheduler_config
from tryon.training.recipe import TrainRecipe
from tryon.training.stages.common import (
    freeze,
    frozen,
    image_grid,
    is_pipeline_folder,
    load_vae,
    noised_batch,
    save_pipeline,
)
from tryon.training.stages.vae import SCALE_SAMPLES, latent_channel_std, latent_scaling_factor

logger = logging.getLogger(__name__)


class UnetStage:
    name = "unet"

    def __init__(self, recipe: TrainRecipe, pipeline=None):
        """Start from ``pipeline`` if given, else from ``recipe.model.pretrained``: a full
        pipeline folder (continue training it) or a VAE-stage export (fresh UNet and matcher)."""
        from tryon.pipeline import TryOnPipeline
        from tryon.pipeline.factory import build_pipeline

        self.recipe = recipe
        resolution = recipe.data.resolution
        if pipeline is None:
            pretrained = recipe.model.pretrained
            if is_pipeline_folder(pretrained):
                pipeline = TryOnPipeline.from_pretrained(pretrained)
            else:
                pipeline = build_pipeline(recipe.model.size, resolution=resolution, refiner=False)
                if pretrained:
                    pipeline.vae = load_vae(pretrained)
        if pipeline.matcher is None:
            raise ValueError("the unet stage trains the matcher too: the pipeline has none")
        if recipe.model.add_pooled_text and not uses_pooled_text(pipeline.unet):
            pipeline.register_modules(unet=add_pooled_text(pipeline.unet))
        if recipe.model.add_full_res_attention and not has_full_res_attention(pipeline.unet):
            pipeline.register_modules(unet=add_full_res_attention(pipeline.unet))
        if recipe.model.rescale_latents:
            rescale_latents(pipeline.vae, recipe)
        self.pipeline = pipeline
        self.vae = freeze(pipeline.vae)
        self.text_encoder = freeze(pipeline.text_encoder)
        self.tokenizer = pipeline.tokenizer
        self.unet = pipeline.unet.train()
        self.matcher = pipeline.matcher.train()
        self.layout = layout_for(self.unet.config.in_channels, self.vae.config.latent_channels)
        self.noise_scheduler = DDPMScheduler.from_config(
            pipeline.scheduler.config
            if pipeline.scheduler is not None
            else default_scheduler_config()
        )
        self.vae_scale = 2 ** (len(self.vae.config.block_out_channels) - 1)

    def modules(self) -> dict[str, torch.nn.Module]:
        return {"unet": self.unet, "matcher": self.matcher}

    def optimizers(self) -> dict[str, tuple[list[str], float]]:
        return {"main": (["unet", "matcher"], self.recipe.optim.lr)}

    def ema_modules(self) -> list[str]:
        return ["unet", "matcher"]

    def bind(self, modules, accelerator) -> None:
        self.accelerator = accelerator
        self.unet, self.matcher = modules["unet"], modules["matcher"]
        device = accelerator.device
        self.vae.to(device)
        self.text_encoder.to(device)

    def _captions(self, batch: dict, generator: torch.Generator) -> list[str]:
        drop = (
            torch.rand(len(batch["caption"]), generator=generator) < self.recipe.loss.prompt_dropout
        )
        return ["" if d else c for c, d in zip(batch["caption"], drop.tolist(), strict=True)]

    def _inputs(self, batch: dict, generator: torch.Generator):
        return noised_batch(self, batch, generator)

    def losses(self, batch: dict, generator: torch.Generator) -> dict[str, torch.Tensor]:
        lw = self.recipe.loss
        captions = self._captions(batch, generator)
        text = encode_text(
            self.text_encoder, self.tokenizer, captions, device=self.accelerator.device
        )
        target, mask, cond, z0, noise, t, noisy = self._inputs(batch, generator)
        model_in = self.layout.build(noisy, cond.agnostic_latent, cond.latent_mask, cond.pose)
        unet = self.accelerator.unwrap_model(self.unet)  # its config; the call stays wrapped
        pred = self.unet(model_in, t, **unet_text_kwargs(unet, [text])).sample
        weight = 1.0 + lw.lambda_garment * cond.latent_mask
        denoise = ((pred.float() - noise.float()) ** 2 * weight).mean() / weight.mean()

        alpha_bar = self.noise_scheduler.alphas_cumprod.to(pred.device)[t].view(-1, 1, 1, 1)
        x0 = (noisy - (1 - alpha_bar).sqrt() * pred) / alpha_bar.sqrt()
        x0 = x0.clamp(-4.0, 4.0)  # keep the decoder in range for very noisy steps
        inside = cond.latent_mask
        rec = ((x0 - z0).abs() * inside * alpha_bar).sum() / (inside.sum() * z0.shape[1]).clamp(
            min=1
        )

        loss = denoise + lw.lambda_rec * rec
        out = {"denoise": denoise.detach(), "rec": rec.detach()}
        if lw.lambda_match > 0:
            kept = torch.tensor([bool(c) for c in captions], device=pred.device)
            garment = batch["garment_mask"].to(pred.device)
            match_real = self._info_nce(target, garment, text.pooled, kept)
            match_gen = self._generated_match(x0, garment, text.pooled, kept, t, alpha_bar.view(-1))
            loss = loss + lw.lambda_match * (match_real + match_gen)
            out.update(match_real=match_real.detach(), match_gen=match_gen.detach())
        out["loss"] = loss
        return out

    def _info_nce(self, images, masks, pooled, kept) -> torch.Tensor:
        """Symmetric InfoNCE over the items whose caption was kept (a dropped caption has no
        match); zero when fewer than two are left."""
        if int(kept.sum()) < 2:
            return images.new_zeros(())
        out = self.matcher(images[kept], masks[kept], pooled[kept])
        return symmetric_info_nce(out.image_embeds, out.text_embeds, out.logit_scale)

    def _generated_match(self, x0, masks, pooled, kept, t, alpha_bar) -> torch.Tensor:
        """Image-to-text InfoNCE of the UNet's decoded one-step predictions against every kept
        caption of the batch, for the ``match_generated`` least-noisy kept items (decoding with
        gradients is the costly part), weighted by their mean ``alpha_bar_t``. The matcher is
        frozen here: it must judge the renders, not learn to accept them."""
        count = self.recipe.loss.match_generated
        kept_idx = torch.nonzero(kept).view(-1)
        if count <= 0 or len(kept_idx) < 2:
            return x0.new_zeros(())
        chosen = kept_idx[torch.argsort(t[kept_idx])[:count]]
        matcher = self.accelerator.unwrap_model(self.matcher)  # methods beyond forward()
        with frozen(matcher):
            decoded = self._decode_with_grad(x0[chosen])
            images = matcher.encode_image(decoded, masks[chosen])
            texts = matcher.encode_text(pooled[kept_idx])
            logits = matcher.scale() * images @ texts.t()
        labels = torch.searchsorted(kept_idx, chosen)
        return F.cross_entropy(logits.float(), labels) * alpha_bar[chosen].mean()

    def _decode_with_grad(self, latents: torch.Tensor) -> torch.Tensor:
        return self.vae.decode(unscale_latents(self.vae, latents)).sample

    @torch.no_grad()
    def sample_grid(self, batch: dict, generator: torch.Generator):
        """Rows: agnostic source, target, a 20-step DDIM sample from the current weights."""
        from tryon.pipeline.conditioning import agnostic_image
        from tryon.pipeline.schedulers import make_scheduler

        unet = self.accelerator.unwrap_model(self.unet)
        unet.eval()
        device = self.accelerator.device
        n = min(4, len(batch["caption"]))
        sub = {k: v[:n] for k, v in batch.items()}
        text = encode_text(self.text_encoder, self.tokenizer, list(sub["caption"]), device=device)
        empty = encode_text(self.text_encoder, self.tokenizer, [""] * n, device=device)
        target, mask, cond, z0, _, _, _ = self._inputs(sub, generator)
        scheduler = make_scheduler("ddim", self.noise_scheduler.config)
        scheduler.set_timesteps(20)
        latents = torch.randn(z0.shape, generator=generator).to(z0)
        guidance = 3.0
        text_kwargs = unet_text_kwargs(unet, [empty, text])
        for t in scheduler.timesteps:
            model_in = self.layout.build(
                torch.cat([latents] * 2),
                cond.agnostic_latent.repeat(2, 1, 1, 1),
                cond.latent_mask.repeat(2, 1, 1, 1),
                None if cond.pose is None else cond.pose.repeat(2, 1, 1, 1),
            )
            eps = unet(model_in, t, **text_kwargs).sample
            uncond, cond_eps = eps.chunk(2)
            latents = scheduler.step(
                uncond + guidance * (cond_eps - uncond), t, latents
            ).prev_sample
        render = decode_latents(self.vae, latents)
        composite = render * mask + target * (1 - mask)
        unet.train()
        return image_grid([agnostic_image(sub["source"].to(device), mask), target, composite])

    def export(self, directory: Path) -> None:
        pipe = self.pipeline
        pipe.register_modules(
            unet=self.accelerator.unwrap_model(self.unet).eval(),
            matcher=self.accelerator.unwrap_model(self.matcher).eval(),
        )
        save_pipeline(pipe, directory, self.recipe.export_dtype)


def rescale_latents(vae, recipe: TrainRecipe):
    """Make the latents of the recipe's first :data:`~tryon.training.stages.vae.SCALE_SAMPLES`
    training targets (garment crops, what the UNet denoises) unit-variance, as the VAE stage's
    export does: one ``scaling_factor = 1 / std`` (``model.latent_scale = "global"``), or one
    factor per channel (``"channel"``: ``latents_std``, with ``latents_mean`` zero and
    ``scaling_factor`` 1, for a widened latent whose new channels spread a third as far as the
    old ones). The same items every run, so a resumed run gets the same scale. Returns the
    factor, or the per-channel standard deviations."""
    from tryon.training.run import build_dataset

    dataset = build_dataset(recipe)
    count = min(SCALE_SAMPLES, len(dataset))
    targets = torch.stack([dataset[i]["target"] for i in range(count)])
    if recipe.model.latent_scale == "channel":
        std = [round(v, 5) for v in latent_channel_std(vae, targets)]
        logger.info("VAE latents_std -> %s (per channel, %d targets' latents)", std, count)
        vae.register_to_config(
            scaling_factor=1.0, shift_factor=None, latents_mean=[0.0] * len(std), latents_std=std
        )
        return std
    factor = round(latent_scaling_factor(vae, targets), 5)
    logger.info(
        "VAE scaling_factor %s -> %s (1 / std of %d targets' latents)",
        vae.config.scaling_factor,
        factor,
        count,
    )
    vae.register_to_config(scaling_factor=factor, latents_mean=None, latents_std=None)
    return factor
