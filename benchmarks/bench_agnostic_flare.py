"""How much of the target garment lies outside the agnostic mask a photo gives, by skirt flare.

At inference the agnostic mask comes from the photo alone (its body regions, keypoints and the
garment being replaced), and the model can only draw inside it: a garment that sticks out of
it is cut off, and the photo's pixels (often background) show where its hem should be. In
training, a pair's mask is the union of the masks with the source's and with the target's
garment, so whatever of the target sticks out of the photo's mask widens the training mask
to the target's own shape: a leak the model learns to read instead of the prompt.

For ``--n`` world pairs of a split whose garment is a ``lower`` or ``full`` one (skirts,
dresses, trousers, shorts, jeans), this reports, for each value of
``skirt_flare`` (:data:`tryon.analysis.agnostic.SKIRT_FLARE`, 0.5; 0 is the straight
trapezoid of before 2026-11-24) in ``--flares``:

* **outside**: the share of the target garment's pixels outside the source-only mask (mean,
  max, and the pairs where it is over 5 %), overall and by garment type and fit;
* **leak**: how much the target widens the training mask, ``(union - source-only) /
  source-only`` in pixels (mean and max);
* **area**: the mean source-only mask area in pixels (what the model must repaint).

No model runs; the world renders are the cost (~0.1 s a pair). Run::

    .venv/bin/python benchmarks/bench_agnostic_flare.py --split val --n 300 --json PATH \
        --figure PATH.png

``--figure`` draws the first six loose skirts and dresses with the photo's mask at the first
and the last flare of the sweep (blue: the mask; red: the garment outside it).

Prints a Markdown report.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tryon.analysis import agnostic_mask_from_regions  # noqa: E402
from tryon.evaluation.harness import world_samples  # noqa: E402

OVER = 0.05


def measure(samples, flare: float) -> dict:
    """Outside / leak / area numbers of the module docstring with ``skirt_flare=flare``."""
    rows = []
    for s in samples:
        source_only = agnostic_mask_from_regions(
            s.regions, s.keypoints, s.category, parsing=s.source_parsing, skirt_flare=flare
        )
        # the training mask: the target's garment pixels added too (dataset.pair_agnostic_mask)
        union = source_only | agnostic_mask_from_regions(
            s.regions, s.keypoints, s.category, parsing=_target_parsing(s), skirt_flare=flare
        )
        worn = s.garment_mask
        rows.append(
            {
                "kind": f"{s.attributes['type']}/{s.attributes.get('fit', '?')}",
                "outside": float((worn & ~source_only).sum() / max(worn.sum(), 1)),
                "leak": float((union & ~source_only).sum() / max(source_only.sum(), 1)),
                "area": int(source_only.sum()),
            }
        )
    outside = np.array([r["outside"] for r in rows])
    leak = np.array([r["leak"] for r in rows])
    by_kind = {}
    for kind in sorted({r["kind"] for r in rows}):
        v = np.array([r["outside"] for r in rows if r["kind"] == kind])
        by_kind[kind] = {"n": len(v), "mean": float(v.mean()), "max": float(v.max())}
    return {
        "flare": flare,
        "pairs": len(rows),
        "outside_mean": float(outside.mean()),
        "outside_max": float(outside.max()),
        "outside_over_5pc": int((outside > OVER).sum()),
        "leak_mean": float(leak.mean()),
        "leak_max": float(leak.max()),
        "area_mean": float(np.mean([r["area"] for r in rows])),
        "by_kind": by_kind,
    }


def figure(samples, flares: tuple[float, float], path: Path) -> None:
    """Six loose skirts and dresses, one row per flare: blue the mask, red the garment out."""
    from PIL import Image

    loose = [
        s
        for s in samples
        if s.attributes["type"] in ("skirt", "dress") and s.attributes.get("fit") == "loose"
    ][:6]
    rows = []
    for flare in flares:
        tiles = []
        for s in loose:
            mask = agnostic_mask_from_regions(
                s.regions, s.keypoints, s.category, parsing=s.source_parsing, skirt_flare=flare
            )
            tile = s.target.astype(np.float32)
            tile[mask & ~s.garment_mask] = 0.5 * tile[mask & ~s.garment_mask] + (0, 0, 127)
            tile[s.garment_mask & ~mask] = (255, 0, 0)
            tiles.append(tile.astype(np.uint8))
        rows.append(np.concatenate(tiles, axis=1))
    grid = Image.fromarray(np.concatenate(rows, axis=0))
    path.parent.mkdir(parents=True, exist_ok=True)
    grid.resize((grid.width // 2, grid.height // 2), Image.LANCZOS).save(path)


def _target_parsing(sample) -> np.ndarray:
    """A parsing map holding only the target garment, labelled as its category's garment."""
    from tryon.body import CATEGORY_PARSING_LABELS, PARSING_INDEX

    parsing = np.zeros(sample.garment_mask.shape, dtype=np.int64)
    parsing[sample.garment_mask] = PARSING_INDEX[CATEGORY_PARSING_LABELS[sample.category][0]]
    return parsing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", default="val", help="world split (default val)")
    parser.add_argument("--n", type=int, default=300, help="pairs rendered (default 300)")
    parser.add_argument(
        "--flares",
        default="0,0.3,0.4,0.5,0.6",
        help="comma-separated skirt_flare values (default 0,0.3,0.4,0.5,0.6)",
    )
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    parser.add_argument("--figure", type=Path, help="also draw the masks (PNG) here")
    args = parser.parse_args()

    samples = [s for s in world_samples(args.split, args.n) if s.category in ("lower", "full")]
    results = [measure(samples, float(f)) for f in args.flares.split(",")]

    print(f"# Target garment outside the photo's mask ({args.split}, {len(samples)} of {args.n}")
    print("pairs with a lower or full garment)\n")
    print("| skirt_flare | outside: mean | max | pairs > 5 % | leak: mean | max | mask area |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['flare']:g} | {r['outside_mean']:.1%} | {r['outside_max']:.1%} | "
            f"{r['outside_over_5pc']} | {r['leak_mean']:.1%} | {r['leak_max']:.1%} | "
            f"{r['area_mean']:.0f} |"
        )
    kinds = sorted(results[0]["by_kind"])
    print("\nOutside, mean / max, by garment:\n")
    print("| garment | n | " + " | ".join(f"flare {r['flare']:g}" for r in results) + " |")
    print("|---|---|" + "---|" * len(results))
    for kind in kinds:
        cells = [
            f"{r['by_kind'][kind]['mean']:.1%} / {r['by_kind'][kind]['max']:.1%}" for r in results
        ]
        print(f"| {kind} | {results[0]['by_kind'][kind]['n']} | " + " | ".join(cells) + " |")
    if args.figure:
        figure(samples, (results[0]["flare"], results[-1]["flare"]), args.figure)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"split": args.split, "n": args.n, "results": results}))


if __name__ == "__main__":
    main()
