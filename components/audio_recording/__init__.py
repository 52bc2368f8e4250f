"""AudioRecording: the worker records audio with the device's microphone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from msgspec import Meta

from taskengine.engine import (
    Attributes,
    BadExample,
    ComponentDefinition,
    MediaUrl,
    Problem,
    Result,
    Rule,
    Seconds,
    media_url_rule,
)


class AudioRecordingAttributes(Attributes):
    max_duration_in_seconds: Annotated[Seconds, Meta(description="longest recording accepted, in seconds")]
    min_duration_in_seconds: Annotated[
        Seconds, Meta(description="shortest recording accepted, in seconds (default 1)")
    ] = 1


class AudioRecordingResult(Result):
    url: Annotated[MediaUrl, Meta(description="url of the recording, an .aac file")]


def _durations(attrs: AudioRecordingAttributes) -> Iterator[Problem]:
    if attrs.min_duration_in_seconds >= attrs.max_duration_in_seconds:
        yield Problem(
            "maxDurationInSeconds", f"must be greater than minDurationInSeconds ({attrs.min_duration_in_seconds:g})"
        )


COMPONENT = ComponentDefinition(
    name="AudioRecording",
    description="The worker records audio with the device's microphone, between `minDurationInSeconds` (default 1) "
    "and `maxDurationInSeconds` (required) long. The result is the url of the recording, an .aac file.",
    attributes=AudioRecordingAttributes,
    result=AudioRecordingResult,
    example={"minDurationInSeconds": 5, "maxDurationInSeconds": 60},
    example_result={"url": "https://media.example.com/recordings/7f3a.aac"},
    attribute_rules=(Rule("min-duration-below-max", _durations),),
    result_rules=(Rule("url-is-aac", media_url_rule(".aac")),),
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
