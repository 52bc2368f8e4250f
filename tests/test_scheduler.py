"""The scheduler: due work done once however many processes run it at the same moment (PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import event as sa_event
from sqlalchemy import update

from taskengine.db import Database
from taskengine.db.models import Assignment, JobResult, utcnow
from taskengine.domain import scheduler
from taskengine.domain.scheduler import run_due
from tests.databases import app_client
from tests.requesters import make_requester
from tests.test_results import ledger_ok, started, submit
from tests.test_transitions import events
from tests.test_worker_api import make_worker, published

Client = TestClient  # type: ignore[type-arg]


@pytest.fixture()
def pg_api(postgresql_url: str, tmp_path: Path) -> Iterator[Client]:
    """A client of an app on PostgreSQL only: SQLite has one writer, so nothing races there."""
    with app_client(postgresql_url, tmp_path) as client:
        yield client


def test_schedulers_racing_pay_and_record_each_move_once(pg_api: Client, postgresql_url: str) -> None:
    api = pg_api
    requester = make_requester(api, credit="20")
    campaign, jobs = published(api, requester, results=1, jobs=12, maxReviewTime="1 hour")
    _, worker = make_worker(api)
    for job in jobs[:8]:
        submit(api, worker, started(api, worker, campaign, job))
    for job in jobs[8:]:
        started(api, worker, campaign, job)

    async def everything_due() -> None:
        async with api.app.state.db.transaction() as session:
            past = utcnow() - timedelta(seconds=1)
            await session.exec(update(JobResult).values(review_until=past))
            await session.exec(update(Assignment).where(Assignment.state == "working").values(deadline=past))

    api.blocking_portal.call(everything_due)

    async def race() -> list[dict[str, int]]:
        schedulers = [Database(postgresql_url) for _ in range(4)]
        try:
            return list(await asyncio.gather(*(run_due(db) for db in schedulers for _ in range(2))))
        finally:
            for db in schedulers:
                await db.dispose()

    passes = api.blocking_portal.call(race)
    assert sum(p["auto-approval"] for p in passes) == 8
    assert sum(p["assignment expiry"] for p in passes) == 4
    types = Counter(e.type for e in events(api))
    assert (types["result.approved"], types["assignment.expired"]) == (8, 4)
    assert api.get("/worker/me", headers=worker).json()["earnings"] == "2.00 USD"
    assert len(api.get("/worker/jobs", headers=worker).json()["jobs"]) == 4
    ledger_ok(api)


def test_due_work_runs_in_batches_until_none_is_left(api: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduler, "BATCH", 3)
    requester = make_requester(api, credit="20")
    campaign, jobs = published(api, requester, results=1, jobs=7, maxReviewTime="1 hour")
    _, worker = make_worker(api)
    for job in jobs:
        submit(api, worker, started(api, worker, campaign, job))
    statements: list[str] = []

    async def everything_due() -> None:
        async with api.app.state.db.transaction() as session:
            await session.exec(update(JobResult).values(review_until=utcnow() - timedelta(seconds=1)))

    api.blocking_portal.call(everything_due)

    def commits(_conn: Any) -> None:
        statements.append("COMMIT")

    engine = api.app.state.db.engine.sync_engine
    sa_event.listen(engine, "commit", commits)
    try:
        done = api.blocking_portal.call(run_due, api.app.state.db)
    finally:
        sa_event.remove(engine, "commit", commits)
    assert done["auto-approval"] == 7
    # 3 + 3 + 1 approvals, each batch its own transaction, beside one for each other kind.
    assert len(statements) == 3 + 2
    assert api.get(f"/campaigns/{campaign}", headers=requester).json()["state"] == "finished"
    assert api.get("/worker/me", headers=worker).json()["earnings"] == "1.75 USD"
    ledger_ok(api)
