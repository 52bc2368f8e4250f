"""The job sequence a phone downloads: one quick read serves it when all is well, the full token check explains
anything else, and both give the same answer, on each database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import msgspec
import pytest
from sqlmodel import select

from taskengine.db import Database
from taskengine.db.models import Assignment, AuthToken, utcnow
from taskengine.domain.accounts import digest
from taskengine.domain.workers import quick_assignment
from taskengine.errors import ErrorCode
from tests.requesters import make_requester
from tests.test_api_components import assert_error
from tests.test_worker_api import Client, make_worker, published


def _started(api: Client) -> tuple[str, dict[str, str], dict[str, str]]:
    """A requester's published campaign and a worker's working assignment of it: (its path, worker, requester)."""
    requester = make_requester(api, credit="20")
    campaign, jobs = published(api, requester, results=2, jobs=1)
    _, worker = make_worker(api)
    started = api.post(f"/worker/campaigns/{campaign}/jobs/{jobs[0]}/start", headers=worker)
    assert started.status_code == 201, started.text
    return f"/worker/assignments/{started.json()['id']}", worker, requester


def _change(api: Client, change: Callable[[Any], Any]) -> None:
    """Run `change(session)` in a committed unit of work on the app's database."""

    async def run() -> None:
        async with api.app.state.db.transaction() as session:
            await change(session)

    api.blocking_portal.call(run)


def _units_of_work(api: Client, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record every unit of work the app's database opens from now on (the write flag of each)."""
    db = api.app.state.db
    opened: list[bool] = []
    real = db.transaction

    @asynccontextmanager
    async def counted(*, write: bool = True) -> AsyncIterator[Any]:
        opened.append(write)
        async with real(write=write) as session:
            yield session

    monkeypatch.setattr(db, "transaction", counted)
    return opened


def test_a_warm_sequence_is_served_without_a_unit_of_work(api: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    path, worker, _ = _started(api)
    first = api.get(path, headers=worker)  # fills the process's cache of encoded sequences
    assert first.status_code == 200, first.text
    opened = _units_of_work(api, monkeypatch)
    for _ in range(3):
        again = api.get(path, headers=worker)
        assert again.status_code == 200 and again.content == first.content
    assert opened == []


def test_the_full_path_gives_the_same_answer(api: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    path, worker, _ = _started(api)
    quick = api.get(path, headers=worker)
    quick_packed = api.get(path, headers={**worker, "Accept": "application/msgpack"})

    async def unavailable(*_: Any, **__: Any) -> None:
        return None

    # As when SQLite is busy or PostgreSQL unreachable for the quick reader: the full path answers instead.
    monkeypatch.setattr(api.app.state.db.quick, "first", unavailable)
    opened = _units_of_work(api, monkeypatch)
    full = api.get(path, headers=worker)
    full_packed = api.get(path, headers={**worker, "Accept": "application/msgpack"})
    assert opened == [False, False]  # one read-only unit of work each
    assert full.status_code == 200 and full.content == quick.content
    assert full.headers["ETag"] == quick.headers["ETag"]
    assert full_packed.content == quick_packed.content
    assert full_packed.headers["ETag"] == quick_packed.headers["ETag"]


def test_formats_and_conditional_requests(api: Client) -> None:
    path, worker, _ = _started(api)
    plain = api.get(path, headers=worker)
    body = plain.json()
    assert plain.headers["content-type"].startswith("application/json")
    assert plain.headers["Cache-Control"] == "private, no-cache"
    assert body["assignment"]["state"] == "working"
    assert [len(task["components"]) for task in body["tasks"]] == [3, 3, 3]

    packed = api.get(path, headers={**worker, "Accept": "application/msgpack"})
    assert packed.headers["content-type"].startswith("application/msgpack")
    assert msgspec.to_builtins(msgspec.msgpack.decode(packed.content)) == body
    assert packed.headers["ETag"] != plain.headers["ETag"]

    for response, accept in ((plain, "application/json"), (packed, "application/msgpack")):
        etag = response.headers["ETag"]
        headers = {**worker, "Accept": accept}
        assert api.get(path, headers={**headers, "If-None-Match": etag}).status_code == 304
        assert api.get(path, headers={**headers, "If-None-Match": f'"other", {etag}'}).status_code == 304
        assert api.get(path, headers={**headers, "If-None-Match": "*"}).status_code == 304
        assert api.get(path, headers={**headers, "If-None-Match": '"other"'}).status_code == 200

    zipped = api.get(path, headers={**worker, "Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.json() == body  # the client unzips it


def test_state_changes_show_at_once_and_change_the_etag(api: Client) -> None:
    path, worker, _ = _started(api)
    working = api.get(path, headers=worker)
    assignment_id = working.json()["assignment"]["id"]

    async def overdue(session: Any) -> None:
        row = await session.get(Assignment, assignment_id)
        row.deadline = utcnow() - timedelta(seconds=1)
        session.add(row)

    # Past its deadline the assignment reads as expired before any sweep has ended it.
    _change(api, overdue)
    expired = api.get(path, headers={**worker, "If-None-Match": working.headers["ETag"]})
    assert expired.status_code == 200
    assert expired.json()["assignment"]["state"] == "expired"
    assert expired.json()["tasks"] == working.json()["tasks"]
    assert expired.headers["ETag"] != working.headers["ETag"]


def test_a_returned_assignment_reads_as_returned(api: Client) -> None:
    path, worker, _ = _started(api)
    assert api.get(path, headers=worker).json()["assignment"]["state"] == "working"
    assert api.post(f"{path}/return", headers=worker).status_code == 200
    assert api.get(path, headers=worker).json()["assignment"]["state"] == "returned"


def test_token_problems_get_the_full_paths_answers(api: Client) -> None:
    path, worker, requester = _started(api)
    assert api.get(path, headers=worker).status_code == 200  # warm: the quick path would answer

    missing = assert_error(api.get(path), 401, ErrorCode.UNAUTHORIZED)
    assert "X-Auth-Token" in missing["description"]
    unknown = assert_error(api.get(path, headers={"X-Auth-Token": "not-a-token"}), 401, ErrorCode.UNAUTHORIZED)
    assert "not valid" in unknown["description"]
    wrong_side = assert_error(api.get(path, headers=requester), 403, ErrorCode.FORBIDDEN)
    assert "for workers" in wrong_side["description"]

    async def expire(session: Any) -> None:
        row = (await session.exec(select(AuthToken).where(AuthToken.token_hash == digest(token)))).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)

    token = worker["X-Auth-Token"]
    _change(api, expire)
    assert "expired" in assert_error(api.get(path, headers=worker), 401, ErrorCode.UNAUTHORIZED)["description"]

    _, other = make_worker(api, "other@example.com")
    assert api.get(path, headers=other).status_code == 404
    assert api.post("/worker/auth/token/discard", headers=other).status_code == 204
    # Discarded in this process or any other: the next read already refuses it.
    assert "discarded" in assert_error(api.get(path, headers=other), 401, ErrorCode.UNAUTHORIZED)["description"]


def test_someone_elses_or_no_assignment_is_not_found(api: Client) -> None:
    path, _, _ = _started(api)
    _, other = make_worker(api, "other@example.com")
    foreign = assert_error(api.get(path, headers=other), 404, ErrorCode.NOT_FOUND)
    missing = assert_error(api.get("/worker/assignments/999999", headers=other), 404, ErrorCode.NOT_FOUND)
    assert foreign["message"] == missing["message"]
    for huge in (0, 2**31, 2**63):
        assert_error(api.get(f"/worker/assignments/{huge}", headers=other), 400, ErrorCode.INVALID_PARAMETER)


def test_the_quick_read_gives_the_rows_values(api: Client) -> None:
    path, worker, requester = _started(api)
    db, assignment_id = api.app.state.db, int(path.rsplit("/", 1)[1])
    quick = api.blocking_portal.call(quick_assignment, db, worker["X-Auth-Token"], assignment_id)
    assert quick is not None
    assert isinstance(quick.deadline, datetime) and quick.deadline.tzinfo is not None
    assert msgspec.to_builtins(quick) == api.get(path, headers=worker).json()["assignment"]
    # Anything but the owner's live worker token finds nothing (and the full path then says why).
    for token in (requester["X-Auth-Token"], "not-a-token"):
        assert api.blocking_portal.call(quick_assignment, db, token, assignment_id) is None
    assert api.blocking_portal.call(quick_assignment, db, worker["X-Auth-Token"], 2**40) is None


def test_an_in_memory_database_has_no_quick_path() -> None:
    async def run() -> None:
        db = Database("sqlite:///:memory:")
        try:
            assert await db.quick.first(select(AuthToken.id)) is None
        finally:
            await db.dispose()

    asyncio.run(run())
