"""Tests of the attribute classifiers (tiny sizes, synthetic crops with known labels)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tryon.evaluation.classifiers import (
    IGNORE,
    AttributeClassifier,
    CropSet,
    accuracy,
    label_index,
    load_classifier,
    to_uint8,
    train_classifier,
)


def _synthetic(n: int, seed: int, size: int = 16) -> CropSet:
    """Type = dominant hue (3 classes), pattern = solid vs horizontal stripes."""
    rng = np.random.default_rng(seed)
    colours = np.array([[220, 30, 30], [30, 200, 40], [40, 40, 220]], np.uint8)
    crops = np.empty((n, size, size, 3), np.uint8)
    t = rng.integers(0, 3, n)
    p = rng.integers(0, 2, n)  # 0 solid, 1 stripes_h
    for i in range(n):
        crops[i] = colours[t[i]]
        if p[i]:
            crops[i, ::4] = 250
            crops[i, 1::4] = 250
    sleeve = np.where(t == 0, IGNORE, t - 1)
    return CropSet(crops, {"type": t, "sleeve": sleeve, "pattern": p})


def _tiny() -> AttributeClassifier:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return AttributeClassifier(image_size=16, channels=(8, 16), dropout=0.0)


def test_training_learns_separable_attributes_and_round_trips(tmp_path):
    model = _tiny()
    train = _synthetic(96, 0)
    before = accuracy(model, train)
    losses = train_classifier(
        model, train, epochs=12, batch_size=16, lr=1e-2, log_every=0, augment=False
    )
    assert np.mean(losses[-5:]) < 0.5 * np.mean(losses[:5])
    test = _synthetic(64, 1)
    acc = accuracy(model, test)
    assert acc["type"] == 1.0 and acc["pattern"] >= 0.95
    assert acc["sleeve_n"] == int((test.labels["sleeve"] != IGNORE).sum())
    assert before["type"] < 1.0 or before["pattern"] < 1.0

    model.save_pretrained(str(tmp_path))
    loaded = load_classifier(tmp_path)
    assert loaded.labels("type")[0] == "t-shirt"
    np.testing.assert_array_equal(
        np.asarray(loaded.predict(test.crops)["type"]),
        np.asarray(model.predict(test.crops)["type"]),
    )


def test_label_index_and_errors(tmp_path):
    assert label_index("sleeve", "none", ("sleeveless", "short", "long")) == IGNORE
    assert label_index("pattern", "dots", ("solid", "dots")) == 1
    with pytest.raises(ValueError, match="unknown pattern"):
        label_index("pattern", "paisley", ("solid", "dots"))
    with pytest.raises(FileNotFoundError, match="train them"):
        load_classifier(tmp_path / "missing")
    with pytest.raises(ValueError, match="crops must be"):
        _tiny().predict(np.zeros((2, 16, 16), np.uint8))


def test_to_uint8_inverts_dataset_scaling():
    img = np.random.default_rng(0).integers(0, 256, (5, 4, 3), dtype=np.uint8)
    as_float = torch.from_numpy(img).permute(2, 0, 1).float() / 127.5 - 1.0
    np.testing.assert_array_equal(to_uint8(as_float), img)


def test_garment_crop_greys_everything_outside_the_mask():
    from tryon.evaluation.classifiers import garment_crop

    image = np.full((120, 80, 3), 255, np.uint8)
    mask = np.zeros((120, 80), bool)
    mask[40:80, 20:30] = True  # an L shape: its box holds white, unmasked pixels
    mask[40:50, 20:60] = True
    image[mask] = (200, 10, 10)
    keypoints = np.zeros((17, 3), np.float32)
    crop = garment_crop(image, mask, keypoints, size=32)
    assert crop.shape == (32, 32, 3) and crop.dtype == np.uint8
    # The white outside the mask never shows (green stays near the grey's 128, up to
    # Lanczos ringing); the garment red and the grey both do.
    assert crop[..., 1].max() < 150
    np.testing.assert_allclose(crop[4, 16], (200, 10, 10), atol=3)
    np.testing.assert_allclose(crop[24, 24], (128, 128, 128), atol=3)
    with pytest.raises(ValueError, match="mask shape"):
        garment_crop(image, mask[:10], keypoints)


def test_a_hide_top_view_greys_the_top_over_a_lower_garment_in_the_same_box(tmp_path):
    """A classifier trained with ``hide_top`` sees a lower pair without the top hanging over
    it (the waist band of the judges' mask holds the top's hem); the crop box stays the
    mask's, and older classifiers (no ``hide_top`` in their config) keep the old view."""
    from tryon.evaluation.classifiers import garment_crop, judge_hidden
    from tryon.evaluation.harness import classifier_views, world_samples

    sample = next(s for s in world_samples("test", 12, size=(256, 192)) if s.category == "lower")
    hidden = sample.judge_hidden
    assert hidden is not None and (hidden & sample.agnostic_mask).sum() > 100
    assert judge_hidden("upper", np.zeros((4, 4), np.uint8)) is None
    size = 64
    plain = garment_crop(sample.target, sample.agnostic_mask, sample.keypoints, size)
    hid = garment_crop(sample.target, sample.agnostic_mask, sample.keypoints, size, hidden)
    # The same box as the plain view: hiding is painting the top grey before cropping.
    painted = sample.target.copy()
    painted[hidden] = 128
    np.testing.assert_array_equal(
        hid, garment_crop(painted, sample.agnostic_mask, sample.keypoints, size)
    )
    assert np.any(plain != hid, axis=-1).mean() > 0.05

    old = _tiny()
    model = AttributeClassifier(image_size=size, channels=(4, 8), hide_top=True)
    model.save_pretrained(str(tmp_path))
    assert load_classifier(tmp_path).config.hide_top is True
    images = [sample.target]
    np.testing.assert_array_equal(classifier_views(model, images, [sample])[0], hid)
    old_view = classifier_views(old, images, [sample])[0]
    old_plain = garment_crop(
        sample.target, sample.agnostic_mask, sample.keypoints, old.config.image_size
    )
    np.testing.assert_array_equal(old_view, old_plain)


def test_augment_keeps_shape_range_and_content():
    from tryon.evaluation.classifiers import _augment, crops_to_tensor

    crops = _synthetic(8, 0).crops
    x = crops_to_tensor(crops)
    y = _augment(x, torch.Generator().manual_seed(0))
    assert y.shape == x.shape and y.min() >= -1.0 and y.max() <= 1.0
    assert not torch.equal(x, y)
    # Deterministic under the generator.
    torch.testing.assert_close(y, _augment(x, torch.Generator().manual_seed(0)))


def test_judge_mask_keeps_the_classifiers_view_when_the_pipeline_mask_widens():
    """The judges see a pair through the masks their classifiers were trained on (no skirt
    cone), whatever mask a method draws in (with the cone of a model trained with it): on a
    loose skirt the two differ, and the judges' view is exactly the union of the cone-less
    masks."""
    from tryon.analysis import agnostic_mask_from_regions
    from tryon.data import WorldPairDataset
    from tryon.evaluation.classifiers import JUDGE_SKIRT_FLARE, judge_mask
    from tryon.evaluation.harness import world_samples

    assert JUDGE_SKIRT_FLARE == 0.0
    ds = WorldPairDataset(split="val", size=(256, 192), length=400, seed=0)
    index = next(
        i
        for i in range(len(ds))
        if ds.pair_spec(i).garment_b.type == "skirt" and ds.pair_spec(i).garment_b.fit == "loose"
    )
    spec, a, b = ds.render(index)
    judged = judge_mask(b.regions, b.keypoints, spec.category, a.parsing, b.parsing)
    straight = [
        agnostic_mask_from_regions(b.regions, b.keypoints, "lower", parsing=p, skirt_flare=0.0)
        for p in (a.parsing, b.parsing)
    ]
    np.testing.assert_array_equal(judged, straight[0] | straight[1])
    photo = agnostic_mask_from_regions(
        b.regions, b.keypoints, "lower", parsing=a.parsing, skirt_flare=0.5
    )
    assert (photo & ~judged).sum() > 0.05 * judged.sum()  # the cone reaches past the view

    sample = world_samples("test", 1, size=(128, 96))[0]
    spec, a, b = WorldPairDataset(split="test", size=(128, 96), length=1, seed=0).render(0)
    np.testing.assert_array_equal(
        sample.agnostic_mask,
        judge_mask(b.regions, b.keypoints, spec.category, a.parsing, b.parsing),
    )


def test_training_command_writes_a_loadable_judge_and_init_seed_changes_only_the_init(tmp_path):
    """`python -m tryon.evaluation.classifiers` end to end on a few pairs: the folder loads,
    its metrics record both seeds, the same seeds give the same weights and another
    ``--init-seed`` (same data) other weights."""
    import json

    import torch
    from safetensors.torch import load_file

    from tryon.evaluation.classifiers import load_classifier, main

    common = ["--train", "12", "--test", "4", "--epochs", "1", "--batch-size", "4"]
    common += ["--image-size", "32", "--size", "128", "96", "--cache", str(tmp_path / "cache")]
    for name, extra in (("a", []), ("b", []), ("c", ["--init-seed", "7"])):
        assert main([*common, "--out", str(tmp_path / name), *extra]) == 0
    metrics = json.loads((tmp_path / "c" / "metrics.json").read_text())
    assert metrics["seed"] == 0 and metrics["init_seed"] == 7
    assert "init and batch order seed 7" in (tmp_path / "c" / "README.md").read_text()
    assert load_classifier(tmp_path / "a").config.image_size == 32

    def weights(name):
        return load_file(str(tmp_path / name / "diffusion_pytorch_model.safetensors"))

    a, b, c = weights("a"), weights("b"), weights("c")
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert any(not torch.equal(a[k], c[k]) for k in a)
