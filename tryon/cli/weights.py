"""``tryon weights write|verify DIR...``: write or check the checksum list of weight folders."""

from __future__ import annotations

import sys
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "weights",
        help="write or verify checksums.sha256 of weight folders",
        description="write: list every file of each folder in its checksums.sha256 (after "
        "training); verify: check each folder against its list (exit 1 on any problem).",
    )
    parser.add_argument("action", choices=("write", "verify"))
    parser.add_argument("folders", nargs="+", type=Path)
    parser.set_defaults(func=run)


def run(args) -> int:
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
