"""Ordered membership lists (tasks of a job, jobs of a campaign): checking and replacing them."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import Meta
from sqlalchemy import literal
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine.db.models import MAX_ID
from taskengine.engine import Problem, check_value
from taskengine.errors import DomainError, ErrorCode


async def checked_ids(
    session: AsyncSession, model: Any, owner_id: int | None, body: Any, what: str, limit: int
) -> list[int]:
    """`body` as a list of ids of existing `model` rows (the owner's and unarchived, where rows have those),
    or 422 naming every bad entry."""
    problems = check_value(body, Annotated[list[Any], Meta(max_length=limit)])
    if problems:
        raise DomainError(ErrorCode.INVALID_BODY, f"send a JSON array of at most {limit} {what} ids", problems)
    # Each entry is checked on its own, so a bad one does not hide the others.
    id_type = Annotated[int, Meta(ge=1, le=MAX_ID)]
    problems = [p.rooted(f"[{i}]") for i, value in enumerate(body) for p in check_value(value, id_type)]
    ids: list[int] = [value for value in body if type(value) is int and 1 <= value <= MAX_ID]
    found: dict[int, bool] = {}
    if ids:
        archived = model.archived if hasattr(model, "archived") else literal(False)
        statement = select(model.id, archived).where(model.id.in_(set(ids)))
        if owner_id is not None:
            statement = statement.where(model.owner_id == owner_id)
        found = dict((await session.exec(statement)).all())
    for i, object_id in enumerate(body):
        if type(object_id) is not int or not 1 <= object_id <= MAX_ID:
            continue
        if object_id not in found:
            problems.append(Problem(f"[{i}]", f"no {what} with id {object_id}", "exists"))
        elif found[object_id]:
            problems.append(Problem(f"[{i}]", f"{what} {object_id} is archived; unarchive it first", "not-archived"))
    if problems:
        problems.sort(key=lambda p: int(p.path[1 : p.path.index("]")]))
        raise DomainError(ErrorCode.INVALID_BODY, f"some {what} ids cannot be used", problems)
    return ids
