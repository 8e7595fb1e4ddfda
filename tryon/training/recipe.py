"""Training recipes: ``pipelines/train-*.toml`` read into typed dataclasses.

One recipe trains one stage (``vae``, ``unet`` — UNet and matcher jointly — or ``refiner``).
Every number a run depends on lives here, so the recipe plus the command reproduces a model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from tryon.recipes import load_recipe

Stage = Literal["vae", "unet", "refiner"]


@dataclass
class DataConfig:
    """Where training pairs come from and how they are cut.

    ``source = "world"`` renders the procedural world on the fly (deterministic by index);
    ``"folder"`` reads a folder in the real-data layout. ``frame`` is the rendered frame
    (H, W); ``resolution`` the square crop the models see (the pipeline's garment crop for
    ``unet``/``refiner``, random crops for ``vae``); ``crop_margin`` must equal the render
    recipe's, so training sees the framing inference uses. ``vae_crops`` (``vae`` stage):
    ``"frame"`` cuts the random crops from whole frames, ``"garment"`` from the pipeline's
    garment crop of each frame at ``garment_resolution`` (the render recipe's resolution), the
    scale the VAE works at inside the pipeline. ``two_colour_share`` (world only, in
    ``[0, 1)``): the fraction of items redrawn as pairs whose caption names a print's two
    colours ("navy with white dots"; :class:`tryon.training.data.TwoColourOversampled`), on
    top of those the world draws anyway (about a third); 0 keeps the world's mix.
    ``skirt_flare`` (world only, ``>= 0``): the agnostic masks' skirt cone
    (:func:`tryon.analysis.agnostic_mask_from_regions`); 0, the default, is the mask the
    shipped model was trained on; 0.5 (``SKIRT_FLARE``) holds every loose skirt and dress, so
    the target's shape no longer widens the mask (benchmarks/results/agnostic-flare). A model
    trained with it renders with the same ``mask_skirt_flare`` in its render recipe.
    """

    source: Literal["world", "folder"] = "world"
    folder: str = ""
    split: str = "train"
    frame: tuple[int, int] = (512, 384)
    resolution: int = 256
    crop_margin: float = 0.1
    length: int = 200_000
    seed: int = 0
    batch_size: int = 8
    num_workers: int = 0
    vae_crops: Literal["frame", "garment"] = "frame"
    garment_resolution: int = 256
    two_colour_share: float = 0.0
    skirt_flare: float = 0.0

    def __post_init__(self):
        from tryon.analysis.agnostic import check_skirt_flare

        check_skirt_flare(self.skirt_flare, "data.skirt_flare")
        if self.skirt_flare and self.source != "world":
            raise ValueError("data.skirt_flare needs data.source = 'world'")
        if not 0.0 <= self.two_colour_share < 1.0:  # also catches NaN
            raise ValueError(
                f"data.two_colour_share must be in [0, 1), got {self.two_colour_share!r}"
            )
        if self.two_colour_share and self.source != "world":
            raise ValueError("data.two_colour_share needs data.source = 'world'")


@dataclass
class ModelConfig:
    """Model sizes and where to start from.

    ``size`` names a preset of :mod:`tryon.models.configs`; ``pretrained`` is a weights folder
    (``save_pretrained`` layout) whose components are loaded instead of built fresh: the VAE
    (frozen) and text encoder for the ``unet`` stage, the VAE and UNet for the ``refiner``.
    ``decoder_only`` (``vae`` stage) freezes the encoder, so latents — and a UNet trained on
    them — stay valid while the decoder improves.

    For a ``unet`` stage continuing a pipeline folder trained before these existed:
    ``add_pooled_text`` gives its UNet the pooled-prompt projection
    (:func:`tryon.models.pooled_text.add_pooled_text`, zero-initialised; fresh UNets have it),
    ``add_full_res_attention`` gives it prompt cross-attention at the full latent resolution
    (:func:`tryon.models.full_res_attention.add_full_res_attention`, zero-initialised);
    and ``rescale_latents`` sets its VAE's ``scaling_factor`` to ``1 / std`` of the latents of the
    first ``SCALE_SAMPLES`` (:mod:`tryon.training.stages.vae`) training targets (the VAE stage
    does this at export now).
    ``latent_scale``: what ``rescale_latents`` sets — one ``scaling_factor`` (``"global"``) or
    one factor per latent channel (``"channel"``: ``latents_std``, the SDXL convention; for a
    widened latent, :mod:`tryon.models.latent_widen`).
    ``vae_encode_dtype`` (``unet`` and ``refiner`` stages): the frozen VAE encodes the batch
    under ``bfloat16`` autocast or in ``float32``.
    """

    size: str = "small"
    pretrained: str = ""
    decoder_only: bool = False
    add_pooled_text: bool = False
    add_full_res_attention: bool = False
    rescale_latents: bool = False
    latent_scale: Literal["global", "channel"] = "global"
    vae_encode_dtype: Literal["float32", "bfloat16"] = "float32"


@dataclass
class OptimConfig:
    """Optimizer settings. After ``warmup_steps`` of linear warm-up the learning rate stays at
    ``lr`` (``lr_schedule = "constant"``) or decays to 0 at ``max_steps`` (``"linear"``,
    ``"cosine"``). The horizon is the recipe's ``max_steps`` even when ``tryon train
    --max-steps``/``--time-limit`` stops the run earlier, so a resumed run follows the same
    schedule.

    ``lr_scale`` multiplies the rate of some parameters: keys are prefixes of parameter names
    as ``<module>.<parameter>`` (``"unet.up_blocks.2.attentions"``; the longest matching prefix
    wins), values the factor (> 0) — for layers added to a trained model, which start at zero
    and would take many steps to matter at the trained layers' rate. A prefix that matches no
    parameter is refused when the run starts."""

    lr: float = 1e-4
    discriminator_lr: float = 2e-4
    weight_decay: float = 0.0
    betas: tuple[float, float] = (0.9, 0.999)
    warmup_steps: int = 100
    lr_schedule: Literal["constant", "linear", "cosine"] = "constant"
    max_steps: int = 2000
    grad_accum: int = 1
    max_grad_norm: float = 1.0
    ema_decay: float = 0.999
    mixed_precision: Literal["no", "bf16", "fp16"] = "no"
    lr_scale: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for prefix, factor in self.lr_scale.items():
            if not prefix or not (factor > 0 and math.isfinite(factor)):
                raise ValueError(
                    f"lr_scale maps a parameter-name prefix to a factor > 0, got "
                    f"{prefix!r} = {factor!r}"
                )


@dataclass
class LossConfig:
    """Loss weights (DESIGN.md):
    ``L = L_denoise + lambda_match * InfoNCE + lambda_rec * L_rec`` for the ``unet`` stage,
    ``L1 + lambda_chroma * L1(chroma) + lambda_kl * KL`` for the VAE (chroma: each pixel minus
    its mean over R, G, B — colour without brightness),
    ``L1 + lambda_adv * hinge`` for the refiner. ``prompt_dropout`` drops the caption for
    classifier-free guidance. ``match_generated`` is how many of a batch's UNet predictions are
    decoded and scored by the matcher each step (decoding with gradients is costly on a CPU).
    ``lambda_match = 0`` is the ablation the evaluation compares. ``noise_offset`` (UNet and
    refiner stages) adds a per-item, per-channel constant of that standard deviation to the
    diffusion noise (offset noise; 0 = plain Gaussian noise).
    """

    lambda_match: float = 0.1
    lambda_rec: float = 1.0
    lambda_kl: float = 1e-6
    lambda_chroma: float = 0.0
    lambda_adv: float = 0.1
    lambda_garment: float = 2.0
    match_generated: int = 2
    prompt_dropout: float = 0.1
    noise_offset: float = 0.0

    def __post_init__(self):
        for name, value in vars(self).items():
            if not value >= 0:  # also catches NaN
                raise ValueError(f"{name} must be >= 0, got {value!r}")
        if self.prompt_dropout > 1:
            raise ValueError(f"prompt_dropout must be <= 1, got {self.prompt_dropout!r}")


@dataclass
class LogConfig:
    every: int = 10
    sample_every: int = 250
    checkpoint_every: int = 250
    keep_checkpoints: int = 2
    tensorboard: bool = True


@dataclass
class TrainRecipe:
    """A training run. ``output_dir`` holds checkpoints, logs and samples; when the run ends
    the trained components are written with ``save_pretrained`` under ``export_dir``, in
    ``export_dtype`` (float16 halves the size in git; loading upcasts to float32)."""

    KIND = "train"

    stage: Stage
    output_dir: str
    export_dir: str = ""
    export_dtype: Literal["float32", "float16"] = "float16"
    seed: int = 0
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    log: LogConfig = field(default_factory=LogConfig)


def load_train_recipe(path) -> TrainRecipe:
    """Read a training recipe TOML (``kind = "train"``)."""
    return load_recipe(path, TrainRecipe)
