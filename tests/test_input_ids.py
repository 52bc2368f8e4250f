"""Ids in paths and bodies, on SQLite and PostgreSQL: one spelling (plain decimal digits), and a number no id
column holds names nothing. Like tests/test_api_isolation.py, the path checks walk the app's own route table, so a
route added later is covered without editing this file; every id parameter of every route is tried in turn, the
others being real ids of the caller's own objects (so only the spelling can be what is refused).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from taskengine.db.models import MAX_ID
from taskengine.errors import ErrorCode
from tests.test_api_components import assert_error
from tests.test_api_isolation import MISSING, call, fill, http_routes, id_parameters, is_public, plausible_body
from tests.test_results import answers
from tests.test_worker_api import Client, make_worker
from tests.test_worker_isolation import WORKER_PREFIX, Scene, worker_body

_ARABIC_INDIC = str.maketrans("0123456789", "".join(map(chr, range(0x0660, 0x066A))))  # U+0660..U+0669
_FULL_WIDTH = str.maketrans("0123456789", "".join(map(chr, range(0xFF10, 0xFF1A))))  # U+FF10..U+FF19

# Spellings int() (or the router) would take as the real id, or that are not decimal ids at all.
MALFORMED: dict[str, Callable[[int], str]] = {
    "plus sign": lambda i: f"+{i}",
    "leading space": lambda i: f"%20{i}",
    "trailing space": lambda i: f"{i}%20",
    "underscore": lambda i: f"0_{i}",
    "arabic-indic digits": lambda i: str(i).translate(_ARABIC_INDIC),
    "full-width digits": lambda i: str(i).translate(_FULL_WIDTH),
    "hexadecimal": lambda i: hex(i),
    "plus and minus": lambda i: f"+-{i}",
    "minus inside": lambda i: f"1-{i}",
    "decimal point": lambda i: f"{i}.0",
    "exponent": lambda i: f"{i}e0",
    "letters": lambda i: f"{i}abc",
    "NUL": lambda i: f"{i}%00",
}
# Plain digits (a minus sign allowed), but beyond what an id column holds: 400 like a malformed id (issue 9 changed
# this from 404: the client's mistake is told, naming the parameter), never a database error or invented data.
OUT_OF_RANGE = ("0", "00", "-0", "-1", str(-(2**63)), str(MAX_ID + 1), str(2**32), str(2**63), "9" * 30, "1" * 5000)


def routes_with_ids(api: Client) -> list[tuple[str, str]]:
    return [(m, p) for m, p in http_routes(api, workers=True) if id_parameters(p) and not is_public(m, p)]


def _caller(scene: Scene, template: str) -> dict[str, str]:
    return scene.a if template.startswith(WORKER_PREFIX) else scene.requester


def _real_ids(scene: Scene, template: str) -> dict[str, Any]:
    if template.startswith(WORKER_PREFIX):
        working = scene.a_working["assignment"]
        return {"assignment": working["id"], "campaign": scene.campaign, "job": working["jobId"]}
    return scene.requester_ids()


def _body(scene: Scene, method: str, template: str) -> Any:
    if template.startswith(WORKER_PREFIX):
        return worker_body(method, template, answers(scene.a_working))
    return plausible_body(method, template, scene.requester_ids())


def _tries(api: Client, scene: Scene, spell: Callable[[str, int], str]) -> list[tuple[str, str, str, Any]]:
    """(label, parameter, path, response) for every id parameter of every route, spelled by `spell`."""
    tried = []
    for method, template in routes_with_ids(api):
        real = _real_ids(scene, template)
        for name in id_parameters(template):
            kind = name.removesuffix("_id")
            path = fill(template, {**real, kind: spell(name, int(real.get(kind, MISSING)))})
            response = call(api, method, path, _caller(scene, template), _body(scene, method, template))
            tried.append((f"{method} {template}", name, path, response))
    return tried


def test_ids_in_paths_are_plain_decimal_digits_on_every_route(api: Client) -> None:
    scene = Scene(api)
    before = scene.snapshot()
    failures = []
    count = 0
    for kind, spelling in MALFORMED.items():
        for label, name, path, response in _tries(api, scene, lambda _, real, s=spelling: s(real)):
            count += 1
            body = response.json() if response.content else {}
            if (
                response.status_code != 400
                or body.get("code") != ErrorCode.INVALID_PARAMETER.code
                or body.get("problems")
                != [{"path": name, "message": "must be plain decimal digits (0-9)", "rule": "digits"}]
                or not body.get("description", "").startswith(f"{name}: ")
            ):
                failures.append((kind, label, path, response.status_code, response.text[:200]))
    assert failures == []
    # Every kind of id was tried on reads, changes, deletes and actions, on both sides.
    assert count >= 30 * len(MALFORMED), count
    assert scene.snapshot() == before


def test_ids_no_column_holds_answer_400_on_every_route(api: Client) -> None:
    scene = Scene(api)
    before = scene.snapshot()
    failures = []
    labels = set()
    for digits in OUT_OF_RANGE:
        for label, name, path, response in _tries(api, scene, lambda _, __, d=digits: d):
            labels.add(f"{label} {name}")
            body = response.json() if response.content else {}
            problems = body.get("problems")
            if (
                response.status_code != 400
                or body.get("code") != ErrorCode.INVALID_PARAMETER.code
                or not problems
                or problems[0]["path"] != name
            ):
                failures.append((label, name, path[:80], response.status_code, response.text[:200]))
    assert failures == []
    # The review routes' worker ids and the results' ids were among them.
    assert any("worker_id" in label for label in labels) and any("result_id" in label for label in labels)
    assert scene.snapshot() == before


def test_malformed_ids_are_refused_before_the_token_is_checked(api: Client) -> None:
    """A client that spells an id wrongly learns that first, whatever its token; nothing else is revealed."""
    for method, template in routes_with_ids(api):
        path = fill(
            template,
            {kind: "+1" for kind in ("task", "job", "campaign", "group", "result", "worker")} | {"assignment": "+1"},
        )
        response = call(api, method, path, {}, None)
        assert_error(response, 400, ErrorCode.INVALID_PARAMETER)


def test_leading_zeros_spell_the_same_id(api: Client) -> None:
    scene = Scene(api)
    task = api.get(f"/tasks/00{scene.task}", headers=scene.requester)
    assert task.status_code == 200, task.text
    assert task.json()["id"] == scene.task


# ---------------------------------------------------------------- workers named in review routes


def test_review_routes_answer_404_for_a_worker_that_does_not_exist(api: Client) -> None:
    scene = Scene(api)
    before = scene.snapshot()
    campaign, requester = scene.campaign, scene.requester
    for worker_id in (MISSING, MAX_ID):
        for method, path in (
            ("GET", f"/campaigns/{campaign}/workers/{worker_id}/results"),
            ("POST", f"/campaigns/{campaign}/workers/{worker_id}/approve-all"),
        ):
            error = assert_error(api.request(method, path, headers=requester), 404, ErrorCode.NOT_FOUND)
            assert f"no worker with id {worker_id}" in error["description"], (method, path, error)
    assert scene.snapshot() == before
    # A worker who exists but has no results in the campaign is shown with no results, as before.
    carol, _ = make_worker(api, "carol@example.com")
    shown = api.get(f"/campaigns/{campaign}/workers/{carol}/results", headers=requester)
    assert shown.status_code == 200, shown.text
    assert shown.json()["results"] == [] and shown.json()["worker"]["id"] == carol
    approved = api.post(f"/campaigns/{campaign}/workers/{carol}/approve-all", headers=requester)
    assert approved.status_code == 200 and approved.json() == {"results": []}


# ---------------------------------------------------------------- ids in bodies


BAD_BODY_IDS = [0, -1, -(2**63), MAX_ID + 1, 2**32, 2**63 - 1, True, 1.5, "1", None]


def _draft(api: Client, scene: Scene, container: str) -> int:
    """An editable object of the scene's requester to put ids into (the scene's own are published)."""
    if container == "worker-groups":
        return scene.group
    response = api.post(f"/{container}", json={"name": "Draft"}, headers=scene.requester)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


@pytest.mark.parametrize(
    ("container", "member"), [("jobs", "tasks"), ("campaigns", "jobs"), ("worker-groups", "workers")]
)
def test_ids_in_id_lists_no_column_holds_are_422_naming_each_entry(api: Client, container: str, member: str) -> None:
    scene = Scene(api)
    target = _draft(api, scene, container)
    before = scene.snapshot()
    response = api.put(f"/{container}/{target}/{member}", json=BAD_BODY_IDS, headers=scene.requester)
    body = assert_error(response, 422, ErrorCode.INVALID_BODY)
    assert [p["path"] for p in body["problems"]] == [f"[{i}]" for i in range(len(BAD_BODY_IDS))], body
    assert scene.snapshot() == before


def test_worker_group_ids_no_column_holds_are_422(api: Client) -> None:
    scene = Scene(api)
    draft = _draft(api, scene, "campaigns")
    for group in (0, -1, MAX_ID + 1, 2**63 - 1, -(2**63), "1", 1.5, True):
        for method, path in (("POST", "/campaigns"), ("PUT", f"/campaigns/{draft}")):
            body = {"name": "Grouped", "workerGroup": group}
            response = api.request(method, path, json=body, headers=scene.requester)
            error = assert_error(response, 422, ErrorCode.INVALID_BODY)
            assert [p["path"] for p in error["problems"]] == ["workerGroup"], (group, error)
    names = [c["name"] for c in api.get("/campaigns", headers=scene.requester).json()["campaigns"]]
    assert "Grouped" not in names


def test_integers_beyond_64_bits_in_bodies_are_refused_as_json(api: Client) -> None:
    scene = Scene(api)
    draft = _draft(api, scene, "jobs")
    before = scene.snapshot()
    submission = json.dumps(answers(scene.a_working))
    for huge in (2**63, -(2**63) - 1, 2**64, 10**30):
        for headers, method, path, body in (
            (scene.requester, "PUT", f"/jobs/{draft}/tasks", f"[{huge}]"),
            (scene.requester, "PUT", f"/worker-groups/{scene.group}/workers", f"[{huge}]"),
            (scene.requester, "POST", "/campaigns", f'{{"name": "C", "workerGroup": {huge}}}'),
            (
                scene.a,
                "POST",
                f"/worker/assignments/{scene.a_working['assignment']['id']}/result",
                submission.replace(f'"task": {scene.a_working["tasks"][0]["id"]}', f'"task": {huge}', 1),
            ),
        ):
            json_headers = {**headers, "Content-Type": "application/json"}
            response = api.request(method, path, content=body.encode(), headers=json_headers)
            error = assert_error(response, 400, ErrorCode.INVALID_JSON)
            assert "64 bits" in error["description"], (path, error)
    assert scene.snapshot() == before
