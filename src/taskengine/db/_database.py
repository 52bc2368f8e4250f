"""The database: one async engine per process, and a unit of work per request or job."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine.db._quick import QuickReader


def cache_of(session: Any, name: str) -> OrderedDict[Any, Any]:
    """A process-local cache of what never changes once published (compiled tasks, encoded sequences).

    Kept per database (on the session's `info`), so the same id in two databases never mixes.
    """
    return _named(session.info.setdefault("caches", {}), name)


def _named(caches: dict[str, OrderedDict[Any, Any]], name: str) -> OrderedDict[Any, Any]:
    return caches.setdefault(name, OrderedDict())


def remember(cache: OrderedDict[Any, Any], key: Any, value: Any, size: int = 4096) -> Any:
    """Keep `value` under `key`, dropping the oldest entry beyond `size`; returns the value."""
    cache[key] = value
    if len(cache) > size:
        cache.popitem(last=False)
    return value


def cached(session: Any, name: str, key: Any, make: Callable[[], Any], size: int = 4096) -> Any:
    """`make()`, computed once per key in the named cache of the session's database."""
    cache = cache_of(session, name)
    value = cache.get(key)
    return value if value is not None else remember(cache, key, make(), size)


def async_url(url: str) -> str:
    """The async-driver form of a database URL: sqlite → aiosqlite, postgresql → asyncpg."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if parsed.get_backend_name() == "postgresql":
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database {parsed.get_backend_name()!r}: use postgresql:// or sqlite:///")


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers run beside the one writer.
    # The driver's own transaction handling is switched off so that _sqlite_begin decides how each one begins.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # A transaction that reads and then writes fails in WAL mode if another commit came in between (a stale
    # snapshot); BEGIN IMMEDIATE takes the write lock up front instead, and waits for it (busy_timeout).
    immediate = connection.get_execution_options().get("taskengine_write", True)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """An engine and a session factory for one database URL."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = async_url(url)
        self.dialect = make_url(self.url).get_backend_name()
        options: dict[str, Any] = {"echo": echo}
        if self.dialect == "postgresql":
            options.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin)
        self.quick = QuickReader(self.url, self.engine.dialect)
        self.caches: dict[str, OrderedDict[Any, Any]] = {}
        # Every session carries this database's caches: ids are only unique within one database.
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False, info={"caches": self.caches}
        )

    @asynccontextmanager
    async def transaction(self, *, write: bool = True) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed when the block ends and rolled back if it raises.

        Services never commit; whoever opens the transaction (a request, a CLI command, a sweep) does.
        `write=False` promises only reads, which on SQLite then do not wait for the writer.
        """
        async with self._sessions() as session:
            await session.connection(execution_options={"taskengine_write": write})
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            await session.commit()

    def cache(self, name: str) -> OrderedDict[Any, Any]:
        """The named process-local cache of this database (the one `cache_of` gives a session of it)."""
        return _named(self.caches, name)

    async def dispose(self) -> None:
        await self.quick.close()
        await self.engine.dispose()
