"""Real databases for tests: an SQLite file and a throwaway database on the local PostgreSQL server."""

from __future__ import annotations

import asyncio
import atexit
import functools
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from taskengine.api.app import create_app
from taskengine.db import Database, async_url, migrate
from taskengine.settings import load_settings

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
        # A throwaway database need not survive a crash: commits stop waiting for the WAL to reach the disk
        # (~4 ms each here). What a transaction sees, locks and constraints are unchanged.
        asyncio.run(_admin(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        migrate(url)
        yield url
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


ON_SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
"""For `api` tests whose requests are answered before any database work (static files, routing, OPTIONS): on
PostgreSQL they would only repeat the SQLite run, at the cost of a second app per case."""


def sqlite_database(folder: str) -> str:
    """The URL of a migrated SQLite file in `folder`: a copy of one migrated per process, not a new migration.

    Alembic takes ~0.15 s a run and ~150 tests want a fresh file; the copy is the same schema, version row included.
    """
    path = Path(folder) / "taskengine.db"
    with closing(sqlite3.connect(_sqlite_template())) as template, closing(sqlite3.connect(path)) as copy:
        template.backup(copy)
    return f"sqlite:///{path}"


@functools.cache
def _sqlite_template() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="taskengine-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    migrate(f"sqlite:///{folder}/taskengine.db")
    return folder / "taskengine.db"


async def wipe(db: Database) -> None:
    """Empty every table, so each test starts from nothing without migrating again."""
    tables = [table.name for table in reversed(SQLModel.metadata.sorted_tables)]
    async with db.engine.begin() as connection:
        # Children before parents, so no foreign key is ever violated. On PostgreSQL a DELETE of the few rows a
        # test leaves is ~6 times cheaper than TRUNCATE (0.03 s against 0.2 s, paid after every test), and
        # restarting the sequences gives what TRUNCATE ... RESTART IDENTITY gave: ids from 1 again.
        for table in tables:
            await connection.execute(text(f"DELETE FROM {table}"))
        if db.dialect == "postgresql":
            sequences = await connection.execute(text("SELECT schemaname, sequencename FROM pg_sequences"))
            for schema, sequence in sequences.all():
                await connection.execute(text(f'ALTER SEQUENCE "{schema}"."{sequence}" RESTART'))


@contextmanager
def app_client(database_url: str, data_dir: Path, **settings: Any) -> Iterator[TestClient[Any]]:
    """A client of an app (no scheduler loop, no rate limits) on `database_url`, whose rows are wiped afterwards."""
    app = create_app(
        load_settings({}, data_dir=data_dir, database_url=database_url, rate_limits=False, **settings), sweeper=False
    )
    with TestClient(app) as client:
        try:
            yield client
        finally:
            client.blocking_portal.call(wipe, app.state.db)
