"""benchmarks/paired_records.py: the sign test and the pair-by-pair counts."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "paired_records.py"
spec = importlib.util.spec_from_file_location("paired_records", SCRIPT)
paired_records = importlib.util.module_from_spec(spec)
spec.loader.exec_module(paired_records)


def test_sign_test_matches_hand_computed_values():
    assert paired_records.sign_test(4, 0) == pytest.approx(2 / 16)
    assert paired_records.sign_test(2, 2) == 1.0
    assert paired_records.sign_test(0, 0) == 1.0
    # 10 against 4: 2 * (C(14,0)+...+C(14,4)) / 2**14 = 2 * 1471 / 16384
    assert paired_records.sign_test(10, 4) == pytest.approx(2 * 1471 / 16384)
    assert paired_records.sign_test(4, 10) == paired_records.sign_test(10, 4)


def _record(prompt, colour, shown=None, l1=0.1):
    return {"prompt": prompt, "colour_correct": colour, "colour2_shown": shown, "masked_l1": l1}


def test_counts_skip_unjudged_pairs_and_refuse_other_pairs(tmp_path, capsys):
    before = [_record("a", False), _record("b", True, True), _record("c", True, None)]
    after = [_record("a", True), _record("b", False, False), _record("c", True, True)]
    assert paired_records.paired_counts(before, after, "colour_correct") == (1, 1)
    assert paired_records.paired_counts(before, after, "colour2_shown") == (0, 1)
    with pytest.raises(ValueError, match="different pairs"):
        paired_records.paired_counts(before, [_record("x", True)] * 3, "colour_correct")
    # end to end: two report folders, the table's first row
    for name, records in (("before", before), ("after", after)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "records.json").write_text(json.dumps({"test": records}))
    paired_records.main([str(tmp_path / "before"), str(tmp_path / "after")])
    row = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("| all 3"))
    assert "| 1 / 1 (p = 1) | 0 / 1 (p = 1) |" in row
