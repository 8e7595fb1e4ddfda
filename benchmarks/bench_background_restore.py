"""Choose the background restore's tolerance on the validation split (never on test).

Renders ``--n`` validation world pairs once with the restore off (the default render recipe
otherwise), then applies :func:`tryon.pipeline.composite.restore_background` with each
``(low, high)`` tolerance and smoothing of the sweep to the same renders, and reports, against
the true targets:

* **L1 in mask**: mean absolute error over the agnostic mask, in ``[0, 1]`` (what the restore
  should lower: the haze on the clean plate).
* **garment-on-plate L1**: the same over the clean-plate pixels where the target's new garment
  is (what a too-wide tolerance raises: garment pixels snapped back to the wall).
* **plate share restored**: the fraction of clean-plate pixels that end closer to the photo's
  than to the render's.

Plus the distribution of render-to-photo colour distances on the plate, split by whether the
target is background there. Run::

    .venv/bin/python benchmarks/bench_background_restore.py --n 40

Prints a Markdown report (and writes JSON with ``--json PATH``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tryon.evaluation.harness import world_samples  # noqa: E402
from tryon.evaluation.metrics import masked_l1  # noqa: E402
from tryon.pipeline import TryOnPipeline  # noqa: E402
from tryon.pipeline.composite import colour_distance, restore_background  # noqa: E402

TOLERANCES = [(5, 15), (8, 20), (10, 25), (12, 30), (15, 35), (20, 40), (25, 50), (30, 60)]
SMOOTHING = [0.0, 2.0]
#: A target pixel this close (ΔE*ab) to the photo's counts as background in the target.
SAME_AS_PHOTO = 3.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=40, help="validation pairs (default 40)")
    parser.add_argument("--recipe", default="default", help="render recipe (default: default)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()

    pipe = TryOnPipeline.from_recipe(args.recipe)
    pipe.set_progress_bar_config(disable=True)
    cases = []
    for sample in world_samples("val", args.n, seed=0):
        analysis = sample.analysis()
        prepared = pipe.prepare(analysis, sample.category)
        with torch.no_grad():
            render = pipe(
                prepared,
                sample.prompt,
                generator=torch.Generator().manual_seed(sample.index),
                restore_background=False,
                output_type="np",
            ).images[0]
        cases.append((sample, prepared, render))

    plate_bg, plate_fg = [], []
    for sample, prepared, render in cases:
        plate = prepared.plate
        d = colour_distance(render, sample.source)[plate]
        target_is_wall = colour_distance(sample.target, sample.source)[plate] < SAME_AS_PHOTO
        plate_bg.append(d[target_is_wall])
        plate_fg.append(d[~target_is_wall])
    plate_bg, plate_fg = np.concatenate(plate_bg), np.concatenate(plate_fg)

    def scores(outputs) -> tuple[float, float]:
        """Mean L1 over the agnostic mask, and over the plate pixels of the new garment."""
        in_mask, on_garment = [], []
        for (sample, prepared, _), out in zip(cases, outputs, strict=True):
            in_mask.append(masked_l1(out, sample.target, sample.agnostic_mask))
            on_garment.append(masked_l1(out, sample.target, sample.garment_mask & prepared.plate))
        return (
            float(np.mean([v for v in in_mask if v is not None])),
            float(np.mean([v for v in on_garment if v is not None])),
        )

    base_l1, base_garment = scores([render for _, _, render in cases])
    rows = []
    for low, high in TOLERANCES:
        for smooth in SMOOTHING:
            outputs, restored = [], []
            for sample, prepared, render in cases:
                plate = prepared.plate
                out = restore_background(render, sample.source, plate, (low, high), smooth)
                outputs.append(out)
                if plate.any():
                    back = np.abs(out[plate].astype(int) - sample.source[plate]).max(axis=1)
                    kept = np.abs(out[plate].astype(int) - render[plate]).max(axis=1)
                    restored.append(float((back < kept).mean()))
            l1, garment_l1 = scores(outputs)
            rows.append(
                {
                    "low": low,
                    "high": high,
                    "smooth": smooth,
                    "l1_mask": l1,
                    "garment_on_plate_l1": garment_l1,
                    "plate_restored": float(np.mean(restored)),
                }
            )

    print(
        f"# Background restore: tolerance sweep ({args.n} validation pairs, recipe {args.recipe})\n"
    )
    print(f"Plate pixels: {plate_bg.size} where the target is background, {plate_fg.size} where")
    print("it is not. Render-to-photo ΔE*ab on them (percentiles 10/25/50/75/90):\n")
    for name, values in (("target background", plate_bg), ("target garment/limb", plate_fg)):
        q = np.percentile(values, [10, 25, 50, 75, 90])
        print(f"- {name}: " + " / ".join(f"{v:.1f}" for v in q))
    print(f"\nNo restore: L1 in mask {base_l1:.4f}, garment-on-plate L1 {base_garment:.4f}.\n")
    print("| low | high | smooth | L1 in mask | garment-on-plate L1 | plate restored |")
    print("|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['low']} | {r['high']} | {r['smooth']:.0f} | {r['l1_mask']:.4f} | "
            f"{r['garment_on_plate_l1']:.4f} | {r['plate_restored']:.2f} |"
        )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "n": args.n,
                    "recipe": args.recipe,
                    "no_restore": {"l1_mask": base_l1, "garment_on_plate_l1": base_garment},
                    "sweep": rows,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
