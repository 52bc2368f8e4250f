"""The worker API over HTTP: accounts, the job market, starting and returning jobs, the job sequence."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.testing import TestClient

from taskengine.errors import ErrorCode
from tests.requesters import PUBLISHABLE, make_requester, rating_task
from tests.test_api_components import assert_error

Client = TestClient  # type: ignore[type-arg]
PASSWORD = "worker password"


def make_worker(api: Client, email: str = "wanda@example.com") -> tuple[int, dict[str, str]]:
    signed_up = api.post("/worker/signup", json={"email": email, "password": PASSWORD})
    assert signed_up.status_code == 201, signed_up.text
    token = api.post("/worker/auth/token/request", json={"email": email, "password": PASSWORD})
    assert token.status_code == 200, token.text
    return signed_up.json()["id"], {"X-Auth-Token": token.json()["accessToken"]}


def published(
    api: Client, headers: dict[str, str], *, results: int = 2, jobs: int = 2, **settings: Any
) -> tuple[int, list[int]]:
    tasks = [api.post("/tasks", json=rating_task(f"Task {i}"), headers=headers).json()["id"] for i in range(3)]
    job_ids = []
    for i in range(jobs):
        job = api.post("/jobs", json={"name": f"Job {i}"}, headers=headers).json()["id"]
        assert api.put(f"/jobs/{job}/tasks", json=tasks, headers=headers).status_code == 200
        job_ids.append(job)
    body = {
        "name": "C",
        **PUBLISHABLE,
        "title": "Rate pictures",
        "workerPayment": "0.25",
        "results": results,
        **settings,
    }
    campaign = api.post("/campaigns", json=body, headers=headers).json()["id"]
    assert api.put(f"/campaigns/{campaign}/jobs", json=job_ids, headers=headers).status_code == 200
    assert api.post(f"/campaigns/{campaign}/publish", headers=headers).status_code == 200, "publish"
    return campaign, job_ids


def test_market_start_sequence_and_return(api: Client) -> None:
    requester = make_requester(api, credit="20")
    campaign, jobs = published(api, requester, results=1)
    _, worker = make_worker(api)

    market = api.get("/worker/jobs", headers=worker).json()
    assert [(j["campaignId"], j["jobId"]) for j in market["jobs"]] == [(campaign, jobs[0]), (campaign, jobs[1])]
    first = market["jobs"][0]
    assert first["title"] == "Rate pictures" and first["payment"] == 0.25 and first["resultsNeeded"] == 1

    started = api.post(first["start"], headers=worker)
    assert started.status_code == 201, started.text
    assignment = started.json()
    assert assignment["state"] == "working" and assignment["deadline"] > assignment["startedAt"]
    # The job's one place is taken: it leaves the market, for this worker and anyone else.
    assert [j["jobId"] for j in api.get("/worker/jobs", headers=worker).json()["jobs"]] == [jobs[1]]

    sequence = api.get(f"/worker/assignments/{assignment['id']}", headers=worker)
    assert sequence.status_code == 200
    body = sequence.json()
    assert body["assignment"]["id"] == assignment["id"]
    assert [t["name"] for t in body["tasks"]] == ["Task 0", "Task 1", "Task 2"]
    assert body["tasks"][0]["components"][2]["type"] == "Rating"
    # Formats, ETags and the quick path: tests/test_worker_sequence.py.

    returned = api.post(f"/worker/assignments/{assignment['id']}/return", headers=worker)
    assert returned.status_code == 200 and returned.json()["state"] == "returned"
    assert len(api.get("/worker/jobs", headers=worker).json()["jobs"]) == 2
    assert_error(
        api.post(f"/worker/assignments/{assignment['id']}/return", headers=worker),
        409,
        ErrorCode.ASSIGNMENT_NOT_WORKING,
    )


def test_start_refusals(api: Client) -> None:
    requester = make_requester(api, credit="20")
    campaign, jobs = published(api, requester, results=1)
    _, ada = make_worker(api)
    _, bob = make_worker(api, "bob@example.com")
    assert api.post(f"/worker/campaigns/{campaign}/jobs/{jobs[0]}/start", headers=ada).status_code == 201
    assert_error(
        api.post(f"/worker/campaigns/{campaign}/jobs/{jobs[0]}/start", headers=ada), 409, ErrorCode.ALREADY_STARTED
    )
    assert_error(
        api.post(f"/worker/campaigns/{campaign}/jobs/{jobs[0]}/start", headers=bob), 409, ErrorCode.NO_PLACES_LEFT
    )
    assert_error(api.post(f"/worker/campaigns/{campaign}/jobs/999999/start", headers=bob), 404, ErrorCode.NOT_FOUND)
    # No row can have this id: 400 naming the parameter (issue 9; it was 404).
    assert_error(api.post(f"/worker/campaigns/{2**40}/jobs/1/start", headers=bob), 400, ErrorCode.INVALID_PARAMETER)
    api.post(f"/campaigns/{campaign}/pause", headers=requester)
    body = assert_error(
        api.post(f"/worker/campaigns/{campaign}/jobs/{jobs[1]}/start", headers=bob), 409, ErrorCode.WRONG_STATE
    )
    assert "paused" in body["description"]
    assert api.get("/worker/jobs", headers=bob).json()["jobs"] == []


def test_worker_groups_limit_who_sees_a_campaign(api: Client) -> None:
    requester = make_requester(api, credit="20")
    ada_id, ada = make_worker(api)
    _, bob = make_worker(api, "bob@example.com")
    group = api.post("/worker-groups", json={"name": "Trusted"}, headers=requester).json()
    members = api.put(f"/worker-groups/{group['id']}/workers", json=[ada_id], headers=requester)
    assert members.status_code == 200 and members.json()["workers"] == [ada_id]
    campaign, jobs = published(api, requester, results=1, jobs=1, workerGroup=group["id"])
    assert [j["jobId"] for j in api.get("/worker/jobs", headers=ada).json()["jobs"]] == jobs
    assert api.get("/worker/jobs", headers=bob).json()["jobs"] == []
    assert_error(api.post(f"/worker/campaigns/{campaign}/jobs/{jobs[0]}/start", headers=bob), 404, ErrorCode.NOT_FOUND)


def test_workers_and_requesters_keep_to_their_own_routes(api: Client) -> None:
    requester = make_requester(api, credit="20")
    campaign, jobs = published(api, requester, results=2, jobs=1)
    _, ada = make_worker(api)
    _, bob = make_worker(api, "bob@example.com")
    assert_error(api.get("/tasks", headers=ada), 403, ErrorCode.FORBIDDEN)
    assert_error(api.get("/worker/jobs", headers=requester), 403, ErrorCode.FORBIDDEN)
    mine = api.post(f"/worker/campaigns/{campaign}/jobs/{jobs[0]}/start", headers=ada).json()["id"]
    assert_error(api.get(f"/worker/assignments/{mine}", headers=bob), 404, ErrorCode.NOT_FOUND)
    assert_error(api.post(f"/worker/assignments/{mine}/return", headers=bob), 404, ErrorCode.NOT_FOUND)
    me = api.get("/worker/me", headers=ada).json()
    assert me["email"] == "wanda@example.com" and me["earnings"] == "0.00 USD"


def test_signup_can_be_closed_and_refuses_bad_credentials(api: Client) -> None:
    assert_error(api.post("/worker/signup", json={"email": "x", "password": PASSWORD}), 422, ErrorCode.INVALID_BODY)
    assert_error(api.post("/worker/signup", json={"email": "a@b.co", "password": "short"}), 422, ErrorCode.INVALID_BODY)
    make_worker(api)
    assert_error(
        api.post("/worker/signup", json={"email": "wanda@example.com", "password": PASSWORD}), 409, ErrorCode.CONFLICT
    )
    api.app.state.settings = msgspec.structs.replace(api.app.state.settings, worker_signup=False)
    assert_error(
        api.post("/worker/signup", json={"email": "new@example.com", "password": PASSWORD}), 403, ErrorCode.FORBIDDEN
    )
