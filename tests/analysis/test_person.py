"""PersonAnalysis: validation, geometry, masks, pose maps, save/load."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from tryon.analysis import AnalysisFileError, PersonAnalysis, agnostic_mask_from_regions
from tryon.body import KEYPOINT_INDEX, PARSING_INDEX, render_pose_map


@pytest.fixture
def analysis(syn, rng) -> PersonAnalysis:
    image = rng.integers(0, 256, size=(syn.H, syn.W, 3), dtype=np.uint8)
    regions = syn.region_map()
    parsing = np.zeros_like(regions)
    parsing[40:100, 30:70] = PARSING_INDEX["top"]
    parsing[100:180, 35:65] = PARSING_INDEX["bottom"]
    return PersonAnalysis.from_ground_truth(image, syn.keypoints(), regions, parsing)


def test_ground_truth_analysis_geometry(analysis, syn) -> None:
    assert analysis.backend == "ground_truth"
    assert (analysis.height, analysis.width) == (syn.H, syn.W)
    assert analysis.bbox == (20, 4, 80, 190)
    np.testing.assert_array_equal(analysis.person_mask, syn.region_map() != 0)
    norm = analysis.keypoints_normalised
    assert norm[KEYPOINT_INDEX["nose"]].tolist() == pytest.approx([0.5, 0.1, 1.0])
    assert analysis.keypoints.dtype == np.float32 and analysis.regions.dtype == np.uint8


def test_from_ground_truth_accepts_the_datasets_tensors(analysis, syn) -> None:
    chw = torch.from_numpy(analysis.image).permute(2, 0, 1).float() / 127.5 - 1.0
    again = PersonAnalysis.from_ground_truth(
        chw,
        torch.from_numpy(syn.keypoints()),
        torch.from_numpy(syn.region_map().astype(np.int64)),
        torch.from_numpy(analysis.parsing.astype(np.int64)),
    )
    np.testing.assert_array_equal(again.image, analysis.image)
    np.testing.assert_array_equal(again.parsing, analysis.parsing)


def test_agnostic_mask_uses_parsing_and_image_is_filled(analysis) -> None:
    for category in ("upper", "lower", "full"):
        expected = agnostic_mask_from_regions(
            analysis.regions, analysis.keypoints, category, analysis.parsing, 0.03
        )
        np.testing.assert_array_equal(analysis.agnostic_mask(category), expected)
    mask = analysis.agnostic_mask("upper", dilation=0.05)
    filled = analysis.agnostic_image("upper", dilation=0.05, fill=(1, 2, 3))
    assert (filled[mask] == [1, 2, 3]).all()
    np.testing.assert_array_equal(filled[~mask], analysis.image[~mask])
    with pytest.raises(ValueError, match="fill"):
        analysis.agnostic_image("upper", fill=(300, 0, 0))


def test_pose_map_follows_the_crop_box(analysis) -> None:
    full = analysis.pose_map()
    assert full.shape == (17, analysis.height, analysis.width) and full.dtype == np.float32
    np.testing.assert_allclose(
        full, render_pose_map(analysis.keypoints, analysis.height, analysis.width)
    )
    # Crop the lower half and scale it to 25x25: the knee (58, 140) lands at (14.5, 10.0).
    crop = analysis.pose_map(box=(0, 100, 100, 200), size=(25, 25))
    knee = crop[KEYPOINT_INDEX["left_knee"]]
    y, x = np.unravel_index(np.argmax(knee), knee.shape)
    assert int(x) == 14 and int(y) in (9, 10)  # pixel centres 14.5 and 9.5/10.5
    with pytest.raises(ValueError, match="box"):
        analysis.pose_map(box=(10, 10, 5, 20))
    with pytest.raises(ValueError, match="size"):
        analysis.pose_map(size=(0, 3))


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("image", np.zeros((200, 100), np.uint8), ValueError),
        ("image", np.zeros((200, 100, 3), np.float32), TypeError),
        ("keypoints", np.zeros((17, 2)), ValueError),
        ("person_mask", np.zeros((10, 10), bool), ValueError),
        ("regions", np.full((200, 100), 50, np.uint8), ValueError),
        ("parsing", np.zeros((200, 99), np.uint8), ValueError),
    ],
)
def test_construction_validates(analysis, field, value, error) -> None:
    kwargs = {
        "image": analysis.image,
        "keypoints": analysis.keypoints,
        "person_mask": analysis.person_mask,
        "regions": analysis.regions,
        "parsing": analysis.parsing,
        "backend": "test",
        field: value,
    }
    with pytest.raises(error, match=field):
        PersonAnalysis(**kwargs)


def test_save_load_round_trip(analysis, tmp_path: Path) -> None:
    out = analysis.save(tmp_path / "a")
    assert sorted(p.name for p in out.iterdir()) == [
        "analysis.json",
        "image.png",
        "parsing.png",
        "person.png",
        "regions.png",
    ]
    info = json.loads((out / "analysis.json").read_text())
    assert info["bbox"] == [20, 4, 80, 190]
    assert info["image_size"] == {"height": 200, "width": 100}
    # Label PNGs keep the raw ids.
    np.testing.assert_array_equal(np.array(Image.open(out / "regions.png")), analysis.regions)
    loaded = PersonAnalysis.load(out)
    for name in ("image", "person_mask", "regions", "parsing"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(analysis, name))
    np.testing.assert_allclose(loaded.keypoints, analysis.keypoints, atol=1e-3)
    assert loaded.backend == "ground_truth"


def test_parsing_preview_is_not_loaded_as_parsing(analysis, tmp_path: Path) -> None:
    analysis.parsing = None
    analysis.save(tmp_path, parsing_preview=True)
    assert (tmp_path / "parsing.png").exists()
    assert json.loads((tmp_path / "analysis.json").read_text())["parsing_png"] == "regions"
    assert PersonAnalysis.load(tmp_path).parsing is None


@pytest.mark.parametrize(
    ("damage", "match"),
    [
        (lambda d: (d / "person.png").unlink(), "person.png is missing"),
        (lambda d: (d / "regions.png").write_bytes(b"not a png"), "regions.png is not a readable"),
        (lambda d: (d / "analysis.json").write_text("{"), "not valid JSON"),
        (lambda d: (d / "analysis.json").unlink(), "analysis.json is missing"),
        (lambda d: Image.new("L", (5, 5)).save(d / "person.png"), "expected 100x200"),
    ],
)
def test_load_names_the_bad_file(analysis, tmp_path: Path, damage, match) -> None:
    analysis.save(tmp_path)
    damage(tmp_path)
    with pytest.raises(AnalysisFileError, match=match):
        PersonAnalysis.load(tmp_path)


def test_load_refuses_other_versions(analysis, tmp_path: Path) -> None:
    analysis.save(tmp_path)
    info = json.loads((tmp_path / "analysis.json").read_text())
    info["format_version"] = 99
    (tmp_path / "analysis.json").write_text(json.dumps(info))
    with pytest.raises(AnalysisFileError, match="format_version"):
        PersonAnalysis.load(tmp_path)
    with pytest.raises(AnalysisFileError, match="does not exist"):
        PersonAnalysis.load(tmp_path / "nowhere")
