"""What handlers get from the app: the database, settings, media sizes, and who is calling."""

from __future__ import annotations

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
from taskengine.engine import UrlPolicy
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


async def requires_token(connection: Any, _: Any) -> None:  # async: Litestar runs a sync guard in a thread
    """Guard: a request without a token is refused before its body is read (checked fully in `as_requester`).

    OPTIONS passes: it only tells which methods a path has, and a client asks it before it has any token.
    """
    if connection.scope.get("method") == "OPTIONS":
        return
    if not connection.headers.get("x-auth-token"):
        raise DomainError(ErrorCode.UNAUTHORIZED, "send your auth token in the X-Auth-Token header")


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
        yield session, await resolve_token(session, principal, request.headers.get("x-auth-token"))


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


def provide_list_query(
    order: Annotated[
        list[OrderKey] | None,
        Parameter(description="id, name, createdAt or lastModifiedAt; prefix '-' for descending", max_items=4),
    ] = None,
    limit: Annotated[int, Parameter(ge=1, le=100, description="page size, 1 to 100")] = 10,
    search: Annotated[
        str, Parameter(max_length=200, pattern=NO_NUL, description="full words that must all appear")
    ] = "",
    after: Annotated[
        str | None, Parameter(max_length=500, pattern=NO_NUL, description="cursor from _links.next")
    ] = None,
    before: Annotated[
        str | None, Parameter(max_length=500, pattern=NO_NUL, description="cursor from _links.previous")
    ] = None,
    archived: Annotated[bool, Parameter(description="include archived objects")] = False,
) -> ListQuery:
    return ListQuery(
        order=tuple(order or ("id",)), limit=limit, search=search, after=after, before=before, archived=archived
    )
