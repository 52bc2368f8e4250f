"""The one gate every request's decoded inputs pass, after routing and before guards and handlers.

JSON bodies are guarded where they are parsed (`engine.parse_json`: NUL, integers beyond 64 bits, depth); this
gate does the same for what arrives around the body, so no handler, service or database ever meets:

- a header value with NUL: PostgreSQL cannot store it (an Idempotency-Key is stored) → 400 naming the header;
- X-Auth-Token or Authorization more than once, or one with a comma (how proxies and clients join repeated
  headers; a token has none): which one would count is a guess → 400 saying so;
- a query parameter that is not UTF-8 once percent-decoded (Litestar would put U+FFFD in its place) or holds
  NUL → 400 INVALID_PARAMETER naming the parameter;
- NUL in the path (the file system refuses it under /media) → 404;
- an id in the path that is not plain decimal digits, or that no row can have (0, 2^31 and up) → 400 (see
  `path_ids`).
"""

from __future__ import annotations

from typing import Any, NamedTuple
from urllib.parse import unquote_to_bytes

from litestar.enums import ScopeType
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, HTTPResponseStartEvent, HTTPScope, Receive, Scope, Send

from taskengine.api.path_ids import check_ids_at, id_positions
from taskengine.engine import Problem
from taskengine.errors import DomainError, ErrorCode

_TOKEN_HEADERS = ((b"x-auth-token", "X-Auth-Token"), (b"authorization", "Authorization"))


def check_headers(headers: list[tuple[bytes, bytes]]) -> None:
    if not headers:
        return
    # Whole-list operations rather than a loop per header: this runs on every request, the polled ones included.
    names, values = zip(*headers, strict=True)
    if b"\x00" in b"\n".join(values):
        header = next(name for name, value in headers if b"\x00" in value).decode("latin-1")
        raise DomainError(
            ErrorCode.BAD_REQUEST,
            f"the {header} header must not contain the NUL character",
            [Problem(header, "must not contain the NUL character", "no-nul")],
        )
    for token_header, label in _TOKEN_HEADERS:
        tokens = names.count(token_header)
        if tokens > 1 or (tokens == 1 and b"," in values[names.index(token_header)]):
            sent = sum(1 + value.count(b",") for name, value in headers if name == token_header)
            raise DomainError(
                ErrorCode.BAD_REQUEST,
                f"send one {label} header with one token; this request has {sent}",
                [Problem(label, "must be sent once", "once")],
            )


def _decoded(raw: bytes, name: str | None) -> str:
    """A query key or value as text: percent-decoded, '+' as space, strictly UTF-8 and without NUL."""
    try:
        text = unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        text = None
    label = name if name is not None else raw.decode("latin-1")[:40]
    if text is None or "\x00" in text:
        what = "UTF-8 text once percent-decoded" if text is None else "free of the NUL character (%00)"
        part = "its name" if name is None else "its value"
        raise DomainError(
            ErrorCode.INVALID_PARAMETER,
            f"{label}: {part} must be {what}",
            [Problem(label, f"{part} must be {what}", "utf-8" if text is None else "no-nul")],
        )
    return text


def check_query(query: bytes) -> None:
    if query.isascii() and b"%" not in query and b"\x00" not in query:
        return  # nothing to decode, nothing to refuse: the common case costs three scans of a short string
    for part in query.split(b"&"):
        if part:
            key, _, value = part.partition(b"=")
            _decoded(value, _decoded(key, None))


class _Route(NamedTuple):
    ids: tuple[tuple[int, str], ...]
    """Where the path's ids are, from its template with types ("/tasks/{task_id:int}"): the scope has only names."""
    allow: bytes | None
    """Every method the path has, for OPTIONS."""


def _route(app: Any, path_format: str) -> _Route:
    for route in app.routes:
        if isinstance(route, HTTPRoute) and route.path_format == path_format:
            return _Route(id_positions(route.path), ", ".join(sorted(route.methods)).encode())
    return _Route((), None)


class InputGuard:
    """ASGI middleware over every route: refuses the inputs above before guards (so also before any token check),
    and answers OPTIONS.

    Litestar's own OPTIONS answer lists the methods of whichever handler of a path was registered first
    (`/tasks/{id}` said "DELETE, OPTIONS"); this one lists them all, from the app's final route table.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._routes: dict[str, _Route] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        await self._guarded(scope, receive, send)

    async def _guarded(self, scope: HTTPScope, receive: Receive, send: Send) -> None:
        check_headers(scope["headers"])  # type: ignore[arg-type]
        query = scope.get("query_string", b"")
        if query:
            check_query(query)
        path = scope["path"]
        if "\x00" in path:
            raise DomainError(ErrorCode.NOT_FOUND, "no resource at this path")
        path_format: str = scope["path_template"]
        route = self._routes.get(path_format)
        if route is None:
            route = self._routes[path_format] = _route(scope["app"], path_format)
        if route.ids:
            check_ids_at(route.ids, path)
        if scope["method"] == "OPTIONS" and route.allow is not None:
            start: HTTPResponseStartEvent = {
                "type": "http.response.start",
                "status": 204,
                "headers": [(b"allow", route.allow)],
            }
            await send(start)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await self.app(scope, receive, send)
