"""Tests of ``tryon world sample`` and ``tryon world export``."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image

from tryon.cli import main


def test_sample_writes_a_contact_sheet(tmp_path, capsys):
    out = tmp_path / "grid.png"
    assert (
        main(["world", "sample", "--n", "2", "--seed", "1", "--size", "64x48", "--out", str(out)])
        == 0
    )
    sheet = np.asarray(Image.open(out))
    assert sheet.ndim == 3 and sheet.shape[1] >= 2 * 48 * 2
    assert "wrote" in capsys.readouterr().out


def test_export_and_refusal(tmp_path, capsys):
    out = tmp_path / "data"
    args = ["world", "export", "--n", "2", "--split", "test", "--size", "64x48", "--out", str(out)]
    assert main(args) == 0
    captions = json.loads((out / "captions.json").read_text())
    assert sorted(captions) == ["test_000000_a", "test_000000_b", "test_000001_a", "test_000001_b"]
    assert (out / "pairs.txt").read_text().split("\n")[0] == "test_000000_a test_000000_b"
    assert main(args) != 0  # non-empty folder without --force
    assert "not empty" in capsys.readouterr().err
    assert main(args + ["--force"]) == 0


def test_bad_size_is_a_usage_error(tmp_path, capsys):
    try:
        main(["world", "sample", "--size", "big", "--out", str(tmp_path / "x.png")])
    except SystemExit as err:
        assert err.code == 2
    assert "HEIGHTxWIDTH" in capsys.readouterr().err
