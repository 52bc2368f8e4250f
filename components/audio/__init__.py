"""Audio: a sound the worker plays in the task."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from taskengine.engine import Attributes, BadExample, ComponentDefinition, HttpUrl


class AudioAttributes(Attributes, frozen=True):
    url: Annotated[HttpUrl, Meta(description="url of the audio file")]
    autoplay: Annotated[bool, Meta(description="whether it starts playing when shown (default false)")] = False
    repeat: Annotated[bool, Meta(description="whether it starts again when it ends (default false)")] = False
    must_listen: Annotated[
        bool, Meta(description="whether the worker must play it to the end before submitting (default false)")
    ] = False


COMPONENT = ComponentDefinition(
    name="Audio",
    description="An audio player for the file at `url`. It starts on its own when `autoplay` is true, loops when "
    "`repeat` is true, and keeps the worker from submitting until it has played to the end when `mustListen` is "
    "true (all default false).",
    attributes=AudioAttributes,
    example={"url": "https://example.com/sentence.aac", "mustListen": True},
    shows=lambda attrs: (attrs.url,),
    bad_examples=(
        BadExample("attributes", "schema", {"autoplay": True}, "url"),
        BadExample("attributes", "schema", {"url": "javascript:alert(1)"}, "url"),
        BadExample("attributes", "schema", {"url": "https://example.com/a.aac", "repeat": 1}, "repeat"),
        BadExample("attributes", "schema", {"url": "https://example.com/a.aac", "volume": 0.5}, "volume"),
    ),
)
