"""`tryon weights write|verify`: checksum lists from the command line."""

from tryon.cli import main


def test_write_then_verify_then_detect_a_corrupt_file(tmp_path, capsys):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / "weights.safetensors").write_bytes(b"\x00" * 64)
    assert main(["weights", "write", str(folder)]) == 0
    assert (folder / "checksums.sha256").is_file()
    assert main(["weights", "verify", str(folder)]) == 0
    assert f"{folder}: OK" in capsys.readouterr().out
    (folder / "weights.safetensors").write_bytes(b"\x01" * 64)
    assert main(["weights", "verify", str(folder)]) == 1
    captured = capsys.readouterr()
    assert "weights.safetensors" in captured.err and "checksum mismatch" in captured.err
    assert "1 problem(s)" in captured.out
