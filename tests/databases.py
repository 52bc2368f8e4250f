"""Real databases for tests: an SQLite file and a throwaway database on the local PostgreSQL server."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from taskengine.db import Database, async_url, migrate

POSTGRES_SERVER = os.environ.get("TASKENGINE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI") == "true"


async def _admin(statement: str) -> None:
    engine = create_async_engine(async_url(POSTGRES_SERVER), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@contextmanager
def postgres_database() -> Iterator[str]:
    """The URL of a new, migrated database on the local server, dropped afterwards.

    Without a server the test is skipped on a laptop, and fails in CI, where PostgreSQL is required.
    """
    name = f"taskengine_test_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, ConnectionError, Exception) as exc:  # asyncpg raises its own types for refused logins
        message = f"PostgreSQL is not reachable at {POSTGRES_SERVER}: {exc}"
        if IN_CI:
            pytest.fail(message + " (required in CI)")
        pytest.skip(message)
    url = POSTGRES_SERVER.rsplit("/", 1)[0] + f"/{name}"
    try:
        migrate(url)
        yield url
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def sqlite_database(folder: str) -> str:
    url = f"sqlite:///{folder}/taskengine.db"
    migrate(url)
    return url


async def wipe(db: Database) -> None:
    """Empty every table, so each test starts from nothing without migrating again."""
    tables = [table.name for table in reversed(SQLModel.metadata.sorted_tables)]
    async with db.engine.begin() as connection:
        if db.dialect == "postgresql":
            await connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                await connection.execute(text(f"DELETE FROM {table}"))
