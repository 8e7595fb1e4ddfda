"""Tiny training set-ups shared by the training tests: real stages and real world pairs at
toy sizes, so a step takes well under a second."""

from __future__ import annotations

import pytest
import torch

from tryon.training.recipe import DataConfig, LogConfig, ModelConfig, OptimConfig, TrainRecipe


class FixedItems(torch.utils.data.Dataset):
    """The first ``n`` items of a data set, materialised: every batch is the same batch."""

    def __init__(self, dataset, n: int):
        self.items = [dataset[i] for i in range(n)]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int):
        return self.items[index]


def tiny_recipe(tmp_path, stage: str, **optim) -> TrainRecipe:
    return TrainRecipe(
        stage=stage,
        output_dir=str(tmp_path / f"run-{stage}"),
        export_dir=str(tmp_path / f"export-{stage}"),
        data=DataConfig(
            frame=(128, 96), resolution=64 if stage != "vae" else 32, length=64, batch_size=4
        ),
        model=ModelConfig(size="tiny"),
        optim=OptimConfig(
            lr=optim.pop("lr", 3e-3),
            warmup_steps=0,
            ema_decay=optim.pop("ema_decay", 0.0),
            max_steps=optim.pop("max_steps", 8),
            **optim,
        ),
        log=LogConfig(
            every=1, sample_every=1000, checkpoint_every=1000, keep_checkpoints=2, tensorboard=False
        ),
    )


@pytest.fixture(scope="session")
def fixed_items():
    return FixedItems


@pytest.fixture(scope="session")
def make_recipe():
    return tiny_recipe


@pytest.fixture(scope="session")
def world_pairs():
    from tryon.data import WorldPairDataset

    return WorldPairDataset(split="train", size=(128, 96), length=64, seed=0)


@pytest.fixture(scope="session")
def tiny_pipeline_factory():
    from tryon.pipeline.factory import build_pipeline

    def make():
        torch.manual_seed(0)  # tests only: a fixed random initialisation
        return build_pipeline("tiny", text_encoder="bert-tiny", resolution=64, refiner=False)

    return make
