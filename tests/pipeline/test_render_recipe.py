"""Render recipes under pipelines/ and the scheduler registry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from diffusers import DPMSolverMultistepScheduler

from tryon.pipeline import RenderRecipe, TryOnPipeline, load_render_recipe, make_scheduler
from tryon.pipeline.schedulers import SCHEDULER_NAMES, default_scheduler_config
from tryon.recipes import RecipeError

PIPELINES = Path(__file__).resolve().parents[2] / "pipelines"


@pytest.mark.parametrize("name", ["default", "fast", "quality", "colour"])
def test_shipped_recipes_load(name):
    recipe = load_render_recipe(PIPELINES / f"{name}.toml")
    assert isinstance(recipe, RenderRecipe)
    assert recipe.weights == "weights/tryon-small"
    assert recipe.scheduler in SCHEDULER_NAMES
    # Every shipped recipe keeps the person's top in a lower try-on (the other clothes stay
    # as they were) and renders on the mask the shipped model was trained on.
    assert recipe.mask_keep_top is True and recipe.mask_skirt_flare == 0


def test_colour_recipe_guides_colour_and_pattern_and_the_others_do_not():
    """The shipped guidance settings: the colour recipe's are those chosen on validation
    (benchmarks/results/colour-guidance); every recipe states every attribute."""
    for name in ("default", "fast", "quality", "colour"):
        settings = load_render_recipe(PIPELINES / f"{name}.toml").attribute_guidance
        assert list(settings) == ["colour", "pattern", "print_colour"]
        if name != "colour":
            assert all(s.scale == 0 for s in settings.values())
    colour = load_render_recipe(PIPELINES / "colour.toml").attribute_guidance
    assert [s.scale for s in colour.values()] == [6.0, 3.0, 3.0]


def test_fast_is_cheaper_and_quality_richer_than_default():
    default, fast, quality = (
        load_render_recipe(PIPELINES / f"{n}.toml") for n in ("default", "fast", "quality")
    )
    assert fast.steps < default.steps < quality.steps
    assert quality.rerank > 1


@pytest.mark.parametrize("name", ["default", "fast", "quality"])
def test_shipped_recipes_ask_only_for_components_their_weights_have(name):
    recipe = load_render_recipe(PIPELINES / f"{name}.toml")
    index = json.loads((PIPELINES.parent / recipe.weights / "model_index.json").read_text())
    has = {key for key, value in index.items() if isinstance(value, list) and value[0]}
    if recipe.refine:
        assert "refiner" in has, f"{name}.toml asks for a refiner that {recipe.weights} lacks"
    if recipe.rerank > 1:
        assert "matcher" in has


def test_print_colour_prior_is_colour_priors_unless_given(tmp_path):
    """``print_colour_prior`` is optional: left out (``colour.toml``, whose prior is off) it is
    None, which the pipeline reads as ``colour_prior``'s strength; given, it is read as a
    number (the sampling recipes set 0.25)."""
    for name in ("default", "fast", "quality"):
        assert load_render_recipe(PIPELINES / f"{name}.toml").print_colour_prior == 0.25
    assert load_render_recipe(PIPELINES / "colour.toml").print_colour_prior is None
    text = _without_print_prior()
    path = tmp_path / "left-out.toml"
    path.write_text(text)
    assert load_render_recipe(path).print_colour_prior is None
    prior_line = next(x for x in text.splitlines() if x.startswith("colour_prior = "))
    path = tmp_path / "print.toml"
    for value, expected in (("0.25", 0.25), ("0", 0.0), ("1", 1.0)):
        path.write_text(text.replace(prior_line, f"{prior_line}\nprint_colour_prior = {value}"))
        recipe = load_render_recipe(path)
        assert recipe.print_colour_prior == expected and recipe.colour_prior == 0.5


def test_known_start_is_read_and_off_when_left_out(tmp_path):
    """``known_start`` is optional: left out it is 0 (the plain start), given it is read;
    the sampling recipes set 1 (the forward process), ``colour.toml`` leaves it out."""
    for name in ("default", "fast", "quality"):
        assert load_render_recipe(PIPELINES / f"{name}.toml").known_start == 1.0
    assert load_render_recipe(PIPELINES / "colour.toml").known_start == 0.0
    text = "\n".join(
        x
        for x in (PIPELINES / "default.toml").read_text().splitlines()
        if not x.startswith("known_start")
    )
    path = tmp_path / "start.toml"
    path.write_text(text)
    assert load_render_recipe(path).known_start == 0.0
    path.write_text(_with_setting(text, "known_start = 0.75"))
    assert load_render_recipe(path).known_start == 0.75


def _without_print_prior() -> str:
    """``default.toml``'s text with its ``print_colour_prior`` line left out."""
    text = (PIPELINES / "default.toml").read_text()
    return "\n".join(x for x in text.splitlines() if not x.startswith("print_colour_prior"))


def _with_setting(text: str, line: str) -> str:
    """A recipe's ``text`` with a top-level ``line`` added before its last table."""
    head, table = text.split("[attribute_guidance]")
    return f"{head}{line}\n\n[attribute_guidance]{table}"


def _write(tmp_path, text):
    path = tmp_path / "r.toml"
    path.write_text((PIPELINES / "default.toml").read_text() + text)
    return path


def test_unknown_key_and_bad_values_are_refused(tmp_path):
    with pytest.raises(RecipeError, match="stepz"):
        load_render_recipe(_write(tmp_path, "stepz = 3\n"))
    text = _without_print_prior()
    bad = tmp_path / "bad.toml"
    for stop in ("0.0", "true"):
        bad.write_text(text.replace("guidance_stop = 0.8", f"guidance_stop = {stop}"))
        with pytest.raises(RecipeError, match="guidance_stop"):
            load_render_recipe(bad)
    prior_line = next(x for x in text.splitlines() if x.startswith("colour_prior = "))
    for prior, error in (("-1.0", "colour_prior must be >= 0"), ('"1"', "colour_prior")):
        bad.write_text(text.replace(prior_line, f"colour_prior = {prior}"))
        with pytest.raises(RecipeError, match=error):
            load_render_recipe(bad)
    for prior, error in (
        ("-1.0", "print_colour_prior must be >= 0"),
        ("nan", "print_colour_prior must be >= 0"),
        ("inf", "print_colour_prior must be >= 0"),
        ("true", "print_colour_prior"),
        ('"0.25"', "print_colour_prior"),
    ):
        bad.write_text(text.replace(prior_line, f"{prior_line}\nprint_colour_prior = {prior}"))
        with pytest.raises(RecipeError, match=error):
            load_render_recipe(bad)
    start_line = next(x for x in text.splitlines() if x.startswith("known_start = "))
    for start, error in (("-1.0", "known_start must be >= 0"), ("nan", "known_start must be")):
        bad.write_text(text.replace(start_line, f"known_start = {start}"))
        with pytest.raises(RecipeError, match=error):
            load_render_recipe(bad)
    bad.write_text(text.replace("guidance_scale = 5.0", "guidance_scale = -1.0"))
    with pytest.raises(RecipeError, match="guidance_scale must be a finite number >= 0"):
        load_render_recipe(bad)
    colour = next(x for x in text.splitlines() if x.startswith("colour = { scale"))
    for value, message in (
        ("{ scale = -1.0, stop = 0.8 }", "attribute_guidance.colour.*scale must be"),
        ("{ scale = nan, stop = 0.8 }", "attribute_guidance.colour.*scale must be"),
        ("{ scale = 1.0, stop = 0.0 }", "attribute_guidance.colour.*stop must be"),
        ("{ scale = 1.0, stp = 0.5 }", "attribute_guidance.colour.stp"),
    ):
        bad.write_text(text.replace(colour, f"colour = {value}"))
        with pytest.raises(RecipeError, match=message):
            load_render_recipe(bad)
    bad.write_text(text.replace(colour, "sleeve = { scale = 1.0 }"))
    with pytest.raises(RecipeError, match="attribute_guidance: no guidance contrast for 'sleeve'"):
        load_render_recipe(bad)
    bad.write_text(text.replace('scheduler = "dpm++"', 'scheduler = "pndm"'))
    with pytest.raises(RecipeError, match="scheduler"):
        load_render_recipe(bad)
    bad.write_text(text.replace('timestep_spacing = "leading"', 'timestep_spacing = "karras"'))
    with pytest.raises(RecipeError, match="timestep_spacing"):
        load_render_recipe(bad)
    for tolerance in ("[35.0, 15.0]", "[-1.0, 5.0]", "[15.0]"):
        bad.write_text(
            text.replace(
                "background_tolerance = [15.0, 35.0]", f"background_tolerance = {tolerance}"
            )
        )
        with pytest.raises(RecipeError, match="background_tolerance"):
            load_render_recipe(bad)
    bad.write_text(text.replace('kind = "render"', 'kind = "train"'))
    with pytest.raises(RecipeError, match="kind"):
        load_render_recipe(bad)


def test_recipe_missing_weights_error_names_folder(tmp_path):
    text = (PIPELINES / "default.toml").read_text()
    path = tmp_path / "r.toml"
    path.write_text(text.replace("weights/tryon-small", str(tmp_path / "absent")))
    with pytest.raises(ValueError, match="absent.*does not exist"):
        TryOnPipeline.from_recipe(path)


def test_from_recipe_sets_scheduler_and_defaults(tmp_path, tiny_pipe_dir):
    text = (PIPELINES / "fast.toml").read_text()
    path = tmp_path / "r.toml"
    path.write_text(
        text.replace("weights/tryon-small", str(tiny_pipe_dir))
        .replace("resolution = [256, 256]", "resolution = [64, 64]")
        .replace('device = "auto"', 'device = "cpu"')
    )
    pipe = TryOnPipeline.from_recipe(path)
    assert isinstance(pipe.scheduler, DPMSolverMultistepScheduler)
    assert pipe.defaults.steps == load_render_recipe(path).steps
    assert pipe.default_size == (64, 64)
    own = default_scheduler_config()["timestep_spacing"]  # the tiny weights'
    if load_render_recipe(path).timestep_spacing is None:
        assert pipe.scheduler.config.timestep_spacing == own

    # a recipe's spacing replaces the weights' own
    spacing = "trailing" if own != "trailing" else "leading"
    path.write_text(_with_setting(path.read_text(), f'timestep_spacing = "{spacing}"'))
    pipe = TryOnPipeline.from_recipe(path)
    assert pipe.scheduler.config.timestep_spacing == spacing


@pytest.mark.parametrize("name", SCHEDULER_NAMES)
def test_make_scheduler_keeps_noise_schedule(name):
    scheduler = make_scheduler(name, default_scheduler_config())
    assert scheduler.config.num_train_timesteps == 1000
    assert scheduler.config.beta_schedule == "scaled_linear"
    swapped = make_scheduler("ddim", scheduler)
    assert swapped.config.beta_end == scheduler.config.beta_end


@pytest.mark.parametrize("name", SCHEDULER_NAMES)
def test_make_scheduler_spacing_picks_the_first_timestep(name):
    config = default_scheduler_config()
    firsts = {}
    for spacing in (None, "leading", "trailing", "linspace"):
        scheduler = make_scheduler(name, config, spacing)
        scheduler.set_timesteps(20)
        firsts[spacing] = int(scheduler.timesteps[0])
        assert scheduler.config.beta_end == config["beta_end"]  # the schedule itself stays
    assert firsts[None] == firsts["leading"] < 990  # leading never visits the last timestep
    assert firsts["trailing"] == firsts["linspace"] == 999
    with pytest.raises(ValueError, match="timestep_spacing.*karras"):
        make_scheduler(name, config, "karras")


def test_unknown_scheduler():
    with pytest.raises(ValueError, match="pndm"):
        make_scheduler("pndm", default_scheduler_config())
