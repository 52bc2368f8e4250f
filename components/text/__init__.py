"""Text: a text shown in the task in one of several styles."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta

from taskengine.engine import Attributes, BadExample, ComponentDefinition, LongText

TextStyle = Literal["Question", "Instruction", "H1", "H2", "PlainText", "Html", "Quote"]


class TextAttributes(Attributes, frozen=True):
    text: Annotated[LongText, Meta(description="the text to display")]
    style: Annotated[TextStyle, Meta(description="how the text is shown (default PlainText)")] = "PlainText"


COMPONENT = ComponentDefinition(
    name="Text",
    description="A text shown in the task. `style` is one of Question, Instruction, H1, H2, PlainText (default), "
    "Html or Quote.",
    attributes=TextAttributes,
    example={"text": "Is there a cat in the picture?", "style": "Question"},
    bad_examples=(
        BadExample("attributes", "schema", {"style": "H1"}, "text"),
        BadExample("attributes", "schema", {"text": ""}, "text"),
        BadExample("attributes", "schema", {"text": "Hi", "style": "Bold"}, "style"),
        BadExample("attributes", "schema", {"text": "Hi", "colour": "red"}, "colour"),
    ),
)
