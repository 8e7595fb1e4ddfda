"""Choose the attribute guidance scales on the validation split (never on test).

Renders ``--n`` validation world pairs with the render recipe (background restore and colour
lock included) at each setting of ``--scales`` (``C``, ``C/P`` or ``C/P/Q``: colour guidance
``C``, pattern guidance ``P`` and print-colour guidance ``Q``, each 0 when left out; the
recipe's stops, or ``@STOP`` for all three: ``6/3/3@0.5``), with the same seed per pair
(``tryon eval``'s: ``seed * 1_000_003 + index``), and judges every render as ``tryon eval``
does:

* **colour**: the dominant palette colour over the target's garment mask is the asked one,
  overall, on prompts that name no print's colour ("one colour") and on those that do;
* **print's colour shown**: on the prompts that name a print's colour, it wins at least 5 % of
  those votes;
* **pattern / type**: the attribute classifiers (``weights/eval-classifiers``) on the garment
  crop;

and counts, per judge, the pairs each setting gains and loses against the first, with a
two-sided sign test.

Run::

    .venv/bin/python benchmarks/bench_colour_guidance.py --n 120 --scales 0,3,6,9 \\
        --json benchmarks/results/colour-guidance/sweep.json
    .venv/bin/python benchmarks/bench_colour_guidance.py --n 120 --scales 0,6/3,6/5,9/5 \\
        --json benchmarks/results/colour-guidance/pattern-sweep.json
    .venv/bin/python benchmarks/bench_colour_guidance.py --n 240 --two-colour --scales 6/3,6/3/3 \
        --json benchmarks/results/colour-guidance/print-colour-sweep.json

``--two-colour`` keeps only the pairs whose prompt names a print's colour (print-colour
guidance changes no other render).

Prints a Markdown table. It renders ``n * len(scales)`` images: ~2-3.5 s each on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from paired_records import sign_test  # noqa: E402

from tryon.data.captions import names_two_colours  # noqa: E402
from tryon.evaluation.harness import build_judges, judge_hits, world_samples  # noqa: E402
from tryon.pipeline import TryOnPipeline  # noqa: E402
from tryon.pipeline.guidance import CONTRASTS  # noqa: E402

JUDGES = ("colour", "second", "pattern", "type")


ATTRIBUTES = tuple(CONTRASTS)  # the order of C/P/Q


def parse_setting(text: str) -> tuple[float, float, float, float | None]:
    """``"C"``, ``"C/P"`` or ``"C/P/Q"``, optionally ``@STOP`` -> the scales of
    :data:`ATTRIBUTES` (0 when left out) and the stop of all three (None: the recipe's)."""
    scales_text, _, stop_text = text.partition("@")
    scales = [float(v) for v in scales_text.split("/")]
    if not 1 <= len(scales) <= len(ATTRIBUTES):
        raise argparse.ArgumentTypeError(f"expected C, C/P or C/P/Q[@STOP], got {text!r}")
    stop = float(stop_text) if stop_text else None
    return (*scales, *[0.0] * (len(ATTRIBUTES) - len(scales)), stop)


def guidance_of(setting: tuple) -> dict:
    """A :func:`parse_setting` result as the pipeline's ``attribute_guidance``."""
    *scales, stop = setting
    return {a: s if stop is None else (s, stop) for a, s in zip(ATTRIBUTES, scales, strict=True)}


def label(setting: tuple) -> str:
    *scales, stop = setting
    return " / ".join(f"{s:g}" for s in scales) + ("" if stop is None else f" @ {stop:g}")


def rate(hits: np.ndarray) -> float | None:
    """Share of True in ``hits``; None when it is empty (no such pairs)."""
    return float(hits.mean()) if hits.size else None


def cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def render_sweep(pipe, samples, settings: dict) -> dict[object, list[np.ndarray]]:
    """Each sample rendered once per setting (``{key: pipeline keyword arguments}``), the
    person analysed once per sample, with ``tryon eval``'s seed (the sample's index, seed 0):
    ``{key: [image (H, W, 3) uint8, one per sample]}``."""
    renders: dict[object, list[np.ndarray]] = {key: [] for key in settings}
    for sample in samples:
        prepared = pipe.prepare(sample.analysis(), sample.category)
        for key, kwargs in settings.items():
            with torch.no_grad():
                image = pipe(
                    prepared,
                    sample.prompt,
                    generator=torch.Generator().manual_seed(sample.index),
                    output_type="np",
                    **kwargs,
                ).images[0]
            renders[key].append(image)
    return renders


def judged_rows(hits: list[dict[str, np.ndarray]], two: np.ndarray) -> list[dict]:
    """Per setting, from its :func:`~tryon.evaluation.harness.judge_hits`: each judge's rate
    (colour also on one- and two-colour prompts; the print's colour on two-colour prompts)
    and the pairs gained and lost against the first setting, with a sign test."""
    reference = hits[0]
    rows = []
    for h in hits:
        row = {
            "colour": float(h["colour"].mean()),
            "colour_one": rate(h["colour"][~two]),
            "colour_two": rate(h["colour"][two]),
            "second": rate(h["second"][two]),  # of the prompts naming a print's colour
            "pattern": float(h["pattern"].mean()),
            "type": float(h["type"].mean()),
        }
        for j in JUDGES:
            gained = int((h[j] & ~reference[j]).sum())
            lost = int((~h[j] & reference[j]).sum())
            row.update(
                {f"{j}_gained": gained, f"{j}_lost": lost, f"{j}_p": sign_test(gained, lost)}
            )
        rows.append(row)
    return rows


def print_judged_table(first_header: str, labels: list[str], rows: list[dict]) -> None:
    """Print :func:`judged_rows` as a Markdown table, one row per setting named by
    ``labels``: each judge as ``rate (+gained/-lost, p)``, colour also per kind of prompt."""
    print(
        f"| {first_header} | colour (+/-, p) | one colour | two colours "
        "| print's colour shown (+/-, p) | pattern (+/-, p) | type (+/-, p) |"
    )
    print("|---|---|---:|---:|---|---|---|")
    for label_, r in zip(labels, rows, strict=True):
        colour, second, pattern, type_ = (
            f"{cell(r[j])} (+{r[f'{j}_gained']}/-{r[f'{j}_lost']}, {r[f'{j}_p']:.2g})"
            for j in JUDGES
        )
        print(
            f"| {label_} | {colour} | {cell(r['colour_one'])} | {cell(r['colour_two'])} "
            f"| {second} | {pattern} | {type_} |"
        )


def finish_sweep(
    first_header: str,
    reference: str,
    labels: list[str],
    rows: list[dict],
    two: np.ndarray,
    json_path: Path | None,
    payload: dict,
) -> None:
    """Print how many prompts name a print's colour and :func:`print_judged_table` (gains and
    losses against the first ``reference``, e.g. "strength"), and write ``payload`` as JSON to
    ``json_path`` when one is given."""
    print(
        f"{int(two.sum())} prompts name a print's colour too, {int((~two).sum())} do not. "
        f"+/-: pairs gained / lost against the first {reference}, p: two-sided sign test.\n"
    )
    print_judged_table(first_header, labels, rows)
    if json_path:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(payload, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=120, help="validation pairs (default 120)")
    parser.add_argument(
        "--scales",
        default="0,3,6,9",
        help="comma-separated settings, C, C/P or C/P/Q (colour/pattern/print colour); "
        "first = reference",
    )
    parser.add_argument(
        "--two-colour",
        action="store_true",
        help="only the pairs (of the first --n) whose prompt names a print's colour",
    )
    parser.add_argument("--recipe", default="default", help="render recipe (default: default)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()
    scales = [parse_setting(s) for s in args.scales.split(",")]

    pipe = TryOnPipeline.from_recipe(args.recipe)
    pipe.set_progress_bar_config(disable=True)
    samples = world_samples("val", args.n, seed=0)
    if args.two_colour:
        samples = [s for s in samples if names_two_colours(s.prompt)]
    two = np.array([names_two_colours(s.prompt) for s in samples])
    renders = render_sweep(
        pipe, samples, {scale: {"attribute_guidance": guidance_of(scale)} for scale in scales}
    )

    judges = build_judges(fid=False)
    hits = {scale: judge_hits(renders[scale], samples, judges) for scale in scales}
    rows = [
        {
            "scale": scale[0],
            "pattern_scale": scale[1],
            "print_colour_scale": scale[2],
            "stop": scale[3],
            "label": label(scale),
            **row,
        }
        for scale, row in zip(scales, judged_rows([hits[s] for s in scales], two), strict=True)
    ]
    print(
        f"# Attribute guidance: sweep ({len(samples)} validation pairs"
        f"{' naming a print colour, of the first ' + str(args.n) if args.two_colour else ''}, "
        f"recipe {args.recipe})\n"
    )
    print(
        f"{int(two.sum())} prompts name a print's colour too, {int((~two).sum())} do not "
        "(one colour; the world's prompts may name none). "
        f"+/-: pairs gained / lost against the first setting, p: two-sided sign test.\n"
    )
    print_judged_table(
        "colour / pattern / print colour scale (@ stop)", [r["label"] for r in rows], rows
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "n": args.n,
                    "two_colour_only": args.two_colour,
                    "pairs": len(samples),
                    "recipe": args.recipe,
                    "rows": rows,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
