"""Choose the colour prior's strength on the validation split (never on test).

Renders validation world pairs ``--skip`` to ``--skip + --n`` with the render recipe
(background restore and colour lock included) at each strength of ``--priors``
(:mod:`tryon.pipeline.colour_prior`), with ``tryon eval``'s seed per pair, and judges every
render as ``tryon eval`` does (colour, the print's colour, pattern, type; see
``bench_colour_guidance.py``), counting the pairs each strength gains and loses against the
first, with a two-sided sign test.

Run::

    .venv/bin/python benchmarks/bench_colour_prior.py --n 120 --priors 0,1,2,4
    .venv/bin/python benchmarks/bench_colour_prior.py --n 120 --skip 120 --priors 0,0.5,1
    .venv/bin/python benchmarks/bench_colour_prior.py --n 120 --priors 0,0.5

``--print-prompts`` keeps only the pairs whose prompt names a print's colour: there the
strength swept is the one ``print_colour_prior`` sets in a recipe (a call's ``colour_prior``
sets every prompt's)::

    .venv/bin/python benchmarks/bench_colour_prior.py --n 240 --print-prompts \
        --priors 0.25,0.5,0.75

(the numbers of ``benchmarks/results/colour-prior/sweep.json``; ``--json PATH`` writes them).

Prints a Markdown table. It renders ``n * len(priors)`` images: ~3.3 s each on 2 CPU cores.

``--time`` renders nothing: it times what the prior adds to a render (the colour's latent and
the addition to a 256x256 crop's noise) for every palette colour, on the CPU's threads as
set, and prints the median and 90th percentile::

    .venv/bin/python benchmarks/bench_colour_prior.py --time
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_colour_guidance import finish_sweep, judged_rows, render_sweep  # noqa: E402

from tryon.data.captions import names_two_colours  # noqa: E402
from tryon.evaluation.harness import build_judges, judge_hits, world_samples  # noqa: E402
from tryon.pipeline import TryOnPipeline  # noqa: E402
from tryon.pipeline.colour_lock import parse_colour  # noqa: E402
from tryon.pipeline.colour_prior import add_colour_prior, colour_latent  # noqa: E402


def time_prior(pipe, repeats: int = 5) -> None:
    """Print the median and 90th percentile of the prior's cost per prompt (see docstring)."""
    from tryon.data.palette import PALETTE

    pipe.scheduler.set_timesteps(pipe.defaults.steps)
    first = pipe.scheduler.timesteps[0]
    latent = pipe.defaults.resolution[0] // pipe.vae_scale_factor
    noise = torch.randn(1, pipe.vae.config.latent_channels, latent, latent)
    mask = torch.ones(1, 1, latent, latent)
    seconds = []
    with torch.no_grad():
        for name in PALETTE:
            lab = parse_colour(name)
            for _ in range(repeats):
                t0 = time.perf_counter()
                z = colour_latent(pipe.vae, lab)
                add_colour_prior(noise, pipe.scheduler, first, mask, [z], 0.5)
                seconds.append(time.perf_counter() - t0)
    ms = np.array(seconds) * 1000
    print(
        f"colour prior: median {np.median(ms):.1f} ms, 90th percentile "
        f"{np.percentile(ms, 90):.1f} ms a prompt ({len(PALETTE)} colours x {repeats}, "
        f"{torch.get_num_threads()} threads)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=120, help="validation pairs (default 120)")
    parser.add_argument("--skip", type=int, default=0, help="first validation pair (default 0)")
    parser.add_argument(
        "--priors", default="0,0.5,1", help="comma-separated strengths; first = reference"
    )
    parser.add_argument("--recipe", default="default", help="render recipe (default: default)")
    parser.add_argument(
        "--print-prompts",
        action="store_true",
        help="only the pairs whose prompt names a print's colour (print_colour_prior's prompts)",
    )
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    parser.add_argument("--time", action="store_true", help="only time the prior (no renders)")
    args = parser.parse_args()
    priors = [float(k) for k in args.priors.split(",")]

    pipe = TryOnPipeline.from_recipe(args.recipe)
    pipe.set_progress_bar_config(disable=True)
    if args.time:
        time_prior(pipe)
        return
    samples = world_samples("val", args.skip + args.n, seed=0)[args.skip :]
    if args.print_prompts:
        samples = [s for s in samples if names_two_colours(s.prompt)]
    two = np.array([names_two_colours(s.prompt) for s in samples])
    # a call's colour_prior sets every prompt's strength, print-colour prompts' too
    renders = render_sweep(pipe, samples, {k: {"colour_prior": k} for k in priors})

    judges = build_judges(fid=False)
    hits = [judge_hits(renders[k], samples, judges) for k in priors]
    rows = [
        {"colour_prior": k, **row} for k, row in zip(priors, judged_rows(hits, two), strict=True)
    ]
    which = "the prompts naming a print's colour among " if args.print_prompts else ""
    print(
        f"# Colour prior: sweep ({len(samples)} pairs: {which}validation pairs {args.skip}-"
        f"{args.skip + args.n}, recipe {args.recipe})\n"
    )
    payload = {
        "n": len(samples),
        "skip": args.skip,
        "print_prompts": args.print_prompts,
        "recipe": args.recipe,
        "rows": rows,
    }
    labels = [f"{k:g}" for k in priors]
    finish_sweep("colour prior", "strength", labels, rows, two, args.json, payload)


if __name__ == "__main__":
    main()
