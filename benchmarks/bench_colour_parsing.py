"""Keeping the top from a photo alone: the colour parsing against the world's exact parsing.

`mask_keep_top` pastes the person's top back over a lower try-on, and needs to know where the
top ends. A world sample knows it exactly; a photo analysed with MediaPipe did not, until
:mod:`tryon.analysis.colour_parsing` found it by colour. For the ``lower`` pairs among the
first ``--n`` of each split, this analyses the *source image as a photo* (MediaPipe's pose and
regions, then the colour parsing, as ``tryon render --person PHOTO`` does) and reports:

* **found**: the pairs that got a parsing (the others: the top and the lower garment look
  alike, or too little of either shows), and the milliseconds the colour parsing took;
* **hem**: the true top's pixels inside the model's mask (drawn from the photo's analysis),
  which the model repaints unless the top is kept; **recall**: the share of them the parsing
  keeps; **precision**: the share of the kept pixels inside the model's mask that are the
  true top's (a wrong one keeps a piece of the old skirt or trousers);
* the same parsing on the world's exact pose and regions (``--no-photo`` skips MediaPipe), to
  tell MediaPipe's error from the colour parsing's;
* with ``--render``: the try-on with and without the parsing (same photo analysis, same
  seeds), L1 against the true target in the judges' mask and on the hem, and the judges
  (colour; pattern and type read the top's hem too: ``benchmarks/results/keep-top``).

Run::

    .venv/bin/python benchmarks/bench_colour_parsing.py --splits test,heldout --n 100 --render \\
        --json benchmarks/results/colour-parsing/bench.json

Prints a Markdown report. Parsing alone: ~0.3 s a pair (MediaPipe); ``--render`` adds ~7 s.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tryon.analysis.colour_parsing import colour_garment_parsing, estimate_top  # noqa: E402
from tryon.body import PARSING_INDEX  # noqa: E402
from tryon.evaluation.harness import world_samples  # noqa: E402
from tryon.evaluation.metrics import masked_l1  # noqa: E402

TOP = PARSING_INDEX["top"]


def scores(kept: np.ndarray | None, true_top: np.ndarray, model_mask: np.ndarray) -> dict:
    """Hem size, recall and precision of ``kept`` (``(H, W)`` bool or None) inside the
    model's mask."""
    hem = true_top & model_mask
    if kept is None:
        return {"found": False, "hem": int(hem.sum()), "hit": 0, "kept": 0}
    kept = kept & model_mask
    return {
        "found": True,
        "hem": int(hem.sum()),
        "hit": int((kept & hem).sum()),
        "kept": int(kept.sum()),
    }


def summary(rows: list[dict]) -> str:
    found = [r for r in rows if r["found"]]
    hem = sum(r["hem"] for r in rows)
    hit = sum(r["hit"] for r in found)
    kept = sum(r["kept"] for r in found)
    hem_found = sum(r["hem"] for r in found)
    return (
        f"{len(found)}/{len(rows)} | {hit / max(kept, 1):.3f} | {hit / max(hem_found, 1):.3f} "
        f"| {hit / max(hem, 1):.3f}"
    )


def l1(image: np.ndarray, target: np.ndarray, where: np.ndarray) -> float:
    """``tryon eval``'s L1 over ``where``; 0 for an empty region (a pair without a hem)."""
    return masked_l1(image, target, where) or 0.0


def save_figure(path: Path, samples, analyses, renders, pipe, rows: int = 4) -> None:
    """The first ``rows`` pairs whose parsing was found: the photo, the top kept (yellow, inside
    the model's mask), the true target, and the try-on without and with the parsing."""
    from PIL import Image

    lines = []
    for i, (s, pair) in enumerate(zip(samples, analyses, strict=True)):
        if pair[1].parsing is None or len(lines) == rows:
            continue
        kept = (pair[1].parsing == TOP) & pipe.agnostic_mask(pair[0], "lower", for_model=True)
        shown = s.source.copy()
        shown[kept] = (0.5 * shown[kept] + (127, 127, 0)).astype(np.uint8)
        images = [s.source, shown, s.target, renders[False][i], renders[True][i]]
        band = slice(int(0.3 * s.source.shape[0]), int(0.8 * s.source.shape[0]))  # the hips
        lines.append(np.concatenate([im[band] for im in images], 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.concatenate(lines, 0)).save(path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipe", default="default")
    parser.add_argument("--splits", default="test,heldout")
    parser.add_argument("--n", type=int, default=100, help="pairs per split (lower ones kept)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--render", action="store_true", help="also render with and without")
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--figure", type=Path, help="with --render: photo, top kept, truth, before, after"
    )
    args = parser.parse_args(argv)

    import torch

    from tryon.analysis import PersonAnalyzer
    from tryon.evaluation.harness import _generator, build_judges, judge_hits
    from tryon.pipeline import TryOnPipeline

    pipe = TryOnPipeline.from_recipe(args.recipe)
    pipe.set_progress_bar_config(disable=True)
    samples = [
        s
        for split in args.splits.split(",")
        for s in world_samples(split.strip(), args.n, seed=args.seed)
        if s.category == "lower"
    ]
    photo_rows, truth_rows, analyses, seconds = [], [], [], []
    with PersonAnalyzer(colour_parsing=False) as analyzer:
        for s in samples:
            analysis = analyzer.analyse(s.source)
            t0 = time.perf_counter()  # what PersonAnalyzer adds to the analysis
            parsing = colour_garment_parsing(
                s.source, analysis.person_mask, analysis.regions, analysis.keypoints
            )
            seconds.append(time.perf_counter() - t0)
            top = None if parsing is None else parsing == TOP
            analyses.append((analysis, dataclasses.replace(analysis, parsing=parsing)))
            true_top = s.source_parsing == TOP
            model_mask = pipe.agnostic_mask(analysis, "lower", for_model=True)
            photo_rows.append(scores(top, true_top, model_mask))
            person = (s.regions != 0) | (s.source_parsing != 0)
            truth_top = estimate_top(s.source, person, s.regions, s.keypoints)
            truth_mask = pipe.agnostic_mask(s.analysis(), "lower", for_model=True)
            truth_rows.append(scores(truth_top, true_top, truth_mask))

    n = len(samples)
    print(f"## Keeping the top from a photo: {n} lower pairs of {args.splits}\n")
    print("| analysis | parsing found | precision | recall (found) | recall (all) |")
    print("|---|---:|---:|---:|---:|")
    print(f"| photo (MediaPipe pose and regions) | {summary(photo_rows)} |")
    print(f"| the world's exact pose and regions | {summary(truth_rows)} |")
    print(
        f"\nColour parsing: median {1000 * np.median(seconds):.0f} ms a photo "
        f"(90th percentile {1000 * np.percentile(seconds, 90):.0f} ms), 512x384, after MediaPipe."
    )
    record = {"n": n, "photo": photo_rows, "truth": truth_rows, "seconds": seconds}

    if args.render:
        judges = build_judges(fid=False)
        renders = {False: [], True: []}
        for s, pair in zip(samples, analyses, strict=True):
            for with_parsing in (False, True):
                with torch.no_grad():
                    out = pipe(
                        pair[with_parsing],
                        s.prompt,
                        category="lower",
                        generator=_generator(args.seed, s.index),
                        output_type="np",
                    )
                renders[with_parsing].append(np.asarray(out.images[0]))
        hems = [
            (s.source_parsing == TOP) & pipe.agnostic_mask(a[0], "lower", for_model=True)
            for s, a in zip(samples, analyses, strict=True)
        ]
        print(
            "\n| try-on from the photo | L1 in the judges' mask | L1 on the hem | colour "
            "| pattern | type |"
        )
        print("|---|---:|---:|---:|---:|---:|")
        record["render"] = {}
        for with_parsing, label in ((False, "no parsing (before)"), (True, "colour parsing")):
            ims = renders[with_parsing]
            l1_mask = [
                l1(im, s.target, s.agnostic_mask) for im, s in zip(ims, samples, strict=True)
            ]
            l1_hem = [l1(im, s.target, h) for im, s, h in zip(ims, samples, hems, strict=True)]
            hits = judge_hits(ims, samples, judges)
            record["render"][label] = {
                "l1_mask": l1_mask,
                "l1_hem": l1_hem,
                **{k: hits[k].tolist() for k in ("colour", "pattern", "type")},
            }
            print(
                f"| {label} | {np.mean(l1_mask):.4f} | {np.mean(l1_hem):.4f} | "
                + " | ".join(f"{hits[k].sum()}/{n}" for k in ("colour", "pattern", "type"))
                + " |"
            )
        before, after = (np.array(record["render"][k]["l1_mask"]) for k in record["render"])
        print(
            f"\nL1 in mask lower with the parsing in {(after < before).sum()} pairs, "
            f"higher in {(after > before).sum()}, equal in {(after == before).sum()}."
        )
        if args.figure:
            save_figure(args.figure, samples, analyses, renders, pipe)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(record, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
