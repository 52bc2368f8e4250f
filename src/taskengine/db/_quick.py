"""Quick reads: a one-row SELECT run on the database driver directly, outside any unit of work.

For the hot routes a phone polls (a job sequence), where an ORM session and its transaction cost ten times
the answer. Statements are SQLAlchemy Core, compiled once per dialect; values come back converted by the same
type processors SQLAlchemy would use. A quick read only ever sees committed rows.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.sql import Select

_POOL_SIZE = 4


class _Compiled:
    """A statement as driver SQL, the order of its parameters, and a converter per result column."""

    def __init__(self, statement: Select[Any], dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self.defaults = dict(compiled.params)
        self.order = list(compiled.positiontup or ())
        self.convert: list[Callable[[Any], Any] | None] = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in statement.selected_columns
        ]

    def arguments(self, params: dict[str, Any]) -> list[Any]:
        merged = {**self.defaults, **params}
        return [merged[name] for name in self.order]

    def row(self, values: Any) -> tuple[Any, ...]:
        return tuple(v if f is None or v is None else f(v) for f, v in zip(self.convert, values, strict=True))


async def _keep(_: Any) -> None:
    """No reset between uses: single autocommitted SELECTs leave no session state (asyncpg's costs a round trip)."""


class QuickReader:
    """One-row reads on the driver: a per-thread sqlite3 connection, or a small asyncpg pool."""

    def __init__(self, url: str, dialect: Dialect) -> None:
        parsed = make_url(url)
        self._dialect = dialect
        self._backend = parsed.get_backend_name()
        self._compiled: dict[int, tuple[Select[Any], _Compiled]] = {}
        # An in-memory SQLite database is private to its connection: nothing to read quickly there.
        in_memory = parsed.database in (None, "", ":memory:")
        self._sqlite_path = parsed.database if self._backend == "sqlite" and not in_memory else None
        self._local = threading.local()
        self._sqlite_connections: list[sqlite3.Connection] = []
        self._dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        self._pool: Any = None

    def _prepared(self, statement: Select[Any]) -> _Compiled:
        # Keyed by identity, holding the statement so the id is never reused: statements are module constants.
        entry = self._compiled.get(id(statement))
        if entry is None:
            entry = self._compiled[id(statement)] = (statement, _Compiled(statement, self._dialect))
        return entry[1]

    async def first(self, statement: Select[Any], **params: Any) -> tuple[Any, ...] | None:
        """The first row of `statement`, or None: no such row, or the quick path could not answer now."""
        compiled = self._prepared(statement)
        arguments = compiled.arguments(params)
        if self._backend == "sqlite":
            values = self._sqlite_first(compiled.sql, arguments)
        elif self._backend == "postgresql":
            values = await self._postgresql_first(compiled.sql, arguments)
        else:
            values = None
        return None if values is None else compiled.row(values)

    def _sqlite_first(self, sql: str, arguments: list[Any]) -> Any:
        if self._sqlite_path is None:
            return None
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self._sqlite_path, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA query_only=ON")
            # Never wait on the event loop: when SQLite is busy (rare for a WAL reader) the full path answers.
            connection.execute("PRAGMA busy_timeout=0")
            self._local.connection = connection
            self._sqlite_connections.append(connection)
        # A point read by key takes microseconds, less than handing it to a thread would.
        try:
            return connection.execute(sql, arguments).fetchone()
        except sqlite3.OperationalError:  # busy or locked: let the caller take its full path
            return None

    async def _postgresql_first(self, sql: str, arguments: list[Any]) -> Any:
        import asyncpg

        try:
            if self._pool is None:
                pool = await asyncpg.create_pool(self._dsn, min_size=1, max_size=_POOL_SIZE, reset=_keep)
                if self._pool is None:
                    self._pool = pool
                else:  # another request made one while this one waited
                    await pool.close()
            return await self._pool.fetchrow(sql, *arguments)
        except (OSError, asyncpg.PostgresError):  # the full path will meet the same trouble and report it
            return None

    async def close(self) -> None:
        for connection in self._sqlite_connections:
            connection.close()
        self._sqlite_connections.clear()
        self._local = threading.local()
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()
