"""Tasks through the API (SWARMS "Task"): create, read, replace, delete, copy, archive, Idempotency-Key and HAL."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from taskengine.errors import ErrorCode
from tests.requesters import PUBLISHABLE, make_requester, rating_task
from tests.test_api_components import assert_error

Client = TestClient  # type: ignore[type-arg]
HAL = {"Accept": "application/hal+json"}
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
SIZE = re.compile(r"^\d+(\.\d)? (B|KB|MB|GB|TB)$")
TASK_KEYS = [
    "name",
    "components",
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


def when(timestamp: str) -> datetime:
    """A wire timestamp as a datetime (comparing the strings fails when one has no fraction of a second)."""
    return datetime.fromisoformat(timestamp)


def create(api: Client, headers: dict[str, str], body: Any | None = None) -> dict[str, Any]:
    response = api.post("/tasks", json=body if body is not None else rating_task(), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def task_ids(api: Client, headers: dict[str, str], query: str = "") -> list[int]:
    response = api.get(f"/tasks?limit=100{query}", headers=headers)
    assert response.status_code == 200, response.text
    return [task["id"] for task in response.json()["tasks"]]


def media_url(api: Client, name: str) -> str:
    return f"{api.app.state.settings.base_url}/media/{name}"


def image_task(*urls: str, name: str = "Pictures") -> dict[str, Any]:
    return {"name": name, "components": [{"type": "Image", "properties": {"url": url}} for url in urls]}


def publish(api: Client, headers: dict[str, str], task_ids: list[int]) -> int:
    """Put the tasks in a job of a published campaign (which makes them read-only); the job's id."""
    job = api.post("/jobs", json={"name": "Published job"}, headers=headers).json()["id"]
    assert api.put(f"/jobs/{job}/tasks", json=task_ids, headers=headers).status_code == 200
    campaign = api.post(
        "/campaigns",
        json={"name": "C", **PUBLISHABLE, "workerPayment": 0.5, "results": 1, "maxResultsPerWorker": 1},
        headers=headers,
    )
    assert campaign.status_code == 201, campaign.text
    cid = campaign.json()["id"]
    assert api.put(f"/campaigns/{cid}/jobs", json=[job], headers=headers).status_code == 200
    published = api.post(f"/campaigns/{cid}/publish", headers=headers)
    assert published.status_code == 200, published.text
    return int(job)


# Create and read ----------------------------------------------------------------------------------------------------


def test_create_gives_201_with_the_normalised_task(api: Client) -> None:
    headers = make_requester(api)
    response = api.post("/tasks", json=rating_task("Rate the picture"), headers=headers)
    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith("application/json")
    task = response.json()
    assert list(task) == TASK_KEYS
    assert task["name"] == "Rate the picture"
    assert task["components"] == [
        {
            "type": "Text",
            "properties": {"text": "How good is this picture?", "style": "PlainText"},
            "sticky": False,
            "optionalResult": False,
            "landscape": False,
        },
        {
            "type": "Image",
            "properties": {"url": "https://example.com/picture.jpg"},
            "sticky": False,
            "optionalResult": False,
            "landscape": False,
        },
        {
            "type": "Rating",
            "properties": {"steps": 5, "halfSteps": False},
            "sticky": False,
            "optionalResult": False,
            "landscape": False,
        },
    ]
    assert task["properties"] == {}
    assert task["readOnly"] is False and task["archived"] is False
    assert isinstance(task["id"], int) and task["id"] > 0
    assert ISO_Z.match(task["createdAt"]) and ISO_Z.match(task["lastModifiedAt"])
    assert when(task["createdAt"]) <= when(task["lastModifiedAt"])
    assert (task["resourcesSize"], task["resourcesSizeBytes"]) == ("0 B", 0)
    assert (task["estimatedUploadSize"], task["estimatedUploadSizeBytes"]) == ("0 B", 0)
    again = api.get(f"/tasks/{task['id']}", headers=headers)
    assert again.status_code == 200 and again.json() == task


def test_create_keeps_explicit_component_flags_and_task_properties(api: Client) -> None:
    headers = make_requester(api)
    body = {
        "name": "Flags",
        "components": [
            {"type": "Rating", "properties": {"steps": 3}, "sticky": True, "optionalResult": True, "landscape": True}
        ],
        "properties": {"key": "value"},
    }
    task = create(api, headers, body)
    assert task["components"][0]["sticky"] is True
    assert task["components"][0]["optionalResult"] is True
    assert task["components"][0]["landscape"] is True
    assert task["properties"] == {"key": "value"}


def test_an_audio_recording_of_60_seconds_estimates_960000_bytes_of_upload(api: Client) -> None:
    headers = make_requester(api)
    task = create(
        api,
        headers,
        {"name": "Say it", "components": [{"type": "AudioRecording", "properties": {"maxDurationInSeconds": 60}}]},
    )
    assert task["estimatedUploadSizeBytes"] == 960_000  # 60 s at 16,000 B/s
    assert task["estimatedUploadSize"] == "937.5 KB"
    assert task["resourcesSizeBytes"] == 0


def test_local_media_counts_its_file_size_and_external_urls_count_nothing(api: Client, tmp_path: Path) -> None:
    headers = make_requester(api)
    media = tmp_path / "media"
    media.mkdir(exist_ok=True)
    (media / "photo.jpg").write_bytes(b"\xff" * 5000)
    (media / "other.png").write_bytes(b"\x89" * 3 * 1024 * 1024)
    (tmp_path / "secret.txt").write_bytes(b"s" * 777)

    local = create(api, headers, image_task(media_url(api, "photo.jpg")))
    assert local["resourcesSizeBytes"] == 5000 and local["resourcesSize"] == "4.9 KB"

    both = create(api, headers, image_task(media_url(api, "photo.jpg"), media_url(api, "other.png")))
    assert both["resourcesSizeBytes"] == 5000 + 3 * 1024 * 1024
    assert SIZE.match(both["resourcesSize"]), both["resourcesSize"]

    twice = create(api, headers, image_task(media_url(api, "photo.jpg"), media_url(api, "photo.jpg")))
    assert twice["resourcesSizeBytes"] == 5000  # the phone downloads one url once

    # Same path, another origin: not our media. (Another port of our own loopback host is refused outright now;
    # tests/test_media_url_policy.py checks that.)
    external = create(
        api, headers, image_task("https://example.com/photo.jpg", "http://media.example.net:9999/media/photo.jpg")
    )
    assert external["resourcesSizeBytes"] == 0 and external["resourcesSize"] == "0 B"

    outside = create(api, headers, image_task(media_url(api, "../secret.txt"), media_url(api, "missing.jpg")))
    assert outside["resourcesSizeBytes"] == 0


def test_sizes_are_recomputed_when_the_task_is_replaced(api: Client, tmp_path: Path) -> None:
    headers = make_requester(api)
    (tmp_path / "media").mkdir(exist_ok=True)
    (tmp_path / "media" / "a.jpg").write_bytes(b"a" * 2048)
    task = create(api, headers, image_task("https://example.com/a.jpg"))
    assert task["resourcesSizeBytes"] == 0
    replaced = api.put(f"/tasks/{task['id']}", json=image_task(media_url(api, "a.jpg")), headers=headers).json()
    assert (replaced["resourcesSizeBytes"], replaced["resourcesSize"]) == (2048, "2 KB")


INVALID_TASKS: list[tuple[Any, set[str]]] = [
    ({"components": [{"type": "Rating"}]}, {"name"}),
    ({"name": "", "components": []}, {"name", "components"}),
    ({"name": 5, "components": [{"type": "Rating"}]}, {"name"}),
    ({"name": "T", "components": {"type": "Rating"}}, {"components"}),
    ({"name": "T", "components": [{"type": "Nope"}]}, {"components[0].type"}),
    ({"name": "T", "components": [{"type": "Text"}]}, {"components[0].properties"}),
    (
        {"name": "T", "components": [{"type": "Rating", "properties": {"steps": "5"}}]},
        {"components[0].properties.steps"},
    ),
    (
        {
            "name": "",
            "components": [
                {"type": "Rating", "sticky": "yes"},
                {"type": "Image", "properties": {"url": "javascript:alert(1)"}},
                {"type": "Nope"},
            ],
            "colour": "red",
        },
        {"name", "components[0].sticky", "components[1].properties.url", "components[2].type", "colour"},
    ),
    ([], {""}),
]


def test_invalid_definitions_are_422_with_every_problem_and_its_path(api: Client) -> None:
    headers = make_requester(api)
    for body, paths in INVALID_TASKS:
        response = assert_error(api.post("/tasks", json=body, headers=headers), 422, ErrorCode.INVALID_TASK)
        assert {p["path"] for p in response["problems"]} == paths, (body, response["problems"])
        assert all(p["message"] for p in response["problems"])
    assert task_ids(api, headers) == []


def test_unknown_and_foreign_task_ids_are_404(api: Client) -> None:
    ada = make_requester(api)
    bob = make_requester(api, email="bob@example.com")
    task = create(api, ada)["id"]
    assert_error(api.get(f"/tasks/{task + 1000}", headers=ada), 404, ErrorCode.NOT_FOUND)
    for task_id in (0, -1, 2**31, 10**20):  # no row can have these: 400 naming the parameter (issue 9)
        assert_error(api.get(f"/tasks/{task_id}", headers=ada), 400, ErrorCode.INVALID_PARAMETER)
    for method, path in [
        ("GET", f"/tasks/{task}"),
        ("PUT", f"/tasks/{task}"),
        ("DELETE", f"/tasks/{task}"),
        ("POST", f"/tasks/{task}/copy"),
        ("POST", f"/tasks/{task}/archive"),
        ("POST", f"/tasks/{task}/unarchive"),
    ]:
        kwargs: dict[str, Any] = {"json": rating_task("Mine now")} if method == "PUT" else {}
        body = assert_error(api.request(method, path, headers=bob, **kwargs), 404, ErrorCode.NOT_FOUND)
        assert str(task) in body["description"]
    assert api.get(f"/tasks/{task}", headers=ada).json()["name"] == "Rate it"
    assert task_ids(api, bob) == []


# Replace ------------------------------------------------------------------------------------------------------------


def test_put_replaces_the_whole_definition(api: Client) -> None:
    headers = make_requester(api)
    body = {**rating_task("Before"), "properties": {"key": "value"}}
    task = create(api, headers, body)
    replacement = {"name": "After", "components": [{"type": "TextInput", "properties": {"hint": "Why?"}}]}
    response = api.put(f"/tasks/{task['id']}", json=replacement, headers=headers)
    assert response.status_code == 200, response.text
    replaced = response.json()
    assert replaced["id"] == task["id"] and replaced["createdAt"] == task["createdAt"]
    assert replaced["name"] == "After"
    assert [c["type"] for c in replaced["components"]] == ["TextInput"]
    assert replaced["properties"] == {}  # not sent, so gone: PUT replaces
    assert when(replaced["lastModifiedAt"]) > when(task["lastModifiedAt"])
    assert api.get(f"/tasks/{task['id']}", headers=headers).json() == replaced


def test_an_invalid_put_changes_nothing(api: Client) -> None:
    headers = make_requester(api)
    task = create(api, headers)
    response = api.put(f"/tasks/{task['id']}", json={"name": "", "components": [{"type": "Nope"}]}, headers=headers)
    body = assert_error(response, 422, ErrorCode.INVALID_TASK)
    assert {p["path"] for p in body["problems"]} == {"name", "components[0].type"}
    assert api.get(f"/tasks/{task['id']}", headers=headers).json() == task


def test_a_published_task_is_read_only_but_its_copy_is_not(api: Client) -> None:
    headers = make_requester(api, credit="10")
    task = create(api, headers)
    publish(api, headers, [task["id"]])
    published = api.get(f"/tasks/{task['id']}", headers=headers).json()
    assert published["readOnly"] is True
    body = assert_error(
        api.put(f"/tasks/{task['id']}", json=rating_task("Changed"), headers=headers), 409, ErrorCode.READ_ONLY
    )
    assert f"/tasks/{task['id']}/copy" in body["description"]
    assert_error(api.delete(f"/tasks/{task['id']}", headers=headers), 409, ErrorCode.READ_ONLY)
    assert api.get(f"/tasks/{task['id']}", headers=headers).json() == published

    copy = api.post(f"/tasks/{task['id']}/copy", headers=headers)
    assert copy.status_code == 201, copy.text
    assert copy.json()["readOnly"] is False
    changed = api.put(f"/tasks/{copy.json()['id']}", json=rating_task("Changed"), headers=headers)
    assert changed.status_code == 200 and changed.json()["name"] == "Changed"


# Delete -------------------------------------------------------------------------------------------------------------


def test_delete_is_204_and_the_task_is_gone(api: Client) -> None:
    headers = make_requester(api)
    keep, gone = create(api, headers)["id"], create(api, headers)["id"]
    response = api.delete(f"/tasks/{gone}", headers=headers)
    assert response.status_code == 204 and response.content == b""
    assert_error(api.get(f"/tasks/{gone}", headers=headers), 404, ErrorCode.NOT_FOUND)
    assert_error(api.delete(f"/tasks/{gone}", headers=headers), 404, ErrorCode.NOT_FOUND)
    assert task_ids(api, headers, "&archived=true") == [keep]


def test_delete_of_a_task_a_job_uses_is_409_naming_the_job(api: Client) -> None:
    headers = make_requester(api)
    task = create(api, headers)["id"]
    job = api.post("/jobs", json={"name": "Uses it"}, headers=headers).json()["id"]
    assert api.put(f"/jobs/{job}/tasks", json=[task], headers=headers).status_code == 200
    body = assert_error(api.delete(f"/tasks/{task}", headers=headers), 409, ErrorCode.IN_USE)
    assert f"jobs {job}" in body["description"]
    assert api.get(f"/tasks/{task}", headers=headers).status_code == 200
    assert api.put(f"/jobs/{job}/tasks", json=[], headers=headers).status_code == 200
    assert api.delete(f"/tasks/{task}", headers=headers).status_code == 204


# Copy ---------------------------------------------------------------------------------------------------------------


def test_copy_has_a_new_id_and_the_same_content(api: Client, tmp_path: Path) -> None:
    headers = make_requester(api)
    (tmp_path / "media").mkdir(exist_ok=True)
    (tmp_path / "media" / "c.jpg").write_bytes(b"c" * 100)
    body = {
        **image_task(media_url(api, "c.jpg"), name="Original"),
        "properties": {"key": "value"},
    }
    body["components"].append({"type": "AudioRecording", "properties": {"maxDurationInSeconds": 10}})
    original = create(api, headers, body)
    response = api.post(f"/tasks/{original['id']}/copy", headers=headers)
    assert response.status_code == 201, response.text
    copy = response.json()
    assert copy["id"] != original["id"]
    same = ("name", "components", "properties", "resourcesSize", "resourcesSizeBytes", "estimatedUploadSize")
    assert {k: copy[k] for k in same} == {k: original[k] for k in same}
    assert copy["estimatedUploadSizeBytes"] == original["estimatedUploadSizeBytes"] == 160_000
    assert copy["readOnly"] is False and copy["archived"] is False
    assert when(copy["createdAt"]) >= when(original["createdAt"])
    assert sorted(task_ids(api, headers)) == sorted([original["id"], copy["id"]])
    assert api.get(f"/tasks/{original['id']}", headers=headers).json() == original


def test_copy_of_an_archived_task_is_not_archived(api: Client) -> None:
    headers = make_requester(api)
    task = create(api, headers)["id"]
    api.post(f"/tasks/{task}/archive", headers=headers)
    copy = api.post(f"/tasks/{task}/copy", headers=headers).json()
    assert copy["archived"] is False
    assert task_ids(api, headers) == [copy["id"]]


# Archive ------------------------------------------------------------------------------------------------------------


def test_archive_hides_the_task_from_lists_unless_archived_is_true(api: Client) -> None:
    headers = make_requester(api)
    first, second, third = (create(api, headers, rating_task(f"T{i}"))["id"] for i in range(3))
    response = api.post(f"/tasks/{second}/archive", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["archived"] is True and response.json()["id"] == second
    assert task_ids(api, headers) == [first, third]
    assert task_ids(api, headers, "&archived=true") == [first, second, third]
    assert task_ids(api, headers, "&archived=false") == [first, third]
    assert api.get(f"/tasks/{second}", headers=headers).json()["archived"] is True

    assert api.post(f"/tasks/{second}/archive", headers=headers).status_code == 200  # again: no change, no error
    unarchived = api.post(f"/tasks/{second}/unarchive", headers=headers)
    assert unarchived.status_code == 200 and unarchived.json()["archived"] is False
    assert task_ids(api, headers) == [first, second, third]


def test_archived_tasks_are_found_by_search_only_with_archived_true(api: Client) -> None:
    headers = make_requester(api)
    task = create(api, headers, rating_task("Hidden gem"))["id"]
    api.post(f"/tasks/{task}/archive", headers=headers)
    assert task_ids(api, headers, "&search=gem") == []
    assert task_ids(api, headers, "&search=gem&archived=true") == [task]


# Idempotency-Key ----------------------------------------------------------------------------------------------------


def test_a_retried_create_with_the_same_key_returns_the_first_answer(api: Client) -> None:
    headers = {**make_requester(api), "Idempotency-Key": "create-1"}
    first = api.post("/tasks", json=rating_task("Once"), headers=headers)
    second = api.post("/tasks", json=rating_task("Once"), headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["content-type"].startswith("application/json")
    assert task_ids(api, headers) == [first.json()["id"]]


def test_the_same_key_with_a_different_body_is_409(api: Client) -> None:
    headers = {**make_requester(api), "Idempotency-Key": "create-1"}
    first = api.post("/tasks", json=rating_task("Once"), headers=headers).json()
    body = assert_error(
        api.post("/tasks", json=rating_task("Another"), headers=headers), 409, ErrorCode.IDEMPOTENCY_MISMATCH
    )
    assert body["code"] == 40903 and "create-1" in body["description"]
    assert_error(api.post("/jobs", json={"name": "J"}, headers=headers), 409, ErrorCode.IDEMPOTENCY_MISMATCH)
    assert task_ids(api, headers) == [first["id"]]


def test_keys_are_per_requester_and_new_keys_create_again(api: Client) -> None:
    ada = make_requester(api)
    bob = make_requester(api, email="bob@example.com")
    a1 = api.post("/tasks", json=rating_task(), headers={**ada, "Idempotency-Key": "k"}).json()
    b1 = api.post("/tasks", json=rating_task(), headers={**bob, "Idempotency-Key": "k"}).json()
    a2 = api.post("/tasks", json=rating_task(), headers={**ada, "Idempotency-Key": "k2"}).json()
    assert len({a1["id"], b1["id"], a2["id"]}) == 3
    assert task_ids(api, ada) == [a1["id"], a2["id"]] and task_ids(api, bob) == [b1["id"]]


def test_a_refused_create_does_not_use_up_its_key(api: Client) -> None:
    headers = {**make_requester(api), "Idempotency-Key": "retry-me"}
    assert_error(api.post("/tasks", json={"name": ""}, headers=headers), 422, ErrorCode.INVALID_TASK)
    fixed = api.post("/tasks", json=rating_task(), headers=headers)
    assert fixed.status_code == 201, fixed.text
    assert task_ids(api, headers) == [fixed.json()["id"]]


def test_a_retried_copy_with_the_same_key_copies_once(api: Client) -> None:
    headers = make_requester(api)
    task = create(api, headers)["id"]
    keyed = {**headers, "Idempotency-Key": "copy-1"}
    first = api.post(f"/tasks/{task}/copy", headers=keyed)
    second = api.post(f"/tasks/{task}/copy", headers=keyed)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert task_ids(api, headers) == [task, first.json()["id"]]


def test_an_overlong_key_is_400(api: Client) -> None:
    headers = {**make_requester(api), "Idempotency-Key": "k" * 256}
    # A documented header parameter (1 to 255 characters), refused like every other parameter: 40002 naming it.
    error = assert_error(api.post("/tasks", json=rating_task(), headers=headers), 400, ErrorCode.INVALID_PARAMETER)
    assert error["problems"][0]["path"] == "Idempotency-Key"
    assert task_ids(api, headers) == []


def test_a_retried_hal_create_is_still_hal(api: Client) -> None:
    headers = {**make_requester(api), **HAL, "Idempotency-Key": "hal-1"}
    first = api.post("/tasks", json=rating_task(), headers=headers)
    second = api.post("/tasks", json=rating_task(), headers=headers)
    assert first.headers["content-type"].startswith("application/hal+json")
    assert second.json() == first.json()
    assert second.headers["content-type"].startswith("application/hal+json")


# HAL ----------------------------------------------------------------------------------------------------------------


def test_hal_objects_carry_links_and_the_hal_content_type(api: Client) -> None:
    headers = make_requester(api)
    hal = {**headers, **HAL}
    created = api.post("/tasks", json=rating_task(), headers=hal)
    assert created.status_code == 201
    assert created.headers["content-type"].startswith("application/hal+json")
    tid = created.json()["id"]
    links = {
        "self": {"href": f"/tasks/{tid}"},
        "copy": {"href": f"/tasks/{tid}/copy"},
        "archive": {"href": f"/tasks/{tid}/archive"},
    }
    assert created.json()["_links"] == links

    for response in (api.get(f"/tasks/{tid}", headers=hal), api.put(f"/tasks/{tid}", json=rating_task(), headers=hal)):
        assert response.headers["content-type"].startswith("application/hal+json")
        assert response.json()["_links"] == links

    listed = api.get("/tasks", headers=hal)
    assert listed.headers["content-type"].startswith("application/hal+json")
    assert listed.json()["tasks"][0]["_links"] == links

    archived = api.post(f"/tasks/{tid}/archive", headers=hal)
    assert archived.headers["content-type"].startswith("application/hal+json")
    assert archived.json()["_links"] == {
        "self": {"href": f"/tasks/{tid}"},
        "copy": {"href": f"/tasks/{tid}/copy"},
        "unarchive": {"href": f"/tasks/{tid}/unarchive"},
    }
    unarchived = api.post(f"/tasks/{tid}/unarchive", headers=hal)
    assert unarchived.json()["_links"] == links

    copy = api.post(f"/tasks/{tid}/copy", headers=hal)
    assert copy.headers["content-type"].startswith("application/hal+json")
    assert copy.json()["_links"]["self"] == {"href": f"/tasks/{copy.json()['id']}"}


def test_without_hal_objects_have_no_links(api: Client) -> None:
    headers = make_requester(api)
    for accept in ({}, {"Accept": "application/json"}, {"Accept": "*/*"}):
        plain = {**headers, **accept}
        created = api.post("/tasks", json=rating_task(), headers=plain)
        tid = created.json()["id"]
        responses = [
            created,
            api.get(f"/tasks/{tid}", headers=plain),
            api.put(f"/tasks/{tid}", json=rating_task(), headers=plain),
            api.post(f"/tasks/{tid}/copy", headers=plain),
            api.post(f"/tasks/{tid}/archive", headers=plain),
            api.post(f"/tasks/{tid}/unarchive", headers=plain),
        ]
        for response in responses:
            assert response.headers["content-type"].startswith("application/json"), accept
            assert list(response.json()) == TASK_KEYS, accept
        listed = api.get("/tasks", headers=plain)
        assert listed.headers["content-type"].startswith("application/json")
        assert all("_links" not in task for task in listed.json()["tasks"])
