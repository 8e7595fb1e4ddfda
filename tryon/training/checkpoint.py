"""Crash-safe training checkpoints.

A checkpoint is a folder ``<run>/checkpoints/checkpoint-<step:08d>/`` written by
``accelerate.Accelerator.save_state`` (models, optimizers, LR schedulers, RNG states and
registered objects such as the EMA) plus ``trainer_state.json``. It is first written under a
hidden temporary name and renamed into place only when complete, so a run killed at any
moment (even ``kill -9``) leaves either the previous checkpoints or the new one, never half
of one; ``trainer_state.json`` is written last and marks a checkpoint as complete.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

logger = logging.getLogger(__name__)

CHECKPOINT_PREFIX = "checkpoint-"
STATE_FILE = "trainer_state.json"


def checkpoint_dir(run_dir: str | os.PathLike) -> Path:
    return Path(run_dir) / "checkpoints"


def list_checkpoints(run_dir: str | os.PathLike) -> list[Path]:
    """Complete checkpoints of a run, oldest first."""
    root = checkpoint_dir(run_dir)
    if not root.is_dir():
        return []
    found = [
        path
        for path in root.iterdir()
        if path.is_dir()
        and path.name.startswith(CHECKPOINT_PREFIX)
        and (path / STATE_FILE).is_file()
    ]
    return sorted(found, key=lambda path: int(path.name[len(CHECKPOINT_PREFIX) :]))


def latest_checkpoint(run_dir: str | os.PathLike) -> Path | None:
    """The newest complete checkpoint of a run, or ``None``."""
    checkpoints = list_checkpoints(run_dir)
    return checkpoints[-1] if checkpoints else None


def read_state(checkpoint: str | os.PathLike) -> dict:
    """The ``trainer_state.json`` of a checkpoint (``step`` and bookkeeping)."""
    path = Path(checkpoint) / STATE_FILE
    try:
        state = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise ValueError(
            f"corrupt checkpoint {checkpoint}: cannot read {STATE_FILE}: {err}"
        ) from err
    if not isinstance(state.get("step"), int):
        raise ValueError(f"corrupt checkpoint {checkpoint}: {STATE_FILE} has no integer 'step'")
    return state


def save_checkpoint(accelerator, run_dir: str | os.PathLike, state: dict, keep: int = 2) -> Path:
    """Save the accelerator's state and ``state`` (must hold ``step``) atomically.

    Keeps the newest ``keep`` checkpoints (``keep <= 0`` keeps all) and removes leftovers of
    interrupted saves.
    """
    step = int(state["step"])
    root = checkpoint_dir(run_dir)
    root.mkdir(parents=True, exist_ok=True)
    final = root / f"{CHECKPOINT_PREFIX}{step:08d}"
    tmp = root / f".tmp-{final.name}-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    accelerator.save_state(str(tmp))
    state_tmp = tmp / (STATE_FILE + ".part")
    state_tmp.write_text(json.dumps(state, indent=2, sort_keys=True))
    with open(state_tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(state_tmp, tmp / STATE_FILE)
    if final.exists():  # a re-save of the same step (e.g. the final one): replace it
        shutil.rmtree(final)
    os.replace(tmp, final)
    logger.info("saved checkpoint %s", final)
    _prune(root, keep)
    return final


def _prune(root: Path, keep: int) -> None:
    for leftover in root.glob(".tmp-*"):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
    if keep <= 0:
        return
    for old in list_checkpoints(root.parent)[:-keep]:
        shutil.rmtree(old, ignore_errors=True)


def load_checkpoint(accelerator, checkpoint: str | os.PathLike) -> dict:
    """Restore the accelerator's state from ``checkpoint`` and return its trainer state."""
    state = read_state(checkpoint)
    accelerator.load_state(str(checkpoint))
    logger.info("resumed from %s at step %d", checkpoint, state["step"])
    return state
