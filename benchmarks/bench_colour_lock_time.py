"""Time the colour lock on real renders: the base lock alone, and the print lock then the base
lock (what the pipeline runs for a prompt that names a print's colour).

Renders ``--n`` validation world pairs whose prompts name two colours, with the lock off (the
default recipe otherwise), keeps each photo-sized render, and then times
:func:`tryon.pipeline.composite.restore_background` (and, as for a lower garment,
:func:`tryon.pipeline.composite.garment_holes` and the restore keeping them),
:func:`tryon.pipeline.composite.lock_region` (where the locks act),
:func:`tryon.pipeline.colour_lock.lock_colour` and
:func:`tryon.pipeline.colour_lock.lock_garment` on each, ``--repeats`` times, on one thread.
Prints the median and 90th percentile per image, and the garment region's size.

Run (idle machine)::

    .venv/bin/python benchmarks/bench_colour_lock_time.py --n 30
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tryon.analysis.agnostic import hip_row  # noqa: E402
from tryon.evaluation.harness import world_samples  # noqa: E402
from tryon.pipeline import TryOnPipeline  # noqa: E402
from tryon.pipeline.colour_lock import lock_colour, lock_garment, lock_target  # noqa: E402
from tryon.pipeline.composite import (  # noqa: E402
    garment_holes,
    lock_region,
    restore_background,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=30, help="two-colour validation pairs")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per render")
    args = parser.parse_args()

    pipe = TryOnPipeline.from_recipe("default")
    pipe.set_progress_bar_config(disable=True)
    cases = []  # (render at photo size, region, lock target, skin tone)
    regions = []  # (render, photo, mask, plate): what lock_region reads
    hips = []  # the hip line's row of each (0 when no hip is visible)
    for sample in world_samples("val", 20 * args.n, seed=0):
        target = lock_target(sample.prompt)
        if target is None or target.print is None:
            continue
        prepared = pipe.prepare(sample.analysis(), sample.category)
        with torch.no_grad():
            render = pipe(
                prepared,
                sample.prompt,
                generator=torch.Generator().manual_seed(sample.index),
                colour_lock=False,
                restore_background=False,
                output_type="np",
            ).images[0]
        photo = sample.analysis().image
        region = lock_region(render, photo, prepared.mask, prepared.plate)
        cases.append((render, region, target, prepared.skin))
        regions.append((render, photo, prepared.mask, prepared.plate))
        hips.append(hip_row(prepared.analysis.keypoints) or 0.0)
        if len(cases) == args.n:
            break

    torch.set_num_threads(1)
    import cv2

    cv2.setNumThreads(1)

    def timed(fn, inputs=cases) -> np.ndarray:
        """Milliseconds per call of ``fn(*args)`` for each ``args`` of ``inputs``."""
        per_image = []
        for args_ in inputs:
            fn(*args_)  # warm
            t0 = time.perf_counter()
            for _ in range(args.repeats):
                fn(*args_)
            per_image.append((time.perf_counter() - t0) / args.repeats)
        return np.array(per_image) * 1000.0

    base = timed(lambda im, rg, t, sk: lock_colour(im, rg, t.base, sk))
    both = timed(lock_garment)
    region_ms = timed(lock_region, regions)
    tolerance = pipe.defaults.background_tolerance
    restore_ms = timed(lambda r, p, m, pl: restore_background(r, p, pl, tolerance), regions)
    middle = sum(tolerance) / 2.0
    with_hips = [(*case, hip) for case, hip in zip(regions, hips, strict=True)]
    holes = [garment_holes(r, p, pl, m, middle, from_row=h) for r, p, m, pl, h in with_hips]
    holes_ms = timed(
        lambda r, p, m, pl, h: garment_holes(r, p, pl, m, middle, from_row=h), with_hips
    )
    keep_ms = timed(
        lambda r, p, m, pl, h: restore_background(r, p, pl, tolerance, keep=h),
        [(*case, h) for case, h in zip(regions, holes, strict=True)],
    )

    pixels = np.array([region.sum() for _, region, _, _ in cases])
    shape = cases[0][0].shape
    print(
        f"# Colour lock timing: {len(cases)} two-colour validation renders, {shape[0]}x{shape[1]} (HxW)"
    )
    print(
        f"region: median {int(np.median(pixels))} pixels (min {pixels.min()}, max {pixels.max()})"
    )
    print("| step | median ms | 90th percentile ms |")
    print("|---|---:|---:|")
    rows = (
        ("background restore", restore_ms),
        ("the garment's holes below the hips (skirts and dresses)", holes_ms),
        ("background restore keeping them (skirts and dresses)", keep_ms),
        ("lock region (mask, plate pixels drawn over)", region_ms),
        ("base lock alone", base),
        ("print lock + base lock", both),
    )
    for name, ms in rows:
        print(f"| {name} | {np.median(ms):.1f} | {np.percentile(ms, 90):.1f} |")


if __name__ == "__main__":
    main()
