"""Dates at the edges of what Python and the databases hold, in every place a date comes in, on SQLite and PostgreSQL.

A moment with a zone that lies in the years 1 to 9999 may leave them once shifted to UTC (9999-12-31T23:59:59-14:00
is in year 10000 there); that is the client's mistake, named at its field, never a 500. Edges that stay inside
are accepted and answered in UTC, and moments with and without a zone compare (no zone means UTC).
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from taskengine.errors import ErrorCode
from tests.test_api_components import assert_error
from tests.test_results import answers, submit
from tests.test_worker_api import Client
from tests.test_worker_isolation import Scene

# Inside the years 1 to 9999 as written, outside them in UTC.
BEYOND_UTC = [
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:59:59-00:01",
    "9999-12-31T20:00-04:00",
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00+00:01",
    "0001-01-01T13:59:59.999999+14:00",
]
# At the edges and still inside once in UTC: (as sent, as answered).
INSIDE_UTC = [
    ("9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"),
    ("9999-12-31T23:59:59", "9999-12-31T23:59:59Z"),
    ("9999-12-31T23:59:59+14:00", "9999-12-31T09:59:59Z"),
    ("9999-12-31T23:59:59.999999+00:00", "9999-12-31T23:59:59.999999Z"),
]


def _only_problem(error: dict[str, Any], path: str) -> str:
    assert [p["path"] for p in error["problems"]] == [path], error
    return str(error["problems"][0]["message"])


def test_campaign_dates_beyond_utc_are_422_at_their_field(api: Client) -> None:
    scene = Scene(api)
    draft = api.post("/campaigns", json={"name": "Draft"}, headers=scene.requester).json()["id"]
    before = scene.snapshot()
    for moment, field in ((m, f) for m in BEYOND_UTC for f in ("startDate", "endDate")):
        for method, path in (("POST", "/campaigns"), ("PUT", f"/campaigns/{draft}")):
            body = {"name": "Dated", field: moment}
            response = api.request(method, path, json=body, headers=scene.requester)
            message = _only_problem(assert_error(response, 422, ErrorCode.INVALID_BODY), field)
            assert "years 1 to 9999" in message, message
    assert scene.snapshot() == before
    names = [c["name"] for c in api.get("/campaigns?limit=100", headers=scene.requester).json()["campaigns"]]
    assert "Dated" not in names


def test_campaign_dates_at_the_edge_inside_utc_are_kept(api: Client) -> None:
    scene = Scene(api)
    for moment, answered in INSIDE_UTC:
        response = api.post("/campaigns", json={"name": "Far", "endDate": moment}, headers=scene.requester)
        assert response.status_code == 201, response.text
        assert response.json()["endDate"] == answered
        again = api.get(f"/campaigns/{response.json()['id']}", headers=scene.requester)
        assert again.json()["endDate"] == answered


def test_soft_reject_until_beyond_utc_is_422(api: Client) -> None:
    scene = Scene(api)
    before = scene.snapshot()
    for moment in BEYOND_UTC:
        body = {"reason": "Redo it", "until": moment}
        response = api.post(f"/results/{scene.a_result}/soft-reject", json=body, headers=scene.requester)
        message = _only_problem(assert_error(response, 422, ErrorCode.INVALID_BODY), "until")
        assert "years 1 to 9999" in message
    assert scene.snapshot() == before


def test_since_beyond_utc_is_400_naming_it(api: Client) -> None:
    scene = Scene(api)
    for moment, path in (
        (m, p)
        for m in [*BEYOND_UTC, "10000-01-01", "0000-01-01", "9999-13-01"]
        for p in (f"/campaigns/{scene.campaign}/results", f"/campaigns/{scene.campaign}/workers/{scene.a_id}/results")
    ):
        response = api.get(path, params={"since": moment}, headers=scene.requester)
        error = assert_error(response, 400, ErrorCode.INVALID_PARAMETER)
        assert error["description"].startswith("since: "), error


def test_since_at_the_edges_inside_utc_answers(api: Client) -> None:
    scene = Scene(api)
    path = f"/campaigns/{scene.campaign}/results"
    for since, count in (("0001-01-01T00:00:00-14:00", 2), ("0001-01-01", 2), ("9999-12-31T23:59:59+14:00", 0)):
        response = api.get(path, params={"since": since}, headers=scene.requester)
        assert response.status_code == 200, (since, response.text)
        assert len(response.json()["results"]) == count, since


def _cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize("order", ["createdAt", "-createdAt", "lastModifiedAt", "-lastModifiedAt"])
def test_list_cursors_with_dates_beyond_utc_are_400(api: Client, order: str) -> None:
    scene = Scene(api)
    for kind in ("tasks", "jobs", "campaigns"):
        for moment in BEYOND_UTC:
            for parameter in ("after", "before"):
                query = {"order": order, parameter: _cursor([moment, 1])}
                error = assert_error(
                    api.get(f"/{kind}", params=query, headers=scene.requester), 400, ErrorCode.INVALID_PARAMETER
                )
                assert [p["path"] for p in error["problems"]] == [parameter], error
        # A zoned date inside UTC is a cursor like any other.
        inside = api.get(
            f"/{kind}",
            params={"order": order, "after": _cursor(["2000-01-01T00:00+14:00", 1])},
            headers=scene.requester,
        )
        assert inside.status_code == 200, inside.text


# ---------------------------------------------------------------- submission times


def test_submission_times_beyond_utc_are_422_at_their_path(api: Client) -> None:
    scene = Scene(api)
    before = scene.snapshot()
    for moment, field in ((m, f) for m in BEYOND_UTC for f in ("startedAt", "completedAt")):
        body = answers(scene.a_working)
        body["taskResults"][1][field] = moment
        error = assert_error(submit(api, scene.a, scene.a_working, body), 422, ErrorCode.INVALID_RESULT)
        assert _only_problem(error, f"taskResults[1].{field}")  # RFC 3339 wants seconds: some fail before UTC
    assert scene.snapshot() == before


def test_submission_times_with_and_without_a_zone_compare_and_come_back_in_utc(api: Client) -> None:
    scene = Scene(api)
    body = answers(scene.a_working)
    # Whole seconds after the assignment started (within the clock skew allowed), spelt with and without zones.
    start = datetime.fromisoformat(scene.a_working["assignment"]["startedAt"]).replace(microsecond=0)
    t = [start + timedelta(seconds=s) for s in (0, 30, 60)]

    def naive(moment: datetime) -> str:
        return moment.replace(tzinfo=None).isoformat()

    def zoned(moment: datetime, hours: int) -> str:
        return moment.astimezone(timezone(timedelta(hours=hours))).isoformat()

    def z(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    # No zone is UTC; the same instant in another zone compares equal; the year-1 edge starts a task like any time.
    body["taskResults"][0].update(startedAt=naive(t[0]), completedAt=zoned(t[1], 2))
    body["taskResults"][1].update(startedAt="0001-01-01T00:00:00Z", completedAt=zoned(t[1], -14))
    body["taskResults"][2].update(startedAt=zoned(t[2], -1), completedAt=naive(t[2]))
    response = submit(api, scene.a, scene.a_working, body)
    assert response.status_code == 201, response.text
    result = response.json()
    times = [(t["startedAt"], t["completedAt"]) for t in result["taskResults"]]
    assert times == [(z(t[0]), z(t[1])), ("0001-01-01T00:00:00Z", z(t[1])), (z(t[2]), z(t[2]))]
    assert (result["startedAt"], result["completedAt"]) == ("0001-01-01T00:00:00Z", z(t[2]))
    stored = api.get(f"/results/{result['id']}", headers=scene.requester).json()
    assert (stored["startedAt"], stored["completedAt"]) == (result["startedAt"], result["completedAt"])


def test_completed_before_started_is_told_across_zones(api: Client) -> None:
    scene = Scene(api)
    body = answers(scene.a_working)
    body["taskResults"][0].update(startedAt="2026-01-01T10:00:00", completedAt="2026-01-01T11:00:00+02:00")
    error = assert_error(submit(api, scene.a, scene.a_working, body), 422, ErrorCode.INVALID_RESULT)
    assert _only_problem(error, "taskResults[0].completedAt") == "must not be before startedAt"


def test_completed_at_lies_between_the_assignment_start_and_the_submission(api: Client) -> None:
    """Issue 9: completedAt neither before the assignment started nor after the result came in, allowing the
    device's clock CLOCK_SKEW (5 minutes) either way; each refused at its own path, nothing stored."""
    scene = Scene(api)
    before = scene.snapshot()
    start = datetime.fromisoformat(scene.a_working["assignment"]["startedAt"])
    now = datetime.now(UTC)
    for completed, wording in (
        (start - timedelta(minutes=6), "must not be before the assignment started"),
        (now + timedelta(minutes=6), "must not be after the result is submitted"),
        (datetime(9999, 12, 31, tzinfo=UTC), "must not be after the result is submitted"),
    ):
        body = answers(scene.a_working)
        body["taskResults"][1].update(
            startedAt=(start - timedelta(minutes=7)).isoformat(), completedAt=completed.isoformat()
        )
        error = assert_error(submit(api, scene.a, scene.a_working, body), 422, ErrorCode.INVALID_RESULT)
        assert _only_problem(error, "taskResults[1].completedAt").startswith(wording), error
        assert error["description"] == "the result has 1 problem"
    assert scene.snapshot() == before
    # Within the skew either way is accepted: a device clock a few minutes off is normal.
    body = answers(scene.a_working)
    body["taskResults"][0].update(
        startedAt=(start - timedelta(minutes=4)).isoformat(), completedAt=(start - timedelta(minutes=4)).isoformat()
    )
    body["taskResults"][2].update(completedAt=(now + timedelta(minutes=4)).isoformat())
    response = submit(api, scene.a, scene.a_working, body)
    assert response.status_code == 201, response.text
