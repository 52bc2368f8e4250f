"""VideoRecording: the worker records a video with the device's camera."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta

from taskengine.engine import (
    MP4_BYTES_PER_SECOND,
    Attributes,
    BadExample,
    ComponentDefinition,
    MediaUrl,
    Result,
    Rule,
    Seconds,
    below,
    media_url_rule,
)

MAX_VIDEO_SECONDS = 600.0

VideoSeconds = Annotated[float, Meta(gt=0, le=MAX_VIDEO_SECONDS)]
"""A positive duration in seconds, at most ten minutes: longer videos are too large to upload from a phone."""

Orientation = Literal["any", "portrait", "landscape"]


class VideoRecordingAttributes(Attributes, frozen=True):
    max_duration_in_seconds: Annotated[
        VideoSeconds, Meta(description="longest video accepted, in seconds (at most 600)")
    ]
    orientation: Annotated[
        Orientation, Meta(description="how the worker must hold the device while recording (default any)")
    ] = "any"
    min_duration_in_seconds: Annotated[Seconds, Meta(description="shortest video accepted, in seconds (default 1)")] = 1


class VideoRecordingResult(Result, frozen=True):
    url: Annotated[MediaUrl, Meta(description="url of the video, an .mp4 file")]


COMPONENT = ComponentDefinition(
    name="VideoRecording",
    description="The worker records a video with the device's camera, held in `orientation` any (default), portrait "
    "or landscape, between `minDurationInSeconds` (default 1) and `maxDurationInSeconds` (required, at most 600) "
    "long. The result is the url of the video, an .mp4 file.",
    attributes=VideoRecordingAttributes,
    result=VideoRecordingResult,
    example={"orientation": "landscape", "minDurationInSeconds": 10, "maxDurationInSeconds": 120},
    example_result={"url": "https://media.example.com/videos/a91e.mp4"},
    attribute_rules=(
        Rule(
            "min-duration-below-max",
            below("min_duration_in_seconds", "max_duration_in_seconds", "min-duration-below-max"),
        ),
    ),
    result_rules=(Rule("url-is-mp4", media_url_rule(".mp4")),),
    upload_bytes=lambda attrs: round(attrs.max_duration_in_seconds * MP4_BYTES_PER_SECOND),
    bad_examples=(
        BadExample("attributes", "schema", {"orientation": "portrait"}, "maxDurationInSeconds"),
        BadExample("attributes", "schema", {"maxDurationInSeconds": 601}, "maxDurationInSeconds"),
        BadExample("attributes", "schema", {"maxDurationInSeconds": 60, "orientation": "square"}, "orientation"),
        BadExample("attributes", "min-duration-below-max", {"maxDurationInSeconds": 1}, "maxDurationInSeconds"),
        BadExample(
            "attributes",
            "min-duration-below-max",
            {"minDurationInSeconds": 90, "maxDurationInSeconds": 60},
            "maxDurationInSeconds",
        ),
        BadExample("result", "url-is-mp4", {"url": "https://media.example.com/videos/a91e.mov"}, "url"),
        BadExample("result", "url-is-mp4", {"url": "https://media.example.com/get?file=a91e.mp4"}, "url"),
        BadExample("result", "url-is-mp4", {"url": "a91e.mp4"}, "url"),
    ),
)
