"""Lower try-ons with and without the top kept (`mask_keep_top`), pair by pair.

A ``lower`` agnostic mask reaches up to the waist line, a quarter of the way from the hips to
the shoulders, so a shirt or jacket hanging over the hips has its hem inside it and the model
repaints it: as a flat blob, since it cannot know the top's pattern. In the procedural world
a top always hangs over trousers and skirts, and the target shows it unchanged. With the
render recipe's ``mask_keep_top`` the model still works on the mask it was trained on, and
the photo's top (its garment parsing) is pasted back over the render.

For the ``lower`` pairs among the first ``--n`` of each split, this renders both settings
with the same seeds and reports:

* **top kept**: the share of the top's pixels inside the model's mask that equal the photo's;
* **elsewhere**: pixels that differ between the two renders outside the top: only the colour
  lock's, whose base-colour search no longer sees the top (with ``--no-colour-lock``, none);
* **L1 in mask** (the judges' mask, as ``tryon eval``) and on the top's pixels alone;
* the **judges** (`tryon.evaluation.harness.judge_hits`): colour, pattern and type, on the
  true targets and both renders, gained / lost pair by pair; and the same classifiers with
  the top's pixels greyed in their view (same crop box): the view without the top.

Run::

    .venv/bin/python benchmarks/bench_keep_top.py --splits test,heldout --n 100 \\
        --json benchmarks/results/keep-top/bench.json --figure benchmarks/results/keep-top/pairs.png

Prints a Markdown report. ~7 s a pair on 2 CPU cores (two renders).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tryon.analysis.agnostic import kept_top  # noqa: E402
from tryon.evaluation.harness import (  # noqa: E402
    build_judges,
    classifier_views,
    judge_hits,
    world_samples,
)
from tryon.evaluation.metrics import masked_l1  # noqa: E402


def render_both(pipe, samples, seed: int) -> dict[bool, list[np.ndarray]]:
    """Renders of every sample with ``mask_keep_top`` off and on (the rest of the recipe as
    the pipeline has it), same seeds."""
    import torch

    from tryon.evaluation.harness import _generator

    base = pipe.defaults
    out: dict[bool, list[np.ndarray]] = {}
    for keep in (False, True):
        pipe.apply_recipe(dataclasses.replace(base, mask_keep_top=keep))
        images = []
        for s in samples:
            with torch.no_grad():
                result = pipe(
                    s.analysis(),
                    s.prompt,
                    category=s.category,
                    generator=_generator(seed, s.index),
                    output_type="np",
                )
            images.append(np.asarray(result.images[0]))
        out[keep] = images
    pipe.apply_recipe(base)
    return out


def top_pixels(pipe, sample) -> np.ndarray:
    """The top's pixels inside the model's mask: what keep-top pastes back."""
    model_mask = pipe.agnostic_mask(sample.analysis(), sample.category, for_model=True)
    return model_mask & kept_top(sample.category, sample.source_parsing)


def hide_top(samples, judges, images) -> dict[str, np.ndarray]:
    """The classifiers' verdicts with the top greyed in their view, the crop box unchanged
    (the view of a ``hide_top`` classifier: ``garment_crop(..., hidden=judge_hidden)``)."""
    views = classifier_views(judges.classifier, images, samples, hide_top=True)
    pred = judges.classifier.predict(views)
    return {
        judge: np.array(
            [p == s.attributes[judge] for p, s in zip(pred[judge], samples, strict=True)]
        )
        for judge in ("pattern", "type")
    }


def l1(image: np.ndarray, target: np.ndarray, where: np.ndarray) -> float:
    """``tryon eval``'s L1 over ``where``; 0 for an empty region (a pair without a hem)."""
    return masked_l1(image, target, where) or 0.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipe", default="default")
    parser.add_argument("--splits", default="test,heldout")
    parser.add_argument("--n", type=int, default=100, help="pairs per split (lower ones kept)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--classifiers", default="weights/eval-classifiers", help="attribute classifiers folder"
    )
    parser.add_argument(
        "--no-colour-lock",
        action="store_true",
        help="lock off: the two renders then differ only on the top (the lock's region does not)",
    )
    parser.add_argument("--json", type=Path)
    parser.add_argument("--figure", type=Path, help="first four pairs: photo, truth, off, on")
    parser.add_argument(
        "--renders",
        type=Path,
        help="an .npz of the two settings' renders: read when it exists (to judge again, say "
        "with other --classifiers), else written",
    )
    args = parser.parse_args(argv)

    from tryon.pipeline import TryOnPipeline

    pipe = TryOnPipeline.from_recipe(args.recipe)
    pipe.set_progress_bar_config(disable=True)
    if args.no_colour_lock:
        pipe.apply_recipe(dataclasses.replace(pipe.defaults, colour_lock=False))
    samples = [
        s
        for split in args.splits.split(",")
        for s in world_samples(split.strip(), args.n, seed=args.seed)
        if s.category == "lower"
    ]
    judges = build_judges(args.classifiers, None, None, fid=False)
    if args.renders is not None and args.renders.is_file():
        with np.load(args.renders) as saved:
            renders = {False: list(saved["off"]), True: list(saved["on"])}
        if len(renders[True]) != len(samples):
            raise SystemExit(f"{args.renders} holds {len(renders[True])} pairs, not {len(samples)}")
    else:
        renders = render_both(pipe, samples, args.seed)
        if args.renders is not None:
            args.renders.parent.mkdir(parents=True, exist_ok=True)
            np.savez_compressed(
                args.renders, off=np.stack(renders[False]), on=np.stack(renders[True])
            )
    images = {"truth": [s.target for s in samples], "off": renders[False], "on": renders[True]}
    tops = [top_pixels(pipe, s) for s in samples]

    kept = [
        np.all(on[t] == s.source[t], axis=-1).mean()
        for on, t, s in zip(renders[True], tops, samples, strict=True)
    ]
    elsewhere = [
        int((np.any(off != on, axis=-1) & ~t).sum())
        for off, on, t in zip(renders[False], renders[True], tops, strict=True)
    ]
    rows = {}
    for name, ims in images.items():
        hits = judge_hits(ims, samples, judges)
        hidden = hide_top(samples, judges, ims)
        rows[name] = {
            "colour": hits["colour"],
            "pattern": hits["pattern"],
            "type": hits["type"],
            "pattern, top hidden": hidden["pattern"],
            "type, top hidden": hidden["type"],
            "l1_mask": np.array(
                [l1(im, s.target, s.agnostic_mask) for im, s in zip(ims, samples, strict=True)]
            ),
            "l1_top": np.array(
                [l1(im, s.target, t) for im, s, t in zip(ims, samples, tops, strict=True)]
            ),
        }

    n = len(samples)
    lock = "off" if args.no_colour_lock else "as the recipe"
    print(
        f"## Keep the top: {n} lower pairs of {args.splits} (recipe {args.recipe}, lock {lock})\n"
    )
    print(f"- top pixels kept exactly: mean {np.mean(kept):.4f}, min {np.min(kept):.4f}")
    share = np.mean([t.sum() / s.agnostic_mask.sum() for t, s in zip(tops, samples, strict=True)])
    print(f"- the top is {share:.1%} of the judges' mask")
    print(
        f"- pixels that differ outside the top: median {int(np.median(elsewhere))}, max {max(elsewhere)}"
    )
    print()
    print("| judge | truth | keep-top off | keep-top on | on vs off: gained / lost |")
    print("|---|---:|---:|---:|---:|")
    for judge in ("colour", "pattern", "type", "pattern, top hidden", "type, top hidden"):
        off, on = rows["off"][judge], rows["on"][judge]
        print(
            f"| {judge} | {rows['truth'][judge].sum()}/{n} | {off.sum()}/{n} | {on.sum()}/{n} "
            f"| {(on & ~off).sum()} / {(off & ~on).sum()} |"
        )
    for key, label in (("l1_mask", "L1 in the judges' mask"), ("l1_top", "L1 on the top")):
        off, on = rows["off"][key], rows["on"][key]
        print(
            f"| {label} (mean) | – | {off.mean():.4f} | {on.mean():.4f} "
            f"| lower in {(on < off).sum()} of {n} |"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "command": " ".join(sys.argv),
            "pairs": [f"{s.split}/{s.index}" for s in samples],
            "top_kept": [float(k) for k in kept],
            "differ_outside_top": elsewhere,
            "rows": {m: {k: v.tolist() for k, v in r.items()} for m, r in rows.items()},
        }
        args.json.write_text(json.dumps(payload, indent=1))
    if args.figure:
        from PIL import Image

        strips = []
        for s, off, on in list(zip(samples, renders[False], renders[True], strict=True))[:4]:
            top = s.source.shape[0] // 4
            strips.append(np.concatenate([im[top:] for im in (s.source, s.target, off, on)], 1))
        args.figure.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.concatenate(strips, 0)).save(args.figure)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
