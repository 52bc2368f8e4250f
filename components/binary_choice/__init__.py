"""BinaryChoice: two labelled buttons; the worker selects one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from msgspec import Meta

from taskengine.engine import Attributes, BadExample, ComponentDefinition, Label, Narrowing, Problem, Result, Rule


class BinaryChoiceAttributes(Attributes, frozen=True):
    option1: Annotated[Label, Meta(description="label of the 1st option")]
    option2: Annotated[Label, Meta(description="label of the 2nd option")]


class BinaryChoiceResult(Result, frozen=True):
    selected_option: Annotated[Label, Meta(description="label of the selected option")]


def _distinct_labels(attrs: BinaryChoiceAttributes) -> Iterator[Problem]:
    # The result names the option by its label, so equal labels would make the answer ambiguous.
    if attrs.option1 == attrs.option2:
        yield Problem("option2", f"must differ from option1 ({attrs.option1!r})", "option-labels-unique")


def _selected_known(attrs: BinaryChoiceAttributes) -> dict[str, Any]:
    return {"selected_option": Literal[attrs.option1, attrs.option2]}


_EXAMPLE = {"option1": "Yes", "option2": "No"}

COMPONENT = ComponentDefinition(
    name="BinaryChoice",
    description="Two labelled buttons side by side; the worker selects one. The result is the selected option's "
    "label, so the two labels must differ.",
    attributes=BinaryChoiceAttributes,
    result=BinaryChoiceResult,
    example=_EXAMPLE,
    example_result={"selectedOption": "No"},
    attribute_rules=(Rule("option-labels-unique", _distinct_labels),),
    result_rules=(Narrowing("selected-is-an-option", _selected_known),),
    bad_examples=(
        BadExample("attributes", "schema", {"option1": "Yes"}, "option2"),
        BadExample("attributes", "schema", {"option1": "", "option2": "No"}, "option1"),
        BadExample("attributes", "schema", {**_EXAMPLE, "option3": "Maybe"}, "option3"),
        BadExample("attributes", "option-labels-unique", {"option1": "Yes", "option2": "Yes"}, "option2"),
        BadExample("result", "selected-is-an-option", {"selectedOption": "Maybe"}, "selectedOption"),
        BadExample("result", "schema", {"selectedOption": 1}, "selectedOption"),
    ),
)
