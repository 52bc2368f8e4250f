"""Result and worker lists page like every other list: `_links.next` / `previous`, HAL, every state filter."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from taskengine.domain.review import STATES
from taskengine.errors import ErrorCode
from tests.requesters import make_requester, rating_task
from tests.test_api_components import assert_error
from tests.test_results import started, submit
from tests.test_worker_api import make_worker, published

Client = TestClient  # type: ignore[type-arg]


def walk(api: Client, headers: dict[str, str], first: str, key: str) -> list[list[Any]]:
    """Every page from `first` following next, checked against the pages met following previous back."""
    pages, links = [], []
    url: str | None = first
    while url is not None:
        response = api.get(url, headers={**headers, "Accept": "application/hal+json"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/hal+json")
        body = response.json()
        pages.append([item["id"] for item in body[key]])
        links.append(body["_links"])
        url = body["_links"].get("next", {}).get("href")
    assert "previous" not in links[0]
    back = []
    url = links[-1].get("previous", {}).get("href")
    while url is not None:
        body = api.get(url, headers=headers).json()
        back.append([item["id"] for item in body[key]])
        url = body["_links"].get("previous", {}).get("href")
    assert back == pages[-2::-1], "previous links walk the same pages back"
    return pages


def _results_of_three_workers(api: Client) -> dict[str, Any]:
    requester = make_requester(api, credit="50")
    campaign, jobs = published(api, requester, results=1, jobs=5)
    workers = [make_worker(api, f"w{i}@example.com") for i in range(3)]
    owners = [0, 0, 0, 1, 2]  # the first worker does three jobs, the others one each
    results = []
    for job, owner in zip(jobs, owners, strict=True):
        sequence = started(api, workers[owner][1], campaign, job)
        response = submit(api, workers[owner][1], sequence)
        assert response.status_code == 201, response.text
        results.append(response.json()["id"])
    return {"requester": requester, "campaign": campaign, "workers": workers, "results": results}


def test_every_result_list_walks_forward_and_back(api: Client) -> None:
    made = _results_of_three_workers(api)
    requester, campaign, workers, results = made["requester"], made["campaign"], made["workers"], made["results"]

    pages = walk(api, requester, f"/campaigns/{campaign}/results?limit=2", "results")
    assert pages == [results[0:2], results[2:4], results[4:5]]

    pages = walk(api, requester, f"/campaigns/{campaign}/workers?limit=2", "workers")
    assert pages == [[workers[0][0], workers[1][0]], [workers[2][0]]]

    first = workers[0][0]
    pages = walk(api, requester, f"/campaigns/{campaign}/workers/{first}/results?limit=1", "results")
    assert pages == [[results[0]], [results[1]], [results[2]]]
    one = api.get(f"/campaigns/{campaign}/workers/{first}/results?limit=1", headers=requester).json()
    assert one["worker"]["id"] == first and one["worker"]["results"]["inReview"] == 3

    pages = walk(api, workers[0][1], "/worker/results?limit=2", "results")
    assert pages == [[results[2], results[1]], [results[0]]], "newest first"

    # With HAL each item carries its links; plain JSON has none.
    hal = api.get(f"/campaigns/{campaign}/results?limit=1", headers={**requester, "Accept": "application/hal+json"})
    assert hal.json()["results"][0]["_links"] == {
        "self": {"href": f"/results/{results[0]}"},
        "approve": {"href": f"/results/{results[0]}/approve"},
        "reject": {"href": f"/results/{results[0]}/reject"},
        "soft-reject": {"href": f"/results/{results[0]}/soft-reject"},
    }
    assert "_links" not in api.get(f"/campaigns/{campaign}/results", headers=requester).json()["results"][0]
    hal = api.get(f"/campaigns/{campaign}/workers", headers={**requester, "Accept": "application/hal+json"}).json()
    assert hal["workers"][0]["_links"]["self"] == {"href": f"/campaigns/{campaign}/workers/{first}/results"}
    hal = api.get("/worker/results", headers={**workers[0][1], "Accept": "application/hal+json"}).json()
    assert set(hal["results"][0]["_links"]) == {"assignment"}

    # Other parameters survive in the links; a cursor from elsewhere is refused.
    listed = api.get(f"/campaigns/{campaign}/results?limit=2&state=InReview", headers=requester).json()
    assert "state=InReview" in listed["_links"]["next"]["href"]
    error = assert_error(
        api.get(f"/campaigns/{campaign}/results?after=bm9wZQ", headers=requester), 400, ErrorCode.INVALID_PARAMETER
    )
    assert error["description"].startswith("after: not a cursor from this list")
    both = api.get(f"/campaigns/{campaign}/results?after=x&before=y", headers=requester)
    assert_error(both, 400, ErrorCode.INVALID_PARAMETER)


def test_state_filters_take_every_state_and_name_them_when_wrong(api: Client) -> None:
    made = _results_of_three_workers(api)
    requester, campaign, workers, results = made["requester"], made["campaign"], made["workers"], made["results"]
    approved = api.post(f"/results/{results[0]}/approve", json={}, headers=requester)
    assert approved.status_code == 200
    rejected = api.post(f"/results/{results[3]}/reject", json={"reason": "blurred"}, headers=requester)
    assert rejected.status_code == 200
    expected = {"InReview": [results[1], results[2], results[4]], "Approved": [results[0]], "Rejected": [results[3]]}
    first = workers[0][0]
    for state in STATES:
        for url, key in (
            (f"/campaigns/{campaign}/results?state={state}", requester),
            (f"/campaigns/{campaign}/workers/{first}/results?state={state}", requester),
            (f"/worker/results?state={state}", workers[0][1]),
        ):
            response = api.get(url, headers=key)
            assert response.status_code == 200, (url, response.text)
            ids = {item["id"] for item in response.json()["results"]}
            assert all(item["state"] == state for item in response.json()["results"])
            if "/worker/results" in url or f"/workers/{first}/" in url:
                assert ids == set(expected.get(state, [])) & set(results[:3]), url
            else:
                assert ids == set(expected.get(state, [])), url

    listing = ", ".join(STATES)
    for url, key in (
        (f"/campaigns/{campaign}/results?state=Done", requester),
        (f"/campaigns/{campaign}/workers/{first}/results?state=approved", requester),
        ("/worker/results?state=Done", workers[0][1]),
    ):
        error = assert_error(api.get(url, headers=key), 400, ErrorCode.INVALID_PARAMETER)
        assert error["description"] == f"state: must be one of {listing}"
        assert error["problems"] == [{"path": "state", "message": f"must be one of {listing}", "rule": "one-of"}]


@pytest.mark.parametrize(
    ("query", "description"),
    [
        ("limit=101", "limit: must be at most 100"),
        ("limit=0", "limit: must be at least 1"),
        ("limit=ten", "limit: must be an integer, got a string"),
        ("InReview=maybe", "InReview: must be true or false"),
    ],
)
def test_query_errors_use_public_names(client: Client, query: str, description: str) -> None:
    requester = make_requester(client)
    error = assert_error(
        client.get(f"/campaigns/1/workers?{query}", headers=requester), 400, ErrorCode.INVALID_PARAMETER
    )
    assert error["description"] == description
    assert error["problems"][0]["path"] == description.split(":")[0]


def test_approve_all_keeps_its_message(api: Client) -> None:
    made = _results_of_three_workers(api)
    requester, campaign, workers, results = made["requester"], made["campaign"], made["workers"], made["results"]
    one = api.post(
        f"/campaigns/{campaign}/workers/{workers[0][0]}/approve-all", json={"message": "Well done!"}, headers=requester
    )
    assert one.status_code == 200, one.text
    assert [(r["id"], r["message"]) for r in one.json()["results"]] == [(r, "Well done!") for r in results[:3]]
    rest = api.post(f"/campaigns/{campaign}/results/approve-all", json={"message": "Thanks"}, headers=requester)
    assert [(r["id"], r["message"]) for r in rest.json()["results"]] == [(r, "Thanks") for r in results[3:]]
    stored = api.get(f"/results/{results[4]}", headers=requester).json()
    assert (stored["state"], stored["message"]) == ("Approved", "Thanks")
    bad = api.post(f"/campaigns/{campaign}/results/approve-all", json={"message": 3}, headers=requester)
    assert_error(bad, 422, ErrorCode.INVALID_BODY)


def test_post_adds_ids_after_the_list_with_the_checks_of_put(api: Client) -> None:
    headers = make_requester(api)
    other = make_requester(api, email="bob@example.com")
    tasks = [api.post("/tasks", json=rating_task(f"T{i}"), headers=headers).json()["id"] for i in range(3)]
    foreign = api.post("/tasks", json=rating_task("theirs"), headers=other).json()["id"]
    job = api.post("/jobs", json={"name": "J"}, headers=headers).json()["id"]
    assert api.put(f"/jobs/{job}/tasks", json=[tasks[0]], headers=headers).status_code == 200
    added = api.post(f"/jobs/{job}/tasks", json=[tasks[1], tasks[0]], headers=headers)
    assert added.status_code == 200, added.text
    put_shape = api.put(f"/jobs/{job}/tasks", json=[tasks[0], tasks[1], tasks[0]], headers=headers).json()
    assert added.json() == put_shape, "POST answers what PUT answers: the whole list"
    assert [t["id"] for t in added.json()["tasks"]] == [tasks[0], tasks[1], tasks[0]]
    error = assert_error(
        api.post(f"/jobs/{job}/tasks", json=[foreign, "x"], headers=headers), 422, ErrorCode.INVALID_BODY
    )
    assert [p["path"] for p in error["problems"]] == ["[0]", "[1]"]
    assert_error(api.post(f"/jobs/{job}/tasks", json={"ids": [1]}, headers=headers), 422, ErrorCode.INVALID_BODY)

    jobs = [api.post("/jobs", json={"name": f"Job {i}"}, headers=headers).json()["id"] for i in range(3)]
    for j in jobs:
        assert api.put(f"/jobs/{j}/tasks", json=[tasks[2]], headers=headers).status_code == 200
    body = {"name": "C", "title": "T", "description": "D", "workerPayment": "0.10"}
    campaign = api.post("/campaigns", json=body, headers=headers).json()["id"]
    put = api.put(f"/campaigns/{campaign}/jobs", json=[jobs[0]], headers=headers)
    assert put.status_code == 200 and [j["id"] for j in put.json()["jobs"]] == [jobs[0]]
    assert set(put.json()) - {"jobs"} == set(put_shape) - {"tasks"}, "the same shape as PUT /jobs/{id}/tasks"
    added = api.post(f"/campaigns/{campaign}/jobs", json=[jobs[2], jobs[1]], headers=headers)
    assert added.status_code == 200, added.text
    assert [j["id"] for j in added.json()["jobs"]] == [jobs[0], jobs[2], jobs[1]]
    for ids, problem in (
        ([999], {"path": "[0]", "message": "no job with id 999", "rule": "exists"}),
        ([jobs[0], jobs[0]], {"path": "[0]", "message": f"job {jobs[0]} is in the campaign already", "rule": "unique"}),
    ):
        response = api.post(f"/campaigns/{campaign}/jobs", json=ids, headers=headers)
        assert assert_error(response, 422, ErrorCode.INVALID_BODY)["problems"][0] == problem
    listed = api.get(f"/campaigns/{campaign}/jobs?limit=100", headers=headers).json()["jobs"]
    assert [j["id"] for j in listed] == [jobs[0], jobs[2], jobs[1]], "a refused POST changes nothing"

    # Published: read-only, like PUT.
    # The requester has no money: a training campaign pays nothing and publishes.
    assert (
        api.put(
            f"/campaigns/{campaign}", json={**body, "workerPayment": "0", "training": True}, headers=headers
        ).status_code
        == 200
    )
    assert api.post(f"/campaigns/{campaign}/publish", headers=headers).status_code == 200
    assert api.post(f"/campaigns/{campaign}/jobs", json=[], headers=headers).status_code == 409
    assert api.post(f"/jobs/{jobs[0]}/tasks", json=[tasks[0]], headers=headers).status_code == 409
