"""Query and path parameter errors in public words: the parameter's name as the client sends it (`state`, not the
handler's `result_state`), and what it must be (`must be at most 100`, `must be one of InReview, ...`)."""

from __future__ import annotations

import enum
import typing
from typing import Any, Literal

import msgspec

from taskengine.engine import Problem, translate


def choices(annotation: Any) -> list[str]:
    """The values a `Literal` (or Enum) annotation allows, however it is wrapped (Optional, Annotated)."""
    found: list[str] = []
    if typing.get_origin(annotation) is Literal:
        return [str(value) for value in typing.get_args(annotation)]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [str(member.value) for member in annotation]
    for inner in typing.get_args(annotation):
        found.extend(choices(inner))
    return found


def _fields(handler: Any) -> dict[str, Any]:
    """The parameters of the handler and of its dependencies (paging and ordering come from one)."""
    if handler is None:  # no route handler (the error came before routing)
        return {}
    fields: dict[str, Any] = {}
    for provide in handler.resolve_dependencies().values():
        fields.update(provide.parsed_fn_signature.parameters)
    fields.update(handler.parsed_fn_signature.parameters)
    return fields


def _public_name(key: str, field: Any) -> str:
    definition = getattr(field, "kwarg_definition", None)
    for alias in ("name", "query", "header", "cookie"):
        name = getattr(definition, alias, None)
        if name:
            return str(name)
    return key


def _wording(message: str, allowed: list[str]) -> tuple[str, str]:
    """The message and rule of a failed parameter."""
    if allowed and message.startswith("Invalid enum value"):
        return f"must be one of {', '.join(allowed)}", "one-of"  # as the client writes them in a URL: unquoted
    if message.startswith("Expected `bool`"):
        return "must be true or false", "type"  # a query carries text: true / false, not a JSON boolean
    translated = translate(msgspec.ValidationError(message))
    return translated.message, translated.rule


def query_problems(handler: Any, extra: Any) -> list[Problem]:
    """One problem per failed parameter of a Litestar ValidationException, named and worded for the client."""
    fields = _fields(handler)
    problems = []
    for item in extra if isinstance(extra, list) else []:
        if not isinstance(item, dict):
            continue
        key = str(item.get("key", "?"))
        field = fields.get(key)
        allowed = choices(field.annotation) if field is not None else []
        message, rule = _wording(str(item.get("message", "is invalid")), allowed)
        problems.append(Problem(_public_name(key, field), message, rule))
    return problems
