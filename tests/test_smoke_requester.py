"""A first walk through the requester API on both databases."""

from __future__ import annotations

from litestar.testing import TestClient

from tests.requesters import PUBLISHABLE, make_requester, rating_task


def test_author_and_publish(api: TestClient) -> None:  # type: ignore[type-arg]
    headers = make_requester(api, credit="10")
    task = api.post("/tasks", json=rating_task(), headers=headers)
    assert task.status_code == 201, task.text
    job = api.post("/jobs", json={"name": "Job 1"}, headers=headers)
    assert job.status_code == 201, job.text
    put = api.put(f"/jobs/{job.json()['id']}/tasks", json=[task.json()["id"]], headers=headers)
    assert put.status_code == 200, put.text
    campaign = api.post(
        "/campaigns",
        json={"name": "C", **PUBLISHABLE, "workerPayment": 0.5, "results": 3, "maxResultsPerWorker": 1},
        headers=headers,
    )
    assert campaign.status_code == 201, campaign.text
    cid = campaign.json()["id"]
    assert api.put(f"/campaigns/{cid}/jobs", json=[job.json()["id"]], headers=headers).status_code == 200
    published = api.post(f"/campaigns/{cid}/publish", headers=headers)
    assert published.status_code == 200, published.text
    assert published.json()["state"] == "active"
    me = api.get("/me", headers=headers).json()
    assert me["balance"] == {"available": "8.20 USD", "frozen": "1.80 USD"}
    assert api.get(f"/tasks/{task.json()['id']}", headers=headers).json()["readOnly"] is True
