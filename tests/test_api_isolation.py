"""A requester never sees or touches another requester's objects, and nothing but the public routes works without a
token. Both are checked over the app's own route table, so a route added later is covered without editing this file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.routes import HTTPRoute

from taskengine.api.body import BodyHook
from taskengine.errors import ErrorCode
from tests.requesters import rating_task
from tests.test_api_campaigns import (
    Client,
    assert_error,
    create_campaign,
    create_job,
    create_task,
    get_json,
    make_requester,
)

MISSING = 999_999
PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")
SKIPPED_METHODS = {"OPTIONS", "HEAD"}


def http_routes(api: Client, *, workers: bool = False) -> Iterator[tuple[str, str]]:
    """Every (method, path template) the app serves: the requester's side, and with `workers` the worker's too.

    Worker routes answer a requester's token with 403; their own isolation is in tests/test_worker_api.py.
    """
    for route in api.app.routes:
        if isinstance(route, HTTPRoute) and (workers or not route.path.startswith("/worker/")):
            for method in sorted(route.methods - SKIPPED_METHODS):
                yield method, route.path


def is_public(method: str, path: str) -> bool:
    """Health, the catalogue and schemas, the OpenAPI schema, local media, signing in and sign-up need no token."""
    return (
        path == "/health"
        or path == "/components"
        or path.startswith(("/components/", "/schemas/", "/schema/", "/media"))
        or path in ("/schemas", "/schema")
        or (method, path) in (("POST", "/auth/token/request"), ("POST", "/worker/signup"))
        or (method, path) == ("POST", "/worker/auth/token/request")
    )


def id_parameters(path: str) -> list[str]:
    return [name for name in PARAMETER.findall(path) if name == "id" or name.endswith("_id")]


def fill(path: str, values: dict[str, int]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match[1]
        kind = name.removesuffix("_id")
        return str(values.get(kind, values.get(name, MISSING)))

    return PARAMETER.sub(value, path)


def plausible_body(method: str, path: str, own: dict[str, int]) -> Any:
    """A body the route would accept from its owner, using the caller's own ids where it lists ids."""
    if method in ("GET", "DELETE"):
        return None
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if method == "PUT" and last == "tasks":
        return [own["task"]]
    if method == "PUT" and last == "jobs":
        return [own["job"]]
    if method == "PUT" and last == "workers":
        return []
    if path.startswith("/tasks"):
        return rating_task("Taken over")
    if path.startswith("/preview"):
        return {"text": "# Hi"}
    if path.startswith("/me"):
        return {"firstName": "Mallory"}
    return {"name": "Taken over"}


def call(api: Client, method: str, path: str, headers: dict[str, str], body: Any) -> Any:
    return (
        api.request(method, path, json=body, headers=headers)
        if body is not None
        else api.request(method, path, headers=headers)
    )


def normalised(body: dict[str, Any], object_id: int | str) -> Any:
    """The error body with the id it names replaced, so bodies about different ids can be compared."""
    return json.loads(re.sub(rf"\b{object_id}\b", "<id>", json.dumps(body)))


class World:
    """Requester A with one of everything (a task, a job with it, a campaign with the job), and requester B likewise."""

    def __init__(self, api: Client) -> None:
        self.api = api
        self.a = make_requester(api, email="alice@example.com", credit="10")
        self.b = make_requester(api, email="bob@example.com", credit="10")
        self.a_ids = self._author(self.a, "alice")
        self.b_ids = self._author(self.b, "bob")

    def _author(self, headers: dict[str, str], word: str) -> dict[str, int]:
        task = create_task(self.api, headers, f"Task {word}")
        job = create_job(self.api, headers, f"Job {word}", tasks=[task])
        campaign = create_campaign(self.api, headers, jobs=[job], name=f"Campaign {word}", workerPayment="0.10")
        group = self.api.post("/worker-groups", json={"name": f"Group {word}"}, headers=headers).json()["id"]
        return {"task": task, "job": job, "campaign": campaign, "group": group}

    def snapshot(self) -> dict[str, Any]:
        """Everything A can see of their objects and money."""
        api, a, ids = self.api, self.a, self.a_ids
        return {
            "task": get_json(api, f"/tasks/{ids['task']}", a),
            "job": get_json(api, f"/jobs/{ids['job']}", a),
            "job tasks": get_json(api, f"/jobs/{ids['job']}/tasks", a),
            "campaign": get_json(api, f"/campaigns/{ids['campaign']}", a),
            "campaign jobs": get_json(api, f"/campaigns/{ids['campaign']}/jobs", a),
            "tasks": get_json(api, "/tasks?archived=true", a),
            "jobs": get_json(api, "/jobs?archived=true", a),
            "campaigns": get_json(api, "/campaigns?archived=true", a),
            "me": get_json(api, "/me", a),
            "group": get_json(api, f"/worker-groups/{ids['group']}", a),
        }


# ---------------------------------------------------------------- another requester's ids


@pytest.mark.parametrize("published", [False, True], ids=["unpublished", "published"])
def test_every_route_with_an_id_answers_404_for_another_requesters_object(api: Client, published: bool) -> None:
    world = World(api)
    if published:  # read-only objects must not answer 409 to a stranger either
        assert api.post(f"/campaigns/{world.a_ids['campaign']}/publish", headers=world.a).status_code == 200
    before = world.snapshot()
    checked: list[str] = []
    for method, template in http_routes(api):
        if not id_parameters(template) or is_public(method, template):
            continue
        body = plausible_body(method, template, world.b_ids)
        foreign = call(api, method, fill(template, world.a_ids), world.b, body)
        missing = call(api, method, fill(template, {}), world.b, body)
        label = f"{method} {template}"
        assert foreign.status_code == 404, (label, foreign.status_code, foreign.text)
        assert missing.status_code == 404, (label, missing.status_code, missing.text)
        assert_error(foreign, 404, ErrorCode.NOT_FOUND)
        # The same answer as for an id that does not exist: nothing tells B that A's object is there.
        kind = id_parameters(template)[0].removesuffix("_id")
        # Results need a worker's submission; their isolation is tested in tests/test_results.py.
        assert normalised(foreign.json(), world.a_ids.get(kind, MISSING)) == normalised(missing.json(), MISSING), label
        checked.append(label)
    # Every kind of object was tried, through reads, changes, deletes and actions.
    assert {"GET", "PUT", "DELETE", "POST"} <= {label.split()[0] for label in checked}
    for prefix in ("/tasks/", "/jobs/", "/campaigns/"):
        assert any(prefix in label for label in checked), prefix
    assert len(checked) >= 25, checked
    assert world.snapshot() == before


BAD_BODIES: list[tuple[str, dict[str, str], int]] = [
    ('{"nope": [1, "x"]}', {"Content-Type": "application/json"}, 404),  # fails decoding: the id is judged first
    # How a body is sent is judged before the id, as before bodies were typed; the answer names no object.
    ("{", {"Content-Type": "application/json"}, 400),
    ("", {"Content-Type": "application/json"}, 400),
    ("name=x", {"Content-Type": "application/x-www-form-urlencoded"}, 415),
]


def body_hook(api: Client, method: str, template: str) -> BodyHook | None:
    """The body hook of the route's handler for `method`, or None if it reads no JSON body."""
    for route in api.app.routes:
        if isinstance(route, HTTPRoute) and route.path == template:
            for handler in route.route_handlers:
                if method in handler.http_methods and isinstance(handler.before_request, BodyHook):
                    return handler.before_request
    return None


def test_a_bad_body_for_another_requesters_object_tells_nothing_of_it(api: Client) -> None:
    """What a body says is judged after the id: a stranger learns nothing from the body's errors either."""
    world = World(api)
    checked = []
    for method, template in http_routes(api):
        if method not in ("POST", "PUT") or not id_parameters(template) or is_public(method, template):
            continue
        kind = id_parameters(template)[0].removesuffix("_id")
        for content, content_type, status in BAD_BODIES:
            headers = {**world.b, **content_type}
            foreign = api.request(method, fill(template, world.a_ids), content=content, headers=headers)
            missing = api.request(method, fill(template, {}), content=content, headers=headers)
            label = (method, template, content)
            hook = body_hook(api, method, template)
            if hook is None or (hook.spec.optional and not content):
                status = 404  # the route reads no body, or may go without one
            assert foreign.status_code == missing.status_code == status, (label, foreign.text, missing.text)
            assert normalised(foreign.json(), world.a_ids.get(kind, MISSING)) == normalised(missing.json(), MISSING)
        checked.append(template)
    assert {"/results/{result_id:int}/reject", "/tasks/{task_id:int}", "/campaigns/{campaign_id:int}/jobs"} <= set(
        checked
    )
    # The owner gets the body's own error.
    own = api.put(f"/tasks/{world.a_ids['task']}", content=BAD_BODIES[0][0], headers={**world.a, **BAD_BODIES[0][1]})
    assert own.status_code == 422, own.text


def test_another_requesters_published_campaign_cannot_be_moved(api: Client) -> None:
    world = World(api)
    a_campaign = world.a_ids["campaign"]
    assert api.post(f"/campaigns/{a_campaign}/publish", headers=world.a).status_code == 200
    before = world.snapshot()
    for action in ("pause", "continue", "cancel", "publish", "archive", "unarchive", "copy"):
        foreign = api.post(f"/campaigns/{a_campaign}/{action}", headers=world.b)
        missing = api.post(f"/campaigns/{MISSING}/{action}", headers=world.b)
        assert_error(foreign, 404, ErrorCode.NOT_FOUND)
        assert normalised(foreign.json(), a_campaign) == normalised(missing.json(), MISSING), action
    assert world.snapshot() == before
    assert get_json(api, "/me", world.b)["balance"] == {"available": "10.00 USD", "frozen": "0.00 USD"}


def _out_of_range_failures(api: Client) -> list[tuple[str, str, int, int]]:
    """Routes that answer anything but 404 for ids no 32- or 64-bit integer column can hold."""
    headers = make_requester(api)
    own = {"task": create_task(api, headers), "job": create_job(api, headers)}
    failures = []
    for method, template in http_routes(api):
        if not id_parameters(template) or is_public(method, template):
            continue
        for huge in (2**31, 2**63):
            path = fill(template, dict.fromkeys(("task", "job", "campaign", "group", "result", "worker"), huge))
            response = call(api, method, path, headers, plausible_body(method, template, own))
            # Issue 9: an id no row can have is the client's mistake, told like a malformed one (400).
            if response.status_code != 400 or response.json()["code"] != ErrorCode.INVALID_PARAMETER.code:
                failures.append((method, template, huge, response.status_code))
    return failures


def test_out_of_range_ids_answer_400_on_every_route(api: Client) -> None:
    assert _out_of_range_failures(api) == []


# ---------------------------------------------------------------- lists


def test_lists_show_only_the_callers_own_objects(api: Client) -> None:
    world = World(api)
    for owner, own, others in ((world.a, world.a_ids, world.b_ids), (world.b, world.b_ids, world.a_ids)):
        lists = 0
        for method, template in http_routes(api):
            if method != "GET" or PARAMETER.search(template) or is_public(method, template):
                continue
            body = get_json(api, f"{template}?archived=true&limit=100", owner)
            for key, items in body.items():
                if not (isinstance(items, list) and items and isinstance(items[0], dict) and "id" in items[0]):
                    continue
                lists += 1
                kind = {"workerGroups": "group"}.get(key, key.removesuffix("s"))
                assert [item["id"] for item in items] == [own[kind]], (template, key)
        assert lists >= 3
        # Searching finds the caller's own words, and nothing of the other requester's.
        own_word, other_word = ("alice", "bob") if owner is world.a else ("bob", "alice")
        for kind in ("task", "job", "campaign"):
            found = get_json(api, f"/{kind}s?search={own_word}&archived=true", owner)[f"{kind}s"]
            assert [item["id"] for item in found] == [own[kind]], kind
            found = get_json(api, f"/{kind}s?search={other_word}&archived=true", owner)[f"{kind}s"]
            assert found == [], (kind, others[kind])


@pytest.mark.parametrize(
    ("container", "member"),
    [("job", "task"), ("campaign", "job")],
)
def test_another_requesters_ids_in_a_list_of_ids_are_unknown_ids(api: Client, container: str, member: str) -> None:
    world = World(api)
    path = f"/{container}s/{world.a_ids[container]}/{member}s"
    before = world.snapshot()
    foreign_id = world.b_ids[member]

    foreign = assert_error(api.put(path, json=[foreign_id], headers=world.a), 422, ErrorCode.INVALID_BODY)
    missing = assert_error(api.put(path, json=[MISSING], headers=world.a), 422, ErrorCode.INVALID_BODY)
    assert foreign["problems"] == [{"path": "[0]", "message": f"no {member} with id {foreign_id}", "rule": "exists"}]
    assert missing["problems"] == [{"path": "[0]", "message": f"no {member} with id {MISSING}", "rule": "exists"}]
    assert normalised(foreign, foreign_id) == normalised(missing, MISSING)
    assert world.snapshot() == before


def test_an_idempotency_key_belongs_to_one_requester(api: Client) -> None:
    world = World(api)
    key = {"Idempotency-Key": "same-key"}
    first = api.post("/campaigns", json={"name": "Alice's"}, headers={**world.a, **key})
    assert first.status_code == 201, first.text
    second = api.post("/campaigns", json={"name": "Bob's"}, headers={**world.b, **key})
    assert second.status_code == 201, second.text
    assert second.json()["id"] != first.json()["id"]
    assert second.json()["name"] == "Bob's"
    assert_error(api.get(f"/campaigns/{second.json()['id']}", headers=world.a), 404, ErrorCode.NOT_FOUND)
    # Alice's retry still gets Alice's campaign.
    again = api.post("/campaigns", json={"name": "Alice's"}, headers={**world.a, **key})
    assert again.json()["id"] == first.json()["id"]


# ---------------------------------------------------------------- no token


def _protected_routes(api: Client) -> list[tuple[str, str]]:
    return [(method, path) for method, path in http_routes(api, workers=True) if not is_public(method, path)]


@pytest.mark.parametrize(
    ("token", "fragment"),
    [(None, "X-Auth-Token"), ("not-a-token", "not valid")],
    ids=["missing", "unknown"],
)
def test_every_route_but_the_public_ones_needs_a_token(api: Client, token: str | None, fragment: str) -> None:
    headers = {} if token is None else {"X-Auth-Token": token}
    routes = _protected_routes(api)
    assert len(routes) >= 30
    own = {"task": 1, "job": 1}
    for method, template in routes:
        response = call(api, method, fill(template, {}), headers, plausible_body(method, template, own))
        error = assert_error(response, 401, ErrorCode.UNAUTHORIZED)
        assert fragment in error["description"], (method, template, error)


def test_a_discarded_token_is_refused_everywhere(api: Client) -> None:
    headers = make_requester(api)
    assert api.post("/auth/token/discard", headers=headers).status_code == 204
    for method, template in _protected_routes(api):
        response = call(
            api, method, fill(template, {}), headers, plausible_body(method, template, {"task": 1, "job": 1})
        )
        assert_error(response, 401, ErrorCode.UNAUTHORIZED)


def test_the_public_routes_answer_without_a_token(api: Client) -> None:
    public = [(m, p) for m, p in http_routes(api) if is_public(m, p)]
    assert ("GET", "/health") in public and ("POST", "/auth/token/request") in public
    for method, path in public:
        if PARAMETER.search(path) or method != "GET":
            continue
        response = api.get(path)
        assert response.status_code == 200, (path, response.text)
