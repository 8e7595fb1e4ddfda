"""Tests of the world pair data set: determinism, splits, held-out combinations, contents."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tryon.body import CATEGORY_PARSING_LABELS, PARSING_INDEX, REGION_INDEX
from tryon.data import HELDOUT_COMBINATIONS, WorldPairDataset
from tryon.data.dataset import SPLITS, person_id, render_pair_spec, split_of_person

SIZE = (128, 96)


def test_item_contents():
    ds = WorldPairDataset("train", size=SIZE, length=4, seed=0)
    item = ds[1]
    for key in ("source", "target"):
        assert item[key].shape == (3, *SIZE) and item[key].dtype == torch.float32
        assert item[key].min() >= -1 and item[key].max() <= 1
    for key in ("agnostic_mask", "garment_mask"):
        assert item[key].shape == (1, *SIZE)
        assert set(torch.unique(item[key]).tolist()) <= {0.0, 1.0}
    assert item["keypoints"].shape == (17, 3)
    assert item["regions"].dtype == torch.int64 and item["parsing"].shape == SIZE
    assert isinstance(item["caption"], str) and item["caption"]
    assert item["category"] in ("upper", "lower", "full")
    assert item["attributes"]["category"] == item["category"]
    # The changed garment of B is inside the agnostic mask (it is painted there).
    garment = item["garment_mask"][0] > 0
    agnostic = item["agnostic_mask"][0] > 0
    labels = [PARSING_INDEX[n] for n in CATEGORY_PARSING_LABELS[item["category"]]]
    visible = np.isin(item["parsing"].numpy(), labels)
    # ... except where it overlaps parts the agnostic mask never covers (a trouser hem on a shoe).
    protected = np.isin(
        item["regions"].numpy(), [REGION_INDEX[n] for n in ("hair", "face", "hands", "feet")]
    )
    assert not (torch.from_numpy(visible & ~protected) & ~agnostic).any()
    assert garment.sum() > 0
    batch = torch.utils.data.default_collate([ds[0], ds[1]])
    assert batch["source"].shape == (2, 3, *SIZE)


def test_deterministic_by_seed_split_and_index():
    a = WorldPairDataset("val", size=SIZE, length=6, seed=3)
    b = WorldPairDataset("val", size=SIZE, length=6, seed=3)
    x, y = a[5], b[5]
    _ = b[2]
    z = b[5]
    for key in ("source", "target", "agnostic_mask", "garment_mask", "parsing"):
        assert torch.equal(x[key], y[key]) and torch.equal(x[key], z[key])
    assert x["caption"] == y["caption"]
    other = WorldPairDataset("val", size=SIZE, length=6, seed=4)[5]
    assert not torch.equal(x["source"], other["source"])
    assert not torch.equal(a[4]["source"], x["source"])


def test_splits_have_disjoint_people():
    ids = {s: {person_id(s, i) for i in range(200)} for s in SPLITS}
    for i, s in enumerate(SPLITS):
        for t in SPLITS[i + 1 :]:
            assert not ids[s] & ids[t]
        assert all(split_of_person(p) == s for p in ids[s])
    persons = {
        s: {
            WorldPairDataset(s, size=SIZE, length=20, seed=0).pair_spec(i).person for i in range(20)
        }
        for s in SPLITS
    }
    assert not persons["train"] & persons["test"]


def test_heldout_combinations_only_in_heldout_split():
    for split in ("train", "val", "test"):
        ds = WorldPairDataset(split, size=SIZE, length=150, seed=0)
        for i in range(150):
            spec = ds.pair_spec(i)
            for outfit in (spec.outfit_a, spec.outfit_b):
                for g in outfit.garments().values():
                    assert (g.colour, g.type) not in HELDOUT_COMBINATIONS
    ds = WorldPairDataset("heldout", size=SIZE, length=60, seed=0)
    seen = set()
    for i in range(60):
        spec = ds.pair_spec(i)
        combo = (spec.garment_b.colour, spec.garment_b.type)
        assert combo in HELDOUT_COMBINATIONS
        seen.add(combo)
        for g in spec.outfit_a.garments().values():
            assert (g.colour, g.type) not in HELDOUT_COMBINATIONS
    assert len(seen) >= 6


def test_pairs_differ_only_in_the_changed_garments():
    ds = WorldPairDataset("test", size=SIZE, length=12, seed=1)
    for i in range(12):
        spec = ds.pair_spec(i)
        a, b = render_pair_spec(spec, SIZE)
        union = np.zeros(SIZE, dtype=bool)
        for r in (a, b):
            for slot, mask in r.garment_masks.items():
                if slot == spec.garment_b.slot or spec.category == "full":
                    union |= mask
        np.testing.assert_array_equal(a.image[~union], b.image[~union])


def test_bad_arguments():
    with pytest.raises(ValueError, match="split"):
        WorldPairDataset("training")
    with pytest.raises(ValueError, match="length"):
        WorldPairDataset(length=0)
    with pytest.raises(ValueError, match="size"):
        WorldPairDataset(size=(4096, 64))
    with pytest.raises(IndexError):
        WorldPairDataset(size=SIZE, length=2)[2]


def test_agnostic_mask_is_the_union_over_a_and_b():
    from tryon.analysis import agnostic_mask_from_regions

    ds = WorldPairDataset("train", size=SIZE, length=8, seed=5)
    for i in range(8):
        item = ds[i]
        spec, a, b = ds.render(i)
        want = agnostic_mask_from_regions(b.regions, b.keypoints, spec.category, parsing=a.parsing)
        want |= agnostic_mask_from_regions(b.regions, b.keypoints, spec.category, parsing=b.parsing)
        np.testing.assert_array_equal(item["agnostic_mask"][0].numpy() > 0, want)


def test_skirt_flare_draws_the_training_masks_with_the_cone():
    """With `skirt_flare` the training masks get the same cone as the photo's mask at
    inference; the default (0) keeps the masks the shipped model was trained on."""
    from tryon.analysis import agnostic_mask_from_regions

    plain = WorldPairDataset("train", size=SIZE, length=40, seed=5)
    flared = WorldPairDataset("train", size=SIZE, length=40, seed=5, skirt_flare=0.5)
    lower = [i for i in range(40) if plain.pair_spec(i).category != "upper"][:2]
    upper = next(i for i in range(40) if plain.pair_spec(i).category == "upper")
    for i in lower:
        a, b = plain[i]["agnostic_mask"][0].numpy() > 0, flared[i]["agnostic_mask"][0].numpy() > 0
        assert (a <= b).all() and b.sum() > a.sum()
        spec, src, tgt = flared.render(i)
        want = agnostic_mask_from_regions(
            tgt.regions, tgt.keypoints, spec.category, parsing=src.parsing, skirt_flare=0.5
        )
        assert (want <= b).all()
    np.testing.assert_array_equal(plain[upper]["agnostic_mask"], flared[upper]["agnostic_mask"])
    for bad in (-0.5, float("nan")):
        with pytest.raises(ValueError, match="skirt_flare"):
            WorldPairDataset(size=SIZE, skirt_flare=bad)
