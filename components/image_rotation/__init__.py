"""ImageRotation: the worker turns an image until it stands upright (answer type `rotate`)."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta

from taskengine.engine import Attributes, BadExample, ComponentDefinition, HttpUrl, Result

Rotation = Literal[0, 90, 180, 270]


class ImageRotationAttributes(Attributes, frozen=True):
    url: Annotated[HttpUrl, Meta(description="url of the image to turn")]


class ImageRotationResult(Result, frozen=True):
    rotation: Annotated[
        Rotation, Meta(description="degrees clockwise the image must turn to stand upright: 0, 90, 180 or 270")
    ]


COMPONENT = ComponentDefinition(
    name="ImageRotation",
    description="The image at `url`, which the worker turns in quarter turns until it stands upright. The result "
    "is how many degrees clockwise the image must turn: 0, 90, 180 or 270.",
    attributes=ImageRotationAttributes,
    result=ImageRotationResult,
    example={"url": "https://example.com/scan.jpg"},
    example_result={"rotation": 90},
    shows=lambda attrs: (attrs.url,),
    bad_examples=(
        BadExample("attributes", "schema", {}, "url"),
        BadExample("attributes", "schema", {"url": "https://example.com/scan.jpg", "rotation": 90}, "rotation"),
        BadExample("attributes", "schema", {"url": "mailto:someone@example.com"}, "url"),
        BadExample("result", "schema", {"rotation": 45}, "rotation"),
        BadExample("result", "schema", {"rotation": -90}, "rotation"),
        BadExample("result", "schema", {"rotation": "90"}, "rotation"),
    ),
)
