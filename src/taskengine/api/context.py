"""What handlers get from the app: the database, settings, media sizes, and who is calling."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from litestar import Request
from litestar.params import Parameter
from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine import catalogue
from taskengine.db import Database
from taskengine.domain.accounts import resolve_token
from taskengine.domain.authoring import MediaSizes
from taskengine.domain.listing import ListQuery
from taskengine.domain.scheduler import owner_work_due, settle_owner
from taskengine.engine import Problem, UrlPolicy
from taskengine.errors import DomainError, ErrorCode
from taskengine.settings import Settings

AnyRequest = Request[Any, Any, Any]


def database(request: AnyRequest) -> Database:
    return request.app.state.db  # type: ignore[no-any-return]


def settings(request: AnyRequest) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def media_sizes(request: AnyRequest) -> MediaSizes:
    return request.app.state.media_sizes  # type: ignore[no-any-return]


def url_policy(request: AnyRequest) -> UrlPolicy:
    """Which hosts the media URLs of a task sent to this service may name."""
    return catalogue.url_policy(settings(request))


@asynccontextmanager
async def transaction(request: AnyRequest, *, write: bool = True) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: committed when the handler's block ends, rolled back if it raises."""
    async with database(request).transaction(write=write) as session:
        yield session


TOKEN_SECURITY: list[dict[str, list[str]]] = [{"authToken": []}, {"bearerToken": []}]
"""OpenAPI security of routes that take a token: either header (schemes declared in app.py)."""

_BEARER = re.compile(r"^Bearer +([A-Za-z0-9._~+/=-]+) *$", re.IGNORECASE)


def sent_token(headers: Any) -> str | None:
    """The auth token of a request: `X-Auth-Token` (SWARMS) or `Authorization: Bearer` (RFC 6750), or None.

    Both may be sent if they agree; two different tokens are a mistake to be told about (400), never a guess.
    """
    token = headers.get("x-auth-token") or None
    authorization = headers.get("authorization")
    if authorization is None:
        return token
    bearer = _BEARER.match(authorization)
    if bearer is None:
        raise DomainError(
            ErrorCode.UNAUTHORIZED,
            "the Authorization header must be 'Bearer <token>' with the token from /auth/token/request",
            [Problem("Authorization", "must be 'Bearer <token>'", "bearer")],
        )
    if token is not None and token != bearer[1]:
        raise DomainError(
            ErrorCode.BAD_REQUEST,
            "X-Auth-Token and Authorization carry different tokens; send one of them",
            [Problem("Authorization", "must carry the same token as X-Auth-Token, or be left out", "same-token")],
        )
    return bearer[1]


async def requires_token(connection: Any, _: Any) -> None:  # async: Litestar runs a sync guard in a thread
    """Guard: a request without a token is refused before its body is read (checked fully in `as_requester`).

    OPTIONS passes: it only tells which methods a path has, and a client asks it before it has any token.
    """
    if connection.scope.get("method") == "OPTIONS":
        return
    if not sent_token(connection.headers):
        raise DomainError(
            ErrorCode.UNAUTHORIZED, "send your auth token in the X-Auth-Token header (or Authorization: Bearer)"
        )


@asynccontextmanager
async def as_principal(
    request: AnyRequest, principal: str, *, write: bool = True
) -> AsyncIterator[tuple[AsyncSession, int]]:
    """The request's unit of work and the id of the `principal` holding its X-Auth-Token (401 or 403 otherwise).

    One transaction for both: the token check costs no extra round trip. The body is received first, so a
    slow client never holds the database, and read (with `read_json`) only once the token is known good.
    """
    if request.method in ("POST", "PUT", "PATCH"):
        await request.body()
    async with database(request).transaction(write=write) as session:
        yield session, await resolve_token(session, principal, sent_token(request.headers))


async def settle_due_work(request: AnyRequest) -> None:
    """Before a requester reads campaigns or balances: their due work (dates, expiry, auto-approval) runs in
    transactions of its own (domain/scheduler.py), so the read's own unit of work writes nothing. With
    nothing due, only reads happen."""
    db = database(request)
    async with db.transaction(write=False) as session:
        requester_id = await resolve_token(session, "requester", sent_token(request.headers))
        due = await owner_work_due(session, requester_id)
    if due:
        await settle_owner(db, requester_id)


def as_requester(request: AnyRequest, *, write: bool = True) -> Any:
    """`as_principal` for requester routes."""
    return as_principal(request, "requester", write=write)


def as_worker(request: AnyRequest, *, write: bool = True) -> Any:
    """`as_principal` for worker routes."""
    return as_principal(request, "worker", write=write)


NO_NUL = r"^[^\x00]*$"
"""The pattern of free-text query parameters: any text but NUL, which every query value is refused for (api/inputs)."""

OrderKey = Literal["id", "-id", "name", "-name", "createdAt", "-createdAt", "lastModifiedAt", "-lastModifiedAt"]
"""The keys a list may be ordered by (domain.listing.ORDER_FIELDS, each either way), as an enum in the document."""


Limit = Annotated[int, Parameter(ge=1, le=100, description="page size, 1 to 100")]
After = Annotated[str | None, Parameter(max_length=500, pattern=NO_NUL, description="cursor from _links.next")]
Before = Annotated[str | None, Parameter(max_length=500, pattern=NO_NUL, description="cursor from _links.previous")]


def provide_window(limit: Limit = 10, after: After = None, before: Before = None) -> ListQuery:
    """The paging of a list in a fixed order (results, workers): page size and cursors, nothing else."""
    return ListQuery(limit=limit, after=after, before=before)


def provide_list_query(
    order: Annotated[
        list[OrderKey] | None,
        Parameter(description="id, name, createdAt or lastModifiedAt; prefix '-' for descending", max_items=4),
    ] = None,
    limit: Limit = 10,
    search: Annotated[
        str, Parameter(max_length=200, pattern=NO_NUL, description="full words that must all appear")
    ] = "",
    after: After = None,
    before: Before = None,
    archived: Annotated[bool, Parameter(description="include archived objects")] = False,
) -> ListQuery:
    return ListQuery(
        order=tuple(order or ("id",)), limit=limit, search=search, after=after, before=before, archived=archived
    )
