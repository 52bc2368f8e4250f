"""Routes for jobs and their tasks (SWARMS "Job", "Tasks of a Job")."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Response, delete, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, Parameter

from taskengine.api.body import id_list_body, json_body
from taskengine.api.context import TOKEN_SECURITY, AnyRequest, as_requester, provide_list_query, requires_token
from taskengine.api.docs import BODY, errors
from taskengine.api.idempotency import IdempotencyKey, create_once
from taskengine.api.lists import JobList, TaskList
from taskengine.api.path_ids import PathId
from taskengine.api.representation import job_links, paged, respond, with_links
from taskengine.api.tasks import task_view
from taskengine.db.models import Job
from taskengine.domain import authoring
from taskengine.domain.listing import ListQuery, Page

JOB_BODY = json_body(authoring.JobIn, description="the job is invalid")
TASK_IDS = id_list_body(authoring.MAX_TASKS_PER_JOB, "task")
NO_PAGE = Page([], None, None)

Deep = Annotated[bool, Parameter(description="also copy / archive the job's tasks")]


async def job_views(request: AnyRequest, session: Any, jobs: list[Job]) -> list[authoring.JobOut]:
    """Job rows as the client sees them, sizes summed over their tasks in one query."""
    sizes = await authoring.job_sizes(session, [job.id for job in jobs])  # type: ignore[misc]
    return [with_links(request, authoring.job_out(job, sizes[job.id]), job_links(job.id, job.archived)) for job in jobs]  # type: ignore[index,arg-type]


async def job_view(request: AnyRequest, session: Any, job: Job) -> authoring.JobOut:
    return (await job_views(request, session, [job]))[0]


class JobController(Controller):
    path = "/jobs"
    tags = ["jobs"]
    dependencies = {"listing": Provide(provide_list_query, sync_to_thread=False)}
    guards = [requires_token]
    security = TOKEN_SECURITY

    @get("/", summary="List your jobs", **errors(401))
    async def list_jobs(self, request: AnyRequest, listing: NamedDependency[ListQuery]) -> Response[JobList]:
        async with as_requester(request, write=False) as (session, requester_id):
            page = await authoring.list_jobs(session, requester_id, listing)
            jobs = await job_views(request, session, page.rows)
            return respond(request, JobList(links=paged(request, page), jobs=jobs))

    @post("/", summary="Create a job", **JOB_BODY, **errors(401, 409, *BODY))
    async def create_job(
        self, request: AnyRequest, data: JSONBody[authoring.JobIn], idempotency_key: IdempotencyKey = None
    ) -> Response[authoring.JobOut]:
        async def create(session: Any, requester_id: int) -> authoring.JobOut:
            return await job_view(request, session, await authoring.create_job(session, requester_id, data))

        return await create_once(request, create, idempotency_key)

    @get("/{job_id:int}", summary="One job", **errors(401, 404))
    async def get_job(self, request: AnyRequest, job_id: PathId) -> Response[authoring.JobOut]:
        async with as_requester(request, write=False) as (session, requester_id):
            return respond(
                request, await job_view(request, session, await authoring.get_job(session, requester_id, job_id))
            )

    @put("/{job_id:int}", summary="Change a job (409 once published)", **JOB_BODY, **errors(401, 404, 409, *BODY))
    async def update_job(
        self, request: AnyRequest, job_id: PathId, data: JSONBody[authoring.JobIn]
    ) -> Response[authoring.JobOut]:
        async with as_requester(request) as (session, requester_id):
            job = await authoring.update_job(session, requester_id, job_id, data)
            return respond(request, await job_view(request, session, job))

    @delete("/{job_id:int}", summary="Delete an unpublished job that no campaign uses", **errors(401, 404, 409))
    async def delete_job(self, request: AnyRequest, job_id: PathId) -> None:
        async with as_requester(request) as (session, requester_id):
            await authoring.delete_job(session, requester_id, job_id)

    @post("/{job_id:int}/copy", summary="Copy a job; deep=true copies its tasks too", **errors(401, 404, 409))
    async def copy_job(
        self, request: AnyRequest, job_id: PathId, deep: Deep = False, idempotency_key: IdempotencyKey = None
    ) -> Response[authoring.JobOut]:
        async def create(session: Any, requester_id: int) -> authoring.JobOut:
            return await job_view(request, session, await authoring.copy_job(session, requester_id, job_id, deep))

        return await create_once(request, create, idempotency_key)

    @post(
        "/{job_id:int}/archive",
        status_code=200,
        summary="Archive a job; deep=true archives its tasks too",
        **errors(401, 404),
    )
    async def archive_job(self, request: AnyRequest, job_id: PathId, deep: Deep = False) -> Response[authoring.JobOut]:
        async with as_requester(request) as (session, requester_id):
            job = await authoring.archive_job(session, requester_id, job_id, True, deep)
            return respond(request, await job_view(request, session, job))

    @post("/{job_id:int}/unarchive", status_code=200, summary="Unarchive a job and its tasks", **errors(401, 404))
    async def unarchive_job(self, request: AnyRequest, job_id: PathId) -> Response[authoring.JobOut]:
        async with as_requester(request) as (session, requester_id):
            job = await authoring.archive_job(session, requester_id, job_id, False, True)
            return respond(request, await job_view(request, session, job))

    @get("/{job_id:int}/tasks", summary="The job's tasks, in order", **errors(401, 404))
    async def get_tasks(self, request: AnyRequest, job_id: PathId) -> Response[TaskList]:
        async with as_requester(request, write=False) as (session, requester_id):
            tasks = await authoring.tasks_of(session, requester_id, job_id)
        return respond(request, TaskList(links=paged(request, NO_PAGE), tasks=[task_view(request, t) for t in tasks]))

    @put(
        "/{job_id:int}/tasks",
        summary="Set the job's tasks: a JSON array of task ids, in order",
        **TASK_IDS,
        **errors(401, 404, 409, *BODY),
    )
    async def set_tasks(self, request: AnyRequest, job_id: PathId, data: JSONBody[list[Any]]) -> Response[TaskList]:
        return await _tasks_changed(request, job_id, data, append=False)

    @post(
        "/{job_id:int}/tasks",
        status_code=200,
        summary="Add tasks after the job's tasks: a JSON array of task ids",
        **TASK_IDS,
        **errors(401, 404, 409, *BODY),
    )
    async def add_tasks(self, request: AnyRequest, job_id: PathId, data: JSONBody[list[Any]]) -> Response[TaskList]:
        return await _tasks_changed(request, job_id, data, append=True)


async def _tasks_changed(request: AnyRequest, job_id: int, ids: list[Any], *, append: bool) -> Response[TaskList]:
    """The job's whole task list after setting or adding to it: PUT and POST answer alike."""
    async with as_requester(request) as (session, requester_id):
        tasks = await authoring.set_tasks(session, requester_id, job_id, ids, append=append)
    return respond(request, TaskList(links=paged(request, NO_PAGE), tasks=[task_view(request, t) for t in tasks]))
