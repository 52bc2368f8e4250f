"""AudioRecording: the worker records audio with the device's microphone."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from taskengine.engine import (
    AAC_BYTES_PER_SECOND,
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


class AudioRecordingAttributes(Attributes, frozen=True):
    max_duration_in_seconds: Annotated[Seconds, Meta(description="longest recording accepted, in seconds")]
    min_duration_in_seconds: Annotated[
        Seconds, Meta(description="shortest recording accepted, in seconds (default 1)")
    ] = 1


class AudioRecordingResult(Result, frozen=True):
    url: Annotated[MediaUrl, Meta(description="url of the recording, an .aac file")]


COMPONENT = ComponentDefinition(
    name="AudioRecording",
    description="The worker records audio with the device's microphone, between `minDurationInSeconds` (default 1) "
    "and `maxDurationInSeconds` (required) long. The result is the url of the recording, an .aac file.",
    attributes=AudioRecordingAttributes,
    result=AudioRecordingResult,
    example={"minDurationInSeconds": 5, "maxDurationInSeconds": 60},
    example_result={"url": "https://media.example.com/recordings/7f3a.aac"},
    attribute_rules=(
        Rule(
            "min-duration-below-max",
            below("min_duration_in_seconds", "max_duration_in_seconds", "min-duration-below-max"),
        ),
    ),
    result_rules=(Rule("url-is-aac", media_url_rule(".aac")),),
    upload_bytes=lambda attrs: round(attrs.max_duration_in_seconds * AAC_BYTES_PER_SECOND),
    bad_examples=(
        BadExample("attributes", "schema", {"minDurationInSeconds": 5}, "maxDurationInSeconds"),
        BadExample("attributes", "schema", {"maxDurationInSeconds": 4000}, "maxDurationInSeconds"),
        BadExample("attributes", "schema", {"maxDurationInSeconds": 60, "format": "mp3"}, "format"),
        BadExample("attributes", "min-duration-below-max", {"maxDurationInSeconds": 0.5}, "maxDurationInSeconds"),
        BadExample(
            "attributes",
            "min-duration-below-max",
            {"minDurationInSeconds": 30, "maxDurationInSeconds": 30},
            "maxDurationInSeconds",
        ),
        BadExample("result", "url-is-aac", {"url": "https://media.example.com/recordings/7f3a.mp3"}, "url"),
        BadExample("result", "url-is-aac", {"url": "https://media.example.com/get?file=7f3a.aac"}, "url"),
        BadExample("result", "url-is-aac", {"url": "file:///sdcard/7f3a.aac"}, "url"),
    ),
)
