"""The colour misses of the default recipe: does another sample of the same pipeline get it?

For every pair of ``benchmarks/results/tryon-small-keep-top`` whose colour the judge missed,
render ``K`` samples (``num_images_per_prompt=K``, the evaluation's seed: the first sample is
the evaluated render) with the default recipe, and judge each twice: as ``tryon eval`` does
(the dominant palette colour over the *target's* garment mask), and as a pipeline could
itself (the dominant palette colour of its own changed pixels inside its mask). Prints a line
a pair, then how many pairs any sample gets right (an oracle) and how many the pipeline's own
pick gets right. Writes ``/tmp/colour_best_of.json``.

Run: ``.venv/bin/python benchmarks/bench_colour_best_of.py 4`` (~8 min on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tryon.evaluation.colour import palette_lab, palette_votes  # noqa: E402
from tryon.evaluation.harness import _generator, world_samples  # noqa: E402

REPORT = Path("benchmarks/results/tryon-small-keep-top/records.json")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("k", type=int, nargs="?", default=4, help="samples a pair")
    parser.add_argument("--json", type=Path, default=Path("/tmp/colour_best_of.json"))
    args = parser.parse_args(argv)

    import torch

    from tryon.pipeline import TryOnPipeline

    palette = palette_lab()
    records = json.loads(REPORT.read_text())
    pipe = TryOnPipeline.from_recipe("default")
    pipe.set_progress_bar_config(disable=True)
    rows = []
    for split in ("test", "heldout", "paraphrase"):
        misses = [r["index"] for r in records[split] if r["colour_correct"] is False]
        samples = world_samples(split, 100)
        for i in misses:
            s = samples[i]
            analysis = s.analysis()
            with torch.no_grad():
                out = pipe(
                    analysis,
                    s.prompt,
                    category=s.category,
                    num_images_per_prompt=args.k,
                    generator=_generator(0, i),
                    output_type="np",
                )
            mask = pipe.agnostic_mask(analysis, s.category)
            judged, own = [], []
            for image in out.images:
                image = np.asarray(image)
                judged.append(palette_votes(image, s.garment_mask, palette).dominant()[0])
                changed = mask & np.any(image != s.source, axis=-1)
                own.append(palette_votes(image, changed, palette).dominant()[0])
            asked = s.attributes["colour"]
            print(split, i, asked, "judge", judged, "own", own, flush=True)
            rows.append({"split": split, "index": i, "asked": asked, "judge": judged, "own": own})
    args.json.write_text(json.dumps(rows, indent=1) + "\n")
    oracle = sum(any(j == r["asked"] for j in r["judge"]) for r in rows)
    picked = 0
    for r in rows:
        pick = next((k for k, c in enumerate(r["own"]) if c == r["asked"]), 0)
        picked += r["judge"][pick] == r["asked"]
    print(f"pairs {len(rows)}, any sample right {oracle}, the pipeline's own pick right {picked}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
