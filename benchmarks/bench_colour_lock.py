"""Choose the colour lock's settings on the validation split (never on test).

Renders ``--n`` validation world pairs once with the lock off (the render recipe otherwise,
background restore included), then applies to the same renders either
:func:`tryon.pipeline.colour_lock.lock_colour` with each setting of :data:`VARIANTS` (search
radius, ``(full, none)`` fall-off, neighbourhood smoothing, strength; ``--sweep base``), or,
on the prompts that name a print's colour, :func:`tryon.pipeline.colour_lock.lock_print` with
each setting of :data:`PRINT_VARIANTS` followed by the shipped base lock (``--sweep print``;
the other prompts get the shipped base lock, and the reference is the base lock alone), or
both locks moved together, each pair of :data:`JOINT_VARIANTS` against the shipped pair
(``--sweep joint``), or the shipped locks on the region the pipeline applies them to against
the mask off the whole clean plate (``--sweep region``, each of :data:`REGION_DRAWN`),
or the shipped locks with and without the base lock's background guard (``--sweep
background``), or with the background restore keeping the render in the holes the mask walls
in for each of :data:`HOLE_VARIANTS` categories against for none (``--sweep holes``), or with
the print lock kept off the clean plate against on the whole region (``--sweep
print-region``), exactly where the pipeline applies them
(:func:`tryon.pipeline.composite.lock_region`: the agnostic mask off the clean plate, plus the
plate pixels the render drew over; with the prepared person's skin and background tones), and
judges every variant as ``tryon eval`` does:

* **colour**: the dominant palette colour over the target's garment mask is the asked one,
  overall and split into solid and patterned garments (``--sweep print``: and on the prompts
  that name two colours, with the second colour's accuracy: it wins at least 5 % of the votes);
* **pattern / type**: the attribute classifiers (``weights/eval-classifiers``) on the garment
  crop (what a lock that smears a print or recolours skin would lower);
* **L1 in mask**: mean absolute error against the true target over the agnostic mask;

and counts, per judge, the pairs each setting gains and loses against the reference.

Run::

    .venv/bin/python benchmarks/bench_colour_lock.py --n 240 --json sweep.json
    .venv/bin/python benchmarks/bench_colour_lock.py --n 240 --sweep print --json print.json
    .venv/bin/python benchmarks/bench_colour_lock.py --n 240 --sweep joint --json joint.json \
        --cache /tmp/lock-val240.pkl
    .venv/bin/python benchmarks/bench_colour_lock.py --n 240 --sweep region --json region.json \
        --cache /tmp/lock-val240.pkl
    .venv/bin/python benchmarks/bench_colour_lock.py --n 240 --sweep background \
        --json background.json --cache /tmp/lock-val240.pkl
    .venv/bin/python benchmarks/bench_colour_lock.py --n 240 --sweep holes \
        --json holes.json --cache /tmp/lock-val240.pkl
    .venv/bin/python benchmarks/bench_colour_lock.py --n 240 --sweep print-region \
        --json print-region.json --cache /tmp/lock-val240.pkl

Prints a Markdown report. ``--cache`` keeps the lock-off renders (~15 min of the run on 2
cores) for the next sweep of the same recipe.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from dataclasses import dataclass, fields
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tryon.analysis.agnostic import hip_row  # noqa: E402
from tryon.evaluation.harness import (  # noqa: E402
    build_judges,
    judge_hits,
    second_colour_asked,
    world_samples,
)
from tryon.evaluation.metrics import masked_l1  # noqa: E402
from tryon.pipeline import TryOnPipeline  # noqa: E402
from tryon.pipeline.colour_lock import (  # noqa: E402
    LIGHTNESS,
    PRINT_CONTRAST,
    PRINT_LEVEL_SIGMA,
    PRINT_RADIUS,
    PRINT_STRENGTH,
    RADIUS,
    SEARCH,
    SMOOTH,
    STRENGTH,
    lock_colour,
    lock_print,
    lock_target,
)
from tryon.pipeline.composite import (  # noqa: E402
    DRAWN_OVER_PLATE,
    HOLE_CATEGORIES,
    composite,
    garment_holes,
    lock_region,
    restore_background,
)
from tryon.pipeline.crop import paste_crop  # noqa: E402


class BaseLock(NamedTuple):
    """Settings of the base lock (:func:`tryon.pipeline.colour_lock.lock_colour`)."""

    search: float
    radius: tuple[float, float]
    smooth: float
    strength: float
    lightness: float = LIGHTNESS


#: (search, (full, none), smooth, strength) variants of the lock.
VARIANTS = [
    BaseLock(*variant)
    for variant in (
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
    )
]

#: (strength, level sigma, (none, full) contrast, (full, none) radius) variants of the print
#: lock; the shipped base lock runs after each.
PRINT_VARIANTS = [
    (0.35, 6.0, (0.1, 0.25), (20.0, 35.0)),
    (0.5, 6.0, (0.1, 0.25), (20.0, 35.0)),
    (0.75, 6.0, (0.1, 0.25), (20.0, 35.0)),
    (1.0, 6.0, (0.1, 0.25), (20.0, 35.0)),
    (0.5, 10.0, (0.1, 0.25), (20.0, 35.0)),
    (0.5, 6.0, (0.05, 0.2), (20.0, 35.0)),
    (0.5, 6.0, (0.1, 0.25), (12.0, 25.0)),
]

#: The shipped locks, in the tuples above.
SHIPPED_BASE = BaseLock(SEARCH, RADIUS, SMOOTH, STRENGTH, LIGHTNESS)
SHIPPED_PRINT = (PRINT_STRENGTH, PRINT_LEVEL_SIGMA, PRINT_CONTRAST, PRINT_RADIUS)


def _joint(
    search: float,
    strength: float,
    print_strength: float,
    print_radius=PRINT_RADIUS,
    lightness: float = LIGHTNESS,
) -> tuple[BaseLock, tuple]:
    """A ``--sweep joint`` / ``lightness`` setting: the shipped locks with the base lock's
    search radius, strength and lightness weight and the print lock's strength and radius
    replaced."""
    base = BaseLock(search, RADIUS, SMOOTH, strength, lightness)
    return base, (print_strength, PRINT_LEVEL_SIGMA, PRINT_CONTRAST, print_radius)


#: (base lock, print lock) pairs of ``--sweep joint``: the two locks as the pipeline runs them
#: (print lock first, on prompts that name a print's colour), moved together.
JOINT_VARIANTS = [
    _joint(35.0, 1.0, 0.5),
    _joint(35.0, 1.0, 1.0),
    _joint(50.0, 0.75, 0.5),
    _joint(50.0, 1.0, 0.5),
    _joint(50.0, 1.0, 0.75),
    _joint(50.0, 1.0, 1.0),
    _joint(50.0, 1.0, 1.0, (30.0, 50.0)),
    _joint(35.0, 1.0, 1.0, (30.0, 50.0)),
    _joint(50.0, 0.75, 0.75),
    _joint(35.0, 0.75, 0.75),
    _joint(35.0, 0.75, 1.0),
    _joint(35.0, 1.0, 0.75),
]

#: ``--sweep lightness``: the base lock's distances with L* weighted below 1 (a render drawn
#: too dark is still found), alone and with a stronger shift or search.
LIGHTNESS_VARIANTS = [
    _joint(SEARCH, STRENGTH, PRINT_STRENGTH, lightness=0.5),
    _joint(SEARCH, STRENGTH, PRINT_STRENGTH, lightness=0.35),
    _joint(SEARCH, 1.0, PRINT_STRENGTH, lightness=0.5),
    _joint(25.0, STRENGTH, PRINT_STRENGTH, lightness=0.5),
    _joint(50.0, STRENGTH, PRINT_STRENGTH, lightness=0.5),
    _joint(SEARCH, 1.0, 0.75, lightness=0.5),
]


@dataclass
class Unlocked:
    """What the locks need of one lock-off render: the decoded crop and the prepared
    person's box, mask, clean plate, skin and background tones and composite weights."""

    crop: np.ndarray
    box: tuple
    mask: np.ndarray
    plate: np.ndarray
    skin: np.ndarray | None
    background: np.ndarray | None
    weight: np.ndarray


def render_unlocked(recipe: str, samples) -> tuple[tuple[float, float] | None, list]:
    """Render ``samples`` with ``recipe`` and the lock off (the evaluation's seeds: the
    sample's index). Returns the recipe's background tolerance (None: no restore) and one
    ``(Unlocked, LockTarget | None)`` per sample."""
    pipe = TryOnPipeline.from_recipe(recipe)
    pipe.set_progress_bar_config(disable=True)
    tolerance = pipe.defaults.background_tolerance if pipe.defaults.restore_background else None
    cases = []
    captured = {}
    for sample in samples:
        prepared = pipe.prepare(sample.analysis(), sample.category)

        def capture(crop, background_tolerance=None, lock=None, _composite=prepared.composite):
            captured["crop"] = crop
            return _composite(crop, background_tolerance, lock)

        prepared.composite = capture  # keep the decoded crop the pipeline composites
        with torch.no_grad():
            pipe(
                prepared,
                sample.prompt,
                generator=torch.Generator().manual_seed(sample.index),
                colour_lock=False,
                output_type="np",
            )
        unlocked = Unlocked(
            captured.pop("crop"),
            prepared.box,
            prepared.mask,
            prepared.plate,
            prepared.skin,
            prepared.background,
            prepared.weight,
        )
        cases.append((unlocked, lock_target(sample.prompt)))
    return tolerance, cases


def unlocked_renders(recipe: str, samples, cache: Path | None = None):
    """:func:`render_unlocked`, kept in (and read back from) the pickle ``cache`` when given:
    the lock-off renders depend on the recipe's weights, not on the locks, so every sweep of
    one recipe can share them. SystemExit when the cache holds other renders."""
    if cache is not None and cache.exists():
        with cache.open("rb") as f:
            cached = pickle.load(f)
        if cached["recipe"] != recipe or cached["n"] != len(samples):
            raise SystemExit(f"{cache} holds {cached['n']} renders of {cached['recipe']!r}")
        if set(cached["cases"][0][0]) != {f.name for f in fields(Unlocked)}:
            raise SystemExit(f"{cache} was written by an older version of this script")
        return cached["tolerance"], [(Unlocked(**case), target) for case, target in cached["cases"]]
    tolerance, cases = render_unlocked(recipe, samples)
    if cache is not None:  # plain dicts: loadable whether this runs as a script or not
        plain = [(vars(unlocked), target) for unlocked, target in cases]
        with cache.open("wb") as f:
            pickle.dump(
                {"recipe": recipe, "n": len(samples), "tolerance": tolerance, "cases": plain}, f
            )
    return tolerance, cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=240, help="validation pairs (default 240)")
    parser.add_argument("--recipe", default="default", help="render recipe (default: default)")
    parser.add_argument(
        "--sweep",
        choices=("base", *SWEEPS),
        default="base",
        help="sweep the base lock's settings (default), the print lock's, both together, "
        "the base lock's weight of L*, the region the locks act on, the background guard, "
        "the garment categories whose enclosed holes the restore keeps, or whether the print "
        "lock acts on the garment drawn over the clean plate",
    )
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    parser.add_argument(
        "--cache",
        type=Path,
        help="keep the lock-off renders in this pickle and reuse them on the next run (they "
        "depend on the recipe's weights, not on the locks: delete it when the weights change)",
    )
    args = parser.parse_args()

    samples = world_samples("val", args.n, seed=0)
    tolerance, cases = unlocked_renders(args.recipe, samples, args.cache)
    cases = [(s, *case) for s, case in zip(samples, cases, strict=True)]

    judges = build_judges(fid=False)
    two = np.array([second_colour_asked(s, judges.palette) is not None for s in samples])
    solid = np.array([s.attributes["pattern"] == "solid" for s in samples])

    def judge(outputs) -> dict:
        """Per-pair hits (colour, second colour, pattern, type) and L1 of one variant's
        outputs."""
        l1 = [
            masked_l1(o, s.target, s.agnostic_mask) for o, s in zip(outputs, samples, strict=True)
        ]
        return {"hits": judge_hits(outputs, samples, judges), "l1_mask": float(np.mean(l1))}

    def summary(result: dict, reference: dict | None = None) -> dict:
        hits = result["hits"]
        row = {
            "colour": float(hits["colour"].mean()),
            "colour_solid": float(hits["colour"][solid].mean()),
            "colour_patterned": float(hits["colour"][~solid].mean()),
            "colour_two": float(hits["colour"][two].mean()),
            "second_colour": float(hits["second"][two].mean()),
            "pattern": float(hits["pattern"].mean()),
            "type": float(hits["type"].mean()),
            "l1_mask": result["l1_mask"],
        }
        if reference is not None:  # pairs gained / lost against the reference
            for key in ("colour", "pattern", "type"):
                ref = reference["hits"][key]
                row[f"{key}_gained"] = int((hits[key] & ~ref).sum())
                row[f"{key}_lost"] = int((~hits[key] & ref).sum())
        return row

    def render(
        base=None,
        print_=None,
        drawn=DRAWN_OVER_PLATE,
        background=True,
        holes=HOLE_CATEGORIES,
        print_on_plate=True,
        hips=True,
    ) -> list[np.ndarray]:
        """Outputs with the print lock ``print_`` (on the prompts that name a print's colour;
        a :data:`PRINT_VARIANTS` tuple) and then the base lock ``base`` (a :class:`BaseLock`),
        each skipped when None, exactly where the pipeline applies them: on
        :func:`~tryon.pipeline.composite.lock_region` with ``drawn`` (None: the mask off the
        whole clean plate, the region before 2026-12-08), the base lock guarding the photo's
        background tone with ``background``; the background restore keeps the render in the
        enclosed holes of the garments of the categories ``holes`` (centred below the hip
        line, or anywhere without ``hips``), and the locks act there;
        without ``print_on_plate`` the print lock keeps off the clean plate (the base lock
        alone acts on the garment drawn over it)."""
        outputs = []
        for sample, unlocked, target in cases:
            photo = sample.source
            generated = paste_crop(photo, unlocked.crop, unlocked.box)
            kept = None
            if tolerance is not None:
                hip = hip_row(sample.analysis().keypoints) if hips else 0.0
                if sample.category in holes and hip is not None:
                    middle = sum(tolerance) / 2.0
                    kept = garment_holes(
                        generated, photo, unlocked.plate, unlocked.mask, middle, from_row=hip
                    )
                generated = restore_background(
                    generated, photo, unlocked.plate, tolerance, keep=kept
                )
            if drawn is None:
                region = unlocked.mask & ~unlocked.plate
            else:
                region = lock_region(
                    generated, photo, unlocked.mask, unlocked.plate, drawn, holes=kept
                )
            if print_ is not None and target is not None and target.print is not None:
                strength, sigma, contrast, radius = print_
                generated = lock_print(
                    generated,
                    region if print_on_plate else region & ~unlocked.plate,
                    target.base,
                    target.print,
                    unlocked.skin,
                    radius=radius,
                    level_sigma=sigma,
                    contrast=contrast,
                    strength=strength,
                )[0]
            if base is not None and target is not None:
                tone = unlocked.background if background else None
                generated = lock_colour(
                    generated, region, target.base, unlocked.skin, **base._asdict(), background=tone
                )[0]
            outputs.append(composite(photo, generated, unlocked.weight))
        return outputs

    if args.sweep != "base":
        SWEEPS[args.sweep](args, judge, summary, render, int(two.sum()))
        return
    off = judge(render())
    rows = []
    for variant in VARIANTS:
        search, (full, none), smooth, strength, _ = variant
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


def print_sweep(args, judge, summary, render, n_two: int) -> None:
    """Each :data:`PRINT_VARIANTS` setting (then the shipped base lock) against the shipped
    base lock alone; prints a Markdown table and writes ``--json``."""
    reference = judge(render(base=SHIPPED_BASE))
    rows = []
    for strength, sigma, contrast, radius in PRINT_VARIANTS:
        settings = {"strength": strength, "sigma": sigma, "contrast": contrast, "radius": radius}
        result = judge(render(SHIPPED_BASE, (strength, sigma, contrast, radius)))
        rows.append({**settings, **summary(result, reference)})
    base = summary(reference)
    print(f"# Print lock: sweep ({args.n} validation pairs, recipe {args.recipe})\n")
    print(
        f"{n_two} prompts name a print's colour. Every row ends with the shipped base lock; "
        "the first row is that lock alone. Colour: the dominant palette colour over the "
        "target's garment mask; 2nd colour: it wins at least 5 % of the votes; pattern and "
        "type: the attribute classifiers; +/- : pairs gained / lost against the base lock "
        "alone.\n"
    )
    print(
        "| strength | level sigma | contrast | radius | colour (+/-) | two-colour | 2nd colour | "
        "pattern (+/-) | type (+/-) | L1 in mask |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| base lock alone | | | | {base['colour']:.3f} | {base['colour_two']:.3f} | "
        f"{base['second_colour']:.3f} | {base['pattern']:.3f} | {base['type']:.3f} | "
        f"{base['l1_mask']:.4f} |"
    )
    for r in rows:
        print(
            f"| {r['strength']:g} | {r['sigma']:g} | {r['contrast'][0]:g}-{r['contrast'][1]:g} | "
            f"{r['radius'][0]:g}-{r['radius'][1]:g} | {r['colour']:.3f} "
            f"(+{r['colour_gained']}/-{r['colour_lost']}) | {r['colour_two']:.3f} | "
            f"{r['second_colour']:.3f} | "
            f"{r['pattern']:.3f} (+{r['pattern_gained']}/-{r['pattern_lost']}) | "
            f"{r['type']:.3f} (+{r['type_gained']}/-{r['type_lost']}) | {r['l1_mask']:.4f} |"
        )
    if args.json:
        args.json.write_text(
            json.dumps(
                {"n": args.n, "recipe": args.recipe, "reference": base, "sweep": rows}, indent=2
            )
        )


def joint_sweep(args, judge, summary, render, n_two: int, variants) -> None:
    """Each pair of settings of ``variants`` (:data:`JOINT_VARIANTS` or
    :data:`LIGHTNESS_VARIANTS`: print lock, then base lock) against the shipped pair; prints a
    Markdown table and writes ``--json``."""
    reference = judge(render(SHIPPED_BASE, SHIPPED_PRINT))
    rows = []
    for base, print_ in variants:
        settings = {"base": base, "print": print_}
        rows.append({**settings, **summary(judge(render(base, print_)), reference)})
    ref = summary(reference)
    print(f"# Both locks: sweep ({args.n} validation pairs, recipe {args.recipe})\n")
    print(
        f"{n_two} prompts name a print's colour (the print lock runs on those). Base lock: "
        "search radius, strength and L* weight; print lock: strength and (full, none) radius; "
        "the other settings are the shipped ones. Colour: the dominant palette colour over the "
        "target's garment mask; 2nd colour: it wins at least 5 % of the votes; pattern and "
        "type: the attribute classifiers; +/- : pairs gained / lost against the shipped locks.\n"
    )
    print(
        "| base search | base strength | base L* weight | print strength | print radius | "
        "colour (+/-) | solid | patterned | 2nd colour | pattern (+/-) | type (+/-) | L1 in mask |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| shipped | | | | | {ref['colour']:.3f} | {ref['colour_solid']:.2f} | "
        f"{ref['colour_patterned']:.2f} | {ref['second_colour']:.3f} | {ref['pattern']:.3f} | "
        f"{ref['type']:.3f} | {ref['l1_mask']:.4f} |"
    )
    for r in rows:
        base, (p_strength, _, _, p_radius) = r["base"], r["print"]
        print(
            f"| {base.search:g} | {base.strength:g} | {base.lightness:g} | {p_strength:g} | "
            f"{p_radius[0]:g}-{p_radius[1]:g} | "
            f"{r['colour']:.3f} (+{r['colour_gained']}/-{r['colour_lost']}) | "
            f"{r['colour_solid']:.2f} | {r['colour_patterned']:.2f} | "
            f"{r['second_colour']:.3f} | "
            f"{r['pattern']:.3f} (+{r['pattern_gained']}/-{r['pattern_lost']}) | "
            f"{r['type']:.3f} (+{r['type_gained']}/-{r['type_lost']}) | {r['l1_mask']:.4f} |"
        )
    if args.json:
        args.json.write_text(
            json.dumps(
                {"n": args.n, "recipe": args.recipe, "reference": ref, "sweep": rows}, indent=2
            )
        )


#: ``--sweep region``: thresholds (ΔE*ab) of :func:`~tryon.pipeline.composite.lock_region`
#: above which a clean-plate pixel is garment drawn over the background.
REGION_DRAWN = (15.0, 25.0, 35.0)


def region_sweep(args, judge, summary, render, n_two: int) -> None:
    """The shipped locks on :func:`~tryon.pipeline.composite.lock_region` at each
    :data:`REGION_DRAWN` threshold against the mask off the whole clean plate."""
    shipped_locks_sweep(
        args,
        judge,
        summary,
        title="Lock region",
        intro=f"The shipped locks ({n_two} prompts name a print's colour) on the agnostic mask "
        "off the clean plate (reference), and with the plate pixels added where the render's "
        "smoothed ΔE*ab to the photo exceeds the threshold (garment drawn over the "
        "background).",
        header="plate pixels added above ΔE*ab",
        reference=("none (mask off the plate)", render(SHIPPED_BASE, SHIPPED_PRINT, drawn=None)),
        variants=[
            ({"drawn": drawn}, f"{drawn:g}", render(SHIPPED_BASE, SHIPPED_PRINT, drawn))
            for drawn in REGION_DRAWN
        ],
    )


def background_sweep(args, judge, summary, render, n_two: int) -> None:
    """The shipped locks with the base lock's background guard
    (:data:`~tryon.pipeline.colour_lock.BACKGROUND_EXCLUSION`) against the same without it."""
    shipped_locks_sweep(
        args,
        judge,
        summary,
        title="Background guard",
        intro=f"The shipped locks ({n_two} prompts name a print's colour) without and with the "
        "base lock's background guard: pixels near the photo's background tone (the crop box "
        "off the grown person) never make the base colour and are not moved.",
        header="background guard",
        reference=("off", render(SHIPPED_BASE, SHIPPED_PRINT, background=False)),
        variants=[({"guard": True}, "on", render(SHIPPED_BASE, SHIPPED_PRINT, background=True))],
    )


#: ``--sweep holes``: the garment categories whose enclosed holes the background restore
#: keeps, and whether only those centred below the hip line
HOLE_VARIANTS = [
    (("lower",), False),
    (("lower",), True),
    (("lower", "full"), False),
    (("lower", "full"), True),
    (("lower", "full", "upper"), True),
]


def holes_sweep(args, judge, summary, render, n_two: int) -> None:
    """The shipped locks with the background restore keeping the render in the enclosed
    holes of each :data:`HOLE_VARIANTS` categories' garments, against it keeping none."""
    shipped_locks_sweep(
        args,
        judge,
        summary,
        title="Holes the restore keeps",
        intro=f"The shipped locks ({n_two} prompts name a print's colour), with the background "
        "restore giving every patch of the clean plate near the photo back (reference), and "
        "keeping the render in the patches that touch nothing outside the mask (holes in a "
        "garment drawn over the background) for the garments of these categories (all such "
        "patches, or those centred below the hip line), where the locks then act too.",
        header="holes kept for",
        reference=("none", render(SHIPPED_BASE, SHIPPED_PRINT, holes=())),
        variants=[
            (
                {"holes": list(holes), "below_hips": hips},
                ", ".join(holes) + (", below the hips" if hips else ""),
                render(SHIPPED_BASE, SHIPPED_PRINT, holes=holes, hips=hips),
            )
            for holes, hips in HOLE_VARIANTS
        ],
    )


def print_region_sweep(args, judge, summary, render, n_two: int) -> None:
    """The shipped locks with the print lock on the whole lock region (as shipped) against
    the print lock kept off the clean plate (the base lock alone acting on a garment drawn
    over it)."""
    shipped_locks_sweep(
        args,
        judge,
        summary,
        title="Print lock region",
        intro=f"The shipped locks ({n_two} prompts name a print's colour), the print lock on "
        "the whole lock region (reference, as shipped), and kept off the clean plate: the "
        "garment drawn over the background gets the base lock alone.",
        header="print lock on",
        reference=("the lock region", render(SHIPPED_BASE, SHIPPED_PRINT)),
        variants=[
            (
                {"print_on_plate": False},
                "the lock region off the plate",
                render(SHIPPED_BASE, SHIPPED_PRINT, print_on_plate=False),
            )
        ],
    )


def shipped_locks_sweep(
    args, judge, summary, title: str, intro: str, header: str, reference, variants
) -> None:
    """Judge the shipped locks' ``variants`` (``(settings, label, outputs)``) against
    ``reference`` (``(label, outputs)``); print a Markdown table and write ``--json``."""
    reference_label, reference_outputs = reference
    judged = judge(reference_outputs)
    ref = summary(judged)
    rows = [
        {**settings, "label": label, **summary(judge(outputs), judged)}
        for settings, label, outputs in variants
    ]
    print(f"# {title}: sweep ({args.n} validation pairs, recipe {args.recipe})\n")
    print(
        f"{intro} Colour: the dominant palette colour over the target's garment mask; 2nd "
        "colour: it wins at least 5 % of the votes; pattern and type: the attribute "
        "classifiers; +/- : pairs gained / lost against the reference.\n"
    )
    print(
        f"| {header} | colour (+/-) | solid | patterned | 2nd colour | pattern (+/-) | "
        "type (+/-) | L1 in mask |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {reference_label} | {ref['colour']:.3f} | {ref['colour_solid']:.2f} | "
        f"{ref['colour_patterned']:.2f} | {ref['second_colour']:.3f} | {ref['pattern']:.3f} | "
        f"{ref['type']:.3f} | {ref['l1_mask']:.4f} |"
    )
    for r in rows:
        print(
            f"| {r['label']} | {r['colour']:.3f} (+{r['colour_gained']}/-{r['colour_lost']}) | "
            f"{r['colour_solid']:.2f} | {r['colour_patterned']:.2f} | {r['second_colour']:.3f} | "
            f"{r['pattern']:.3f} (+{r['pattern_gained']}/-{r['pattern_lost']}) | "
            f"{r['type']:.3f} (+{r['type_gained']}/-{r['type_lost']}) | {r['l1_mask']:.4f} |"
        )
    if args.json:
        payload = {"n": args.n, "recipe": args.recipe, "reference": ref, "sweep": rows}
        args.json.write_text(json.dumps(payload, indent=2))


#: ``--sweep`` name -> ``f(args, judge, summary, render, n_two)`` of the sweeps beside the
#: base lock's own (``base``, in :func:`main`)
SWEEPS = {
    "print": print_sweep,
    "joint": lambda *a: joint_sweep(*a, JOINT_VARIANTS),
    "lightness": lambda *a: joint_sweep(*a, LIGHTNESS_VARIANTS),
    "region": region_sweep,
    "background": background_sweep,
    "holes": holes_sweep,
    "print-region": print_region_sweep,
}


if __name__ == "__main__":
    main()
