"""End-to-end tests of the evaluation harness, report writer and ``tryon eval``."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from tryon.cli import main
from tryon.evaluation.baselines import GroundTruthMethod, MethodOutput
from tryon.evaluation.classifiers import AttributeClassifier
from tryon.evaluation.harness import (
    build_judges,
    evaluate_split,
    recall_at_1,
    second_colour_asked,
    truth_read_accuracy,
    world_samples,
)
from tryon.evaluation.report import compare_reports, load_report

SIZE = ("128", "96")


def test_recall_at_1_known_matrix():
    sim = np.eye(4)
    assert recall_at_1(sim) == (1.0, 4)
    sim[2, 3] = 2.0  # sample 2 prefers sample 3's caption
    assert recall_at_1(sim) == (0.75, 4)
    sim = np.zeros((12, 12))
    sim[0, 0] = 1.0
    assert recall_at_1(sim, candidates=10) == (1 / 12, 10)
    with pytest.raises(ValueError, match="square"):
        recall_at_1(np.zeros((2, 3)))


def test_world_samples_are_deterministic_and_paraphrased():
    test = world_samples("test", 3, seed=0, size=(128, 96))
    para = world_samples("paraphrase", 3, seed=0, size=(128, 96))
    again = world_samples("test", 3, seed=0, size=(128, 96))
    for t, p, a in zip(test, para, again, strict=True):
        np.testing.assert_array_equal(t.source, a.source)
        np.testing.assert_array_equal(t.target, p.target)
        assert p.caption == t.caption == t.prompt
        assert p.prompt != t.caption
        assert t.source.dtype == np.uint8 and t.source.shape == (128, 96, 3)
        assert t.garment_mask.dtype == bool and t.garment_mask.any()
        # The target's garment differs from the source only near the agnostic mask.
        assert (t.garment_mask & t.agnostic_mask).sum() > 0.9 * t.garment_mask.sum()
    with pytest.raises(ValueError, match="split"):
        world_samples("train", 2)


def test_ground_truth_method_reaches_the_ceiling():
    samples = world_samples("test", 3, seed=1, size=(128, 96))
    judges = build_judges(classifier_dir=None, fid=False)
    res = evaluate_split(GroundTruthMethod(), samples, judges)
    s = res.summary
    assert s["ssim"] == pytest.approx(1.0) and s["psnr"] == 100.0 and s["masked_l1"] == 0.0
    assert s["colour_accuracy"] == s["ground_truth"]["colour_accuracy"]
    assert len(res.grid) == 3 and len(res.records) == 3


class _BaseColourOnly:
    """A try-on that gets the garment's base colour right and drops its print: the true
    target with the garment filled with the palette's base colour."""

    name = "base colour only"
    needs_target = True
    target = None

    def __init__(self, samples, palette_srgb):
        self.by_prompt = {s.prompt: s for s in samples}
        self.palette_srgb = palette_srgb

    def run(self, analysis, prompt, category, generator=None):
        sample = self.by_prompt[prompt]
        image = sample.target.copy()
        image[sample.garment_mask] = self.palette_srgb[sample.attributes["colour"]]
        return MethodOutput(image, sample.agnostic_mask)


def test_second_colour_is_judged_only_where_the_prompt_names_it():
    from tryon.data.palette import PALETTE

    samples = world_samples("test", 19, seed=0, size=(128, 96))
    judges = build_judges(classifier_dir=None, fid=False)
    asked = {s.index: second_colour_asked(s, judges.palette) for s in samples}
    # "an orange long-sleeved shirt with a pink floral print" names its print's colour;
    # "a flared ... stone flower-print skirt" has a navy print it does not name.
    assert asked[12] == "pink" and samples[14].attributes["colour2"] == "navy"
    assert asked[14] is None and asked[0] is None  # a solid garment has none
    named = [s for s in samples if asked[s.index]]
    assert len(named) >= 3

    truth = evaluate_split(GroundTruthMethod(), named, judges).summary
    assert truth["second_colour_n"] == len(named)
    assert truth["second_colour_accuracy"] == 1.0
    assert truth["ground_truth"]["second_colour_accuracy"] == 1.0
    assert 0.05 < truth["second_colour_share"] < 0.6

    srgb = {name: np.asarray(c.srgb, np.uint8) for name, c in PALETTE.items()}
    flat = evaluate_split(_BaseColourOnly(named, srgb), named, judges)
    assert flat.summary["colour_accuracy"] == 1.0
    assert flat.summary["second_colour_accuracy"] == 0.0
    assert flat.summary["second_colour_share"] == 0.0
    assert flat.summary["ground_truth"]["second_colour_accuracy"] == 1.0
    assert all(r["asked"]["colour2"] == asked[r["index"]] for r in flat.records)

    solid = evaluate_split(GroundTruthMethod(), samples[:3], judges).summary
    assert solid["second_colour_accuracy"] is None and solid["second_colour_n"] == 0


def _truth_record(prompt, correct, truth_read):
    return {"prompt": prompt, "colour_correct": correct, "gt_colour_correct": truth_read}


def test_truth_read_accuracy_leaves_out_the_pairs_the_judge_misreads():
    records = [
        _truth_record("a", True, True),
        _truth_record("b", False, True),
        _truth_record("c", False, False),  # the judge misreads this truth: not the method's miss
        _truth_record("d", True, False),
    ]
    assert truth_read_accuracy(records) == (0.5, 2)
    assert truth_read_accuracy([_truth_record("c", False, False)]) == (None, 0)
    with pytest.raises(KeyError):
        truth_read_accuracy([{"prompt": "a", "colour_correct": True}])


class _TruthWithOneWrongColour:
    """The true target, except one pair's garment painted flat in a colour not asked."""

    name = "truth, one wrong colour"
    needs_target = True
    target = None

    def __init__(self, samples, wrong_index, wrong_srgb):
        self.by_prompt = {s.prompt: s for s in samples}
        self.wrong_index, self.wrong_srgb = wrong_index, wrong_srgb

    def run(self, analysis, prompt, category, generator=None):
        sample = self.by_prompt[prompt]
        image = sample.target.copy()
        if sample.index == self.wrong_index:
            image[sample.garment_mask] = self.wrong_srgb
        return MethodOutput(image, sample.agnostic_mask)


def test_colour_accuracy_where_the_judge_reads_the_truth():
    samples = world_samples("test", 22, seed=0, size=(128, 96))
    judges = build_judges(classifier_dir=None, fid=False)
    truth = evaluate_split(GroundTruthMethod(), samples, judges)
    misread = [r["index"] for r in truth.records if not r["gt_colour_correct"]]
    assert misread == [8, 20]  # a print's blend or shading read as another palette colour
    s = truth.summary
    assert s["colour_accuracy"] == pytest.approx(20 / 22)
    assert s["colour_accuracy_truth_read"] == 1.0 and s["colour_truth_read_n"] == 20

    # A miss on a pair the judge reads right counts; the truth's own misreads do not.
    asked = samples[0].attributes["colour"]
    wrong = np.array([0, 255, 0] if asked != "green" else [255, 0, 0], np.uint8)
    one_wrong = evaluate_split(_TruthWithOneWrongColour(samples, 0, wrong), samples, judges)
    assert one_wrong.records[0]["colour_correct"] is False
    assert one_wrong.summary["colour_accuracy_truth_read"] == pytest.approx(19 / 20)
    assert one_wrong.summary["colour_accuracy"] == pytest.approx(19 / 22)

    # the truth is exactly as light as itself; a garment painted another flat colour is not
    assert all(r["lightness_delta"] == 0.0 for r in truth.records)
    assert s["lightness_delta_median"] == 0.0
    assert one_wrong.records[0]["lightness_delta"] != 0.0
    assert all(r["lightness_delta"] == 0.0 for r in one_wrong.records[1:])


@pytest.fixture(scope="module")
def classifier_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clf")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        AttributeClassifier(image_size=32, channels=(8, 16)).save_pretrained(str(folder))
    (folder / "metrics.json").write_text(
        json.dumps(
            {"held_out_accuracy": {"test": {"n": 1, "type": 0.5, "sleeve": 0.5, "pattern": 0.5}}}
        )
    )
    return folder


@pytest.fixture(scope="module")
def recolour_report(tmp_path_factory, classifier_dir):
    out = tmp_path_factory.mktemp("eval") / "recolour"
    args = ["eval", "--baseline", "recolour", "--split", "paraphrase", "--n", "4"]
    args += ["--size", *SIZE, "--classifiers", str(classifier_dir), "--report", str(out)]
    assert main(args) == 0
    return out


def test_cli_recolour_end_to_end(recolour_report):
    out = recolour_report
    for name in ("report.json", "report.md", "records.json", "metrics.png"):
        assert (out / name).is_file(), name
    for name in ("samples-paraphrase.png", "real-photos.png"):
        assert (out / name).stat().st_size > 1000, name
    report = load_report(out)
    assert report["method"] == "recolour"
    assert set(report["splits"]) == {"paraphrase"}
    for summary in report["splits"].values():
        assert summary["n"] == 4
        assert summary["preservation_max"] == 0  # the recolour baseline never touches outside
        assert summary["fid_n"] == 4 and np.isfinite(summary["fid"])
        assert summary["type_accuracy"] is not None and 0 <= summary["type_accuracy"] <= 1
        assert 0 <= summary["colour_accuracy"] <= 1
    assert report["real_photos"]["n"] == 6
    assert report["real_photos"]["preservation_max"] == 0
    assert report["real_photos"]["colour_accuracy"] >= 0.5
    assert "matcher" in report["skipped"]
    assert report["config"]["command"].startswith("tryon eval --baseline recolour")
    text = (out / "report.md").read_text()
    assert "| preservation (max px change) ↓ | 0 |" in text
    assert "FID is computed on only 4 images" in text


def test_compare_reports(recolour_report, tmp_path):
    rep = load_report(recolour_report)
    written = compare_reports({"recolour": rep, "again": rep}, tmp_path)
    text = written["comparison.md"].read_text()
    assert "| metric | recolour | again |" in text
    assert written["comparison.png"].stat().st_size > 1000


def test_cli_compare_keeps_two_reports_of_one_method(recolour_report, tmp_path):
    """Two folders with the same method name (one model with and without an option) get a
    column each, labelled by folder, instead of the second silently replacing the first."""
    import shutil

    copy = tmp_path / "recolour-copy"
    shutil.copytree(recolour_report, copy)
    out = tmp_path / "cmp"
    assert main(["eval", "--compare", str(recolour_report), str(copy), "--report", str(out)]) == 0
    header = (out / "comparison.md").read_text().splitlines()[4]
    name = recolour_report.name
    assert header == f"| metric | recolour [{name}] | recolour [recolour-copy] |"


def test_cli_pipeline_weights_end_to_end(tmp_path, classifier_dir):
    from tryon.pipeline.factory import build_pipeline

    pipe = build_pipeline("tiny", text_encoder="bert-tiny", resolution=64, seed=0)
    pipe.save_pretrained(tmp_path / "tiny")
    out = tmp_path / "report"
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        args = ["eval", "--weights", str(tmp_path / "tiny"), "--baseline", "no-refine"]
        args += ["--split", "heldout", "--n", "3", "--size", *SIZE, "--steps", "2", "--no-fid"]
        args += ["--no-real", "--classifiers", str(classifier_dir), "--report", str(out)]
        args += ["--colour-lock", "off"]
        assert main(args) == 0
    finally:
        torch.set_num_threads(threads)
    report = load_report(out)
    assert report["method"] == "tiny (no refiner) (no colour lock)"
    assert report["config"]["refine"] is False
    assert report["config"]["colour_lock"] is False
    assert report["config"]["restore_background"] is True
    assert "--colour-lock off" in report["config"]["command"]
    heldout = report["splits"]["heldout"]
    # The pipeline composites bit-exactly outside its agnostic mask.
    assert heldout["preservation_max"] == 0
    assert heldout["matcher_candidates"] == 3
    assert 0 <= heldout["matcher_recall_at_1"] <= 1
    assert "fid" in report["skipped"]


def test_cli_weights_render_with_the_default_recipes_scheduler(tmp_path):
    """`tryon eval --weights DIR` samples as `tryon render` does: the default recipe's
    scheduler, not the one saved in the folder (its training scheduler), so the report's
    recorded scheduler is the one used."""
    from diffusers import DDIMScheduler

    from tryon.cli.eval import _load_pipeline
    from tryon.pipeline import TryOnPipeline
    from tryon.pipeline.factory import build_pipeline
    from tryon.pipeline.recipe import load_render_recipe
    from tryon.pipeline.schedulers import make_scheduler

    build_pipeline("tiny", text_encoder="bert-tiny", resolution=64, seed=0).save_pretrained(
        tmp_path / "tiny"
    )
    assert isinstance(TryOnPipeline.from_pretrained(tmp_path / "tiny").scheduler, DDIMScheduler)
    pipe, label = _load_pipeline(None, str(tmp_path / "tiny"))
    recipe = load_render_recipe("default")
    expected = type(make_scheduler(recipe.scheduler, pipe.scheduler.config))
    assert label == "tiny"
    assert expected is not DDIMScheduler
    assert type(pipe.scheduler) is expected
    assert pipe.defaults.scheduler == recipe.scheduler


@pytest.mark.parametrize(
    "baseline, label", [("autoencoder", "VAE ceiling"), ("crop", "crop ceiling")]
)
def test_cli_autoencoder_ceilings(tmp_path, classifier_dir, baseline, label):
    from tryon.pipeline.factory import build_pipeline

    pipe = build_pipeline("tiny", text_encoder="bert-tiny", resolution=64, seed=0, refiner=False)
    pipe.save_pretrained(tmp_path / "tiny")
    out = tmp_path / "report"
    args = ["eval", "--weights", str(tmp_path / "tiny"), "--baseline", baseline]
    args += ["--split", "test", "--n", "2", "--size", *SIZE, "--no-fid"]
    args += ["--classifiers", str(classifier_dir), "--report", str(out)]
    assert main(args) == 0
    report = load_report(out)
    assert report["method"] == f"tiny ({label})"
    assert f"--baseline {baseline}" in report["config"]["command"]
    assert report["config"]["colour_lock"] is True  # as the default recipe says
    test = report["splits"]["test"]
    assert test["preservation_max"] == 0
    # Resizing (and an untrained VAE) lose detail: the ceiling is below ground truth's.
    assert 0 < test["masked_l1"] and test["psnr"] < 100
    assert "needs a ground-truth target" in report["skipped"]["real_photos"]


def test_cli_rejects_bad_arguments(tmp_path, capsys):
    assert main(["eval", "--split", "train", "--report", str(tmp_path)]) != 0
    assert "--split" in capsys.readouterr().err
    assert main(["eval", "--baseline", "no-match", "--report", str(tmp_path)]) != 0
    assert "no-match" in capsys.readouterr().err
    assert main(["eval", "--weights", str(tmp_path / "nope"), "--report", str(tmp_path)]) != 0


def test_cli_eval_attribute_guidance_reaches_the_method():
    """--attribute-guidance overrides the recipe's settings in every pipeline call, names the
    run and its command line; an attribute left out keeps the recipe's; a bad value is refused
    before any rendering."""
    from tryon.cli import build_parser
    from tryon.cli.eval import build_method, command_line
    from tryon.pipeline.guidance import AttributeGuidance

    argv = ["eval", "--recipe", "colour", "--report", "unused"]
    argv += ["--attribute-guidance", "pattern=2.5", "--attribute-guidance", "print_colour=3:0.5"]
    args = build_parser().parse_args(argv)
    method, pipe, info = build_method(args)
    assert method.call_kwargs["attribute_guidance"] == {
        "pattern": 2.5,
        "print_colour": (3.0, 0.5),
    }
    recipe = pipe.defaults.attribute_guidance
    assert info["attribute_guidance"]["colour"] == {"scale": 6.0, "stop": recipe["colour"].stop}
    assert info["attribute_guidance"]["pattern"] == {"scale": 2.5, "stop": recipe["pattern"].stop}
    assert info["attribute_guidance"]["print_colour"] == {"scale": 3.0, "stop": 0.5}
    assert method.name.endswith("(pattern guidance 2.5) (print colour guidance 3, stop 0.5)")
    assert (
        "--attribute-guidance pattern=2.5 --attribute-guidance print_colour=3:0.5"
        in command_line(args)
    )
    # the recipe's own value again changes nothing, so it does not rename the run
    same = build_parser().parse_args([*argv[:5], "--attribute-guidance", "colour=6"])
    method, _, _ = build_method(same)
    assert "guidance" not in method.name
    assert recipe["colour"] == AttributeGuidance(6.0, recipe["colour"].stop)
    with pytest.raises(SystemExit):
        build_parser().parse_args([*argv[:5], "--attribute-guidance", "pattern=-1"])


def test_judge_hits_agree_with_the_harness_records(classifier_dir):
    """The benchmarks' per-pair verdicts are the harness's: on the true targets and on renders
    that drop the print, each judge's hit equals the record tryon eval writes."""
    from tryon.data.palette import PALETTE
    from tryon.evaluation.harness import judge_hits

    samples = world_samples("test", 19, seed=0, size=(128, 96))
    judges = build_judges(classifier_dir=str(classifier_dir), fid=False)
    srgb = {name: np.asarray(c.srgb, np.uint8) for name, c in PALETTE.items()}
    flat = _BaseColourOnly(samples, srgb)
    flat_images = [flat.run(None, s.prompt, s.category).image for s in samples]
    truth_images = [s.target for s in samples]
    for method, images in ((GroundTruthMethod(), truth_images), (flat, flat_images)):
        hits = judge_hits(images, samples, judges)
        records = evaluate_split(method, samples, judges).records
        for judge, key in (
            ("colour", "colour_correct"),
            ("second", "colour2_shown"),
            ("pattern", "pattern_correct"),
            ("type", "type_correct"),
        ):
            assert hits[judge].tolist() == [bool(r[key]) for r in records], judge
    flat_hits = judge_hits(flat_images, samples, judges)
    assert flat_hits["colour"].all() and not flat_hits["second"].any()
    # some prompts name a print's colour, and the true images show it
    assert judge_hits(truth_images, samples, judges)["second"].sum() >= 3
    with pytest.raises(ValueError, match="2 images for 19 samples"):
        judge_hits(flat_images[:2], samples, judges)
    with pytest.raises(ValueError, match="needs the attribute classifiers"):
        judge_hits(flat_images, samples, build_judges(classifier_dir=None, fid=False))
