"""The outbox: one row per state change, written in the transaction that made the change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from taskengine.db.models._base import created_at_field


class DomainEvent(SQLModel, table=True):
    """`entity` `entity_id` moved from `from_state` to `to_state`; readers (webhooks) follow the ids in order."""

    __tablename__ = "domain_events"
    __table_args__ = (Index("ix_domain_events_entity", "entity", "entity_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=16)
    entity_id: int
    type: str = Field(max_length=40)
    from_state: str | None = Field(default=None, max_length=16)
    to_state: str = Field(max_length=16)
    payload: str = Field(default="{}", sa_type=Text())
    created_at: datetime = created_at_field()
