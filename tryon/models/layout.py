"""The UNet's input channel layout: which conditioning goes into which input channels.

The one place that says how the denoiser's input tensor is assembled. Two layouts exist:

* ``tryon`` (ours): noisy latent (4) + agnostic-image latent (4) + agnostic mask at latent
  resolution (1) + pose map at latent resolution (:data:`tryon.body.POSE_MAP_CHANNELS` = 17),
  in that order, 26 channels for a 4-channel VAE.
* ``sd-inpaint`` (Stable-Diffusion inpainting, Rombach et al. 2022): noisy latent (4) + mask (1)
  + masked-image latent (4), in that order, 9 channels; it has no pose input.

The pipeline, the training code and the widening helper (:mod:`tryon.models.widen`) all build
inputs and map weights through :class:`UNetInputLayout`, never through literal channel indices.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from tryon.body import POSE_MAP_CHANNELS

# Names of the conditioning parts a layout can hold.
NOISY = "noisy"
AGNOSTIC = "agnostic"
MASK = "mask"
POSE = "pose"


@dataclass(frozen=True)
class UNetInputLayout:
    """An ordered list of ``(part name, channel count)`` making up the UNet input.

    Attributes:
        name: ``"tryon"`` or ``"sd-inpaint"``.
        parts: ordered ``(name, channels)`` pairs; names among ``noisy``, ``agnostic``,
            ``mask``, ``pose``.
    """

    name: str
    parts: tuple[tuple[str, int], ...]

    @property
    def in_channels(self) -> int:
        """Total number of UNet input channels."""
        return sum(channels for _, channels in self.parts)

    @property
    def has_pose(self) -> bool:
        return any(name == POSE for name, _ in self.parts)

    def slice(self, part: str) -> slice:
        """Channel slice of ``part`` in the input tensor; ``KeyError`` if the layout lacks it."""
        start = 0
        for name, channels in self.parts:
            if name == part:
                return slice(start, start + channels)
            start += channels
        raise KeyError(f"layout {self.name!r} has no part {part!r}")

    def build(
        self,
        noisy: torch.Tensor,
        agnostic: torch.Tensor,
        mask: torch.Tensor,
        pose: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Concatenate the parts along channels in this layout's order.

        Args:
            noisy: ``(N, C, h, w)`` (scaled) noisy latent.
            agnostic: ``(N, C, h, w)`` latent of the agnostic (garment-erased) image.
            mask: ``(N, 1, h, w)`` agnostic mask at latent resolution, 1 = region to paint.
            pose: ``(N, 17, h, w)`` pose heatmaps at latent resolution; required when the layout
                has a pose part, ignored otherwise.

        Returns:
            ``(N, in_channels, h, w)`` tensor in the dtype of ``noisy``.
        """
        tensors = {NOISY: noisy, AGNOSTIC: agnostic, MASK: mask, POSE: pose}
        out = []
        for name, channels in self.parts:
            tensor = tensors[name]
            if tensor is None:
                raise ValueError(f"layout {self.name!r} needs the {name!r} input")
            if tensor.shape[1] != channels:
                raise ValueError(
                    f"{name!r} input must have {channels} channels for layout {self.name!r}, "
                    f"got {tensor.shape[1]}"
                )
            out.append(tensor.to(noisy.dtype))
        return torch.cat(out, dim=1)


def tryon_layout(latent_channels: int = 4) -> UNetInputLayout:
    """Our layout: noisy + agnostic latent + mask + pose (26 channels for 4 latent channels)."""
    return UNetInputLayout(
        "tryon",
        (
            (NOISY, latent_channels),
            (AGNOSTIC, latent_channels),
            (MASK, 1),
            (POSE, POSE_MAP_CHANNELS),
        ),
    )


def sd_inpaint_layout(latent_channels: int = 4) -> UNetInputLayout:
    """Stable-Diffusion inpainting layout: noisy + mask + masked-image latent (9 channels)."""
    return UNetInputLayout(
        "sd-inpaint", ((NOISY, latent_channels), (MASK, 1), (AGNOSTIC, latent_channels))
    )


def layout_named(name: str, latent_channels: int = 4) -> UNetInputLayout:
    """The layout called ``name`` (``"tryon"`` or ``"sd-inpaint"``) for ``latent_channels``."""
    layouts = {"tryon": tryon_layout, "sd-inpaint": sd_inpaint_layout}
    if name not in layouts:
        raise ValueError(f"layout must be one of {sorted(layouts)}, got {name!r}")
    return layouts[name](latent_channels)


def layout_for(in_channels: int, latent_channels: int = 4) -> UNetInputLayout:
    """The layout whose channel count is ``in_channels``; ``ValueError`` for any other count."""
    for layout in (tryon_layout(latent_channels), sd_inpaint_layout(latent_channels)):
        if layout.in_channels == in_channels:
            return layout
    raise ValueError(
        f"a UNet with in_channels={in_channels} matches no known input layout: expected "
        f"{tryon_layout(latent_channels).in_channels} (tryon: latent + agnostic latent + mask + "
        f"pose) or {sd_inpaint_layout(latent_channels).in_channels} (Stable-Diffusion inpainting)"
    )
