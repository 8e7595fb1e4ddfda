"""``--attribute-guidance ATTRIBUTE=SCALE[:STOP]``: the option of ``tryon render`` and ``eval``."""

from __future__ import annotations

import argparse

# The attributes :data:`tryon.pipeline.guidance.CONTRASTS` guides, named here so that building
# the parser does not import torch (a test keeps the two in step).
ATTRIBUTES = ("colour", "pattern", "print_colour")


def parse_attribute_guidance(text: str) -> tuple[str, float | tuple[float, float]]:
    """``"colour=6"`` -> ``("colour", 6.0)``; ``"pattern=3:0.5"`` -> ``("pattern", (3.0, 0.5))``
    (the pipeline's ``attribute_guidance`` entries; a bare scale keeps the recipe's stop)."""
    from tryon.pipeline.guidance import AttributeGuidance

    attribute, sep, value = text.partition("=")
    if not sep or attribute not in ATTRIBUTES:
        raise argparse.ArgumentTypeError(
            f"expected ATTRIBUTE=SCALE[:STOP] with ATTRIBUTE one of {', '.join(ATTRIBUTES)}, "
            f"got {text!r}"
        )
    scale_text, _, stop_text = value.partition(":")
    try:
        scale = float(scale_text)
        stop = float(stop_text) if stop_text else None
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{attribute}: expected SCALE[:STOP], got {value!r}"
        ) from None
    try:
        AttributeGuidance(scale, 1.0 if stop is None else stop)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{attribute}: {error}") from None
    return attribute, scale if stop is None else (scale, stop)


def add_attribute_guidance_argument(parser: argparse.ArgumentParser) -> None:
    """Add the repeatable ``--attribute-guidance`` option (``dest="attribute_guidance"``, a list
    of :func:`parse_attribute_guidance` pairs, None when not given)."""
    parser.add_argument(
        "--attribute-guidance",
        action="append",
        type=parse_attribute_guidance,
        metavar="ATTRIBUTE=SCALE[:STOP]",
        help=(
            f"attribute guidance over the recipe's: ATTRIBUTE is one of {', '.join(ATTRIBUTES)}; "
            "SCALE 0 = off; STOP = fraction of the steps it runs on (default: the recipe's). "
            "Repeat for several, e.g. --attribute-guidance colour=6 --attribute-guidance pattern=3"
        ),
    )


def attribute_guidance_overrides(pairs) -> dict | None:
    """The parsed option as the pipeline's ``attribute_guidance`` mapping (the last of a
    repeated attribute wins); None when the option was not given."""
    return None if not pairs else dict(pairs)


def attribute_guidance_flags(pairs) -> list[str]:
    """The command-line words that give ``pairs`` again (for a report's reproduce line)."""
    out = []
    for attribute, value in pairs or []:
        text = f"{value[0]:g}:{value[1]:g}" if isinstance(value, tuple) else f"{value:g}"
        out += ["--attribute-guidance", f"{attribute}={text}"]
    return out
