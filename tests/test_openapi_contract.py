"""The OpenAPI document as a contract: every body, response and error documented, every reference resolving, the
docs page working offline, and query parameters documented with their constraints and refused in our words."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.testing import TestClient

from taskengine.domain.listing import ORDER_FIELDS
from tests.requesters import make_requester

Client = TestClient[Any]

BODYLESS = {
    ("POST", "/auth/token/discard"),
    ("POST", "/worker/auth/token/discard"),
    *(("POST", f"/tasks/{{task_id}}/{action}") for action in ("archive", "unarchive", "copy")),
    *(("POST", f"/jobs/{{job_id}}/{action}") for action in ("archive", "unarchive", "copy")),
    *(
        ("POST", f"/campaigns/{{campaign_id}}/{action}")
        for action in ("archive", "unarchive", "copy", "publish", "pause", "continue", "cancel")
    ),
    ("POST", "/worker/assignments/{assignment_id}/return"),
    ("POST", "/worker/campaigns/{campaign_id}/jobs/{job_id}/start"),
}
"""Operations that take no body (the query and the path say it all); every other POST, PUT and PATCH reads one."""

OPTIONAL_BODY = {
    ("POST", "/results/{result_id}/approve"),
    ("POST", "/campaigns/{campaign_id}/results/approve-all"),
    ("POST", "/campaigns/{campaign_id}/workers/{worker_id}/approve-all"),
}
"""Operations whose body may be left out."""

ERROR_REF = "#/components/schemas/ErrorBody"


@pytest.fixture()
def document(client: Client) -> dict[str, Any]:
    response = client.get("/schema/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in ("get", "put", "post", "patch", "delete")
    ]


def test_every_operation_that_reads_a_body_documents_it(document: dict[str, Any]) -> None:
    seen = set()
    for method, path, operation in operations(document):
        if method not in ("POST", "PUT", "PATCH"):
            assert "requestBody" not in operation, (method, path)
            continue
        seen.add((method, path))
        body = operation.get("requestBody")
        if (method, path) in BODYLESS:
            assert body is None, (method, path, "is listed as bodyless")
            continue
        assert body is not None, (method, path, "reads a body but documents none")
        assert body["content"]["application/json"]["schema"], (method, path)
        assert body.get("required", False) is ((method, path) not in OPTIONAL_BODY), (method, path, body)
    assert seen >= BODYLESS | OPTIONAL_BODY, "listed operations that no longer exist"


def test_every_success_has_a_schema_and_every_operation_documents_its_errors(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        label = (method, path)
        responses = operation["responses"]
        successes = [status for status in responses if status.startswith("2")]
        assert successes, label
        for status in successes:
            if status in ("204", "304"):
                assert "content" not in responses[status], label
                continue
            schemas = [media["schema"] for media in responses[status].get("content", {}).values()]
            assert schemas and all(schemas), (label, status)
        errors = {status: response for status, response in responses.items() if status.startswith("4")}
        assert "400" in errors, (label, "every route may answer 400 (headers, query, ids)")
        for status, response in errors.items():
            assert response["content"]["application/json"]["schema"] == {"$ref": ERROR_REF}, (label, status)
        if operation.get("security") or "{" in path:
            assert {"401", "404"} & set(errors), label


def _refs(value: Any) -> list[str]:
    if isinstance(value, dict):
        own = [value["$ref"]] if isinstance(value.get("$ref"), str) else []
        return own + [ref for item in value.values() for ref in _refs(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in _refs(item)]
    return []


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    refs = set(_refs(document))
    assert ERROR_REF in refs
    for ref in refs:
        assert ref.startswith("#/"), ref
        target: Any = document
        for part in ref[2:].split("/"):
            assert isinstance(target, dict) and part in target, ref
            target = target[part]


def _query_parameter(document: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    parameters = document["paths"][path]["get"].get("parameters", [])
    found = [p for p in parameters if p["in"] == "query" and p["name"] == name]
    assert found, (path, name)
    return dict(found[0]["schema"])


def test_query_parameters_are_documented_with_their_constraints(document: dict[str, Any]) -> None:
    for path in ("/tasks", "/jobs", "/campaigns", "/campaigns/{campaign_id}/results", "/worker/jobs"):
        limit = _query_parameter(document, path, "limit")
        assert (limit["minimum"], limit["maximum"], limit["default"]) == (1, 100, 10), path
    state = _query_parameter(document, "/campaigns/{campaign_id}/results", "state")
    (state_ref,) = [option["$ref"] for option in state["oneOf"] if "$ref" in option]
    states = document["components"]["schemas"][state_ref.rsplit("/", 1)[1]]["enum"]
    assert set(states) == {"InReview", "Approved", "Rejected", "SoftRejected", "Expired"}
    order = _query_parameter(document, "/tasks", "order")
    keys = {key for option in order["oneOf"] if option.get("type") == "array" for key in option["items"]["enum"]}
    assert keys == {sign + name for name in ORDER_FIELDS for sign in ("", "-")}
    assert _query_parameter(document, "/tasks", "after")["maxLength"] == 500
    assert "pattern" in _query_parameter(document, "/worker/jobs", "after")
    assert _query_parameter(document, "/campaigns/{campaign_id}/workers", "InReview")["type"] == "boolean"
    deep = [p for p in document["paths"]["/jobs/{job_id}/copy"]["post"]["parameters"] if p["name"] == "deep"]
    assert deep and deep[0]["schema"]["type"] == "boolean"


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("/tasks?limit=101", ("limit", "must be at most 100")),
        ("/tasks?limit=0", ("limit", "must be at least 1")),
        ("/tasks?limit=ten", ("limit", "must be an integer")),
        ("/tasks?archived=maybe", ("archived", "must be true or false")),
        ("/tasks?order=size", ("order", "must be one of id, -id, name, -name, createdAt, -createdAt, ")),
        ("/tasks?search=" + "w" * 201, ("search", "must be at most 200 characters")),
        (
            "/campaigns/1/results?state=Lost",
            ("state", "must be one of InReview, Approved, Rejected, SoftRejected, Expired"),
        ),
        ("/campaigns/1/workers?InReview=2", ("InReview", "must be true or false")),
    ],
)
def test_a_bad_query_parameter_is_refused_by_its_public_name(
    client: Client, query: str, problem: tuple[str, str]
) -> None:
    response = client.get(query, headers=make_requester(client))
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == 40002
    [found] = body["problems"]
    assert found["path"] == problem[0] and found["message"].startswith(problem[1]), found
    assert body["description"].startswith(f"{problem[0]}: {problem[1]}")


def test_approve_documents_its_body_as_optional(document: dict[str, Any]) -> None:
    approve = document["paths"]["/results/{result_id}/approve"]["post"]
    assert approve["requestBody"]["required"] is False
    assert approve["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Approval"}


# ---------------------------------------------------------------- the docs page


def test_the_docs_page_loads_only_local_assets(client: Client) -> None:
    page = client.get("/schema/swagger")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    urls = re.findall(r"""(?:src|href)\s*=\s*['"]([^'"]+)['"]""", page.text)
    assert len(urls) >= 3, urls
    assert all(url.startswith("/schema/assets/") for url in urls), urls
    assert "//" not in " ".join(urls)
    kinds = {"js": "text/javascript", "css": "text/css", "png": "image/png"}
    for url in urls:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["content-type"].startswith(kinds[url.rsplit(".", 1)[-1]]), (url, asset.headers)
        assert len(asset.content) > 100, url
    # The spec is in the page itself: nothing but the assets above needs fetching.
    assert '"openapi":"3.1.0"' in page.text


@pytest.mark.parametrize(
    "path", ["/schema/nope", "/schema/redoc", "/schema/assets/nope.js", "/schema/assets/", "/schema/openapi.yaml.x"]
)
def test_unknown_schema_paths_answer_our_json_404(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404, (path, response.text)
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"code": 40400, "message": "No such resource", "description": "no resource at this path"}


def test_the_other_kind_of_token_gets_a_documented_403(client: Client, document: dict[str, Any]) -> None:
    """A live token of the wrong kind of account answers 403 on every token route, and every one documents it."""
    from tests.test_worker_api import make_worker

    requester = make_requester(client)
    _, worker = make_worker(client)
    checked = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if not operation.get("security") or "discard" in path:
                continue
            other = requester if path.startswith("/worker/") else worker
            url = re.sub(r"\{[^}]+\}", "1", path)
            response = client.request(
                method.upper(), url, headers=other, json={} if method in ("post", "put") else None
            )
            assert response.status_code == 403, (method, path, response.status_code, response.text)
            assert "403" in operation["responses"], (method, path)
            checked += 1
    assert checked > 40


def test_create_and_copy_calls_document_the_idempotency_key(client: Client, document: dict[str, Any]) -> None:
    creates = [("/tasks", "post"), ("/jobs", "post"), ("/campaigns", "post")]
    creates += [(f"/{kind}s/{{{kind}_id}}/copy", "post") for kind in ("task", "job", "campaign")]
    for path, method in creates:
        headers = [p for p in document["paths"][path][method]["parameters"] if p["in"] == "header"]
        assert [(p["name"], p["schema"]["maxLength"]) for p in headers] == [("Idempotency-Key", 255)], path
    requester = make_requester(client)
    long_key = {**requester, "Idempotency-Key": "k" * 256}
    refused = client.post("/jobs", json={"name": "J"}, headers=long_key)
    assert refused.status_code == 400 and refused.json()["problems"][0]["path"] == "Idempotency-Key", refused.text
    keyed = {**requester, "Idempotency-Key": "one"}
    first = client.post("/jobs", json={"name": "J"}, headers=keyed)
    again = client.post("/jobs", json={"name": "J"}, headers=keyed)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert client.post("/jobs", json={"name": "K"}, headers=keyed).status_code == 409
