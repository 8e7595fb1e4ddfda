"""benchmarks/colour_misses.py: the source garment's colour, the groups and the miss counts."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "colour_misses.py"
spec = importlib.util.spec_from_file_location("colour_misses", SCRIPT)
colour_misses = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = colour_misses  # dataclasses look their module up
spec.loader.exec_module(colour_misses)

Pair = colour_misses.Pair


@pytest.fixture(scope="module")
def palette():
    from tryon.evaluation.colour import palette_lab

    return palette_lab()


def test_source_garment_colour_is_what_the_source_wears_in_the_replaced_slot(palette):
    from tryon.data.dataset import WorldPairDataset
    from tryon.evaluation.harness import world_samples

    dataset = WorldPairDataset(split="test", size=(512, 384), length=5, seed=0)
    checked = 0
    for sample in world_samples("test", 5):
        outfit = dataset.render(sample.index)[0].outfit_a
        worn = {"upper": outfit.top, "lower": outfit.bottom}.get(sample.category)
        if worn is None or worn.attributes()["pattern"] != "solid":
            continue  # a print's dominant colour may be its second one; a dress has two slots
        assert colour_misses.source_garment_colour(sample, palette) == worn.attributes()["colour"]
        checked += 1
    assert checked >= 3


def _pair(category="upper", pattern="solid", asked="grey", source="charcoal", outside=0.0):
    return Pair(
        "test", 0, f"a {asked} {pattern} garment", category, pattern, asked, source, outside
    )


def _record(correct, pred, truth_right=True):
    return {"colour_correct": correct, "colour_pred": pred, "gt_colour_correct": truth_right}


def test_direction_counts_darker_lighter_and_the_source_colour(palette):
    pairs = [
        _pair(asked="grey", source="charcoal"),  # darker, and the source's colour
        _pair(asked="navy", source="red"),  # lighter (blue is lighter than navy)
        _pair(asked="red", source="red"),  # right: not a miss
        _pair(asked="white", source="black"),  # darker, not the source's
    ]
    records = [
        _record(False, "charcoal"),
        _record(False, "blue"),
        _record(True, "red"),
        _record(False, "grey"),
    ]
    row = colour_misses.direction_table(pairs, records, palette).splitlines()[-1]
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[:3] == ["3", "2", "1"]  # misses, darker, lighter
    assert cells[4] == "1"  # judged = the source garment's colour
    # chance: charcoal among the other 3 sources (red, red, black): 0; blue: 0; grey: 0
    assert cells[5] == "0.0"
    assert colour_misses.direction_table(pairs[2:3], records[2:3], palette) == "No misses."


def test_miss_table_counts_each_group_and_the_ground_truth():
    pairs = [
        _pair("upper", "solid"),
        _pair("lower", "checks", outside=0.3),
        _pair("lower", "solid", outside=0.01),
    ]
    report = [_record(True, "grey"), _record(False, "brown", False), _record(False, "navy")]
    table = colour_misses.miss_table(pairs, {"model": report})
    rows = {line.split("|")[1].strip(): line for line in table.splitlines()[2:]}
    assert "| 3 | 2 (67%) | 1 (33%) |" in rows["all"]
    assert "| 2 | 2 (100%) | 1 (50%) |" in rows["lower garments"]
    assert "| 1 | 0 (0%) | 0 (0%) |" in rows["upper garments"]
    assert "| 1 | 1 (100%) | 1 (100%) |" in rows["target garment > 5% outside the mask"]
    assert "| 0 | – | – |" in rows["full garments"]


def test_world_pairs_refuse_records_of_other_pairs(palette):
    records = {"test": [{"prompt": "not the world's caption", "colour_correct": True}]}
    with pytest.raises(ValueError, match="another --seed"):
        colour_misses.world_pairs(records, palette)


def test_lightness_rows_split_hits_and_misses():
    deltas = np.array([[-10.0, -2.0], [0.0, 1.0], [-20.0, -8.0], [4.0, 2.0]])
    missed = np.array([False, False, True, True])
    rows = colour_misses.lightness_rows(deltas, missed).splitlines()[2:]
    assert rows[0] == "| all | 4 | -5.0 | -0.5 | 50% | 25% |"
    assert rows[1] == "| hits | 2 | -5.0 | -0.5 | 50% | 0% |"
    assert rows[2] == "| misses | 2 | -8.0 | -3.0 | 50% | 50% |"
    # no misses: the row is left out
    assert len(colour_misses.lightness_rows(deltas[:2], missed[:2]).splitlines()) == 4
