"""Benchmark: world pairs per second on one CPU thread.

Measures three things at a frame size (default 256x256):

* ``render``: sampling and rendering a pair (both images with parsing, regions, masks);
* ``item``: a full :class:`tryon.data.WorldPairDataset` item (render + agnostic mask from
  ``tryon.analysis`` + tensors), what a training data loader worker does;
* ``single``: one image (``render_person``), for comparison.

Usage::

    python benchmarks/bench_world.py [--size 256x256] [--n 300] [--repeats 3]

torch and OpenCV are limited to one thread; the best of ``--repeats`` runs is reported
(CPU time of this process and wall time), so other load on the machine disturbs it less.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from tryon.data import WorldPairDataset, render_person, sample_outfit, sample_person  # noqa: E402
from tryon.data.dataset import render_pair_spec  # noqa: E402


def _timed(fn, n):
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return n / (time.perf_counter() - w0), n / (time.process_time() - c0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="256x256", help="HxW (default 256x256)")
    parser.add_argument("--n", type=int, default=300, help="pairs per run (default 300)")
    parser.add_argument("--repeats", type=int, default=3, help="runs; best is kept (default 3)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    size = tuple(int(v) for v in args.size.lower().split("x"))
    ds = WorldPairDataset("train", size=size, length=args.n, seed=args.seed)
    specs = [ds.pair_spec(i) for i in range(args.n)]
    ds[0]  # warm caches and imports
    rng = np.random.default_rng(args.seed)
    singles = [(sample_person(rng), sample_outfit(rng)) for _ in range(args.n)]
    results = {"render": [], "item": [], "single": []}
    for _ in range(args.repeats):
        results["render"].append(_timed(lambda: [render_pair_spec(s, size) for s in specs], args.n))
        results["item"].append(_timed(lambda: [ds[i] for i in range(args.n)], args.n))
        results["single"].append(
            _timed(lambda: [render_person(p, o, size=size) for p, o in singles], args.n)
        )
    report = {
        "size": f"{size[0]}x{size[1]}",
        "n": args.n,
        "repeats": args.repeats,
        "cpu": platform.processor() or platform.machine(),
        "threads": 1,
    }
    for key, runs in results.items():
        report[f"{key}_per_s_wall"] = round(max(r[0] for r in runs), 1)
        report[f"{key}_per_s_cpu"] = round(max(r[1] for r in runs), 1)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
