"""The campaign lifecycle (SWARMS "Campaign Lifecycle") and the money it moves, on SQLite and PostgreSQL.

unpublished → active ⇄ paused → finished; active or paused → cancelled. Publishing freezes
workerPayment * results * jobs plus the commission; cancelling or finishing gives back what is still frozen.
After every step the ledger agrees with the balances (`check_invariant`, and an independent recount here).
"""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text, update
from sqlmodel import select

from taskengine.db.models import Campaign, LedgerEntry, Requester, utcnow
from taskengine.domain import authoring, campaigns
from taskengine.domain.accounts import credit_requester
from taskengine.domain.money import check_invariant
from taskengine.domain.scheduler import apply_due
from taskengine.errors import DomainError, ErrorCode
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

STATES = ("unpublished", "active", "paused", "cancelled", "finished")
ACTIONS = ("publish", "pause", "continue", "cancel")
ALLOWED = {"publish": {"unpublished"}, "pause": {"active"}, "continue": {"paused"}, "cancel": {"active", "paused"}}
NEXT_STATE = {"publish": "active", "pause": "paused", "continue": "active", "cancel": "cancelled"}
LINKS = {
    "unpublished": {"publish"},
    "active": {"pause", "cancel"},
    "paused": {"continue", "cancel"},
    "cancelled": set(),
    "finished": set(),
}


# ---------------------------------------------------------------- helpers


class Authored:
    """A requester's campaign with its jobs, each job with its own tasks."""

    def __init__(self, api: Client, headers: dict[str, str], campaign: int, jobs: list[int], tasks: list[int]):
        self.api, self.headers, self.campaign, self.jobs, self.tasks = api, headers, campaign, jobs, tasks

    def act(self, action: str) -> Any:
        return self.api.post(f"/campaigns/{self.campaign}/{action}", headers=self.headers)

    def state(self) -> str:
        return str(get_json(self.api, f"/campaigns/{self.campaign}", self.headers)["state"])

    def campaign_json(self) -> dict[str, Any]:
        return get_json(self.api, f"/campaigns/{self.campaign}", self.headers)  # type: ignore[no-any-return]


def author(
    api: Client,
    headers: dict[str, str],
    jobs: int = 2,
    tasks_per_job: int = 1,
    payment: str = "0.50",
    results: int = 3,
    **settings: Any,
) -> Authored:
    job_ids, task_ids = [], []
    for j in range(jobs):
        tasks = [create_task(api, headers, f"Task {j}.{t}") for t in range(tasks_per_job)]
        task_ids += tasks
        job_ids.append(create_job(api, headers, f"Job {j}", tasks=tasks))
    campaign = create_campaign(api, headers, jobs=job_ids, workerPayment=payment, results=results, **settings)
    return Authored(api, headers, campaign, job_ids, task_ids)


def usd(micros: int) -> str:
    """Micro-dollars as GET /me writes them: two decimals, or up to six when cents are not enough."""
    whole, fraction = divmod(micros, 1_000_000)
    digits = f"{fraction:06d}".rstrip("0").ljust(2, "0")
    return f"{whole}.{digits} USD"


def balance(api: Client, headers: dict[str, str]) -> dict[str, str]:
    return get_json(api, "/me", headers)["balance"]  # type: ignore[no-any-return]


def requester_id(api: Client, headers: dict[str, str]) -> int:
    return int(get_json(api, "/me", headers)["id"])


def run(api: Client, fn: Any) -> Any:
    """Run `fn(session)` in one transaction in the app's event loop."""

    async def go() -> Any:
        async with api.app.state.db.transaction() as session:
            return await fn(session)

    return api.blocking_portal.call(go)


def ledger(api: Client, headers: dict[str, str]) -> dict[str, Any]:
    """Check the ledger of the requester behind `headers` and return what it says.

    Runs the service's own `check_invariant`, then recounts every ledger row here and compares the sums with the
    requester's balance columns, each campaign's frozen money and what GET /me shows.
    """
    rid = requester_id(api, headers)

    async def read(session: Any) -> tuple[list[LedgerEntry], Requester, list[Campaign]]:
        await check_invariant(session, rid)
        entries = list((await session.exec(select(LedgerEntry).where(LedgerEntry.requester_id == rid))).all())
        requester = (
            await session.exec(select(Requester).where(Requester.id == rid).execution_options(populate_existing=True))
        ).one()
        campaigns = list(
            (
                await session.exec(
                    select(Campaign).where(Campaign.owner_id == rid).execution_options(populate_existing=True)
                )
            ).all()
        )
        return entries, requester, campaigns

    entries, requester, campaigns = run(api, read)
    accounts: dict[str, int] = defaultdict(int)
    frozen_by_campaign: dict[int | None, int] = defaultdict(int)
    for entry in entries:
        assert entry.amount > 0, entry
        accounts[entry.source] -= entry.amount
        accounts[entry.target] += entry.amount
        if "frozen" in (entry.source, entry.target):
            frozen_by_campaign[entry.campaign_id] += entry.amount if entry.target == "frozen" else -entry.amount
    assert requester.credited == -accounts["external"]
    for account in ("available", "frozen", "paid_out", "fees"):
        assert getattr(requester, account) == accounts[account], account
    assert requester.available >= 0 and requester.frozen >= 0
    assert requester.available + requester.frozen + requester.paid_out + requester.fees == requester.credited
    assert frozen_by_campaign.get(None, 0) == 0
    for campaign in campaigns:
        assert campaign.frozen == frozen_by_campaign.get(campaign.id, 0), campaign.id
    assert sum(c.frozen for c in campaigns) == requester.frozen
    assert balance(api, headers) == {"available": usd(requester.available), "frozen": usd(requester.frozen)}
    return {"entries": entries, "requester": requester, "campaigns": {c.id: c for c in campaigns}}


def freezes(api: Client, headers: dict[str, str], campaign_id: int) -> list[int]:
    return [e.amount for e in ledger(api, headers)["entries"] if e.campaign_id == campaign_id and e.target == "frozen"]


def releases(api: Client, headers: dict[str, str], campaign_id: int) -> list[int]:
    entries = ledger(api, headers)["entries"]
    return [
        e.amount for e in entries if e.campaign_id == campaign_id and (e.source, e.target) == ("frozen", "available")
    ]


def move_dates(api: Client, campaign_id: int, **dates: datetime) -> None:
    """Set start_date / end_date directly: the API rightly refuses an endDate in the past."""

    async def change(session: Any) -> None:
        await session.exec(update(Campaign).where(Campaign.id == campaign_id).values(**dates))  # type: ignore[arg-type]

    run(api, change)


def sweep(api: Client, now: datetime | None = None, owner_id: int | None = None) -> int:
    return int(run(api, lambda session: apply_due(session, now=now, owner_id=owner_id)))


def stored_state(api: Client, campaign_id: int) -> str:
    """The campaign's state as stored, read without going through the API (which applies due dates first)."""

    async def read(session: Any) -> str:
        statement = select(Campaign.state).where(Campaign.id == campaign_id)
        return str((await session.exec(statement)).one())

    return str(run(api, read))


def bring_to(item: Authored, state: str) -> None:
    """Drive the campaign to `state` the way a requester (or time) would."""
    if state == "unpublished":
        return
    assert item.act("publish").status_code == 200
    if state == "paused":
        assert item.act("pause").status_code == 200
    elif state == "cancelled":
        assert item.act("cancel").status_code == 200
    elif state == "finished":
        move_dates(item.api, item.campaign, end_date=utcnow() - timedelta(seconds=1))
        assert sweep(item.api) == 1
    assert item.state() == state


# ---------------------------------------------------------------- publishing


def test_publish_needs_jobs_and_every_job_needs_tasks(api: Client) -> None:
    headers = make_requester(api, credit="10")
    campaign = create_campaign(api, headers, workerPayment="0.50", results=3)

    error = assert_error(api.post(f"/campaigns/{campaign}/publish", headers=headers), 409, ErrorCode.NOT_PUBLISHABLE)
    assert error["problems"] and error["problems"][0]["path"] == "jobs"
    assert "no jobs" in error["problems"][0]["message"]

    full = create_job(api, headers, "Full", tasks=[create_task(api, headers)])
    empty = create_job(api, headers, "Empty")
    api.put(f"/campaigns/{campaign}/jobs", json=[full, empty], headers=headers)
    error = assert_error(api.post(f"/campaigns/{campaign}/publish", headers=headers), 409, ErrorCode.NOT_PUBLISHABLE)
    messages = " ".join(p["message"] for p in error["problems"] if p["path"] == "jobs")
    assert str(empty) in messages and "no tasks" in messages
    assert str(full) not in messages.replace(str(empty), "")

    # Nothing moved and nothing became read-only.
    assert get_json(api, f"/campaigns/{campaign}", headers)["state"] == "unpublished"
    assert get_json(api, f"/campaigns/{campaign}", headers)["readOnly"] is False
    assert get_json(api, f"/jobs/{full}", headers)["readOnly"] is False
    assert balance(api, headers) == {"available": "10.00 USD", "frozen": "0.00 USD"}
    assert freezes(api, headers, campaign) == []

    api.put(f"/jobs/{empty}/tasks", json=[create_task(api, headers)], headers=headers)
    assert api.post(f"/campaigns/{campaign}/publish", headers=headers).status_code == 200


def test_an_archived_campaign_or_job_cannot_be_published(api: Client) -> None:
    headers = make_requester(api, credit="10")
    item = author(api, headers, jobs=1)
    api.post(f"/campaigns/{item.campaign}/archive", headers=headers)
    error = assert_error(item.act("publish"), 409, ErrorCode.NOT_PUBLISHABLE)
    assert any("archived" in p["path"] + p["message"] for p in error["problems"]), error
    api.post(f"/campaigns/{item.campaign}/unarchive", headers=headers)
    api.post(f"/jobs/{item.jobs[0]}/archive", headers=headers)
    error = assert_error(item.act("publish"), 409, ErrorCode.NOT_PUBLISHABLE)
    assert any(str(item.jobs[0]) in p["message"] and "archived" in p["message"] for p in error["problems"])
    assert item.state() == "unpublished"
    assert balance(api, headers)["frozen"] == "0.00 USD"
    ledger(api, headers)


FREEZES = [
    ("0.50", 3, 2, "6.40 USD", "3.60 USD"),  # 0.50 * 3 * 2 = 3.00, + 20 % = 3.60
    ("0.01", 3, 1, "9.964 USD", "0.036 USD"),  # 0.03 + 0.006
    ("2", 1, 4, "0.40 USD", "9.60 USD"),  # 8.00 + 1.60: almost everything
    ("0", 5, 1, "10.00 USD", "0.00 USD"),  # unpaid (training) work freezes nothing
    ("0.000003", 1, 1, "9.999996 USD", "0.000004 USD"),  # a commission of 0.6 micro-dollars rounds up
]


def test_publish_freezes_payments_for_every_result_of_every_job_plus_commission(api: Client) -> None:
    for case, (payment, results, jobs, available, frozen) in enumerate(FREEZES):
        headers = make_requester(api, email=f"case{case}@example.com", credit="10")
        # Only a training campaign may publish without pay (issue 9).
        item = author(api, headers, jobs=jobs, payment=payment, results=results, training=payment == "0")
        ledger(api, headers)

        response = item.act("publish")
        assert response.status_code == 200, response.text
        assert response.json()["state"] == "active"
        assert response.json()["readOnly"] is True
        assert balance(api, headers) == {"available": available, "frozen": frozen}, payment
        state = ledger(api, headers)
        micros = round(float(frozen.split()[0]) * 1_000_000)
        assert state["campaigns"][item.campaign].frozen == micros
        assert freezes(api, headers, item.campaign) == ([micros] if micros else [])


def test_publishing_makes_the_campaign_its_jobs_and_their_tasks_read_only(api: Client) -> None:
    headers = make_requester(api, credit="10")
    item = author(api, headers, jobs=2, tasks_per_job=2)
    bystander_task = create_task(api, headers, "Not published")
    bystander_job = create_job(api, headers, "Not published", tasks=[bystander_task])
    spare_job = create_job(api, headers, "Spare")
    assert item.act("publish").status_code == 200

    assert item.campaign_json()["readOnly"] is True
    for job in item.jobs:
        assert get_json(api, f"/jobs/{job}", headers)["readOnly"] is True
    for task in item.tasks:
        assert get_json(api, f"/tasks/{task}", headers)["readOnly"] is True
    assert get_json(api, f"/jobs/{bystander_job}", headers)["readOnly"] is False
    assert get_json(api, f"/tasks/{bystander_task}", headers)["readOnly"] is False

    snapshot = {
        "campaign": item.campaign_json(),
        "campaign jobs": get_json(api, f"/campaigns/{item.campaign}/jobs", headers),
        **{f"job {j}": get_json(api, f"/jobs/{j}", headers) for j in item.jobs},
        **{f"job {j} tasks": get_json(api, f"/jobs/{j}/tasks", headers) for j in item.jobs},
        **{f"task {t}": get_json(api, f"/tasks/{t}", headers) for t in item.tasks},
    }
    attempts: list[tuple[str, str, Any, str]] = [
        ("PUT", f"/campaigns/{item.campaign}", {"name": "Changed"}, f"/campaigns/{item.campaign}/copy"),
        ("DELETE", f"/campaigns/{item.campaign}", None, f"/campaigns/{item.campaign}/copy"),
        ("PUT", f"/campaigns/{item.campaign}/jobs", [spare_job], f"/campaigns/{item.campaign}/copy"),
    ]
    for job in item.jobs:
        attempts += [
            ("PUT", f"/jobs/{job}", {"name": "Changed"}, f"/jobs/{job}/copy"),
            ("DELETE", f"/jobs/{job}", None, f"/jobs/{job}/copy"),
            ("PUT", f"/jobs/{job}/tasks", [bystander_task], f"/jobs/{job}/copy"),
        ]
    for task in item.tasks:
        attempts += [
            ("PUT", f"/tasks/{task}", rating_task("Changed"), f"/tasks/{task}/copy"),
            ("DELETE", f"/tasks/{task}", None, f"/tasks/{task}/copy"),
        ]
    for method, path, body, copy_path in attempts:
        error = assert_error(api.request(method, path, json=body, headers=headers), 409, ErrorCode.READ_ONLY)
        assert "copy" in error["description"] and copy_path in error["description"], (method, path, error)

    assert snapshot == {
        "campaign": item.campaign_json(),
        "campaign jobs": get_json(api, f"/campaigns/{item.campaign}/jobs", headers),
        **{f"job {j}": get_json(api, f"/jobs/{j}", headers) for j in item.jobs},
        **{f"job {j} tasks": get_json(api, f"/jobs/{j}/tasks", headers) for j in item.jobs},
        **{f"task {t}": get_json(api, f"/tasks/{t}", headers) for t in item.tasks},
    }
    # Copies are the way out: a copy of a published task, job or campaign is editable again.
    copy = api.post(f"/tasks/{item.tasks[0]}/copy", headers=headers).json()
    assert copy["readOnly"] is False
    assert api.put(f"/tasks/{copy['id']}", json=rating_task("Changed"), headers=headers).status_code == 200


def test_too_little_money_is_402_with_both_amounts_and_changes_nothing(api: Client) -> None:
    headers = make_requester(api, credit="1")
    item = author(api, headers, jobs=2, payment="0.50", results=3)  # needs 3.60

    error = assert_error(item.act("publish"), 402, ErrorCode.PAYMENT_REQUIRED)
    assert "3.60" in error["description"] and "1.00" in error["description"], error
    assert item.state() == "unpublished"
    assert item.campaign_json()["readOnly"] is False
    for job in item.jobs:
        assert get_json(api, f"/jobs/{job}", headers)["readOnly"] is False
    for task in item.tasks:
        assert get_json(api, f"/tasks/{task}", headers)["readOnly"] is False
    assert balance(api, headers) == {"available": "1.00 USD", "frozen": "0.00 USD"}
    assert freezes(api, headers, item.campaign) == []
    # Still editable, and publishable once there is money.
    assert api.put(f"/campaigns/{item.campaign}/jobs", json=item.jobs[:1], headers=headers).status_code == 200
    error = assert_error(item.act("publish"), 402, ErrorCode.PAYMENT_REQUIRED)
    assert "1.80" in error["description"] and "1.00" in error["description"], error

    run(api, lambda session: credit_requester(session, "ada@example.com", "0.80"))
    assert item.act("publish").status_code == 200
    assert balance(api, headers) == {"available": "0.00 USD", "frozen": "1.80 USD"}
    ledger(api, headers)


# ---------------------------------------------------------------- transitions


def test_pause_and_continue_keep_the_money_frozen(api: Client) -> None:
    headers = make_requester(api, credit="10")
    item = author(api, headers)
    assert item.act("publish").status_code == 200
    frozen = balance(api, headers)
    for action, state in [("pause", "paused"), ("continue", "active"), ("pause", "paused"), ("continue", "active")]:
        response = item.act(action)
        assert response.status_code == 200, response.text
        assert response.json()["state"] == state
        assert response.json()["readOnly"] is True
        assert item.state() == state
        assert balance(api, headers) == frozen
        ledger(api, headers)


@pytest.mark.parametrize("state", ["active", "paused"])
def test_cancel_gives_the_frozen_money_back(api: Client, state: str) -> None:
    headers = make_requester(api, credit="10")
    item = author(api, headers)
    other = author(api, headers, jobs=1, payment="1", results=1)  # 1.20 stays frozen for this one
    assert other.act("publish").status_code == 200
    bring_to(item, state)
    assert balance(api, headers) == {"available": "5.20 USD", "frozen": "4.80 USD"}

    response = item.act("cancel")
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "cancelled"
    assert item.state() == "cancelled"
    assert balance(api, headers) == {"available": "8.80 USD", "frozen": "1.20 USD"}
    assert releases(api, headers, item.campaign) == [3_600_000]
    assert ledger(api, headers)["campaigns"][item.campaign].frozen == 0
    # Cancelled work stays as it was published.
    assert item.campaign_json()["readOnly"] is True
    assert_error(api.put(f"/campaigns/{item.campaign}", json={"name": "x"}, headers=headers), 409, ErrorCode.READ_ONLY)


def test_wrong_transitions_are_409_naming_the_current_state(api: Client) -> None:
    for state in STATES:
        headers = make_requester(api, email=f"{state}@example.com", credit="10")
        item = author(api, headers)
        bring_to(item, state)
        before = (item.campaign_json(), balance(api, headers))
        hal = get_json(api, f"/campaigns/{item.campaign}", {**headers, "Accept": "application/hal+json"})
        assert set(hal["_links"]) & set(ACTIONS) == LINKS[state], state

        for action in ACTIONS:
            if state in ALLOWED[action]:
                continue
            error = assert_error(item.act(action), 409, ErrorCode.WRONG_STATE)
            assert state in error["description"], (state, action, error)
            assert (item.campaign_json(), balance(api, headers)) == before, (state, action)
        ledger(api, headers)


def test_unknown_campaign_transition_is_404(api: Client) -> None:
    headers = make_requester(api, credit="10")
    for action in ACTIONS:
        error = assert_error(api.post(f"/campaigns/999999/{action}", headers=headers), 404, ErrorCode.NOT_FOUND)
        assert "999999" in error["description"], action


def test_whole_life_keeps_the_ledger_balanced_at_every_step(api: Client) -> None:
    headers = make_requester(api, credit="10")
    first, second = author(api, headers, jobs=1, payment="0.25", results=4), author(api, headers, jobs=3)
    steps = [
        (first, "publish", "8.80 USD", "1.20 USD"),
        (second, "publish", "3.40 USD", "6.60 USD"),  # 0.50 * 3 * 3 = 4.50, + 0.90
        (first, "pause", "3.40 USD", "6.60 USD"),
        (second, "cancel", "8.80 USD", "1.20 USD"),
        (first, "continue", "8.80 USD", "1.20 USD"),
        (first, "cancel", "10.00 USD", "0.00 USD"),
    ]
    for item, action, available, frozen in steps:
        response = item.act(action)
        assert response.status_code == 200, (action, response.text)
        assert response.json()["state"] == NEXT_STATE[action]
        assert balance(api, headers) == {"available": available, "frozen": frozen}, action
        ledger(api, headers)


# ---------------------------------------------------------------- start and end dates


def test_a_start_date_that_has_come_publishes_the_campaign(api: Client) -> None:
    headers = make_requester(api, credit="10")
    item = author(api, headers, startDate="2090-01-01T10:00")
    assert sweep(api, now=datetime(2090, 1, 1, 9, 59)) == 0
    assert stored_state(api, item.campaign) == "unpublished"

    assert sweep(api, now=datetime(2090, 1, 1, 10, 0)) == 1
    assert item.state() == "active"
    assert item.campaign_json()["readOnly"] is True
    assert get_json(api, f"/jobs/{item.jobs[0]}", headers)["readOnly"] is True
    assert get_json(api, f"/tasks/{item.tasks[0]}", headers)["readOnly"] is True
    assert balance(api, headers) == {"available": "6.40 USD", "frozen": "3.60 USD"}
    # Sweeping again changes nothing.
    assert sweep(api, now=datetime(2090, 1, 2)) == 0
    assert freezes(api, headers, item.campaign) == [3_600_000]


def test_reading_a_campaign_applies_its_start_date_without_a_sweep(api: Client) -> None:
    headers = make_requester(api, credit="10")
    item = author(api, headers, startDate="2020-01-01T00:00")  # a start date in the past is allowed
    listed = author(api, headers, jobs=1, startDate="2020-01-01T00:00")
    assert stored_state(api, item.campaign) == "unpublished"

    assert item.campaign_json()["state"] == "active"
    assert item.campaign_json()["readOnly"] is True
    # The list applies due dates too.
    states = {c["id"]: c["state"] for c in get_json(api, "/campaigns", headers)["campaigns"]}
    assert states == {item.campaign: "active", listed.campaign: "active"}
    assert balance(api, headers) == {"available": "4.60 USD", "frozen": "5.40 USD"}
    ledger(api, headers)


def test_the_balance_already_counts_a_campaign_whose_start_date_has_come(api: Client) -> None:
    headers = make_requester(api, credit="10")
    author(api, headers, startDate="2020-01-01T00:00")
    assert balance(api, headers) == {"available": "6.40 USD", "frozen": "3.60 USD"}


def test_another_requesters_reads_do_not_publish_my_campaign(api: Client) -> None:
    headers = make_requester(api, credit="10")
    other = make_requester(api, email="bob@example.com", credit="10")
    # Ids first: GET /me (behind requester_id) applies its caller's due dates, which is not what this test is about.
    mine, theirs = requester_id(api, headers), requester_id(api, other)
    item = author(api, headers, startDate="2020-01-01T00:00")
    get_json(api, "/campaigns", other)
    get_json(api, "/me", other)
    assert get_json(api, f"/campaigns/{create_campaign(api, other)}", other)["state"] == "unpublished"
    assert stored_state(api, item.campaign) == "unpublished"
    assert sweep(api, owner_id=theirs) == 0
    assert stored_state(api, item.campaign) == "unpublished"
    assert sweep(api, owner_id=mine) == 1
    assert stored_state(api, item.campaign) == "active"


def test_a_due_campaign_without_enough_money_stays_unpublished(api: Client) -> None:
    headers = make_requester(api, credit="1")
    item = author(api, headers, startDate="2020-01-01T00:00")
    assert sweep(api) == 0
    assert item.state() == "unpublished"
    assert item.campaign_json()["readOnly"] is False
    assert get_json(api, f"/tasks/{item.tasks[0]}", headers)["readOnly"] is False
    assert balance(api, headers) == {"available": "1.00 USD", "frozen": "0.00 USD"}
    ledger(api, headers)


@pytest.mark.parametrize("state", ["active", "paused"])
def test_an_end_date_that_has_passed_finishes_the_campaign_and_gives_the_money_back(api: Client, state: str) -> None:
    headers = make_requester(api, credit="10")
    item = author(api, headers, endDate="2090-01-01T10:00")
    bring_to(item, state)
    assert balance(api, headers)["frozen"] == "3.60 USD"

    assert sweep(api, now=datetime(2090, 1, 1, 9, 59)) == 0
    assert stored_state(api, item.campaign) == state
    assert sweep(api, now=datetime(2090, 1, 1, 10, 0)) == 1
    assert item.state() == "finished"
    assert balance(api, headers) == {"available": "10.00 USD", "frozen": "0.00 USD"}
    assert releases(api, headers, item.campaign) == [3_600_000]
    assert sweep(api, now=datetime(2090, 1, 2)) == 0
    ledger(api, headers)


def test_reading_a_campaign_applies_its_end_date_without_a_sweep(api: Client) -> None:
    headers = make_requester(api, credit="10")
    item = author(api, headers)
    assert item.act("publish").status_code == 200
    move_dates(api, item.campaign, end_date=utcnow() - timedelta(seconds=1))
    assert stored_state(api, item.campaign) == "active"
    assert item.campaign_json()["state"] == "finished"
    assert balance(api, headers) == {"available": "10.00 USD", "frozen": "0.00 USD"}
    ledger(api, headers)


def test_an_unpublished_campaign_is_not_finished_by_its_end_date(api: Client) -> None:
    headers = make_requester(api, credit="10")
    item = author(api, headers, endDate="2090-01-01T10:00")
    assert sweep(api, now=datetime(2090, 1, 2)) == 0
    assert item.state() == "unpublished"


# ---------------------------------------------------------------- at the same time


def test_concurrent_publishes_freeze_exactly_once(api: Client) -> None:
    headers = make_requester(api, credit="10")
    item = author(api, headers)
    barrier = threading.Barrier(8)
    responses: list[Any] = []
    lock = threading.Lock()

    def publish() -> None:
        barrier.wait()
        response = item.act("publish")
        with lock:
            responses.append(response)

    threads = [threading.Thread(target=publish) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * 7, [r.text for r in responses]
    for response in responses:
        if response.status_code == 409:
            assert response.json()["code"] == ErrorCode.WRONG_STATE.code
    assert balance(api, headers) == {"available": "6.40 USD", "frozen": "3.60 USD"}
    assert freezes(api, headers, item.campaign) == [3_600_000]


def test_concurrent_sweeps_publish_and_finish_exactly_once(api: Client) -> None:
    headers = make_requester(api, credit="10")
    item = author(api, headers, startDate="2090-01-01T10:00", endDate="2090-02-01T10:00")

    def sweeps(now: datetime) -> list[int]:
        async def many() -> list[int]:
            async def one() -> int:
                async with api.app.state.db.transaction() as session:
                    return await apply_due(session, now=now)

            return list(await asyncio.gather(*(one() for _ in range(6))))

        return list(api.blocking_portal.call(many))

    assert sum(sweeps(datetime(2090, 1, 1, 10, 0))) == 1
    assert item.state() == "active"
    assert freezes(api, headers, item.campaign) == [3_600_000]
    assert balance(api, headers) == {"available": "6.40 USD", "frozen": "3.60 USD"}

    assert sum(sweeps(datetime(2090, 2, 1, 10, 0))) == 1
    assert item.state() == "finished"
    assert releases(api, headers, item.campaign) == [3_600_000]
    assert balance(api, headers) == {"available": "10.00 USD", "frozen": "0.00 USD"}


def test_concurrent_cancels_give_the_money_back_once(api: Client) -> None:
    headers = make_requester(api, credit="10")
    item = author(api, headers)
    assert item.act("publish").status_code == 200
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def cancel() -> None:
        barrier.wait()
        statuses.append(item.act("cancel").status_code)

    threads = [threading.Thread(target=cancel) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200] + [409] * 5
    assert balance(api, headers) == {"available": "10.00 USD", "frozen": "0.00 USD"}
    assert releases(api, headers, item.campaign) == [3_600_000]


@pytest.mark.parametrize("edit", ["settings", "jobs", "tasks"])
def test_an_edit_racing_a_publish_cannot_change_what_was_published(api: Client, edit: str) -> None:
    """PUT /campaigns/{id}, PUT /campaigns/{id}/jobs or PUT /jobs/{id}/tasks that read the campaign (or job) while a
    publish was still open must not land after it: the frozen money and the read-only work are what was published."""
    db = api.app.state.db
    headers = make_requester(api, credit="100")
    item = author(api, headers, jobs=1)  # 0.50 * 3 * 1 + 20 % = 1.80
    spare_task = create_task(api, headers, "Spare")
    spare_job = create_job(api, headers, "Spare", tasks=[spare_task])
    owner = requester_id(api, headers)

    async def change(session: Any) -> None:
        if edit == "settings":
            await campaigns.update_campaign(
                session, owner, item.campaign, campaigns.CampaignIn(name="C", worker_payment="5")
            )
        elif edit == "jobs":
            await campaigns.set_jobs(session, owner, item.campaign, [item.jobs[0], spare_job])
        else:
            await authoring.set_tasks(session, owner, item.jobs[0], [item.tasks[0], spare_task])

    async def race() -> str:
        outcome = "not run"

        async def edit_now() -> None:
            nonlocal outcome
            try:
                async with db.transaction() as session:
                    await change(session)
                outcome = "committed"
            except DomainError as exc:
                outcome = exc.code.name

        async with db.transaction() as session:
            await campaigns.transition(session, owner, item.campaign, "publish")
            racer = asyncio.create_task(edit_now())
            await waiting_for_a_lock()  # the edit has read the unpublished row and waits for the publish to commit
        await asyncio.wait_for(racer, timeout=30)
        return outcome

    async def waiting_for_a_lock() -> None:
        """Until another connection of this database waits for a row lock (PostgreSQL); SQLite's writers queue up
        before they read anything, so there a short pause is enough."""
        if db.dialect != "postgresql":
            await asyncio.sleep(0.2)
            return
        query = text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        for _ in range(250):
            async with db.engine.connect() as connection:
                if (await connection.execute(query)).scalar():
                    return
            await asyncio.sleep(0.02)

    assert api.blocking_portal.call(race) == "READ_ONLY"
    campaign = item.campaign_json()
    assert campaign["state"] == "active" and campaign["workerPayment"] == 0.5
    assert [j["id"] for j in get_json(api, f"/campaigns/{item.campaign}/jobs", headers)["jobs"]] == item.jobs
    assert [t["id"] for t in get_json(api, f"/jobs/{item.jobs[0]}/tasks", headers)["tasks"]] == item.tasks
    assert balance(api, headers) == {"available": "98.20 USD", "frozen": "1.80 USD"}
    ledger(api, headers)


def test_concurrent_publishes_of_two_campaigns_never_overdraw(api: Client) -> None:
    headers = make_requester(api, credit="5")
    first, second = author(api, headers), author(api, headers)  # 3.60 each; only one fits
    barrier = threading.Barrier(2)
    statuses: dict[int, int] = {}

    def publish(item: Authored) -> None:
        barrier.wait()
        statuses[item.campaign] = item.act("publish").status_code

    threads = [threading.Thread(target=publish, args=(item,)) for item in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses.values()) == [200, 402]
    winner = first if statuses[first.campaign] == 200 else second
    loser = second if winner is first else first
    assert winner.state() == "active" and loser.state() == "unpublished"
    assert loser.campaign_json()["readOnly"] is False
    assert balance(api, headers) == {"available": "1.40 USD", "frozen": "3.60 USD"}
    ledger(api, headers)
