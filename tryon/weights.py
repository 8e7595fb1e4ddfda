"""Weight folders and their checksums.

Each folder under ``weights/`` (for example ``weights/tryon-small``) is one set of weights in
the diffusers ``save_pretrained`` layout, with a model card, and a ``checksums.sha256`` file
in the format of GNU ``sha256sum`` (``<64 hex digits>  <path>``, paths relative to the folder,
``/``-separated, sorted), covering every file of the folder except itself. So both of these
check a folder::

    tryon weights verify weights/tryon-small
    (cd weights/tryon-small && sha256sum -c checksums.sha256)

and ``tryon weights write weights/tryon-small`` (re)writes the list after training.
``tryon doctor`` verifies every folder.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from pathlib import Path

from tryon.io import atomic_write

logger = logging.getLogger(__name__)

#: Name of the checksum list inside each weights folder.
CHECKSUMS_NAME = "checksums.sha256"
#: Default folder holding weight folders, relative to the working directory.
DEFAULT_WEIGHTS_ROOT = "weights"

_LINE = re.compile(r"^([0-9a-fA-F]{64}) [ *](.+)$")
_CHUNK = 1 << 20


def sha256_file(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes as 64 lowercase hex digits (read in 1 MiB chunks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _files(directory: Path) -> list[str]:
    """Relative posix paths of all regular files under ``directory`` except the list itself."""
    found = []
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames.sort()
        for name in filenames:
            full = Path(dirpath) / name
            rel = full.relative_to(directory).as_posix()
            if rel == CHECKSUMS_NAME or not full.is_file():
                continue
            found.append(rel)
    return sorted(found)


def write_checksums(directory: str | os.PathLike) -> Path:
    """Write ``<directory>/checksums.sha256`` listing every other file of the folder.

    Returns:
        The path of the written list (written atomically).

    Raises:
        NotADirectoryError: ``directory`` is not a folder.
        ValueError: a file name contains a newline (``sha256sum`` could not list it).
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise NotADirectoryError(f"not a weights folder: {folder}")
    lines = []
    for rel in _files(folder):
        if "\n" in rel or "\\" in rel:
            raise ValueError(f"{folder}: file name {rel!r} cannot be listed in {CHECKSUMS_NAME}")
        lines.append(f"{sha256_file(folder / rel)}  {rel}\n")
    target = folder / CHECKSUMS_NAME
    with atomic_write(target, "w") as handle:
        handle.writelines(lines)
    logger.info("wrote %s (%d files)", target, len(lines))
    return target


def verify_checksums(directory: str | os.PathLike) -> list[str]:
    """Check a weights folder against its ``checksums.sha256``.

    Returns:
        A list of problems, one human-readable line each (empty when all is well): no
        checksum list, a malformed line, a listed file that is missing or differs, a path
        that leaves the folder, a file present but not listed.
    """
    folder = Path(directory)
    if not folder.is_dir():
        return [f"{folder}: not a folder"]
    listing = folder / CHECKSUMS_NAME
    if not listing.is_file():
        return [f"{folder}: no {CHECKSUMS_NAME}"]
    problems: list[str] = []
    listed: set[str] = set()
    try:
        text = listing.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        return [f"{listing}: unreadable: {err}"]
    root = folder.resolve()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        if match is None:
            problems.append(f"{listing}:{number}: malformed line {line[:80]!r}")
            continue
        expected, rel = match.group(1).lower(), match.group(2)
        full = (folder / rel).resolve()
        if Path(rel).is_absolute() or not full.is_relative_to(root):
            problems.append(f"{listing}:{number}: path {rel!r} is outside the folder")
            continue
        rel = Path(rel).as_posix()
        listed.add(rel)
        if not full.is_file():
            problems.append(f"{folder / rel}: listed in {CHECKSUMS_NAME} but missing")
        elif sha256_file(full) != expected:
            problems.append(f"{folder / rel}: checksum mismatch (file changed or corrupted)")
    for rel in _files(folder):
        if rel not in listed:
            problems.append(f"{folder / rel}: not listed in {CHECKSUMS_NAME}")
    return problems


def list_weights(root: str | os.PathLike = DEFAULT_WEIGHTS_ROOT) -> list[Path]:
    """The weight folders under ``root``: its non-hidden subfolders, sorted by name.

    A missing ``root`` gives an empty list.
    """
    base = Path(root)
    if not base.is_dir():
        return []
    return sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def default_weights_root() -> Path:
    """``./weights`` if it exists, else the ``weights/`` folder of the source checkout."""
    here = Path.cwd() / DEFAULT_WEIGHTS_ROOT
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[1] / DEFAULT_WEIGHTS_ROOT
