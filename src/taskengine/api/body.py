"""Reading a JSON request body with the guards every endpoint needs."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar import Request

from taskengine.engine import JsonInputError, parse_json
from taskengine.errors import DomainError, ErrorCode
from taskengine.settings import Settings

_JSON_TYPES = ("application/json", "application/hal+json", "text/json")
_UTF8 = ("utf-8", "utf8", "us-ascii")  # JSON is UTF-8 (RFC 8259); ASCII is a subset of it

PARSE_IN_THREAD_ABOVE = 64 * 1024
"""Bodies larger than this are parsed in a worker thread: a megabyte of small numbers takes about 0.1 s to decode
and check, time the event loop should spend answering others. Below it the thread hop would cost more than it saves."""


def _content_type_problem(header: str) -> str | None:
    """Why a Content-Type header does not announce JSON, or None if it does."""
    media_type, *parameters = (part.strip().lower() for part in header.split(";"))
    if media_type not in _JSON_TYPES and not media_type.endswith("+json"):
        return f"send the body as application/json, not {media_type[:100]!r}"
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip() == "charset" and value.strip().strip('"') not in _UTF8:
            return f"JSON bodies are UTF-8; send charset=utf-8 or no charset, not {value.strip()[:40]!r}"
    return None


async def read_json(request: Request[Any, Any, Any]) -> Any:
    """The body decoded as plain JSON values; a clear 4xx for anything else.

    A body needs a JSON Content-Type: a missing header is refused like a wrong one (415), since guessing would
    accept what a browser form or a misconfigured client sent by mistake. An empty body is refused as empty (400),
    with or without the header.
    """
    settings: Settings = request.app.state.settings
    header = request.headers.get("content-type")
    if header is not None and (problem := _content_type_problem(header)):
        raise DomainError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, problem)
    body = await request.body()
    if not body.strip():
        raise DomainError(ErrorCode.INVALID_JSON, "the request body is empty; send a JSON object")
    if header is None:
        raise DomainError(
            ErrorCode.UNSUPPORTED_MEDIA_TYPE, "the body has no Content-Type; send it as Content-Type: application/json"
        )
    try:
        if len(body) > PARSE_IN_THREAD_ABOVE:
            return await anyio.to_thread.run_sync(lambda: parse_json(body, max_depth=settings.max_json_depth))
        return parse_json(body, max_depth=settings.max_json_depth)
    except JsonInputError as exc:
        raise DomainError(ErrorCode.INVALID_JSON, str(exc)) from None
