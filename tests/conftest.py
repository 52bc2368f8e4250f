"""Shared fixtures: the engine over the installed catalogue and an app client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck, settings
from litestar.testing import TestClient

from taskengine.api import create_app
from taskengine.domain.accounts import use_password_hasher
from taskengine.engine import Engine, default_engine
from taskengine.settings import load_settings
from tests.databases import app_client, postgres_database, sqlite_database

settings.register_profile("default", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if __import__("os").environ.get("CI") == "true" else "default")


CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """Argon2 at its production cost takes ~0.3 s a hash here and most API tests sign someone in.

    Stored hashes carry their own parameters, so verification behaves exactly as in production. Unknown emails are
    checked against a cheap hash too: at production cost every refused sign-in took ~0.5 s (test_rate_limits: 66 s).
    """
    previous = use_password_hasher(CHEAP_HASHER)
    yield
    use_password_hasher(previous)


@pytest.fixture(scope="session")
def engine() -> Engine:
    return default_engine()


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[TestClient]:  # type: ignore[type-arg]
    """A client of an app on a fresh SQLite file, for tests that do not care which database."""
    url = sqlite_database(str(tmp_path))
    # Rate limits off: tests sign in often, all from one address; tests/test_rate_limits.py sets its own.
    settings = load_settings({}, data_dir=tmp_path, database_url=url, max_body_bytes=256 * 1024, rate_limits=False)
    app = create_app(settings, sweeper=False)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return sqlite_database(str(tmp_path_factory.mktemp("sqlite")))


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """A migrated database of each kind, emptied after every test."""
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture()
def api(database_url: str, tmp_path: Path) -> Iterator[TestClient]:  # type: ignore[type-arg]
    """A client of an app on each real database (run once per backend)."""
    with app_client(database_url, tmp_path, max_body_bytes=512 * 1024) as test_client:
        yield test_client
