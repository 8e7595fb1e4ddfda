"""Benchmark person analysis: accuracy against the world's ground truth, and speed.

Accuracy: the mediapipe backend analyses ``--n`` images of the procedural world (the target
image of ``WorldPairDataset(split, seed)`` items 0..n-1) and is compared with the exact ground
truth: detection rate, mean IoU per body region and of the person mask, keypoint error (pixels
and fraction of the person height; PCK@0.05 and @0.1 of the height), and how well the agnostic
masks do their job (coverage of the current garment, pixels of face/hands/feet touched, IoU
with the ground-truth agnostic mask).

Speed: median wall time of ``PersonAnalyzer.analyse`` (warm, after 2 warm-up runs) on a
1024-pixel photo (scikit-image's astronaut upscaled to 1024x1024, and a world image rendered at
1024x768), plus the three agnostic masks.

Run::

    .venv/bin/python benchmarks/bench_analysis.py --n 200 --timing-runs 15

Prints a Markdown report (and writes JSON with ``--json PATH``).
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tryon.analysis import NoPersonFoundError, PersonAnalysis, PersonAnalyzer  # noqa: E402
from tryon.analysis.agnostic import person_height  # noqa: E402
from tryon.body import (  # noqa: E402
    CATEGORIES,
    CATEGORY_PARSING_LABELS,
    KEYPOINT_NAMES,
    PARSING_INDEX,
    REGION_INDEX,
    REGION_LABELS,
)

PROTECTED = ("face", "hands", "feet")


def iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else float("nan")


def accuracy(n: int, split: str, seed: int, size: tuple[int, int], analyzer) -> dict:
    from tryon.data import WorldPairDataset

    dataset = WorldPairDataset(split=split, size=size, length=n, seed=seed)
    region_iou = {name: [] for name in REGION_LABELS[1:]}
    person_iou, errors, errors_rel = [], [], []
    kp_errors = {name: [] for name in KEYPOINT_NAMES}
    agn = {c: {"iou": [], "garment_covered": [], "protected_touched": []} for c in CATEGORIES}
    failures: list[str] = []
    times = []
    for index in range(n):
        _, _, rendering = dataset.render(index)
        gt = PersonAnalysis.from_ground_truth(
            rendering.image, rendering.keypoints, rendering.regions, rendering.parsing
        )
        start = time.perf_counter()
        try:
            pred = analyzer.analyse(rendering.image)
        except (NoPersonFoundError, ValueError) as err:
            failures.append(f"{index}: {type(err).__name__}: {err}")
            continue
        times.append(time.perf_counter() - start)
        for name in REGION_LABELS[1:]:
            label = REGION_INDEX[name]
            truth = gt.regions == label
            if truth.any():
                region_iou[name].append(iou(pred.regions == label, truth))
        person_iou.append(iou(pred.person_mask, gt.person_mask))
        height = person_height(gt.regions, gt.keypoints)
        for k, name in enumerate(KEYPOINT_NAMES):
            if gt.keypoints[k, 2] >= 0.5:
                err = float(np.hypot(*(pred.keypoints[k, :2] - gt.keypoints[k, :2])))
                errors.append(err)
                errors_rel.append(err / height)
                kp_errors[name].append(err)
        protected = np.isin(gt.regions, [REGION_INDEX[p] for p in PROTECTED])
        for category in CATEGORIES:
            mask = pred.agnostic_mask(category)
            garment = np.isin(
                gt.parsing, [PARSING_INDEX[x] for x in CATEGORY_PARSING_LABELS[category]]
            )
            agn[category]["iou"].append(iou(mask, gt.agnostic_mask(category)))
            if garment.any():
                agn[category]["garment_covered"].append(float(mask[garment].mean()))
            agn[category]["protected_touched"].append(float(mask[protected].mean()))
    errors_rel_arr = np.array(errors_rel)
    return {
        "images": n,
        "split": split,
        "seed": seed,
        "size": list(size),
        "detected": n - len(failures),
        "failures": failures,
        "seconds_per_image_mean": float(np.mean(times)) if times else None,
        "person_iou": float(np.mean(person_iou)) if person_iou else None,
        "region_iou": {k: float(np.mean(v)) if v else None for k, v in region_iou.items()},
        "region_counts": {k: len(v) for k, v in region_iou.items()},
        "keypoint_error_px": float(np.mean(errors)) if errors else None,
        "keypoint_error_median_px": float(np.median(errors)) if errors else None,
        "keypoint_error_height": float(np.mean(errors_rel_arr)) if errors else None,
        "pck_0.05": float(np.mean(errors_rel_arr <= 0.05)) if errors else None,
        "pck_0.1": float(np.mean(errors_rel_arr <= 0.1)) if errors else None,
        "keypoint_error_px_by_name": {
            k: float(np.mean(v)) if v else None for k, v in kp_errors.items()
        },
        "agnostic": {
            c: {k: float(np.mean(v)) if v else None for k, v in d.items()} for c, d in agn.items()
        },
    }


def timing(analyzer, runs: int) -> dict:
    from skimage import data

    from tryon.data import WorldPairDataset

    photos = {
        "astronaut 1024x1024": cv2.resize(data.astronaut(), (1024, 1024), cv2.INTER_CUBIC),
        "world 1024x768": WorldPairDataset(split="test", size=(1024, 768), length=1)
        .render(0)[2]
        .image,
    }
    out = {}
    for name, photo in photos.items():
        for _ in range(2):
            analyzer.analyse(photo)
        analyse_s, masks_s = [], []
        for _ in range(runs):
            start = time.perf_counter()
            result = analyzer.analyse(photo)
            analyse_s.append(time.perf_counter() - start)
            start = time.perf_counter()
            for category in CATEGORIES:
                result.agnostic_mask(category)
            masks_s.append(time.perf_counter() - start)
        out[name] = {
            "analyse_median_s": statistics.median(analyse_s),
            "analyse_min_s": min(analyse_s),
            "three_agnostic_masks_median_s": statistics.median(masks_s),
            "runs": runs,
        }
    return out


def report(acc: dict | None, speed: dict | None) -> str:
    lines = []
    if acc:
        lines += [
            f"World `{acc['split']}` split, seed {acc['seed']}, {acc['images']} images "
            f"{acc['size'][1]}x{acc['size'][0]}: detected {acc['detected']}/{acc['images']} "
            f"({acc['detected'] / acc['images']:.1%}).",
            "",
            "| body region | mean IoU | images |",
            "|---|---|---|",
            f"| person mask | {acc['person_iou']:.3f} | {acc['detected']} |",
        ]
        for name, value in acc["region_iou"].items():
            shown = "n/a" if value is None else f"{value:.3f}"
            lines.append(f"| {name} | {shown} | {acc['region_counts'][name]} |")
        lines += [
            "",
            "| keypoints (ground-truth visible) | value |",
            "|---|---|",
            f"| mean error | {acc['keypoint_error_px']:.2f} px |",
            f"| median error | {acc['keypoint_error_median_px']:.2f} px |",
            f"| mean error / person height | {acc['keypoint_error_height']:.4f} |",
            f"| PCK@0.05 height | {acc['pck_0.05']:.3f} |",
            f"| PCK@0.1 height | {acc['pck_0.1']:.3f} |",
            "",
            "| agnostic mask | IoU with ground-truth mask | current garment covered | face/hands/feet pixels touched |",
            "|---|---|---|---|",
        ]
        for category, d in acc["agnostic"].items():
            lines.append(
                f"| {category} | {d['iou']:.3f} | {d['garment_covered']:.3f} | "
                f"{d['protected_touched']:.4f} |"
            )
        worst = sorted(
            ((v, k) for k, v in acc["keypoint_error_px_by_name"].items() if v is not None),
            reverse=True,
        )[:4]
        lines += ["", "Largest keypoint errors: " + ", ".join(f"{k} {v:.1f} px" for v, k in worst)]
    if speed:
        lines += [
            "",
            "| photo | analyse (median) | analyse (min) | 3 agnostic masks (median) | runs |",
            "|---|---|---|---|---|",
        ]
        for name, d in speed.items():
            lines.append(
                f"| {name} | {d['analyse_median_s'] * 1000:.0f} ms | {d['analyse_min_s'] * 1000:.0f} ms | "
                f"{d['three_agnostic_masks_median_s'] * 1000:.0f} ms | {d['runs']} |"
            )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="world images (default 200)")
    parser.add_argument("--split", default="test")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--size", type=int, nargs=2, default=(512, 384), metavar=("H", "W"))
    parser.add_argument("--timing-runs", type=int, default=15, help="0 skips timing")
    parser.add_argument("--no-accuracy", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    with PersonAnalyzer() as analyzer:
        acc = (
            None
            if args.no_accuracy
            else accuracy(args.n, args.split, args.seed, tuple(args.size), analyzer)
        )
        speed = timing(analyzer, args.timing_runs) if args.timing_runs > 0 else None
    print(report(acc, speed))
    if acc and acc["failures"]:
        print("\nNot detected:", *acc["failures"][:20], sep="\n  ")
    if args.json:
        args.json.write_text(json.dumps({"accuracy": acc, "speed": speed}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
