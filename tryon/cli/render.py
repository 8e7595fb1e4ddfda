"""``tryon render``: one try-on from the command line.

    tryon render --person photo.jpg --prompt "a navy linen shirt" --out out.png [--json]

With ``--json`` it prints one JSON object: output path, seed, per-stage timings in seconds
(loading, analysis, text encoding, denoising, decoding, refiner, composite, total) and the
matcher score.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import replace
from pathlib import Path

from tryon.body import CATEGORIES
from tryon.cli import CliError
from tryon.cli.attribute_guidance import (
    add_attribute_guidance_argument,
    attribute_guidance_overrides,
)

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "render",
        help="render a person photo wearing a described garment",
        description=(
            "Render the person in PHOTO wearing the garment described by TEXT. Settings come "
            "from a render recipe (default: pipelines/default.toml); the options below "
            "override it. Pixels outside the garment region are kept exactly."
        ),
    )
    person = parser.add_mutually_exclusive_group(required=True)
    person.add_argument("--person", metavar="PHOTO", help="photo of the person")
    person.add_argument(
        "--analysis",
        metavar="DIR",
        help="a saved person analysis (tryon analyse) instead of a photo",
    )
    parser.add_argument("--prompt", required=True, metavar="TEXT", help="garment description")
    parser.add_argument("--out", required=True, metavar="OUT.png", help="output image path")
    parser.add_argument("--category", choices=CATEGORIES, default=None, help="garment category")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: recipe's)")
    parser.add_argument("--steps", type=int, default=None, help="denoising steps")
    parser.add_argument("--guidance", type=float, default=None, help="guidance scale")
    parser.add_argument(
        "--guidance-stop", type=float, default=None, help="fraction of steps that use guidance"
    )
    add_attribute_guidance_argument(parser)
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--recipe", default=None, help="render recipe TOML or name (default: default)"
    )
    source.add_argument(
        "--weights", metavar="DIR", default=None, help="weights folder (with the default recipe)"
    )
    parser.add_argument(
        "--refine", action=argparse.BooleanOptionalAction, default=None, help="run the refiner"
    )
    parser.add_argument(
        "--restore-background",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="bring the photo's background back where the render only hazed it",
    )
    parser.add_argument(
        "--colour-lock",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="shift the garment's base colour (and a print's) to the colours the prompt names",
    )
    parser.add_argument(
        "--garment-colour",
        metavar="COLOUR",
        default=None,
        help="lock the garment to this colour instead: a palette name, '#RRGGBB' or 'R,G,B'",
    )
    parser.add_argument(
        "--colour-prior",
        type=float,
        metavar="K",
        default=None,
        help="start sampling from noise around the asked colour, at this strength (0 = off; "
        "default: the recipe's)",
    )
    parser.add_argument(
        "--print-colour-prior",
        type=float,
        metavar="K",
        default=None,
        help="the colour prior's strength instead when the prompt names a print's colour "
        "('navy with white dots') (default: --colour-prior's when given, else the recipe's)",
    )
    parser.add_argument(
        "--known-start",
        type=float,
        metavar="K",
        default=None,
        help="start sampling from the photo's own forward process outside the mask, at this "
        "strength (0 = pure noise, 1 = the forward process; default: the recipe's)",
    )
    parser.add_argument("--rerank", type=int, default=None, help="best of N by matcher score")
    parser.add_argument("--json", action="store_true", help="print a JSON summary")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import torch

    from tryon.io import image_format_for, save_image
    from tryon.pipeline import TryOnPipeline, load_render_recipe

    for name in ("steps", "rerank"):
        value = getattr(args, name)
        if value is not None and value < (1 if name == "steps" else 0):
            raise CliError(f"--{name} must be {'>= 1' if name == 'steps' else '>= 0'}, got {value}")
    out_path = Path(args.out)
    image_format_for(out_path)  # unknown extension -> ValueError before any work
    if out_path.parent.exists() and not out_path.parent.is_dir():
        raise CliError(f"cannot write {out_path}: {out_path.parent} is not a folder")
    garment_colour = _garment_colour(args.garment_colour)
    _check_prior("--colour-prior", args.colour_prior)
    _check_prior("--print-colour-prior", args.print_colour_prior)
    _check_prior("--known-start", args.known_start)
    person = args.person
    if person is not None and not Path(person).is_file():
        raise CliError(f"person photo {person} does not exist")

    t0 = time.perf_counter()
    recipe = load_render_recipe(args.recipe or "default")
    native_size = args.weights is not None
    if args.weights is not None:
        recipe = replace(recipe, weights=args.weights)
    pipe = TryOnPipeline.from_recipe(recipe)
    pipe.set_progress_bar_config(disable=args.json or None)
    loading = time.perf_counter() - t0

    if args.analysis is not None:
        from tryon.analysis import PersonAnalysis

        person = PersonAnalysis.load(args.analysis)
    seed = recipe.seed if args.seed is None else args.seed
    size = {}
    if native_size:  # weights given without a recipe: the model's own working size
        size = dict(zip(("height", "width"), pipe.native_size, strict=True))
    output = pipe(
        person,
        args.prompt,
        category=args.category,
        num_inference_steps=args.steps,
        guidance_scale=args.guidance,
        guidance_stop=args.guidance_stop,
        attribute_guidance=attribute_guidance_overrides(args.attribute_guidance),
        refine=args.refine,
        rerank=args.rerank,
        restore_background=args.restore_background,
        colour_lock=args.colour_lock,
        garment_colour=garment_colour,
        colour_prior=args.colour_prior,
        print_colour_prior=args.print_colour_prior,
        known_start=args.known_start,
        generator=torch.Generator().manual_seed(seed),
        **size,
    )
    t1 = time.perf_counter()
    out_path.parent.mkdir(parents=True, exist_ok=True)  # only once there is a result to save
    save_image(output.images[0], out_path)
    timings = {"loading": loading, **output.timings, "saving": time.perf_counter() - t1}
    if args.json:
        summary = {
            "output": str(out_path),
            "seed": seed,
            "category": args.category or recipe.category,
            "weights": str(recipe.weights_path()),
            "timings": {k: round(v, 4) for k, v in timings.items()},
            "score": output.scores[0] if output.scores else None,
        }
        print(json.dumps(summary))
    else:
        print(f"wrote {out_path} (seed {seed}, {timings['total']:.1f} s)")
    return 0


def _check_prior(flag: str, value: float | None) -> None:
    """A start strength flag (``--colour-prior``, ``--print-colour-prior``,
    ``--known-start``), checked before any work: CliError naming the flag unless it is left
    out or finite and ``>= 0``."""
    if value is None:
        return
    from tryon.pipeline.colour_prior import check_colour_prior

    try:
        check_colour_prior(value)
    except ValueError:
        raise CliError(f"{flag} must be >= 0, got {value}") from None


def _garment_colour(text: str | None):
    """``--garment-colour``: a name or ``#RRGGBB`` as given, ``R,G,B`` as an int triple;
    checked before any work (CliError naming the problem)."""
    from tryon.pipeline.colour_lock import parse_colour

    if text is None:
        return None
    value = text
    if "," in text:
        try:
            value = tuple(int(part) for part in text.split(","))
        except ValueError:
            raise CliError(f"--garment-colour {text!r}: R,G,B must be three integers") from None
    try:
        parse_colour(value)
    except (ValueError, TypeError) as err:
        raise CliError(f"--garment-colour: {err}") from None
    return value
