"""Ids in paths: plain decimal digits that a row can have, or a refusal naming the parameter.

Litestar parses `{x:int}` segments with `int()`, which also takes "+1", " 1", "1_0" and other scripts' digits
("\u0661"), and answers 404 for what `int()` refuses ("0x1"). One id must have one spelling, and a malformed one
is the client's mistake to be told about: every `{x:int}` segment must be ASCII digits spelling a number an id
column holds (1 to 2^31 - 1), or the request is refused with 400 INVALID_PARAMETER naming the parameter, before
any service or database sees it. A well-formed id that names no row is 404, as ever.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Annotated

from litestar.params import PathParameter

from taskengine.db.models import MAX_ID
from taskengine.engine import Problem
from taskengine.errors import DomainError, ErrorCode

_MAX_DIGITS = len(str(MAX_ID))

PathId = Annotated[int, PathParameter(ge=1, le=MAX_ID, description=f"an id: 1 to {MAX_ID}")]
"""An id in a path, documented with the bounds every id column has (what this module enforces)."""


@functools.lru_cache(maxsize=256)
def _shape(template: str) -> tuple[tuple[str, str | None], ...]:
    """The template's segments as (literal, None) or (parameter name, its type)."""
    shape: list[tuple[str, str | None]] = []
    for segment in (s for s in template.split("/") if s):
        if segment.startswith("{") and segment.endswith("}"):
            name, _, kind = segment[1:-1].partition(":")
            shape.append((name.strip(), kind.strip() or "str"))
        else:
            shape.append((segment, None))
    return tuple(shape)


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]  # as Litestar's router splits it


def check_id(name: str, text: str) -> int:
    """The id `text` spells; 400 naming `name` if it is not plain decimal digits or no row can have it."""
    if not (text.isascii() and text.isdigit()):
        raise DomainError(
            ErrorCode.INVALID_PARAMETER,
            f"{name}: {text[:40]!r} is not an id; ids are written in plain decimal digits (0-9)",
            [Problem(name, "must be plain decimal digits (0-9)", "digits")],
        )
    digits = text.lstrip("0")
    # Counted before converting: int() of thousands of digits is slow, and Python refuses past 4300.
    if not digits or len(digits) > _MAX_DIGITS or int(digits) > MAX_ID:
        raise DomainError(
            ErrorCode.INVALID_PARAMETER,
            f"{name}: {text[:40]} is not an id; ids are from 1 to {MAX_ID}",
            [Problem(name, f"must be from 1 to {MAX_ID}", "out-of-range")],
        )
    return int(digits)


def id_positions(template: str) -> tuple[tuple[int, str], ...]:
    """(segment index, parameter name) of every `{x:int}` segment of `template`."""
    return tuple((i, name) for i, (name, kind) in enumerate(_shape(template)) if kind == "int")


def check_ids_at(positions: tuple[tuple[int, str], ...], path: str) -> None:
    """Check the id segments of `path` at `positions` (from `id_positions` of the template the router matched)."""
    segments = _segments(path)
    for index, name in positions:
        text = segments[index]
        # The usual id passes on these tests alone; `check_id` says what is wrong with any other.
        if not (text.isdigit() and text.isascii() and len(text) <= _MAX_DIGITS and 0 < int(text) <= MAX_ID):
            check_id(name, text)


def check_unrouted(templates: Iterable[str], path: str) -> None:
    """For a path no route took: if it has the shape of a route with ids (its fixed segments match), the ids are
    what kept it out, and the client is told which (400) rather than given a bare 404."""
    segments = _segments(path)
    for template in templates:
        shape = _shape(template)
        if len(shape) != len(segments) or not any(kind == "int" for _, kind in shape):
            continue
        if all(kind is not None or name == segment for (name, kind), segment in zip(shape, segments, strict=True)):
            for (name, kind), segment in zip(shape, segments, strict=True):
                if kind == "int":
                    check_id(name, segment)
