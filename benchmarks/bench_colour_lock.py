"""Choose the colour lock's setting on the validation split (never on test).

Renders ``--n`` validation world pairs once with the lock off (the render recipe otherwise,
background restore included), then applies :func:`tryon.pipeline.colour_lock.lock_colour`
with each setting of :data:`VARIANTS` (search radius, ``(full, none)`` fall-off, neighbourhood
smoothing, strength) to the same renders,
exactly where the pipeline applies it (the agnostic mask minus the clean plate, with the
prepared person's skin tone), and judges every variant as ``tryon eval`` does:

* **colour**: the dominant palette colour over the target's garment mask is the asked one,
  overall and split into solid and patterned garments;
* **pattern / type**: the attribute classifiers (``weights/eval-classifiers``) on the garment
  crop (what a lock that smears a print or recolours skin would lower);
* **L1 in mask**: mean absolute error against the true target over the agnostic mask;

and counts, per judge, the pairs each setting gains and loses against the lock off.

Run::

    .venv/bin/python benchmarks/bench_colour_lock.py --n 240 --json sweep.json

Prints a Markdown report.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tryon.evaluation.classifiers import garment_crop, load_classifier  # noqa: E402
from tryon.evaluation.colour import dominant_colour, palette_lab  # noqa: E402
from tryon.evaluation.harness import world_samples  # noqa: E402
from tryon.evaluation.metrics import masked_l1  # noqa: E402
from tryon.pipeline import TryOnPipeline  # noqa: E402
from tryon.pipeline.colour_lock import lock_colour, parse_colour, prompt_colour  # noqa: E402
from tryon.pipeline.composite import composite, restore_background  # noqa: E402
from tryon.pipeline.crop import paste_crop  # noqa: E402

#: (search, (full, none), smooth, strength) variants of the lock.
VARIANTS = [
    (25.0, (12.0, 25.0), 0.0, 1.0),
    (35.0, (8.0, 20.0), 0.0, 1.0),
    (35.0, (12.0, 25.0), 0.0, 1.0),
    (35.0, (16.0, 35.0), 0.0, 1.0),
    (50.0, (12.0, 25.0), 0.0, 1.0),
    (35.0, (12.0, 25.0), 2.0, 1.0),
    (35.0, (12.0, 25.0), 0.0, 0.75),
    (35.0, (12.0, 25.0), 0.0, 0.5),
    (35.0, (12.0, 25.0), 2.0, 0.75),
    (35.0, (16.0, 35.0), 2.0, 1.0),
    (35.0, (16.0, 35.0), 2.0, 0.75),
    (35.0, (12.0, 25.0), 4.0, 1.0),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=240, help="validation pairs (default 240)")
    parser.add_argument("--recipe", default="default", help="render recipe (default: default)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()

    pipe = TryOnPipeline.from_recipe(args.recipe)
    pipe.set_progress_bar_config(disable=True)
    tolerance = pipe.defaults.background_tolerance if pipe.defaults.restore_background else None
    samples = world_samples("val", args.n, seed=0)
    cases = []  # (prepared, render pasted at photo size and background-restored, target)
    captured = {}
    for sample in samples:
        prepared = pipe.prepare(sample.analysis(), sample.category)

        def capture(crop, background_tolerance=None, colour=None, _composite=prepared.composite):
            captured["crop"] = crop
            return _composite(crop, background_tolerance, colour)

        prepared.composite = capture  # keep the decoded crop the pipeline composites
        with torch.no_grad():
            pipe(
                prepared,
                sample.prompt,
                generator=torch.Generator().manual_seed(sample.index),
                colour_lock=False,
                output_type="np",
            )
        name = prompt_colour(sample.prompt)
        cases.append((sample, prepared, captured.pop("crop"), parse_colour(name)))

    palette = palette_lab(None)
    classifier = load_classifier()
    solid = np.array([s.attributes["pattern"] == "solid" for s in samples])

    def judge(outputs) -> dict:
        """Per-pair hits (colour, pattern, type) and L1 of one variant's outputs."""
        size = classifier.config.image_size
        crops = [
            garment_crop(o, s.agnostic_mask, s.keypoints, size)
            for o, s in zip(outputs, samples, strict=True)
        ]
        pred = classifier.predict(np.stack(crops))
        hits = {"colour": [], "pattern": [], "type": []}
        l1 = []
        for i, (out, s) in enumerate(zip(outputs, samples, strict=True)):
            hits["colour"].append(
                dominant_colour(out, s.garment_mask, palette)[0] == s.attributes["colour"]
            )
            hits["pattern"].append(pred["pattern"][i] == s.attributes["pattern"])
            hits["type"].append(pred["type"][i] == s.attributes["type"])
            l1.append(masked_l1(out, s.target, s.agnostic_mask))
        return {"hits": {k: np.array(v) for k, v in hits.items()}, "l1_mask": float(np.mean(l1))}

    def summary(result: dict, reference: dict | None = None) -> dict:
        hits = result["hits"]
        row = {
            "colour": float(hits["colour"].mean()),
            "colour_solid": float(hits["colour"][solid].mean()),
            "colour_patterned": float(hits["colour"][~solid].mean()),
            "pattern": float(hits["pattern"].mean()),
            "type": float(hits["type"].mean()),
            "l1_mask": result["l1_mask"],
        }
        if reference is not None:  # pairs gained / lost against the lock off
            for key in hits:
                ref = reference["hits"][key]
                row[f"{key}_gained"] = int((hits[key] & ~ref).sum())
                row[f"{key}_lost"] = int((~hits[key] & ref).sum())
        return row

    def render(variant=None) -> list[np.ndarray]:
        outputs = []
        for sample, prepared, crop, target in cases:
            photo = sample.source
            generated = paste_crop(photo, crop, prepared.box)
            if tolerance is not None:
                generated = restore_background(generated, photo, prepared.plate, tolerance)
            if variant is not None:
                search, radius, smooth, strength = variant
                region = prepared.mask & ~prepared.plate
                generated = lock_colour(
                    generated,
                    region,
                    target,
                    prepared.skin,
                    search=search,
                    radius=radius,
                    smooth=smooth,
                    strength=strength,
                )[0]
            outputs.append(composite(photo, generated, prepared.weight))
        return outputs

    off = judge(render())
    rows = []
    for variant in VARIANTS:
        search, (full, none), smooth, strength = variant
        settings = {"search": search, "full": full, "none": none, "smooth": smooth}
        rows.append({**settings, "strength": strength, **summary(judge(render(variant)), off)})
    base = summary(off)
    print(f"# Colour lock: sweep ({args.n} validation pairs, recipe {args.recipe})\n")
    print(
        f"{int(solid.sum())} solid and {int((~solid).sum())} patterned garments. Colour: the "
        "dominant palette colour over the target's garment mask; pattern and type: the "
        "attribute classifiers; +/- : pairs gained / lost against the lock off.\n"
    )
    print(
        "| search | full | none | smooth | strength | colour (+/-) | solid | patterned | "
        "pattern (+/-) | type (+/-) | L1 in mask |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| off | | | | | {base['colour']:.3f} | {base['colour_solid']:.2f} | "
        f"{base['colour_patterned']:.2f} | {base['pattern']:.3f} | {base['type']:.3f} | "
        f"{base['l1_mask']:.4f} |"
    )
    for r in rows:
        print(
            f"| {r['search']:g} | {r['full']:g} | {r['none']:g} | {r['smooth']:g} | "
            f"{r['strength']:g} | {r['colour']:.3f} (+{r['colour_gained']}/-{r['colour_lost']}) "
            f"| {r['colour_solid']:.2f} | {r['colour_patterned']:.2f} | "
            f"{r['pattern']:.3f} (+{r['pattern_gained']}/-{r['pattern_lost']}) | "
            f"{r['type']:.3f} (+{r['type_gained']}/-{r['type_lost']}) | {r['l1_mask']:.4f} |"
        )
    if args.json:
        args.json.write_text(
            json.dumps({"n": args.n, "recipe": args.recipe, "off": base, "sweep": rows}, indent=2)
        )


if __name__ == "__main__":
    main()
