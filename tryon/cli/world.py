"""``tryon world``: look at and export the procedural try-on world.

* ``tryon world sample --n 16 --seed 0 --out grid.png [--size 512x384] [--split train]``
  writes a contact sheet (person in garment A | same person in garment B, caption of B).
* ``tryon world export --n 100 --split train --out DIR [--seed 0] [--size 512x384] [--force]``
  writes pairs in the real-data folder layout (see ``tryon.data.folder``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tryon.cli import CliError


def parse_size(text: str) -> tuple[int, int]:
    """``"512x384"`` -> ``(512, 384)`` (height x width)."""
    try:
        h, w = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"size must be HEIGHTxWIDTH like 512x384, got {text!r}"
        ) from None
    if not (16 <= h <= 1024 and 16 <= w <= 1024):
        raise argparse.ArgumentTypeError(f"size sides must be within 16..1024, got {text!r}")
    return h, w


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"seed must be a non-negative integer, got {text!r}"
        ) from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"seed must be a non-negative integer, got {text!r}")
    return value


def register(subparsers) -> None:
    from tryon.data.dataset import SPLITS

    parser = subparsers.add_parser(
        "world",
        help="sample or export the procedural try-on world",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="world_command", metavar="ACTION")
    sample = sub.add_parser("sample", help="write a contact sheet of world pairs")
    sample.add_argument("--n", type=_positive, default=16, help="number of pairs (default 16)")
    sample.add_argument("--seed", type=_seed, default=0, help="world seed (default 0)")
    sample.add_argument("--out", required=True, help="output image (.png or .jpg)")
    sample.add_argument(
        "--size", type=parse_size, default=(512, 384), help="frame HxW (default 512x384)"
    )
    sample.add_argument("--split", choices=SPLITS, default="train", help="split (default train)")
    sample.add_argument("--columns", type=_positive, default=None, help="pairs per row")
    sample.set_defaults(func=run_sample)
    export = sub.add_parser("export", help="write world pairs in the real-data folder layout")
    export.add_argument("--n", type=_positive, required=True, help="number of pairs")
    export.add_argument("--split", choices=SPLITS, default="train", help="split (default train)")
    export.add_argument("--out", required=True, help="output folder")
    export.add_argument("--seed", type=_seed, default=0, help="world seed (default 0)")
    export.add_argument(
        "--size", type=parse_size, default=(512, 384), help="frame HxW (default 512x384)"
    )
    export.add_argument(
        "--captions",
        choices=("natural", "exact", "mixed"),
        default="natural",
        help="caption form (default natural)",
    )
    export.add_argument("--force", action="store_true", help="write into a non-empty folder")
    export.set_defaults(func=run_export)
    parser.set_defaults(func=lambda args: _usage(parser))


def _usage(parser) -> int:
    parser.print_help(sys.stderr)
    return 2


def run_sample(args) -> int:
    from tryon.data.sheet import contact_sheet
    from tryon.io import save_image

    out = Path(args.out)
    if not out.parent.is_dir():
        raise CliError(f"output folder does not exist: {out.parent}")
    sheet = contact_sheet(
        args.n, seed=args.seed, size=args.size, split=args.split, columns=args.columns
    )
    save_image(sheet, out)
    print(f"wrote {out} ({sheet.shape[1]}x{sheet.shape[0]}, {args.n} pairs)")
    return 0


def run_export(args) -> int:
    from tryon.data.export import export_world

    out = Path(args.out)
    if out.is_dir() and any(out.iterdir()) and not args.force:
        raise CliError(f"{out} is not empty; pass --force to write into it")

    def progress(done, total):
        if done == total or done % 50 == 0:
            print(f"\r{done}/{total} pairs", end="" if done < total else "\n", file=sys.stderr)

    export_world(
        out,
        args.n,
        split=args.split,
        seed=args.seed,
        size=args.size,
        force=args.force,
        caption_mode=args.captions,
        progress=progress,
    )
    print(f"wrote {args.n} {args.split} pairs to {out}")
    return 0
