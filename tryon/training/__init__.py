"""Training: recipes, the accelerate-based loop, crash-safe checkpoints and the three stages
(VAE; UNet + matcher; refiner). Entry point: ``tryon train --recipe pipelines/train-*.toml``."""

from tryon.training.recipe import TrainRecipe, load_train_recipe
from tryon.training.trainer import Trainer, TrainingStage, TrainResult

__all__ = ["TrainRecipe", "TrainResult", "Trainer", "TrainingStage", "load_train_recipe"]
