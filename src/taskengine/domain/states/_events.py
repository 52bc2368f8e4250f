"""Appending to the outbox: only the transition functions call this, in the transaction of the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine.db.models import DomainEvent


async def record_event(
    session: AsyncSession,
    entity: str,
    entity_id: int,
    from_state: str | None,
    to_state: str,
    verb: str,
    *,
    now: datetime,
    payload: dict[str, Any] | None = None,
) -> DomainEvent:
    """One `<entity>.<verb>` event; it commits or rolls back with the change it describes."""
    event = DomainEvent(
        entity=entity,
        entity_id=entity_id,
        type=f"{entity}.{verb}",
        from_state=from_state,
        to_state=to_state,
        payload=msgspec.json.encode(payload or {}).decode(),
        created_at=now,
    )
    session.add(event)
    return event
