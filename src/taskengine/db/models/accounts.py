"""Requesters and the auth tokens people and devices use."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from taskengine.db.models._base import created_at_field, money_field


class Requester(SQLModel, table=True):
    """An account that authors and publishes work; balances are kept in step with the ledger."""

    __tablename__ = "requesters"
    # The ledger never lets these go below zero; the database holds it to that as well.
    __table_args__ = (
        CheckConstraint("available >= 0", name="ck_requesters_available"),
        CheckConstraint("frozen >= 0", name="ck_requesters_frozen"),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    customer_id: str = Field(max_length=16, unique=True)
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=40)
    organization: str = Field(default="", max_length=200)
    website: str = Field(default="", max_length=2048)
    logo: str = Field(default="", max_length=2048)
    commission_rate_ppm: int = Field(default=200_000, description="commission in parts per million")
    charity: bool = False
    credited: int = money_field()
    available: int = money_field()
    frozen: int = money_field()
    paid_out: int = money_field()
    fees: int = money_field()
    created_at: datetime = created_at_field()


class AuthToken(SQLModel, table=True):
    """A bearer token, stored only as its SHA-256; `principal` says whose (requester or worker)."""

    __tablename__ = "auth_tokens"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    principal: str = Field(max_length=16)
    principal_id: int = Field(index=True)
    token_hash: str = Field(max_length=64)
    created_at: datetime = created_at_field()
    expires_at: datetime = Field(sa_type=DateTime(), nullable=False)
    discarded_at: datetime | None = Field(default=None, sa_type=DateTime(), nullable=True)
