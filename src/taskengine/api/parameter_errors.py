"""Query and path parameter errors in our words: the parameter's public name and what it must be.

Litestar reports a bad parameter under its Python name (`result_state` for `?state=`) in msgspec's words
("Expected `int` <= 100", "Invalid enum value 'Foo'"); clients know the name in the document and want the rule.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Any, Literal, get_args, get_origin

from litestar import Request
from litestar.exceptions import ValidationException
from litestar.params import KwargDefinition

from taskengine.engine import Problem

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Expected `(?:int|float)` <= (\S+)"), "must be at most {0}"),
    (re.compile(r"Expected `(?:int|float)` >= (\S+)"), "must be at least {0}"),
    (re.compile(r"Expected `(?:int|float)` < (\S+)"), "must be less than {0}"),
    (re.compile(r"Expected `(?:int|float)` > (\S+)"), "must be more than {0}"),
    (re.compile(r"Expected `int`, got"), "must be an integer"),
    (re.compile(r"Expected `bool`, got"), "must be true or false"),
    (re.compile(r"Expected `str` of length <= (\d+)"), "must be at most {0} characters"),
    (re.compile(r"Expected `array` of length <= (\d+)"), "may be given at most {0} times"),
    (re.compile(r"Expected `str` matching regex"), "is not in the documented format"),
)


def _choices(annotation: Any) -> list[str]:
    """The values a Literal or Enum annotation (or an Optional of one) allows."""
    if get_origin(annotation) is Literal:
        return [str(value) for value in get_args(annotation) if value is not None]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [str(member.value) for member in annotation]
    return [choice for arg in get_args(annotation) for choice in _choices(arg)]


def _field(request: Request[Any, Any, Any], key: str) -> tuple[str, Any]:
    """(public name, annotation) of parameter `key` of the handler or its dependencies; (key, None) if unknown."""
    handler = request.scope.get("route_handler")
    if handler is None:
        return key, None
    signatures = [handler.parsed_fn_signature]
    signatures += [provide.parsed_fn_signature for provide in handler.resolve_dependencies().values()]
    field = next((s.parameters[key] for s in signatures if key in s.parameters), None)
    if field is None:
        return key, None
    kwarg = field.kwarg_definition
    if not isinstance(kwarg, KwargDefinition):
        return key, field.annotation
    return getattr(kwarg, "query", None) or getattr(kwarg, "name", None) or key, field.annotation


def _rule(message: str, annotation: Any) -> str:
    if message.startswith("Invalid enum value") and (choices := _choices(annotation)):
        return f"must be one of {', '.join(choices)}"
    for pattern, rule in _RULES:
        if match := pattern.search(message):
            return rule.format(*match.groups())
    return message


def parameter_problems(request: Request[Any, Any, Any], exc: ValidationException) -> list[Problem]:
    """One problem per bad parameter, named as the client sent it."""
    problems = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            name, annotation = _field(request, str(item.get("key", "?")))
            problems.append(Problem(name, _rule(str(item.get("message", "is invalid")), annotation)))
    return problems
