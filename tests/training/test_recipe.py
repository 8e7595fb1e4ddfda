"""tryon.training.recipe on the repository's own training recipes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tryon.training.recipe import load_train_recipe

PIPELINES = Path(__file__).resolve().parents[2] / "pipelines"
TRAIN_RECIPES = sorted(PIPELINES.glob("train-*.toml"))


def test_the_repository_has_training_recipes() -> None:
    assert len(TRAIN_RECIPES) >= 10


@pytest.mark.parametrize("path", TRAIN_RECIPES, ids=lambda p: p.name)
def test_every_training_recipe_loads(path: Path) -> None:
    """Each recipe, with its `extends` chain, parses into a TrainRecipe: a misspelt key, a bad
    value or a broken base would otherwise surface only when a (GPU) session runs it."""
    recipe = load_train_recipe(path)
    assert recipe.stage in ("vae", "unet", "refiner")
    assert recipe.output_dir and recipe.data.batch_size >= 1


def test_gpu_attention_recipe_is_the_cpu_one_at_gpu_scale() -> None:
    cpu = load_train_recipe(PIPELINES / "train-unet-wide-attn-cpu.toml")
    gpu = load_train_recipe(PIPELINES / "train-unet-wide-attn-gpu.toml")
    assert gpu.model.add_full_res_attention and gpu.optim.lr_scale == cpu.optim.lr_scale
    assert gpu.data.two_colour_share == cpu.data.two_colour_share
    assert (gpu.data.batch_size, gpu.optim.mixed_precision) == (32, "bf16")
    assert gpu.output_dir != cpu.output_dir and gpu.export_dir != cpu.export_dir
