"""One account per address however it is spelled, and no required text that is only white space."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from taskengine.errors import ErrorCode
from tests.requesters import make_requester, rating_task
from tests.test_api_components import assert_error

Client = TestClient  # type: ignore[type-arg]
PASSWORD = "worker password"

LOOK_ALIKES = [
    "Ada@Example.com",  # case
    "  ada@example.com\t",  # white space around it
    "".join(chr(ord(c) + 0xFEE0) if c.isalpha() else c for c in "ada@example.com"),  # full-width letters (NFKC)
    "ADA@EXAMPLE.COM",
    "\uff21da@example.com",  # a full-width capital, folded by NFKC and then by case
]


@pytest.mark.parametrize("spelling", LOOK_ALIKES)
def test_look_alike_addresses_cannot_make_a_second_worker(api: Client, spelling: str) -> None:
    assert api.post("/worker/signup", json={"email": "ada@example.com", "password": PASSWORD}).status_code == 201
    assert_error(api.post("/worker/signup", json={"email": spelling, "password": PASSWORD}), 409, ErrorCode.CONFLICT)
    # And the look-alike signs in to the one account.
    token = api.post("/worker/auth/token/request", json={"email": spelling, "password": PASSWORD})
    assert token.status_code == 200, token.text


def test_composed_and_decomposed_spellings_are_one_address(api: Client) -> None:
    composed, decomposed = "jos\u00e9@example.com", "jose\u0301@example.com"
    assert api.post("/worker/signup", json={"email": composed, "password": PASSWORD}).status_code == 201
    assert_error(api.post("/worker/signup", json={"email": decomposed, "password": PASSWORD}), 409, ErrorCode.CONFLICT)
    assert api.post("/worker/auth/token/request", json={"email": decomposed, "password": PASSWORD}).status_code == 200
    me = api.get(
        "/worker/me",
        headers={
            "X-Auth-Token": api.post(
                "/worker/auth/token/request", json={"email": composed, "password": PASSWORD}
            ).json()["accessToken"]
        },
    )
    assert me.json()["email"] == composed


@pytest.mark.parametrize(
    "email", ["ada\u200b@example.com", "ada@exa\u00admple.com", "ada\u0007@example.com", "a\u202eda@example.com"]
)
def test_invisible_characters_are_not_an_address(api: Client, email: str) -> None:
    error = assert_error(
        api.post("/worker/signup", json={"email": email, "password": PASSWORD}), 422, ErrorCode.INVALID_BODY
    )
    assert error["problems"][0]["path"] == "email"


BLANKS = ["", " ", "\t\n", "\u00a0\u2003"]


@pytest.mark.parametrize("blank", BLANKS)
def test_blank_names_and_texts_are_refused_where_required(api: Client, blank: str) -> None:
    headers = make_requester(api, credit="5")
    task = rating_task()
    task["name"] = blank
    error = assert_error(api.post("/tasks", json=task, headers=headers), 422, ErrorCode.INVALID_TASK)
    assert [p["path"] for p in error["problems"]] == ["name"]
    task = rating_task()
    task["components"][0]["properties"]["text"] = blank
    error = assert_error(api.post("/tasks", json=task, headers=headers), 422, ErrorCode.INVALID_TASK)
    assert [p["path"] for p in error["problems"]] == ["components[0].properties.text"]
    for path in ("/jobs", "/campaigns", "/worker-groups"):
        error = assert_error(api.post(path, json={"name": blank}, headers=headers), 422, ErrorCode.INVALID_BODY)
        assert [p["path"] for p in error["problems"]] == ["name"], path
    assert api.get("/tasks", headers=headers).json()["tasks"] == []
    assert api.get("/jobs", headers=headers).json()["jobs"] == []


def test_blank_reasons_are_refused(api: Client) -> None:
    from tests.test_results import started, submit
    from tests.test_worker_api import make_worker, published

    requester = make_requester(api, credit="20")
    campaign, jobs = published(api, requester, results=1, jobs=1)
    _, worker = make_worker(api)
    result = submit(api, worker, started(api, worker, campaign, jobs[0])).json()
    for action, body in (("reject", {"reason": "  "}), ("soft-reject", {"reason": "\n", "until": "2099-01-01"})):
        error = assert_error(
            api.post(f"/results/{result['id']}/{action}", json=body, headers=requester), 422, ErrorCode.INVALID_BODY
        )
        assert "reason" in [p["path"] for p in error["problems"]], error
    assert api.get(f"/results/{result['id']}", headers=requester).json()["state"] == "InReview"
