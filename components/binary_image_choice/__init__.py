"""BinaryImageChoice: two labelled images; the worker selects one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from msgspec import Meta

from taskengine.engine import (
    Attributes,
    BadExample,
    ComponentDefinition,
    HttpUrl,
    Identifier,
    Narrowing,
    OptionalText,
    Problem,
    Result,
    Rule,
)


class ImageOption(Attributes, frozen=True):
    id: Annotated[Identifier, Meta(description="option id, returned as the result")]
    url: Annotated[HttpUrl, Meta(description="option image url")]
    label: Annotated[OptionalText, Meta(description="option label (may be empty)")] = ""


class BinaryImageChoiceAttributes(Attributes, frozen=True):
    option1: Annotated[ImageOption, Meta(description="1st option")]
    option2: Annotated[ImageOption, Meta(description="2nd option")]


class BinaryImageChoiceResult(Result, frozen=True):
    selected_option: Annotated[Identifier, Meta(description="id of the selected option")]


def _distinct_ids(attrs: BinaryImageChoiceAttributes) -> Iterator[Problem]:
    if attrs.option1.id == attrs.option2.id:
        yield Problem("option2.id", f"must differ from option1.id ({attrs.option1.id!r})", "option-ids-unique")


def _selected_known(attrs: BinaryImageChoiceAttributes) -> dict[str, Any]:
    return {"selected_option": Literal[attrs.option1.id, attrs.option2.id]}


_EXAMPLE = {
    "option1": {"id": "cat", "url": "https://example.com/cat.jpg", "label": "Cat"},
    "option2": {"id": "dog", "url": "https://example.com/dog.jpg", "label": "Dog"},
}

COMPONENT = ComponentDefinition(
    name="BinaryImageChoice",
    description="Two labelled images side by side; the worker selects one. The result is the selected option's id.",
    attributes=BinaryImageChoiceAttributes,
    result=BinaryImageChoiceResult,
    example=_EXAMPLE,
    example_result={"selectedOption": "dog"},
    attribute_rules=(Rule("option-ids-unique", _distinct_ids),),
    result_rules=(Narrowing("selected-is-an-option", _selected_known),),
    shows=lambda attrs: (attrs.option1.url, attrs.option2.url),
    bad_examples=(
        BadExample("attributes", "schema", {"option1": _EXAMPLE["option1"]}, "option2"),
        BadExample(
            "attributes", "schema", {**_EXAMPLE, "option1": {"id": "a", "url": "javascript:alert(1)"}}, "option1.url"
        ),
        BadExample("attributes", "option-ids-unique", {**_EXAMPLE, "option2": _EXAMPLE["option1"]}, "option2.id"),
        BadExample("result", "selected-is-an-option", {"selectedOption": "horse"}, "selectedOption"),
    ),
)
