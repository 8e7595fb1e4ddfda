"""Choose the colour guidance scale on the validation split (never on test).

Renders ``--n`` validation world pairs with the render recipe (background restore and colour
lock included) at each colour guidance scale of ``--scales``, with the same seed per pair
(``tryon eval``'s: ``seed * 1_000_003 + index``), and judges every render as ``tryon eval``
does:

* **colour**: the dominant palette colour over the target's garment mask is the asked one,
  overall, on prompts that name no print's colour ("one colour") and on those that do;
* **pattern / type**: the attribute classifiers (``weights/eval-classifiers``) on the garment
  crop;

and counts, per judge, the pairs each scale gains and loses against the first scale, with a
two-sided sign test.

Run::

    .venv/bin/python benchmarks/bench_colour_guidance.py --n 120 --scales 0,3,6,9 \\
        --json benchmarks/results/colour-guidance/sweep.json

Prints a Markdown table. It renders ``n * len(scales)`` images: ~2-3.5 s each on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tryon.data.captions import names_two_colours  # noqa: E402
from tryon.evaluation.classifiers import garment_crop, load_classifier  # noqa: E402
from tryon.evaluation.colour import palette_lab, palette_votes  # noqa: E402
from tryon.evaluation.harness import world_samples  # noqa: E402
from tryon.pipeline import TryOnPipeline  # noqa: E402

JUDGES = ("colour", "pattern", "type")


def sign_test(gained: int, lost: int) -> float:
    """Two-sided sign-test p-value of ``gained`` against ``lost`` changed pairs."""
    n = gained + lost
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(gained, lost) + 1)) / 2**n
    return min(1.0, 2 * tail)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=120, help="validation pairs (default 120)")
    parser.add_argument(
        "--scales", default="0,3,6,9", help="comma-separated scales; first = reference"
    )
    parser.add_argument("--recipe", default="default", help="render recipe (default: default)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()
    scales = [float(s) for s in args.scales.split(",")]

    pipe = TryOnPipeline.from_recipe(args.recipe)
    pipe.set_progress_bar_config(disable=True)
    samples = world_samples("val", args.n, seed=0)
    two = np.array([names_two_colours(s.prompt) for s in samples])
    palette = palette_lab(None)
    classifier = load_classifier()
    size = classifier.config.image_size
    hits = {scale: {j: [] for j in JUDGES} for scale in scales}
    for sample in samples:
        prepared = pipe.prepare(sample.analysis(), sample.category)
        for scale in scales:
            with torch.no_grad():
                image = pipe(
                    prepared,
                    sample.prompt,
                    colour_guidance_scale=scale,
                    generator=torch.Generator().manual_seed(sample.index),  # eval's, seed 0
                    output_type="np",
                ).images[0]
            votes = palette_votes(image, sample.garment_mask, palette)
            crop = garment_crop(image, sample.agnostic_mask, sample.keypoints, size)
            pred = classifier.predict(crop[None])
            row = hits[scale]
            row["colour"].append(votes.dominant()[0] == sample.attributes["colour"])
            row["pattern"].append(pred["pattern"][0] == sample.attributes["pattern"])
            row["type"].append(pred["type"][0] == sample.attributes["type"])

    reference = {j: np.array(hits[scales[0]][j]) for j in JUDGES}
    rows = []
    for scale in scales:
        h = {j: np.array(hits[scale][j]) for j in JUDGES}
        row = {
            "scale": scale,
            "colour": float(h["colour"].mean()),
            "colour_one": float(h["colour"][~two].mean()),
            "colour_two": float(h["colour"][two].mean()),
            "pattern": float(h["pattern"].mean()),
            "type": float(h["type"].mean()),
        }
        for j in JUDGES:
            gained = int((h[j] & ~reference[j]).sum())
            lost = int((~h[j] & reference[j]).sum())
            row.update(
                {f"{j}_gained": gained, f"{j}_lost": lost, f"{j}_p": sign_test(gained, lost)}
            )
        rows.append(row)

    print(f"# Colour guidance: sweep ({args.n} validation pairs, recipe {args.recipe})\n")
    print(
        f"{int(two.sum())} prompts name a print's colour too, {int((~two).sum())} do not "
        "(one colour; the world's prompts may name none). "
        f"+/-: pairs gained / lost against scale {scales[0]:g}, p: two-sided sign test.\n"
    )
    print(
        "| scale | colour (+/-, p) | one colour | two colours | pattern (+/-, p) | type (+/-, p) |"
    )
    print("|---:|---|---:|---:|---|---|")
    for r in rows:
        cells = [
            f"{r[j]:.3f} (+{r[f'{j}_gained']}/-{r[f'{j}_lost']}, {r[f'{j}_p']:.2g})" for j in JUDGES
        ]
        print(
            f"| {r['scale']:g} | {cells[0]} | {r['colour_one']:.3f} | {r['colour_two']:.3f} | "
            f"{cells[1]} | {cells[2]} |"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps({"n": args.n, "recipe": args.recipe, "rows": rows}, indent=2)
        )


if __name__ == "__main__":
    main()
