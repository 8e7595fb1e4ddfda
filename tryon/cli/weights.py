"""``tryon weights write|verify DIR...``: write or check the checksum list of weight folders;
``tryon weights widen SRC DST --latent-channels N``: a copy of a pipeline with a wider latent."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "weights",
        help="write or verify checksums.sha256 of weight folders; widen a pipeline's latent",
        description="write: list every file of each folder in its checksums.sha256 (after "
        "training); verify: check each folder against its list (exit 1 on any problem); "
        "widen: copy a pipeline folder with more latent channels, rendering exactly as before "
        "until the VAE and UNet are trained on them (README, Training).",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action, help_text in (
        ("write", "(re)write each folder's checksums.sha256"),
        ("verify", "check each folder against its checksums.sha256"),
    ):
        sub = actions.add_parser(action, help=help_text)
        sub.add_argument("folders", nargs="+", type=Path)
        sub.set_defaults(func=run_checksums)
    widen = actions.add_parser("widen", help="copy a pipeline folder with a wider latent")
    widen.add_argument("source", type=Path, help="a pipeline folder (weights/tryon-small)")
    widen.add_argument("destination", type=Path, help="a new folder (must not exist)")
    widen.add_argument("--latent-channels", type=int, required=True, metavar="N")
    widen.add_argument("--seed", type=int, default=0, help="seed of the new weights' init")
    widen.add_argument(
        "--dtype",
        choices=("float16", "float32"),
        default="float16",
        help="stored dtype (default float16, as the shipped weights; loading upcasts)",
    )
    widen.set_defaults(func=run_widen)


def run_checksums(args) -> int:
    from tryon.weights import verify_checksums, write_checksums

    status = 0
    for folder in args.folders:
        if args.action == "write":
            print(f"wrote {write_checksums(folder)}")
            continue
        problems = verify_checksums(folder)
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"{folder}: {'OK' if not problems else f'{len(problems)} problem(s)'}")
        status = status or (1 if problems else 0)
    return status


def run_widen(args) -> int:
    from tryon.cli import CliError
    from tryon.models.latent_widen import widen_pipeline_latents
    from tryon.pipeline import TryOnPipeline
    from tryon.training.stages.common import save_pipeline
    from tryon.weights import write_checksums

    destination: Path = args.destination
    if destination.exists():
        raise CliError(f"{destination} exists: widen writes a new folder, never over one")
    pipe = TryOnPipeline.from_pretrained(args.source)
    widen_pipeline_latents(pipe, args.latent_channels, seed=args.seed)
    destination.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the destination and renamed into place: never a half-written folder.
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}-", dir=destination.parent))
    try:
        save_pipeline(pipe, staging, args.dtype)
        staging.chmod(0o777 & ~_umask())  # mkdtemp makes it private
        write_checksums(staging)
        staging.rename(destination)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    print(
        f"wrote {destination}: {args.source} with {args.latent_channels} latent channels "
        "(renders as before until trained: tryon train --recipe pipelines/train-vae-wide.toml)"
    )
    return 0


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask
