"""Sweep the known-region start's strength on the validation split (never on test).

The render starts from pure noise over the whole crop, which no noisy input in training
held: outside the agnostic mask those always carried the photo's signal. The model reads the
missing signal as a darker garment (benchmarks/results/lightness-timestep). The known-region
start (``known_start``, :mod:`tryon.pipeline.known_start`) adds the photo's own forward process
there. This renders ``--n`` validation pairs with the render recipe (colour prior, background
restore and colour lock included) once per strength of ``--strengths``, with ``tryon eval``'s
seed per pair, and judges every render as ``tryon eval`` does (``bench_colour_guidance.py``),
counting the pairs each strength gains and loses against the first, with a two-sided sign
test; plus the mean L1 over the agnostic mask against the true target (``tryon eval``'s "L1 in
mask") and the median ΔL* of the garment against the truth (``tryon eval``'s lightness row).

Run::

    .venv/bin/python benchmarks/bench_known_start.py --n 240 --strengths 0,1 \\
        --json benchmarks/results/known-start/sweep.json

Prints a Markdown table. It renders ``n * len(strengths)`` images: ~3.5 s each on 2 CPU cores.

``--time`` renders nothing: it times what the start adds, the VAE encoding of the photo's crop
(once per prepared person) and the start itself (per render), on ``--n`` validation people::

    .venv/bin/python benchmarks/bench_known_start.py --time --n 20
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
from tryon.evaluation import masked_l1  # noqa: E402
from tryon.evaluation.colour import lightness_delta  # noqa: E402
from tryon.evaluation.harness import build_judges, judge_hits, world_samples  # noqa: E402
from tryon.pipeline import TryOnPipeline  # noqa: E402
from tryon.pipeline.conditioning import AGNOSTIC_FILL, encode_latents, image_to_tensor  # noqa: E402
from tryon.pipeline.crop import crop_resize  # noqa: E402
from tryon.pipeline.known_start import add_known_region  # noqa: E402


def time_start(pipe, samples, repeats: int = 5) -> None:
    """Print the median and 90th percentile of the crop's encoding (per person) and of the
    start (per render: one row of noise), over ``samples`` x ``repeats``."""
    pipe.scheduler.set_timesteps(pipe.defaults.steps)
    first = pipe.scheduler.timesteps[0]
    encode, start = [], []
    with torch.no_grad():
        for sample in samples:
            prepared = pipe.prepare(sample.analysis(), sample.category)
            analysis = prepared.analysis
            crop = crop_resize(analysis.image, prepared.box, prepared.size, fill=AGNOSTIC_FILL)
            noise = torch.randn_like(prepared.photo_latent, dtype=torch.float32)
            mask = prepared.conditioning.latent_mask
            for _ in range(repeats):
                t0 = time.perf_counter()
                z = encode_latents(pipe.vae, image_to_tensor(crop))
                t1 = time.perf_counter()
                add_known_region(noise, pipe.scheduler, first, z, mask, 1.0)
                t2 = time.perf_counter()
                encode.append(t1 - t0)
                start.append(t2 - t1)
    for name, seconds in (("crop encoding (per person)", encode), ("start (per render)", start)):
        ms = np.array(seconds) * 1000
        print(
            f"{name}: median {np.median(ms):.2f} ms, 90th percentile {np.percentile(ms, 90):.2f} "
            f"ms ({len(samples)} people x {repeats}, {torch.get_num_threads()} threads)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=120, help="validation pairs (default 120)")
    parser.add_argument("--skip", type=int, default=0, help="first validation pair (default 0)")
    parser.add_argument(
        "--strengths", default="0,1", help="comma-separated known_start values; first = reference"
    )
    parser.add_argument("--recipe", default="default", help="render recipe (default: default)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    parser.add_argument("--time", action="store_true", help="only time the start (no renders)")
    args = parser.parse_args()
    strengths = [float(k) for k in args.strengths.split(",")]

    pipe = TryOnPipeline.from_recipe(args.recipe)
    pipe.set_progress_bar_config(disable=True)
    samples = world_samples("val", args.skip + args.n, seed=0)[args.skip :]
    if args.time:
        time_start(pipe, samples)
        return
    two = np.array([names_two_colours(s.prompt) for s in samples])
    renders = render_sweep(pipe, samples, {k: {"known_start": k} for k in strengths})

    judges = build_judges(fid=False)
    hits = [judge_hits(renders[k], samples, judges) for k in strengths]
    rows = []
    for k, row in zip(strengths, judged_rows(hits, two), strict=True):
        pairs = list(zip(renders[k], samples, strict=True))
        deltas = (lightness_delta(img, x.target, x.garment_mask) for img, x in pairs)
        lightness = [d for d in deltas if d is not None]  # None: no garment pixels
        rows.append(
            {
                "known_start": k,
                "l1_in_mask": float(
                    np.mean([masked_l1(img, x.target, x.agnostic_mask) for img, x in pairs])
                ),
                "median_lightness_delta": float(np.median(lightness)),
                "too_dark": float(np.mean(np.array(lightness) < -5)),
                **row,
            }
        )
    print(
        f"# Known-region start (validation pairs {args.skip}-{args.skip + len(samples)}, "
        f"recipe {args.recipe})\n"
    )
    payload = {"n": len(samples), "skip": args.skip, "recipe": args.recipe, "rows": rows}
    labels = [f"{k:g}" for k in strengths]
    finish_sweep("known_start", "strength", labels, rows, two, args.json, payload)
    print(
        "\n| known_start | L1 in mask | median ΔL* | garments > 5 L* too dark |\n"
        "|---|---:|---:|---:|"
    )
    for r in rows:
        print(
            f"| {r['known_start']:g} | {r['l1_in_mask']:.4f} | "
            f"{r['median_lightness_delta']:+.1f} | {r['too_dark']:.0%} |"
        )


if __name__ == "__main__":
    main()
