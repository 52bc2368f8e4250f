"""The README keeps in step with the code: component and settings tables, and its create-call examples run."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import msgspec
from litestar.testing import TestClient

from taskengine.docs import TABLE_END, TABLE_START, catalogue_table
from taskengine.settings import Settings
from tests.requesters import PASSWORD, make_requester

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_component_table_matches_the_catalogue() -> None:
    text = README.read_text()
    start, end = text.index(TABLE_START), text.index(TABLE_END) + len(TABLE_END)
    assert text[start:end] == catalogue_table(), "run `make docs` and paste the table into README.md"


def test_readme_documents_every_setting_and_the_rate_limits() -> None:
    text = README.read_text()
    table = text[text.index("## Configuration") : text.index("## API at a glance")]
    for field in msgspec.structs.fields(Settings):
        assert f"| `TASKENGINE_{field.name.upper()}` |" in table, f"README's configuration table lacks {field.name}"
    assert "| 42900 | 429 |" in text and "Retry-After" in text
    for setting in ("TASKENGINE_ALLOW_PRIVATE_MEDIA_URLS", "TASKENGINE_RATE_LIMIT_STORAGE_URL"):
        assert text.count(setting) >= 2, f"{setting} is in the table but explained nowhere"


def _create_calls() -> list[tuple[str, str, Any]]:
    """(method, path, body) of every example under "### Create calls", in README order."""
    text = README.read_text()
    section = text[text.index("### Create calls") : text.index("### Tasks")]
    found = re.findall(r"^`(POST|PUT) (/[^`]*)`(?:(?!```).)*```json\n(.*?)\n```", section, re.M | re.S)
    return [(method, path, json.loads(body)) for method, path, body in found]


def test_readme_create_calls_cover_every_create_and_work_in_order(client: TestClient) -> None:  # type: ignore[type-arg]
    calls = _create_calls()
    creates = {path for method, path, _ in calls if method == "POST"}
    assert creates == {"/tasks", "/jobs", "/campaigns", "/worker-groups"}
    signup = client.post("/worker/signup", json={"email": "worker@example.com", "password": PASSWORD})
    assert signup.status_code == 201 and signup.json()["id"] == 1, signup.text
    headers = make_requester(client, credit="100")
    for method, path, body in calls:
        response = client.request(method, path, json=body, headers=headers)
        assert response.status_code == (201 if method == "POST" else 200), (method, path, response.text)
        if method == "POST":
            assert response.json()["id"] == 1, "the examples' ids are those of a fresh database"
    campaign = client.get("/campaigns/1", headers=headers).json()
    assert campaign["workerGroup"] == 1 and str(campaign["workerPayment"]) == "0.25"
    assert client.post("/campaigns/1/publish", headers=headers).status_code == 200
