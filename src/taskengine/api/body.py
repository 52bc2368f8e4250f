"""Reading a JSON request body with the guards every endpoint needs."""

from __future__ import annotations

from typing import Any

from litestar import Request

from taskengine.engine import JsonInputError, parse_json
from taskengine.errors import DomainError, ErrorCode
from taskengine.settings import Settings

_JSON_TYPES = ("application/json", "application/hal+json", "text/json")


async def read_json(request: Request[Any, Any, Any]) -> Any:
    """The body decoded as plain JSON values; a clear 4xx for anything else."""
    settings: Settings = request.app.state.settings
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if content_type not in _JSON_TYPES and not content_type.endswith("+json"):
        raise DomainError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, f"send the body as application/json, not {content_type!r}")
    body = await request.body()
    if not body.strip():
        raise DomainError(ErrorCode.INVALID_JSON, "the request body is empty; send a JSON object")
    try:
        return parse_json(body, max_depth=settings.max_json_depth)
    except JsonInputError as exc:
        raise DomainError(ErrorCode.INVALID_JSON, str(exc)) from None
