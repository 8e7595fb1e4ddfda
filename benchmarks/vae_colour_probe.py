"""How much colour a VAE keeps: reconstruct world crops and compare chroma.

Prints L1, the mean error of each crop's mean colour, and the chroma ratio
(mean |pixel - its mean over R, G, B| of the reconstruction over that of the input; 1 = all
colour kept, 0 = grey). Used to find why the first VAE decoded garments grey (README,
Training). Usage::

    python benchmarks/vae_colour_probe.py runs/tryon-small/vae-export [--n 32] [--crop 128]

The folder is a VAE-stage export (``<dir>/vae``) or a pipeline folder; a training checkpoint
folder (``model.safetensors``) works too with ``--checkpoint``.
"""

from __future__ import annotations

import argparse
import json

import torch
from diffusers import AutoencoderKL
from safetensors.torch import load_file

from tryon.data import WorldPairDataset
from tryon.models.configs import build_vae
from tryon.training.data import RandomCropDataset


def colour_stats(recon: torch.Tensor, images: torch.Tensor) -> dict[str, float]:
    """``recon`` and ``images``: ``(N, 3, H, W)`` in ``[-1, 1]``."""

    def chroma(x):
        return x - x.mean(dim=1, keepdim=True)

    return {
        "l1": float((recon - images).abs().mean()),
        "mean_colour_error": float((recon.mean((2, 3)) - images.mean((2, 3))).abs().mean()),
        "chroma_ratio": float(chroma(recon).abs().mean() / chroma(images).abs().mean()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--checkpoint", action="store_true", help="folder is a training checkpoint")
    parser.add_argument("--n", type=int, default=32)
    parser.add_argument("--crop", type=int, default=128)
    args = parser.parse_args()
    if args.checkpoint:
        vae = build_vae("small")
        vae.load_state_dict(load_file(f"{args.folder}/model.safetensors"))
    else:
        vae = AutoencoderKL.from_pretrained(f"{args.folder}/vae", dtype=torch.float32)
    vae.eval()
    pairs = WorldPairDataset(split="val", size=(512, 384), length=args.n, seed=0)
    crops = RandomCropDataset(pairs, resolution=args.crop)
    images = torch.stack([crops[i]["image"] for i in range(args.n)])
    with torch.no_grad():
        recon = vae.decode(vae.encode(images).latent_dist.mode()).sample
    print(json.dumps(colour_stats(recon, images), indent=2))


if __name__ == "__main__":
    main()
