"""`tryon analyse PHOTO --out DIR` end to end on matplotlib's grace_hopper.jpg."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tryon.analysis import PersonAnalysis
from tryon.body import REGION_LABELS
from tryon.cli import main


@pytest.fixture(scope="module")
def photo() -> Path:
    from matplotlib import cbook

    return Path(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))


def test_analyse_writes_every_file(photo: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert main(["analyse", str(photo), "--out", str(out), "--dilation", "0.05"]) == 0
    assert "wrote" in capsys.readouterr().out
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        [
            "analysis.json",
            "image.png",
            "person.png",
            "regions.png",
            "parsing.png",
            "agnostic-upper.png",
            "agnostic-lower.png",
            "agnostic-full.png",
            "overlay.png",
        ]
    )
    info = json.loads((out / "analysis.json").read_text())
    assert info["image_size"] == {"height": 600, "width": 512}
    assert len(info["keypoints"]) == 17 and len(info["bbox"]) == 4
    assert info["parsing_png"] == "regions"
    for name in ("person.png", "agnostic-upper.png", "agnostic-lower.png", "agnostic-full.png"):
        mask = np.array(Image.open(out / name))
        assert mask.shape == (600, 512), name
        assert set(np.unique(mask)) <= {0, 255}, name
    upper = np.array(Image.open(out / "agnostic-upper.png")) > 0
    full = np.array(Image.open(out / "agnostic-full.png")) > 0
    assert upper.mean() > 0.2 and not (upper & ~full).any()
    regions = np.array(Image.open(out / "regions.png"))
    assert regions.max() < len(REGION_LABELS) and (regions > 0).any()
    assert Image.open(out / "overlay.png").size == (512, 600)
    # The folder is a loadable analysis whose masks reproduce the written ones.
    analysis = PersonAnalysis.load(out)
    np.testing.assert_array_equal(analysis.agnostic_mask("upper", dilation=0.05), upper)


def test_analyse_errors_are_one_line(tmp_path: Path, capsys) -> None:
    blank = tmp_path / "blank.png"
    Image.new("RGB", (200, 200), "white").save(blank)
    assert main(["analyse", str(blank), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "no person found" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()
    assert main(["analyse", str(tmp_path / "missing.jpg"), "--out", str(tmp_path / "o")]) == 1
    assert "missing.jpg" in capsys.readouterr().err
    assert main(["analyse", str(blank), "--out", str(tmp_path / "o"), "--dilation", "2"]) == 1
    assert "dilation" in capsys.readouterr().err


def test_analyse_writes_the_colour_parsing_unless_told_not_to(tmp_path: Path) -> None:
    from tryon.body import PARSING_INDEX
    from tryon.evaluation.harness import world_samples

    photo = tmp_path / "person.png"
    Image.fromarray(world_samples("test", 2)[1].source).save(photo)  # a top over a skirt
    assert main(["analyse", str(photo), "--out", str(tmp_path / "a")]) == 0
    info = json.loads((tmp_path / "a" / "analysis.json").read_text())
    assert info["backend"] == "mediapipe+colour" and info["parsing_png"] == "parsing"
    parsing = PersonAnalysis.load(tmp_path / "a").parsing
    assert (parsing == PARSING_INDEX["top"]).sum() > 1000
    assert main(["analyse", str(photo), "--out", str(tmp_path / "b"), "--no-colour-parsing"]) == 0
    info = json.loads((tmp_path / "b" / "analysis.json").read_text())
    assert info["backend"] == "mediapipe" and info["parsing_png"] == "regions"
