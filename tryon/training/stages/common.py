"""Pieces the stages share: loading the starting components, image grids."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
from diffusers import AutoencoderKL

from tryon.pipeline.conditioning import build_conditioning, encode_latents, tensor_to_images

logger = logging.getLogger(__name__)


def load_vae(pretrained: str) -> AutoencoderKL:
    """The VAE of a weights folder: ``<pretrained>/vae`` (a pipeline or a VAE-stage export)."""
    folder = Path(pretrained) / "vae"
    if not (folder / "config.json").is_file():
        raise FileNotFoundError(
            f"no VAE at {folder}: train one first (tryon train --recipe pipelines/train-vae.toml) "
            "and set [model] pretrained to its export_dir"
        )
    return AutoencoderKL.from_pretrained(str(folder), local_files_only=True, dtype=torch.float32)


def is_pipeline_folder(pretrained: str) -> bool:
    return bool(pretrained) and (Path(pretrained) / "model_index.json").is_file()


def freeze(module: torch.nn.Module) -> torch.nn.Module:
    module.requires_grad_(False)
    return module.eval()


class frozen:
    """Context manager: ``requires_grad=False`` on a module's parameters inside the block, so a
    loss computed there sends no gradient to it (autograd records this at forward time)."""

    def __init__(self, module: torch.nn.Module):
        self.params = [p for p in module.parameters() if p.requires_grad]

    def __enter__(self):
        for p in self.params:
            p.requires_grad_(False)

    def __exit__(self, *exc):
        for p in self.params:
            p.requires_grad_(True)


def image_grid(rows: list[torch.Tensor], max_columns: int = 8) -> np.ndarray:
    """Stack rows of ``(N, 3, H, W)`` images in ``[-1, 1]`` (or ``(N, 1, H, W)`` masks in
    ``[0, 1]``) into one ``(rows*H, N*W, 3)`` uint8 grid."""
    out = []
    for row in rows:
        row = row[:max_columns].detach().float().cpu()
        if row.shape[1] == 1:
            row = row.repeat(1, 3, 1, 1) * 2.0 - 1.0
        out.append(np.concatenate(tensor_to_images(row), axis=1))
    return np.concatenate(out, axis=0)


EXPORT_DTYPES = {"float32": torch.float32, "float16": torch.float16}


def save_pipeline(pipe, directory, dtype: str) -> None:
    """``pipe.save_pretrained(directory)`` with its weights in ``dtype``; the pipeline is left
    in float32 as it was."""
    pipe.to(dtype=EXPORT_DTYPES[dtype])
    try:
        pipe.save_pretrained(str(directory))
    finally:
        pipe.to(dtype=torch.float32)


def noised_batch(stage, batch: dict, generator: torch.Generator, max_t: int | None = None):
    """What the UNet and refiner stages both start from: the batch's conditioning (agnostic
    latent, mask, pose, built exactly as at inference) and the target's latent noised at a
    random timestep in ``[0, max_t)`` (default: the whole schedule).

    ``stage`` provides ``accelerator``, ``vae``, ``layout``, ``noise_scheduler`` and
    ``vae_scale``. Returns ``(target, mask, cond, z0, noise, t, noisy)``; noise is drawn before
    the timesteps, so a seeded generator gives the same batch in every stage. With
    ``loss.noise_offset > 0`` the noise gets a per-item, per-channel constant of that standard
    deviation on top.
    """
    device = stage.accelerator.device
    target, source = batch["target"].to(device), batch["source"].to(device)
    mask = batch["mask"].to(device)
    # The frozen VAE's two encodes cost more than the UNet's training step on a CPU; in bf16
    # they take half the time and give latents within ~0.4 % (relative std) of float32.
    bf16 = stage.recipe.model.vae_encode_dtype == "bfloat16"
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
        cond = build_conditioning(
            stage.vae,
            source,
            mask,
            batch["keypoints"].numpy(),
            with_pose=stage.layout.has_pose,
            vae_scale_factor=stage.vae_scale,
        )
        z0 = encode_latents(stage.vae, target)
    cond, z0 = cond.to(dtype=torch.float32), z0.float()
    noise = torch.randn(z0.shape, generator=generator).to(z0)
    offset = stage.recipe.loss.noise_offset
    if offset > 0:
        # Offset noise (Guttenberg 2023): i.i.d. noise barely perturbs a region's mean, so
        # a model trained on it learns to keep the mean it starts from; a per-item,
        # per-channel constant makes it learn to move a garment's mean colour too.
        shift = torch.randn(z0.shape[0], z0.shape[1], 1, 1, generator=generator).to(z0)
        noise = noise + offset * shift
    max_t = max_t or stage.noise_scheduler.config.num_train_timesteps
    t = torch.randint(0, max_t, (z0.shape[0],), generator=generator).to(device)
    noisy = stage.noise_scheduler.add_noise(z0, noise, t)
    return target, mask, cond, z0, noise, t, noisy
