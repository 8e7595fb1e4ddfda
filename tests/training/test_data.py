"""The training data layer: oversampling pairs whose caption names two colours."""

from __future__ import annotations

import pytest

from tryon.data import WorldPairDataset
from tryon.data.captions import names_two_colours
from tryon.recipes import RecipeError
from tryon.training.data import TwoColourOversampled
from tryon.training.recipe import load_train_recipe
from tryon.training.run import build_pairs


def _share(pairs, indices) -> float:
    return sum(names_two_colours(pairs.pair_spec(i).caption) for i in indices) / len(indices)


def test_oversampling_raises_the_share_of_two_colour_captions_deterministically():
    world = WorldPairDataset(length=5000, seed=3)
    over = TwoColourOversampled(world, 0.5, seed=3)
    indices = range(300)
    sources = [over.source_index(i) for i in indices]
    base = _share(world, indices)
    mixed = _share(world, sources)
    # About a third of the world's captions name two colours; half the items redrawn as such
    # pairs make it about two thirds (0.5 + 0.5 * base).
    assert 0.2 < base < 0.5
    assert abs(mixed - (0.5 + 0.5 * base)) < 0.1
    redrawn = [s for i, s in enumerate(sources) if s != i]
    assert len(redrawn) > 100
    assert all(names_two_colours(world.pair_spec(s).caption) for s in redrawn)
    # Deterministic in (seed, index): a resumed run sees the same items; another seed does not.
    assert sources == [TwoColourOversampled(world, 0.5, seed=3).source_index(i) for i in indices]
    assert sources != [TwoColourOversampled(world, 0.5, seed=4).source_index(i) for i in indices]
    # Items are the world's own pairs at those indices.
    first = next(i for i, s in enumerate(sources) if s != i)
    assert over[first]["caption"] == world.pair_spec(sources[first]).caption
    assert len(over) == len(world)


def test_share_zero_keeps_the_worlds_mix():
    world = WorldPairDataset(length=100, seed=0)
    over = TwoColourOversampled(world, 0.0)
    assert [over.source_index(i) for i in range(100)] == list(range(100))


class _OneColourWorld:
    """Pairs whose captions never name a second colour."""

    class _Spec:
        caption = "a plain black t-shirt"

    def __len__(self):
        return 50

    def pair_spec(self, index):
        return self._Spec()


def test_bad_arguments_and_a_world_without_two_colour_pairs_are_named():
    world = WorldPairDataset(length=10)
    with pytest.raises(ValueError, match="share"):
        TwoColourOversampled(world, 1.0)
    with pytest.raises(ValueError, match="share"):
        TwoColourOversampled(world, float("nan"))
    with pytest.raises(TypeError, match="pair_spec"):
        TwoColourOversampled([1, 2, 3], 0.5)
    over = TwoColourOversampled(_OneColourWorld(), 0.99)
    with pytest.raises(ValueError, match="no pair naming two colours"):
        over.source_index(0)


def _recipe(tmp_path, data: str):
    path = tmp_path / "train.toml"
    path.write_text(
        'kind = "train"\nstage = "unet"\noutput_dir = "runs/x"\n[data]\nlength = 40\n' + data
    )
    return load_train_recipe(path)


def test_recipe_two_colour_share_builds_the_oversampled_world(tmp_path):
    pairs = build_pairs(_recipe(tmp_path, "two_colour_share = 0.4\nseed = 2\n"))
    assert isinstance(pairs, TwoColourOversampled)
    assert (pairs.share, pairs.seed, len(pairs)) == (0.4, 2, 40)
    assert isinstance(build_pairs(_recipe(tmp_path, "")), WorldPairDataset)
    with pytest.raises(RecipeError, match="two_colour_share"):
        _recipe(tmp_path, "two_colour_share = 1.5\n")
    with pytest.raises(RecipeError, match="two_colour_share"):
        _recipe(tmp_path, 'two_colour_share = 0.4\nsource = "folder"\nfolder = "x"\n')


def test_recipe_skirt_flare_reaches_the_world_and_is_checked(tmp_path):
    pairs = build_pairs(_recipe(tmp_path, "skirt_flare = 0.5\n"))
    assert pairs.skirt_flare == 0.5
    assert build_pairs(_recipe(tmp_path, "")).skirt_flare == 0.0
    with pytest.raises(RecipeError, match="skirt_flare"):
        _recipe(tmp_path, "skirt_flare = -1.0\n")
    with pytest.raises(RecipeError, match="skirt_flare"):
        _recipe(tmp_path, 'skirt_flare = 0.5\nsource = "folder"\nfolder = "x"\n')
    from pathlib import Path

    pipelines = Path(__file__).resolve().parents[2] / "pipelines"
    flare = load_train_recipe(pipelines / "train-unet-wide-flare-cpu.toml")
    assert flare.data.skirt_flare == 0.5 and flare.model.vae_encode_dtype == "float32"
