"""The objects a path's ids name, looked up as the caller: an absent or unowned one answers 404 before what a body
says is judged.

A handler looks its object up before it uses the body, so a stranger's id answers 404 whatever the body says.
Bodies are now converted before the handler runs (api/body.py); when one fails, `check_named` runs the same lookups
first, so the answer (and its wording) is still the 404 the handler would have given. The table is keyed
by principal and path parameter name; `unnamed` lists body routes whose ids it misses, and the app refuses to
start with any (a route added later cannot silently answer 422 to a stranger).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any

from litestar.routes import HTTPRoute
from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine.api.path_ids import id_positions
from taskengine.domain import authoring, campaigns, review, workers

Lookup = Callable[[AsyncSession, int, int], Awaitable[object]]
"""(session, the caller's id, the object's id) → the object; DomainError NOT_FOUND if the caller cannot see it."""


async def _worker(session: AsyncSession, _: int, worker_id: int) -> None:
    await review.known_worker(session, worker_id)  # worker ids are not secret: any requester may name one


LOOKUPS: dict[tuple[str, str], Lookup] = {
    ("requester", "task_id"): authoring.get_task,
    ("requester", "job_id"): authoring.get_job,
    ("requester", "campaign_id"): campaigns.get_campaign,
    ("requester", "group_id"): workers.get_group,
    ("requester", "result_id"): review.get_result,
    ("requester", "worker_id"): _worker,
    ("worker", "assignment_id"): workers.get_assignment,
}


async def check_named(session: AsyncSession, principal: str, caller_id: int, path_params: Mapping[str, Any]) -> None:
    """404 (the lookup's own) if an id in the path names nothing `caller_id` can see; otherwise nothing."""
    for name, value in path_params.items():
        lookup = LOOKUPS.get((principal, name))
        if lookup is not None and isinstance(value, int):
            await lookup(session, caller_id, value)


def unnamed(routes: list[Any], principal_of: Callable[[Any], str | None]) -> Iterator[str]:
    """'METHOD /path {param}' for each id of a route that reads a body as `principal_of` says, with no lookup."""
    for route in routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            principal = principal_of(handler)
            if principal is None:
                continue
            for _, name in id_positions(route.path):
                if (principal, name) not in LOOKUPS:
                    yield f"{'/'.join(sorted(handler.http_methods))} {route.path} {{{name}}}"
