"""What a component type is: its attributes, its result, its rules and its examples."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from taskengine.engine._problems import Problem
from taskengine.engine._urls import Step, url_fields, urls_at


class Attributes(msgspec.Struct, forbid_unknown_fields=True, rename="camel", kw_only=True, frozen=True):
    """Base of every component's attributes (its `properties`): unknown keys are refused."""


class Result(msgspec.Struct, forbid_unknown_fields=True, rename="camel", kw_only=True, frozen=True):
    """Base of every interactive component's result."""


AttributeCheck = Callable[[Any], Iterable[Problem]]
ResultCheck = Callable[[Any, Any], Iterable[Problem]]


@dataclass(frozen=True)
class Rule:
    """A named check beyond the static schema; paths it reports are relative to `properties` or the result.

    Its problems carry its `name` as their `rule` (the contract tests check that), so clients can switch on it.

    Result rules run once per answer on the hot path: return a list (or `()` when all is well) rather than
    yielding, and prefer a Narrowing where a narrower type can say the same thing.
    """

    name: str
    check: Callable[..., Iterable[Problem]]
    when: Callable[[Any], bool] | None = None
    """Whether the rule can fire for given attributes; a result rule that cannot is left out of compiled tasks."""


@dataclass(frozen=True)
class Narrowing:
    """A result rule stated as narrower field types derived from the attributes.

    `fields(attributes)` returns {python field name: type}; the engine builds the narrowed result type once
    per distinct attributes, and msgspec then checks the rule inside its decode pass, with no Python call.
    """

    name: str
    fields: Callable[[Any], dict[str, Any]]


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
    result_rules: tuple[Rule | Narrowing, ...] = ()
    bad_examples: tuple[BadExample, ...] = ()
    shows: Callable[[Any], tuple[str, ...]] | None = None
    """The URLs of the media this component shows, for the size a device must download."""
    upload_bytes: Callable[[Any], int] | None = None
    """An upper estimate of the bytes a worker uploads answering it (recordings, drawings)."""

    def __post_init__(self) -> None:
        if (self.result is None) != (self.example_result is None):
            raise ValueError(f"component {self.name}: a result type and an example result go together")
        if self.result_rules and self.result is None:
            raise ValueError(f"component {self.name}: result rules without a result type")

    @property
    def interactive(self) -> bool:
        """Interactive components take an answer from the worker; the others only show something."""
        return self.result is not None

    @functools.cached_property
    def url_fields(self) -> tuple[tuple[Step, ...], ...]:
        """Where the attributes hold URLs (every field typed `HttpUrl`), read once from the attributes type."""
        return url_fields(self.attributes)

    def urls(self, attributes: Any) -> list[tuple[str, str]]:
        """(path under `properties`, url) of every URL in these attributes."""
        return urls_at(attributes, self.url_fields) if self.url_fields else []

    def media_urls(self, attributes: Any) -> tuple[str, ...]:
        return self.shows(attributes) if self.shows else ()

    def estimated_upload_bytes(self, attributes: Any) -> int:
        return self.upload_bytes(attributes) if self.upload_bytes else 0

    def check_attributes(self, attributes: Any) -> list[Problem]:
        return [p for rule in self.attribute_rules for p in rule.check(attributes)]

    def result_checks_for(self, attributes: Any) -> tuple[Rule, ...]:
        """The result rules that can fire for these attributes."""
        return tuple(r for r in self.result_checks if r.when is None or r.when(attributes))

    @property
    def result_checks(self) -> tuple[Rule, ...]:
        """The result rules run in Python after decoding."""
        return tuple(r for r in self.result_rules if isinstance(r, Rule))

    @property
    def narrowings(self) -> tuple[Narrowing, ...]:
        return tuple(r for r in self.result_rules if isinstance(r, Narrowing))

    def check_result(self, attributes: Any, result: Any) -> list[Problem]:
        return [p for rule in self.result_checks_for(attributes) for p in rule.check(attributes, result)]
