"""Shared fixtures: the engine over the installed catalogue and an app client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from litestar.testing import TestClient

from taskengine.api import create_app
from taskengine.engine import Engine, default_engine
from taskengine.settings import load_settings

settings.register_profile("default", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if __import__("os").environ.get("CI") == "true" else "default")


@pytest.fixture(scope="session")
def engine() -> Engine:
    return default_engine()


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[TestClient]:  # type: ignore[type-arg]
    app = create_app(load_settings({}, data_dir=tmp_path, max_body_bytes=256 * 1024))
    with TestClient(app) as test_client:
        yield test_client
