"""tryon.recipes: strict TOML -> typed dataclasses, on real files."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal, Optional

import pytest

from tryon.recipes import (
    RecipeError,
    dump_recipe,
    dumps_toml,
    find_recipe,
    list_recipes,
    load_recipe,
    recipe_from_dict,
    recipe_to_dict,
)


@dataclass
class Sampler:
    steps: int = 30
    guidance: float = 7.5
    scheduler: Literal["ddim", "euler"] = "ddim"
    eta: Optional[float] = None  # noqa: UP045 - the Optional spelling must work too


@dataclass
class Refiner:
    enabled: bool = False
    weights: Path | None = None


@dataclass
class PipelineRecipe:
    KIND: ClassVar[str] = "pipeline"

    weights: str
    size: tuple[int, int] = (512, 384)
    seeds: list[int] = field(default_factory=list)
    scales: tuple[float, ...] = (1.0,)
    sampler: Sampler = field(default_factory=Sampler)
    refiner: Refiner = field(default_factory=Refiner)
    loss_weights: dict[str, float] = field(default_factory=dict)
    seed_or_name: int | str = 0
    extra: Any = None

    def __post_init__(self) -> None:
        if self.size[0] <= 0 or self.size[1] <= 0:
            raise ValueError(f"size must be positive, got {self.size}")


@dataclass
class Plain:
    value: int = 1


@dataclass
class WithKindField:
    kind: str = "x"


def write(tmp_path: Path, text: str, name: str = "recipe.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


FULL = """
kind = "pipeline"
weights = "weights/tryon-small"
size = [256, 192]
seeds = [1, 2, 3]
scales = [1, 2.5]
seed_or_name = "lucky"
extra = {anything = [1, "two"]}

[sampler]
steps = 20
guidance = 5   # an integer is accepted for a float
scheduler = "euler"
eta = 0.0

[refiner]
enabled = true
weights = "weights/refiner"

[loss_weights]
match = 0.1
rec = 1
"""


def test_full_recipe_is_typed(tmp_path: Path) -> None:
    recipe = load_recipe(write(tmp_path, FULL), PipelineRecipe)
    assert recipe.weights == "weights/tryon-small"
    assert recipe.size == (256, 192)
    assert recipe.seeds == [1, 2, 3]
    assert recipe.scales == (1.0, 2.5) and all(isinstance(s, float) for s in recipe.scales)
    assert recipe.sampler == Sampler(steps=20, guidance=5.0, scheduler="euler", eta=0.0)
    assert isinstance(recipe.sampler.guidance, float)
    assert recipe.refiner == Refiner(enabled=True, weights=Path("weights/refiner"))
    assert recipe.loss_weights == {"match": 0.1, "rec": 1.0}
    assert recipe.seed_or_name == "lucky"
    assert recipe.extra == {"anything": [1, "two"]}


def test_defaults_fill_missing_optional_keys(tmp_path: Path) -> None:
    recipe = load_recipe(write(tmp_path, 'weights = "w"\n'), PipelineRecipe)
    assert recipe == PipelineRecipe(weights="w")
    assert recipe.sampler.eta is None


def test_unknown_key_is_refused_naming_key_and_file(tmp_path: Path) -> None:
    path = write(tmp_path, 'weights = "w"\n[sampler]\nstepz = 10\n', name="typo.toml")
    with pytest.raises(RecipeError) as info:
        load_recipe(path, PipelineRecipe)
    message = str(info.value)
    assert str(path) in message
    assert "unknown key 'sampler.stepz'" in message
    assert "did you mean 'steps'?" in message


def test_unknown_top_level_key_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, 'weights = "w"\nresolution = 512\n', name="top.toml")
    with pytest.raises(RecipeError, match=r"top\.toml: unknown key 'resolution'"):
        load_recipe(path, PipelineRecipe)


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("weights = 5\n", "weights", "must be a string, got int 5"),
        ('weights = "w"\n[sampler]\nsteps = "thirty"\n', "sampler.steps", "must be an integer"),
        ('weights = "w"\n[sampler]\nsteps = 2.5\n', "sampler.steps", "must be an integer"),
        ('weights = "w"\n[sampler]\nsteps = true\n', "sampler.steps", "got bool True"),
        ('weights = "w"\n[sampler]\nguidance = true\n', "sampler.guidance", "must be a number"),
        ('weights = "w"\n[refiner]\nenabled = 1\n', "refiner.enabled", "must be true or false"),
        ('weights = "w"\n[sampler]\nscheduler = "pndm"\n', "sampler.scheduler", "one of"),
        ('weights = "w"\nsize = [1, 2, 3]\n', "size", "array of 2 items"),
        ('weights = "w"\nsize = 512\n', "size", "must be an array"),
        ('weights = "w"\nsize = [1, "2"]\n', "size[1]", "must be an integer"),
        ('weights = "w"\nseeds = [1, 2.0]\n', "seeds[1]", "must be an integer"),
        ('weights = "w"\nsampler = 3\n', "sampler", "must be a table (Sampler)"),
        ('weights = "w"\n[loss_weights]\nmatch = "high"\n', "loss_weights.match", "a number"),
        ('weights = "w"\nseed_or_name = 1.5\n', "seed_or_name", "an integer or a string"),
        ('weights = "w"\n[refiner]\nweights = 3\n', "refiner.weights", "a path string"),
    ],
)
def test_wrong_type_is_refused_naming_key_and_file(
    tmp_path: Path, text: str, key: str, expected: str
) -> None:
    path = write(tmp_path, text, name="wrong.toml")
    with pytest.raises(RecipeError) as info:
        load_recipe(path, PipelineRecipe)
    message = str(info.value)
    assert message.startswith(f"{path}: key {key!r}")
    assert expected in message


def test_missing_required_key(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match=r"empty\.toml: missing required key 'weights'"):
        load_recipe(write(tmp_path, "", name="empty.toml"), PipelineRecipe)


def test_kind_must_match(tmp_path: Path) -> None:
    path = write(tmp_path, 'kind = "training"\nweights = "w"\n', name="train.toml")
    with pytest.raises(
        RecipeError, match=r"train\.toml: this is a 'training' recipe, but a 'pipeline'"
    ):
        load_recipe(path, PipelineRecipe)
    with pytest.raises(RecipeError, match="key 'kind' is not accepted here"):
        load_recipe(write(tmp_path, 'kind = "x"\n'), Plain)
    assert load_recipe(write(tmp_path, 'kind = "y"\n'), WithKindField).kind == "y"


def test_post_init_errors_are_reported_with_file(tmp_path: Path) -> None:
    path = write(tmp_path, 'weights = "w"\nsize = [0, 10]\n', name="zero.toml")
    with pytest.raises(RecipeError, match=r"zero\.toml: invalid recipe: size must be positive"):
        load_recipe(path, PipelineRecipe)


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match=r"bad\.toml: invalid TOML"):
        load_recipe(write(tmp_path, "weights = \n", name="bad.toml"), PipelineRecipe)
    with pytest.raises(FileNotFoundError, match="not found"):
        load_recipe(tmp_path / "absent.toml", PipelineRecipe)
    with pytest.raises(TypeError, match="dataclass type"):
        load_recipe(write(tmp_path, ""), dict)


def test_dump_and_load_round_trip(tmp_path: Path) -> None:
    recipe = load_recipe(write(tmp_path, FULL), PipelineRecipe)
    out = dump_recipe(recipe, tmp_path / "saved.toml")
    text = out.read_text()
    assert text.startswith('kind = "pipeline"\n')
    assert load_recipe(out, PipelineRecipe) == recipe
    data = recipe_to_dict(recipe)
    assert data["size"] == [256, 192] and data["refiner"]["weights"] == "weights/refiner"
    assert recipe_from_dict(data, PipelineRecipe) == recipe


def test_dumps_toml_escapes_and_nests() -> None:
    text = dumps_toml({"a": 'quote " and \\ and\nnewline', "t": {"u": {"v": 1.5}}, "x y": True})
    import tomllib

    assert tomllib.loads(text) == {
        "a": 'quote " and \\ and\nnewline',
        "t": {"u": {"v": 1.5}},
        "x y": True,
    }


def test_find_recipe_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pipelines").mkdir()
    write(tmp_path / "pipelines", 'weights = "w"\n', name="mine.toml")
    monkeypatch.chdir(tmp_path)
    assert find_recipe("mine") == tmp_path / "pipelines" / "mine.toml"
    assert "mine" in list_recipes()
    assert load_recipe("mine", PipelineRecipe).weights == "w"
    with pytest.raises(FileNotFoundError, match="'nope' not found .*mine"):
        find_recipe("nope")


def test_shipped_recipes_parse_as_toml() -> None:
    # Every recipe in the repository must at least be valid TOML; "kind", if any, a string.
    import tomllib

    root = Path(__file__).resolve().parents[1] / "pipelines"
    for path in sorted(root.glob("*.toml")):
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
        assert isinstance(data.get("kind", ""), str), f"{path}: kind must be a string"


def test_dataclass_fields_without_init_are_not_keys(tmp_path: Path) -> None:
    @dataclass
    class Derived:
        a: int = 1
        b: int = dataclasses.field(init=False, default=0)

    with pytest.raises(RecipeError, match="unknown key 'b'"):
        recipe_from_dict({"b": 2}, Derived)
    assert recipe_from_dict({"a": 3}, Derived).a == 3


def test_extends_lays_a_file_over_its_base_table_by_table(tmp_path: Path) -> None:
    base = write(tmp_path, FULL, name="base.toml")
    (tmp_path / "sub").mkdir()
    middle = write(
        tmp_path / "sub",
        'extends = "../base.toml"\nsize = [128, 96]\n[sampler]\nsteps = 12\n',
        name="middle.toml",
    )
    child = write(tmp_path / "sub", 'extends = "middle.toml"\nseeds = [9]\n[sampler]\neta = 0.5\n')
    full, recipe = load_recipe(base, PipelineRecipe), load_recipe(child, PipelineRecipe)
    assert recipe.size == (128, 96) and recipe.seeds == [9]  # set by the files on top
    # a table merges key by key: steps from the middle, eta from the child, the rest the base's
    assert recipe.sampler == dataclasses.replace(full.sampler, steps=12, eta=0.5)
    assert recipe == dataclasses.replace(full, size=(128, 96), seeds=[9], sampler=recipe.sampler)
    assert load_recipe(middle, PipelineRecipe).seeds == full.seeds


def test_extends_errors_name_the_chain(tmp_path: Path, monkeypatch) -> None:
    write(tmp_path, 'weights = "w"\n[sampler]\nsteps = "many"\n', name="bad.toml")
    child = write(tmp_path, 'extends = "bad.toml"\n', name="child.toml")
    with pytest.raises(
        RecipeError, match=r"child\.toml extending .*bad\.toml: key 'sampler.steps'"
    ):
        load_recipe(child, PipelineRecipe)
    # a recipe name is looked up like find_recipe's, beside the file first
    (tmp_path / "pipelines").mkdir()
    write(tmp_path / "pipelines", 'weights = "named"\n', name="named.toml")
    monkeypatch.chdir(tmp_path)
    by_name = write(tmp_path, 'extends = "named"\n', name="by-name.toml")
    assert load_recipe(by_name, PipelineRecipe).weights == "named"
    missing = write(tmp_path, 'extends = "nowhere.toml"\n', name="missing.toml")
    with pytest.raises(
        RecipeError, match=r"missing\.toml: key 'extends': .*'nowhere\.toml' not found"
    ):
        load_recipe(missing, PipelineRecipe)
    wrong = write(tmp_path, "extends = 3\n", name="wrong.toml")
    with pytest.raises(RecipeError, match="'extends' must be a recipe path or name, got int 3"):
        load_recipe(wrong, PipelineRecipe)
    write(tmp_path, 'extends = "loop-b.toml"\nweights = "a"\n', name="loop-a.toml")
    write(tmp_path, 'extends = "loop-a.toml"\n', name="loop-b.toml")
    with pytest.raises(RecipeError, match=r"makes a loop: .*loop-a\.toml -> .*loop-b\.toml -> "):
        load_recipe(tmp_path / "loop-a.toml", PipelineRecipe)
    # a dict is not a file: extends means nothing there
    with pytest.raises(RecipeError, match="unknown key 'extends'"):
        recipe_from_dict({"weights": "w", "extends": "bad.toml"}, PipelineRecipe)


def test_merge_tables_replaces_values_and_merges_tables() -> None:
    from tryon.recipes import merge_tables

    base = {"a": 1, "t": {"x": 1, "y": [1, 2]}, "keep": True}
    merged = merge_tables(base, {"a": 2, "t": {"y": [3]}, "new": {"z": 0}})
    assert merged == {"a": 2, "t": {"x": 1, "y": [3]}, "keep": True, "new": {"z": 0}}
    assert base == {"a": 1, "t": {"x": 1, "y": [1, 2]}, "keep": True}  # untouched
