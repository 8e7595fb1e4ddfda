"""Checks around loading a weights folder: present, intact, and loaded strictly.

diffusers and transformers only *warn* about missing or unexpected checkpoint keys (and then
run with randomly initialised weights). A try-on with random weights looks like a bug, not an
error, so the pipeline refuses: every ``*.safetensors`` file is opened before loading (a
truncated or corrupt file is reported with its path), checksums are verified when the folder
has a ``checksums.sha256``, and after loading each component's state-dict keys must equal the
keys of its checkpoint files.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import torch
from safetensors import safe_open

from tryon.weights import CHECKSUMS_NAME, verify_checksums

logger = logging.getLogger(__name__)

HOW_TO_GET_WEIGHTS = (
    "train them with `tryon train --recipe pipelines/train-vae.toml`, then "
    "`pipelines/train-unet.toml` and `pipelines/train-refiner.toml` (see the README, "
    "'Training'), or pass --weights with a folder in the diffusers save_pretrained layout "
    "(e.g. one written by TryOnPipeline.save_pretrained)"
)


class WeightsError(ValueError):
    """A weights folder is missing, incomplete, corrupt or does not match its model."""


def check_weights_folder(folder: str | Path) -> Path:
    """Check ``folder`` before loading: it exists, has ``model_index.json``, its safetensors
    files open, and its checksums (if listed) match.

    Raises:
        WeightsError: naming the folder or file and what to do.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise WeightsError(f"weights folder {folder} does not exist; {HOW_TO_GET_WEIGHTS}")
    index = folder / "model_index.json"
    if not index.is_file():
        raise WeightsError(
            f"{folder} is not a pipeline weights folder (no model_index.json); {HOW_TO_GET_WEIGHTS}"
        )
    try:
        json.loads(index.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise WeightsError(f"{index} is corrupt: {err}") from None
    if (folder / CHECKSUMS_NAME).is_file():
        problems = verify_checksums(folder)
        if problems:
            raise WeightsError(
                f"weights folder {folder} failed its checksums: " + "; ".join(problems)
            )
    for file in sorted(folder.rglob("*.safetensors")):
        safetensors_keys(file)
    return folder


def safetensors_keys(file: Path) -> set[str]:
    """Tensor names in a safetensors file, reading every tensor so truncation is caught.

    Raises:
        WeightsError: the file cannot be parsed (truncated, corrupt, not safetensors).
    """
    try:
        with safe_open(str(file), framework="pt") as handle:
            keys = set(handle.keys())
            for key in keys:
                handle.get_slice(key)
        size = file.stat().st_size
        _check_length(file, size)
    except WeightsError:
        raise
    except Exception as err:  # safetensors raises its own SafetensorError and OSError
        raise WeightsError(f"checkpoint {file} is corrupt or truncated: {err}") from None
    return keys


def _check_length(file: Path, size: int) -> None:
    """The header's last data offset must equal the file's data length (truncation check)."""
    with open(file, "rb") as handle:
        header_len = int.from_bytes(handle.read(8), "little")
        header = json.loads(handle.read(header_len))
    end = max((v["data_offsets"][1] for k, v in header.items() if k != "__metadata__"), default=0)
    if 8 + header_len + end != size:
        raise WeightsError(
            f"checkpoint {file} is truncated or corrupt: {size} bytes, header says "
            f"{8 + header_len + end}"
        )


def verify_component_keys(name: str, module: torch.nn.Module, folder: Path) -> None:
    """Strict check: the state-dict keys of ``module`` equal the keys of the safetensors files
    in ``folder`` (buffers the model recomputes, like BERT's ``position_ids``, may be extra in
    the file).

    Raises:
        WeightsError: listing missing and unexpected keys.
    """
    files = sorted(Path(folder).glob("*.safetensors"))
    if not files:
        return
    file_keys: set[str] = set()
    for file in files:
        file_keys |= safetensors_keys(file)
    model_keys = set(module.state_dict().keys())
    buffers = {n for n, _ in module.named_buffers()}
    missing = sorted(model_keys - file_keys)
    unexpected = sorted(file_keys - model_keys - buffers)
    if missing or unexpected:
        raise WeightsError(
            f"component {name!r} in {folder} does not match its model class: "
            f"missing keys {missing[:10]}{'...' if len(missing) > 10 else ''}, "
            f"unexpected keys {unexpected[:10]}{'...' if len(unexpected) > 10 else ''}"
        )
