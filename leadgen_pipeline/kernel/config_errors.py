"""Reading hand-edited YAML configuration and reporting its problems in plain words.

Shared by `core.icp` and `core.provenance` so both speak the same way. The ICP files
(`data/icp/*.yaml`) and the source manifest (`data/sources.yaml`) are edited by people, so
every problem is reported as one line that names the file, the field path and what is wrong,
e.g. ``data/icp/fintech.yaml: countries[2]: 'XX' is not an ISO 3166-1 alpha-2 country code``.
All problems in a file are listed at once, not just the first.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, NamedTuple

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError


class ConfigProblem(NamedTuple):
    """One thing wrong with one configuration file."""

    file: str  # the path as the caller gave it, so the user can open it
    field: str  # dotted path with [index] for list items, e.g. `buying_signals[1].kind`; may be ""
    message: str

    def __str__(self) -> str:
        if self.field:
            return f"{self.file}: {self.field}: {self.message}"
        return f"{self.file}: {self.message}"


class ConfigError(ValueError):
    """A configuration file could not be used. `str()` lists one problem per line."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        if not problems:
            raise ValueError("a ConfigError needs at least one problem")
        self.problems: tuple[ConfigProblem, ...] = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


class ConfigModel(BaseModel):
    """Base of every model read from a configuration file.

    Unknown keys are errors (a misspelt key must not be silently ignored), and types are
    strict: YAML already yields ints, floats, strings and booleans, so a `true` where a number
    belongs, or a quoted "500", is a mistake to report, not a value to coerce.
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


_SLUG = re.compile(r"[a-z0-9_]+")


def _slug(value: str) -> str:
    if not _SLUG.fullmatch(value):
        raise ValueError(f"{value!r} is not a slug: use lower-case letters, digits and underscores")
    return value


def _text(value: str) -> str:
    stripped = value.strip()
    if not stripped:
        raise ValueError("must not be empty")
    return stripped


# A machine name: lower-case letters, digits and underscores (segment names, signal keys, ...).
Slug = Annotated[str, AfterValidator(_slug)]
# Free text for people to read: trimmed, never blank.
Text = Annotated[str, AfterValidator(_text)]


def reject_duplicates(values: Sequence[str]) -> None:
    """Raise `ValueError` naming every value that appears more than once in `values`."""
    seen: set[str] = set()
    repeated: list[str] = []
    for value in values:
        if value in seen and value not in repeated:
            repeated.append(value)
        seen.add(value)
    if repeated:
        listed = ", ".join(repr(value) for value in repeated)
        raise ValueError(f"listed more than once: {listed}")


class _UniqueKeys:
    """A safe YAML loader that refuses duplicate mapping keys (mixed into a SafeLoader).

    Plain PyYAML keeps the last of two equal keys, so a second `countries:` block would
    silently replace the first; in a hand-edited file that is always a mistake.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *anchor` merges; a key set beside it deliberately overrides
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, typing.Hashable):
                continue  # SafeLoader itself reports an unhashable key, with its position
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"found duplicate key {key!r} (first defined on line "
                    f"{seen[key].start_mark.line + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]


class _UniqueKeyLoader(_UniqueKeys, yaml.SafeLoader):
    """Pure-Python parsing: the error messages this module's tests and users know."""


# libyaml's parser, when PyYAML was built with it: ten times faster, and every run reads the
# manifest and the ICP files several times. A file it refuses is parsed again by the pure
# loader, whose messages are the ones reported.
_FastUniqueKeyLoader = (
    type("_FastUniqueKeyLoader", (_UniqueKeys, yaml.CSafeLoader), {})
    if hasattr(yaml, "CSafeLoader")
    else _UniqueKeyLoader
)


def read_yaml_mapping(
    path: Path, label: str, error_type: type[ConfigError] = ConfigError
) -> tuple[dict[str, Any], bytes]:
    """Read `path` as a YAML mapping and return it with the file's exact bytes.

    The bytes are returned so callers can fingerprint precisely what was parsed. Raises
    `error_type` (problems named after `label`) when the file is missing, not UTF-8, not valid
    YAML (with line and column), has a duplicate key, is empty, or is not a mapping at the top.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error_type([ConfigProblem(label, "", f"cannot read file: {exc.strerror}")]) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        problem = f"not UTF-8 text (bad byte at offset {exc.start})"
        raise error_type([ConfigProblem(label, "", problem)]) from exc
    # SafeLoader subclasses: plain data only, no arbitrary Python objects.
    try:
        data = yaml.load(text, Loader=_FastUniqueKeyLoader)
    except yaml.YAMLError:
        try:
            data = yaml.load(text, Loader=_UniqueKeyLoader)
        except yaml.YAMLError as exc:
            raise error_type([ConfigProblem(label, "", _describe_yaml_error(exc))]) from exc
    if data is None:
        raise error_type([ConfigProblem(label, "", "file is empty; expected a mapping of keys")])
    if not isinstance(data, dict):
        found = type(data).__name__
        problem = f"expected a mapping of keys at the top level, found a {found}"
        raise error_type([ConfigProblem(label, "", problem)])
    return data, raw


def _describe_yaml_error(exc: yaml.YAMLError) -> str:
    """One line with the 1-based line and column of a YAML error, when PyYAML knows them."""
    if not isinstance(exc, yaml.MarkedYAMLError):
        return f"invalid YAML: {exc}"
    mark = exc.problem_mark or exc.context_mark
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    what = exc.problem or exc.context or "unreadable YAML"
    if exc.problem and exc.context:
        # PyYAML's context ("while parsing a flow sequence") points at where the construct began.
        started = exc.context_mark
        since = f" that starts at line {started.line + 1}" if started is not None else ""
        what += f" ({exc.context}{since})"
    return f"invalid YAML{where}: {what}"


def problems_from_validation_error(
    label: str, error: ValidationError, model: type[BaseModel] | None = None
) -> list[ConfigProblem]:
    """Turn every error in a pydantic `ValidationError` into a `ConfigProblem` for `label`.

    With `model` given, an unknown key is reported with the closest known key as a hint.
    """
    return [_problem_from_error(label, err, model) for err in error.errors()]


def format_location(loc: Sequence[str | int]) -> str:
    """Render a pydantic location as a field path: ('signals', 2, 'kind') -> 'signals[2].kind'."""
    path = ""
    for part in loc:
        if part == "[key]":
            continue  # pydantic's marker for "the dict key itself", already named by the path
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _problem_from_error(
    label: str, err: Mapping[str, Any], model: type[BaseModel] | None
) -> ConfigProblem:
    kind: str = err["type"]
    loc: tuple[str | int, ...] = tuple(err["loc"])
    value = err.get("input")
    if kind == "extra_forbidden":
        # The offending key is the last element; the field is where it sits.
        key, parent = loc[-1], loc[:-1]
        message = f"unknown key {key!r}"
        known = _field_names_at(model, parent) if model is not None else []
        close = difflib.get_close_matches(str(key), known, n=1)
        if close:
            message += f" (did you mean {close[0]!r}?)"
        return ConfigProblem(label, format_location(parent), message)
    if kind == "missing":
        return ConfigProblem(label, format_location(loc), "missing required field")
    if kind in ("value_error", "assertion_error"):
        # Our own validators already speak in sentences; drop pydantic's "Value error, " prefix.
        cause = err.get("ctx", {}).get("error")
        message = str(cause) if cause is not None else err["msg"]
        return ConfigProblem(label, format_location(loc), message)
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        message = f"{value!r} is not allowed; expected {expected}"
        return ConfigProblem(label, format_location(loc), message)
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        message = f"expected a mapping of keys, found {_describe_value(value)}"
        return ConfigProblem(label, format_location(loc), message)
    if kind == "list_type":
        message = f"expected a list, found {_describe_value(value)}"
        return ConfigProblem(label, format_location(loc), message)
    message = err["msg"]
    if isinstance(value, str | int | float | bool) or value is None:
        message += f" (got {value!r})"
    return ConfigProblem(label, format_location(loc), message)


def _describe_value(value: Any) -> str:
    if isinstance(value, str | int | float | bool) or value is None:
        return f"{type(value).__name__} {value!r}"
    return f"a {type(value).__name__}"


def _field_names_at(model: type[BaseModel] | None, loc: Sequence[str | int]) -> list[str]:
    """The field names of the nested model found by following `loc` from `model`, if any."""
    current: Any = model
    for part in loc:
        current = _descend(current, part)
        if current is None:
            return []
    current = _unwrap_model(current)
    return list(current.model_fields) if current is not None else []


def _descend(annotation: Any, part: str | int) -> Any:
    model = _unwrap_model(annotation)
    if model is not None:
        field = model.model_fields.get(part) if isinstance(part, str) else None
        return field.annotation if field is not None else None
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (list, tuple, Sequence) and args:
        return args[0]
    if origin in (dict, Mapping) and len(args) == 2:
        return args[1]
    return None


def _unwrap_model(annotation: Any) -> type[BaseModel] | None:
    """The model class inside `annotation`, looking through Optional and Annotated."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap_model(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _unwrap_model(arg)
            if found is not None:
                return found
    return None
