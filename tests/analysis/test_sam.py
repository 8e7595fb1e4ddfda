"""SAM refinement with a tiny Segment Anything built from segment-anything's own modules."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
import pytest
import torch

pytest.importorskip("segment_anything")

from segment_anything.modeling import (  # noqa: E402
    ImageEncoderViT,
    MaskDecoder,
    PromptEncoder,
    Sam,
    TwoWayTransformer,
)

from tryon.analysis import SamRefiner  # noqa: E402
from tryon.analysis.sam import SamCheckpointError, garment_prompts, person_prompts  # noqa: E402
from tryon.body import PARSING_LABELS  # noqa: E402

IMG, PATCH, DIM = 128, 16, 32


def tiny_sam() -> Sam:
    """A 1-block ViT SAM at 128 px (about 0.2 M parameters)."""
    return Sam(
        image_encoder=ImageEncoderViT(
            img_size=IMG,
            patch_size=PATCH,
            embed_dim=48,
            depth=1,
            num_heads=2,
            mlp_ratio=2.0,
            out_chans=DIM,
            qkv_bias=True,
            norm_layer=partial(torch.nn.LayerNorm, eps=1e-6),
            use_rel_pos=True,
            window_size=4,
            global_attn_indexes=(0,),
        ),
        prompt_encoder=PromptEncoder(
            embed_dim=DIM,
            image_embedding_size=(IMG // PATCH, IMG // PATCH),
            input_image_size=(IMG, IMG),
            mask_in_chans=4,
        ),
        mask_decoder=MaskDecoder(
            num_multimask_outputs=3,
            transformer=TwoWayTransformer(depth=1, embedding_dim=DIM, mlp_dim=64, num_heads=2),
            transformer_dim=DIM,
            iou_head_depth=1,
            iou_head_hidden_dim=16,
        ),
    )


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("sam") / "tiny_sam.pth"
    torch.save(tiny_sam().state_dict(), path)
    return path


@pytest.fixture(scope="module")
def refiner(checkpoint) -> SamRefiner:
    return SamRefiner(checkpoint, build=tiny_sam)


@pytest.fixture
def person(syn, rng):
    image = rng.integers(0, 256, size=(syn.H, syn.W, 3), dtype=np.uint8)
    regions = syn.region_map()
    return image, regions != 0, regions, syn.keypoints()


def test_loaded_weights_equal_the_saved_ones(refiner, checkpoint) -> None:
    saved = torch.load(checkpoint, weights_only=True)
    loaded = refiner.predictor.model.state_dict()
    assert saved.keys() == loaded.keys()
    for key, value in saved.items():
        torch.testing.assert_close(loaded[key], value)


def test_predict_returns_a_bool_mask_of_the_photo_size(refiner, person) -> None:
    image = person[0]
    mask = refiner.predict(image, np.array([[50, 60]]), np.array([1]), box=(20, 4, 80, 190))
    assert mask.shape == image.shape[:2] and mask.dtype == bool
    # The same prompts give the same mask (deterministic, embedding cached).
    again = refiner.predict(image, np.array([[50, 60]]), np.array([1]), box=(20, 4, 80, 190))
    np.testing.assert_array_equal(mask, again)


def test_refine_person_and_garment_parsing_end_to_end(refiner, person) -> None:
    image, mask, regions, kp = person
    refined = refiner.refine_person(image, mask, kp)
    assert refined.shape == mask.shape and refined.dtype == bool
    parsing = refiner.garment_parsing(image, mask, regions, kp)
    assert parsing.shape == mask.shape and parsing.dtype == np.uint8
    assert parsing.max() < len(PARSING_LABELS)
    np.testing.assert_array_equal(parsing != 0, mask)
    for category in ("upper", "lower"):
        garment = refiner.garment_mask(image, mask, regions, kp, category)
        assert garment.dtype == bool and not (garment & ~mask).any()


def test_prompts_come_from_the_pose(person) -> None:
    _, mask, regions, kp = person
    points, labels = person_prompts(mask, kp)
    assert (labels == 1).sum() >= 8  # joints on the mask + the torso centre
    for (x, y), label in zip(points, labels, strict=True):
        assert mask[int(y), int(x)] == bool(label)
    points, labels, area = garment_prompts(regions, kp, "upper")
    positives = points[labels == 1]
    assert len(positives) == 3 and all(area[int(y), int(x)] for x, y in positives)


def test_analyzer_uses_the_refiner(refiner) -> None:
    from skimage import data

    from tryon.analysis import PersonAnalyzer

    with PersonAnalyzer(sam_refiner=refiner) as analyzer:
        result = analyzer.analyse(data.astronaut())
    assert result.backend == "mediapipe+sam"
    assert result.parsing is not None and result.parsing.shape == (512, 512)
    assert result.person_mask.dtype == bool and result.person_mask.shape == (512, 512)


def test_corrupt_checkpoint_is_a_clear_error(tmp_path: Path, checkpoint) -> None:
    bad = tmp_path / "broken.pth"
    bad.write_bytes(checkpoint.read_bytes()[:1000])
    with pytest.raises(SamCheckpointError, match="broken.pth.*corrupt"):
        SamRefiner(bad, build=tiny_sam)


def test_mismatched_checkpoint_names_the_model_type(checkpoint) -> None:
    with pytest.raises(SamCheckpointError, match="does not match model type 'vit_b'"):
        SamRefiner(checkpoint, model_type="vit_b")


def test_missing_checkpoint_says_where_to_get_one(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="sam_vit_b_01ec64.pth.*segment-anything"):
        SamRefiner(tmp_path / "nothing.pth")
    with pytest.raises(ValueError, match="model_type"):
        SamRefiner(tmp_path / "nothing.pth", model_type="vit_x")


def test_missing_extra_says_how_to_install(monkeypatch, tmp_path: Path) -> None:
    import sys

    from tryon.analysis import MissingDependencyError

    monkeypatch.setitem(sys.modules, "segment_anything", None)  # makes the import fail
    with pytest.raises(MissingDependencyError, match=r"pip install 'tryon\[sam\]'"):
        SamRefiner(tmp_path / "x.pth")
