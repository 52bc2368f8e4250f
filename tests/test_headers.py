"""Security and caching headers on every response: each route and method of the route table, errors, 404s, 405s,
OPTIONS, static media, the OpenAPI document and the job sequence's 304, on each database."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from taskengine.api.headers import CATALOGUE, CONTENT_SECURITY_POLICY, MEDIA, PRIVATE, cache_policy
from tests.requesters import make_requester
from tests.test_worker_api import Client, make_worker, published

SEQUENCE = "/worker/assignments/{assignment_id:int}"
SEQUENCE_POLICY = "private, no-cache"
PUBLIC_ROUTES = ("/components", "/schemas/", "/schema/", "/media/")


def assert_standard_headers(response: httpx.Response, what: str) -> None:
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("Content-Security-Policy") == CONTENT_SECURITY_POLICY, what
    assert headers.get("Referrer-Policy") == "no-referrer", what
    assert headers.get("X-Request-ID") and headers.get("X-API-Version"), what
    assert headers.get("Cache-Control"), what


def _world(api: Client, tmp_path: Path) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Objects for every kind of path parameter: (values, requester headers, worker headers)."""
    requester = make_requester(api, credit="20")
    campaign, jobs = published(api, requester, results=2, jobs=1)
    worker_id, worker = make_worker(api)
    started = api.post(f"/worker/campaigns/{campaign}/jobs/{jobs[0]}/start", headers=worker)
    assert started.status_code == 201, started.text
    task = api.get(f"/jobs/{jobs[0]}/tasks", headers=requester).json()["tasks"][0]["id"]
    (tmp_path / "media" / "sample.txt").write_text("a public sample")
    values = {
        "name": "Rating",
        "task_id": str(task),
        "job_id": str(jobs[0]),
        "campaign_id": str(campaign),
        "worker_id": str(worker_id),
        "assignment_id": str(started.json()["id"]),
        "result_id": "1",
        "group_id": "1",
        "file_path": "sample.txt",
        "path": "openapi.json",
    }
    return values, requester, worker


def _concrete(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values[m[1]], path)


def test_every_route_and_method_carries_the_headers(api: Client, tmp_path: Path) -> None:
    values, requester, worker = _world(api, tmp_path)
    seen_public = set()
    for route in api.app.routes:
        path = _concrete(route.path, values)
        for method in sorted(route.methods):
            for who, headers in (
                ("anonymous", {}),
                ("signed in", worker if path.startswith("/worker/") else requester),
            ):
                body = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
                response = api.request(method, path, headers=headers, **body)
                what = f"{method} {route.path} ({who}): {response.status_code}"
                assert_standard_headers(response, what)
                policy = response.headers["Cache-Control"]
                if route.path == SEQUENCE and response.status_code in (200, 304):
                    assert policy == SEQUENCE_POLICY, what
                elif policy != PRIVATE:
                    # Only a successful read of what is the same for everyone may be kept.
                    assert method in ("GET", "HEAD") and response.status_code == 200, what
                    assert policy in (CATALOGUE, MEDIA) and route.path.startswith(PUBLIC_ROUTES), what
                    seen_public.add(route.path)
    # The public reads really answered, so the checks above covered their policy too.
    assert {"/components", "/components/{name:str}", "/schemas/task", "/schema/openapi.json"} <= seen_public
    assert "/media/{file_path:path}" in seen_public


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/no/such/path", 404),
        ("POST", "/no/such/path", 404),
        ("DELETE", "/health", 405),
        ("GET", "/components/NoSuchType", 404),
        ("GET", "/media/missing.png", 404),
        ("GET", "/tasks", 401),
        ("OPTIONS", "/health", None),  # 200 or 204: what matters here is the headers
        ("GET", "/health", 200),
    ],
)
def test_errors_and_plain_answers_carry_them_and_are_not_cached(
    api: Client, method: str, path: str, status: int | None
) -> None:
    response = api.request(method, path)
    assert response.status_code == status if status else response.status_code in (200, 204), response.text
    assert_standard_headers(response, f"{method} {path}")
    assert response.headers["Cache-Control"] == PRIVATE


def test_authenticated_answers_are_never_stored(api: Client) -> None:
    requester = make_requester(api)
    for path in ("/me", "/tasks", "/jobs", "/campaigns", "/worker-groups"):
        response = api.get(path, headers=requester)
        assert response.status_code == 200, (path, response.text)
        assert response.headers["Cache-Control"] == "no-store", path
    token = api.post("/auth/token/request", json={"email": "ada@example.com", "password": "correct horse battery"})
    assert token.status_code == 200 and token.headers["Cache-Control"] == "no-store"


def test_public_reads_are_cacheable(api: Client, tmp_path: Path) -> None:
    (tmp_path / "media" / "tone.txt").write_text("a public sample")
    for path, policy in (
        ("/components", CATALOGUE),
        ("/components/Rating", CATALOGUE),
        ("/schemas/task", CATALOGUE),
        ("/schema/openapi.json", CATALOGUE),
        ("/media/tone.txt", MEDIA),
    ):
        response = api.get(path)
        assert response.status_code == 200, path
        assert_standard_headers(response, path)
        assert response.headers["Cache-Control"] == policy, path
    # Health is not: a cached "ok" would hide an outage from whatever checks it.
    assert api.get("/health").headers["Cache-Control"] == PRIVATE


def test_the_sequence_revalidates_and_its_304_repeats_the_headers(api: Client, tmp_path: Path) -> None:
    values, _, worker = _world(api, tmp_path)
    path = _concrete(SEQUENCE, values)
    for accept in ("application/json", "application/msgpack"):
        headers = {**worker, "Accept": accept}
        full = api.get(path, headers=headers)
        assert full.status_code == 200
        again = api.get(path, headers={**headers, "If-None-Match": full.headers["ETag"]})
        assert again.status_code == 304 and again.content == b""
        for response in (full, again):
            assert_standard_headers(response, f"{accept} {response.status_code}")
            assert response.headers["Cache-Control"] == SEQUENCE_POLICY
            assert response.headers["ETag"] == full.headers["ETag"]
            assert {"accept", "x-auth-token"} <= {v.strip().lower() for v in response.headers["Vary"].split(",")}


@pytest.mark.parametrize(
    ("method", "path", "status", "policy"),
    [
        ("GET", "/components", 200, CATALOGUE),
        ("GET", "/componentsX", 200, PRIVATE),
        ("GET", "/components/Rating", 404, PRIVATE),
        ("POST", "/components/validate-task", 200, PRIVATE),
        ("GET", "/media/a.png", 200, MEDIA),
        ("HEAD", "/media/a.png", 200, MEDIA),
        ("GET", "/mediafile", 200, PRIVATE),
        ("GET", "/health", 200, PRIVATE),
        ("GET", "/tasks", 200, PRIVATE),
        ("GET", "/schema/openapi.json", 304, PRIVATE),
    ],
)
def test_cache_policy(method: str, path: str, status: int, policy: str) -> None:
    assert cache_policy(method, path, status) == policy
