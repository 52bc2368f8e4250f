"""Stored answers to creating requests that carried an Idempotency-Key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from taskengine.db.models._base import created_at_field


class IdempotencyRecord(SQLModel, table=True):
    """The first answer to (owner, key); a retry with the same body gets it again."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("principal", "principal_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    principal: str = Field(max_length=16)
    principal_id: int
    key: str = Field(max_length=255)
    method: str = Field(max_length=8)
    path: str = Field(max_length=2048)
    request_hash: str = Field(max_length=64)
    status_code: int
    media_type: str = Field(default="application/json", max_length=64)
    response_body: bytes = Field(sa_type=LargeBinary())
    created_at: datetime = created_at_field()
