"""Issue 9: what a client can rely on: one timestamp format, numbers of one type, publishing rules, ledger totals."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from litestar.testing import TestClient

from taskengine.errors import ErrorCode
from tests.requesters import make_requester, rating_task
from tests.test_api_components import assert_error
from tests.test_results import started, submit
from tests.test_worker_api import make_worker, published

Client = TestClient  # type: ignore[type-arg]
RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$")
TIME_KEYS = re.compile(r"(At|Date|deadline|[Uu]ntil)$")


def _timestamps(value: Any, path: str = "") -> list[tuple[str, Any]]:
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if TIME_KEYS.search(key) and not isinstance(item, dict | list):
                found.append((f"{path}.{key}", item))
            found.extend(_timestamps(item, f"{path}.{key}"))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.extend(_timestamps(item, f"{path}[{i}]"))
    return found


def test_every_timestamp_is_rfc3339_utc_with_z(api: Client) -> None:
    requester = make_requester(api, credit="20")
    campaign, jobs = published(api, requester, results=1, endDate="2090-01-01T00:00+02:00")
    worker_id, worker = make_worker(api)
    sequence = started(api, worker, campaign, jobs[0])
    result = submit(api, worker, sequence).json()
    until = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    soft = api.post(f"/results/{result['id']}/soft-reject", json={"reason": "again", "until": until}, headers=requester)
    assert soft.status_code == 200, soft.text
    views = [
        api.post("/auth/token/request", json={"email": "ada@example.com", "password": "correct horse battery"}).json(),
        api.get("/tasks", headers=requester).json(),
        api.get("/jobs", headers=requester).json(),
        api.get(f"/campaigns/{campaign}", headers=requester).json(),
        api.get(f"/campaigns/{campaign}/results", headers=requester).json(),
        api.get(f"/campaigns/{campaign}/workers/{worker_id}/results", headers=requester).json(),
        sequence,
        result,
        soft.json(),
        api.get("/worker/results", headers=worker).json(),
    ]
    stamps = [stamp for view in views for stamp in _timestamps(view)]
    assert len(stamps) > 20
    wrong = [(path, value) for path, value in stamps if value is not None and not RFC3339_UTC.match(str(value))]
    assert wrong == []
    assert api.get(f"/campaigns/{campaign}", headers=requester).json()["endDate"] == "2089-12-31T22:00:00Z"


def test_numbers_keep_one_type(api: Client) -> None:
    requester = make_requester(api, credit="20")
    campaign, jobs = published(api, requester, results=1, jobs=3)
    worker_id, worker = make_worker(api)
    for job in jobs[:2]:
        assert submit(api, worker, started(api, worker, campaign, job)).status_code == 201
    results = api.get(f"/campaigns/{campaign}/results", headers=requester).json()["results"]
    api.post(f"/results/{results[0]['id']}/approve", headers=requester)
    api.post(f"/results/{results[1]['id']}/reject", json={"reason": "no"}, headers=requester)
    seen = [
        api.get("/worker/me", headers=worker).json(),
        api.get(f"/campaigns/{campaign}/workers", headers=requester).json()["workers"][0],
        api.get(f"/campaigns/{campaign}/workers/{worker_id}/results", headers=requester).json()["worker"],
    ]
    for figures in seen:
        # Reputation is a percentage: always a float (100.0 before any decision); experience a count: an int.
        assert all(type(v) is float for v in figures["reputation"].values()), figures
        assert all(type(v) is int for v in figures["experience"].values()), figures
        assert figures["reputation"] == {"me": 50.0, "global": 50.0}


def test_stepper_results_come_back_as_sent(client: Client) -> None:
    task = {"name": "S", "components": [{"type": "Stepper", "properties": {"min": 0, "max": 10, "step": 0.5}}]}
    for sent in (3, 3.0, 2.5, 10, 0):
        body = {"task": task, "result": {"components": [{"result": sent}]}}
        response = client.post("/components/validate-result", json=body)
        assert response.status_code == 200, response.text
        returned = response.json()["result"]["components"][0]["result"]
        assert returned == sent and type(returned) is type(sent), (sent, returned)
    for bad in (11, 10.5, 7.25, -1):
        body = {"task": task, "result": {"components": [{"result": bad}]}}
        assert_error(client.post("/components/validate-result", json=body), 422, ErrorCode.INVALID_RESULT)
    odd = {"name": "S", "components": [{"type": "Stepper", "properties": {"min": 1, "max": 9, "step": 2}}]}
    for value, ok in ((3, True), (4, False), (5.0, True), (4.0, False)):
        body = {"task": odd, "result": {"components": [{"result": value}]}}
        assert client.post("/components/validate-result", json=body).status_code == (200 if ok else 422), value


def test_publishing_needs_title_description_and_pay_unless_training(api: Client) -> None:
    headers = make_requester(api, credit="20")
    task = api.post("/tasks", json=rating_task(), headers=headers).json()["id"]
    job = api.post("/jobs", json={"name": "J"}, headers=headers).json()["id"]
    api.put(f"/jobs/{job}/tasks", json=[task], headers=headers)
    campaign = api.post("/campaigns", json={"name": "Bare"}, headers=headers).json()["id"]
    api.put(f"/campaigns/{campaign}/jobs", json=[job], headers=headers)

    error = assert_error(api.post(f"/campaigns/{campaign}/publish", headers=headers), 409, ErrorCode.NOT_PUBLISHABLE)
    assert [p["path"] for p in error["problems"]] == ["title", "description", "workerPayment"]
    assert error["description"] == f"campaign {campaign} cannot be published yet: 3 problems"
    assert "training" in error["problems"][2]["message"]

    blank = {"name": "Bare", "title": "  ", "description": "Rate it", "workerPayment": "0.10"}
    api.put(f"/campaigns/{campaign}", json=blank, headers=headers)
    error = assert_error(api.post(f"/campaigns/{campaign}/publish", headers=headers), 409, ErrorCode.NOT_PUBLISHABLE)
    assert [p["path"] for p in error["problems"]] == ["title"]
    assert error["description"].endswith(": 1 problem")
    assert api.get(f"/campaigns/{campaign}", headers=headers).json()["state"] == "unpublished"

    training = {"name": "Bare", "title": "Practice", "description": "Try it", "workerPayment": "0", "training": True}
    api.put(f"/campaigns/{campaign}", json=training, headers=headers)
    assert api.post(f"/campaigns/{campaign}/publish", headers=headers).status_code == 200


def test_me_shows_the_ledger_totals(api: Client) -> None:
    headers = make_requester(api, credit="20")
    me = api.get("/me", headers=headers).json()
    assert me["ledger"] == {"available": 20.0, "frozen": 0.0, "paidOut": 0.0, "fees": 0.0, "credited": 20.0}
    campaign, jobs = published(api, headers, results=1, jobs=1)  # 0.25 for the worker, 20% commission
    _, worker = make_worker(api)
    result = submit(api, worker, started(api, worker, campaign, jobs[0])).json()
    api.post(f"/results/{result['id']}/approve", headers=headers)
    response = api.get("/me", headers=headers)
    raw = response.text
    # Exact decimals, as every money field: 0.25 and 0.05 exactly, never a float's approximation.
    assert '"paidOut":0.25' in raw and '"fees":0.05' in raw and '"credited":20.00' in raw, raw
    ledger = response.json()["ledger"]
    assert Decimal(str(ledger["available"])) + Decimal(str(ledger["frozen"])) + Decimal("0.30") == Decimal("20")
    assert response.json()["balance"] == {"available": "19.70 USD", "frozen": "0.00 USD"}
