"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import taskengine.db.models  # noqa: F401  (registers every table)
from taskengine.db import Database


def _differences(url: str) -> list[Any]:
    async def compare() -> list[Any]:
        db = Database(url)
        try:
            async with db.engine.connect() as connection:
                return await connection.run_sync(
                    lambda sync: compare_metadata(
                        MigrationContext.configure(sync, opts={"compare_type": True}), SQLModel.metadata
                    )
                )
        finally:
            await db.dispose()

    return asyncio.run(compare())


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    assert _differences(database_url) == []


def test_migrating_twice_changes_nothing(database_url: str) -> None:
    from taskengine.db import migrate

    migrate(database_url)
    assert _differences(database_url) == []
