"""The ``tryon`` command line.

Each subcommand lives in its own module of this package and exposes
``register(subparsers)``, which adds a parser whose ``func`` default takes the parsed
``argparse.Namespace`` and returns an exit code. Errors a user can cause (bad files, bad
values, missing weights) are reported as one line on stderr with a non-zero exit.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from tryon import __version__

# Subcommand modules, in the order `tryon --help` lists them.
SUBCOMMANDS: tuple[str, ...] = ("doctor", "train", "eval", "world", "analyse", "render", "weights")


class CliError(Exception):
    """An error to report to the user as one line, with exit code ``code``."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tryon", description="Text-driven virtual try-on: photo + garment text -> photo."
    )
    parser.add_argument("--version", action="version", version=f"tryon {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        importlib.import_module(f"tryon.cli.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except CliError as err:
        print(f"tryon {args.command}: error: {err}", file=sys.stderr)
        return err.code
    except (ValueError, TypeError, FileNotFoundError, OSError) as err:
        print(f"tryon {args.command}: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"tryon {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
