"""Compare the samplers' timestep spacings on the validation split (never on test).

The shipped schedule uses diffusers' "leading" spacing (Stable Diffusion's): at 20 steps the
sampler starts at t = 941 (DPM-Solver++; 951 for DDIM), never at the last training timestep
999. Lin et al., "Common
Diffusion Noise Schedules and Sample Steps are Flawed" (WACV 2024, section 3.3), recommend
"trailing", which starts at 999; "linspace" also starts there. A model that settles the
garment's colour in its first steps could draw colour differently from either start. This
renders ``--n`` validation pairs with the render recipe (colour prior, background restore and
colour lock included) once per spacing of ``--spacings`` (the recipe's sampler, its noise
schedule with only ``timestep_spacing`` changed), with ``tryon eval``'s seed per pair, and
judges every render as ``tryon eval`` does (``bench_colour_guidance.py``), counting the pairs
each spacing gains and loses against the first, with a two-sided sign test, plus the mean L1
over the agnostic mask against the true target (``tryon eval``'s "L1 in mask").

Run::

    .venv/bin/python benchmarks/bench_timestep_spacing.py --n 120 \\
        --spacings leading,trailing,linspace \\
        --json benchmarks/results/timestep-spacing/sweep.json

Prints a Markdown table. It renders ``n * len(spacings)`` images: ~3.3 s each on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_colour_guidance import finish_sweep, judged_rows, render_sweep  # noqa: E402

from tryon.data.captions import names_two_colours  # noqa: E402
from tryon.evaluation import masked_l1  # noqa: E402
from tryon.evaluation.harness import build_judges, judge_hits, world_samples  # noqa: E402
from tryon.pipeline import TryOnPipeline  # noqa: E402
from tryon.pipeline.recipe import load_render_recipe  # noqa: E402
from tryon.pipeline.schedulers import make_scheduler  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=120, help="validation pairs (default 120)")
    parser.add_argument("--skip", type=int, default=0, help="first validation pair (default 0)")
    parser.add_argument(
        "--spacings",
        default="leading,trailing,linspace",
        help="comma-separated timestep spacings; first = reference",
    )
    parser.add_argument("--recipe", default="default", help="render recipe (default: default)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()
    spacings = args.spacings.split(",")

    recipe = load_render_recipe(args.recipe)
    pipe = TryOnPipeline.from_recipe(recipe)
    pipe.set_progress_bar_config(disable=True)
    samples = world_samples("val", args.skip + args.n, seed=0)[args.skip :]
    two = np.array([names_two_colours(s.prompt) for s in samples])
    renders, starts = {}, {}
    for spacing in spacings:
        pipe.scheduler = make_scheduler(recipe.scheduler, pipe.scheduler, spacing)
        pipe.scheduler.set_timesteps(recipe.steps)
        starts[spacing] = int(pipe.scheduler.timesteps[0])
        renders[spacing] = render_sweep(pipe, samples, {spacing: {}})[spacing]

    judges = build_judges(fid=False)
    hits = [judge_hits(renders[s], samples, judges) for s in spacings]
    rows = [
        {
            "spacing": s,
            "first_timestep": starts[s],
            "l1_in_mask": float(
                np.mean(
                    [
                        masked_l1(img, x.target, x.agnostic_mask)
                        for img, x in zip(renders[s], samples, strict=True)
                    ]
                )
            ),
            **row,
        }
        for s, row in zip(spacings, judged_rows(hits, two), strict=True)
    ]
    print(
        f"# Timestep spacing (validation pairs {args.skip}-{args.skip + len(samples)}, "
        f"recipe {args.recipe}, {recipe.scheduler}, {recipe.steps} steps)\n"
    )
    payload = {"n": len(samples), "skip": args.skip, "recipe": args.recipe, "rows": rows}
    labels = [f"{s} (t={starts[s]})" for s in spacings]
    finish_sweep("spacing", "spacing", labels, rows, two, args.json, payload)
    print("\n| spacing | L1 in mask |\n|---|---:|")
    for r in rows:
        print(f"| {r['spacing']} | {r['l1_in_mask']:.4f} |")


if __name__ == "__main__":
    main()
