"""The component engine: the catalogue of component types and validation of tasks and results.

It does no I/O: it takes decoded JSON or bytes and returns values or problems.
"""

from __future__ import annotations

import functools

from taskengine.engine._checks import below, duplicates, media_url_problems, media_url_rule
from taskengine.engine._definition import Attributes, BadExample, ComponentDefinition, Narrowing, Result, Rule
from taskengine.engine._engine import (
    MAX_COMPONENTS_PER_TASK,
    Checked,
    CompiledTask,
    ComponentBase,
    Engine,
    component_schemas,
)
from taskengine.engine._fields import (
    AAC_BYTES_PER_SECOND,
    DRAWING_BYTES,
    MAX_DURATION_SECONDS,
    MAX_LABEL_LENGTH,
    MAX_TEXT_LENGTH,
    MP4_BYTES_PER_SECOND,
    NOT_BLANK,
    Count,
    HttpUrl,
    Identifier,
    Label,
    LongText,
    MediaUrl,
    Name,
    OptionalText,
    Seconds,
)
from taskengine.engine._json import MAX_DEPTH, JsonInputError, parse_json
from taskengine.engine._problems import Problem, check_value, convert_collecting, describe_pattern
from taskengine.engine._registry import CatalogueError, Registry, discover
from taskengine.engine._urls import HostError, UrlPolicy, parse_authority

__all__ = [
    "AAC_BYTES_PER_SECOND",
    "DRAWING_BYTES",
    "MAX_COMPONENTS_PER_TASK",
    "MAX_DEPTH",
    "MAX_DURATION_SECONDS",
    "MAX_LABEL_LENGTH",
    "MAX_TEXT_LENGTH",
    "MP4_BYTES_PER_SECOND",
    "NOT_BLANK",
    "Attributes",
    "BadExample",
    "CatalogueError",
    "Checked",
    "CompiledTask",
    "ComponentBase",
    "ComponentDefinition",
    "Count",
    "Engine",
    "HostError",
    "HttpUrl",
    "Identifier",
    "JsonInputError",
    "Label",
    "LongText",
    "MediaUrl",
    "Name",
    "Narrowing",
    "OptionalText",
    "Problem",
    "Registry",
    "Result",
    "Rule",
    "Seconds",
    "UrlPolicy",
    "below",
    "check_value",
    "component_schemas",
    "convert_collecting",
    "default_engine",
    "describe_pattern",
    "discover",
    "duplicates",
    "media_url_problems",
    "media_url_rule",
    "parse_authority",
    "parse_json",
]


@functools.cache
def default_engine() -> Engine:
    """The engine over the installed catalogue, built once per process."""
    return Engine(discover())
