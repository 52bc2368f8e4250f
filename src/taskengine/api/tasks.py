"""Routes for tasks (SWARMS "Task")."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, delete, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody

from taskengine.api.body import json_body
from taskengine.api.context import (
    TOKEN_SECURITY,
    AnyRequest,
    as_requester,
    media_sizes,
    provide_list_query,
    requires_token,
    url_policy,
)
from taskengine.api.docs import BODY, errors
from taskengine.api.idempotency import IdempotencyKey, create_once
from taskengine.api.lists import TaskList
from taskengine.api.path_ids import PathId
from taskengine.api.representation import paged, respond, task_links, with_links
from taskengine.db.models import Task
from taskengine.domain import authoring
from taskengine.domain.listing import ListQuery
from taskengine.engine import default_engine
from taskengine.errors import ErrorCode

# The engine checks a definition component by component (42201 with every problem); the document shows the
# task schema it derives from the catalogue, so a generated client can build any task.
TASK_BODY = json_body(
    default_engine().task_type, None, code=ErrorCode.INVALID_TASK, description="the task definition is invalid"
)


def task_view(request: AnyRequest, task: Task) -> authoring.TaskOut:
    """A task row as the client sees it (with `_links` for HAL)."""
    assert task.id is not None
    return with_links(request, authoring.task_out(task), task_links(task.id, task.archived))


class TaskController(Controller):
    path = "/tasks"
    tags = ["tasks"]
    dependencies = {"listing": Provide(provide_list_query, sync_to_thread=False)}
    guards = [requires_token]
    security = TOKEN_SECURITY

    @get("/", summary="List your tasks", **errors(401))
    async def list_tasks(self, request: AnyRequest, listing: NamedDependency[ListQuery]) -> Response[TaskList]:
        async with as_requester(request, write=False) as (session, requester_id):
            page = await authoring.list_tasks(session, requester_id, listing)
        return respond(request, TaskList(links=paged(request, page), tasks=[task_view(request, t) for t in page.rows]))

    @post(
        "/", summary="Create a task; 422 lists every problem of its definition", **TASK_BODY, **errors(401, 409, *BODY)
    )
    async def create_task(
        self, request: AnyRequest, data: JSONBody[Any], idempotency_key: IdempotencyKey = None
    ) -> Response[authoring.TaskOut]:
        async def create(session: Any, requester_id: int) -> authoring.TaskOut:
            task = await authoring.create_task(
                session, requester_id, data, media_sizes(request), urls=url_policy(request)
            )
            return task_view(request, task)

        return await create_once(request, create, idempotency_key)

    @get("/{task_id:int}", summary="One task", **errors(401, 404))
    async def get_task(self, request: AnyRequest, task_id: PathId) -> Response[authoring.TaskOut]:
        async with as_requester(request, write=False) as (session, requester_id):
            return respond(request, task_view(request, await authoring.get_task(session, requester_id, task_id)))

    @put(
        "/{task_id:int}",
        summary="Replace a task's definition (409 once published)",
        **TASK_BODY,
        **errors(401, 404, 409, *BODY),
    )
    async def update_task(
        self, request: AnyRequest, task_id: PathId, data: JSONBody[Any]
    ) -> Response[authoring.TaskOut]:
        async with as_requester(request) as (session, requester_id):
            task = await authoring.update_task(
                session, requester_id, task_id, data, media_sizes(request), urls=url_policy(request)
            )
            return respond(request, task_view(request, task))

    @delete("/{task_id:int}", summary="Delete an unpublished task that no job uses", **errors(401, 404, 409))
    async def delete_task(self, request: AnyRequest, task_id: PathId) -> None:
        async with as_requester(request) as (session, requester_id):
            await authoring.delete_task(session, requester_id, task_id)

    @post("/{task_id:int}/copy", summary="Copy a task", **errors(401, 404, 409))
    async def copy_task(
        self, request: AnyRequest, task_id: PathId, idempotency_key: IdempotencyKey = None
    ) -> Response[authoring.TaskOut]:
        async def create(session: Any, requester_id: int) -> authoring.TaskOut:
            return task_view(request, await authoring.copy_task(session, requester_id, task_id))

        return await create_once(request, create, idempotency_key)

    @post("/{task_id:int}/archive", status_code=200, summary="Archive a task", **errors(401, 404))
    async def archive_task(self, request: AnyRequest, task_id: PathId) -> Response[authoring.TaskOut]:
        async with as_requester(request) as (session, requester_id):
            return respond(
                request, task_view(request, await authoring.archive_task(session, requester_id, task_id, True))
            )

    @post("/{task_id:int}/unarchive", status_code=200, summary="Unarchive a task", **errors(401, 404))
    async def unarchive_task(self, request: AnyRequest, task_id: PathId) -> Response[authoring.TaskOut]:
        async with as_requester(request) as (session, requester_id):
            return respond(
                request, task_view(request, await authoring.archive_task(session, requester_id, task_id, False))
            )
