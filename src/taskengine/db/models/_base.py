"""What every table shares: integer ids and UTC timestamps."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime
from sqlmodel import Field

MAX_ID = 2**31 - 1
"""Ids are 32-bit integers: a larger one names nothing, and PostgreSQL would refuse to compare it."""


def utcnow() -> datetime:
    """Now in UTC, without tzinfo: the database stores naive UTC on SQLite and PostgreSQL alike."""
    return datetime.now(UTC).replace(tzinfo=None)


def created_at_field() -> datetime:
    return Field(default_factory=utcnow, sa_type=DateTime(), nullable=False)  # type: ignore[no-any-return]


def money_field(default: int = 0) -> int:
    """An amount in micro-dollars (10^-6 USD): integers, so sums are exact on every database."""
    return Field(default=default, sa_type=BigInteger(), nullable=False)  # type: ignore[no-any-return]
