"""`taskengine serve --demo`: accounts, a published campaign using every component, and the sample media."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from litestar.testing import TestClient

from taskengine import demo
from taskengine.api import create_app
from taskengine.engine import default_engine
from taskengine.settings import Settings, load_settings
from tests.databases import sqlite_database
from tests.factories import serving


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    """Settings on a fresh, migrated SQLite data folder."""
    data = tmp_path / "data"
    data.mkdir()
    return load_settings({}, data_dir=data, database_url=sqlite_database(str(data)))


@pytest.fixture()
def client(settings: Settings) -> Iterator[TestClient]:  # type: ignore[type-arg]
    with TestClient(create_app(settings, sweeper=False)) as test_client:
        yield test_client


def sign_in(client: TestClient, path: str, email: str, password: str) -> dict[str, str]:  # type: ignore[type-arg]
    response = client.post(path, json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"X-Auth-Token": response.json()["accessToken"]}


def shown_urls(task: dict[str, Any]) -> set[str]:
    """The media URLs a task shows, as the engine sees them."""
    engine = default_engine()
    checked = engine.validate_task({"name": task["name"], "components": task["components"]})
    assert checked.ok, checked.problems
    return {url for c in checked.value.components for url in engine.definition_of(c).media_urls(c.properties)}


def test_seeding_twice_yields_the_same_demo(settings: Settings) -> None:
    first = demo.seed(settings)
    second = demo.seed(settings)
    assert first.created and not second.created
    assert msgspec.structs.replace(first, created=False) == second
    assert first.campaign_state == "active"
    assert len(first.task_ids) >= 2
    assert set(first.component_types) == {definition.name for definition in default_engine().registry}


def test_the_job_uses_every_component_and_the_local_sample_media(settings: Settings, client: TestClient) -> None:  # type: ignore[type-arg]
    info = demo.seed(settings)
    requester = sign_in(client, "/auth/token/request", info.requester_email, info.requester_password)
    tasks = client.get(f"/jobs/{info.job_id}/tasks", headers=requester).json()["tasks"]
    assert [task["id"] for task in tasks] == list(info.task_ids)
    used = {component["type"] for task in tasks for component in task["components"]}
    assert used == {definition.name for definition in default_engine().registry}
    assert all(task["components"][0]["type"] == "Text" for task in tasks)

    prefix = f"{settings.base_url}/media/"
    media = settings.data_dir / "media"
    expected = 0
    for task in tasks:
        urls = shown_urls(task)
        assert all(url.startswith(prefix) for url in urls)
        assert all((media / url.removeprefix(prefix)).is_file() for url in urls)
        size = sum((media / url.removeprefix(prefix)).stat().st_size for url in urls)
        assert task["resourcesSizeBytes"] == size
        expected += size
    shown = {url.removeprefix(prefix) for task in tasks for url in shown_urls(task)}
    assert shown == set(demo.SAMPLES)
    assert {url.removeprefix(prefix) for url in info.media_urls} == set(demo.SAMPLES)
    assert expected > 0
    assert client.get(f"/jobs/{info.job_id}", headers=requester).json()["resourcesSizeBytes"] == expected
    campaign = client.get(f"/campaigns/{info.campaign_id}", headers=requester).json()
    assert (campaign["state"], campaign["workerPayment"], campaign["results"]) == ("active", 0.1, 3)


def test_the_printed_credentials_sign_in_and_the_worker_finds_the_job(
    settings: Settings,
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    info = demo.seed(settings)
    banner = demo.demo_banner(info, settings.base_url)
    for text in (info.requester_email, info.requester_password, info.worker_email, info.worker_password):
        assert text in banner
    for path in ("/components", f"/jobs/{info.job_id}/tasks", "/worker/jobs", "/schema/openapi.json"):
        assert f"{settings.base_url}{path}" in banner
    sign_in(client, "/auth/token/request", info.requester_email, info.requester_password)
    worker = sign_in(client, "/worker/auth/token/request", info.worker_email, info.worker_password)

    jobs = client.get("/worker/jobs", headers=worker).json()["jobs"]
    assert [(job["campaignId"], job["jobId"]) for job in jobs] == [(info.campaign_id, info.job_id)]
    assert jobs[0]["resourcesSizeBytes"] > 0
    started = client.post(jobs[0]["start"], headers=worker)
    assert started.status_code == 201, started.text
    sequence = client.get(f"/worker/assignments/{started.json()['id']}", headers=worker).json()
    assert [task["id"] for task in sequence["tasks"]] == list(info.task_ids)


def test_without_sample_media_the_tasks_show_external_urls(
    settings: Settings,
    client: TestClient,  # type: ignore[type-arg]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(demo, "SAMPLES_DIR", tmp_path / "no-checkout")
    info = demo.seed(settings)
    assert info.media_urls == ()
    assert "external example URLs" in demo.demo_banner(info, settings.base_url)
    media = settings.data_dir / "media"
    assert not media.exists() or not any(media.iterdir())  # the app makes the folder; no samples went in
    requester = sign_in(client, "/auth/token/request", info.requester_email, info.requester_password)
    assert client.get(f"/jobs/{info.job_id}", headers=requester).json()["resourcesSizeBytes"] == 0
    assert set(info.component_types) == {definition.name for definition in default_engine().registry}


def test_serve_demo_prints_the_credentials_and_serves(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "TASKENGINE_DATA_DIR": str(data)}
    env.pop("TASKENGINE_DATABASE_URL", None)
    with serving("--demo", env=env) as served:
        assert served.health.status_code == 200
        token = httpx.post(
            f"{served.base}/worker/auth/token/request",
            json={"email": demo.WORKER_EMAIL, "password": demo.WORKER_PASSWORD},
        )
        assert token.status_code == 200, token.text
    for text in (demo.REQUESTER_EMAIL, demo.REQUESTER_PASSWORD, demo.WORKER_EMAIL, demo.WORKER_PASSWORD):
        assert text in served.output
    assert f"{served.base}/worker/jobs" in served.output
    assert all((data / "media" / name).is_file() for name in demo.SAMPLES)


def test_local_media_are_served(settings: Settings, client: TestClient) -> None:  # type: ignore[type-arg]
    info = demo.seed(settings)
    assert info.media_urls
    for url in info.media_urls:
        path = url.removeprefix(settings.base_url)
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.content == (settings.data_dir / "media" / path.rsplit("/", 1)[1]).read_bytes()
    assert client.get("/media/../taskengine.db").status_code == 404
