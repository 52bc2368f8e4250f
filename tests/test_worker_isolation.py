"""A worker never sees or touches another worker's assignments or results, and each side's token works only on its
own side's routes. Like tests/test_api_isolation.py, every check walks the app's own route table, so a route added
later is covered without editing this file.
"""

from __future__ import annotations

from typing import Any

from taskengine.errors import ErrorCode
from tests.requesters import make_requester
from tests.test_api_campaigns import get_json
from tests.test_api_components import assert_error
from tests.test_api_isolation import (
    BAD_BODIES,
    MISSING,
    PARAMETER,
    call,
    fill,
    http_routes,
    id_parameters,
    is_public,
    normalised,
    plausible_body,
)
from tests.test_results import answers, started, submit
from tests.test_worker_api import Client, make_worker, published

WORKER_PREFIX = "/worker/"
HUGE_IDS = (2**31, 2**63)


def worker_routes(api: Client) -> list[tuple[str, str]]:
    """Every (method, path template) under /worker/ that needs a token."""
    return [
        (method, path)
        for method, path in http_routes(api, workers=True)
        if path.startswith(WORKER_PREFIX) and not is_public(method, path)
    ]


def requester_routes(api: Client) -> list[tuple[str, str]]:
    """Every (method, path template) outside /worker/ that needs a token."""
    return [
        (method, path)
        for method, path in http_routes(api, workers=True)
        if not path.startswith(WORKER_PREFIX) and not is_public(method, path)
    ]


def takes_a_submission(method: str, path: str) -> bool:
    return method == "POST" and path.rstrip("/").endswith("/result")


def worker_body(method: str, path: str, submission: dict[str, Any]) -> Any:
    """The body a worker's route would accept: `submission` for submitting a result, nothing otherwise."""
    return submission if takes_a_submission(method, path) else None


def submitted(api: Client, worker: dict[str, str], sequence: dict[str, Any], body: dict[str, Any]) -> int:
    response = submit(api, worker, sequence, body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


class Scene:
    """A requester's campaign; worker A with a submitted result and a working assignment, B with a result."""

    def __init__(self, api: Client) -> None:
        self.api = api
        self.requester = make_requester(api, credit="20")
        self.campaign, self.jobs = published(api, self.requester, results=2, jobs=2)
        self.a_id, self.a = make_worker(api)
        self.b_id, self.b = make_worker(api, "bob@example.com")
        self.a_done = started(api, self.a, self.campaign, self.jobs[0])
        self.a_submission = answers(self.a_done)
        self.a_result = submitted(api, self.a, self.a_done, self.a_submission)
        self.a_working = started(api, self.a, self.campaign, self.jobs[1])
        self.b_done = started(api, self.b, self.campaign, self.jobs[0])
        self.b_result = submitted(api, self.b, self.b_done, answers(self.b_done))
        self.task = self.a_done["tasks"][0]["id"]
        group = api.post("/worker-groups", json={"name": "Trusted"}, headers=self.requester)
        assert group.status_code == 201, group.text
        self.group = group.json()["id"]
        members = api.put(f"/worker-groups/{self.group}/workers", json=[self.a_id], headers=self.requester)
        assert members.status_code == 200, members.text

    def assignment(self, sequence: dict[str, Any]) -> int:
        return int(sequence["assignment"]["id"])

    def requester_ids(self) -> dict[str, int]:
        """The requester's own ids, by the kind a path parameter names (`task` for `task_id`, ...)."""
        return {
            "task": self.task,
            "job": self.jobs[0],
            "campaign": self.campaign,
            "group": self.group,
            "result": self.a_result,
            "worker": self.a_id,
        }

    def snapshot(self) -> dict[str, Any]:
        """Everything A sees of their work, B of theirs and the market, and the requester of the campaign and money."""
        api, a, b, requester = self.api, self.a, self.b, self.requester
        return {
            "a working": get_json(api, f"/worker/assignments/{self.assignment(self.a_working)}", a),
            "a submitted": get_json(api, f"/worker/assignments/{self.assignment(self.a_done)}", a),
            "a me": get_json(api, "/worker/me", a),
            "a results": get_json(api, "/worker/results?limit=100", a),
            "b submitted": get_json(api, f"/worker/assignments/{self.assignment(self.b_done)}", b),
            "b me": get_json(api, "/worker/me", b),
            "b results": get_json(api, "/worker/results?limit=100", b),
            "b market": get_json(api, "/worker/jobs?limit=100", b),
            "campaign": get_json(api, f"/campaigns/{self.campaign}", requester),
            "campaign results": get_json(api, f"/campaigns/{self.campaign}/results?limit=100", requester),
            "campaign workers": get_json(api, f"/campaigns/{self.campaign}/workers?limit=100", requester),
            "task": get_json(api, f"/tasks/{self.task}", requester),
            "job tasks": get_json(api, f"/jobs/{self.jobs[0]}/tasks", requester),
            "group": get_json(api, f"/worker-groups/{self.group}", requester),
            "requester me": get_json(api, "/me", requester),
        }


# ---------------------------------------------------------------- another worker's assignments


def test_another_workers_assignment_is_as_absent_as_a_missing_one(api: Client) -> None:
    scene = Scene(api)
    before = scene.snapshot()
    checked: list[str] = []
    for method, template in worker_routes(api):
        if "assignment_id" not in id_parameters(template):
            continue
        # A's working assignment (return and result would act on it) and A's submitted one (resending A's own
        # submission would be answered with A's result if ownership were not checked).
        for target, submission in (
            (scene.a_working, answers(scene.a_working)),
            (scene.a_done, scene.a_submission),
        ):
            own_id = scene.assignment(target)
            ids = {"campaign": scene.campaign, "job": target["assignment"]["jobId"]}
            body = worker_body(method, template, submission)
            foreign = call(api, method, fill(template, {**ids, "assignment": own_id}), scene.b, body)
            missing = call(api, method, fill(template, {**ids, "assignment": MISSING}), scene.b, body)
            label = f"{method} {template} ({target['assignment']['state']})"
            assert foreign.status_code == 404, (label, foreign.status_code, foreign.text)
            assert missing.status_code == 404, (label, missing.status_code, missing.text)
            assert_error(foreign, 404, ErrorCode.NOT_FOUND)
            # The same answer as for an id that does not exist: nothing tells B that A's assignment is there.
            assert normalised(foreign.json(), own_id) == normalised(missing.json(), MISSING), label
            checked.append(f"{method} {template}")
    assert any(label.startswith("GET ") for label in checked), checked
    assert any(label.startswith("POST ") and label.endswith("/return") for label in checked), checked
    assert any(label.startswith("POST ") and label.endswith("/result") for label in checked), checked
    assert scene.snapshot() == before


def test_a_bad_submission_to_another_workers_assignment_tells_nothing_of_it(api: Client) -> None:
    """The assignment is judged before what the body says: B learns nothing of A's assignment from its errors."""
    scene = Scene(api)
    own_id = scene.assignment(scene.a_working)
    for content, content_type, status in BAD_BODIES:
        headers = {**scene.b, **content_type}
        foreign = api.post(f"/worker/assignments/{own_id}/result", content=content, headers=headers)
        missing = api.post(f"/worker/assignments/{MISSING}/result", content=content, headers=headers)
        assert foreign.status_code == missing.status_code == status, (content, foreign.text)
        assert normalised(foreign.json(), own_id) == normalised(missing.json(), MISSING)
    own = api.post(f"/worker/assignments/{own_id}/result", content="{", headers={**scene.a, **BAD_BODIES[1][1]})
    assert own.status_code == 400, own.text


# ---------------------------------------------------------------- the other side's token


def test_a_workers_live_token_is_refused_on_every_requester_route(api: Client) -> None:
    scene = Scene(api)
    before = scene.snapshot()
    own = scene.requester_ids()
    routes = requester_routes(api)
    assert len(routes) >= 30, routes
    for method, template in routes:
        response = call(api, method, fill(template, own), scene.a, plausible_body(method, template, own))
        assert response.status_code == 403, (method, template, response.status_code, response.text)
        error = assert_error(response, 403, ErrorCode.FORBIDDEN)
        assert "for requesters" in error["description"], (method, template, error)
    assert scene.snapshot() == before


def test_a_requesters_live_token_is_refused_on_every_worker_route(api: Client) -> None:
    scene = Scene(api)
    before = scene.snapshot()
    ids = {"assignment": scene.assignment(scene.a_working), "campaign": scene.campaign, "job": scene.jobs[1]}
    routes = worker_routes(api)
    assert len(routes) >= 6, routes
    for method, template in routes:
        body = worker_body(method, template, answers(scene.a_working))
        response = call(api, method, fill(template, ids), scene.requester, body)
        assert response.status_code == 403, (method, template, response.status_code, response.text)
        error = assert_error(response, 403, ErrorCode.FORBIDDEN)
        assert "for workers" in error["description"], (method, template, error)
    assert scene.snapshot() == before


# ---------------------------------------------------------------- lists


def test_worker_lists_and_figures_are_the_callers_own(api: Client) -> None:
    scene = Scene(api)
    approved = api.post(f"/results/{scene.a_result}/approve", headers=scene.requester)
    assert approved.status_code == 200, approved.text
    rejected = api.post(f"/results/{scene.b_result}/reject", json={"reason": "Blurry"}, headers=scene.requester)
    assert rejected.status_code == 200, rejected.text
    a_second = submitted(api, scene.a, scene.a_working, answers(scene.a_working))
    workers = (
        (scene.a, scene.a_id, "wanda@example.com", {scene.a_result, a_second}),
        (scene.b, scene.b_id, "bob@example.com", {scene.b_result}),
    )
    for headers, worker_id, email, results in workers:
        lists = 0
        for method, template in worker_routes(api):
            if method != "GET" or PARAMETER.search(template):
                continue
            body = get_json(api, template, headers)
            if "email" in body:
                assert (body["id"], body["email"]) == (worker_id, email), template
            for key, items in body.items():
                if not (isinstance(items, list) and items and isinstance(items[0], dict) and "id" in items[0]):
                    continue
                lists += 1
                assert key == "results", (template, key)
                assert {item["id"] for item in items} == results, template
                assert len(items) == len(results), template
                assert {item["worker"] for item in items} == {worker_id}, template
        assert lists >= 1
    a_me = get_json(api, "/worker/me", scene.a)
    b_me = get_json(api, "/worker/me", scene.b)
    assert (a_me["earnings"], a_me["earningsMicros"]) == ("0.25 USD", 250_000)
    assert a_me["results"] == {"inReview": 1, "approved": 1, "rejected": 0}
    assert (b_me["earnings"], b_me["earningsMicros"]) == ("0.00 USD", 0)
    assert b_me["results"] == {"inReview": 0, "approved": 0, "rejected": 1}
    assert (a_me["experience"], a_me["reputation"]) == ({"me": 1, "global": 1}, {"me": 100.0, "global": 100.0})
    assert (b_me["experience"], b_me["reputation"]) == ({"me": 0, "global": 0}, {"me": 0.0, "global": 0.0})


# ---------------------------------------------------------------- ids no column can hold


def _out_of_range_failures(api: Client, scene: Scene, checked: list[str]) -> list[tuple[str, str, str, int]]:
    """Worker routes that answer anything but 400 INVALID_PARAMETER when one (or every) id is one no column holds."""
    real = {"assignment": scene.assignment(scene.a_working), "campaign": scene.campaign, "job": scene.jobs[1]}
    failures: list[tuple[str, str, str, int]] = []
    for method, template in worker_routes(api):
        names = [name.removesuffix("_id") for name in id_parameters(template)]
        if not names:
            continue
        checked.append(f"{method} {template}")
        body = worker_body(method, template, answers(scene.a_working))
        for huge in HUGE_IDS:
            # Each id out of range with the others real, then all of them at once.
            variants = [{**real, name: huge} for name in names] + [dict.fromkeys(names, huge)]
            for values in variants:
                path = fill(template, values)
                response = call(api, method, path, scene.a, body)
                code = response.json().get("code") if response.content else None
                if response.status_code != 400 or code != ErrorCode.INVALID_PARAMETER.code:  # 404 before issue 9
                    failures.append((method, template, path, response.status_code))
    return failures


def test_out_of_range_ids_answer_400_on_every_worker_route(api: Client) -> None:
    scene = Scene(api)
    before = scene.snapshot()
    checked: list[str] = []
    assert _out_of_range_failures(api, scene, checked) == []
    # Starting a job, reading, returning and submitting for an assignment were all tried.
    assert len(checked) >= 4, checked
    for ending in ("/start", "}", "/return", "/result"):
        assert any(label.endswith(ending) for label in checked), (ending, checked)
    assert scene.snapshot() == before
