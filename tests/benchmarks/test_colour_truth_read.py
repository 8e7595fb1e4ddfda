"""benchmarks/colour_truth_read.py: per report and split, from the harness's
``truth_read_accuracy`` (tested in tests/evaluation/test_harness.py)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "colour_truth_read.py"
spec = importlib.util.spec_from_file_location("colour_truth_read", SCRIPT)
colour_truth_read = importlib.util.module_from_spec(spec)
spec.loader.exec_module(colour_truth_read)


def _record(prompt, correct, truth_read):
    return {"prompt": prompt, "colour_correct": correct, "gt_colour_correct": truth_read}


def test_main_counts_gains_only_where_the_judge_reads_the_truth(tmp_path, capsys):
    first = [_record("a", False, True), _record("b", False, False), _record("c", True, True)]
    second = [_record("a", True, True), _record("b", True, False), _record("c", True, True)]
    for name, records in (("first", first), ("second", second)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "records.json").write_text(json.dumps({"test": records}))
    assert colour_truth_read.main([str(tmp_path / "first"), str(tmp_path / "second")]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if "| test |" in line]
    assert rows[0].startswith("| first | test | 0.333 | 0.500 (2) | 1 | +0/-0")
    # "b" is gained overall but the judge misreads its truth: only "a" counts
    assert rows[1].startswith("| second | test | 1.000 | 1.000 (2) | 0 | +1/-0")
