"""Text a database cannot store, or that is not text at all, on SQLite and PostgreSQL: NUL, lone surrogates and bytes
that are not UTF-8, in every decoded input (bodies, query parameters, headers, list cursors), and X-Auth-Token sent
more than once. Each is refused with a 4xx naming the input, on every route of the app's route table, never a 500.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from taskengine.errors import ErrorCode
from tests.test_api_components import assert_error
from tests.test_api_isolation import call, fill, http_routes, is_public
from tests.test_results import answers
from tests.test_worker_api import Client
from tests.test_worker_isolation import WORKER_PREFIX, Scene

# Percent-encoded values that are not UTF-8 text free of NUL once decoded.
BAD_VALUES = {
    "NUL": "a%00b",
    "NUL alone": "%00",
    "not UTF-8": "%FF",
    "a lone surrogate (CESU-8)": "%ED%A0%80",
    "an overlong NUL": "%C0%80",
    "a truncated sequence": "%E2%82",
}
PARAMETERS = ("search", "after", "before", "order", "since", "state", "limit", "archived", "unknownParameter")


def _get_routes(api: Client, scene: Scene) -> list[tuple[str, dict[str, str]]]:
    """Every GET path (ids filled with the caller's own) and the headers its caller sends."""
    ids = {**scene.requester_ids(), "assignment": scene.assignment(scene.a_working), "job": scene.jobs[1]}
    found = []
    for method, template in http_routes(api, workers=True):
        if method != "GET" or "{file_path" in template or "{name" in template:
            continue
        headers = (
            {} if is_public(method, template) else scene.a if template.startswith(WORKER_PREFIX) else scene.requester
        )
        found.append((fill(template, ids), headers))
    return found


def test_query_parameters_must_be_utf8_without_nul_on_every_route(api: Client) -> None:
    scene = Scene(api)
    routes = _get_routes(api, scene)
    assert len(routes) >= 15, routes
    failures = []
    for path, headers in routes:
        for kind, value in BAD_VALUES.items():
            for parameter in PARAMETERS:
                response = api.get(f"{path}?limit=5&{parameter}={value}", headers=headers)
                body = response.json() if response.content else {}
                problems = [p["path"] for p in body.get("problems", [])]
                if response.status_code != 400 or body.get("code") != 40002 or problems != [parameter]:
                    failures.append((path, kind, parameter, response.status_code, response.text[:160]))
            # A parameter whose name is what cannot be decoded is named as it was sent.
            response = api.get(f"{path}?{value}=1", headers=headers)
            if response.status_code != 400 or response.json()["code"] != ErrorCode.INVALID_PARAMETER.code:
                failures.append((path, kind, "the name", response.status_code, response.text[:160]))
    assert failures == []


def test_search_with_text_beyond_ascii_still_works(api: Client) -> None:
    scene = Scene(api)
    for value in ("caf%C3%A9", "%E7%8C%AB", "%F0%9F%90%88", "a+b", "50%25"):
        response = api.get(f"/tasks?search={value}", headers=scene.requester)
        assert response.status_code == 200, (value, response.text)


# ---------------------------------------------------------------- headers


@pytest.mark.parametrize(
    "header", ["X-Auth-Token", "Idempotency-Key", "X-Request-ID", "Accept", "If-None-Match", "X-Other"]
)
def test_nul_in_any_header_is_400_naming_it(api: Client, header: str) -> None:
    scene = Scene(api)
    before = scene.snapshot()
    sequence = f"/worker/assignments/{scene.assignment(scene.a_working)}"
    for path, method, headers, body in (
        ("/tasks", "POST", scene.requester, {"name": "T", "components": [{"type": "Rating"}]}),
        ("/campaigns", "POST", scene.requester, {"name": "C"}),
        (sequence, "GET", scene.a, None),
        ("/health", "GET", {}, None),
    ):
        response = call(api, method, path, {**headers, header: "a\x00b"}, body)
        error = assert_error(response, 400, ErrorCode.BAD_REQUEST)
        assert header.lower() in error["description"] and "NUL" in error["description"], (path, error)
    assert scene.snapshot() == before
    assert [t["name"] for t in api.get("/tasks", headers=scene.requester).json()["tasks"]] == [
        "Task 0",
        "Task 1",
        "Task 2",
    ]


def _protected(api: Client) -> list[tuple[str, str]]:
    return [(m, p) for m, p in http_routes(api, workers=True) if not is_public(m, p)]


def test_a_repeated_token_is_refused_on_every_route(api: Client) -> None:
    scene = Scene(api)
    before = scene.snapshot()
    ids = {**scene.requester_ids(), "assignment": scene.assignment(scene.a_working), "job": scene.jobs[1]}
    routes = _protected(api)
    assert len(routes) >= 35, routes
    for method, template in routes:
        own = scene.a if template.startswith(WORKER_PREFIX) else scene.requester
        # The client joins a repeated header into one value with a comma, as proxies may: the same thing.
        for tokens in (
            [own["X-Auth-Token"], own["X-Auth-Token"]],
            [own["X-Auth-Token"], "other"],
            ["other", own["X-Auth-Token"]],
        ):
            response = api.request(method, fill(template, ids), headers=[("X-Auth-Token", t) for t in tokens])
            error = assert_error(response, 400, ErrorCode.BAD_REQUEST)
            assert "X-Auth-Token" in error["description"] and "one" in error["description"], (template, error)
    assert scene.snapshot() == before


def asgi_get(api: Client, path: str, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    """GET `path` straight through the ASGI app, with headers exactly as given (repeats kept apart, as servers do)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
        "state": {},
    }
    sent: list[dict[str, Any]] = []

    async def run() -> None:
        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await api.app(scope, receive, send)  # type: ignore[arg-type]

    api.blocking_portal.call(run)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def test_a_token_header_sent_twice_is_refused_on_the_quick_path_too(api: Client) -> None:
    """Two X-Auth-Token headers, kept apart as a server passes them; the job sequence answers most polls on its
    quick path (one driver read), which must not pick one of them."""
    scene = Scene(api)
    worker = scene.a["X-Auth-Token"].encode()
    sequence = f"/worker/assignments/{scene.assignment(scene.a_working)}"
    one = asgi_get(api, sequence, [(b"x-auth-token", worker)])
    assert one[0] == 200, one
    for path, token in ((sequence, worker), ("/tasks", scene.requester["X-Auth-Token"].encode())):
        for second in (token, b"other"):
            status, body = asgi_get(api, path, [(b"x-auth-token", token), (b"x-auth-token", second)])
            assert status == 400, (path, status, body)
            error = json.loads(body)
            assert error["code"] == ErrorCode.BAD_REQUEST.code and "X-Auth-Token" in error["description"]


# ---------------------------------------------------------------- list cursors


def _cursor(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


BAD_CURSORS = {
    "NUL in a name": _cursor(b'["a\\u0000b", 1]'),
    "a lone surrogate": _cursor(b'["\\ud800", 1]'),
    "an integer beyond 64 bits": _cursor(b'["a", 18446744073709551616]'),
    "an id beyond the column": _cursor(b'["a", 2147483648]'),
    "deep nesting": _cursor(b"[" * 100 + b"]" * 100),
    "not UTF-8": _cursor(b'["\xff", 1]'),
    "not JSON": _cursor(b"\x00\x01\x02"),
    "not base64": "%%%",
    "NUL in the cursor": "a%00b",
    "a number where a name goes": _cursor(b"[1e999, 1]"),
}


@pytest.mark.parametrize("kind", ["tasks", "jobs", "campaigns"])
def test_hand_made_cursors_are_400_naming_the_parameter(api: Client, kind: str) -> None:
    scene = Scene(api)
    for order in ("name", "-name"):
        for label, cursor in BAD_CURSORS.items():
            for parameter in ("after", "before"):
                response = api.get(f"/{kind}?order={order}&{parameter}={cursor}", headers=scene.requester)
                error = assert_error(response, 400, ErrorCode.INVALID_PARAMETER)
                assert [p["path"] for p in error.get("problems", [])] == [parameter], (label, error)


def test_campaign_job_and_market_cursors_are_plain_numbers(api: Client) -> None:
    scene = Scene(api)
    for cursor in ("+1", "%201", "1_0", "%D9%A1", "-1", "2147483648", "9" * 40, "1.5", "a%00"):
        for parameter in ("after", "before"):
            response = api.get(f"/campaigns/{scene.campaign}/jobs?{parameter}={cursor}", headers=scene.requester)
            error = assert_error(response, 400, ErrorCode.INVALID_PARAMETER)
            assert error["description"].startswith(f"{parameter}:"), (cursor, error)
    for cursor in ("9999999999.1", "1.9999999999", "2147483648.0", "%D9%A1.1", "1.2.3", "+1.1", "1", "a.b"):
        error = assert_error(api.get(f"/worker/jobs?after={cursor}", headers=scene.a), 400, ErrorCode.INVALID_PARAMETER)
        assert "after" in error["description"], (cursor, error)


# ---------------------------------------------------------------- bodies


def _nul_bodies(scene: Scene) -> list[tuple[str, str, dict[str, str], dict[str, Any], str]]:
    """(method, path, headers, body, field) for every kind of text a body carries, each with NUL in `field`."""
    requester, worker = scene.requester, scene.a
    nul = "a\x00b"
    task = {"name": "T", "components": [{"type": "TextInput", "properties": {"hint": "h"}}]}
    return [
        ("POST", "/tasks", requester, {**task, "name": nul}, "task name"),
        ("POST", "/tasks", requester, {**task, "properties": {"k": nul}}, "task property value"),
        ("POST", "/tasks", requester, {**task, "properties": {nul: "v"}}, "task property key"),
        ("POST", "/tasks", requester, {**task, "components": [{"type": "Text", "properties": {"text": nul}}]}, "text"),
        ("POST", "/jobs", requester, {"name": nul}, "job name"),
        ("POST", "/campaigns", requester, {"name": nul}, "campaign name"),
        ("POST", "/campaigns", requester, {"name": "C", "description": nul}, "campaign description"),
        ("POST", "/campaigns", requester, {"name": "C", "terms": nul, "title": nul}, "campaign terms"),
        ("POST", "/worker-groups", requester, {"name": nul}, "group name"),
        ("PUT", "/me", requester, {"firstName": nul}, "profile field"),
        ("POST", "/preview/markdown", requester, {"text": nul}, "markdown"),
        ("POST", f"/results/{scene.a_result}/reject", requester, {"reason": nul}, "reason"),
        ("POST", f"/results/{scene.a_result}/soft-reject", requester, {"reason": nul, "until": "2090-01-01"}, "reason"),
        ("POST", f"/results/{scene.a_result}/approve", requester, {"message": nul}, "message"),
        ("POST", "/auth/token/request", {}, {"email": nul, "password": "p"}, "email"),
        ("POST", "/auth/token/request", {}, {"email": "ada@example.com", "password": nul}, "password"),
        ("POST", "/worker/signup", {}, {"email": f"x{nul}@example.com", "password": "long enough"}, "email"),
        ("POST", "/worker/auth/token/request", {}, {"email": "wanda@example.com", "password": nul}, "password"),
        ("POST", "/components/validate-task", {}, {**task, "name": nul}, "task name"),
        (
            "POST",
            f"/worker/assignments/{scene.assignment(scene.a_working)}/result",
            worker,
            {**answers(scene.a_working), "id": nul},
            "submission id",
        ),
    ]


@pytest.mark.parametrize("escape", ["\\u0000", "\\ud800", "\\udfff", "\\ud800\\u0041"])
def test_nul_and_lone_surrogates_in_any_body_text_are_400(api: Client, escape: str) -> None:
    scene = Scene(api)
    before = scene.snapshot()
    for method, path, headers, body, field in _nul_bodies(scene):
        raw = json.dumps(body).replace("\\u0000", escape).encode()
        response = api.request(method, path, content=raw, headers={**headers, "Content-Type": "application/json"})
        error = assert_error(response, 400, ErrorCode.INVALID_JSON)
        if escape == "\\u0000":
            assert "NUL" in error["description"], (field, error)
    assert scene.snapshot() == before


def test_every_route_that_takes_a_body_answers_a_nul_body_below_500(api: Client) -> None:
    scene = Scene(api)
    ids = {**scene.requester_ids(), "assignment": scene.assignment(scene.a_working), "job": scene.jobs[1]}
    for method, template in http_routes(api, workers=True):
        if method not in ("POST", "PUT") or "{file_path" in template:
            continue
        headers = (
            {} if is_public(method, template) else scene.a if template.startswith(WORKER_PREFIX) else scene.requester
        )
        for body in (b'{"name": "a\\u0000b", "text": "\\u0000"}', b'["\\u0000"]', b'"\\ud800"'):
            json_headers = {**headers, "Content-Type": "application/json"}
            response = api.request(method, fill(template, ids), content=body, headers=json_headers)
            assert response.status_code < 500, (method, template, response.text)
