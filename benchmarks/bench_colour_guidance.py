"""Choose the colour and pattern guidance scales on the validation split (never on test).

Renders ``--n`` validation world pairs with the render recipe (background restore and colour
lock included) at each setting of ``--scales`` (``C``: colour guidance ``C``, pattern guidance
off; ``C/P``: colour guidance ``C`` and pattern guidance ``P``), with the same seed per pair
(``tryon eval``'s: ``seed * 1_000_003 + index``), and judges every render as ``tryon eval``
does:

* **colour**: the dominant palette colour over the target's garment mask is the asked one,
  overall, on prompts that name no print's colour ("one colour") and on those that do;
* **print's colour shown**: on the prompts that name a print's colour, it wins at least 5 % of
  those votes;
* **pattern / type**: the attribute classifiers (``weights/eval-classifiers``) on the garment
  crop;

and counts, per judge, the pairs each setting gains and loses against the first, with a
two-sided sign test.

Run::

    .venv/bin/python benchmarks/bench_colour_guidance.py --n 120 --scales 0,3,6,9 \\
        --json benchmarks/results/colour-guidance/sweep.json
    .venv/bin/python benchmarks/bench_colour_guidance.py --n 120 --scales 0,6/3,6/5,9/5 \\
        --json benchmarks/results/colour-guidance/pattern-sweep.json

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
from tryon.evaluation.harness import build_judges, judge_hits, world_samples  # noqa: E402
from tryon.pipeline import TryOnPipeline  # noqa: E402

JUDGES = ("colour", "second", "pattern", "type")


def sign_test(gained: int, lost: int) -> float:
    """Two-sided sign-test p-value of ``gained`` against ``lost`` changed pairs."""
    n = gained + lost
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(gained, lost) + 1)) / 2**n
    return min(1.0, 2 * tail)


def parse_setting(text: str) -> tuple[float, float]:
    """``"C"`` or ``"C/P"`` -> ``(colour guidance, pattern guidance)``; P defaults to 0."""
    colour, _, pattern = text.partition("/")
    return float(colour), float(pattern or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=120, help="validation pairs (default 120)")
    parser.add_argument(
        "--scales",
        default="0,3,6,9",
        help="comma-separated settings, C (colour) or C/P (colour/pattern); first = reference",
    )
    parser.add_argument("--recipe", default="default", help="render recipe (default: default)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()
    scales = [parse_setting(s) for s in args.scales.split(",")]

    pipe = TryOnPipeline.from_recipe(args.recipe)
    pipe.set_progress_bar_config(disable=True)
    samples = world_samples("val", args.n, seed=0)
    two = np.array([names_two_colours(s.prompt) for s in samples])
    renders: dict[tuple[float, float], list[np.ndarray]] = {scale: [] for scale in scales}
    for sample in samples:
        prepared = pipe.prepare(sample.analysis(), sample.category)
        for scale in scales:
            with torch.no_grad():
                image = pipe(
                    prepared,
                    sample.prompt,
                    colour_guidance_scale=scale[0],
                    pattern_guidance_scale=scale[1],
                    generator=torch.Generator().manual_seed(sample.index),  # eval's, seed 0
                    output_type="np",
                ).images[0]
            renders[scale].append(image)

    judges = build_judges(fid=False)
    hits = {scale: judge_hits(renders[scale], samples, judges) for scale in scales}
    reference = hits[scales[0]]
    rows = []
    for scale in scales:
        h = hits[scale]
        row = {
            "scale": scale[0],
            "pattern_scale": scale[1],
            "colour": float(h["colour"].mean()),
            "colour_one": float(h["colour"][~two].mean()),
            "colour_two": float(h["colour"][two].mean()),
            "second": float(h["second"][two].mean()),  # of the prompts naming a print's colour
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

    print(
        f"# Colour and pattern guidance: sweep ({args.n} validation pairs, recipe {args.recipe})\n"
    )
    print(
        f"{int(two.sum())} prompts name a print's colour too, {int((~two).sum())} do not "
        "(one colour; the world's prompts may name none). "
        f"+/-: pairs gained / lost against the first setting, p: two-sided sign test.\n"
    )
    print(
        "| colour / pattern scale | colour (+/-, p) | one colour | two colours "
        "| print's colour shown (+/-, p) | pattern (+/-, p) | type (+/-, p) |"
    )
    print("|---|---|---:|---:|---|---|---|")
    for r in rows:
        colour, second, pattern, type_ = (
            f"{r[j]:.3f} (+{r[f'{j}_gained']}/-{r[f'{j}_lost']}, {r[f'{j}_p']:.2g})" for j in JUDGES
        )
        print(
            f"| {r['scale']:g} / {r['pattern_scale']:g} | {colour} | {r['colour_one']:.3f} "
            f"| {r['colour_two']:.3f} | {second} | {pattern} | {type_} |"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps({"n": args.n, "recipe": args.recipe, "rows": rows}, indent=2)
        )


if __name__ == "__main__":
    main()
