"""Two `tryon eval` reports of the same pairs, compared pair by pair.

`tryon eval` writes each judged pair to ``records.json`` (``{split: [record, ...]}``). Two
reports made with the same ``--split``, ``--n`` and ``--seed`` hold the same pairs in the same
order; this counts, for each judge, the pairs the second report gets right that the first
gets wrong (gained) and the reverse (lost), with a two-sided sign test, over all pairs and
over the prompts that name a print's colour and the others. L1 in mask: pairs lower / higher.

Run::

    .venv/bin/python benchmarks/paired_records.py benchmarks/results/tryon-small-colour-prior \\
        benchmarks/results/tryon-small-print-prior

Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
from math import comb
from pathlib import Path

from tryon.data.captions import names_two_colours

JUDGES = (
    ("colour", "colour_correct"),
    ("print's colour shown", "colour2_shown"),
    ("type", "type_correct"),
    ("sleeve", "sleeve_correct"),
    ("pattern", "pattern_correct"),
)
SPLITS = ("test", "heldout", "paraphrase")


def sign_test(gained: int, lost: int) -> float:
    """Two-sided exact sign test of ``gained`` against ``lost`` (ties left out), in [0, 1]."""
    n = gained + lost
    if n == 0:
        return 1.0
    tail = sum(comb(n, k) for k in range(min(gained, lost) + 1)) / 2**n
    return min(1.0, 2 * tail)


def load_pairs(report: Path) -> list[dict]:
    """The world pairs of a report folder, splits in ``SPLITS`` order."""
    records = json.loads((report / "records.json").read_text())
    return [r for split in SPLITS for r in records.get(split, [])]


def paired_counts(before: list[dict], after: list[dict], key: str) -> tuple[int, int]:
    """(gained, lost) on boolean field ``key``; pairs where either value is None are skipped."""
    gained = lost = 0
    for a, b in zip(before, after, strict=True):
        if a["prompt"] != b["prompt"]:
            raise ValueError(f"the reports hold different pairs: {a['prompt']!r} / {b['prompt']!r}")
        x, y = a.get(key), b.get(key)
        if x is None or y is None:
            continue
        gained += bool(y) and not x
        lost += bool(x) and not y
    return gained, lost


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path, help="report folder (the reference)")
    parser.add_argument("after", type=Path, help="report folder (the change)")
    args = parser.parse_args(argv)
    before, after = load_pairs(args.before), load_pairs(args.after)
    if len(before) != len(after):
        parser.error(f"the reports hold {len(before)} and {len(after)} pairs")
    two = [names_two_colours(r["prompt"]) for r in before]
    groups = {
        f"all {len(before)}": range(len(before)),
        f"{sum(two)} naming a print's colour": [i for i, t in enumerate(two) if t],
        f"{len(two) - sum(two)} others": [i for i, t in enumerate(two) if not t],
    }
    print(f"`{args.after}` against `{args.before}`: pairs gained / lost (two-sided sign test p)\n")
    print("| pairs | " + " | ".join(name for name, _ in JUDGES) + " | L1 in mask lower / higher |")
    print("|---" * (len(JUDGES) + 2) + "|")
    for label, idx in groups.items():
        b, a = [before[i] for i in idx], [after[i] for i in idx]
        cells = []
        for _, key in JUDGES:
            g, lo = paired_counts(b, a, key)
            cells.append(f"{g} / {lo} (p = {sign_test(g, lo):.2g})")
        lower = sum(y["masked_l1"] < x["masked_l1"] for x, y in zip(b, a, strict=True))
        higher = sum(y["masked_l1"] > x["masked_l1"] for x, y in zip(b, a, strict=True))
        print(f"| {label} | " + " | ".join(cells) + f" | {lower} / {higher} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
