"""Tokens as `Authorization: Bearer` beside X-Auth-Token; CORS when the operator turns it on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from taskengine.api import create_app
from taskengine.errors import ErrorCode
from taskengine.settings import SettingsError, load_settings
from tests.databases import sqlite_database
from tests.requesters import make_requester
from tests.test_api_components import assert_error
from tests.test_worker_api import make_worker

Client = TestClient  # type: ignore[type-arg]


def test_bearer_token_works_like_x_auth_token(client: Client) -> None:
    token = make_requester(client)["X-Auth-Token"]
    for headers in (
        {"Authorization": f"Bearer {token}"},
        {"Authorization": f"bearer {token}"},
        {"Authorization": f"Bearer {token}", "X-Auth-Token": token},
    ):
        response = client.get("/me", headers=headers)
        assert response.status_code == 200, (headers, response.text)
    _, worker = make_worker(client)
    bearer = {"Authorization": f"Bearer {worker['X-Auth-Token']}"}
    assert client.get("/worker/me", headers=bearer).status_code == 200
    assert client.get("/worker/results", headers=bearer).status_code == 200
    # A worker's bearer token on requester routes is refused as the X-Auth-Token is: 403.
    assert_error(client.get("/me", headers=bearer), 403, ErrorCode.FORBIDDEN)
    assert client.post("/worker/auth/token/discard", headers=bearer).status_code == 204
    assert_error(client.get("/worker/me", headers=bearer), 401, ErrorCode.UNAUTHORIZED)


def test_malformed_or_conflicting_authorization_is_refused(client: Client) -> None:
    token = make_requester(client)["X-Auth-Token"]
    other = make_requester(client, email="bob@example.com")["X-Auth-Token"]
    for value in ("Basic dXNlcjpwYXNz", "Bearer", "Bearer ", token, f"Bearer {token} extra"):
        error = assert_error(client.get("/me", headers={"Authorization": value}), 401, ErrorCode.UNAUTHORIZED)
        assert "Bearer <token>" in error["description"], value
    both = client.get("/me", headers={"Authorization": f"Bearer {other}", "X-Auth-Token": token})
    error = assert_error(both, 400, ErrorCode.BAD_REQUEST)
    assert "different tokens" in error["description"]
    twice = client.get("/me", headers=[("Authorization", f"Bearer {token}"), ("Authorization", f"Bearer {token}")])
    assert assert_error(twice, 400, ErrorCode.BAD_REQUEST)["problems"][0]["path"] == "Authorization"
    assert_error(client.get("/me", headers={"Authorization": "Bearer nope"}), 401, ErrorCode.UNAUTHORIZED)


def test_openapi_lists_both_security_schemes(client: Client) -> None:
    document = client.get("/schema/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["authToken"] == {"type": "apiKey", "name": "X-Auth-Token", "in": "header"}
    assert schemes["bearerToken"]["type"] == "http" and schemes["bearerToken"]["scheme"] == "bearer"
    me = document["paths"]["/me"]["get"]
    assert me["security"] == [{"authToken": []}, {"bearerToken": []}]
    assert "security" not in document["paths"]["/health"]["get"]


@pytest.fixture()
def cors_client(tmp_path: Path) -> Iterator[Client]:
    settings = load_settings(
        {"TASKENGINE_CORS_ORIGINS": "https://app.example.com, http://localhost:3000"},
        data_dir=tmp_path,
        database_url=sqlite_database(str(tmp_path)),
        rate_limits=False,
    )
    with TestClient(create_app(settings, sweeper=False)) as test_client:
        yield test_client


def test_cors_preflight_and_responses_for_allowed_origins(cors_client: Client) -> None:
    preflight = cors_client.options(
        "/campaigns/1/results",
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "Authorization, Idempotency-Key, X-Auth-Token, Content-Type",
        },
    )
    assert preflight.status_code in (200, 204), preflight.text
    assert preflight.headers["access-control-allow-origin"] == "https://app.example.com"
    allowed = {h.strip().lower() for h in preflight.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "idempotency-key", "x-auth-token", "content-type"} <= allowed
    refused = cors_client.options(
        "/me", headers={"Origin": "https://evil.example.com", "Access-Control-Request-Method": "GET"}
    )
    assert "access-control-allow-origin" not in refused.headers

    token = make_requester(cors_client)["X-Auth-Token"]
    response = cors_client.get("/me", headers={"Origin": "http://localhost:3000", "Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://localhost:3000"
    exposed = {h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")}
    assert {"retry-after", "x-request-id", "x-api-version"} <= exposed
    # Errors carry the CORS headers too, so a browser client can read them.
    error = cors_client.get("/me", headers={"Origin": "http://localhost:3000"})
    assert error.status_code == 401 and error.headers["access-control-allow-origin"] == "http://localhost:3000"
    # Without an Origin (not a browser), OPTIONS still answers the path's methods.
    plain = cors_client.options("/tasks/1")
    assert plain.status_code == 204 and "GET" in plain.headers["allow"]


def test_cors_is_off_by_default(client: Client) -> None:
    response = client.get("/health", headers={"Origin": "https://app.example.com"})
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize(
    "value",
    ["app.example.com", "https://app.example.com/path", "ftp://x.example", "https://a.example,*", "https://a:x"],
)
def test_a_bad_cors_origin_stops_start_up_naming_the_variable(value: str) -> None:
    with pytest.raises(SettingsError, match="TASKENGINE_CORS_ORIGINS"):
        load_settings({"TASKENGINE_CORS_ORIGINS": value})


def test_cors_origins_accept_star_and_lists() -> None:
    assert load_settings({"TASKENGINE_CORS_ORIGINS": "*"}).cors_origin_list == ["*"]
    assert load_settings({}).cors_origin_list == []
    listed = load_settings({"TASKENGINE_CORS_ORIGINS": "https://a.example/, http://b.example:8080"})
    assert listed.cors_origin_list == ["https://a.example", "http://b.example:8080"]
