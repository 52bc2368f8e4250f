"""Video: a video the worker plays in the task."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from taskengine.engine import Attributes, BadExample, ComponentDefinition, HttpUrl


class VideoAttributes(Attributes, frozen=True):
    url: Annotated[HttpUrl, Meta(description="url of the video file")]
    autoplay: Annotated[bool, Meta(description="whether it starts playing when shown (default false)")] = False
    repeat: Annotated[bool, Meta(description="whether it starts again when it ends (default false)")] = False
    must_watch: Annotated[
        bool, Meta(description="whether the worker must play it to the end before submitting (default false)")
    ] = False
    # Unlike the other flags this one defaults to true: a video plays its sound unless told not to.
    play_audio: Annotated[
        bool, Meta(description="whether its sound plays (default true: a video plays its sound unless told not to)")
    ] = True


COMPONENT = ComponentDefinition(
    name="Video",
    description="A video player for the file at `url`. It starts on its own when `autoplay` is true, loops when "
    "`repeat` is true, and keeps the worker from submitting until it has played to the end when `mustWatch` is "
    "true (all default false). It plays its sound unless `playAudio` is false (default true).",
    attributes=VideoAttributes,
    example={"url": "https://example.com/crossing.mp4", "autoplay": True, "playAudio": False},
    shows=lambda attrs: (attrs.url,),
    bad_examples=(
        BadExample("attributes", "schema", {"mustWatch": True}, "url"),
        BadExample("attributes", "schema", {"url": "example.com/crossing.mp4"}, "url"),
        BadExample("attributes", "schema", {"url": "https://example.com/a.mp4", "playAudio": "no"}, "playAudio"),
        BadExample("attributes", "schema", {"url": "https://example.com/a.mp4", "muted": True}, "muted"),
    ),
)
