"""Toggle: a labelled switch the worker turns on or off."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from taskengine.engine import Attributes, BadExample, ComponentDefinition, Label, Result

MAX_EXPLANATION_LENGTH = 1000

Explanation = Annotated[str, Meta(max_length=MAX_EXPLANATION_LENGTH)]
"""A text that may be empty, longer than a label: a sentence or two explaining a choice."""


class ToggleAttributes(Attributes, frozen=True):
    label: Annotated[Label, Meta(description="text beside the switch")]
    checked_by_default: Annotated[bool, Meta(description="whether the switch starts on (default false)")] = False
    explanation: Annotated[
        Explanation, Meta(description="longer text explaining the choice, shown below the label (default empty)")
    ] = ""


class ToggleResult(Result, frozen=True):
    checked: Annotated[bool, Meta(description="whether the switch was on when the worker submitted")]


COMPONENT = ComponentDefinition(
    name="Toggle",
    description="A switch with a `label`, starting off unless `checkedByDefault` is true (default false), with an "
    "optional `explanation` below (default empty, at most 1000 characters). The result is whether it was on.",
    attributes=ToggleAttributes,
    result=ToggleResult,
    example={"label": "The photo is blurry", "explanation": "Turn on if you cannot read the street sign."},
    example_result={"checked": True},
    bad_examples=(
        BadExample("attributes", "schema", {"checkedByDefault": True}, "label"),
        BadExample("attributes", "schema", {"label": "Blurry", "explanation": "e" * 1001}, "explanation"),
        BadExample("attributes", "schema", {"label": "Blurry", "checkedByDefault": "yes"}, "checkedByDefault"),
        BadExample("result", "schema", {"checked": "true"}, "checked"),
        BadExample("result", "schema", {}, "checked"),
    ),
)
