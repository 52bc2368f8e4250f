"""Headers on every response: X-Request-ID (echoed when the client sent a sane one) and X-API-Version."""

from __future__ import annotations

import re
import uuid

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from taskengine import API_VERSION

_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def request_id(scope: Scope) -> str:
    """The request's id: the client's X-Request-ID if well-formed, otherwise a new one (kept in the scope)."""
    state = scope.setdefault("state", {})  # type: ignore[typeddict-item]
    rid = state.get("request_id")
    if rid is None:
        sent = next((v for k, v in scope.get("headers", ()) if k == b"x-request-id"), b"").decode("latin-1")
        rid = sent if _SANE_ID.match(sent) else uuid.uuid4().hex
        state["request_id"] = rid
    return str(rid)


async def add_standard_headers(message: Message, scope: Scope) -> None:
    if message["type"] == "http.response.start":
        headers = MutableScopeHeaders.from_message(message)
        headers["X-Request-ID"] = request_id(scope)
        headers["X-API-Version"] = API_VERSION
