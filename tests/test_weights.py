"""tryon.weights: checksum lists written, verified, and compatible with sha256sum."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from tryon.weights import (
    CHECKSUMS_NAME,
    list_weights,
    sha256_file,
    verify_checksums,
    write_checksums,
)


def make_folder(root: Path, name: str = "tiny") -> Path:
    folder = root / name
    (folder / "unet").mkdir(parents=True)
    (folder / "unet" / "config.json").write_text('{"in_channels": 9}\n')
    (folder / "unet" / "diffusion_pytorch_model.safetensors").write_bytes(bytes(range(256)) * 9)
    (folder / "README.md").write_text("# tiny\n")
    return folder


def test_write_lists_every_file_sorted_relative(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    listing = write_checksums(folder)
    assert listing == folder / CHECKSUMS_NAME
    lines = listing.read_text().splitlines()
    paths = [line.split("  ", 1)[1] for line in lines]
    assert paths == ["README.md", "unet/config.json", "unet/diffusion_pytorch_model.safetensors"]
    digest = hashlib.sha256((folder / "README.md").read_bytes()).hexdigest()
    assert lines[0] == f"{digest}  README.md"
    assert verify_checksums(folder) == []
    # Writing again (the list now exists) must not list the list itself.
    write_checksums(folder)
    assert CHECKSUMS_NAME not in listing.read_text()


def test_corrupted_missing_and_extra_files_are_reported(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    write_checksums(folder)
    weights = folder / "unet" / "diffusion_pytorch_model.safetensors"
    data = bytearray(weights.read_bytes())
    data[100] ^= 0xFF  # one flipped byte
    weights.write_bytes(bytes(data))
    (folder / "README.md").unlink()
    (folder / "notes.txt").write_text("added later\n")
    problems = verify_checksums(folder)
    assert len(problems) == 3
    assert any("diffusion_pytorch_model.safetensors: checksum mismatch" in p for p in problems)
    assert any("README.md: listed in checksums.sha256 but missing" in p for p in problems)
    assert any("notes.txt: not listed" in p for p in problems)


def test_malformed_and_escaping_lines(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    write_checksums(folder)
    listing = folder / CHECKSUMS_NAME
    listing.write_text(
        listing.read_text() + "not a checksum line\n" + "0" * 64 + "  ../outside.bin\n"
    )
    problems = verify_checksums(folder)
    assert any(":4: malformed line" in p for p in problems)
    assert any("'../outside.bin' is outside the folder" in p for p in problems)


def test_no_list_or_no_folder(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    assert verify_checksums(folder) == [f"{folder}: no {CHECKSUMS_NAME}"]
    assert verify_checksums(tmp_path / "absent") == [f"{tmp_path / 'absent'}: not a folder"]
    with pytest.raises(NotADirectoryError):
        write_checksums(tmp_path / "absent")


def test_binary_marker_and_uppercase_digest_accepted(tmp_path: Path) -> None:
    folder = tmp_path / "w"
    folder.mkdir()
    (folder / "a.bin").write_bytes(b"abc")
    digest = sha256_file(folder / "a.bin").upper()
    (folder / CHECKSUMS_NAME).write_text(f"{digest} *a.bin\n")
    assert verify_checksums(folder) == []


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs GNU sha256sum")
def test_list_is_sha256sum_compatible(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    write_checksums(folder)
    result = subprocess.run(
        ["sha256sum", "--check", "--strict", CHECKSUMS_NAME],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_list_weights(tmp_path: Path) -> None:
    assert list_weights(tmp_path / "absent") == []
    make_folder(tmp_path, "b")
    make_folder(tmp_path, "a")
    (tmp_path / ".cache").mkdir()
    (tmp_path / "README.md").write_text("not a folder\n")
    assert [p.name for p in list_weights(tmp_path)] == ["a", "b"]
