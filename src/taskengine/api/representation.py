"""JSON or HAL: list envelopes, `_links`, and the media type the client asked for."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import msgspec
from litestar import Response

from taskengine.api.context import AnyRequest
from taskengine.domain.campaigns import state_actions
from taskengine.domain.listing import Page

HAL = "application/hal+json"
JSON = "application/json"

T = TypeVar("T")


class Link(msgspec.Struct):
    href: str


class Listed(msgspec.Struct, kw_only=True):
    """The base of every list envelope: its paging links (self, and next / previous where there are more)."""

    links: dict[str, Link] = msgspec.field(name="_links")


def wants_hal(request: AnyRequest) -> bool:
    return HAL in request.headers.get("accept", "")


def _link(href: str) -> dict[str, str]:
    return {"href": href}


def href(path: str, params: Iterable[tuple[str, str]] = ()) -> str:
    """A link to `path` (decoded, as routing sees it) with `params`, every part percent-encoded.

    Links are built from what the client sent (its path, its query), so they are encoded here rather than
    copied: a client reading `_links` gets a well-formed URL whatever was in its request.
    """
    query = urlencode(list(params))
    encoded = quote(path, safe="/")
    return f"{encoded}?{query}" if query else encoded


def self_link(request: AnyRequest, *, keep_query: bool = False) -> dict[str, str]:
    """`{"href": ...}` to the request's own path (and its query parameters when `keep_query`), encoded."""
    params = request.query_params.multi_items() if keep_query else ()
    return _link(href(request.url.path, params))


def task_links(task_id: int, archived: bool) -> dict[str, Any]:
    base = f"/tasks/{task_id}"
    return {
        "self": _link(base),
        "copy": _link(f"{base}/copy"),
        _archive(archived): _link(f"{base}/{_archive(archived)}"),
    }


def job_links(job_id: int, archived: bool) -> dict[str, Any]:
    base = f"/jobs/{job_id}"
    return {
        "self": _link(base),
        "tasks": _link(f"{base}/tasks"),
        "copy": _link(f"{base}/copy"),
        _archive(archived): _link(f"{base}/{_archive(archived)}"),
    }


def campaign_links(campaign_id: int, archived: bool, state: str) -> dict[str, Any]:
    base = f"/campaigns/{campaign_id}"
    links = {
        "self": _link(base),
        "jobs": _link(f"{base}/jobs"),
        "copy": _link(f"{base}/copy"),
        _archive(archived): _link(f"{base}/{_archive(archived)}"),
    }
    links.update({action: _link(f"{base}/{action}") for action in state_actions(state)})
    return links


def result_links(result_id: int, state: str) -> dict[str, Any]:
    """A result's own link, and its review actions while it is in review."""
    base = f"/results/{result_id}"
    links = {"self": _link(base)}
    if state == "InReview":
        links.update({action: _link(f"{base}/{action}") for action in ("approve", "reject", "soft-reject")})
    return links


def worker_links(campaign_id: int, worker_id: int) -> dict[str, Any]:
    """A worker of a campaign: their results there, and approving all of them."""
    base = f"/campaigns/{campaign_id}/workers/{worker_id}"
    return {"self": _link(f"{base}/results"), "approve-all": _link(f"{base}/approve-all")}


def _archive(archived: bool) -> str:
    return "unarchive" if archived else "archive"


def with_links(request: AnyRequest, item: T, links: dict[str, Any]) -> T:
    """`item` with `_links` set when the client asked for HAL."""
    if wants_hal(request):
        item.links = links  # type: ignore[attr-defined]  # every view Struct has `links` (`_links`)
    return item


def page_links(request: AnyRequest, page: Page) -> dict[str, Any]:
    """self, next and previous links of a page, keeping the request's other parameters."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("after", "before")]
    path = request.url.path
    links: dict[str, Any] = {"self": self_link(request, keep_query=True)}
    if page.next:
        links["next"] = _link(href(path, [*params, ("after", page.next)]))
    if page.previous:
        links["previous"] = _link(href(path, [*params, ("before", page.previous)]))
    return links


def respond(request: AnyRequest, content: T, status_code: int = 200) -> Response[T]:
    return Response(content, status_code=status_code, media_type=HAL if wants_hal(request) else JSON)


def link_map(links: dict[str, Any]) -> dict[str, Link]:
    """`{"self": {"href": ...}}` as typed links."""
    return {name: Link(value["href"]) for name, value in links.items()}


def paged(request: AnyRequest, page: Page) -> dict[str, Link]:
    """The typed `_links` of a list envelope."""
    return link_map(page_links(request, page))
