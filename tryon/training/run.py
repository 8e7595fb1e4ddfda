"""Build a stage, its data and a :class:`Trainer` from a training recipe, and run it."""

from __future__ import annotations

import logging
from pathlib import Path

from tryon.training.data import GarmentCropDataset, RandomCropDataset
from tryon.training.recipe import TrainRecipe
from tryon.training.trainer import Trainer, TrainResult

logger = logging.getLogger(__name__)


def build_pairs(recipe: TrainRecipe):
    """The pair data set a recipe names: the procedural world or a real-data folder."""
    data = recipe.data
    if data.source == "world":
        from tryon.data import WorldPairDataset

        pairs = WorldPairDataset(
            split=data.split,
            size=tuple(data.frame),
            length=data.length,
            seed=data.seed,
            skirt_flare=data.skirt_flare,
        )
        if data.two_colour_share:
            from tryon.training.data import TwoColourOversampled

            pairs = TwoColourOversampled(pairs, data.two_colour_share, seed=data.seed)
        return pairs
    if not data.folder:
        raise ValueError(
            "data.source = 'folder' needs data.folder (a folder in the real-data layout)"
        )
    from tryon.data import FolderPairDataset

    return FolderPairDataset(data.folder, size=tuple(data.frame))


def build_dataset(recipe: TrainRecipe, pairs=None):
    """What the recipe's stage trains on: random crops (VAE) or garment crops (UNet, refiner)."""
    pairs = build_pairs(recipe) if pairs is None else pairs
    if recipe.stage == "vae":
        data = recipe.data
        garment = data.vae_crops == "garment"
        return RandomCropDataset(
            pairs,
            resolution=data.resolution,
            seed=data.seed,
            garment_resolution=data.garment_resolution if garment else None,
            margin=data.crop_margin,
        )
    return GarmentCropDataset(
        pairs, resolution=recipe.data.resolution, margin=recipe.data.crop_margin
    )


def build_stage(recipe: TrainRecipe):
    from tryon.training.stages import STAGES

    return STAGES[recipe.stage](recipe)


def run_training(
    recipe: TrainRecipe,
    max_steps: int | None = None,
    resume: bool = True,
    time_limit: float | None = None,
) -> TrainResult:
    """Train one stage as the recipe says (``time_limit``: stop after this many seconds, see
    :meth:`Trainer.train`); returns the final step, losses and export folder."""
    stage = build_stage(recipe)
    dataset = build_dataset(recipe)
    trainer = Trainer(recipe, stage, dataset)
    result = trainer.train(max_steps=max_steps, resume=resume, time_limit=time_limit)
    if result.export_dir is not None:
        logger.info("exported %s stage to %s", recipe.stage, Path(result.export_dir))
    return result
