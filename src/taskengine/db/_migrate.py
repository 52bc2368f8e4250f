"""Schema migrations with Alembic, run from code (no alembic.ini): `taskengine migrate` and on `serve`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from taskengine.db._database import async_url

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser interpolation would read a % in a password as a placeholder.
    config.set_main_option("sqlalchemy.url", async_url(url).replace("%", "%%"))
    return config


def migrate(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision`. Runs its own event loop: call it outside one (or in a thread)."""
    command.upgrade(alembic_config(url), revision)
