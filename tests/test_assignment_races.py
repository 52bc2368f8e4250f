"""Handing out assignments never exceeds what the campaign asked for, however many workers ask at once."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import msgspec

from taskengine.db import Database
from taskengine.db.models import JobSlots, Worker
from taskengine.domain import authoring, campaigns, workers
from taskengine.domain.accounts import create_requester, credit_requester
from taskengine.domain.authoring import LocalMediaSizes
from taskengine.errors import DomainError
from tests.databases import wipe
from tests.requesters import PUBLISHABLE, rating_task

WORKERS = 200
ROUNDS = 5
_SERIAL = itertools.count()
T = TypeVar("T")


def run(database_url: str, scenario: Callable[[Database], Awaitable[T]]) -> T:
    """Run `scenario` in one event loop with a database of its own (asyncpg pools belong to their loop)."""

    async def main() -> T:
        db = Database(database_url)
        try:
            return await scenario(db)
        finally:
            await wipe(db)
            await db.dispose()

    return asyncio.run(main())


async def _setup(db: Database, tmp: str, *, results: int, per_worker: int = 1, jobs: int = 1) -> tuple[int, list[int]]:
    """A published campaign of `jobs` one-task jobs; its id and job ids."""
    async with db.transaction() as session:
        requester = await create_requester(session, f"r{next(_SERIAL)}@example.com", "password123", Decimal("0.2"))
        await credit_requester(session, requester.email, "1000")
        assert requester.id is not None
        task = await authoring.create_task(session, requester.id, rating_task(), LocalMediaSizes(Path(tmp), "http://x"))
        job_ids = []
        for i in range(jobs):
            job = await authoring.create_job(session, requester.id, authoring.JobIn(name=f"Job {i}"))
            await authoring.set_tasks(session, requester.id, job.id, [task.id])  # type: ignore[arg-type]
            job_ids.append(job.id)
        body = {
            "name": "Race",
            **PUBLISHABLE,
            "workerPayment": "0.01",
            "results": results,
            "maxResultsPerWorker": per_worker,
        }
        campaign = await campaigns.create_campaign(session, requester.id, msgspec.convert(body, campaigns.CampaignIn))
        await campaigns.set_jobs(session, requester.id, campaign.id, job_ids)  # type: ignore[arg-type]
        await campaigns.transition(session, requester.id, campaign.id, "publish")  # type: ignore[arg-type]
        return campaign.id, job_ids  # type: ignore[return-value]


async def _workers(db: Database, count: int, prefix: str) -> list[int]:
    async with db.transaction() as session:
        rows = [Worker(email=f"{prefix}{i}@example.com", password_hash="!") for i in range(count)]
        session.add_all(rows)
        await session.flush()
        return [row.id for row in rows]  # type: ignore[misc]


async def _try_start(db: Database, worker_id: int, campaign_id: int, job_id: int) -> str:
    try:
        async with db.transaction() as session:
            await workers.start(session, worker_id, campaign_id, job_id)
        return "started"
    except DomainError as exc:
        return exc.code.name


async def _live(db: Database, campaign_id: int, job_id: int) -> int:
    async with db.transaction(write=False) as session:
        return (await session.get(JobSlots, (campaign_id, job_id))).live  # type: ignore[union-attr]


def test_200_concurrent_starts_for_3_results_give_exactly_3(database_url: str, tmp_path: Path) -> None:
    async def scenario(db: Database) -> list[Counter[str]]:
        outcomes = []
        for round_number in range(ROUNDS):
            campaign_id, [job_id] = await _setup(db, str(tmp_path), results=3)
            people = await _workers(db, WORKERS, f"w{round_number}-")
            tally = Counter(await asyncio.gather(*(_try_start(db, w, campaign_id, job_id) for w in people)))
            assert await _live(db, campaign_id, job_id) == 3
            outcomes.append(tally)
        return outcomes

    for tally in run(database_url, scenario):
        assert tally == Counter({"started": 3, "NO_PLACES_LEFT": WORKERS - 3}), tally


def test_one_worker_asking_many_times_at_once_gets_one_assignment(database_url: str, tmp_path: Path) -> None:
    async def scenario(db: Database) -> Counter[str]:
        campaign_id, [job_id] = await _setup(db, str(tmp_path), results=10, per_worker=1)
        [worker] = await _workers(db, 1, "solo")
        return Counter(await asyncio.gather(*(_try_start(db, worker, campaign_id, job_id) for _ in range(30))))

    tally = run(database_url, scenario)
    assert tally["started"] == 1
    assert set(tally) <= {"started", "ALREADY_STARTED", "LIMIT_REACHED"}


def test_returned_places_go_back_on_the_market(database_url: str, tmp_path: Path) -> None:
    async def scenario(db: Database) -> None:
        campaign_id, [job_id] = await _setup(db, str(tmp_path), results=2, per_worker=2)
        ada, bob, cy = await _workers(db, 3, "back")
        assert await _try_start(db, ada, campaign_id, job_id) == "started"
        assert await _try_start(db, ada, campaign_id, job_id) == "ALREADY_STARTED"
        assert await _try_start(db, bob, campaign_id, job_id) == "started"
        assert await _try_start(db, cy, campaign_id, job_id) == "NO_PLACES_LEFT"
        async with db.transaction() as session:
            assert await workers.market(session, cy, 10, None) == []  # a full job is off the market
            ada_assignment = await _working(session, ada)
            await workers.give_back(session, ada, ada_assignment.id)  # type: ignore[attr-defined]
        async with db.transaction() as session:
            [(campaign, job, live, _)] = await workers.market(session, cy, 10, None)
            assert (campaign.id, job.id, live) == (campaign_id, job_id, 1)
        assert await _try_start(db, cy, campaign_id, job_id) == "started"
        assert await _live(db, campaign_id, job_id) == 2

    run(database_url, scenario)


async def _working(session: object, worker_id: int) -> object:
    from sqlmodel import select

    from taskengine.db.models import Assignment

    statement = select(Assignment).where(Assignment.worker_id == worker_id, Assignment.state == "working")
    return (await session.exec(statement)).first()  # type: ignore[attr-defined]
