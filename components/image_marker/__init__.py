"""ImageMarker: the worker draws on an image."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from taskengine.engine import (
    DRAWING_BYTES,
    Attributes,
    BadExample,
    ComponentDefinition,
    HttpUrl,
    MediaUrl,
    Result,
    Rule,
    media_url_rule,
)


class ImageMarkerAttributes(Attributes, frozen=True):
    url: Annotated[HttpUrl, Meta(description="url of the image to draw on")]


class ImageMarkerResult(Result, frozen=True):
    url: Annotated[MediaUrl, Meta(description="url of the drawing, a .png file")]


COMPONENT = ComponentDefinition(
    name="ImageMarker",
    description="An image the worker draws on, marking what the task asks for. The result is the url of the "
    "drawing, a .png file.",
    attributes=ImageMarkerAttributes,
    result=ImageMarkerResult,
    example={"url": "https://example.com/street.jpg"},
    example_result={"url": "https://media.example.com/drawings/51c2.png"},
    result_rules=(Rule("url-is-png", media_url_rule(".png")),),
    shows=lambda attrs: (attrs.url,),
    upload_bytes=lambda _: DRAWING_BYTES,
    bad_examples=(
        BadExample("attributes", "schema", {}, "url"),
        BadExample("attributes", "schema", {"url": "ftp://example.com/street.jpg"}, "url"),
        BadExample("attributes", "schema", {"url": "https://example.com/street.jpg", "colour": "red"}, "colour"),
        BadExample("result", "url-is-png", {"url": "https://media.example.com/drawings/51c2.jpg"}, "url"),
        BadExample("result", "url-is-png", {"url": "https://media.example.com/get?file=51c2.png"}, "url"),
        BadExample("result", "url-is-png", {"url": "data:image/png;base64,iVBORw0KGgo="}, "url"),
    ),
)
