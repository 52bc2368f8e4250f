"""What a component type is: its attributes, its result, its rules and its examples."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from taskengine.engine._problems import Problem


class Attributes(msgspec.Struct, forbid_unknown_fields=True, rename="camel", kw_only=True, frozen=True):
    """Base of every component's attributes (its `properties`): unknown keys are refused."""


class Result(msgspec.Struct, forbid_unknown_fields=True, rename="camel", kw_only=True, frozen=True):
    """Base of every interactive component's result."""


AttributeCheck = Callable[[Any], Iterable[Problem]]
ResultCheck = Callable[[Any, Any], Iterable[Problem]]


@dataclass(frozen=True)
class Rule:
    """A named check beyond the static schema; paths it reports are relative to `properties` or the result."""

    name: str
    check: Callable[..., Iterable[Problem]]


@dataclass(frozen=True)
class BadExample:
    """A value that breaks `rule` (a Rule's name, or "schema" for a static constraint) at `path`.

    For `target="result"`, `properties` (default: the component's example) are the attributes it is checked against.
    """

    target: Literal["attributes", "result"]
    rule: str
    data: dict[str, Any]
    path: str
    properties: dict[str, Any] | None = None


@dataclass(frozen=True)
class ComponentDefinition:
    """One component type, complete: everything that varies by component is asked of this."""

    name: str
    description: str
    attributes: type[Attributes]
    example: dict[str, Any]
    result: type[Result] | None = None
    example_result: dict[str, Any] | None = None
    attribute_rules: tuple[Rule, ...] = ()
    result_rules: tuple[Rule, ...] = ()
    bad_examples: tuple[BadExample, ...] = ()

    def __post_init__(self) -> None:
        if (self.result is None) != (self.example_result is None):
            raise ValueError(f"component {self.name}: a result type and an example result go together")
        if self.result_rules and self.result is None:
            raise ValueError(f"component {self.name}: result rules without a result type")

    @property
    def interactive(self) -> bool:
        """Interactive components take an answer from the worker; the others only show something."""
        return self.result is not None

    def check_attributes(self, attributes: Any) -> list[Problem]:
        return [p for rule in self.attribute_rules for p in rule.check(attributes)]

    def check_result(self, attributes: Any, result: Any) -> list[Problem]:
        return [p for rule in self.result_rules for p in rule.check(attributes, result)]
