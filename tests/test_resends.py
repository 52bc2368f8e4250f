"""A resent submission is the same submission however the phone spelled it; another answer is a conflict."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from litestar.testing import TestClient

from taskengine.errors import ErrorCode
from tests.requesters import make_requester
from tests.test_api_components import assert_error
from tests.test_results import answers, started
from tests.test_worker_api import make_worker, published

Client = TestClient  # type: ignore[type-arg]


def _send(api: Client, worker: dict[str, str], assignment: int, raw: str) -> Any:
    headers = {**worker, "Content-Type": "application/json"}
    return api.post(f"/worker/assignments/{assignment}/result", content=raw.encode(), headers=headers)


def _respell(body: dict[str, Any]) -> list[str]:
    """The same submission written as differently as JSON allows."""
    reordered = {"taskResults": [dict(reversed(list(t.items()))) for t in body["taskResults"]], "id": body["id"]}
    spaced = json.dumps(body, indent=3, separators=(" ,  ", " :\t"))
    numbers = json.dumps(body).replace('{"rating": 4}', '{"rating": 4.0}')
    exponent = json.dumps(body).replace('{"rating": 4}', '{"rating": 40e-1}')
    moment = body["taskResults"][0]["startedAt"]  # every time of tests.test_results.answers is this one
    utc = datetime.fromisoformat(moment)
    plus_one = utc.astimezone(timezone(timedelta(hours=1))).isoformat()
    zones = json.dumps(body).replace(f'"{moment}"', f'"{plus_one}"')
    naive = json.dumps(body).replace(f'"{moment}"', f'"{utc.replace(tzinfo=None).isoformat()}"')
    assert zones != json.dumps(body) and naive != json.dumps(body)
    unicode = json.dumps(body, ensure_ascii=True).replace('"id"', '"\\u0069d"')
    return [json.dumps(reordered), spaced, numbers, exponent, zones, naive, unicode]


def _working(api: Client) -> tuple[dict[str, str], int, int, dict[str, Any], dict[str, str]]:
    """A published one-job campaign with a worker on it: (requester, campaign, assignment, answers, worker)."""
    requester = make_requester(api, credit="20")
    campaign, jobs = published(api, requester, results=1, jobs=1)
    _, worker = make_worker(api)
    sequence = started(api, worker, campaign, jobs[0])
    return requester, campaign, sequence["assignment"]["id"], answers(sequence), worker


def test_a_rebuilt_resend_returns_the_stored_result(api: Client) -> None:
    requester, campaign, assignment, body, worker = _working(api)
    first = _send(api, worker, assignment, json.dumps(body))
    assert first.status_code == 201, first.text
    for raw in _respell(body):
        again = _send(api, worker, assignment, raw)
        assert again.status_code == 200, (raw, again.text)
        assert again.json() == first.json()
    results = api.get(f"/campaigns/{campaign}/results", headers=requester).json()["results"]
    assert [r["id"] for r in results] == [first.json()["id"]]


@pytest.mark.parametrize(
    "change",
    [
        lambda b: b["taskResults"][0]["components"][2].update(rating=3),
        lambda b: b["taskResults"][1].update(completedAt="2026-01-01T10:00:01Z"),
        lambda b: b["taskResults"][2].update(startedAt="2026-01-01T09:59:59.999999Z"),
        lambda b: b["taskResults"][0]["components"][2].update(rating=4.5),
    ],
    ids=["another rating", "another completion time", "a microsecond earlier", "a half step"],
)
def test_another_answer_under_the_same_id_stays_a_conflict(api: Client, change: Any) -> None:
    _, _, assignment, body, worker = _working(api)
    assert _send(api, worker, assignment, json.dumps(body)).status_code == 201
    change(body)
    assert_error(_send(api, worker, assignment, json.dumps(body)), 409, ErrorCode.SUBMISSION_MISMATCH)
