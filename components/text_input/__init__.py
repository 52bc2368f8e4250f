"""TextInput: the worker types a free-text answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from msgspec import Meta

from taskengine.engine import (
    MAX_TEXT_LENGTH,
    Attributes,
    BadExample,
    ComponentDefinition,
    Narrowing,
    OptionalText,
    Problem,
    Result,
    Rule,
)


class TextInputAttributes(Attributes, frozen=True):
    hint: Annotated[OptionalText, Meta(description="placeholder shown in the empty field (default empty)")] = ""
    max_length: Annotated[
        int, Meta(ge=1, le=MAX_TEXT_LENGTH, description="most characters the worker may type (default 1000)")
    ] = 1000


class TextInputResult(Result, frozen=True):
    text: Annotated[str, Meta(max_length=MAX_TEXT_LENGTH, description="the text the worker typed")]


def _within_max_length(attrs: TextInputAttributes) -> dict[str, Any]:
    return {"text": Annotated[str, Meta(max_length=attrs.max_length)]}


def _not_blank(attrs: TextInputAttributes, result: TextInputResult) -> Sequence[Problem]:
    # A worker who answers must answer; leaving the field out is what optionalResult is for.
    text = result.text
    return () if text and not text.isspace() else [Problem("text", "must not be blank", "text-not-blank")]


COMPONENT = ComponentDefinition(
    name="TextInput",
    description="A text field the worker types an answer into, showing `hint` while empty (default empty). "
    "The answer may not be blank and is at most `maxLength` characters long (default 1000, at most 10000; "
    "an extension to the SWARMS component).",
    attributes=TextInputAttributes,
    result=TextInputResult,
    example={"hint": "Describe the picture in a sentence", "maxLength": 280},
    example_result={"text": "A cat asleep on a red sofa."},
    result_rules=(Narrowing("text-within-max-length", _within_max_length), Rule("text-not-blank", _not_blank)),
    bad_examples=(
        BadExample("attributes", "schema", {"maxLength": 0}, "maxLength"),
        BadExample("attributes", "schema", {"maxLength": 10_001}, "maxLength"),
        BadExample("attributes", "schema", {"hint": "h" * 201}, "hint"),
        BadExample("attributes", "schema", {"placeholder": "Type here"}, "placeholder"),
        BadExample("result", "text-within-max-length", {"text": "x" * 281}, "text"),
        BadExample("result", "text-not-blank", {"text": ""}, "text"),
        BadExample("result", "text-not-blank", {"text": " \n\t "}, "text"),
        BadExample("result", "schema", {"text": None}, "text"),
    ),
)
