"""The catalogue API through Litestar's test client."""

from __future__ import annotations

import jsonschema
import pytest
from litestar.testing import TestClient

from taskengine.errors import ErrorCode
from tests.factories import all_definitions

Client = TestClient  # type: ignore[type-arg]


def assert_error(response: object, status: int, code: ErrorCode) -> dict:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["code"] == code.code and body["message"] == code.message
    assert isinstance(body["description"], str) and body["description"]
    return body


def test_catalogue_lists_every_component_with_schemas_and_examples(client: Client) -> None:
    response = client.get("/components")
    assert response.status_code == 200
    components = response.json()["components"]
    assert len(components) >= 18
    assert [c["name"] for c in components] == sorted(d.name for d in all_definitions())
    for info in components:
        assert set(info) == {"name", "interactive", "description", "attributes", "result", "example", "exampleResult"}
        jsonschema.validate(info["example"]["properties"], info["attributes"])
        if info["interactive"]:
            jsonschema.validate(info["exampleResult"], info["result"])
        else:
            assert info["result"] is None and info["exampleResult"] is None


@pytest.mark.parametrize("name", [d.name for d in all_definitions()])
def test_one_component(client: Client, name: str) -> None:
    response = client.get(f"/components/{name}")
    assert response.status_code == 200
    assert response.json()["name"] == name


def test_unknown_component_is_404_with_the_catalogue_code(client: Client) -> None:
    body = assert_error(client.get("/components/Slider"), 404, ErrorCode.UNKNOWN_COMPONENT)
    assert "Slider" in body["description"]


def test_validate_task_returns_the_normalised_task(client: Client) -> None:
    response = client.post("/components/validate-task", json={"name": "T", "components": [{"type": "Rating"}]})
    assert response.status_code == 200
    assert response.json() == {
        "valid": True,
        "task": {
            "name": "T",
            "properties": {},
            "components": [
                {
                    "type": "Rating",
                    "sticky": False,
                    "optionalResult": False,
                    "landscape": False,
                    "properties": {"steps": 5, "halfSteps": False},
                }
            ],
        },
    }


def test_validate_task_lists_every_problem(client: Client) -> None:
    task = {"name": "", "components": [{"type": "Rating", "properties": {"steps": 0}}, {"type": "Slider"}]}
    body = assert_error(client.post("/components/validate-task", json=task), 422, ErrorCode.INVALID_TASK)
    assert body["problems"] == [
        {"path": "name", "message": "must not be empty", "rule": "too-short"},
        {"path": "components[0].properties.steps", "message": "must be at least 1", "rule": "out-of-range"},
        {
            "path": "components[1].type",
            "message": "unknown component type 'Slider'; GET /components lists the types",
            "rule": "unknown-component",
        },
    ]
    assert body["description"].startswith("the task has 3 problems: name: must not be empty;")


def test_validate_result(client: Client) -> None:
    task = {"name": "T", "components": [{"type": "Text", "properties": {"text": "Hi"}}, {"type": "Rating"}]}
    ok = client.post(
        "/components/validate-result", json={"task": task, "result": {"components": [None, {"rating": 4}]}}
    )
    assert ok.status_code == 200
    assert ok.json() == {"valid": True, "result": {"components": [None, {"rating": 4.0}]}}

    bad = client.post("/components/validate-result", json={"task": task, "result": {"components": [{}, {"rating": 9}]}})
    body = assert_error(bad, 422, ErrorCode.INVALID_RESULT)
    assert [p["path"] for p in body["problems"]] == ["result.components[0]", "result.components[1].rating"]


def test_validate_result_reports_a_bad_task_first(client: Client) -> None:
    body = {"task": {"name": "T", "components": [{"type": "Rating", "properties": {"steps": 0}}]}, "result": {}}
    problems = assert_error(client.post("/components/validate-result", json=body), 422, ErrorCode.INVALID_TASK)
    assert [p["path"] for p in problems["problems"]] == ["task.components[0].properties.steps"]


@pytest.mark.parametrize("body", [{"task": {}}, {"task": {}, "result": {}, "x": 1}, [1]])
def test_validate_result_needs_task_and_result(client: Client, body: object) -> None:
    assert_error(client.post("/components/validate-result", json=body), 400, ErrorCode.BAD_REQUEST)


def test_task_schema_is_served(client: Client) -> None:
    schema = client.get("/schemas/task").json()
    task = {"name": "T", "components": [{"type": d.name, "properties": d.example} for d in all_definitions()]}
    jsonschema.validate(task, schema)


def test_health(client: Client) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["apiVersion"] == "1.0"
    assert body["componentTypes"] == len(all_definitions())


def test_openapi_lists_the_routes(client: Client) -> None:
    paths = client.get("/schema/openapi.json").json()["paths"]
    assert {"/components", "/components/{name}", "/components/validate-task", "/components/validate-result"} <= set(
        paths
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/health"), ("get", "/components"), ("get", "/components/Nope"), ("get", "/nowhere"), ("put", "/health")],
)
def test_every_response_carries_request_id_and_api_version(client: Client, method: str, path: str) -> None:
    response = client.request(method.upper(), path)
    assert response.headers["X-API-Version"] == "1.0"
    assert len(response.headers["X-Request-ID"]) >= 16


def test_a_sane_request_id_is_echoed_and_a_bad_one_replaced(client: Client) -> None:
    assert client.get("/health", headers={"X-Request-ID": "phone-42.abc"}).headers["X-Request-ID"] == "phone-42.abc"
    replaced = client.get("/health", headers={"X-Request-ID": "bad id <script>"}).headers["X-Request-ID"]
    assert replaced != "bad id <script>" and len(replaced) == 32


def test_unknown_route_and_wrong_method_use_the_error_body(client: Client) -> None:
    assert_error(client.get("/nowhere"), 404, ErrorCode.NOT_FOUND)
    body = assert_error(client.delete("/components"), 405, ErrorCode.METHOD_NOT_ALLOWED)
    assert "DELETE" in body["description"]


def test_error_codes_are_unique_and_match_their_status() -> None:
    codes = [c.code for c in ErrorCode]
    assert len(codes) == len(set(codes))
    assert all(100 <= c.status <= 599 for c in ErrorCode)
