"""Problems: where a definition or result is wrong and why, in plain words.

msgspec stops at the first error; the functions here re-check field by field so
that every problem is reported at once, each re-rooted at its path in the request.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterable
from typing import Annotated, Any, Literal, TypeVar, get_args, get_origin

import msgspec
from msgspec import Meta

S = TypeVar("S", bound=msgspec.Struct)

ENGINE_RULES: dict[str, str] = {
    "required": "a required field is missing",
    "unknown-field": "the object has no such field",
    "type": "the value has the wrong JSON type",
    "one-of": "the value is not one of the allowed values",
    "out-of-range": "a number lies outside its bounds",
    "multiple-of": "a number is not a multiple of the step it must follow",
    "too-short": "a text is empty or shorter than allowed",
    "too-long": "a text is longer than allowed",
    "too-few": "an array or object has fewer entries than allowed",
    "too-many": "an array or object has more entries than allowed",
    "count": "an array must have an exact number of entries (one answer per component, one per task)",
    "pattern": "a text does not have the required form (not blank, an http(s) URL, an identifier)",
    "invalid": "the value is not acceptable for another reason the message states",
    "json": "the body is not JSON the service accepts (syntax, nesting depth, NUL, integer size)",
    "unknown-component": "no component type has this name (GET /components lists them)",
    "answer-required": "an interactive component that is not optional has no answer",
    "no-answer-due": "a component that shows something only was given an answer (send null)",
    "url-policy": "a URL points somewhere tasks may not (an internal host, credentials in the URL)",
}
"""The rules the engine itself checks, by name; component types add their own (their `Rule` names)."""


class Problem(msgspec.Struct, frozen=True):
    """One thing wrong, at `path` (``components[2].properties.steps``), and the name of the rule it broke.

    `rule` is stable (``required``, ``too-long``, a component rule such as ``grid-not-too-fine``), so a client can
    switch on it; `message` is for people and may be reworded.
    """

    path: Annotated[str, Meta(description="where, e.g. components[2].properties.steps; empty for the whole value")]
    message: Annotated[str, Meta(description="what is wrong, in plain words")]
    rule: Annotated[str, Meta(description="the name of the rule that failed, stable for clients to switch on")]

    def rooted(self, base: str) -> Problem:
        return Problem(join_path(base, self.path), self.message, self.rule)

    def __str__(self) -> str:
        return f"{self.path or '(root)'}: {self.message}"


def join_path(base: str, sub: str) -> str:
    if not sub:
        return base
    if not base:
        return sub.lstrip(".")
    if sub.startswith("["):
        return base + sub
    return f"{base}.{sub}"


def rooted(problems: Iterable[Problem], base: str) -> list[Problem]:
    return [p.rooted(base) for p in problems]


# Patterns whose regex is meaningless to a requester get a sentence instead.
_PATTERN_MESSAGES: dict[str, str] = {}


def describe_pattern(pattern: str, message: str) -> str:
    """Register the plain message shown when a string fails `pattern`."""
    _PATTERN_MESSAGES[pattern] = message
    return pattern


_NOUNS = {
    "int": "an integer",
    "float": "a number",
    "str": "a string",
    "bool": "a boolean",
    "object": "an object",
    "array": "an array",
    "null": "null",
    "bytes": "bytes",
}


def _noun(names: str) -> str:
    parts = [p.strip() for p in names.split("|")]
    return " or ".join(_NOUNS.get(p, p) for p in parts)


_AT = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<at>[^`]*)`)?$", re.S)
# (msgspec's message, the rule's name, (sub-path, our message)) for each kind of msgspec validation error.
_RULES: list[tuple[re.Pattern[str], str, Any]] = [
    (re.compile(r"Object missing required field `(?P<f>[^`]+)`"), "required", lambda m: (m["f"], "is required")),
    (
        re.compile(r"Object contains unknown field `(?P<f>[^`]+)`"),
        "unknown-field",
        lambda m: (m["f"], "is not a known field"),
    ),
    (
        re.compile(r"Expected `\w+` that's a multiple of (?P<n>\S+)"),
        "multiple-of",
        lambda m: ("", f"must be a multiple of {m['n']}"),
    ),
    (re.compile(r"Expected `\w+` >= (?P<n>\S+)"), "out-of-range", lambda m: ("", f"must be at least {m['n']}")),
    (re.compile(r"Expected `\w+` > (?P<n>\S+)"), "out-of-range", lambda m: ("", f"must be greater than {m['n']}")),
    (re.compile(r"Expected `\w+` <= (?P<n>\S+)"), "out-of-range", lambda m: ("", f"must be at most {m['n']}")),
    (re.compile(r"Expected `\w+` < (?P<n>\S+)"), "out-of-range", lambda m: ("", f"must be less than {m['n']}")),
    (
        re.compile(r"Expected `str` of length >= (?P<n>\d+)"),
        "too-short",
        lambda m: ("", "must not be empty" if m["n"] == "1" else f"must be at least {m['n']} characters long"),
    ),
    (
        re.compile(r"Expected `str` of length <= (?P<n>\d+)"),
        "too-long",
        lambda m: ("", f"must be at most {m['n']} characters long"),
    ),
    (
        re.compile(r"Expected `array` of length >= (?P<n>\d+)"),
        "too-few",
        lambda m: ("", f"must have at least {m['n']} item{'s' if m['n'] != '1' else ''}"),
    ),
    (
        re.compile(r"Expected `array` of length <= (?P<n>\d+)"),
        "too-many",
        lambda m: ("", f"must have at most {m['n']} items"),
    ),
    (
        re.compile(r"Expected `array` of length (?P<n>\d+)"),
        "count",
        lambda m: ("", f"must have exactly {m['n']} items"),
    ),
    (
        re.compile(r"Expected `object` of length <= (?P<n>\d+)"),
        "too-many",
        lambda m: ("", f"must have at most {m['n']} entries"),
    ),
    (
        re.compile(r"Expected `str` matching regex '(?P<p>.*)'$", re.S),
        "pattern",
        lambda m: ("", _PATTERN_MESSAGES.get(m["p"].replace("\\\\", "\\"), "has an invalid format")),
    ),
    (
        re.compile(r"Expected `(?P<want>[^`]+)`, got `(?P<got>[^`]+)`"),
        "type",
        lambda m: ("", f"must be {_noun(m['want'])}, got {_noun(m['got'])}"),
    ),
    (
        re.compile(r"Invalid enum value (?P<v>.*)"),
        "one-of",
        lambda m: ("", f"{m['v']} is not one of the allowed values"),
    ),
    (re.compile(r"Number out of range"), "out-of-range", lambda m: ("", "is out of range")),
]


def _msgspec_path(at: str) -> str:
    # msgspec writes `$.a.b[2]`; we write `a.b[2]`.
    return at[1:] if at.startswith(".") else at


def _literal_choices(tp: Any) -> tuple[Any, ...] | None:
    while True:
        origin = get_origin(tp)
        if origin is typing.Annotated:
            tp = get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            found = [c for a in get_args(tp) if (c := _literal_choices(a))]
            return found[0] if found else None
        elif origin is list:
            tp = get_args(tp)[0]
        elif origin is Literal:
            return get_args(tp)
        else:
            return None


def translate(error: msgspec.ValidationError, field_type: Any = None) -> Problem:
    """Turn a msgspec error into a Problem whose path is relative to the value checked."""
    match = _AT.match(str(error))
    assert match is not None  # the pattern accepts any string
    msg, at = match["msg"], _msgspec_path(match["at"] or "")
    for pattern, rule, build in _RULES:
        m = pattern.match(msg)
        if m:
            sub, text = build(m)
            if rule == "one-of" and (choices := _literal_choices(field_type)):
                text = "must be one of " + ", ".join(repr(c) if isinstance(c, str) else str(c) for c in choices)
            return Problem(join_path(at, sub), text, rule)
    return Problem(at, msg[:1].lower() + msg[1:], "invalid")


def type_name(value: Any) -> str:
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _struct_class(tp: Any) -> type[msgspec.Struct] | None:
    """The Struct class inside `tp` (through Annotated and Optional), if any."""
    while get_origin(tp) is typing.Annotated:
        tp = get_args(tp)[0]
    if get_origin(tp) in (typing.Union, types.UnionType):
        structs = [a for a in get_args(tp) if isinstance(a, type) and issubclass(a, msgspec.Struct)]
        return structs[0] if len(structs) == 1 else None
    return tp if isinstance(tp, type) and issubclass(tp, msgspec.Struct) else None


def _container_args(tp: Any, container: type) -> tuple[Any, ...] | None:
    """The type arguments of `tp` if it is a `container` (list or dict), through Annotated."""
    while get_origin(tp) is typing.Annotated:
        tp = get_args(tp)[0]
    return get_args(tp) if get_origin(tp) is container else None


def check_value(value: Any, tp: Any) -> list[Problem]:
    """Every problem of `value` against type `tp`, with paths relative to the value."""
    try:
        msgspec.convert(value, tp, strict=True)
        return []
    except msgspec.ValidationError as first:
        nested = _struct_class(tp)
        if nested is not None and isinstance(value, dict):
            _, problems = convert_collecting(value, nested)
            return problems or [translate(first, tp)]
        item = _container_args(tp, list)
        if item is not None and isinstance(value, list):
            problems = [p.rooted(f"[{i}]") for i, v in enumerate(value) for p in check_value(v, item[0])]
            return problems or [translate(first, tp)]
        entry = _container_args(tp, dict)
        if entry is not None and isinstance(value, dict):
            problems = [
                p.rooted(str(k))
                for k, v in value.items()
                for p in [
                    *(Problem("", f"key {q.message}", q.rule) for q in check_value(k, entry[0])),
                    *check_value(v, entry[1]),
                ]
            ]
            return problems or [translate(first, tp)]
        return [translate(first, tp)]


def convert_collecting(obj: Any, tp: type[S], path: str = "") -> tuple[S | None, list[Problem]]:
    """Convert `obj` to Struct `tp`, or report every field's problem at once."""
    try:
        return msgspec.convert(obj, tp, strict=True), []
    except msgspec.ValidationError as first:
        if not isinstance(obj, dict):
            return None, [Problem(path, f"must be an object, got {type_name(obj)}", "type")]
        problems: list[Problem] = []
        fields = msgspec.structs.fields(tp)
        known = {f.encode_name for f in fields}
        config = tp.__struct_config__
        if config.tag_field is not None:
            known.add(config.tag_field)
        problems.extend(
            Problem(join_path(path, str(k)), "is not a known field", "unknown-field") for k in obj if k not in known
        )
        for field in fields:
            if field.encode_name not in obj:
                if field.required:
                    problems.append(Problem(join_path(path, field.encode_name), "is required", "required"))
                continue
            problems.extend(rooted(check_value(obj[field.encode_name], field.type), join_path(path, field.encode_name)))
        if not problems:
            problems.append(translate(first, tp).rooted(path))
        return None, problems
