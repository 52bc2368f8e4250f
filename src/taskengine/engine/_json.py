"""Parsing request bytes as JSON with the guards msgspec alone does not give."""

from __future__ import annotations

from typing import Any

import msgspec

MAX_DEPTH = 64


class JsonInputError(ValueError):
    """The bytes are not acceptable JSON; the message says why in plain words."""


_INT64 = 2**63


def _scan(value: Any, max_depth: int, look_for_nul: bool) -> str | None:
    """One walk over the decoded value: the first reason to refuse it, or None."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        kind = type(item)
        if kind is int:
            if not -_INT64 <= item < _INT64:
                return "integers must fit in 64 bits"
        elif kind is str:
            if look_for_nul and "\x00" in item:
                return "strings may not contain the NUL character (\\u0000)"
        elif kind is dict or kind is list:
            if depth > max_depth:
                return f"JSON is nested too deeply (at most {max_depth} levels)"
            if kind is dict:
                stack.extend((key, depth + 1) for key in item)
                item = item.values()
            stack.extend((child, depth + 1) for child in item)
    return None


def parse_json(data: bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """Decode JSON bytes into plain Python values, refusing what would later break storage or recursion.

    Refused: malformed JSON (NaN and Infinity included), nesting deeper than `max_depth`,
    numbers beyond 64-bit or double range, and NUL characters in strings (PostgreSQL cannot store them).
    """
    try:
        value = msgspec.json.decode(data)
    except RecursionError:
        raise JsonInputError(f"JSON is nested too deeply (at most {max_depth} levels)") from None
    except msgspec.DecodeError as exc:
        if str(exc).startswith("Integer value out of range"):  # thousands of digits: refused before any arithmetic
            raise JsonInputError("integers must fit in 64 bits") from None
        raise JsonInputError(f"body is not valid JSON: {str(exc).removeprefix('JSON is malformed: ')}") from None
    except msgspec.ValidationError as exc:  # numbers outside double range
        raise JsonInputError(f"body has an unusable value: {str(exc)[:1].lower()}{str(exc)[1:]}") from None
    # The escape is the only way a NUL reaches a decoded string, so a byte test spares the string checks.
    reason = _scan(value, max_depth, look_for_nul=b"\\u0000" in data)
    if reason is not None:
        raise JsonInputError(reason)
    return value
