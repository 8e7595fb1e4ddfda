"""Tests of the world export and the real-data folder loader (they must agree)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from tryon.body import KEYPOINT_INDEX, PARSING_INDEX
from tryon.data import FolderPairDataset, WorldPairDataset, export_world
from tryon.data.folder import convert_openpose, read_keypoints

SIZE = (96, 72)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("world") / "export"
    export_world(out, 3, split="val", seed=2, size=SIZE)
    return out


def test_loader_reads_what_export_wrote(exported):
    for sub in ("images", "parsing", "regions", "keypoints"):
        assert len(list((exported / sub).iterdir())) == 6
    loader = FolderPairDataset(exported)
    world = WorldPairDataset("val", size=SIZE, length=3, seed=2)
    assert len(loader) == 3
    for i in range(3):
        got, want = loader[i], world[i]
        assert got["id"] == f"val_{i:06d}_b" and got["source_id"] == f"val_{i:06d}_a"
        for key in ("source", "target", "parsing", "regions", "agnostic_mask"):
            assert torch.equal(got[key], want[key]), key
        assert torch.allclose(got["keypoints"], want["keypoints"], atol=1e-3)
        assert got["caption"] == want["caption"]
        assert got["category"] == want["category"]
        assert got["attributes"] == want["attributes"]
        # garment_mask from parsing = the visible garment (the world's adds the AA rim).
        assert not (got["garment_mask"] > want["garment_mask"]).any()
    batch = torch.utils.data.default_collate([loader[0], loader[1]])
    assert batch["target"].shape == (2, 3, *SIZE)


def test_export_refuses_non_empty_folder(exported):
    with pytest.raises(ValueError, match="not empty"):
        export_world(exported, 1, split="val", seed=2, size=SIZE)
    export_world(exported, 1, split="val", seed=2, size=SIZE, force=True)


def test_loader_letterboxes_and_reads_plain_folders(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "keypoints").mkdir()
    img = np.zeros((40, 20, 3), np.uint8)
    img[:, :, 0] = 200
    Image.fromarray(img).save(tmp_path / "images" / "p1.jpg")
    kp = np.zeros((17, 3), np.float32)
    kp[:, :2] = [10, 20]
    kp[:, 2] = 1
    (tmp_path / "keypoints" / "p1.json").write_text(json.dumps({"keypoints": kp.tolist()}))
    (tmp_path / "captions.json").write_text(json.dumps({"p1": "a red t-shirt"}))
    ds = FolderPairDataset(tmp_path, size=(80, 80))
    item = ds[0]
    assert item["target"].shape == (3, 80, 80)
    assert torch.equal(item["source"], item["target"])
    assert item["category"] == "upper"
    # 40x20 scaled by 2 into 80x80: 20 px of white padding each side, keypoints moved.
    assert item["target"][:, 40, 5].tolist() == [1.0, 1.0, 1.0]
    np.testing.assert_allclose(item["keypoints"][0].numpy(), [40.0, 40.0, 1.0])
    assert "agnostic_mask" not in item  # no regions or parsing to build it from


def test_openpose_and_viton_hd_layout(tmp_path):
    (tmp_path / "image").mkdir()
    (tmp_path / "openpose_json").mkdir()
    (tmp_path / "image-parse-v3").mkdir()
    Image.fromarray(np.full((32, 24, 3), 90, np.uint8)).save(tmp_path / "image" / "00001_00.jpg")
    body25 = np.zeros((25, 3), np.float32)
    body25[2] = [5, 6, 0.9]  # RShoulder
    body25[12] = [7, 8, 1.5]  # LHip (confidence clipped to 1)
    (tmp_path / "openpose_json" / "00001_00_keypoints.json").write_text(
        json.dumps({"people": [{"pose_keypoints_2d": body25.reshape(-1).tolist()}]})
    )
    lip = np.zeros((32, 24), np.uint8)
    lip[10:20, 5:15] = 5  # LIP upper-clothes
    lip[20:30, 5:15] = 9  # LIP pants
    Image.fromarray(lip).save(tmp_path / "image-parse-v3" / "00001_00.png")
    (tmp_path / "captions.json").write_text(json.dumps({"00001_00.jpg": "navy trousers"}))
    item = FolderPairDataset(tmp_path)[0]
    kp = item["keypoints"].numpy()
    np.testing.assert_allclose(kp[KEYPOINT_INDEX["right_shoulder"]], [5, 6, 0.9])
    np.testing.assert_allclose(kp[KEYPOINT_INDEX["left_hip"]], [7, 8, 1.0])
    assert kp[KEYPOINT_INDEX["nose"], 2] == 0
    parsing = item["parsing"].numpy()
    assert parsing[15, 10] == PARSING_INDEX["top"] and parsing[25, 10] == PARSING_INDEX["bottom"]
    assert item["category"] == "lower"
    assert item["garment_mask"][0].sum() == 100


def test_keypoint_formats(tmp_path):
    op18 = np.arange(54, dtype=np.float32)
    kp = convert_openpose(op18)
    assert kp.shape == (17, 3)
    np.testing.assert_allclose(kp[KEYPOINT_INDEX["left_ear"], :2], [51, 52])
    path = tmp_path / "k.json"
    path.write_text(json.dumps({"keypoints": [[1, 2, 3]] * 5}))
    with pytest.raises(ValueError, match="17"):
        read_keypoints(path)
    with pytest.raises(ValueError, match="18 or 25"):
        convert_openpose([1.0] * 30)


def test_bad_folders(tmp_path):
    with pytest.raises(FileNotFoundError):
        FolderPairDataset(tmp_path / "missing")
    with pytest.raises(ValueError, match="images"):
        FolderPairDataset(tmp_path)
    (tmp_path / "images").mkdir()
    (tmp_path / "pairs.txt").write_text("a b c\n")
    with pytest.raises(ValueError, match="source target"):
        FolderPairDataset(tmp_path)
