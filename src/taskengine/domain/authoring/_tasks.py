"""Tasks: create, read, change, copy, archive and delete a requester's task definitions."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine.catalogue import STRICT_URLS, check_task_off_loop
from taskengine.db.models import JobTask, Task
from taskengine.domain.authoring._common import ensure_editable, get_owned, set_archived, touch
from taskengine.domain.authoring._sizes import MediaSizes, task_sizes
from taskengine.domain.listing import ListQuery, Page, list_page, search_text
from taskengine.engine import UrlPolicy, default_engine
from taskengine.errors import DomainError, ErrorCode


def _fill(row: Task, definition: Any, media: MediaSizes) -> None:
    row.name = definition.name
    row.components = msgspec.json.encode(definition.components).decode()
    row.properties = msgspec.json.encode(definition.properties).decode()
    row.search_text = search_text(definition.name)
    row.resources_bytes, row.upload_bytes = task_sizes(default_engine(), definition, media)


async def create_task(
    session: AsyncSession, owner_id: int, body: Any, media: MediaSizes, *, urls: UrlPolicy = STRICT_URLS
) -> Task:
    """A new task from a definition the component engine accepts (422 listing every problem otherwise).

    `urls` says which hosts its media URLs may name; the default allows public hosts only.
    """
    definition = await check_task_off_loop(body, urls=urls)
    row = Task(owner_id=owner_id, name=definition.name, components="[]")
    _fill(row, definition, media)
    session.add(row)
    await session.flush()
    return row


async def get_task(session: AsyncSession, owner_id: int, task_id: int, *, for_update: bool = False) -> Task:
    return await get_owned(session, Task, owner_id, task_id, "task", for_update=for_update)


async def list_tasks(session: AsyncSession, owner_id: int, query: ListQuery) -> Page:
    return await list_page(session, Task, owner_id, query)


async def update_task(
    session: AsyncSession, owner_id: int, task_id: int, body: Any, media: MediaSizes, *, urls: UrlPolicy = STRICT_URLS
) -> Task:
    """Replace the task's definition; a published task is read-only (`urls` as for `create_task`)."""
    row = await get_task(session, owner_id, task_id, for_update=True)
    ensure_editable(row, "task", "/tasks")
    _fill(row, await check_task_off_loop(body, urls=urls), media)
    touch(row)
    session.add(row)
    await session.flush()
    return row


async def copy_task(session: AsyncSession, owner_id: int, task_id: int) -> Task:
    """An editable, unarchived copy of the task."""
    return await duplicate_task(session, await get_task(session, owner_id, task_id))


async def duplicate_task(session: AsyncSession, source: Task) -> Task:
    fields = source.model_dump(exclude={"id", "read_only", "archived", "created_at", "last_modified_at"})
    row = Task(**fields)
    session.add(row)
    await session.flush()
    return row


async def archive_task(session: AsyncSession, owner_id: int, task_id: int, archived: bool) -> Task:
    row = await get_task(session, owner_id, task_id)
    await set_archived(session, [row], archived)
    return row


async def delete_task(session: AsyncSession, owner_id: int, task_id: int) -> None:
    """Delete an unpublished task that no job uses (409 naming the jobs otherwise)."""
    row = await get_task(session, owner_id, task_id, for_update=True)
    ensure_editable(row, "task", "/tasks")
    jobs = sorted(set((await session.exec(select(JobTask.job_id).where(JobTask.task_id == task_id))).all()))
    if jobs:
        names = ", ".join(map(str, jobs[:10])) + (", ..." if len(jobs) > 10 else "")
        raise DomainError(ErrorCode.IN_USE, f"task {task_id} is used by jobs {names}; remove it from them first")
    await session.delete(row)
    await session.flush()
