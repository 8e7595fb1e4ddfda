"""Colour accuracy where the judge reads the truth, from `tryon eval` reports' records.

The colour judge (the garment's dominant palette colour over the target's garment mask) misreads
about one true target in ten: a check's blend of its two colours wins the vote as a third, a
shadow as a darker neighbour. A method that draws such a target faithfully is scored a miss.
Every record holds the judge's verdict on the true target of its pair (``gt_colour_correct``);
over the pairs it reads right, a miss is the method's. This prints, per report and split, the
colour accuracy over all pairs and over those, and the pairs each report gains and loses there
against the first report (two-sided sign test).

Run (the reports of ``benchmarks/results/colour-truth-read/README.md``)::

    .venv/bin/python benchmarks/colour_truth_read.py \\
        benchmarks/results/tryon-small-prints-gpu5146-print-prior \\
        benchmarks/results/recolour benchmarks/results/autoencoder-w8-printlock

`tryon eval` reports made since 2026-12-07 carry the same number in their tables ("colour acc
where the judge reads the truth"); this script reads it back from older ones. Prints Markdown.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from paired_records import SPLITS, paired_counts, sign_test  # noqa: E402

from tryon.evaluation.harness import truth_read_accuracy  # noqa: E402


def load_splits(report: Path) -> dict[str, list[dict]]:
    """``{split: records}`` of a report folder, for the splits in ``SPLITS`` it holds."""
    records = json.loads((report / "records.json").read_text())
    return {s: records[s] for s in SPLITS if s in records}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("reports", nargs="+", type=Path, help="report folders; first = reference")
    args = parser.parse_args(argv)
    runs = {report: load_splits(report) for report in args.reports}
    reference = runs[args.reports[0]]
    splits = [s for s in SPLITS if all(s in r for r in runs.values())]
    print(
        "| report | split | colour acc | where the judge reads the truth (n) "
        "| misses there | +/- there vs first (p) |"
    )
    print("|---|---|---:|---:|---:|---|")
    for report, by_split in runs.items():
        for split in splits:
            records = by_split[split]
            accuracy = sum(bool(r["colour_correct"]) for r in records) / len(records)
            read_accuracy, n = truth_read_accuracy(records)
            read = [r["gt_colour_correct"] for r in records]
            if read != [r["gt_colour_correct"] for r in reference[split]]:
                raise ValueError(f"{report} and {args.reports[0]} hold different pairs ({split})")
            keep = [i for i, ok in enumerate(read) if ok]
            gained, lost = paired_counts(
                [reference[split][i] for i in keep], [records[i] for i in keep], "colour_correct"
            )
            print(
                f"| {report.name} | {split} | {accuracy:.3f} | {read_accuracy:.3f} ({n}) "
                f"| {n - round(read_accuracy * n)} | +{gained}/-{lost} "
                f"({sign_test(gained, lost):.2g}) |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
