"""A campaign finishes when every job has its results, and the sweeper inside the app applies due dates."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from litestar.testing import TestClient
from sqlmodel import select

from taskengine.api import create_app
from taskengine.db.models import Campaign, utcnow
from taskengine.domain.campaigns import finish_if_complete
from taskengine.settings import load_settings
from tests.requesters import PUBLISHABLE, make_requester, rating_task


def _published_campaign(api: TestClient, headers: dict[str, str], jobs: int = 2) -> int:  # type: ignore[type-arg]
    task = api.post("/tasks", json=rating_task(), headers=headers).json()["id"]
    job_ids = []
    for i in range(jobs):
        job = api.post("/jobs", json={"name": f"Job {i}"}, headers=headers).json()["id"]
        api.put(f"/jobs/{job}/tasks", json=[task], headers=headers)
        job_ids.append(job)
    campaign = api.post(
        "/campaigns", json={"name": "C", **PUBLISHABLE, "workerPayment": "0.10", "results": 2}, headers=headers
    )
    cid = campaign.json()["id"]
    api.put(f"/campaigns/{cid}/jobs", json=job_ids, headers=headers)
    assert api.post(f"/campaigns/{cid}/publish", headers=headers).status_code == 200
    return int(cid)


def test_finishes_only_when_every_job_has_its_results(api: TestClient) -> None:  # type: ignore[type-arg]
    headers = make_requester(api, credit="5")
    cid = _published_campaign(api, headers)
    jobs = [job["id"] for job in api.get(f"/campaigns/{cid}/jobs", headers=headers).json()["jobs"]]
    db = api.app.state.db

    async def finish_with(counts: dict[int, int]) -> bool:
        async with db.transaction() as session:
            row = await session.get(Campaign, cid)
            return await finish_if_complete(session, row, counts)

    assert api.blocking_portal.call(finish_with, {jobs[0]: 2, jobs[1]: 1}) is False
    assert api.get(f"/campaigns/{cid}", headers=headers).json()["state"] == "active"
    assert api.blocking_portal.call(finish_with, {jobs[0]: 2, jobs[1]: 2}) is True
    assert api.get(f"/campaigns/{cid}", headers=headers).json()["state"] == "finished"
    # Finishing released what was frozen and not earned (nothing was paid out here).
    assert api.get("/me", headers=headers).json()["balance"] == {"available": "5.00 USD", "frozen": "0.00 USD"}


def test_the_sweeper_in_the_app_publishes_at_the_start_date(tmp_path: Path, database_url: str) -> None:
    settings = load_settings({}, data_dir=tmp_path, database_url=database_url, sweep_seconds=1)
    app = create_app(settings, sweeper=True)
    with TestClient(app) as api:
        try:
            headers = make_requester(api, credit="5")
            cid = _published_campaign(api, headers, jobs=1)
            copy = api.post(f"/campaigns/{cid}/copy", headers=headers).json()["id"]
            db = api.app.state.db

            async def start_in_the_past() -> None:
                async with db.transaction() as session:
                    row = await session.get(Campaign, copy)
                    row.start_date = utcnow() - timedelta(seconds=1)
                    session.add(row)

            async def state() -> str:
                # Read the row directly: a GET would apply due dates itself, and this test is about the sweeper.
                async with db.transaction(write=False) as session:
                    return (await session.exec(select(Campaign.state).where(Campaign.id == copy))).one()

            api.blocking_portal.call(start_in_the_past)
            deadline = time.monotonic() + 20
            while api.blocking_portal.call(state) != "active":
                assert time.monotonic() < deadline, "the sweeper did not publish the campaign within 20 s"
                time.sleep(0.2)
        finally:
            from tests.databases import wipe

            api.blocking_portal.call(wipe, app.state.db)
