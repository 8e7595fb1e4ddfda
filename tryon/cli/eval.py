"""``tryon eval``: measure a try-on model (or a baseline) on held-out world pairs and real photos.

Examples::

    tryon eval --weights weights/tryon-small --n 100 --report benchmarks/results/tryon-small
    tryon eval --baseline recolour --n 100 --report benchmarks/results/recolour
    tryon eval --baseline no-refine --weights weights/tryon-small-joint --n 100 --report ...
    tryon eval --weights weights/tryon-small-joint --refine off --n 100 --report ...
    tryon eval --compare benchmarks/results/tryon-small benchmarks/results/recolour \\
        --report benchmarks/results
"""

from __future__ import annotations

import argparse
import logging
import shlex
from pathlib import Path

from tryon.cli import CliError
from tryon.cli.attribute_guidance import (
    add_attribute_guidance_argument,
    attribute_guidance_flags,
    attribute_guidance_overrides,
)

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="evaluate a try-on model or baseline (FID/KID, SSIM, text fidelity, preservation)",
        description=(
            "Run a try-on method over held-out world pairs (test split, held-out attribute "
            "combinations, paraphrased prompts) and real photos, and write report.json, "
            "report.md, metrics.png and sample grids into --report DIR."
        ),
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--recipe", metavar="X", help="render recipe (name or TOML path)")
    source.add_argument("--weights", metavar="DIR", help="pipeline weights folder")
    parser.add_argument(
        "--baseline",
        choices=("recolour", "no-match", "no-refine", "ground-truth", "autoencoder", "crop"),
        help=(
            "recolour: recolour the agnostic region (no model); no-refine: the model without "
            "its refiner; no-match: label the model given by --weights/--recipe as the "
            "lambda_match=0 ablation; ground-truth: the true targets (metric ceiling); "
            "autoencoder: the true targets through the model's VAE (the latent model's ceiling); "
            "crop: the true targets resized to the model's working size and back (its "
            "resolution's ceiling)"
        ),
    )
    parser.add_argument(
        "--split",
        default="test,heldout,paraphrase",
        help="comma-separated evaluation sets: test, heldout, paraphrase, val "
        "(default: test,heldout,paraphrase)",
    )
    parser.add_argument("--n", type=int, default=100, help="world pairs per split (default 100)")
    parser.add_argument("--report", metavar="DIR", required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=0, help="data and sampling seed (default 0)")
    parser.add_argument(
        "--size",
        type=int,
        nargs=2,
        default=(512, 384),
        metavar=("H", "W"),
        help="world image size (default 512 384)",
    )
    parser.add_argument("--steps", type=int, help="denoising steps (default: the recipe's)")
    add_attribute_guidance_argument(parser)
    parser.add_argument(
        "--refine",
        choices=("auto", "on", "off"),
        default="auto",
        help="refiner: auto = on when the weights have one (default)",
    )
    parser.add_argument(
        "--restore-background",
        choices=("recipe", "on", "off"),
        default="recipe",
        help="background restore in the composite: recipe = as the render recipe says (default)",
    )
    parser.add_argument(
        "--colour-lock",
        choices=("recipe", "on", "off"),
        default="recipe",
        help="lock the garment's base colour to the prompt's: recipe = as the recipe says "
        "(default)",
    )
    parser.add_argument(
        "--classifiers",
        default="weights/eval-classifiers",
        metavar="DIR",
        help="attribute classifiers ('none' to skip; default weights/eval-classifiers)",
    )
    parser.add_argument(
        "--matcher-weights",
        metavar="DIR",
        help="judge recall@1 with this pipeline's matcher (default: the evaluated model's)",
    )
    parser.add_argument("--no-fid", action="store_true", help="skip FID/KID")
    parser.add_argument("--no-real", action="store_true", help="skip the real photos")
    parser.add_argument("--grid", type=int, default=6, help="sample-grid rows per split")
    parser.add_argument(
        "--compare",
        nargs="+",
        metavar="REPORT",
        help="instead of evaluating: compare existing report folders into --report DIR",
    )
    parser.set_defaults(func=run)


def _load_pipeline(recipe: str | None, weights: str | None):
    from tryon.pipeline import TryOnPipeline
    from tryon.pipeline.recipe import load_render_recipe

    if weights is not None:
        if not Path(weights).is_dir():
            raise CliError(f"weights folder not found: {weights}")
        # Rendered as the default recipe renders, its scheduler included: the folder's own
        # scheduler is the one it was trained with (DDIM), not the one `tryon render` samples
        # with (before 2026-11-24 these evaluations sampled with DDIM).
        pipe = TryOnPipeline.from_pretrained(weights)
        pipe.apply_recipe(load_render_recipe("default"))
        return pipe, Path(weights).name
    pipe = TryOnPipeline.from_recipe(recipe or "default")
    return pipe, Path(str(pipe.defaults.weights)).name


def build_method(args: argparse.Namespace):
    """(method, pipeline or None, info) for the parsed arguments."""
    from tryon.evaluation.baselines import (
        AutoencoderMethod,
        GroundTruthMethod,
        PipelineMethod,
        RecolourBaseline,
    )
    from tryon.pipeline.guidance import AttributeGuidance, resolve_attribute_guidance

    if args.baseline in ("recolour", "ground-truth"):
        if args.recipe or args.weights:
            raise CliError(f"--baseline {args.baseline} takes no --recipe/--weights")
        method = RecolourBaseline() if args.baseline == "recolour" else GroundTruthMethod()
        return method, None, {}
    pipe, label = _load_pipeline(args.recipe, args.weights)
    defaults = pipe.defaults
    weights = str(defaults.weights) if args.weights is None else args.weights
    restore = {"recipe": defaults.restore_background, "on": True, "off": False}[
        args.restore_background
    ]
    lock = {"recipe": defaults.colour_lock, "on": True, "off": False}[args.colour_lock]
    suffix = ("" if restore else " (no background restore)") + ("" if lock else " (no colour lock)")
    switches = {"restore_background": restore, "colour_lock": lock}
    if args.baseline in ("autoencoder", "crop"):
        through_vae = args.baseline == "autoencoder"
        name = f"{label} ({'VAE' if through_vae else 'crop'} ceiling){suffix}"
        tolerance = defaults.background_tolerance if restore else None
        method = AutoencoderMethod(
            pipe, name, through_vae=through_vae, background_tolerance=tolerance, colour_lock=lock
        )
        return method, pipe, {"weights": weights, **switches}
    kwargs = dict(switches)
    if args.steps is not None:
        if args.steps < 1:
            raise CliError(f"--steps must be >= 1, got {args.steps}")
        kwargs["num_inference_steps"] = args.steps
    overrides = attribute_guidance_overrides(args.attribute_guidance)
    attribute_settings = resolve_attribute_guidance(defaults.attribute_guidance, overrides)
    if overrides is not None:
        kwargs["attribute_guidance"] = overrides
    has_refiner = getattr(pipe, "refiner", None) is not None
    refine = {"auto": has_refiner, "on": True, "off": False}[args.refine]
    if args.baseline == "no-refine":
        refine = False
    if refine and not has_refiner:
        raise CliError("--refine on, but the weights have no refiner")
    kwargs["refine"] = refine
    name = label
    if args.baseline == "no-refine":
        name = f"{label} (no refiner)"
    elif args.baseline == "no-match":
        name = f"{label} (λ_match=0)"
    elif refine:
        name = f"{label} (+refiner)"
    name += suffix
    for attribute in overrides or {}:
        setting = attribute_settings[attribute]
        default = defaults.attribute_guidance.get(attribute, AttributeGuidance(0.0))
        if setting != default and max(setting.scale, default.scale) > 0:
            stop = "" if setting.stop == default.stop else f", stop {setting.stop:g}"
            name += f" ({attribute.replace('_', ' ')} guidance {setting.scale:g}{stop})"
    method = PipelineMethod(pipe, name, kwargs)
    info = {
        "weights": weights,
        "steps": kwargs.get("num_inference_steps", defaults.steps),
        "scheduler": defaults.scheduler,
        "guidance_scale": defaults.guidance_scale,
        "attribute_guidance": {
            attribute: {"scale": setting.scale, "stop": setting.stop}
            for attribute, setting in attribute_settings.items()
        },
        "resolution": list(pipe.default_size),
        "mask_skirt_flare": defaults.mask_skirt_flare,
        "mask_keep_top": defaults.mask_keep_top,
        "refine": refine,
        **switches,
    }
    return method, pipe, info


def command_line(args: argparse.Namespace) -> str:
    """The ``tryon eval`` command that reproduces this run (from the parsed arguments)."""
    parts = ["tryon", "eval"]
    for flag, value in (
        ("--recipe", args.recipe),
        ("--weights", args.weights),
        ("--baseline", args.baseline),
        ("--split", args.split),
        ("--n", args.n),
        ("--seed", args.seed),
        ("--steps", args.steps),
        ("--matcher-weights", args.matcher_weights),
    ):
        if value is not None:
            parts += [flag, str(value)]
    parts += attribute_guidance_flags(args.attribute_guidance)
    if tuple(args.size) != (512, 384):
        parts += ["--size", str(args.size[0]), str(args.size[1])]
    if args.refine != "auto":
        parts += ["--refine", args.refine]
    if args.restore_background != "recipe":
        parts += ["--restore-background", args.restore_background]
    if args.colour_lock != "recipe":
        parts += ["--colour-lock", args.colour_lock]
    if args.classifiers != "weights/eval-classifiers":
        parts += ["--classifiers", args.classifiers]
    parts += ["--no-fid"] if args.no_fid else []
    parts += ["--no-real"] if args.no_real else []
    parts += ["--report", args.report]
    return " ".join(shlex.quote(p) for p in parts)


def run(args: argparse.Namespace) -> int:
    from tryon.evaluation.harness import SPLITS, build_judges, run_evaluation
    from tryon.evaluation.report import compare_reports, load_report, write_report

    out = Path(args.report)
    if args.compare:
        loaded = [(Path(folder), load_report(folder)) for folder in args.compare]
        methods = [rep.get("method", folder.name) for folder, rep in loaded]
        # Two reports of one method (say, with and without an option) keep both columns.
        reports = {
            (m if methods.count(m) == 1 else f"{m} [{folder.name}]"): rep
            for m, (folder, rep) in zip(methods, loaded, strict=True)
        }
        written = compare_reports(reports, out)
        print(f"wrote {', '.join(str(p) for p in written.values())}")
        return 0
    splits = [s.strip() for s in args.split.split(",") if s.strip()]
    bad = [s for s in splits if s not in SPLITS]
    if bad or not splits:
        raise CliError(f"--split must name sets among {list(SPLITS)}, got {args.split!r}")
    if args.n < 2:
        raise CliError(f"--n must be >= 2 (FID, KID and recall need pairs), got {args.n}")
    if args.grid < 0:
        raise CliError(f"--grid must be >= 0, got {args.grid}")
    if args.baseline == "no-match" and not (args.weights or args.recipe):
        raise CliError("--baseline no-match needs the lambda_match=0 model: --weights DIR")
    method, pipe, info = build_method(args)
    matcher_pipe, matcher_source = pipe, info.get("weights")
    if args.matcher_weights:
        from tryon.pipeline import TryOnPipeline

        matcher_pipe = TryOnPipeline.from_pretrained(args.matcher_weights)
        matcher_source = args.matcher_weights
    classifiers = None if args.classifiers.lower() == "none" else args.classifiers
    judges = build_judges(classifiers, matcher_pipe, matcher_source, fid=not args.no_fid)
    info["command"] = command_line(args)
    if judges.matcher is not None:
        info["matcher"] = matcher_source
    report = run_evaluation(
        method,
        judges,
        splits=splits,
        n=args.n,
        seed=args.seed,
        size=tuple(args.size),
        real_photos=not args.no_real,
        grid_rows=args.grid,
        info=info,
    )
    written = write_report(report, out)
    for split, summary in report["splits"].items():
        parts = [f"{k}={v:.4g}" for k, v in summary.items() if isinstance(v, float)]
        print(f"{split}: " + " ".join(parts))
    print(f"wrote {', '.join(str(p) for p in written.values())}")
    return 0
