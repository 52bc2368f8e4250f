"""Submitting results and reviewing them: validation, idempotent resubmission, approval pays exactly once."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from litestar.testing import TestClient

from taskengine.db.models import Assignment, JobResult, utcnow
from taskengine.domain.money import check_invariant
from taskengine.domain.scheduler import approve_due
from taskengine.errors import ErrorCode
from tests.requesters import make_requester
from tests.test_api_components import assert_error
from tests.test_worker_api import make_worker, published

Client = TestClient  # type: ignore[type-arg]


def answers(sequence: dict[str, Any], rating: float = 4) -> dict[str, Any]:
    """A valid submission for the rating tasks of tests.requesters.rating_task: Text, Image, Rating.

    Every task starts and ends when the assignment started: completedAt may lie neither before that nor after
    the submission (issue 9).
    """
    at = sequence["assignment"]["startedAt"]
    return {
        "id": f"device-{sequence['assignment']['id']}-a",
        "taskResults": [
            {"task": t["id"], "startedAt": at, "completedAt": at, "components": [None, None, {"rating": rating}]}
            for t in sequence["tasks"]
        ],
    }


def started(api: Client, worker: dict[str, str], campaign: int, job: int) -> dict[str, Any]:
    assignment = api.post(f"/worker/campaigns/{campaign}/jobs/{job}/start", headers=worker)
    assert assignment.status_code == 201, assignment.text
    return api.get(f"/worker/assignments/{assignment.json()['id']}", headers=worker).json()  # type: ignore[no-any-return]


def backdate(api: Client, result_id: int, age: timedelta) -> None:
    """Make the result look submitted `age` ago (its review time running out without waiting)."""

    async def change() -> None:
        async with api.app.state.db.transaction() as session:
            row = await session.get(JobResult, result_id)
            assert row is not None and row.review_until is not None
            # The end of its review time moves with it: that is what due work and reads go by.
            row.review_until += utcnow() - age - row.submitted_at
            row.submitted_at = utcnow() - age
            session.add(row)

    api.blocking_portal.call(change)


def submit(api: Client, worker: dict[str, str], sequence: dict[str, Any], body: dict[str, Any] | None = None) -> Any:
    """POST a result for the started `sequence` (by default a valid one) and return the response."""
    path = f"/worker/assignments/{sequence['assignment']['id']}/result"
    return api.post(path, json=answers(sequence) if body is None else body, headers=worker)


def ledger_ok(api: Client, requester_id: int = 1) -> None:
    async def check() -> None:
        async with api.app.state.db.transaction(write=False) as session:
            await check_invariant(session, requester_id)

    api.blocking_portal.call(check)


def test_submit_review_approve_and_pay(api: Client) -> None:
    requester = make_requester(api, credit="20")
    campaign, jobs = published(api, requester, results=1, jobs=1)  # 0.25 a result, 20 % commission
    _, worker = make_worker(api)
    sequence = started(api, worker, campaign, jobs[0])
    body = answers(sequence)
    submitted = submit(api, worker, sequence, body)
    assert submitted.status_code == 201, submitted.text
    result = submitted.json()
    assert result["state"] == "InReview" and result["mediaChecked"] is False
    assert result["taskResults"][0]["components"][2] == {
        "data": {"type": "Rating", "sticky": False, "optionalResult": False, "landscape": False,
                 "properties": {"steps": 5, "halfSteps": False}},
        "result": {"rating": 4.0},
    }  # fmt: skip
    # Resending the same submission is harmless; the same id with another body is a conflict.
    again = submit(api, worker, sequence, body)
    assert again.status_code == 200 and again.json() == result
    other = answers(sequence, rating=2)
    assert_error(
        submit(api, worker, sequence, other),
        409,
        ErrorCode.SUBMISSION_MISMATCH,
    )

    listed = api.get(f"/campaigns/{campaign}/results?state=InReview", headers=requester).json()["results"]
    assert [r["id"] for r in listed] == [result["id"]]
    approved = api.post(f"/results/{result['id']}/approve", json={"message": "Well done!"}, headers=requester)
    assert approved.status_code == 200 and approved.json()["state"] == "Approved"
    assert api.get("/worker/me", headers=worker).json()["earnings"] == "0.25 USD"
    # The one result the campaign needed is in: it finished, and nothing stays frozen.
    assert api.get(f"/campaigns/{campaign}", headers=requester).json()["state"] == "finished"
    assert api.get("/me", headers=requester).json()["balance"] == {"available": "19.70 USD", "frozen": "0.00 USD"}
    assert_error(api.post(f"/results/{result['id']}/approve", headers=requester), 409, ErrorCode.RESULT_DECIDED)
    mine = api.get("/worker/results", headers=worker).json()["results"]
    assert [(r["id"], r["state"], r["message"]) for r in mine] == [(result["id"], "Approved", "Well done!")]
    ledger_ok(api)


def test_bad_results_are_refused_with_every_problem_and_nothing_stored(api: Client) -> None:
    requester = make_requester(api, credit="20")
    campaign, jobs = published(api, requester, results=1, jobs=1)
    _, worker = make_worker(api)
    sequence = started(api, worker, campaign, jobs[0])
    body = answers(sequence)
    body["taskResults"][0]["components"] = [None, {"x": 1}, {"rating": 9}]
    body["taskResults"][1]["components"] = [None, None]
    body["taskResults"][2]["task"] = 999
    response = submit(api, worker, sequence, body)
    problems = assert_error(response, 422, ErrorCode.INVALID_RESULT)["problems"]
    assert [p["path"] for p in problems] == [
        "taskResults[0].components[1]",
        "taskResults[0].components[2].rating",
        "taskResults[1].components",
        "taskResults[2].task",
    ]
    assert api.get(f"/campaigns/{campaign}/results", headers=requester).json()["results"] == []
    assert (
        api.get(f"/worker/assignments/{sequence['assignment']['id']}", headers=worker).json()["assignment"]["state"]
        == "working"
    )
    assert_error(
        submit(api, worker, sequence, {"id": "x"}),
        422,
        ErrorCode.INVALID_RESULT,
    )


def test_results_only_for_ones_own_live_assignments(api: Client) -> None:
    requester = make_requester(api, credit="20")
    campaign, jobs = published(api, requester, results=2, jobs=2)
    _, ada = make_worker(api)
    _, bob = make_worker(api, "bob@example.com")
    mine = started(api, ada, campaign, jobs[0])
    assert_error(
        submit(api, bob, mine),
        404,
        ErrorCode.NOT_FOUND,
    )
    # Returned, then too late.
    api.post(f"/worker/assignments/{mine['assignment']['id']}/return", headers=ada)
    assert_error(
        submit(api, ada, mine),
        409,
        ErrorCode.ASSIGNMENT_NOT_WORKING,
    )
    late = started(api, ada, campaign, jobs[1])

    async def overdue() -> None:
        async with api.app.state.db.transaction() as session:
            row = await session.get(Assignment, late["assignment"]["id"])
            row.deadline = utcnow() - timedelta(seconds=1)  # type: ignore[union-attr]
            session.add(row)

    api.blocking_portal.call(overdue)
    body = assert_error(
        submit(api, ada, late),
        409,
        ErrorCode.ASSIGNMENT_NOT_WORKING,
    )
    assert "expired" in body["description"]
    # Requesters see only their own results.
    other = make_requester(api, email="other@example.com")
    assert_error(api.get(f"/campaigns/{campaign}/results", headers=other), 404, ErrorCode.NOT_FOUND)


def test_reject_reopens_the_place_and_keeps_its_money_for_the_next_worker(api: Client) -> None:
    requester = make_requester(api, credit="20")
    campaign, jobs = published(api, requester, results=1, jobs=1)
    _, ada = make_worker(api)
    _, bob = make_worker(api, "bob@example.com")
    sequence = started(api, ada, campaign, jobs[0])
    result = submit(api, ada, sequence).json()
    assert api.get("/worker/jobs", headers=bob).json()["jobs"] == []  # submitted results hold their place
    assert_error(api.post(f"/results/{result['id']}/reject", json={}, headers=requester), 422, ErrorCode.INVALID_BODY)
    rejected = api.post(f"/results/{result['id']}/reject", json={"reason": "Blurry"}, headers=requester)
    assert rejected.status_code == 200 and rejected.json()["reason"] == "Blurry"
    # The place is open again, and the money for it stays frozen: the next result must be payable.
    assert api.get("/me", headers=requester).json()["balance"] == {"available": "19.70 USD", "frozen": "0.30 USD"}
    assert [j["jobId"] for j in api.get("/worker/jobs", headers=bob).json()["jobs"]] == jobs
    ledger_ok(api)
    refill = submit(api, bob, started(api, bob, campaign, jobs[0])).json()
    approved = api.post(f"/results/{refill['id']}/approve", headers=requester)
    assert approved.status_code == 200, approved.text
    assert api.get(f"/campaigns/{campaign}", headers=requester).json()["state"] == "finished"
    assert api.get("/me", headers=requester).json()["balance"] == {"available": "19.70 USD", "frozen": "0.00 USD"}
    ledger_ok(api)


def test_approval_pays_exactly_once_when_everyone_approves_at_once(api: Client) -> None:
    requester = make_requester(api, credit="20")
    campaign, jobs = published(api, requester, results=1, jobs=1, maxReviewTime="1 hour")
    _, worker = make_worker(api)
    sequence = started(api, worker, campaign, jobs[0])
    result = submit(api, worker, sequence).json()

    backdate(api, result["id"], timedelta(hours=2))
    statuses: list[int] = []

    def approve() -> None:
        statuses.append(api.post(f"/results/{result['id']}/approve", headers=requester).status_code)

    async def sweep() -> None:
        async with api.app.state.db.transaction() as session:
            await approve_due(session)

    threads = [threading.Thread(target=approve) for _ in range(6)]
    for thread in threads:
        thread.start()
    api.blocking_portal.call(sweep)
    for thread in threads:
        thread.join()
    assert statuses.count(200) <= 1 and set(statuses) <= {200, 409}
    assert api.get("/worker/me", headers=worker).json()["earnings"] == "0.25 USD"
    assert api.get(f"/results/{result['id']}", headers=requester).json()["state"] == "Approved"
    ledger_ok(api)


def test_review_time_running_out_approves_before_anyone_reads(api: Client) -> None:
    requester = make_requester(api, credit="20")
    campaign, jobs = published(api, requester, results=1, jobs=1, maxReviewTime="1 hour")
    _, worker = make_worker(api)
    sequence = started(api, worker, campaign, jobs[0])
    result = submit(api, worker, sequence).json()

    backdate(api, result["id"], timedelta(minutes=61))
    [listed] = api.get(f"/campaigns/{campaign}/results", headers=requester).json()["results"]
    assert listed["state"] == "Approved" and "automatically" in listed["message"]
    assert api.get("/worker/me", headers=worker).json()["earnings"] == "0.25 USD"
    ledger_ok(api)


def test_another_requesters_result_is_as_absent_as_a_missing_one(api: Client) -> None:
    requester = make_requester(api, credit="20")
    other = make_requester(api, email="other@example.com", credit="20")
    campaign, jobs = published(api, requester, results=1, jobs=1)
    _, worker = make_worker(api)
    sequence = started(api, worker, campaign, jobs[0])
    result = submit(api, worker, sequence).json()
    for method, path, body in (
        ("GET", f"/results/{result['id']}", None),
        ("POST", f"/results/{result['id']}/approve", {}),
        ("POST", f"/results/{result['id']}/reject", {"reason": "mine now"}),
    ):
        foreign = api.request(method, path, headers=other, json=body)
        missing = api.request(method, path.replace(str(result["id"]), "999999"), headers=other, json=body)
        assert foreign.status_code == missing.status_code == 404, (path, foreign.text)
    assert api.get(f"/results/{result['id']}", headers=requester).json()["state"] == "InReview"
    assert api.get("/worker/me", headers=worker).json()["earnings"] == "0.00 USD"


def test_worker_figures_and_approve_all(api: Client) -> None:
    requester = make_requester(api, credit="50")
    campaign, jobs = published(api, requester, results=2, jobs=3)
    ada_id, ada = make_worker(api)
    bob_id, bob = make_worker(api, "bob@example.com")
    ids = {}
    for worker, name in ((ada, "ada"), (bob, "bob")):
        for job in jobs:
            sequence = started(api, worker, campaign, job)
            body = {**answers(sequence), "id": f"{name}-{job}"}
            ids[(name, job)] = submit(api, worker, sequence, body).json()["id"]
    api.post(f"/results/{ids[('bob', jobs[0])]}/reject", json={"reason": "No"}, headers=requester)
    listed = api.get(f"/campaigns/{campaign}/workers?InReview=true", headers=requester).json()["workers"]
    assert [w["id"] for w in listed] == [ada_id, bob_id]
    assert listed[1]["results"] == {"inReview": 2, "approved": 0, "rejected": 1}
    assert listed[1]["reputation"] == {"me": 0.0, "global": 0.0}
    approved = api.post(f"/campaigns/{campaign}/workers/{ada_id}/approve-all", headers=requester).json()["results"]
    assert sorted(r["id"] for r in approved) == sorted(ids[("ada", job)] for job in jobs)
    one = api.get(f"/campaigns/{campaign}/workers/{ada_id}/results?state=Approved", headers=requester).json()
    assert len(one["results"]) == 3 and one["worker"]["experience"] == {"me": 3, "global": 3}
    assert one["worker"]["reputation"] == {"me": 100.0, "global": 100.0}
    rest = api.post(f"/campaigns/{campaign}/results/approve-all", headers=requester).json()["results"]
    assert len(rest) == 2
    me = api.get("/worker/me", headers=bob).json()
    assert me["results"] == {"inReview": 0, "approved": 2, "rejected": 1}
    assert me["reputation"]["global"] == 66.67 and me["experience"]["global"] == 2
    assert me["earnings"] == "0.50 USD"
    assert api.get("/worker/me", headers=ada).json()["earnings"] == "0.75 USD"
    ledger_ok(api)


def test_soft_reject_lets_the_worker_redo_and_runs_out(api: Client) -> None:
    requester = make_requester(api, credit="20")
    campaign, jobs = published(api, requester, results=1, jobs=2)
    _, worker = make_worker(api)
    first = started(api, worker, campaign, jobs[0])
    result = submit(api, worker, first).json()
    body = assert_error(
        api.post(
            f"/results/{result['id']}/soft-reject",
            json={"reason": "Again", "until": "2000-01-01T00:00"},
            headers=requester,
        ),
        422,
        ErrorCode.INVALID_BODY,
    )
    assert body["problems"][0]["path"] == "until"
    until = (utcnow() + timedelta(days=1)).isoformat(timespec="seconds")
    soft = api.post(
        f"/results/{result['id']}/soft-reject", json={"reason": "Sharper please", "until": until}, headers=requester
    )
    assert (
        soft.status_code == 200
        and soft.json()["state"] == "SoftRejected"
        and soft.json()["redoUntil"].startswith(until)
    )
    mine = api.get("/worker/results", headers=worker).json()["results"][0]
    assert (mine["state"], mine["reason"]) == ("SoftRejected", "Sharper please")
    # The redo replaces the result; the worker's reputation never saw the soft rejection.
    redo = {**answers(first, rating=5), "id": "redo-1"}
    again = submit(api, worker, first, redo)
    assert again.status_code == 201 and again.json()["state"] == "InReview"
    assert again.json()["taskResults"][0]["components"][2]["result"] == {"rating": 5.0}
    assert api.get("/worker/me", headers=worker).json()["reputation"]["global"] == 100.0

    # A second job soft-rejected and not redone in time: the result expires and its place reopens, its money
    # still frozen for whoever fills it; cancelling the campaign then returns everything not held by live work.
    second = started(api, worker, campaign, jobs[1])
    other = submit(api, worker, second, {**answers(second), "id": "b"}).json()
    api.post(f"/results/{other['id']}/soft-reject", json={"reason": "Again", "until": until}, headers=requester)
    frozen_before = api.get("/me", headers=requester).json()["balance"]["frozen"]

    async def run_out() -> None:
        from taskengine.domain.scheduler import expire_assignments

        async with api.app.state.db.transaction() as session:
            row = await session.get(Assignment, second["assignment"]["id"])
            row.deadline = utcnow() - timedelta(seconds=1)  # type: ignore[union-attr]
            session.add(row)
        async with api.app.state.db.transaction() as session:
            assert await expire_assignments(session) == 1

    api.blocking_portal.call(run_out)
    assert api.get(f"/results/{other['id']}", headers=requester).json()["state"] == "Expired"
    assert frozen_before == "0.60 USD" and api.get("/me", headers=requester).json()["balance"]["frozen"] == "0.60 USD"
    ledger_ok(api)
    assert api.post(f"/campaigns/{campaign}/cancel", headers=requester).status_code == 200
    # The redone result is still in review: its 0.30 stays frozen until it is decided.
    assert api.get("/me", headers=requester).json()["balance"]["frozen"] == "0.30 USD"
    assert api.post(f"/results/{again.json()['id']}/approve", headers=requester).status_code == 200
    assert api.get("/me", headers=requester).json()["balance"] == {"available": "19.70 USD", "frozen": "0.00 USD"}
    ledger_ok(api)


def test_reject_then_refill_and_approve_all_pays_every_place(api: Client) -> None:
    """The reported case: 10 results at 0.25, one rejected, ten more submitted, approve-all finishes it."""
    requester = make_requester(api, credit="20")
    campaign, jobs = published(api, requester, results=10, jobs=1)
    workers = [make_worker(api, f"w{i}@example.com")[1] for i in range(11)]
    first = [submit(api, w, started(api, w, campaign, jobs[0])).json() for w in workers[:10]]
    rejected = api.post(f"/results/{first[0]['id']}/reject", json={"reason": "No"}, headers=requester)
    assert rejected.status_code == 200
    assert submit(api, workers[10], started(api, workers[10], campaign, jobs[0])).status_code == 201
    approved = api.post(f"/campaigns/{campaign}/results/approve-all", headers=requester)
    assert approved.status_code == 200, approved.text
    assert api.get(f"/campaigns/{campaign}", headers=requester).json()["state"] == "finished"
    # 10 paid results at 0.30 each (0.25 and 20 % commission); nothing left frozen.
    assert api.get("/me", headers=requester).json()["balance"] == {"available": "17.00 USD", "frozen": "0.00 USD"}
    ledger_ok(api)
