"""Persistence: the database, the tables and their migrations."""

from taskengine.db._database import Database, async_url, cache_of, cached, remember
from taskengine.db._migrate import migrate

__all__ = ["Database", "async_url", "cache_of", "cached", "migrate", "remember"]
