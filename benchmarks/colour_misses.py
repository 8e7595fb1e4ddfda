"""Where a `tryon eval` report gets the garment's colour wrong, and what those pairs share.

Reads a report's ``records.json`` (one record per judged pair) and re-draws the same world
pairs (``world_samples``: deterministic, no model), then tells, over the ``test``,
``heldout`` and ``paraphrase`` pairs:

* **miss rate by group**: garment category, plain or printed, whether the prompt names a
  print's colour, and whether the target garment reaches outside the mask the pipeline draws
  from the source photo (more than :data:`OUTSIDE` of its pixels: a flared skirt on a person
  photographed in trousers; those pixels stay the photo's, whatever the model draws);
* **which way a miss goes**: the judged colour's L* against the asked colour's (darker /
  lighter, palette CIELAB), and whether it is the colour of the garment the source photo wears
  (the model copied what it should have replaced), against the rate of that match when each
  miss is set beside every other pair's source garment (chance);
* every miss, with the judge's verdict on the true target;
* with ``--render``, what the colour lock did on each miss: the first report's pairs are
  rendered again with the default recipe (``--weights`` to name another folder), with the lock
  and without, and the garment's median CIELAB (over the target's garment mask) is compared
  with the asked colour: how far the model drew from it (the lock searches
  :data:`tryon.pipeline.colour_lock.SEARCH` ΔE*ab around it) and how far the lock brought it;
* with ``--lightness SPLIT``, every pair of that split rendered the same two ways, and the
  garment's median L* compared with the true target's: is the model darker everywhere, or
  only where it misses?

Several reports may be given (same ``--n`` and ``--seed``): the group table gets a column for
each; the detail is the first report's.

Run::

    .venv/bin/python benchmarks/colour_misses.py \\
        benchmarks/results/tryon-small-prints-gpu5146-print-prior benchmarks/results/recolour

    .venv/bin/python benchmarks/colour_misses.py --render \\
        benchmarks/results/tryon-small-prints-gpu5146-print-prior

Prints Markdown. Re-drawing the world costs ~0.1 s a pair on 2 cores; ``--render`` and
``--lightness`` two renders (~4 s each) a pair.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tryon.body import CATEGORY_PARSING_LABELS, PARSING_INDEX  # noqa: E402
from tryon.data.captions import names_two_colours  # noqa: E402
from tryon.evaluation.colour import lightness_delta, palette_lab, palette_votes  # noqa: E402
from tryon.evaluation.harness import DEFAULT_SPLITS, world_samples  # noqa: E402
from tryon.pipeline.colour_lock import lock_target, rgb_to_lab  # noqa: E402
from tryon.pipeline.recipe import load_render_recipe  # noqa: E402

#: Share of the target garment's pixels outside the pipeline's mask above which a pair counts
#: as "reaching outside" (a few edge pixels always do: the judges' mask is the union of both
#: garments', the pipeline's the source's).
OUTSIDE = 0.05


@dataclass
class Pair:
    """What the analysis needs of one judged pair (``records.json`` plus the world)."""

    split: str
    index: int
    prompt: str
    category: str
    pattern: str
    asked: str
    source_colour: str | None  # dominant palette colour of the garment the source wears
    outside: float  # share of the target garment outside the pipeline's mask, in [0, 1]


def load_records(report: Path) -> dict[str, list[dict]]:
    """``{split: [record, ...]}`` of a report folder, world splits only."""
    records = json.loads((report / "records.json").read_text())
    return {split: records[split] for split in DEFAULT_SPLITS if split in records}


def source_garment_colour(sample, palette) -> str | None:
    """Dominant palette colour of the garment ``sample``'s source photo wears in the slot the
    try-on replaces, or None when the source wears nothing there (no parsing pixels)."""
    labels = [PARSING_INDEX[name] for name in CATEGORY_PARSING_LABELS[sample.category]]
    worn = np.isin(sample.source_parsing, labels)
    if worn.sum() < 20:
        return None
    return palette_votes(sample.source, worn, palette).dominant()[0]


def world_pairs(records: dict[str, list[dict]], palette) -> list[Pair]:
    """The world pairs behind ``records``, in split order, with their source colour and the
    share of the target garment outside the mask the default render recipe draws."""
    recipe = load_render_recipe("default")
    pairs = []
    for split, recs in records.items():
        for sample, rec in zip(world_samples(split, len(recs)), recs, strict=True):
            if sample.prompt != rec["prompt"]:
                raise ValueError(
                    f"{split} pair {sample.index}: the report asked {rec['prompt']!r}, the world "
                    f"draws {sample.prompt!r}: was it made with another --seed or image size?"
                )
            mask = sample.analysis().agnostic_mask(
                sample.category,
                dilation=recipe.mask_dilation,
                skirt_flare=recipe.mask_skirt_flare,
            )
            garment = sample.garment_mask
            pairs.append(
                Pair(
                    split=split,
                    index=sample.index,
                    prompt=sample.prompt,
                    category=sample.category,
                    pattern=sample.attributes.get("pattern", "solid"),
                    asked=sample.attributes["colour"],
                    source_colour=source_garment_colour(sample, palette),
                    outside=float((garment & ~mask).sum() / max(1, garment.sum())),
                )
            )
    return pairs


def groups(pairs: list[Pair]) -> dict[str, list[int]]:
    """Group label -> indices into ``pairs``."""
    out: dict[str, list[int]] = {}

    def add(label: str, test) -> None:
        out[label] = [i for i, p in enumerate(pairs) if test(p)]

    for category in ("upper", "lower", "full"):
        add(f"{category} garments", lambda p, c=category: p.category == c)
    add("plain (solid)", lambda p: p.pattern == "solid")
    add("printed", lambda p: p.pattern != "solid")
    add("prompt names a print's colour", lambda p: names_two_colours(p.prompt))
    add(f"target garment > {OUTSIDE:.0%} outside the mask", lambda p: p.outside > OUTSIDE)
    add(f"target garment <= {OUTSIDE:.0%} outside the mask", lambda p: p.outside <= OUTSIDE)
    return out


def miss_table(pairs: list[Pair], reports: dict[str, list[dict]]) -> str:
    """Markdown: misses / pairs per group, one column per report (and the true targets')."""
    first = next(iter(reports.values()))
    columns = {name: [not r["colour_correct"] for r in recs] for name, recs in reports.items()}
    columns["ground truth"] = [r["gt_colour_correct"] is False for r in first]
    lines = ["| pairs | n | " + " | ".join(columns) + " |", "|---" * (len(columns) + 2) + "|"]
    for label, idx in {"all": list(range(len(pairs))), **groups(pairs)}.items():
        cells = []
        for missed in columns.values():
            k = sum(missed[i] for i in idx)
            cells.append(f"{k} ({k / len(idx):.0%})" if idx else "–")
        lines.append(f"| {label} | {len(idx)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def direction_table(pairs: list[Pair], records: list[dict], palette) -> str:
    """Markdown: which way the misses go (darker / lighter; the source garment's colour)."""
    misses = [i for i, r in enumerate(records) if not r["colour_correct"]]
    if not misses:
        return "No misses."
    delta_l = [
        float(palette[records[i]["colour_pred"]][0] - palette[pairs[i].asked][0]) for i in misses
    ]
    darker = sum(d < -2 for d in delta_l)
    lighter = sum(d > 2 for d in delta_l)
    copied = sum(records[i]["colour_pred"] == pairs[i].source_colour for i in misses)
    # chance: the same judged colour beside every other pair's source garment
    sources = [p.source_colour for p in pairs]
    chance = sum(
        np.mean([records[i]["colour_pred"] == s for j, s in enumerate(sources) if j != i])
        for i in misses
    )
    n = len(misses)
    return "\n".join(
        [
            "| misses | darker than asked (ΔL* < -2) | lighter (ΔL* > 2) | median ΔL* | "
            "judged colour = the source garment's | expected by chance |",
            "|---|---|---|---|---|---|",
            f"| {n} | {darker} | {lighter} | {np.median(delta_l):+.1f} | {copied} | {chance:.1f} |",
        ]
    )


def detail_table(pairs: list[Pair], records: list[dict]) -> str:
    """Markdown: one row per miss."""
    lines = [
        "| split | pair | prompt | category | asked | judged | ΔE00 | source wears | outside "
        "mask | truth judged right |",
        "|---" * 10 + "|",
    ]
    for p, r in zip(pairs, records, strict=True):
        if r["colour_correct"]:
            continue
        lines.append(
            f"| {p.split} | {p.index} | {p.prompt} | {p.category} | {p.asked} | "
            f"{r['colour_pred']} | {r['colour_de00']:.1f} | {p.source_colour} | "
            f"{p.outside:.0%} | {'yes' if r['gt_colour_correct'] else 'no'} |"
        )
    return "\n".join(lines)


def _garment_lab(image: np.ndarray, garment: np.ndarray) -> np.ndarray:
    """Median CIELAB ``(3,)`` of ``image``'s pixels under ``garment``, in the colour lock's
    CIELAB (OpenCV's), the space its targets are given in."""
    return np.median(rgb_to_lab(image[garment]), axis=0)


def load_pipeline(weights: str | None):
    """The pipeline the reports were made with: the default recipe, on ``weights`` if given."""
    from tryon.pipeline import TryOnPipeline

    if weights is None:
        return TryOnPipeline.from_recipe("default")
    pipe = TryOnPipeline.from_pretrained(weights)
    pipe.apply_recipe(load_render_recipe("default"))
    return pipe


def render_off_on(pipe, sample) -> tuple[np.ndarray, np.ndarray]:
    """``sample`` rendered as ``tryon eval`` renders it (its seed), colour lock off and on."""
    from tryon.evaluation.baselines import PipelineMethod
    from tryon.evaluation.harness import _generator

    analysis = sample.analysis()
    images = []
    for lock in (False, True):
        method = PipelineMethod(pipe, "diagnosis", {"colour_lock": lock})
        out = method.run(analysis, sample.prompt, sample.category, _generator(0, sample.index))
        images.append(out.image)
    return images[0], images[1]


def lock_table(pairs: list[Pair], records: list[dict], pipe) -> str:
    """Markdown: each miss rendered with the colour lock off and on (module docstring)."""
    palette = palette_lab()
    lines = [
        "| split | pair | asked | garment L*a*b* off → on | ΔE*ab to the asked colour off → on "
        "| judged on (the report's) |",
        "|---|---|---|---|---|---|",
    ]
    misses = [i for i, r in enumerate(records) if not r["colour_correct"]]
    by_split: dict[str, list] = {}
    for i in misses:
        split = pairs[i].split
        if split not in by_split:
            by_split[split] = world_samples(
                split, max(pairs[j].index for j in misses if pairs[j].split == split) + 1
            )
        sample = by_split[split][pairs[i].index]
        images = render_off_on(pipe, sample)
        labs = [_garment_lab(image, sample.garment_mask) for image in images]
        judged = palette_votes(images[1], sample.garment_mask, palette).dominant()[0]
        target = lock_target(sample.prompt).base
        off, on = (float(np.linalg.norm(lab - target)) for lab in labs)
        fmt = " → ".join("(" + ", ".join(f"{v:.0f}" for v in lab) + ")" for lab in labs)
        lines.append(
            f"| {pairs[i].split} | {pairs[i].index} | {pairs[i].asked} "
            f"({', '.join(f'{v:.0f}' for v in target)}) | {fmt} | {off:.0f} → {on:.0f} | "
            f"{judged} ({records[i]['colour_pred']}) |"
        )
    return "\n".join(lines)


def lightness_table(pairs: list[Pair], records: list[dict], pipe, split: str) -> str:
    """Markdown: is the model darker than the truth on every pair of ``split``, or only on the
    misses? Each pair rendered with the lock off and on; ΔL* is the garment's median L* in
    the render less the true target's, over the target's garment mask
    (:func:`tryon.evaluation.colour.lightness_delta`, as ``tryon eval`` records it)."""
    chosen = [i for i, p in enumerate(pairs) if p.split == split]
    if not chosen:
        raise ValueError(f"the report holds no {split!r} pairs")
    samples = world_samples(split, len(chosen))
    deltas = [  # (off, on) per chosen pair, as tryon eval records it
        tuple(
            lightness_delta(image, sample.target, sample.garment_mask)
            for image in render_off_on(pipe, sample)
        )
        for sample in samples
    ]
    missed = [not records[i]["colour_correct"] for i in chosen]
    return lightness_rows(np.array(deltas), np.array(missed))


def lightness_rows(deltas: np.ndarray, missed: np.ndarray) -> str:
    """Markdown rows of :func:`lightness_table`: ``deltas`` ``(N, 2)`` ΔL* with the lock off
    and on, ``missed`` ``(N,)`` bool (the report missed the colour)."""
    lines = [
        "| pairs | n | median ΔL* lock off | lock on | darker by > 5 L*, lock off | lock on |",
        "|---|---|---|---|---|---|",
    ]
    for label, keep in (("all", np.ones_like(missed)), ("hits", ~missed), ("misses", missed)):
        d = deltas[keep]
        if len(d) == 0:
            continue
        lines.append(
            f"| {label} | {len(d)} | {np.median(d[:, 0]):+.1f} | {np.median(d[:, 1]):+.1f} | "
            f"{np.mean(d[:, 0] < -5):.0%} | {np.mean(d[:, 1] < -5):.0%} |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("reports", type=Path, nargs="+", help="report folders (tryon eval)")
    parser.add_argument(
        "--render", action="store_true", help="render the first report's misses, lock off / on"
    )
    parser.add_argument("--weights", help="the first report's weights folder (default recipe's)")
    parser.add_argument(
        "--lightness",
        metavar="SPLIT",
        help="render every pair of SPLIT, lock off / on, and compare the garment's L* with the "
        "true target's (is the model darker everywhere, or only where it misses?)",
    )
    args = parser.parse_args(argv)
    loaded = {str(path): load_records(path) for path in args.reports}
    first_name, first = next(iter(loaded.items()))
    for name, recs in loaded.items():
        if [len(v) for v in recs.values()] != [len(v) for v in first.values()]:
            parser.error(f"{name} holds other splits or --n than {first_name}")
    palette = palette_lab()
    pairs = world_pairs(first, palette)
    flat = {name: [r for split in recs.values() for r in split] for name, recs in loaded.items()}
    print(f"## Colour misses by group: missed / pairs ({', '.join(first)})\n")
    print(miss_table(pairs, {Path(name).name: recs for name, recs in flat.items()}))
    print(f"\n## Which way `{Path(first_name).name}`'s misses go\n")
    print(direction_table(pairs, flat[first_name], palette))
    print(f"\n## `{Path(first_name).name}`'s misses\n")
    print(detail_table(pairs, flat[first_name]))
    pipe = load_pipeline(args.weights) if args.render or args.lightness else None
    if args.render:
        print(f"\n## The colour lock on `{Path(first_name).name}`'s misses\n")
        print(lock_table(pairs, flat[first_name], pipe))
    if args.lightness:
        print(f"\n## Render against truth, L*, `{args.lightness}` split\n")
        print(lightness_table(pairs, flat[first_name], pipe, args.lightness))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
