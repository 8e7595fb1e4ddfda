"""The UNet's conditioning from a garment crop: agnostic latent, latent mask, pose map.

Shared by inference (:class:`tryon.pipeline.TryOnPipeline`) and training, so both feed the
denoiser exactly the same inputs. All images are ``float32`` tensors in ``[-1, 1]``, ``NCHW``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from tryon.body import render_pose_map

#: Colour (sRGB) the garment region is erased to in the agnostic image (mid grey, as
#: :meth:`tryon.analysis.PersonAnalysis.agnostic_image` uses).
AGNOSTIC_FILL = (128, 128, 128)


def image_to_tensor(image: np.ndarray) -> torch.Tensor:
    """``(H, W, 3)`` uint8 -> ``(1, 3, H, W)`` float32 in ``[-1, 1]``."""
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise TypeError(f"image must be (H, W, 3) uint8, got {image.dtype} {image.shape}")
    return torch.from_numpy(image.copy()).permute(2, 0, 1)[None].float() / 127.5 - 1.0


def tensor_to_images(images: torch.Tensor) -> list[np.ndarray]:
    """``(N, 3, H, W)`` in ``[-1, 1]`` -> N ``(H, W, 3)`` uint8 arrays (clamped, rounded)."""
    array = ((images.detach().float().clamp(-1, 1) + 1.0) * 127.5).round()
    array = array.to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()
    return [np.ascontiguousarray(a) for a in array]


def agnostic_image(image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``image`` with the masked region set to :data:`AGNOSTIC_FILL`.

    Args:
        image: ``(N, 3, H, W)`` in ``[-1, 1]``.
        mask: ``(N, 1, H, W)`` 0/1 (1 = erase).
    """
    fill = torch.tensor(AGNOSTIC_FILL, dtype=image.dtype, device=image.device) / 127.5 - 1.0
    mask = mask.to(image.dtype)
    return image * (1.0 - mask) + fill.view(1, 3, 1, 1) * mask


def mask_to_latent(mask: torch.Tensor, latent_size: tuple[int, int]) -> torch.Tensor:
    """Mask at latent resolution: a latent cell is 1 if any of its pixels is masked.

    Args:
        mask: ``(N, 1, H, W)`` 0/1.
        latent_size: ``(h, w)``.

    Returns:
        ``(N, 1, h, w)`` 0/1 in ``mask``'s dtype.
    """
    coverage = F.interpolate(mask.float(), size=tuple(latent_size), mode="area")
    return (coverage > 0).to(mask.dtype)


def pose_maps(keypoints: np.ndarray, image_size: tuple[int, int], latent_size: tuple[int, int]):
    """Pose heatmaps at latent resolution.

    Args:
        keypoints: ``(N, 17, 3)`` or ``(17, 3)`` in pixels of an ``image_size`` crop.
        image_size: ``(H, W)`` of the crop the keypoints are in.
        latent_size: ``(h, w)`` of the maps.

    Returns:
        ``(N, 17, h, w)`` float32 tensor (:func:`tryon.body.render_pose_map`, default sigma).
    """
    keypoints = np.asarray(keypoints, dtype=np.float32)
    if keypoints.ndim == 2:
        keypoints = keypoints[None]
    (img_h, img_w), (lat_h, lat_w) = image_size, latent_size
    maps = []
    for kp in keypoints:
        kp = kp.copy()
        kp[:, 0] *= lat_w / img_w
        kp[:, 1] *= lat_h / img_h
        maps.append(render_pose_map(kp, lat_h, lat_w))
    return torch.from_numpy(np.stack(maps))


@torch.no_grad()
def encode_latents(vae, images: torch.Tensor, device=None) -> torch.Tensor:
    """VAE latents (posterior mode, scaled as the UNet expects) of ``(N, 3, H, W)`` images.

    ``device``: where the VAE runs (default: where its weights are; with model CPU offload
    they sit on the CPU until the forward call moves them, so pass the execution device)."""
    param = next(vae.parameters())
    latents = vae.encode(images.to(device or param.device, param.dtype)).latent_dist.mode()
    return scale_latents(vae, latents)


@torch.no_grad()
def decode_latents(vae, latents: torch.Tensor, device=None) -> torch.Tensor:
    """Images ``(N, 3, H, W)`` (about ``[-1, 1]``) from scaled latents (``device`` as in
    :func:`encode_latents`)."""
    param = next(vae.parameters())
    return vae.decode(unscale_latents(vae, latents.to(device or param.device, param.dtype))).sample


def _latent_shift_and_scale(vae, like: torch.Tensor) -> tuple[torch.Tensor | float, ...]:
    """``(shift, scale)`` with ``scaled = (raw - shift) * scale``, as diffusers reads a VAE
    config: per channel when it has ``latents_std`` (``(raw - latents_mean) * scaling_factor /
    latents_std``, the SDXL convention), else ``(raw - shift_factor) * scaling_factor``."""
    config = vae.config
    std = getattr(config, "latents_std", None)
    if std is None:
        return (getattr(config, "shift_factor", None) or 0.0), config.scaling_factor
    channels = (1, len(std), 1, 1)
    std = torch.tensor(std, dtype=like.dtype, device=like.device).view(channels)
    mean = getattr(config, "latents_mean", None) or [0.0] * len(std.flatten())
    mean = torch.tensor(mean, dtype=like.dtype, device=like.device).view(channels)
    return mean, config.scaling_factor / std


def scale_latents(vae, latents: torch.Tensor) -> torch.Tensor:
    """Raw VAE latents ``(N, C, h, w)`` to the scale the UNet works at (see
    :func:`_latent_shift_and_scale`)."""
    shift, scale = _latent_shift_and_scale(vae, latents)
    return (latents - shift) * scale


def unscale_latents(vae, latents: torch.Tensor) -> torch.Tensor:
    """The inverse of :func:`scale_latents`: what the VAE's decoder takes."""
    shift, scale = _latent_shift_and_scale(vae, latents)
    return latents / scale + shift


@dataclass
class Conditioning:
    """What the UNet gets besides the noisy latent and the text.

    Attributes:
        agnostic_latent: ``(N, C, h, w)`` scaled VAE latent of the agnostic image.
        latent_mask: ``(N, 1, h, w)`` 0/1.
        pose: ``(N, 17, h, w)`` heatmaps in ``[0, 1]``, or ``None`` for layouts without pose.
    """

    agnostic_latent: torch.Tensor
    latent_mask: torch.Tensor
    pose: torch.Tensor | None

    def expand(self, n: int) -> Conditioning:
        """Each row repeated to make ``n`` rows (from 1 row, or ``n`` unchanged)."""
        if self.agnostic_latent.shape[0] == n:
            return self
        if self.agnostic_latent.shape[0] != 1:
            raise ValueError(f"cannot expand {self.agnostic_latent.shape[0]} rows to {n}")

        def rep(t):
            return None if t is None else t.expand(n, *t.shape[1:])

        return Conditioning(rep(self.agnostic_latent), rep(self.latent_mask), rep(self.pose))

    def to(self, device=None, dtype=None) -> Conditioning:
        def move(t):
            return None if t is None else t.to(device=device, dtype=dtype)

        return Conditioning(move(self.agnostic_latent), move(self.latent_mask), move(self.pose))


def build_conditioning(
    vae,
    images: torch.Tensor,
    masks: torch.Tensor,
    keypoints: np.ndarray | None,
    with_pose: bool = True,
    vae_scale_factor: int = 8,
    device=None,
) -> Conditioning:
    """Conditioning for crops ``images`` (``(N, 3, H, W)`` in ``[-1, 1]``) and their agnostic
    ``masks`` (``(N, 1, H, W)`` 0/1), keypoints ``(N, 17, 3)`` in crop pixels.

    The agnostic image (:func:`agnostic_image`) is VAE-encoded (:func:`encode_latents`); the mask
    is reduced with :func:`mask_to_latent`; the pose maps come from :func:`pose_maps` (skipped
    when ``with_pose`` is false, e.g. for a Stable-Diffusion inpainting UNet). ``device``: where
    the VAE runs (see :func:`encode_latents`).
    """
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f"images must be (N, 3, H, W), got {tuple(images.shape)}")
    height, width = images.shape[-2:]
    if height % vae_scale_factor or width % vae_scale_factor:
        raise ValueError(
            f"image size must be a multiple of {vae_scale_factor}, got {height}x{width}"
        )
    latent_size = (height // vae_scale_factor, width // vae_scale_factor)
    agnostic = agnostic_image(images, masks)
    latent = encode_latents(vae, agnostic, device)
    latent_mask = mask_to_latent(masks, latent_size).to(latent.dtype)
    pose = None
    if with_pose:
        if keypoints is None:
            raise ValueError("keypoints are needed for the pose conditioning")
        pose = pose_maps(keypoints, (height, width), latent_size).to(latent.device, latent.dtype)
    return Conditioning(latent, latent_mask.to(latent.device), pose)
