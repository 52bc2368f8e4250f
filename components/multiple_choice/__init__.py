"""MultipleChoice: the worker selects one or several of a list of options (answer type `choice`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Annotated, Any, Literal

from msgspec import Meta

from taskengine.engine import (
    Attributes,
    BadExample,
    ComponentDefinition,
    Label,
    Narrowing,
    Problem,
    Result,
    Rule,
    duplicates,
)

MAX_OPTIONS = 50


class MultipleChoiceAttributes(Attributes, frozen=True):
    options: Annotated[
        list[Label], Meta(min_length=2, max_length=MAX_OPTIONS, description="labels of the options, 2 to 50, unique")
    ]
    min_selected: Annotated[
        int, Meta(ge=1, le=MAX_OPTIONS, description="fewest options the worker must select (default 1)")
    ] = 1
    max_selected: Annotated[
        int, Meta(ge=1, le=MAX_OPTIONS, description="most options the worker may select (default 1)")
    ] = 1


class MultipleChoiceResult(Result, frozen=True):
    selected_options: Annotated[
        list[Label], Meta(min_length=1, max_length=MAX_OPTIONS, description="labels of the selected options")
    ]


def _options_unique(attrs: MultipleChoiceAttributes) -> Iterator[Problem]:
    # The result names options by their labels, so two equal labels could not be told apart.
    yield from duplicates("options", attrs.options, "options-unique")


def _selection_range(attrs: MultipleChoiceAttributes) -> Iterator[Problem]:
    count = len(attrs.options)
    if attrs.max_selected > count:
        yield Problem("maxSelected", f"must be at most the number of options ({count})", "selection-range")
    if attrs.min_selected > count:
        yield Problem("minSelected", f"must be at most the number of options ({count})", "selection-range")
    elif attrs.min_selected > attrs.max_selected:
        yield Problem("minSelected", f"must be at most maxSelected ({attrs.max_selected})", "selection-range")


def _selected_from_options(attrs: MultipleChoiceAttributes) -> dict[str, Any]:
    options: Any = Literal[tuple(attrs.options)]  # built at run time from the attributes
    return {
        "selected_options": Annotated[list[options], Meta(min_length=attrs.min_selected, max_length=attrs.max_selected)]
    }


def _selected_unique(attrs: MultipleChoiceAttributes, result: MultipleChoiceResult) -> Sequence[Problem]:
    selected = result.selected_options
    return (
        () if len(set(selected)) == len(selected) else list(duplicates("selectedOptions", selected, "selected-unique"))
    )


_EXAMPLE = {"options": ["Cat", "Dog", "Bird", "None of these"], "maxSelected": 3}

COMPONENT = ComponentDefinition(
    name="MultipleChoice",
    description="A list of 2 to 50 `options` with unique labels; the worker selects at least `minSelected` "
    "(default 1) and at most `maxSelected` (default 1) of them, so by default exactly one. The result is the "
    "labels of the selected options.",
    attributes=MultipleChoiceAttributes,
    result=MultipleChoiceResult,
    example=_EXAMPLE,
    example_result={"selectedOptions": ["Cat", "Bird"]},
    attribute_rules=(Rule("options-unique", _options_unique), Rule("selection-range", _selection_range)),
    result_rules=(
        Narrowing("selected-from-options", _selected_from_options),
        Rule("selected-unique", _selected_unique),
    ),
    bad_examples=(
        BadExample("attributes", "schema", {"maxSelected": 2}, "options"),
        BadExample("attributes", "schema", {"options": ["Cat"]}, "options"),
        BadExample("attributes", "schema", {"options": ["Cat", ""]}, "options[1]"),
        BadExample("attributes", "schema", {"options": ["Cat", "Dog"], "minSelected": 0}, "minSelected"),
        BadExample("attributes", "options-unique", {"options": ["Cat", "Dog", "Bird", "Dog"]}, "options[3]"),
        BadExample("attributes", "selection-range", {"options": ["Cat", "Dog"], "maxSelected": 3}, "maxSelected"),
        BadExample(
            "attributes", "selection-range", {"options": ["Cat", "Dog", "Bird"], "minSelected": 2}, "minSelected"
        ),
        BadExample("attributes", "selection-range", {"options": ["Cat", "Dog"], "minSelected": 3}, "minSelected"),
        BadExample("result", "selected-from-options", {"selectedOptions": ["Cat", "Horse"]}, "selectedOptions[1]"),
        BadExample("result", "selected-unique", {"selectedOptions": ["Cat", "Dog", "Cat"]}, "selectedOptions[2]"),
        BadExample(
            "result",
            "selected-from-options",
            {"selectedOptions": ["Cat", "Dog", "Bird", "None of these"]},
            "selectedOptions",
        ),
        BadExample(
            "result",
            "selected-from-options",
            {"selectedOptions": ["Cat", "Dog"]},
            "selectedOptions",
            properties={"options": ["Cat", "Dog", "Bird"]},
        ),
        BadExample("result", "schema", {"selectedOptions": []}, "selectedOptions"),
    ),
)
