"""Field types shared by component definitions, so every bound is stated once."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from taskengine.engine._problems import describe_pattern
from taskengine.engine._urls import URL_MARK

MAX_URL_LENGTH = 2048
MAX_LABEL_LENGTH = 200
MAX_TEXT_LENGTH = 10_000
MAX_DURATION_SECONDS = 3600.0

# Upload estimates: what the app records, so a worker on a metered connection knows what a job costs.
AAC_BYTES_PER_SECOND = 16_000
"""AAC audio at 128 kbit/s."""
MP4_BYTES_PER_SECOND = 312_500
"""H.264 video at 720p and 2.5 Mbit/s, with AAC sound."""
DRAWING_BYTES = 500_000
"""A PNG drawing of 1080 x 1920 pixels, mostly transparent."""

NOT_BLANK = describe_pattern(r"\S", "must not be blank")
"""A required text must say something: spaces alone are as empty as nothing."""

_HTTP_URL = describe_pattern(r"^https?://[^\s/?#]+[^\s]*$", "must be an http:// or https:// URL without spaces")

HttpUrl = Annotated[
    str,
    Meta(
        pattern=_HTTP_URL,
        max_length=MAX_URL_LENGTH,
        description="an http:// or https:// URL",
        examples=["https://example.com/picture.jpg"],
        extra={URL_MARK: True},
    ),
]
"""An absolute http(s) URL; other schemes (javascript:, data:, file:) are refused.

Its mark in `extra` makes the engine apply the task's URL policy (no internal hosts, no credentials) to the field.
"""

MediaUrl = Annotated[
    str,
    Meta(min_length=1, max_length=MAX_URL_LENGTH, description="an http:// or https:// URL of the uploaded file"),
]
"""A result's media URL. Its form is checked by `media_url_problems`, which is cheaper than a regex per answer."""

Label = Annotated[str, Meta(min_length=1, max_length=MAX_LABEL_LENGTH, pattern=NOT_BLANK)]
"""A short non-blank text shown on a button, option or toggle."""

Name = Annotated[str, Meta(min_length=1, max_length=MAX_LABEL_LENGTH, pattern=NOT_BLANK)]
"""The name of a task, job, campaign or worker group: required, and not blank."""

OptionalText = Annotated[str, Meta(max_length=MAX_LABEL_LENGTH)]
"""A short text that may be empty (a hint, an explanation)."""

LongText = Annotated[str, Meta(min_length=1, max_length=MAX_TEXT_LENGTH, pattern=NOT_BLANK)]
"""A non-empty paragraph of text."""

OptionalLongText = Annotated[str, Meta(max_length=MAX_TEXT_LENGTH)]
"""A paragraph of text that may be empty (a description, terms, a message)."""

CustomProperties = Annotated[
    dict[Annotated[str, Meta(min_length=1, max_length=100)], Annotated[str, Meta(max_length=1000)]],
    Meta(max_length=50, description="custom key/value pairs kept with the object"),
]
"""A requester's own key/value pairs on a task, job or campaign."""

Identifier = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=64,
        pattern=describe_pattern(r"^[A-Za-z0-9_.-]+$", "may only contain letters, digits, '_', '.' and '-'"),
    ),
]
"""A requester-chosen id: letters, digits, '_', '.', '-'."""

Seconds = Annotated[float, Meta(gt=0, le=MAX_DURATION_SECONDS)]
"""A positive duration in seconds, at most one hour."""

Count = Annotated[int, Meta(ge=0, le=1000)]
"""A small non-negative count."""
