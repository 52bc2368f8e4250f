"""TextEdit: the worker corrects or rewrites a given text (answer type `edit`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from msgspec import Meta

from taskengine.engine import (
    MAX_TEXT_LENGTH,
    Attributes,
    BadExample,
    ComponentDefinition,
    LongText,
    Narrowing,
    Problem,
    Result,
    Rule,
)


class TextEditAttributes(Attributes, frozen=True):
    text: Annotated[LongText, Meta(description="the text the worker edits, shown in the field to start with")]
    max_length: Annotated[
        int, Meta(ge=1, le=MAX_TEXT_LENGTH, description="most characters the edited text may have (default 10000)")
    ] = MAX_TEXT_LENGTH


class TextEditResult(Result, frozen=True):
    # May be empty: deleting the whole text is a valid edit.
    text: Annotated[str, Meta(max_length=MAX_TEXT_LENGTH, description="the text as the worker left it")]


def _given_within_max_length(attrs: TextEditAttributes) -> Iterator[Problem]:
    if len(attrs.text) > attrs.max_length:
        message = f"must be at most maxLength ({attrs.max_length}) characters long, got {len(attrs.text)}"
        yield Problem("text", message, "text-within-max-length")


def _edited_within_max_length(attrs: TextEditAttributes) -> dict[str, Any]:
    return {"text": Annotated[str, Meta(max_length=attrs.max_length)]}


COMPONENT = ComponentDefinition(
    name="TextEdit",
    description="A text field holding `text`, which the worker corrects or rewrites. The given and the edited "
    "text are at most `maxLength` characters long (default 10000); the edited text may be empty.",
    attributes=TextEditAttributes,
    result=TextEditResult,
    example={"text": "Teh cat sat on teh mat.", "maxLength": 100},
    example_result={"text": "The cat sat on the mat."},
    attribute_rules=(Rule("text-within-max-length", _given_within_max_length),),
    result_rules=(Narrowing("edited-within-max-length", _edited_within_max_length),),
    bad_examples=(
        BadExample("attributes", "schema", {"maxLength": 100}, "text"),
        BadExample("attributes", "schema", {"text": ""}, "text"),
        BadExample("attributes", "schema", {"text": "Hi", "maxLength": 10_001}, "maxLength"),
        BadExample("attributes", "text-within-max-length", {"text": "Teh cat sat.", "maxLength": 5}, "text"),
        BadExample("result", "edited-within-max-length", {"text": "x" * 101}, "text"),
        BadExample("result", "schema", {"text": None}, "text"),
    ),
)
