"""Rate limits: token requests, sign-ups, job starts and submissions, per account and per client address.

The shared fixtures run with limits off; these tests build apps with low limits of their own. Requests from a
TestClient all come from the address "testclient"; tests/test_rate_limits_served.py covers real addresses.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from taskengine.api import create_app
from taskengine.errors import ErrorCode
from taskengine.settings import load_settings
from tests.databases import sqlite_database, wipe
from tests.requesters import PASSWORD, make_requester
from tests.test_api_components import assert_error
from tests.test_results import answers, started, submit
from tests.test_worker_api import make_worker, published

Client = TestClient  # type: ignore[type-arg]
MakeClient = Callable[..., Client]
TOKEN_ROUTES = ["/auth/token/request", "/worker/auth/token/request"]


@pytest.fixture()
def limited(database_url: str, tmp_path: Path) -> Iterator[MakeClient]:
    """Make clients of apps on one database (each kind in turn) with the given settings; emptied afterwards."""
    clients: list[Client] = []
    with ExitStack() as stack:

        def make(**overrides: Any) -> Client:
            settings = load_settings({}, data_dir=tmp_path, database_url=database_url, **overrides)
            client = stack.enter_context(TestClient(create_app(settings, sweeper=False)))
            clients.append(client)
            return client

        try:
            yield make
        finally:
            if clients:
                clients[0].blocking_portal.call(wipe, clients[0].app.state.db)


def assert_limited(response: Any, whose: str) -> int:
    """The response is our 429 naming `whose` ("for this account", "from this address"); its Retry-After."""
    body = assert_error(response, 429, ErrorCode.TOO_MANY_REQUESTS)
    assert body["code"] == 42900 and set(body) == {"code", "message", "description"}
    assert whose in body["description"], body["description"]
    retry_after = response.headers["retry-after"]
    assert re.fullmatch(r"[1-9][0-9]*", retry_after), retry_after
    assert f"try again in {retry_after} s" in body["description"]
    assert response.headers["x-request-id"] and response.headers["x-api-version"]
    return int(retry_after)


def token_request(client: Client, path: str, email: str, password: str = "wrong password") -> Any:
    return client.post(path, json={"email": email, "password": password})


@pytest.mark.parametrize("path", TOKEN_ROUTES)
def test_token_requests_are_limited_per_account_before_the_password_is_checked(limited: MakeClient, path: str) -> None:
    api = limited(rate_limit_token_per_account="3/minute")
    if path.startswith("/worker"):
        make_worker(api, "ada@example.com")  # signs in once
    else:
        make_requester(api, "ada@example.com")  # signs in once
    password = PASSWORD if path == "/auth/token/request" else "worker password"
    assert token_request(api, path, "ada@example.com").status_code == 401
    assert token_request(api, path, "ada@example.com").status_code == 401
    # Over the limit even with the right password: guessing gets no answer at all.
    wait = assert_limited(token_request(api, path, "ada@example.com", password), "for this account")
    assert 1 <= wait <= 60
    # The same account spelled otherwise is the same account.
    assert_limited(token_request(api, path, " ADA@Example.com "), "for this account")
    # Another account from the same address is not held back.
    assert token_request(api, path, "bob@example.com").status_code == 401


def test_requester_and_worker_accounts_are_counted_apart(limited: MakeClient) -> None:
    api = limited(rate_limit_token_per_account="1/minute")
    assert token_request(api, "/auth/token/request", "ada@example.com").status_code == 401
    assert token_request(api, "/worker/auth/token/request", "ada@example.com").status_code == 401
    assert_limited(token_request(api, "/auth/token/request", "ada@example.com"), "for this account")


def test_token_requests_are_limited_per_address(limited: MakeClient) -> None:
    api = limited(rate_limit_token_per_address="3/minute", rate_limit_token_per_account="100/minute")
    for i in range(3):
        assert token_request(api, TOKEN_ROUTES[i % 2], f"user{i}@example.com").status_code == 401
    # A fresh account changes nothing: the address has used its requests, on either route.
    for path in TOKEN_ROUTES:
        assert_limited(token_request(api, path, "fresh@example.com"), "from this address (testclient)")


def test_sign_ups_are_limited_per_email_and_per_address(limited: MakeClient) -> None:
    api = limited(rate_limit_signup_per_account="2/hour", rate_limit_signup_per_address="4/hour")
    body = {"email": "wanda@example.com", "password": "worker password"}
    assert api.post("/worker/signup", json=body).status_code == 201
    assert api.post("/worker/signup", json=body).status_code == 409
    assert_limited(api.post("/worker/signup", json={**body, "email": "WANDA@example.com"}), "for this email")
    assert api.post("/worker/signup", json={**body, "email": "xena@example.com"}).status_code == 201
    # Four requests counted for the address (the one refused for its email too): the fifth is refused.
    assert_limited(api.post("/worker/signup", json={**body, "email": "yuri@example.com"}), "from this address")
    # Only sign-ups count against sign-ups: signing in still works.
    assert api.post("/worker/auth/token/request", json=body).status_code == 200


def two_workers(api: Client, jobs: int) -> tuple[int, list[int], dict[str, str], dict[str, str]]:
    """A published campaign with two places per job, and two signed-in workers: Wanda and Xena."""
    campaign, job_ids = published(api, make_requester(api, credit="20"), results=2, jobs=jobs)
    return campaign, job_ids, make_worker(api, "wanda@example.com")[1], make_worker(api, "xena@example.com")[1]


def test_job_starts_are_limited_per_worker(limited: MakeClient) -> None:
    api = limited(rate_limit_start_per_account="1/minute", rate_limit_start_per_address="100/minute")
    campaign, jobs, wanda, xena = two_workers(api, jobs=2)
    assert api.post(f"/worker/campaigns/{campaign}/jobs/{jobs[0]}/start", headers=wanda).status_code == 201
    refused = api.post(f"/worker/campaigns/{campaign}/jobs/{jobs[1]}/start", headers=wanda)
    assert_limited(refused, "for this worker")
    # Nothing was written for the refused start: the job is still in Wanda's market.
    assert jobs[1] in [job["jobId"] for job in api.get("/worker/jobs", headers=wanda).json()["jobs"]]
    # Another worker on the same address starts it.
    assert api.post(f"/worker/campaigns/{campaign}/jobs/{jobs[1]}/start", headers=xena).status_code == 201


def test_job_starts_are_limited_per_address(limited: MakeClient) -> None:
    api = limited(rate_limit_start_per_account="100/minute", rate_limit_start_per_address="1/minute")
    campaign, jobs, wanda, xena = two_workers(api, jobs=2)
    assert api.post(f"/worker/campaigns/{campaign}/jobs/{jobs[0]}/start", headers=wanda).status_code == 201
    refused = api.post(f"/worker/campaigns/{campaign}/jobs/{jobs[0]}/start", headers=xena)
    assert_limited(refused, "from this address")


def test_submissions_are_limited_per_worker(limited: MakeClient) -> None:
    api = limited(rate_limit_submit_per_account="1/minute", rate_limit_submit_per_address="100/minute")
    campaign, jobs, wanda, xena = two_workers(api, jobs=1)
    wandas, xenas = started(api, wanda, campaign, jobs[0]), started(api, xena, campaign, jobs[0])
    assert submit(api, wanda, wandas).status_code == 201
    assert_limited(submit(api, wanda, wandas), "for this worker")
    assert submit(api, xena, xenas).status_code == 201
    # Without a token nothing is counted and the answer stays 401.
    assert submit(api, {}, wandas).status_code == 401


def test_submissions_are_limited_per_address(limited: MakeClient) -> None:
    api = limited(rate_limit_submit_per_account="100/minute", rate_limit_submit_per_address="1/minute")
    campaign, jobs, wanda, xena = two_workers(api, jobs=1)
    wandas, xenas = started(api, wanda, campaign, jobs[0]), started(api, xena, campaign, jobs[0])
    assert submit(api, wanda, wandas).status_code == 201
    assert_limited(submit(api, xena, xenas, answers(xenas)), "from this address")


def test_limits_off_refuse_nothing(limited: MakeClient) -> None:
    api = limited(rate_limits=False, rate_limit_token_per_account="1/hour", rate_limit_token_per_address="1/hour")
    for _ in range(5):
        assert token_request(api, TOKEN_ROUTES[0], "ada@example.com").status_code == 401


def test_an_empty_limit_is_no_limit(limited: MakeClient) -> None:
    api = limited(rate_limit_token_per_account="", rate_limit_token_per_address="")
    for _ in range(25):  # more than the default 20 a minute per account
        assert token_request(api, TOKEN_ROUTES[1], "ada@example.com").status_code == 401


def test_retry_after_is_long_enough(tmp_path: Path) -> None:
    """Waiting Retry-After seconds gets the request through (a one-second window keeps this test short)."""
    settings = load_settings(
        {}, data_dir=tmp_path, database_url=sqlite_database(str(tmp_path)), rate_limit_token_per_account="2/second"
    )
    with TestClient(create_app(settings, sweeper=False)) as api:
        # Requests straddling a window's edge may all pass; within a few the limit is reached.
        for _ in range(10):
            response = token_request(api, TOKEN_ROUTES[0], "ada@example.com")
            if response.status_code == 429:
                break
        wait = assert_limited(response, "for this account")
        assert wait <= 2
        time.sleep(wait)
        assert token_request(api, TOKEN_ROUTES[0], "ada@example.com").status_code == 401


RATE_LIMITED_OPERATIONS = [
    ("/auth/token/request", "post"),
    ("/worker/auth/token/request", "post"),
    ("/worker/signup", "post"),
    ("/worker/campaigns/{campaign_id}/jobs/{job_id}/start", "post"),
    ("/worker/assignments/{assignment_id}/result", "post"),
]


def test_openapi_documents_the_429_and_its_retry_after(client: Client) -> None:
    paths = client.get("/schema/openapi.json").json()["paths"]
    for path, method in RATE_LIMITED_OPERATIONS:
        operation = paths[path][method]
        response = operation["responses"]["429"]
        assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
        assert response["headers"]["Retry-After"]["schema"]["type"] == "integer"
        assert "42900" in response["description"] and "Retry-After" in operation["description"]
    limited = {(path, method) for path, method in RATE_LIMITED_OPERATIONS}
    others = [(p, m) for p, item in paths.items() for m in item if (p, m) not in limited and m != "parameters"]
    assert others and all("429" not in paths[p][m]["responses"] for p, m in others)
