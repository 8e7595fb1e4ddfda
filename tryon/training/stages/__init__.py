"""Training stages: each says which modules train, their losses, and what it exports.

* :class:`VaeStage` — the autoencoder on crops of world frames (L1 + KL).
* :class:`UnetStage` — the UNet and the matcher jointly (denoising + InfoNCE + reconstruction).
* :class:`RefinerStage` — the refiner against a PatchGAN discriminator (L1 + hinge).
"""

from tryon.training.stages.refiner import RefinerStage
from tryon.training.stages.unet import UnetStage
from tryon.training.stages.vae import VaeStage

STAGES = {"vae": VaeStage, "unet": UnetStage, "refiner": RefinerStage}

__all__ = ["STAGES", "RefinerStage", "UnetStage", "VaeStage"]
