"""Recipes: TOML files read into typed, nested dataclasses, strictly.

A recipe (``pipelines/*.toml``) says which weights, resolution, steps, scheduler and so on a
pipeline, a training run or a catalogue job uses. Each feature module declares what it
accepts as a dataclass and calls :func:`load_recipe`::

    @dataclass
    class SamplerRecipe:
        steps: int = 30
        guidance: float = 7.5
        scheduler: Literal["ddim", "euler"] = "ddim"

    @dataclass
    class PipelineRecipe:
        KIND: ClassVar[str] = "pipeline"
        weights: str
        size: tuple[int, int] = (512, 384)
        sampler: SamplerRecipe = field(default_factory=SamplerRecipe)

    recipe = load_recipe("pipelines/default.toml", PipelineRecipe)

Rules (every refusal raises :class:`RecipeError`, a ``ValueError`` whose message names the
file and the dotted key path, e.g. ``pipelines/x.toml: key 'sampler.steps' must be an
integer, got str 'thirty'``):

* a key the dataclass does not declare is refused (with a "did you mean" hint); a field
  without a default must be given; fields with defaults may be left out;
* supported field types: ``str``, ``int``, ``float`` (an integer is accepted and converted),
  ``bool`` (never accepted where a number is wanted, and numbers are not accepted for it),
  ``pathlib.Path`` (from a string), ``Literal[...]``, ``X | None``/``Optional[X]`` (TOML
  has no null, so ``None`` can only come from the default), other unions (first member that
  fits), ``tuple[X, ...]``, ``tuple[X, Y]`` (length checked), ``list[X]``, ``dict[str, X]``,
  nested dataclasses (a TOML table) and ``typing.Any``;
* a top-level ``kind = "..."`` string, when present, must equal the class attribute
  ``cls.KIND`` (unless the dataclass itself has a ``kind`` field); it guards against
  passing a training recipe to the pipeline;
* ``ValueError``/``TypeError`` raised by the dataclass's own ``__post_init__`` are reported
  the same way, with the file and the table they came from;
* a file may start from another: ``extends = "base.toml"`` (a path relative to the file, or a
  recipe name) reads ``base.toml`` first and lays the file's keys on top, table by table
  (:func:`merge_tables`); a base may extend another, a loop is refused. Errors then name the
  chain, e.g. ``pipelines/b.toml extending pipelines/a.toml: key ...``.

:func:`recipe_to_dict` and :func:`dump_recipe` go the other way (for saving the exact recipe
beside trained weights).
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import os
import sys
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar, Union

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

from tryon.io import atomic_write

T = TypeVar("T")

#: Where the project's recipes live, relative to the repository root.
RECIPE_DIR_NAME = "pipelines"
#: Top-level key of a recipe file naming the recipe it starts from (a path relative to the
#: file, or a name): the file then gives only what differs.
EXTENDS_KEY = "extends"


class RecipeError(ValueError):
    """A recipe file is unreadable, has an unknown key, a wrong type or a missing key."""


# --------------------------------------------------------------------------- finding


def recipe_dirs() -> list[Path]:
    """Folders searched for named recipes: ``./pipelines`` then the repository's ``pipelines``.

    The second is the ``pipelines/`` folder beside the ``tryon`` package (present for a
    source checkout or an editable install).
    """
    dirs = [Path.cwd() / RECIPE_DIR_NAME, Path(__file__).resolve().parents[1] / RECIPE_DIR_NAME]
    unique: list[Path] = []
    for d in dirs:
        if d.resolve() not in [u.resolve() for u in unique]:
            unique.append(d)
    return unique


def find_recipe(name_or_path: str | os.PathLike) -> Path:
    """Resolve a recipe given as a path (``pipelines/default.toml``) or a name (``default``).

    A name is looked up as ``<name>.toml`` in :func:`recipe_dirs`, in order.

    Raises:
        FileNotFoundError: no such file; the message lists the available recipe names.
    """
    path = Path(name_or_path)
    if path.is_file():
        return path
    if path.suffix != ".toml" and len(path.parts) == 1:
        for directory in recipe_dirs():
            candidate = directory / f"{path.name}.toml"
            if candidate.is_file():
                return candidate
    available = ", ".join(list_recipes()) or "none"
    raise FileNotFoundError(f"recipe {str(name_or_path)!r} not found (available: {available})")


def list_recipes() -> list[str]:
    """Names (file stems) of the ``*.toml`` recipes in :func:`recipe_dirs`, sorted, unique."""
    names = set()
    for directory in recipe_dirs():
        if directory.is_dir():
            names.update(p.stem for p in directory.glob("*.toml"))
    return sorted(names)


# --------------------------------------------------------------------------- loading


def load_recipe(path: str | os.PathLike, cls: type[T]) -> T:
    """Read the TOML file ``path`` into the dataclass ``cls``, strictly (see module doc).

    Args:
        path: a ``.toml`` file (or a recipe name, resolved with :func:`find_recipe`).
        cls: a dataclass type, possibly nested; an optional ``KIND`` class attribute.

    Returns:
        An instance of ``cls``.

    Raises:
        FileNotFoundError: the file does not exist.
        RecipeError: invalid TOML, unknown or missing key, wrong type, wrong ``kind``, an
            ``extends`` that is missing or loops.
        TypeError: ``cls`` is not a dataclass type.
    """
    _check_dataclass_type(cls)
    file = find_recipe(path)
    chain = [file]
    data = _read_extended(file, chain)
    source = " extending ".join(str(f) for f in chain)
    return recipe_from_dict(data, cls, source=source)


def _read_toml(file: Path) -> dict[str, Any]:
    try:
        with open(file, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as err:
        raise RecipeError(f"{file}: invalid TOML: {err}") from None
    except UnicodeDecodeError as err:
        raise RecipeError(f"{file}: not UTF-8 text: {err}") from None


def _read_extended(file: Path, chain: list[Path]) -> dict[str, Any]:
    """``file``'s table on top of the recipe its :data:`EXTENDS_KEY` names, recursively.
    ``chain`` holds the files read so far (``file`` last) and gains each parent."""
    data = _read_toml(file)
    if EXTENDS_KEY not in data:
        return data
    parent = data.pop(EXTENDS_KEY)
    if not isinstance(parent, str) or not parent:
        raise RecipeError(
            f"{file}: key {EXTENDS_KEY!r} must be a recipe path or name, got {_describe(parent)}"
        )
    # a path is read relative to the extending file, so a recipe folder can move as a whole
    beside = file.parent / parent
    try:
        parent_file = beside if beside.is_file() else find_recipe(parent)
    except FileNotFoundError as err:
        raise RecipeError(f"{file}: key {EXTENDS_KEY!r}: {err}") from None
    if parent_file.resolve() in [f.resolve() for f in chain]:
        loop = " -> ".join(str(f) for f in [*chain, parent_file])
        raise RecipeError(f"{file}: key {EXTENDS_KEY!r} makes a loop: {loop}")
    chain.append(parent_file)
    return merge_tables(_read_extended(parent_file, chain), data)


def merge_tables(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``override``'s keys on top: tables present in both are merged key by key,
    any other value (numbers, strings, arrays) is replaced whole. Neither input is changed."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_tables(merged[key], value)
        else:
            merged[key] = value
    return merged


def recipe_from_dict(data: Mapping[str, Any], cls: type[T], *, source: str = "<dict>") -> T:
    """Build the dataclass ``cls`` from a parsed mapping with the same checks as a file.

    ``source`` names the origin in error messages (default ``"<dict>"``).
    """
    _check_dataclass_type(cls)
    if not isinstance(data, Mapping):
        raise RecipeError(f"{source}: a recipe must be a table, got {type(data).__name__}")
    data = dict(data)
    field_names = {f.name for f in dataclasses.fields(cls)}
    if "kind" in data and "kind" not in field_names:
        kind = data.pop("kind")
        expected = getattr(cls, "KIND", None)
        if expected is None:
            raise RecipeError(
                f"{source}: key 'kind' is not accepted here ({cls.__name__} declares no KIND)"
            )
        if kind != expected:
            raise RecipeError(
                f"{source}: this is a {kind!r} recipe, but a {expected!r} recipe is needed "
                f"(key 'kind')"
            )
    return _build_dataclass(data, cls, source, "")


def _check_dataclass_type(cls: Any) -> None:
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        raise TypeError(f"cls must be a dataclass type, got {cls!r}")


def _key(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _build_dataclass(data: Mapping[str, Any], cls: type[T], source: str, prefix: str) -> T:
    fields = [f for f in dataclasses.fields(cls) if f.init]
    hints = typing.get_type_hints(cls)
    names = [f.name for f in fields]
    unknown = [k for k in data if k not in names]
    if unknown:
        key = unknown[0]
        hint = difflib.get_close_matches(key, names, n=1)
        suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
        where = f"table '{prefix}'" if prefix else "the top level"
        raise RecipeError(
            f"{source}: unknown key {_key(prefix, key)!r} (allowed in {where}: "
            f"{', '.join(names) or 'none'}){suggestion}"
        )
    kwargs: dict[str, Any] = {}
    for f in fields:
        path = _key(prefix, f.name)
        if f.name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise RecipeError(f"{source}: missing required key {path!r}")
            continue
        kwargs[f.name] = _convert(data[f.name], hints[f.name], source, path)
    try:
        return cls(**kwargs)
    except (ValueError, TypeError) as err:
        where = f"table {prefix!r}" if prefix else "recipe"
        raise RecipeError(f"{source}: invalid {where}: {err}") from None


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def _type_name(tp: Any) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
    if tp in names:
        return names[tp]
    if tp is Path:
        return "a path string"
    if dataclasses.is_dataclass(tp):
        return f"a table ({tp.__name__})"
    return repr(tp).replace("typing.", "")


def _convert(value: Any, tp: Any, source: str, path: str) -> Any:
    """Check ``value`` against the annotation ``tp`` and return it converted."""

    def wrong(expected: str) -> RecipeError:
        return RecipeError(f"{source}: key {path!r} must be {expected}, got {_describe(value)}")

    if tp is Any:
        return value
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)

    if origin is Union or (hasattr(types, "UnionType") and isinstance(tp, types.UnionType)):
        members = [a for a in args if a is not type(None)]
        errors = []
        for member in members:
            try:
                return _convert(value, member, source, path)
            except RecipeError as err:
                errors.append(err)
        if len(members) == 1:
            raise errors[0]
        raise wrong(" or ".join(_type_name(m) for m in members))
    if origin is Literal:
        for option in args:
            if value == option and type(value) is type(option):
                return option
        raise wrong(f"one of {list(args)}")
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(value, Mapping):
            raise wrong(_type_name(tp))
        return _build_dataclass(value, tp, source, path)
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise wrong("true or false")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise wrong("an integer")
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise wrong("a number")
    if tp is str:
        if isinstance(value, str):
            return value
        raise wrong("a string")
    if tp is Path:
        if isinstance(value, str):
            return Path(value)
        raise wrong("a path string")
    if origin in (tuple, list):
        if not isinstance(value, (list, tuple)):
            raise wrong(f"an array ({_type_name(tp)})")
        if origin is list:
            item_type = args[0] if args else Any
            return [_convert(v, item_type, source, f"{path}[{i}]") for i, v in enumerate(value)]
        if not args or (len(args) == 2 and args[1] is Ellipsis):
            item_type = args[0] if args else Any
            return tuple(
                _convert(v, item_type, source, f"{path}[{i}]") for i, v in enumerate(value)
            )
        if len(value) != len(args):
            raise wrong(f"an array of {len(args)} items ({_type_name(tp)})")
        return tuple(
            _convert(v, t, source, f"{path}[{i}]")
            for i, (v, t) in enumerate(zip(value, args, strict=True))
        )
    if origin is dict:
        if not isinstance(value, Mapping):
            raise wrong(f"a table ({_type_name(tp)})")
        key_type, item_type = args if args else (str, Any)
        if key_type is not str:
            raise TypeError(f"recipe dict fields need str keys, {path!r} has {tp!r}")
        return {k: _convert(v, item_type, source, f"{path}.{k}") for k, v in value.items()}
    raise TypeError(f"unsupported recipe field type {tp!r} for key {path!r}")


# --------------------------------------------------------------------------- saving


def recipe_to_dict(recipe: Any) -> dict[str, Any]:
    """The dataclass instance ``recipe`` as plain TOML-ready data (with ``kind`` if it has KIND).

    Tuples become lists, paths strings; fields whose value is ``None`` are left out (TOML
    has no null; loading gives them their default back).
    """
    if not (dataclasses.is_dataclass(recipe) and not isinstance(recipe, type)):
        raise TypeError(f"recipe must be a dataclass instance, got {type(recipe).__name__}")
    data = _plain(recipe)
    kind = getattr(type(recipe), "KIND", None)
    if kind is not None and "kind" not in data:
        data = {"kind": kind, **data}
    return data


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if getattr(value, f.name) is not None
        }
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def dumps_toml(data: Mapping[str, Any]) -> str:
    """Serialise a mapping of str/int/float/bool/list/table values as TOML text.

    Enough for recipes (no dates, no arrays of tables). Floats keep full precision.
    """
    lines: list[str] = []
    _emit_table(data, [], lines)
    return "\n".join(lines).strip() + "\n"


def _toml_key(key: str) -> str:
    if key and all(c.isalnum() or c in "-_" for c in key):
        return key
    return _toml_value(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        escaped = (
            value.replace("\\", "\\\\")
            .replace('"', '\\"')
            .replace("\n", "\\n")
            .replace("\t", "\\t")
            .replace("\r", "\\r")
        )
        return f'"{escaped}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} {value!r} as TOML")


def _emit_table(data: Mapping[str, Any], prefix: list[str], lines: list[str]) -> None:
    tables = {k: v for k, v in data.items() if isinstance(v, Mapping)}
    scalars = {k: v for k, v in data.items() if not isinstance(v, Mapping)}
    if prefix and (scalars or not tables):
        lines.append("")
        lines.append("[" + ".".join(_toml_key(p) for p in prefix) + "]")
    for key, value in scalars.items():
        lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key, value in tables.items():
        _emit_table(value, [*prefix, key], lines)


def dump_recipe(recipe: Any, path: str | os.PathLike) -> Path:
    """Write the dataclass instance ``recipe`` as a TOML file (atomically); returns the path.

    ``load_recipe(path, type(recipe))`` gives an equal recipe back.
    """
    text = dumps_toml(recipe_to_dict(recipe))
    target = Path(path)
    with atomic_write(target, "w") as handle:
        handle.write(text)
    return target
