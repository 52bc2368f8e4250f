"""Campaigns through the requester API (SWARMS "Campaign" and "Jobs of a Campaign"), on SQLite and PostgreSQL.

Create, read, update and delete with exactly the SWARMS fields; bad input is refused naming the field and writes
nothing; a campaign's jobs are an ordered list of the requester's own unarchived jobs; copies and archiving.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import update

from taskengine.db.models import Campaign, utcnow
from taskengine.errors import ErrorCode
from tests.requesters import make_requester, rating_task

Client = TestClient  # type: ignore[type-arg]

SWARMS_FIELDS = {
    "name", "title", "description", "terms", "estDuration", "workerPayment", "results", "maxResultsPerWorker",
    "workerGroup", "maxWorkTime", "maxUploadTime", "maxReviewTime", "training", "startDate", "endDate",
    "properties", "state", "id", "readOnly", "lastModifiedAt", "createdAt", "archived",
}  # fmt: skip
SETTINGS = SWARMS_FIELDS - {"state", "id", "readOnly", "lastModifiedAt", "createdAt", "archived"}

# The example of the SWARMS reference, with dates far enough ahead to stay in the future.
FULL: dict[str, Any] = {
    "name": "My first Campaign",
    "title": "Review model images",
    "description": "You will see 20 models images which you should rate on a 1 to 5 scale.",
    "terms": "Don't tell anyone about this.",
    "estDuration": "10 sec",
    "workerPayment": 0.01,
    "results": 3,
    "maxResultsPerWorker": 1,
    "workerGroup": None,  # a real group is the requester's own: see test_worker_group_must_be_the_requesters
    "maxWorkTime": "10 min",
    "maxUploadTime": "4 hours",
    "maxReviewTime": "3 hours",
    "training": False,
    "startDate": "2090-01-01T10:00",
    "endDate": "2090-02-01T10:00",
    "properties": {"key": "key", "value": "value"},
}


# ---------------------------------------------------------------- helpers shared with the other campaign tests


def assert_error(response: Any, status: int, code: ErrorCode) -> dict[str, Any]:
    """The response is the one error body with this status and catalogue code."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code.code, body
    assert body["message"] == code.message, body
    assert isinstance(body["description"], str) and body["description"], body
    assert set(body) <= {"code", "message", "description", "problems"}, body
    return body  # type: ignore[no-any-return]


def problem_paths(body: dict[str, Any]) -> list[str]:
    return [p["path"] for p in body.get("problems", [])]


def parse_time(text: str) -> datetime:
    """An ISO-8601 UTC timestamp as the API writes it."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert moment.utcoffset() == timedelta(0), text
    return moment


def create_task(api: Client, headers: dict[str, str], name: str = "Rate it") -> int:
    response = api.post("/tasks", json=rating_task(name), headers=headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def create_job(api: Client, headers: dict[str, str], name: str = "Job", tasks: list[int] | None = None) -> int:
    response = api.post("/jobs", json={"name": name}, headers=headers)
    assert response.status_code == 201, response.text
    job_id = int(response.json()["id"])
    if tasks is not None:
        put = api.put(f"/jobs/{job_id}/tasks", json=tasks, headers=headers)
        assert put.status_code == 200, put.text
    return job_id


def create_campaign(api: Client, headers: dict[str, str], jobs: list[int] | None = None, **settings: Any) -> int:
    # A title and a description, so the campaign can be published (issue 9); tests may override them.
    body = {"name": "Campaign", "title": "A campaign", "description": "What the work is", **settings}
    response = api.post("/campaigns", json=body, headers=headers)
    assert response.status_code == 201, response.text
    campaign_id = int(response.json()["id"])
    if jobs is not None:
        put = api.put(f"/campaigns/{campaign_id}/jobs", json=jobs, headers=headers)
        assert put.status_code == 200, put.text
    return campaign_id


def get_json(api: Client, path: str, headers: dict[str, str]) -> Any:
    response = api.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def campaign_job_ids(api: Client, campaign_id: int, headers: dict[str, str]) -> list[int]:
    """All of the campaign's job ids in order, following `_links.next`."""
    ids: list[int] = []
    path: str | None = f"/campaigns/{campaign_id}/jobs?limit=100"
    while path:
        page = get_json(api, path, headers)
        ids += [job["id"] for job in page["jobs"]]
        path = page["_links"].get("next", {}).get("href")
    return ids


def job_task_ids(api: Client, job_id: int, headers: dict[str, str]) -> list[int]:
    return [task["id"] for task in get_json(api, f"/jobs/{job_id}/tasks", headers)["tasks"]]


def all_campaign_ids(api: Client, headers: dict[str, str]) -> list[int]:
    return [c["id"] for c in get_json(api, "/campaigns?archived=true&limit=100", headers)["campaigns"]]


# ---------------------------------------------------------------- create, read, list


def test_create_answers_exactly_the_swarms_fields(api: Client) -> None:
    headers = make_requester(api)
    before = datetime.now(UTC)
    response = api.post("/campaigns", json=FULL, headers=headers)
    assert response.status_code == 201, response.text
    created = response.json()
    assert set(created) == SWARMS_FIELDS
    expected = {**FULL, "startDate": "2090-01-01T10:00:00Z", "endDate": "2090-02-01T10:00:00Z"}
    assert {key: created[key] for key in SETTINGS} == expected
    assert created["state"] == "unpublished"
    assert created["readOnly"] is False and created["archived"] is False
    assert isinstance(created["id"], int) and created["id"] > 0
    for stamp in ("createdAt", "lastModifiedAt"):
        moment = parse_time(created[stamp])
        assert before - timedelta(seconds=5) <= moment <= datetime.now(UTC) + timedelta(seconds=5)

    # Reading it back, alone or in the list, gives the same object.
    assert get_json(api, f"/campaigns/{created['id']}", headers) == created
    listed = get_json(api, "/campaigns", headers)
    assert listed["campaigns"] == [created]
    assert "self" in listed["_links"]


def test_only_a_name_is_needed_and_defaults_are_filled_in(api: Client) -> None:
    headers = make_requester(api)
    response = api.post("/campaigns", json={"name": "Minimal"}, headers=headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == SWARMS_FIELDS
    assert body["name"] == "Minimal"
    assert body["results"] >= 1 and body["maxResultsPerWorker"] >= 1
    assert body["workerPayment"] == 0
    assert body["state"] == "unpublished"
    assert body["startDate"] is None and body["endDate"] is None
    assert body["properties"] == {}
    for duration in ("maxWorkTime", "maxUploadTime", "maxReviewTime"):
        assert isinstance(body[duration], str) and body[duration]


def test_hal_adds_links_to_the_campaign_and_its_actions(api: Client) -> None:
    headers = make_requester(api)
    campaign_id = create_campaign(api, headers)
    body = get_json(api, f"/campaigns/{campaign_id}", {**headers, "Accept": "application/hal+json"})
    links = body["_links"]
    assert links["self"]["href"] == f"/campaigns/{campaign_id}"
    assert links["jobs"]["href"] == f"/campaigns/{campaign_id}/jobs"
    assert links["copy"]["href"] == f"/campaigns/{campaign_id}/copy"
    assert links["archive"]["href"] == f"/campaigns/{campaign_id}/archive"
    assert links["publish"]["href"] == f"/campaigns/{campaign_id}/publish"
    assert "pause" not in links and "cancel" not in links
    # Plain JSON carries no _links on a single object.
    assert "_links" not in get_json(api, f"/campaigns/{campaign_id}", headers)


DURATIONS = {
    "estDuration": ["10 sec", "45 sec", "10 min", "4 hours", "1 hour", "1 day"],
    "maxWorkTime": ["10 min", "90 min", "1 hour", "4 hours", "2 days"],
    "maxUploadTime": ["4 hours", "10 min", "1 day", "3 days"],
    "maxReviewTime": ["3 hours", "1 day", "3 days", "10 days"],
}


def test_durations_round_trip(api: Client) -> None:
    headers = make_requester(api)
    campaign_id = create_campaign(api, headers)
    for field, durations in DURATIONS.items():
        for duration in durations:
            created = api.post("/campaigns", json={"name": "D", field: duration}, headers=headers)
            assert created.status_code == 201, (field, duration, created.text)
            assert created.json()[field] == duration
            assert get_json(api, f"/campaigns/{created.json()['id']}", headers)[field] == duration
            updated = api.put(f"/campaigns/{campaign_id}", json={"name": "D", field: duration}, headers=headers)
            assert updated.status_code == 200, (field, duration, updated.text)
            assert get_json(api, f"/campaigns/{campaign_id}", headers)[field] == duration


def test_other_spellings_of_a_duration_mean_the_same_time(api: Client) -> None:
    headers = make_requester(api)
    for spelt, canonical in [
        ("15 minutes", "15 min"),
        ("15 mins", "15 min"),
        ("2 h", "2 hours"),
        ("2 HOURS", "2 hours"),
        ("120 min", "2 hours"),
        ("  3 days ", "3 days"),
        ("1 days", "1 day"),
    ]:
        response = api.post("/campaigns", json={"name": "D", "maxWorkTime": spelt}, headers=headers)
        assert response.status_code == 201, (spelt, response.text)
        assert response.json()["maxWorkTime"] == canonical, spelt


def test_dates_with_a_zone_are_stored_in_utc(api: Client) -> None:
    headers = make_requester(api)
    body = {"name": "Z", "startDate": "2090-01-01T12:00:00+02:00", "endDate": "2090-01-02T10:00:00Z"}
    response = api.post("/campaigns", json=body, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["startDate"] == "2090-01-01T10:00:00Z"
    assert response.json()["endDate"] == "2090-01-02T10:00:00Z"


def test_worker_payment_keeps_its_exact_decimals(api: Client) -> None:
    headers = make_requester(api)
    for sent, shown in [(0.5, 0.5), ("0.123456", 0.123456), (12, 12), ("0.000001", 0.000001), (1000, 1000)]:
        response = api.post("/campaigns", json={"name": "P", "workerPayment": sent}, headers=headers)
        assert response.status_code == 201, (sent, response.text)
        assert response.json()["workerPayment"] == shown
        assert '"workerPayment":' in response.text


# ---------------------------------------------------------------- update and delete


def test_update_replaces_the_settings(api: Client) -> None:
    headers = make_requester(api)
    created = api.post("/campaigns", json=FULL, headers=headers).json()
    changed = {
        **FULL,
        "name": "Renamed",
        "title": "New title",
        "workerPayment": "0.25",
        "results": 5,
        "maxResultsPerWorker": 2,
        "workerGroup": None,
        "maxWorkTime": "1 hour",
        "training": True,
        "startDate": None,
        "endDate": "2091-03-04T05:06",
        "properties": {"a": "b"},
    }
    response = api.put(f"/campaigns/{created['id']}", json=changed, headers=headers)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert set(updated) == SWARMS_FIELDS
    assert {key: updated[key] for key in SETTINGS} == {
        **changed,
        "workerPayment": 0.25,
        "endDate": "2091-03-04T05:06:00Z",
    }
    assert updated["id"] == created["id"]
    assert updated["createdAt"] == created["createdAt"]
    assert parse_time(updated["lastModifiedAt"]) > parse_time(created["lastModifiedAt"])
    assert updated["state"] == "unpublished" and updated["readOnly"] is False
    assert get_json(api, f"/campaigns/{created['id']}", headers) == updated


def test_delete_removes_the_campaign_but_not_its_jobs(api: Client) -> None:
    headers = make_requester(api)
    job_id = create_job(api, headers, tasks=[create_task(api, headers)])
    campaign_id = create_campaign(api, headers, jobs=[job_id])
    # The job is in use while the campaign has it.
    assert_error(api.delete(f"/jobs/{job_id}", headers=headers), 409, ErrorCode.IN_USE)

    response = api.delete(f"/campaigns/{campaign_id}", headers=headers)
    assert response.status_code == 204, response.text
    assert_error(api.get(f"/campaigns/{campaign_id}", headers=headers), 404, ErrorCode.NOT_FOUND)
    assert_error(api.delete(f"/campaigns/{campaign_id}", headers=headers), 404, ErrorCode.NOT_FOUND)
    assert_error(api.get(f"/campaigns/{campaign_id}/jobs", headers=headers), 404, ErrorCode.NOT_FOUND)
    assert all_campaign_ids(api, headers) == []
    assert get_json(api, f"/jobs/{job_id}", headers)["id"] == job_id
    assert api.delete(f"/jobs/{job_id}", headers=headers).status_code == 204


def test_unknown_campaign_is_404(api: Client) -> None:
    headers = make_requester(api)
    for method, path in [
        ("GET", "/campaigns/999999"),
        ("PUT", "/campaigns/999999"),
        ("DELETE", "/campaigns/999999"),
        ("GET", "/campaigns/999999/jobs"),
        ("PUT", "/campaigns/999999/jobs"),
        ("POST", "/campaigns/999999/copy"),
        ("POST", "/campaigns/999999/archive"),
        ("POST", "/campaigns/999999/unarchive"),
    ]:
        body = {"name": "x"} if path.endswith("999999") else []
        response = api.request(method, path, json=body if method in ("PUT", "POST") else None, headers=headers)
        error = assert_error(response, 404, ErrorCode.NOT_FOUND)
        assert "999999" in error["description"], (method, path, error)


# ---------------------------------------------------------------- bad input


BAD_SETTINGS: list[tuple[str, dict[str, Any], str]] = [
    ("negative payment", {"workerPayment": -0.01}, "workerPayment"),
    ("negative payment as text", {"workerPayment": "-1"}, "workerPayment"),
    ("seven decimals", {"workerPayment": 0.1234567}, "workerPayment"),
    ("seven decimals as text", {"workerPayment": "0.0000001"}, "workerPayment"),
    ("payment not a number", {"workerPayment": "a lot"}, "workerPayment"),
    ("payment NaN", {"workerPayment": "NaN"}, "workerPayment"),
    ("payment boolean", {"workerPayment": True}, "workerPayment"),
    ("payment absurd", {"workerPayment": 1e12}, "workerPayment"),
    ("zero results", {"results": 0}, "results"),
    ("negative results", {"results": -3}, "results"),
    ("fractional results", {"results": 1.5}, "results"),
    ("results as text", {"results": "3"}, "results"),
    ("more per worker than results", {"results": 3, "maxResultsPerWorker": 4}, "maxResultsPerWorker"),
    ("zero per worker", {"maxResultsPerWorker": 0}, "maxResultsPerWorker"),
    ("end before start", {"startDate": "2090-02-01T10:00", "endDate": "2090-01-01T10:00"}, "endDate"),
    ("end equals start", {"startDate": "2090-02-01T10:00", "endDate": "2090-02-01T10:00"}, "endDate"),
    ("end in the past", {"endDate": "2001-01-01T10:00"}, "endDate"),
    ("start not a date", {"startDate": "tomorrow"}, "startDate"),
    ("end not a date", {"endDate": "2090-13-01T10:00"}, "endDate"),
    ("start a number", {"startDate": 20900101}, "startDate"),
    ("duration without unit", {"estDuration": "10"}, "estDuration"),
    ("duration in words", {"estDuration": "ten min"}, "estDuration"),
    ("duration unknown unit", {"maxWorkTime": "10 fortnights"}, "maxWorkTime"),
    ("duration negative", {"maxWorkTime": "-5 min"}, "maxWorkTime"),
    ("duration fractional", {"maxUploadTime": "1.5 hours"}, "maxUploadTime"),
    ("duration empty", {"maxReviewTime": ""}, "maxReviewTime"),
    ("duration zero", {"maxWorkTime": "0 min"}, "maxWorkTime"),
    ("duration a number", {"maxWorkTime": 600}, "maxWorkTime"),
    ("unknown field", {"bogus": 1}, "bogus"),
    ("state is not a setting", {"state": "active"}, "state"),
    ("id is not a setting", {"id": 7}, "id"),
    ("readOnly is not a setting", {"readOnly": True}, "readOnly"),
    ("name a number", {"name": 5}, "name"),
    ("name empty", {"name": ""}, "name"),
    ("title a number", {"title": 5}, "title"),
    ("training as text", {"training": "yes"}, "training"),
    ("worker group as text", {"workerGroup": "one"}, "workerGroup"),
    ("worker group zero", {"workerGroup": 0}, "workerGroup"),
    ("properties a string", {"properties": "key=value"}, "properties"),
    ("property value a number", {"properties": {"key": 1}}, "properties.key"),
]


def test_bad_settings_are_422_naming_the_field_and_nothing_is_written(api: Client) -> None:
    headers = make_requester(api)
    failures = []
    for label, patch, field in BAD_SETTINGS:
        response = api.post("/campaigns", json={"name": "C", **patch}, headers=headers)
        body = response.json()
        if (
            response.status_code != 422
            or body.get("code") != ErrorCode.INVALID_BODY.code
            or field not in problem_paths(body)
        ):
            failures.append((label, response.status_code, body))
    assert failures == []
    assert all_campaign_ids(api, headers) == []


def test_bad_settings_on_update_are_422_and_change_nothing(api: Client) -> None:
    headers = make_requester(api)
    campaign_id = create_campaign(api, headers, **{k: v for k, v in FULL.items() if k != "name"})
    before = get_json(api, f"/campaigns/{campaign_id}", headers)
    failures = []
    for label, patch, field in BAD_SETTINGS:
        response = api.put(f"/campaigns/{campaign_id}", json={**FULL, **patch}, headers=headers)
        body = response.json()
        if response.status_code != 422 or field not in problem_paths(body):
            failures.append((label, response.status_code, body))
    assert failures == []
    assert get_json(api, f"/campaigns/{campaign_id}", headers) == before


def test_every_problem_is_reported_at_once(api: Client) -> None:
    headers = make_requester(api)
    body = {
        "name": "C",
        "workerPayment": "0.1234567",
        "results": 2,
        "maxResultsPerWorker": 3,
        "maxWorkTime": "ages",
        "endDate": "2001-01-01T00:00",
    }
    error = assert_error(api.post("/campaigns", json=body, headers=headers), 422, ErrorCode.INVALID_BODY)
    assert {"workerPayment", "maxResultsPerWorker", "maxWorkTime", "endDate"} <= set(problem_paths(error))
    for problem in error["problems"]:
        assert isinstance(problem["message"], str) and problem["message"]


def test_a_body_that_is_not_an_object_is_refused(api: Client) -> None:
    headers = make_requester(api)
    campaign_id = create_campaign(api, headers)
    for body in (b"[]", b'"campaign"', b"42", b"null"):
        json_headers = {**headers, "Content-Type": "application/json"}
        response = api.post("/campaigns", content=body, headers=json_headers)
        assert response.status_code in (400, 422), (body, response.text)
        response = api.put(f"/campaigns/{campaign_id}", content=body, headers=json_headers)
        assert response.status_code in (400, 422), (body, response.text)
    assert all_campaign_ids(api, headers) == [campaign_id]


def test_missing_name_is_422(api: Client) -> None:
    headers = make_requester(api)
    error = assert_error(api.post("/campaigns", json={"title": "T"}, headers=headers), 422, ErrorCode.INVALID_BODY)
    assert "name" in problem_paths(error)


# ---------------------------------------------------------------- jobs of a campaign


def test_set_jobs_keeps_the_order_given(api: Client) -> None:
    headers = make_requester(api)
    jobs = [create_job(api, headers, f"Job {i}") for i in range(4)]
    campaign_id = create_campaign(api, headers)
    assert campaign_job_ids(api, campaign_id, headers) == []
    before = get_json(api, f"/campaigns/{campaign_id}", headers)["lastModifiedAt"]

    order = [jobs[2], jobs[0], jobs[3], jobs[1]]
    response = api.put(f"/campaigns/{campaign_id}/jobs", json=order, headers=headers)
    assert response.status_code == 200, response.text
    # The same shape as PUT /jobs/{id}/tasks answers: the whole list under its key.
    assert [job["id"] for job in response.json()["jobs"]] == order
    assert campaign_job_ids(api, campaign_id, headers) == order
    page = get_json(api, f"/campaigns/{campaign_id}/jobs", headers)
    assert [job["name"] for job in page["jobs"]] == ["Job 2", "Job 0", "Job 3", "Job 1"]
    after = get_json(api, f"/campaigns/{campaign_id}", headers)["lastModifiedAt"]
    assert parse_time(after) > parse_time(before)

    # A second PUT replaces the list; an empty list empties it.
    assert api.put(f"/campaigns/{campaign_id}/jobs", json=[jobs[1]], headers=headers).json()["jobs"][0]["id"] == jobs[1]
    assert campaign_job_ids(api, campaign_id, headers) == [jobs[1]]
    assert api.put(f"/campaigns/{campaign_id}/jobs", json=[], headers=headers).json()["jobs"] == []
    assert campaign_job_ids(api, campaign_id, headers) == []


def test_set_jobs_refuses_bad_ids_naming_each_index(api: Client) -> None:
    headers = make_requester(api)
    other = make_requester(api, email="bob@example.com")
    job, spare = create_job(api, headers, "Mine"), create_job(api, headers, "Spare")
    archived = create_job(api, headers, "Archived")
    assert api.post(f"/jobs/{archived}/archive", headers=headers).status_code == 200
    foreign = create_job(api, other, "Bob's")
    campaign_id = create_campaign(api, headers, jobs=[job])

    cases: list[tuple[Any, dict[str, str]]] = [
        ([job, 999999], {"[1]": "no job with id 999999"}),
        ([foreign], {"[0]": f"no job with id {foreign}"}),
        ([spare, archived], {"[1]": "archived"}),
        ([job, spare, job], {"[2]": "[0]"}),
        ([999999, job, 999998], {"[0]": "999999", "[2]": "999998"}),
        (["1"], {"[0]": ""}),
        ([0], {"[0]": ""}),
        ([-4], {"[0]": ""}),
        ([1.5], {"[0]": ""}),
        ([None], {"[0]": ""}),
    ]
    for body, expected in cases:
        error = assert_error(
            api.put(f"/campaigns/{campaign_id}/jobs", json=body, headers=headers), 422, ErrorCode.INVALID_BODY
        )
        by_path = {p["path"]: p["message"] for p in error["problems"]}
        assert set(by_path) == set(expected), (body, error)
        for path, fragment in expected.items():
            assert fragment in by_path[path], (body, error)
        assert campaign_job_ids(api, campaign_id, headers) == [job], body

    for body in [{"jobs": [job]}, job, "1,2", None]:
        response = api.put(f"/campaigns/{campaign_id}/jobs", json=body, headers=headers)
        assert response.status_code in (400, 422), (body, response.text)
        assert campaign_job_ids(api, campaign_id, headers) == [job], body


def test_set_jobs_takes_at_most_ten_thousand_ids(api: Client) -> None:
    headers = make_requester(api)
    job = create_job(api, headers)
    campaign_id = create_campaign(api, headers, jobs=[job])
    ids = [job] * 10_001
    error = assert_error(
        api.put(f"/campaigns/{campaign_id}/jobs", json=ids, headers=headers), 422, ErrorCode.INVALID_BODY
    )
    assert "10000" in error["description"] + " ".join(p["message"] for p in error.get("problems", []))
    assert campaign_job_ids(api, campaign_id, headers) == [job]


def test_jobs_of_a_campaign_are_paged_with_links(api: Client) -> None:
    headers = make_requester(api)
    jobs = [create_job(api, headers, f"Job {i}") for i in range(5)]
    order = [jobs[4], jobs[1], jobs[3], jobs[0], jobs[2]]
    campaign_id = create_campaign(api, headers, jobs=order)

    pages: list[dict[str, Any]] = []
    path: str | None = f"/campaigns/{campaign_id}/jobs?limit=2"
    while path is not None:
        assert len(pages) < 10, "paging does not end"
        pages.append(get_json(api, path, headers))
        path = pages[-1]["_links"].get("next", {}).get("href")
    assert [[job["id"] for job in page["jobs"]] for page in pages] == [order[0:2], order[2:4], order[4:5]]
    assert "previous" not in pages[0]["_links"]
    assert "previous" in pages[1]["_links"] and "previous" in pages[2]["_links"]
    for page in pages:
        assert set(page) == {"_links", "jobs"}
        for job in page["jobs"]:
            assert {"name", "description", "properties", "id", "readOnly", "archived", "createdAt"} <= set(job)

    # Going back from the last page gives the middle page again.
    back = get_json(api, pages[2]["_links"]["previous"]["href"], headers)
    assert [job["id"] for job in back["jobs"]] == order[2:4]

    # The default page size is 10, and limits outside 1..100 are refused.
    assert [job["id"] for job in get_json(api, f"/campaigns/{campaign_id}/jobs", headers)["jobs"]] == order
    for limit in (0, 101, -1):
        response = api.get(f"/campaigns/{campaign_id}/jobs?limit={limit}", headers=headers)
        assert response.status_code == 400, (limit, response.text)


def _paged_campaign(api: Client) -> tuple[dict[str, str], int, list[int]]:
    headers = make_requester(api)
    jobs = [create_job(api, headers, f"Job {i}") for i in range(5)]
    return headers, create_campaign(api, headers, jobs=jobs), jobs


def test_jobs_of_a_campaign_refuse_cursors_they_did_not_make(api: Client) -> None:
    headers, campaign_id, _ = _paged_campaign(api)
    for query in ("after=abc", "before=abc", "after=1.5", "before=%00", "after=1e3"):
        response = api.get(f"/campaigns/{campaign_id}/jobs?{query}", headers=headers)
        assert response.status_code == 400, (query, response.text)
        assert response.json()["code"] == ErrorCode.INVALID_PARAMETER.code, query


def test_jobs_of_a_campaign_refuse_an_out_of_range_cursor(api: Client) -> None:
    headers, campaign_id, _ = _paged_campaign(api)
    for cursor in ("99999999999999999999999", str(2**31)):
        for direction in ("after", "before"):
            response = api.get(f"/campaigns/{campaign_id}/jobs?{direction}={cursor}", headers=headers)
            assert response.status_code == 400, (direction, cursor, response.text)


def test_jobs_of_a_campaign_take_one_cursor_at_a_time(api: Client) -> None:
    headers, campaign_id, _ = _paged_campaign(api)
    both = api.get(f"/campaigns/{campaign_id}/jobs?after=1&before=3", headers=headers)
    assert both.status_code == 400, both.text
    assert both.json()["code"] == ErrorCode.INVALID_PARAMETER.code


# ---------------------------------------------------------------- copy


def _settings_of(campaign: dict[str, Any]) -> dict[str, Any]:
    return {key: campaign[key] for key in SETTINGS}


def test_shallow_copy_links_the_same_jobs(api: Client) -> None:
    headers = make_requester(api)
    task = create_task(api, headers)
    jobs = [create_job(api, headers, f"Job {i}", tasks=[task]) for i in range(3)]
    original_id = api.post("/campaigns", json=FULL, headers=headers).json()["id"]
    api.put(f"/campaigns/{original_id}/jobs", json=[jobs[2], jobs[0], jobs[1]], headers=headers)
    original = get_json(api, f"/campaigns/{original_id}", headers)

    response = api.post(f"/campaigns/{original['id']}/copy", headers=headers)
    assert response.status_code == 201, response.text
    copy = response.json()
    assert set(copy) == SWARMS_FIELDS
    assert copy["id"] != original["id"]
    # A copy keeps every setting but the schedule: it is published by hand, not by the original's dates.
    unscheduled = {**_settings_of(original), "startDate": None, "endDate": None}
    assert _settings_of(copy) == unscheduled
    assert copy["state"] == "unpublished" and copy["readOnly"] is False and copy["archived"] is False
    assert campaign_job_ids(api, copy["id"], headers) == [jobs[2], jobs[0], jobs[1]]
    assert get_json(api, f"/campaigns/{copy['id']}", headers) == copy
    # Explicit deep=false is the same.
    again = api.post(f"/campaigns/{original['id']}/copy?deep=false", headers=headers)
    assert campaign_job_ids(api, again.json()["id"], headers) == [jobs[2], jobs[0], jobs[1]]

    # The copy is independent of the original: changing one leaves the other.
    api.put(f"/campaigns/{copy['id']}/jobs", json=[jobs[0]], headers=headers)
    assert campaign_job_ids(api, original["id"], headers) == [jobs[2], jobs[0], jobs[1]]
    assert get_json(api, f"/campaigns/{original['id']}", headers) == original


def test_deep_copy_copies_jobs_and_their_tasks(api: Client) -> None:
    headers = make_requester(api)
    first, second = create_task(api, headers, "First"), create_task(api, headers, "Second")
    job_a = create_job(api, headers, "A", tasks=[first, second, first])
    job_b = create_job(api, headers, "B", tasks=[second])
    campaign_id = create_campaign(api, headers, jobs=[job_b, job_a], workerPayment="0.02", results=2)
    tasks_before = {t["id"] for t in get_json(api, "/tasks?limit=100", headers)["tasks"]}

    response = api.post(f"/campaigns/{campaign_id}/copy?deep=true", headers=headers)
    assert response.status_code == 201, response.text
    copy = response.json()
    assert _settings_of(copy) == _settings_of(get_json(api, f"/campaigns/{campaign_id}", headers))
    copied_jobs = campaign_job_ids(api, copy["id"], headers)
    assert len(copied_jobs) == 2 and not set(copied_jobs) & {job_a, job_b}
    names = [get_json(api, f"/jobs/{j}", headers)["name"] for j in copied_jobs]
    assert names == ["B", "A"]

    copied_b, copied_a = (job_task_ids(api, j, headers) for j in copied_jobs)
    assert not (set(copied_a) | set(copied_b)) & tasks_before
    # The shape of each job is kept: a task standing twice in A stands twice in its copy.
    assert len(copied_a) == 3 and copied_a[0] == copied_a[2] != copied_a[1]
    assert [get_json(api, f"/tasks/{t}", headers)["name"] for t in copied_a] == ["First", "Second", "First"]
    assert [get_json(api, f"/tasks/{t}", headers)["name"] for t in copied_b] == ["Second"]
    definition = get_json(api, f"/tasks/{first}", headers)["components"]
    assert get_json(api, f"/tasks/{copied_a[0]}", headers)["components"] == definition

    # The original is untouched.
    assert campaign_job_ids(api, campaign_id, headers) == [job_b, job_a]
    assert job_task_ids(api, job_a, headers) == [first, second, first]


def test_copy_of_a_published_campaign_is_unpublished_and_editable(api: Client) -> None:
    headers = make_requester(api, credit="10")
    task = create_task(api, headers)
    job = create_job(api, headers, tasks=[task])
    campaign_id = create_campaign(api, headers, jobs=[job], workerPayment="0.10", results=2)
    assert api.post(f"/campaigns/{campaign_id}/publish", headers=headers).status_code == 200

    for deep in ("false", "true"):
        response = api.post(f"/campaigns/{campaign_id}/copy?deep={deep}", headers=headers)
        assert response.status_code == 201, response.text
        copy = response.json()
        assert copy["state"] == "unpublished" and copy["readOnly"] is False
        update = api.put(f"/campaigns/{copy['id']}", json={"name": "Changed copy"}, headers=headers)
        assert update.status_code == 200, update.text
        copied_jobs = campaign_job_ids(api, copy["id"], headers)
        if deep == "true":
            assert copied_jobs != [job]
            for copied in copied_jobs:
                assert get_json(api, f"/jobs/{copied}", headers)["readOnly"] is False
                for copied_task in job_task_ids(api, copied, headers):
                    assert get_json(api, f"/tasks/{copied_task}", headers)["readOnly"] is False
        else:
            assert copied_jobs == [job]
    assert get_json(api, f"/campaigns/{campaign_id}", headers)["state"] == "active"


def test_a_retried_copy_makes_one_copy(api: Client) -> None:
    headers = make_requester(api)
    job = create_job(api, headers, tasks=[create_task(api, headers)])
    campaign_id = create_campaign(api, headers, jobs=[job])
    key = {**headers, "Idempotency-Key": "copy-once"}
    first = api.post(f"/campaigns/{campaign_id}/copy?deep=true", headers=key)
    again = api.post(f"/campaigns/{campaign_id}/copy?deep=true", headers=key)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert sorted(all_campaign_ids(api, headers)) == [campaign_id, first.json()["id"]]
    assert len(get_json(api, "/jobs?limit=100", headers)["jobs"]) == 2  # the original job and one deep copy
    # The same key for a different copy is refused rather than answered with the first one.
    other = api.post(f"/campaigns/{campaign_id}/copy?deep=false", headers=key)
    assert_error(other, 409, ErrorCode.IDEMPOTENCY_MISMATCH)
    assert len(all_campaign_ids(api, headers)) == 2


def _set_start_date_in_the_past(api: Client, campaign_id: int) -> None:
    async def change() -> None:
        async with api.app.state.db.transaction() as session:
            statement = update(Campaign).where(Campaign.id == campaign_id)  # type: ignore[arg-type]
            await session.exec(statement.values(start_date=utcnow() - timedelta(hours=1)))

    api.blocking_portal.call(change)


def test_copy_of_a_started_campaign_stays_unpublished(api: Client) -> None:
    headers = make_requester(api, credit="10")
    job = create_job(api, headers, tasks=[create_task(api, headers)])
    campaign_id = create_campaign(api, headers, jobs=[job], workerPayment="0.10", results=2)
    _set_start_date_in_the_past(api, campaign_id)
    assert get_json(api, f"/campaigns/{campaign_id}", headers)["state"] == "active"
    frozen = get_json(api, "/me", headers)["balance"]

    copy = api.post(f"/campaigns/{campaign_id}/copy", headers=headers).json()
    assert copy["state"] == "unpublished"
    # "copy it and change the copy": the copy must still be there to change.
    assert get_json(api, f"/campaigns/{copy['id']}", headers)["state"] == "unpublished"
    assert get_json(api, "/me", headers)["balance"] == frozen


def test_copy_of_a_finished_campaign_has_no_end_date_in_the_past(api: Client) -> None:
    headers = make_requester(api, credit="10")
    job = create_job(api, headers, tasks=[create_task(api, headers)])
    campaign_id = create_campaign(api, headers, jobs=[job], workerPayment="0.10", endDate="2090-01-01T00:00")
    assert api.post(f"/campaigns/{campaign_id}/publish", headers=headers).status_code == 200

    async def end_now() -> None:
        async with api.app.state.db.transaction() as session:
            statement = update(Campaign).where(Campaign.id == campaign_id)  # type: ignore[arg-type]
            await session.exec(statement.values(end_date=utcnow() - timedelta(minutes=1)))

    api.blocking_portal.call(end_now)
    assert get_json(api, f"/campaigns/{campaign_id}", headers)["state"] == "finished"
    copy = api.post(f"/campaigns/{campaign_id}/copy", headers=headers).json()
    end = copy["endDate"]
    assert end is None or parse_time(end) > datetime.now(UTC)


# ---------------------------------------------------------------- archive


def test_shallow_archive_hides_the_campaign_only(api: Client) -> None:
    headers = make_requester(api)
    task = create_task(api, headers)
    job = create_job(api, headers, tasks=[task])
    campaign_id = create_campaign(api, headers, jobs=[job])

    response = api.post(f"/campaigns/{campaign_id}/archive", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["archived"] is True
    assert get_json(api, f"/campaigns/{campaign_id}", headers)["archived"] is True
    assert get_json(api, f"/jobs/{job}", headers)["archived"] is False
    assert get_json(api, f"/tasks/{task}", headers)["archived"] is False
    # Lists leave archived objects out unless asked for them.
    assert get_json(api, "/campaigns", headers)["campaigns"] == []
    assert [c["id"] for c in get_json(api, "/campaigns?archived=true", headers)["campaigns"]] == [campaign_id]
    hal = get_json(api, f"/campaigns/{campaign_id}", {**headers, "Accept": "application/hal+json"})
    assert hal["_links"]["unarchive"]["href"] == f"/campaigns/{campaign_id}/unarchive"
    # Archiving twice is harmless.
    assert api.post(f"/campaigns/{campaign_id}/archive", headers=headers).json()["archived"] is True


def test_deep_archive_archives_jobs_and_their_tasks_and_unarchive_restores_them(api: Client) -> None:
    headers = make_requester(api)
    tasks = [create_task(api, headers, f"Task {i}") for i in range(3)]
    jobs = [create_job(api, headers, "J0", tasks=tasks[:2]), create_job(api, headers, "J1", tasks=[tasks[2]])]
    bystander_task = create_task(api, headers, "Elsewhere")
    bystander_job = create_job(api, headers, "Elsewhere", tasks=[bystander_task])
    campaign_id = create_campaign(api, headers, jobs=jobs)

    response = api.post(f"/campaigns/{campaign_id}/archive?deep=true", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["archived"] is True
    for job in jobs:
        assert get_json(api, f"/jobs/{job}", headers)["archived"] is True
    for task in tasks:
        assert get_json(api, f"/tasks/{task}", headers)["archived"] is True
    assert get_json(api, f"/jobs/{bystander_job}", headers)["archived"] is False
    assert get_json(api, f"/tasks/{bystander_task}", headers)["archived"] is False
    assert [j["id"] for j in get_json(api, "/jobs", headers)["jobs"]] == [bystander_job]
    assert [t["id"] for t in get_json(api, "/tasks", headers)["tasks"]] == [bystander_task]
    # The campaign keeps its jobs while archived.
    assert campaign_job_ids(api, campaign_id, headers) == jobs

    response = api.post(f"/campaigns/{campaign_id}/unarchive", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["archived"] is False
    for job in jobs:
        assert get_json(api, f"/jobs/{job}", headers)["archived"] is False
    for task in tasks:
        assert get_json(api, f"/tasks/{task}", headers)["archived"] is False
    assert [c["id"] for c in get_json(api, "/campaigns", headers)["campaigns"]] == [campaign_id]


def test_an_archived_job_cannot_be_added_until_unarchived(api: Client) -> None:
    headers = make_requester(api)
    job = create_job(api, headers)
    campaign_id = create_campaign(api, headers)
    api.post(f"/jobs/{job}/archive", headers=headers)
    error = assert_error(
        api.put(f"/campaigns/{campaign_id}/jobs", json=[job], headers=headers), 422, ErrorCode.INVALID_BODY
    )
    assert problem_paths(error) == ["[0]"]
    assert re.search(r"archived", error["problems"][0]["message"])
    api.post(f"/jobs/{job}/unarchive", headers=headers)
    assert api.put(f"/campaigns/{campaign_id}/jobs", json=[job], headers=headers).status_code == 200


def test_worker_group_must_be_the_requesters(api: Client) -> None:
    headers = make_requester(api)
    other = make_requester(api, email="bob@example.com")

    async def groups() -> tuple[int, int]:
        from taskengine.domain.workers import GroupIn, create_group

        async with api.app.state.db.transaction() as session:
            mine = await create_group(session, 1, GroupIn(name="Mine"))
            theirs = await create_group(session, 2, GroupIn(name="Theirs"))
            return mine.id, theirs.id  # type: ignore[return-value]

    mine, theirs = api.blocking_portal.call(groups)
    for group in (theirs, 999_999, 2**40):
        body = assert_error(
            api.post("/campaigns", json={**FULL, "workerGroup": group}, headers=headers), 422, ErrorCode.INVALID_BODY
        )
        assert body["problems"] == [
            {"path": "workerGroup", "message": f"no worker group with id {group}", "rule": "exists"}
        ]
    created = api.post("/campaigns", json={**FULL, "workerGroup": mine}, headers=headers)
    assert created.status_code == 201 and created.json()["workerGroup"] == mine
    assert other  # the second requester exists so that group 2 is theirs
