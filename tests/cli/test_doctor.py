"""`tryon doctor` on the command line: text and JSON output, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tryon import __version__
from tryon.cli import main
from tryon.weights import write_checksums


def make_weights(root: Path, name: str) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "model.safetensors").write_bytes(bytes(range(200)))
    (folder / "README.md").write_text("# model card\n")
    write_checksums(folder)
    return folder


def test_doctor_text_output_and_exit_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_weights(tmp_path, "small")
    assert main(["doctor", "--weights", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"tryon {__version__}")
    assert "device: " in out and "threads" in out
    for name in ("torch", "diffusers", "transformers", "mediapipe", "xformers", "sam"):
        assert f"] {name}" in out
    assert "[ok  ] weights/small" in out and "2 files verified" in out
    assert "OK: tryon is ready" in out


def test_doctor_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--json", "--weights", str(tmp_path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True
    assert set(data["versions"]) >= {"torch", "diffusers", "transformers", "mediapipe", "numpy"}
    assert {c["name"] for c in data["checks"]} >= {"xformers", "sam", "text encoder"}
    assert data["device"] in ("cpu", "cuda")


def test_doctor_exits_non_zero_on_corrupted_weights(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = make_weights(tmp_path, "broken")
    with open(folder / "model.safetensors", "r+b") as handle:
        handle.seek(10)
        handle.write(b"\xff")
    assert main(["doctor", "--weights", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] weights/broken" in out and "checksum mismatch" in out
    assert "BROKEN: 1 required check(s) failed: weights/broken" in out

    assert main(["doctor", "--json", "--weights", str(tmp_path)]) == 1
    assert json.loads(capsys.readouterr().out)["ok"] is False


def test_console_entry_points() -> None:
    # `python -m tryon` is the same CLI as the `tryon` console script.
    result = subprocess.run(
        [sys.executable, "-m", "tryon", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"tryon {__version__}"
    result = subprocess.run(
        [sys.executable, "-m", "tryon", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "doctor" in result.stdout
