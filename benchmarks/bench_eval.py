"""Benchmark of the evaluation's own cost: seconds per image for each metric and judge.

Run::

    python benchmarks/bench_eval.py --n 16 --size 512 384 --threads 2

It renders ``n`` world test pairs and times, per image: world rendering, SSIM, PSNR, masked L1,
preservation, dominant colour + CIEDE2000, the recolour baseline, the attribute classifiers
(if trained), Inception features (FID/KID) and the FID/KID computation. Prints a Markdown
table (and JSON with ``--json FILE``).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch


def _time(fn, repeats: int = 1) -> float:
    t0 = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - t0) / repeats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=16)
    parser.add_argument("--size", type=int, nargs=2, default=(512, 384))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--classifiers", default="weights/eval-classifiers")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    from tryon.evaluation.baselines import RecolourBaseline
    from tryon.evaluation.classifiers import garment_crop, load_classifier
    from tryon.evaluation.colour import ciede2000, dominant_colour, palette_lab
    from tryon.evaluation.harness import world_samples
    from tryon.evaluation.metrics import (
        InceptionFeatures,
        RealismMetrics,
        masked_l1,
        preservation_error,
        psnr,
        ssim,
    )

    n = args.n
    rows: dict[str, float] = {}
    t0 = time.perf_counter()
    samples = world_samples("test", n, seed=0, size=tuple(args.size))
    rows["world pair rendering (source + target)"] = (time.perf_counter() - t0) / n
    palette = palette_lab()
    base = RecolourBaseline()
    analyses = [s.analysis() for s in samples]
    outs = []
    rows["recolour baseline"] = (
        _time(
            lambda: outs.extend(
                base.run(a, s.prompt, s.category) for a, s in zip(analyses, samples, strict=True)
            )
        )
        / n
    )
    res = [o.image for o in outs]
    tgt = [s.target for s in samples]
    rows["SSIM"] = _time(lambda: [ssim(r, t) for r, t in zip(res, tgt, strict=True)]) / n
    rows["PSNR"] = _time(lambda: [psnr(r, t) for r, t in zip(res, tgt, strict=True)]) / n
    rows["masked L1"] = (
        _time(
            lambda: [
                masked_l1(r, t, s.agnostic_mask) for r, t, s in zip(res, tgt, samples, strict=True)
            ]
        )
        / n
    )
    rows["preservation"] = (
        _time(
            lambda: [
                preservation_error(o.image, s.source, o.mask)
                for o, s in zip(outs, samples, strict=True)
            ]
        )
        / n
    )

    def colour():
        for r, s in zip(res, samples, strict=True):
            _, lab = dominant_colour(r, s.garment_mask, palette)
            ciede2000(lab, palette[s.attributes["colour"]])

    rows["dominant colour + CIEDE2000"] = _time(colour) / n
    try:
        clf = load_classifier(args.classifiers)
        size = clf.config.image_size
        crops = []
        rows["garment crop (classifier view)"] = (
            _time(
                lambda: crops.extend(
                    garment_crop(r, s.agnostic_mask, s.keypoints, size)
                    for r, s in zip(res, samples, strict=True)
                )
            )
            / n
        )
        rows["attribute classifiers (batched)"] = _time(lambda: clf.predict(np.stack(crops))) / n
    except FileNotFoundError:
        pass
    t0 = time.perf_counter()
    inception = InceptionFeatures()
    rows["Inception load (once)"] = time.perf_counter() - t0
    realism = RealismMetrics(inception)
    rows["Inception features (per image)"] = _time(
        lambda: (realism.update(np.stack(tgt), True), realism.update(np.stack(res), False))
    ) / (2 * n)
    rows[f"FID + KID compute (once, n={n})"] = _time(realism.compute)

    print(
        f"| step | seconds per image (n={n}, {args.size[0]}x{args.size[1]}, {args.threads} threads) |"
    )
    print("|---|---|")
    for name, value in rows.items():
        print(f"| {name} | {value:.4f} |")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(
                {"n": n, "size": list(args.size), "threads": args.threads, "seconds": rows},
                handle,
                indent=2,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
