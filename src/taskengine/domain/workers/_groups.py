"""Worker groups: a requester's named sets of workers, which campaigns can limit their jobs to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine.db.models import Worker, WorkerGroup, WorkerGroupMember
from taskengine.domain.authoring import aware, checked_ids, get_owned
from taskengine.engine import Name

MAX_GROUP_SIZE = 10_000


class GroupIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name


class GroupOut(msgspec.Struct, rename="camel", kw_only=True):
    id: int
    name: str
    workers: list[int]
    created_at: datetime


async def _members(session: AsyncSession, group_id: int) -> list[int]:
    statement = select(WorkerGroupMember.worker_id).where(WorkerGroupMember.group_id == group_id)
    return sorted((await session.exec(statement)).all())


async def group_out(session: AsyncSession, group: WorkerGroup) -> GroupOut:
    assert group.id is not None
    created_at = aware(group.created_at)
    assert created_at is not None
    return GroupOut(id=group.id, name=group.name, workers=await _members(session, group.id), created_at=created_at)


async def create_group(session: AsyncSession, owner_id: int, group: GroupIn) -> WorkerGroup:
    row = WorkerGroup(owner_id=owner_id, name=group.name)
    session.add(row)
    await session.flush()
    return row


async def get_group(session: AsyncSession, owner_id: int, group_id: int) -> WorkerGroup:
    return await get_owned(session, WorkerGroup, owner_id, group_id, "worker group")


async def list_groups(session: AsyncSession, owner_id: int) -> list[WorkerGroup]:
    statement = select(WorkerGroup).where(WorkerGroup.owner_id == owner_id).order_by(WorkerGroup.id)  # type: ignore[arg-type]
    return list((await session.exec(statement)).all())


async def set_members(session: AsyncSession, owner_id: int, group_id: int, body: list[Any]) -> WorkerGroup:
    """Replace the group's workers with the ids in `body` (any worker may be added; ids are not secret)."""
    group = await get_owned(session, WorkerGroup, owner_id, group_id, "worker group", for_update=True)
    ids = await checked_ids(session, Worker, None, body, "worker", MAX_GROUP_SIZE)
    await session.exec(delete(WorkerGroupMember).where(col(WorkerGroupMember.group_id) == group_id))
    session.add_all(WorkerGroupMember(group_id=group_id, worker_id=worker_id) for worker_id in sorted(set(ids)))
    await session.flush()
    return group


async def delete_group(session: AsyncSession, owner_id: int, group_id: int) -> None:
    group = await get_owned(session, WorkerGroup, owner_id, group_id, "worker group", for_update=True)
    await session.exec(delete(WorkerGroupMember).where(col(WorkerGroupMember.group_id) == group_id))
    await session.delete(group)
    await session.flush()
