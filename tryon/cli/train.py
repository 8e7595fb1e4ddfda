"""``tryon train``: run one training stage from a recipe (resumes automatically)."""

from __future__ import annotations

import json
from dataclasses import replace

from tryon.cli import CliError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train a stage (vae, unet+matcher, refiner) from a recipe",
        description="Train one stage from pipelines/train-*.toml. Runs on this CPU as is and on "
        "several GPUs through `accelerate launch -m tryon train ...`. A run resumes from the "
        "newest complete checkpoint in its output_dir.",
    )
    parser.add_argument("--recipe", required=True, help='training recipe TOML (kind = "train")')
    parser.add_argument("--max-steps", type=int, default=None, help="stop after this many steps")
    parser.add_argument(
        "--time-limit",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stop after the step that reaches this wall time, checkpointed and exported "
        "(for GPU slots of fixed length); the step reached is printed",
    )
    parser.add_argument("--output-dir", default=None, help="override the recipe's output_dir")
    parser.add_argument("--export-dir", default=None, help="override the recipe's export_dir")
    parser.add_argument("--no-resume", action="store_true", help="ignore existing checkpoints")
    parser.set_defaults(func=run)


def run(args) -> int:
    from tryon.training.recipe import load_train_recipe
    from tryon.training.run import run_training
    from tryon.training.trainer import resolve_threads

    recipe = load_train_recipe(args.recipe)
    if args.output_dir:
        recipe = replace(recipe, output_dir=args.output_dir)
    if args.export_dir is not None:
        recipe = replace(recipe, export_dir=args.export_dir)
    if args.max_steps is not None and args.max_steps <= 0:
        raise CliError(f"--max-steps must be positive, got {args.max_steps}")
    if args.time_limit is not None and args.time_limit <= 0:
        raise CliError(f"--time-limit must be positive, got {args.time_limit}")
    resolve_threads()
    result = run_training(
        recipe, max_steps=args.max_steps, resume=not args.no_resume, time_limit=args.time_limit
    )
    print(
        json.dumps(
            {
                "stage": recipe.stage,
                "step": result.step,
                "losses": result.last_losses,
                "seconds": round(result.seconds, 1),
                "export_dir": str(result.export_dir) if result.export_dir else None,
            }
        )
    )
    return 0
