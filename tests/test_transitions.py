"""The state machines: one transition function per entity, each move checked, paid for and recorded once."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient
from sqlalchemy import event as sa_event
from sqlmodel import select

from taskengine.db.models import Assignment, DomainEvent, JobResult, utcnow
from taskengine.domain.campaigns import CampaignOut
from taskengine.domain.review import ResultOut
from taskengine.domain.states import (
    ASSIGNMENT_MOVES,
    CAMPAIGN_MOVES,
    RESULT_MOVES,
    AssignmentState,
    CampaignState,
    ResultState,
    move_assignment,
)
from taskengine.domain.workers import AssignmentOut
from taskengine.errors import DomainError, ErrorCode
from tests.requesters import make_requester
from tests.test_api_components import assert_error
from tests.test_results import answers, ledger_ok, started, submit
from tests.test_worker_api import make_worker, published

Client = TestClient  # type: ignore[type-arg]
SRC = Path(__file__).resolve().parents[1] / "src" / "taskengine"


def events(api: Client) -> list[DomainEvent]:
    async def read() -> list[DomainEvent]:
        async with api.app.state.db.transaction(write=False) as session:
            return list((await session.exec(select(DomainEvent).order_by(DomainEvent.id))).all())  # type: ignore[arg-type]

    return list(api.blocking_portal.call(read))


def soft_reject(api: Client, requester: dict[str, str], result_id: int) -> None:
    until = (utcnow() + timedelta(days=1)).isoformat(timespec="seconds")
    response = api.post(
        f"/results/{result_id}/soft-reject", json={"reason": "Again", "until": until}, headers=requester
    )
    assert response.status_code == 200, response.text


def test_only_the_transition_functions_write_states() -> None:
    writes = re.compile(r"\.state\s*(,[^=\n]*)?=(?!=)")
    found = [
        f"{path.relative_to(SRC)}:{number}"
        for path in SRC.rglob("*.py")
        if path.name != "_moves.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if writes.search(line) and "app.state" not in line
    ]
    assert found == []


def test_states_are_the_wire_strings_and_every_state_has_its_moves() -> None:
    assert [s.value for s in ResultState] == ["InReview", "Approved", "Rejected", "SoftRejected", "Expired"]
    assert [s.value for s in AssignmentState] == ["working", "submitted", "returned", "expired"]
    assert [s.value for s in CampaignState] == ["unpublished", "active", "paused", "cancelled", "finished"]
    assert set(CAMPAIGN_MOVES) == set(CampaignState)
    assert set(ASSIGNMENT_MOVES) == set(AssignmentState)
    assert set(RESULT_MOVES) == set(ResultState)


def test_the_wire_structs_list_every_state() -> None:
    # OpenAPI derives from these: once every handler names its response type, the document lists them all.
    for struct, states in ((CampaignOut, CampaignState), (AssignmentOut, AssignmentState), (ResultOut, ResultState)):
        schema = msgspec.json.encode(msgspec.json.schema(struct)).decode()
        assert all(f'"{state.value}"' in schema for state in states), struct


def test_every_move_writes_exactly_one_event(api: Client) -> None:
    requester = make_requester(api, credit="20")
    campaign, jobs = published(api, requester, results=1, jobs=2)
    _, worker = make_worker(api)
    first = started(api, worker, campaign, jobs[0])
    result = submit(api, worker, first).json()
    assert api.post(f"/results/{result['id']}/approve", headers=requester).status_code == 200
    second = started(api, worker, campaign, jobs[1])
    assert api.post(f"/worker/assignments/{second['assignment']['id']}/return", headers=worker).status_code == 200
    assert api.post(f"/campaigns/{campaign}/pause", headers=requester).status_code == 200
    assert api.post(f"/campaigns/{campaign}/cancel", headers=requester).status_code == 200

    seen = [(e.type, e.from_state, e.to_state) for e in events(api)]
    assert seen == [
        ("campaign.published", "unpublished", "active"),
        ("assignment.started", None, "working"),
        ("result.submitted", None, "InReview"),
        ("assignment.submitted", "working", "submitted"),
        ("result.approved", "InReview", "Approved"),
        ("assignment.started", None, "working"),
        ("assignment.returned", "working", "returned"),
        ("campaign.paused", "active", "paused"),
        ("campaign.cancelled", "paused", "cancelled"),
    ]
    approved = next(e for e in events(api) if e.type == "result.approved")
    assert '"payment":250000' in approved.payload


def test_a_rolled_back_move_writes_no_event(api: Client) -> None:
    requester = make_requester(api, credit="20")
    campaign, jobs = published(api, requester, results=1, jobs=1)
    _, worker = make_worker(api)
    assignment_id = started(api, worker, campaign, jobs[0])["assignment"]["id"]
    before = len(events(api))

    async def move_then_fail() -> None:
        async with api.app.state.db.transaction() as session:
            row = await session.get(Assignment, assignment_id)
            assert row is not None
            await move_assignment(session, row, AssignmentState.RETURNED, now=utcnow())
            raise RuntimeError("the request fails after the move")

    with pytest.raises(RuntimeError):
        api.blocking_portal.call(move_then_fail)
    assert len(events(api)) == before
    assert api.get(f"/worker/assignments/{assignment_id}", headers=worker).json()["assignment"]["state"] == "working"


def test_a_refused_move_names_the_state_and_the_move(api: Client) -> None:
    requester = make_requester(api, credit="20")
    campaign, jobs = published(api, requester, results=1, jobs=1)
    _, worker = make_worker(api)
    sequence = started(api, worker, campaign, jobs[0])
    result = submit(api, worker, sequence).json()
    assert api.post(f"/results/{result['id']}/reject", json={"reason": "no"}, headers=requester).status_code == 200
    again = assert_error(api.post(f"/results/{result['id']}/approve", headers=requester), 409, ErrorCode.RESULT_DECIDED)
    assert "is Rejected" in again["description"] and "approved" in again["description"]
    back = api.post(f"/worker/assignments/{sequence['assignment']['id']}/return", headers=worker)
    assert "is submitted" in assert_error(back, 409, ErrorCode.ASSIGNMENT_NOT_WORKING)["description"]
    paused = assert_error(api.post(f"/campaigns/{campaign}/continue", headers=requester), 409, ErrorCode.WRONG_STATE)
    assert "active" in paused["description"]
    assert ErrorCode.WRONG_STATE.message == "Not possible in the campaign's current state"


def _soft_rejected_then(api: Client, end: str) -> tuple[dict[str, Any], dict[str, str], int, int]:
    """A soft-rejected result whose assignment then ends by `end` ("return" or "expiry"); the state after it."""
    requester = make_requester(api, credit="20")
    campaign, jobs = published(api, requester, results=1, jobs=1)
    _, worker = make_worker(api)
    sequence = started(api, worker, campaign, jobs[0])
    result = submit(api, worker, sequence).json()
    soft_reject(api, requester, result["id"])
    assignment_id = sequence["assignment"]["id"]
    if end == "return":
        assert api.post(f"/worker/assignments/{assignment_id}/return", headers=worker).status_code == 200
    else:

        async def run_out() -> None:
            from taskengine.domain.scheduler import expire_assignments

            async with api.app.state.db.transaction() as session:
                row = await session.get(Assignment, assignment_id)
                assert row is not None
                row.deadline = utcnow() - timedelta(seconds=1)
                session.add(row)
            async with api.app.state.db.transaction() as session:
                assert await expire_assignments(session) == 1

        api.blocking_portal.call(run_out)
    return requester, worker, result["id"], campaign


@pytest.mark.parametrize("end", ["return", "expiry"])
def test_giving_back_a_soft_rejected_assignment_expires_its_result_like_the_redo_running_out(
    api: Client, end: str
) -> None:
    requester, worker, result_id, campaign = _soft_rejected_then(api, end)
    assert api.get(f"/results/{result_id}", headers=requester).json()["state"] == "Expired"
    assert api.get("/worker/results", headers=worker).json()["results"][0]["state"] == "Expired"
    # Its place is back on the market, its money still frozen for whoever fills it.
    assert len(api.get("/worker/jobs", headers=make_worker(api, "bob@example.com")[1]).json()["jobs"]) == 1
    assert api.get("/me", headers=requester).json()["balance"] == {"available": "19.70 USD", "frozen": "0.30 USD"}
    types = Counter(e.type for e in events(api))
    assert types["result.expired"] == 1 and types["result.soft_rejected"] == 1 and types["assignment.reopened"] == 1
    assert api.post(f"/campaigns/{campaign}/cancel", headers=requester).status_code == 200
    assert api.get("/me", headers=requester).json()["balance"] == {"available": "20.00 USD", "frozen": "0.00 USD"}
    ledger_ok(api)


def test_a_redo_is_a_new_result_in_review_that_replaces_the_soft_rejected_one(api: Client) -> None:
    requester = make_requester(api, credit="20")
    campaign, jobs = published(api, requester, results=1, jobs=1)
    _, worker = make_worker(api)
    sequence = started(api, worker, campaign, jobs[0])
    first = submit(api, worker, sequence).json()
    soft_reject(api, requester, first["id"])
    redo = submit(api, worker, sequence, {**answers(sequence, rating=5), "id": "redo"}).json()
    submitted = [e for e in events(api) if e.type == "result.submitted"]
    assert [(e.entity_id, e.from_state) for e in submitted] == [(first["id"], None), (redo["id"], "SoftRejected")]
    assert f'"replaces":{first["id"]}' in submitted[1].payload


def test_deciding_a_result_whose_review_time_ran_out_is_refused_until_the_scheduler_pays(api: Client) -> None:
    requester = make_requester(api, credit="20")
    campaign, jobs = published(api, requester, results=1, jobs=1, maxReviewTime="1 hour")
    _, worker = make_worker(api)
    result = submit(api, worker, started(api, worker, campaign, jobs[0])).json()

    async def overdue() -> None:
        async with api.app.state.db.transaction() as session:
            row = await session.get(JobResult, result["id"])
            assert row is not None
            row.review_until = utcnow() - timedelta(seconds=1)
            session.add(row)

    api.blocking_portal.call(overdue)
    refused = api.post(f"/results/{result['id']}/reject", json={"reason": "late"}, headers=requester)
    assert "review time ran out" in assert_error(refused, 409, ErrorCode.RESULT_DECIDED)["description"]
    assert api.get(f"/results/{result['id']}", headers=requester).json()["state"] == "Approved"


def test_a_move_outside_the_table_raises_the_entitys_code(api: Client) -> None:
    requester = make_requester(api, credit="20")
    campaign, jobs = published(api, requester, results=1, jobs=1)
    _, worker = make_worker(api)
    sequence = started(api, worker, campaign, jobs[0])
    submit(api, worker, sequence)

    async def reopen_without_soft_rejection() -> None:
        async with api.app.state.db.transaction() as session:
            row = await session.get(Assignment, sequence["assignment"]["id"])
            assert row is not None
            await move_assignment(session, row, AssignmentState.EXPIRED, now=utcnow())

    with pytest.raises(DomainError) as refused:
        api.blocking_portal.call(reopen_without_soft_rejection)
    assert refused.value.code is ErrorCode.ASSIGNMENT_NOT_WORKING
    assert "from submitted to expired" in refused.value.description


def _backdate(api: Client, model: Any, row_id: int, column: str) -> None:
    async def change() -> None:
        async with api.app.state.db.transaction() as session:
            row = await session.get(model, row_id)
            setattr(row, column, utcnow() - timedelta(seconds=1))
            session.add(row)

    api.blocking_portal.call(change)


def test_reads_write_nothing_yet_read_what_is_due(api: Client) -> None:
    requester = make_requester(api, credit="20")
    campaign, jobs = published(api, requester, results=1, jobs=3, maxReviewTime="1 hour")
    ada_id, ada = make_worker(api)
    _, bob = make_worker(api, "bob@example.com")
    approved = submit(api, ada, started(api, ada, campaign, jobs[0])).json()
    _backdate(api, JobResult, approved["id"], "review_until")  # review time ran out
    redo = started(api, ada, campaign, jobs[1])
    expired = submit(api, ada, redo).json()
    soft_reject(api, requester, expired["id"])
    _backdate(api, Assignment, redo["assignment"]["id"], "deadline")  # the redo date passed (both hold it)
    _backdate(api, JobResult, expired["id"], "redo_until")
    late = started(api, ada, campaign, jobs[2])
    _backdate(api, Assignment, late["assignment"]["id"], "deadline")  # the work time ran out

    written: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if re.match(r"\s*(INSERT|UPDATE|DELETE|BEGIN IMMEDIATE)", statement, re.IGNORECASE):
            written.append(statement)

    engine = api.app.state.db.engine.sync_engine
    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        reads = {
            path: api.get(path, headers=headers)
            for path, headers in (
                ("/worker/jobs", bob),
                ("/worker/jobs", ada),
                (f"/worker/assignments/{late['assignment']['id']}", ada),
                ("/worker/results", ada),
                ("/worker/me", ada),
                (f"/campaigns/{campaign}/results", requester),
                (f"/campaigns/{campaign}/results?state=Approved", requester),
                (f"/campaigns/{campaign}/workers", requester),
                (f"/campaigns/{campaign}/workers?InReview=true", requester),
                (f"/campaigns/{campaign}/workers/{ada_id}/results", requester),
                (f"/results/{approved['id']}", requester),
            )
        }
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)
    assert written == []
    assert all(r.status_code == 200 for r in reads.values()), {p: r.text for p, r in reads.items()}

    # What is due reads as done: the free places are on the market, the overdue review reads (and pays) approved.
    assert sorted(j["jobId"] for j in reads["/worker/jobs"].json()["jobs"]) == [jobs[1], jobs[2]]
    assert reads[f"/worker/assignments/{late['assignment']['id']}"].json()["assignment"]["state"] == "expired"
    states = {r["id"]: r["state"] for r in reads["/worker/results"].json()["results"]}
    assert states == {approved["id"]: "Approved", expired["id"]: "Expired"}
    assert reads["/worker/me"].json()["earnings"] == "0.25 USD"
    assert reads["/worker/me"].json()["experience"]["global"] == 1
    listed = reads[f"/campaigns/{campaign}/results?state=Approved"].json()["results"]
    assert [(r["id"], "automatically" in r["message"]) for r in listed] == [(approved["id"], True)]
    assert reads[f"/campaigns/{campaign}/workers?InReview=true"].json()["workers"] == []
    assert reads[f"/results/{approved['id']}"].json()["state"] == "Approved"

    # The scheduler then makes it so, once: stored states match what was read, and the money moved.
    from taskengine.domain.scheduler import run_due

    done = api.blocking_portal.call(run_due, api.app.state.db)
    assert done == {"campaign dates": 0, "assignment expiry": 2, "auto-approval": 1}
    assert api.blocking_portal.call(run_due, api.app.state.db) == dict.fromkeys(done, 0)
    assert api.get(f"/results/{expired['id']}", headers=requester).json()["state"] == "Expired"
    assert api.get("/worker/me", headers=ada).json()["earnings"] == "0.25 USD"
    types = Counter(e.type for e in events(api))
    assert (types["assignment.expired"], types["result.expired"], types["result.approved"]) == (2, 1, 1)
    ledger_ok(api)
