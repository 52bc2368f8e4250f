"""Bad input of every kind gets a 4xx with the error body and a message naming the problem; never a 500."""

from __future__ import annotations

import json

import pytest
from litestar.testing import TestClient

from taskengine.errors import ErrorCode
from tests.test_api_components import assert_error

Client = TestClient  # type: ignore[type-arg]
JSON = {"Content-Type": "application/json"}
ENDPOINTS = ["/components/validate-task", "/components/validate-result"]


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{", "not valid JSON"),
        (b'{"name": NaN}', "not valid JSON"),
        (b'{"name": Infinity}', "not valid JSON"),
        (b"[" * 1000 + b"]" * 1000, "nested too deeply"),
        (b'{"a":' * 1000 + b"1" + b"}" * 1000, "nested too deeply"),
        (b'{"name": "a\\u0000b", "components": []}', "NUL"),
        (b'{"name": 1e999}', "out of range"),
        (b'{"steps": 18446744073709551616}', "64 bits"),
        (b"\xff\xfe\xfd", "not valid JSON"),
        (b"", "empty"),
        (b"   ", "empty"),
    ],
)
def test_unusable_json(client: Client, path: str, body: bytes, fragment: str) -> None:
    response = assert_error(client.post(path, content=body, headers=JSON), 400, ErrorCode.INVALID_JSON)
    assert fragment in response["description"]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_oversized_body_is_413(client: Client, path: str) -> None:
    body = json.dumps({"name": "x" * (300 * 1024)}).encode()
    assert_error(client.post(path, content=body, headers=JSON), 413, ErrorCode.BODY_TOO_LARGE)


@pytest.mark.parametrize("path", ENDPOINTS)
def test_non_json_content_type_is_415(client: Client, path: str) -> None:
    response = client.post(path, content=b"name=x", headers={"Content-Type": "application/x-www-form-urlencoded"})
    body = assert_error(response, 415, ErrorCode.UNSUPPORTED_MEDIA_TYPE)
    assert "application/json" in body["description"]


@pytest.mark.parametrize(
    ("task", "path", "fragment"),
    [
        ({"name": 5, "components": [{"type": "Rating"}]}, "name", "must be a string, got an integer"),
        ({"name": "T", "components": {"type": "Rating"}}, "components", "must be an array"),
        ({"name": "T", "components": [{"type": 7}]}, "components[0].type", "must be a string"),
        ({"name": "T", "components": [{"type": "Slider"}]}, "components[0].type", "unknown component type"),
        ({"name": "T", "components": [{"type": "Rating", "sticky": 1}]}, "components[0].sticky", "boolean"),
        ({"name": "T", "components": [{"type": "Text"}]}, "components[0].properties", "is required"),
        ({"name": "T", "components": [{"type": "Rating"}] * 5000}, "components", "at most 100 items"),
        ({"name": "T" * 10_000, "components": [{"type": "Rating"}]}, "name", "at most 200 characters"),
        (
            {"name": "T", "components": [{"type": "Image", "properties": {"url": "javascript:alert(1)"}}]},
            "components[0].properties.url",
            "http:// or https://",
        ),
        (
            {"name": "T", "components": [{"type": "Rating", "properties": {"steps": 3.5}}]},
            "components[0].properties.steps",
            "must be an integer, got a number",
        ),
    ],
)
def test_wrong_types_and_values_are_422_with_the_field(client: Client, task: dict, path: str, fragment: str) -> None:
    body = assert_error(client.post("/components/validate-task", json=task), 422, ErrorCode.INVALID_TASK)
    matching = [p for p in body["problems"] if p["path"] == path]
    assert matching and fragment in matching[0]["message"], body["problems"]


def test_huge_result_array_is_refused_without_a_problem_per_item(client: Client) -> None:
    task = {"name": "T", "components": [{"type": "Rating"}]}
    response = client.post(
        "/components/validate-result", json={"task": task, "result": {"components": [{"rating": 3}] * 20_000}}
    )
    body = assert_error(response, 422, ErrorCode.INVALID_RESULT)
    assert body["problems"][0]["path"] == "result.components"
    assert len(body["problems"]) < 5
