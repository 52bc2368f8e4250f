"""Jobs through the API (SWARMS "Job" and "Tasks of a Job"): CRUD, ordered task lists, sizes, copy and archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from taskengine.errors import ErrorCode
from tests.requesters import PUBLISHABLE, make_requester, rating_task
from tests.test_api_components import assert_error
from tests.test_api_tasks import when

Client = TestClient  # type: ignore[type-arg]
HAL = {"Accept": "application/hal+json"}
JOB_KEYS = [
    "name",
    "description",
    "properties",
    "resourcesSize",
    "resourcesSizeBytes",
    "estimatedUploadSize",
    "estimatedUploadSizeBytes",
    "id",
    "readOnly",
    "lastModifiedAt",
    "createdAt",
    "archived",
]


def new_job(api: Client, headers: dict[str, str], body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = api.post("/jobs", json=body or {"name": "A job"}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def new_tasks(api: Client, headers: dict[str, str], count: int, prefix: str = "Task") -> list[int]:
    ids = []
    for i in range(count):
        response = api.post("/tasks", json=rating_task(f"{prefix} {i}"), headers=headers)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def audio_task(seconds: int) -> dict[str, Any]:
    return {
        "name": f"Record {seconds} s",
        "components": [{"type": "AudioRecording", "properties": {"maxDurationInSeconds": seconds}}],
    }


def tasks_of(api: Client, headers: dict[str, str], job_id: int) -> list[int]:
    response = api.get(f"/jobs/{job_id}/tasks", headers=headers)
    assert response.status_code == 200, response.text
    return [task["id"] for task in response.json()["tasks"]]


def listed_task_ids(api: Client, headers: dict[str, str], query: str = "") -> list[int]:
    return [t["id"] for t in api.get(f"/tasks?limit=100{query}", headers=headers).json()["tasks"]]


def listed_job_ids(api: Client, headers: dict[str, str], query: str = "") -> list[int]:
    return [j["id"] for j in api.get(f"/jobs?limit=100{query}", headers=headers).json()["jobs"]]


def new_campaign(api: Client, headers: dict[str, str], job_ids: list[int]) -> int:
    campaign = api.post(
        "/campaigns",
        json={"name": "C", **PUBLISHABLE, "workerPayment": 0.5, "results": 1, "maxResultsPerWorker": 1},
        headers=headers,
    )
    assert campaign.status_code == 201, campaign.text
    cid = int(campaign.json()["id"])
    assert api.put(f"/campaigns/{cid}/jobs", json=job_ids, headers=headers).status_code == 200
    return cid


# CRUD ---------------------------------------------------------------------------------------------------------------


def test_create_and_read_a_job(api: Client) -> None:
    headers = make_requester(api)
    response = api.post(
        "/jobs",
        json={"name": "Street survey", "description": "Walk the street", "properties": {"k": "v"}},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith("application/json")
    job = response.json()
    assert list(job) == JOB_KEYS
    assert (job["name"], job["description"], job["properties"]) == ("Street survey", "Walk the street", {"k": "v"})
    assert (job["resourcesSize"], job["resourcesSizeBytes"]) == ("0 B", 0)
    assert (job["estimatedUploadSize"], job["estimatedUploadSizeBytes"]) == ("0 B", 0)
    assert job["readOnly"] is False and job["archived"] is False
    assert api.get(f"/jobs/{job['id']}", headers=headers).json() == job
    assert tasks_of(api, headers, job["id"]) == []

    minimal = new_job(api, headers, {"name": "Minimal"})
    assert minimal["description"] == "" and minimal["properties"] == {}


def test_put_replaces_the_job(api: Client) -> None:
    headers = make_requester(api)
    job = new_job(api, headers, {"name": "Before", "description": "old", "properties": {"k": "v"}})
    response = api.put(f"/jobs/{job['id']}", json={"name": "After"}, headers=headers)
    assert response.status_code == 200, response.text
    changed = response.json()
    assert (changed["name"], changed["description"], changed["properties"]) == ("After", "", {})
    assert changed["id"] == job["id"] and changed["createdAt"] == job["createdAt"]
    assert when(changed["lastModifiedAt"]) > when(job["lastModifiedAt"])
    assert api.get(f"/jobs/{job['id']}", headers=headers).json() == changed


INVALID_JOBS: list[tuple[Any, set[str]]] = [
    ({}, {"name"}),
    ({"name": ""}, {"name"}),
    ({"name": 5}, {"name"}),
    ({"name": "x" * 201}, {"name"}),
    ({"name": "J", "properties": {"k": 1}}, {"properties.k"}),
    ({"name": "J", "properties": ["k"]}, {"properties"}),
    ({"name": "J", "tasks": [1]}, {"tasks"}),
    ({"name": "", "description": 7, "colour": "red"}, {"name", "description", "colour"}),
    ([], {""}),
]


def test_invalid_jobs_are_422_naming_each_problem_and_change_nothing(api: Client) -> None:
    headers = make_requester(api)
    job = new_job(api, headers)
    for body, paths in INVALID_JOBS:
        created = assert_error(api.post("/jobs", json=body, headers=headers), 422, ErrorCode.INVALID_BODY)
        assert {p["path"] for p in created["problems"]} == paths, (body, created["problems"])
        changed = assert_error(api.put(f"/jobs/{job['id']}", json=body, headers=headers), 422, ErrorCode.INVALID_BODY)
        assert {p["path"] for p in changed["problems"]} == paths, (body, changed["problems"])
    assert listed_job_ids(api, headers) == [job["id"]]
    assert api.get(f"/jobs/{job['id']}", headers=headers).json() == job


def test_delete_a_job(api: Client) -> None:
    headers = make_requester(api)
    task = new_tasks(api, headers, 1)[0]
    job = new_job(api, headers)["id"]
    api.put(f"/jobs/{job}/tasks", json=[task], headers=headers)
    response = api.delete(f"/jobs/{job}", headers=headers)
    assert response.status_code == 204 and response.content == b""
    assert_error(api.get(f"/jobs/{job}", headers=headers), 404, ErrorCode.NOT_FOUND)
    assert_error(api.get(f"/jobs/{job}/tasks", headers=headers), 404, ErrorCode.NOT_FOUND)
    assert_error(api.delete(f"/jobs/{job}", headers=headers), 404, ErrorCode.NOT_FOUND)
    assert api.get(f"/tasks/{task}", headers=headers).status_code == 200  # the job's tasks stay
    assert api.delete(f"/tasks/{task}", headers=headers).status_code == 204  # and no longer count as used


def test_jobs_of_another_requester_are_404(api: Client) -> None:
    ada = make_requester(api)
    bob = make_requester(api, email="bob@example.com")
    job = new_job(api, ada)["id"]
    for method, path, body in [
        ("GET", f"/jobs/{job}", None),
        ("PUT", f"/jobs/{job}", {"name": "Mine"}),
        ("DELETE", f"/jobs/{job}", None),
        ("GET", f"/jobs/{job}/tasks", None),
        ("PUT", f"/jobs/{job}/tasks", []),
        ("POST", f"/jobs/{job}/copy", None),
        ("POST", f"/jobs/{job}/archive", None),
        ("POST", f"/jobs/{job}/unarchive", None),
    ]:
        kwargs: dict[str, Any] = {"json": body} if body is not None else {}
        assert_error(api.request(method, path, headers=bob, **kwargs), 404, ErrorCode.NOT_FOUND)
    assert listed_job_ids(api, bob) == []
    assert api.get(f"/jobs/{job}", headers=ada).json()["name"] == "A job"
    for job_id in (0, 2**31, 10**20):
        assert_error(api.get(f"/jobs/{job_id}", headers=ada), 400, ErrorCode.INVALID_PARAMETER)


def test_idempotent_job_creation(api: Client) -> None:
    headers = {**make_requester(api), "Idempotency-Key": "job-1"}
    first = api.post("/jobs", json={"name": "Once"}, headers=headers)
    second = api.post("/jobs", json={"name": "Once"}, headers=headers)
    assert first.status_code == second.status_code == 201 and first.json() == second.json()
    assert_error(api.post("/jobs", json={"name": "Twice"}, headers=headers), 409, ErrorCode.IDEMPOTENCY_MISMATCH)
    assert listed_job_ids(api, headers) == [first.json()["id"]]


# Tasks of a job -----------------------------------------------------------------------------------------------------


def test_put_tasks_keeps_the_order_and_repeats(api: Client) -> None:
    headers = make_requester(api)
    a, b, c = new_tasks(api, headers, 3)
    job = new_job(api, headers)
    response = api.put(f"/jobs/{job['id']}/tasks", json=[c, a, b, a], headers=headers)
    assert response.status_code == 200, response.text
    assert [t["id"] for t in response.json()["tasks"]] == [c, a, b, a]
    assert [t["name"] for t in response.json()["tasks"]] == ["Task 2", "Task 0", "Task 1", "Task 0"]
    assert tasks_of(api, headers, job["id"]) == [c, a, b, a]
    changed = api.get(f"/jobs/{job['id']}", headers=headers).json()
    assert when(changed["lastModifiedAt"]) > when(job["lastModifiedAt"])

    assert api.put(f"/jobs/{job['id']}/tasks", json=[b], headers=headers).status_code == 200
    assert tasks_of(api, headers, job["id"]) == [b]
    assert api.put(f"/jobs/{job['id']}/tasks", json=[], headers=headers).status_code == 200
    assert tasks_of(api, headers, job["id"]) == []


def test_put_tasks_takes_up_to_200_ids(api: Client) -> None:
    headers = make_requester(api)
    a, b = new_tasks(api, headers, 2)
    job = new_job(api, headers)["id"]
    ids = [a, b] * 100
    assert api.put(f"/jobs/{job}/tasks", json=ids, headers=headers).status_code == 200
    assert tasks_of(api, headers, job) == ids


def test_tasks_of_a_job_with_hal_carry_links(api: Client) -> None:
    headers = make_requester(api)
    (a,) = new_tasks(api, headers, 1)
    job = new_job(api, headers)["id"]
    response = api.put(f"/jobs/{job}/tasks", json=[a], headers={**headers, **HAL})
    assert response.headers["content-type"].startswith("application/hal+json")
    assert response.json()["tasks"][0]["_links"]["self"] == {"href": f"/tasks/{a}"}
    listed = api.get(f"/jobs/{job}/tasks", headers={**headers, **HAL})
    assert listed.headers["content-type"].startswith("application/hal+json")
    assert listed.json()["tasks"][0]["_links"]["self"] == {"href": f"/tasks/{a}"}
    plain = api.get(f"/jobs/{job}/tasks", headers=headers)
    assert plain.headers["content-type"].startswith("application/json")
    assert "_links" not in plain.json()["tasks"][0]


def test_bad_task_lists_are_422_naming_each_entry_and_change_nothing(api: Client) -> None:
    ada = make_requester(api)
    bob = make_requester(api, email="bob@example.com")
    a, b, archived = new_tasks(api, ada, 3)
    api.post(f"/tasks/{archived}/archive", headers=ada)
    (foreign,) = new_tasks(api, bob, 1)
    job = new_job(api, ada)["id"]
    api.put(f"/jobs/{job}/tasks", json=[a, b], headers=ada)
    unknown = max(a, b, archived, foreign) + 100

    cases: list[tuple[Any, dict[str, str]]] = [
        ([a, unknown, b], {"[1]": f"no task with id {unknown}"}),
        ([foreign, a], {"[0]": f"no task with id {foreign}"}),
        ([a, archived], {"[1]": "archived"}),
        ([unknown, foreign, archived, a], {"[0]": "no task", "[1]": "no task", "[2]": "archived"}),
        ([a, "2", 1.5, True, None, [a], {"id": a}], {f"[{i}]": "must be an integer" for i in range(1, 7)}),
        ([0, -1, 2**31], {"[0]": "at least 1", "[1]": "at least 1", "[2]": "at most"}),
        ([a] * 201, {"": "at most 200"}),
        ({"tasks": [a]}, {"": "array"}),
        (a, {"": "array"}),
    ]
    for body, expected in cases:
        response = assert_error(api.put(f"/jobs/{job}/tasks", json=body, headers=ada), 422, ErrorCode.INVALID_BODY)
        problems = {p["path"]: p["message"] for p in response["problems"]}
        assert set(problems) == set(expected), (body, response["problems"])
        for path, fragment in expected.items():
            assert fragment in problems[path], (body, path, problems[path])
        assert tasks_of(api, ada, job) == [a, b]


def test_a_task_list_with_every_kind_of_bad_entry_names_them_all(api: Client) -> None:
    headers = make_requester(api)
    a, archived = new_tasks(api, headers, 2)
    api.post(f"/tasks/{archived}/archive", headers=headers)
    job = new_job(api, headers)["id"]
    body = assert_error(
        api.put(f"/jobs/{job}/tasks", json=[a, 999_999, "x", archived], headers=headers), 422, ErrorCode.INVALID_BODY
    )
    assert {p["path"] for p in body["problems"]} == {"[1]", "[2]", "[3]"}


# Sizes --------------------------------------------------------------------------------------------------------------


def test_a_jobs_sizes_are_the_sums_over_its_tasks(api: Client, tmp_path: Path) -> None:
    headers = make_requester(api)
    (tmp_path / "media").mkdir(exist_ok=True)
    (tmp_path / "media" / "p.jpg").write_bytes(b"p" * 3000)
    url = f"{api.app.state.settings.base_url}/media/p.jpg"
    picture = api.post(
        "/tasks",
        json={"name": "Picture", "components": [{"type": "Image", "properties": {"url": url}}]},
        headers=headers,
    ).json()
    long, short = (api.post("/tasks", json=audio_task(s), headers=headers).json() for s in (60, 10))
    job = new_job(api, headers)["id"]

    api.put(f"/jobs/{job}/tasks", json=[picture["id"], long["id"], short["id"]], headers=headers)
    shown = api.get(f"/jobs/{job}", headers=headers).json()
    assert shown["resourcesSizeBytes"] == 3000
    assert shown["estimatedUploadSizeBytes"] == 960_000 + 160_000
    assert shown["estimatedUploadSize"] == "1.1 MB"
    assert shown["resourcesSize"] == "2.9 KB"
    in_list = next(j for j in api.get("/jobs", headers=headers).json()["jobs"] if j["id"] == job)
    assert in_list == shown

    api.put(f"/jobs/{job}/tasks", json=[short["id"]], headers=headers)
    shown = api.get(f"/jobs/{job}", headers=headers).json()
    assert (shown["resourcesSizeBytes"], shown["estimatedUploadSizeBytes"]) == (0, 160_000)

    # Sizes follow the tasks: replacing a task changes the sums of the jobs that use it.
    api.put(f"/tasks/{short['id']}", json=audio_task(30), headers=headers)
    assert api.get(f"/jobs/{job}", headers=headers).json()["estimatedUploadSizeBytes"] == 480_000


# Copy ---------------------------------------------------------------------------------------------------------------


def test_a_shallow_copy_shares_the_tasks(api: Client) -> None:
    headers = make_requester(api)
    a, b = new_tasks(api, headers, 2)
    job = new_job(api, headers, {"name": "Original", "description": "d", "properties": {"k": "v"}})
    api.put(f"/jobs/{job['id']}/tasks", json=[b, a, b], headers=headers)
    for query in ("", "?deep=false"):
        response = api.post(f"/jobs/{job['id']}/copy{query}", headers=headers)
        assert response.status_code == 201, response.text
        copy = response.json()
        assert copy["id"] != job["id"]
        assert (copy["name"], copy["description"], copy["properties"]) == ("Original", "d", {"k": "v"})
        assert copy["readOnly"] is False and copy["archived"] is False
        assert tasks_of(api, headers, copy["id"]) == [b, a, b]
    assert listed_task_ids(api, headers) == [a, b]
    assert tasks_of(api, headers, job["id"]) == [b, a, b]


def test_a_deep_copy_copies_the_tasks(api: Client) -> None:
    headers = make_requester(api)
    a, b = new_tasks(api, headers, 2)
    job = new_job(api, headers)["id"]
    api.put(f"/jobs/{job}/tasks", json=[b, a, b], headers=headers)
    response = api.post(f"/jobs/{job}/copy?deep=true", headers=headers)
    assert response.status_code == 201, response.text
    copy = response.json()["id"]
    copied = api.get(f"/jobs/{copy}/tasks", headers=headers).json()["tasks"]
    new_b, new_a = copied[0]["id"], copied[1]["id"]
    assert [t["id"] for t in copied] == [new_b, new_a, new_b]  # a task standing twice is copied once
    assert not {new_a, new_b} & {a, b}
    originals = {t["id"]: t for t in api.get(f"/jobs/{job}/tasks", headers=headers).json()["tasks"]}
    for new, old in ((new_a, a), (new_b, b)):
        copied_task = api.get(f"/tasks/{new}", headers=headers).json()
        assert copied_task["name"] == originals[old]["name"]
        assert copied_task["components"] == originals[old]["components"]
        assert copied_task["readOnly"] is False
    assert sorted(listed_task_ids(api, headers)) == sorted([a, b, new_a, new_b])
    assert tasks_of(api, headers, job) == [b, a, b]
    # The copies are independent: changing one leaves the original as it was.
    api.put(f"/tasks/{new_a}", json=rating_task("Changed"), headers=headers)
    assert api.get(f"/tasks/{a}", headers=headers).json()["name"] == "Task 0"


def test_copying_a_published_job_gives_an_editable_copy(api: Client) -> None:
    headers = make_requester(api, credit="10")
    (a,) = new_tasks(api, headers, 1)
    job = new_job(api, headers)["id"]
    api.put(f"/jobs/{job}/tasks", json=[a], headers=headers)
    cid = new_campaign(api, headers, [job])
    assert api.post(f"/campaigns/{cid}/publish", headers=headers).status_code == 200
    assert api.get(f"/jobs/{job}", headers=headers).json()["readOnly"] is True
    assert_error(api.put(f"/jobs/{job}", json={"name": "New"}, headers=headers), 409, ErrorCode.READ_ONLY)
    assert_error(api.put(f"/jobs/{job}/tasks", json=[], headers=headers), 409, ErrorCode.READ_ONLY)
    assert tasks_of(api, headers, job) == [a]

    deep = api.post(f"/jobs/{job}/copy?deep=true", headers=headers).json()
    assert deep["readOnly"] is False
    (copied_task,) = api.get(f"/jobs/{deep['id']}/tasks", headers=headers).json()["tasks"]
    assert copied_task["readOnly"] is False and copied_task["id"] != a
    assert api.put(f"/jobs/{deep['id']}", json={"name": "New"}, headers=headers).status_code == 200


def test_a_retried_copy_with_the_same_key_copies_once(api: Client) -> None:
    headers = make_requester(api)
    (a,) = new_tasks(api, headers, 1)
    job = new_job(api, headers)["id"]
    api.put(f"/jobs/{job}/tasks", json=[a], headers=headers)
    keyed = {**headers, "Idempotency-Key": "copy-1"}
    first = api.post(f"/jobs/{job}/copy?deep=true", headers=keyed)
    second = api.post(f"/jobs/{job}/copy?deep=true", headers=keyed)
    assert first.status_code == second.status_code == 201 and first.json() == second.json()
    assert listed_job_ids(api, headers) == [job, first.json()["id"]]
    assert len(listed_task_ids(api, headers)) == 2


def test_the_same_key_for_a_copy_with_another_deep_is_409(api: Client) -> None:
    headers = make_requester(api)
    (a,) = new_tasks(api, headers, 1)
    job = new_job(api, headers)["id"]
    api.put(f"/jobs/{job}/tasks", json=[a], headers=headers)
    keyed = {**headers, "Idempotency-Key": "copy-1"}
    assert api.post(f"/jobs/{job}/copy?deep=false", headers=keyed).status_code == 201
    assert_error(api.post(f"/jobs/{job}/copy?deep=true", headers=keyed), 409, ErrorCode.IDEMPOTENCY_MISMATCH)


# Archive ------------------------------------------------------------------------------------------------------------


def test_archive_with_deep_archives_the_tasks_and_unarchive_brings_them_back(api: Client) -> None:
    headers = make_requester(api)
    a, b, other = new_tasks(api, headers, 3)
    job = new_job(api, headers)["id"]
    api.put(f"/jobs/{job}/tasks", json=[a, b], headers=headers)

    response = api.post(f"/jobs/{job}/archive?deep=true", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["archived"] is True
    assert listed_job_ids(api, headers) == []
    assert listed_job_ids(api, headers, "&archived=true") == [job]
    assert listed_task_ids(api, headers) == [other]
    assert all(t["archived"] for t in api.get(f"/jobs/{job}/tasks", headers=headers).json()["tasks"])

    response = api.post(f"/jobs/{job}/unarchive", headers=headers)
    assert response.status_code == 200 and response.json()["archived"] is False
    assert listed_job_ids(api, headers) == [job]
    assert listed_task_ids(api, headers) == [a, b, other]
    assert tasks_of(api, headers, job) == [a, b]


def test_archive_without_deep_leaves_the_tasks(api: Client) -> None:
    headers = make_requester(api)
    a, b = new_tasks(api, headers, 2)
    job = new_job(api, headers)["id"]
    api.put(f"/jobs/{job}/tasks", json=[a, b], headers=headers)
    for query in ("", "?deep=false"):
        assert api.post(f"/jobs/{job}/archive{query}", headers=headers).json()["archived"] is True
        assert listed_job_ids(api, headers) == []
        assert listed_task_ids(api, headers) == [a, b]
        api.post(f"/jobs/{job}/unarchive", headers=headers)


def test_job_links_with_hal(api: Client) -> None:
    headers = {**make_requester(api), **HAL}
    created = api.post("/jobs", json={"name": "J"}, headers=headers)
    assert created.headers["content-type"].startswith("application/hal+json")
    jid = created.json()["id"]
    links = {
        "self": {"href": f"/jobs/{jid}"},
        "tasks": {"href": f"/jobs/{jid}/tasks"},
        "copy": {"href": f"/jobs/{jid}/copy"},
        "archive": {"href": f"/jobs/{jid}/archive"},
    }
    assert created.json()["_links"] == links
    assert api.get(f"/jobs/{jid}", headers=headers).json()["_links"] == links
    assert api.get("/jobs", headers=headers).json()["jobs"][0]["_links"] == links
    archived = api.post(f"/jobs/{jid}/archive", headers=headers).json()["_links"]
    assert "unarchive" in archived and "archive" not in archived
    plain = {k: v for k, v in headers.items() if k != "Accept"}
    assert "_links" not in api.get(f"/jobs/{jid}", headers=plain).json()
    assert all("_links" not in job for job in api.get("/jobs?archived=true", headers=plain).json()["jobs"])


# In use by a campaign -----------------------------------------------------------------------------------------------


def test_deleting_a_job_a_campaign_uses_is_409_naming_the_campaign(api: Client) -> None:
    headers = make_requester(api)
    (a,) = new_tasks(api, headers, 1)
    job = new_job(api, headers)["id"]
    api.put(f"/jobs/{job}/tasks", json=[a], headers=headers)
    cid = new_campaign(api, headers, [job])
    body = assert_error(api.delete(f"/jobs/{job}", headers=headers), 409, ErrorCode.IN_USE)
    assert f"campaigns {cid}" in body["description"]
    assert api.get(f"/jobs/{job}", headers=headers).status_code == 200
    assert tasks_of(api, headers, job) == [a]
    assert api.put(f"/campaigns/{cid}/jobs", json=[], headers=headers).status_code == 200
    assert api.delete(f"/jobs/{job}", headers=headers).status_code == 204
