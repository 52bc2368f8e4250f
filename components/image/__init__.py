"""Image: a picture shown in the task."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from taskengine.engine import Attributes, BadExample, ComponentDefinition, HttpUrl


class ImageAttributes(Attributes, frozen=True):
    url: Annotated[HttpUrl, Meta(description="url of the image")]


COMPONENT = ComponentDefinition(
    name="Image",
    description="The image at `url`, shown in the task.",
    attributes=ImageAttributes,
    example={"url": "https://example.com/cat.jpg"},
    shows=lambda attrs: (attrs.url,),
    bad_examples=(
        BadExample("attributes", "schema", {}, "url"),
        BadExample("attributes", "schema", {"url": "file:///etc/passwd"}, "url"),
        BadExample("attributes", "schema", {"url": "https://example.com/" + "a" * 2048}, "url"),
        BadExample("attributes", "schema", {"url": "https://example.com/cat.jpg", "alt": "A cat"}, "alt"),
    ),
)
