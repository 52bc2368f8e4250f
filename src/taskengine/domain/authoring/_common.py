"""What tasks, jobs and campaigns share: ownership, read-only protection, archiving, timestamps."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine.db.models import MAX_ID, utcnow
from taskengine.errors import DomainError, ErrorCode

R = TypeVar("R")


async def get_owned(
    session: AsyncSession, model: type[R], owner_id: int, object_id: int, what: str, *, for_update: bool = False
) -> R:
    """The row if it exists and belongs to `owner_id`; otherwise 404, the same for both cases.

    `for_update` locks the row until the transaction ends: a change checked against it (is it still editable?)
    then cannot interleave with a publish that makes it read-only.
    """
    if not 0 < object_id <= MAX_ID:
        raise DomainError(ErrorCode.NOT_FOUND, f"no {what} with id {object_id}")
    row = await session.get(model, object_id, with_for_update=for_update, populate_existing=for_update)
    if row is None or row.owner_id != owner_id:  # type: ignore[attr-defined]
        raise DomainError(ErrorCode.NOT_FOUND, f"no {what} with id {object_id}")
    return row


def ensure_editable(row: Any, what: str, path: str) -> None:
    """409 for a published (read-only) object, with the way out."""
    if row.read_only:
        raise DomainError(
            ErrorCode.READ_ONLY,
            f"{what} {row.id} belongs to a published campaign and cannot change; "
            f"copy it (POST {path}/{row.id}/copy) and change the copy",
        )


def touch(row: Any) -> None:
    row.last_modified_at = utcnow()


async def set_archived(session: AsyncSession, rows: list[Any], archived: bool) -> None:
    for row in rows:
        if row.archived != archived:
            row.archived = archived
            touch(row)
            session.add(row)
    await session.flush()
