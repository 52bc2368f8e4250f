"""Jobs: ordered sequences of tasks, and their tasks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec
from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine.db.models import CampaignJob, Job, JobTask, Task
from taskengine.domain.authoring._common import ensure_editable, get_owned, set_archived, touch
from taskengine.domain.authoring._membership import checked_ids
from taskengine.domain.authoring._schemas import JobIn
from taskengine.domain.authoring._tasks import duplicate_task
from taskengine.domain.listing import ListQuery, Page, list_page, search_text
from taskengine.errors import DomainError, ErrorCode

MAX_TASKS_PER_JOB = 200


def _fill(row: Job, job: JobIn) -> None:
    row.name = job.name
    row.description = job.description
    row.properties = msgspec.json.encode(job.properties).decode()
    row.search_text = search_text(job.name, job.description)


async def create_job(session: AsyncSession, owner_id: int, body: JobIn) -> Job:
    row = Job(owner_id=owner_id, name="")
    _fill(row, body)
    session.add(row)
    await session.flush()
    return row


async def get_job(session: AsyncSession, owner_id: int, job_id: int, *, for_update: bool = False) -> Job:
    return await get_owned(session, Job, owner_id, job_id, "job", for_update=for_update)


async def list_jobs(session: AsyncSession, owner_id: int, query: ListQuery) -> Page:
    return await list_page(session, Job, owner_id, query)


async def update_job(session: AsyncSession, owner_id: int, job_id: int, body: JobIn) -> Job:
    row = await get_job(session, owner_id, job_id, for_update=True)
    ensure_editable(row, "job", "/jobs")
    _fill(row, body)
    touch(row)
    session.add(row)
    await session.flush()
    return row


async def delete_job(session: AsyncSession, owner_id: int, job_id: int) -> None:
    row = await get_job(session, owner_id, job_id, for_update=True)
    ensure_editable(row, "job", "/jobs")
    campaigns = sorted(
        set((await session.exec(select(CampaignJob.campaign_id).where(col(CampaignJob.job_id) == job_id))).all())
    )
    if campaigns:
        names = ", ".join(map(str, campaigns[:10])) + (", ..." if len(campaigns) > 10 else "")
        raise DomainError(ErrorCode.IN_USE, f"job {job_id} is used by campaigns {names}; remove it from them first")
    await session.exec(delete(JobTask).where(col(JobTask.job_id) == job_id))
    await session.delete(row)
    await session.flush()


async def task_ids_of(session: AsyncSession, job_id: int) -> list[int]:
    rows = await session.exec(
        select(JobTask.task_id).where(col(JobTask.job_id) == job_id).order_by(col(JobTask.position))
    )
    return list(rows.all())


async def tasks_of(session: AsyncSession, owner_id: int, job_id: int) -> list[Task]:
    """The job's tasks in order (a task standing twice appears twice)."""
    await get_job(session, owner_id, job_id)
    return await sequence_of(session, job_id)


async def sequence_of(session: AsyncSession, job_id: int) -> list[Task]:
    """The job's tasks in order, for whoever may see them (the caller checks that)."""
    statement = (
        select(Task)
        .join(JobTask, col(JobTask.task_id) == Task.id)
        .where(col(JobTask.job_id) == job_id)
        .order_by(col(JobTask.position))
    )
    return list((await session.exec(statement)).all())


async def set_tasks(
    session: AsyncSession, owner_id: int, job_id: int, body: list[Any], *, append: bool = False
) -> list[Task]:
    """Replace the job's tasks with the ordered ids in `body` (or, with `append`, add them after its tasks)."""
    row = await get_job(session, owner_id, job_id, for_update=True)
    ensure_editable(row, "job", "/jobs")
    kept = await task_ids_of(session, job_id) if append else []
    ids = await checked_ids(session, Task, owner_id, body, "task", MAX_TASKS_PER_JOB - len(kept))
    await _replace_tasks(session, job_id, [*kept, *ids])
    touch(row)
    session.add(row)
    await session.flush()
    return await tasks_of(session, owner_id, job_id)


async def _replace_tasks(session: AsyncSession, job_id: int, ids: Iterable[int]) -> None:
    await session.exec(delete(JobTask).where(col(JobTask.job_id) == job_id))
    session.add_all(JobTask(job_id=job_id, position=i, task_id=task_id) for i, task_id in enumerate(ids))
    await session.flush()


async def copy_job(session: AsyncSession, owner_id: int, job_id: int, deep: bool) -> Job:
    """An editable copy; `deep` copies its tasks too, otherwise the copy uses the same tasks."""
    return await duplicate_job(session, await get_job(session, owner_id, job_id), deep)


async def duplicate_job(session: AsyncSession, source: Job, deep: bool) -> Job:
    assert source.id is not None
    fields = source.model_dump(exclude={"id", "read_only", "archived", "created_at", "last_modified_at"})
    row = Job(**fields)
    session.add(row)
    await session.flush()
    assert row.id is not None
    ids = await task_ids_of(session, source.id)
    if deep:
        copies: dict[int, int] = {}
        for task_id in ids:
            if task_id not in copies:
                task = await session.get(Task, task_id)
                assert task is not None
                copies[task_id] = (await duplicate_task(session, task)).id  # type: ignore[assignment]
        ids = [copies[task_id] for task_id in ids]
    await _replace_tasks(session, row.id, ids)
    return row


async def archive_job(session: AsyncSession, owner_id: int, job_id: int, archived: bool, deep: bool) -> Job:
    """(Un)archive the job and, with `deep`, its tasks."""
    row = await get_job(session, owner_id, job_id)
    rows: list[Any] = [row]
    if deep:
        rows.extend(await tasks_of(session, owner_id, job_id))
    await set_archived(session, rows, archived)
    return row


async def job_sizes(session: AsyncSession, job_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Download and upload bytes of each job: the sums over its tasks, in one query."""
    if not job_ids:
        return {}
    statement = (
        select(
            JobTask.job_id,
            func.coalesce(func.sum(Task.resources_bytes), 0),
            func.coalesce(func.sum(Task.upload_bytes), 0),
        )
        .join(Task, col(Task.id) == JobTask.task_id)
        .where(col(JobTask.job_id).in_(job_ids))
        .group_by(col(JobTask.job_id))
    )
    sizes = {job_id: (int(down), int(up)) for job_id, down, up in (await session.exec(statement)).all()}
    return {job_id: sizes.get(job_id, (0, 0)) for job_id in job_ids}
