"""The money ledger on real databases: each movement, refusals that change nothing, and the invariant."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine.db import Database
from taskengine.db.models import Campaign, LedgerEntry, Requester
from taskengine.domain.money import (
    MAX_MICROS,
    InsufficientFunds,
    check_invariant,
    commission,
    credit,
    format_usd,
    freeze,
    from_micros,
    lock_requester,
    pay,
    release,
    to_micros,
)
from tests.databases import sqlite_database, wipe

T = TypeVar("T")
USD = 1_000_000
BALANCES = ("credited", "available", "frozen", "paid_out", "fees")


# --- Databases ---------------------------------------------------------------------------------------------------


class Env:
    """A database with every table and one event loop to drive it from synchronous tests."""

    def __init__(self, url: str) -> None:
        self.runner = asyncio.Runner()
        self.db = Database(url)
        self._customers = itertools.count(1)

    def run(self, awaitable: Awaitable[T]) -> T:
        async def wrapper() -> T:
            return await awaitable

        return self.runner.run(wrapper())

    def tx(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run `work` in one committed transaction; exceptions roll it back and propagate."""

        async def go() -> T:
            async with self.db.transaction() as session:
                return await work(session)

        return self.runner.run(go())

    def attempt(self, work: Callable[[AsyncSession], Awaitable[Any]]) -> Exception | None:
        """Run `work`, swallow its error and commit anyway: so a refusal that left a change behind would show."""

        async def go(session: AsyncSession) -> Exception | None:
            try:
                await work(session)
            except Exception as error:
                return error
            return None

        return self.tx(go)

    def requester(self) -> int:
        n = next(self._customers)

        async def go(session: AsyncSession) -> int:
            requester = Requester(email=f"r{n}@example.com", password_hash="x", customer_id=f"C{n:08d}")
            session.add(requester)
            await session.flush()
            assert requester.id is not None
            return requester.id

        return self.tx(go)

    def campaign(self, owner_id: int) -> int:
        async def go(session: AsyncSession) -> int:
            campaign = Campaign(owner_id=owner_id, name="campaign")
            session.add(campaign)
            await session.flush()
            assert campaign.id is not None
            return campaign.id

        return self.tx(go)

    def balances(self, requester_id: int) -> dict[str, int]:
        async def go(session: AsyncSession) -> dict[str, int]:
            row = (await session.exec(select(Requester).where(Requester.id == requester_id))).one()
            return {name: getattr(row, name) for name in BALANCES}

        return self.tx(go)

    def frozen(self, campaign_id: int) -> int:
        return self.tx(lambda s: _scalar(s, select(Campaign.frozen).where(Campaign.id == campaign_id)))

    def entries(self, requester_id: int) -> list[tuple[int | None, str, str, int, str]]:
        async def go(session: AsyncSession) -> list[tuple[int | None, str, str, int, str]]:
            rows = await session.exec(
                select(LedgerEntry).where(LedgerEntry.requester_id == requester_id).order_by(LedgerEntry.id)
            )
            return [(e.campaign_id, e.source, e.target, e.amount, e.reason) for e in rows]

        return self.tx(go)

    def check(self, requester_id: int) -> None:
        self.tx(lambda s: check_invariant(s, requester_id))


async def _scalar(session: AsyncSession, statement: Any) -> Any:
    return (await session.exec(statement)).one()


@pytest.fixture(params=["sqlite", "postgresql"])
def env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Env]:
    """A migrated database of each kind: a fresh SQLite file, or the session's PostgreSQL one emptied afterwards."""
    postgres = request.param == "postgresql"
    url = request.getfixturevalue("postgresql_url") if postgres else sqlite_database(str(tmp_path))
    environment = Env(url)
    try:
        yield environment
        if postgres:  # the session's database is shared: leave it empty for the next test
            environment.run(wipe(environment.db))
    finally:
        environment.run(environment.db.dispose())
        environment.runner.close()


# --- Amounts -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "micros"),
    [
        ("0.01", 10_000),
        ("0.000001", 1),
        ("42", 42 * USD),
        ("42.00", 42 * USD),
        ("0", 0),
        ("-0", 0),
        ("1.5000000", 1_500_000),  # trailing zeros beyond six places lose nothing
        ("1e2", 100 * USD),
        (Decimal("3.6"), 3_600_000),
        (7, 7 * USD),
        ("1000000000000", MAX_MICROS),
    ],
)
def test_to_micros_is_exact(amount: Decimal | str | int, micros: int) -> None:
    assert to_micros(amount) == micros


@pytest.mark.parametrize(
    ("amount", "problem"),
    [
        ("0.0000001", "6 decimal places"),
        ("0.0000015", "6 decimal places"),
        ("1e-30", "6 decimal places"),
        ("999999999999.9999999999999999999", "6 decimal places"),
        ("-1", "negative"),
        ("-0.000001", "negative"),
        ("NaN", "finite"),
        ("-Infinity", "finite"),
        ("Infinity", "finite"),
        ("1000000000000.000001", "exceed"),
        ("1e999999999", "exceed"),
        ("", "not a number"),
        ("12 USD", "not a number"),
    ],
)
def test_to_micros_refuses(amount: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        to_micros(amount)


@pytest.mark.parametrize("amount", [1.5, True, None])
def test_to_micros_refuses_floats_and_other_types(amount: Any) -> None:
    with pytest.raises(TypeError):
        to_micros(amount)


@pytest.mark.parametrize(
    ("micros", "usd", "text"),
    [
        (42_000_000, "42.00", "42.00 USD"),
        (2_000, "0.002", "0.002 USD"),
        (0, "0.00", "0.00 USD"),
        (1, "0.000001", "0.000001 USD"),
        (3_600_000, "3.60", "3.60 USD"),
        (123_456_789, "123.456789", "123.456789 USD"),
        (10_000, "0.01", "0.01 USD"),
        (MAX_MICROS, "1000000000000.00", "1000000000000.00 USD"),
        (-1_500_000, "-1.50", "-1.50 USD"),
    ],
)
def test_from_micros_and_format_usd(micros: int, usd: str, text: str) -> None:
    assert str(from_micros(micros)) == usd
    assert format_usd(micros) == text
    if micros >= 0:
        assert to_micros(from_micros(micros)) == micros


def test_commission_rounds_half_up() -> None:
    assert commission(2_500_000, 200_000) == 500_000
    assert commission(5, 100_000) == 1  # 0.5 rounds up
    assert commission(15, 100_000) == 2  # 1.5 rounds up, not to even
    assert commission(25, 100_000) == 3  # 2.5 rounds up, not to even
    assert commission(14, 100_000) == 1  # 1.4 rounds down
    assert commission(1, 499_999) == 0
    assert commission(1, 500_000) == 1
    assert commission(0, 200_000) == 0
    assert commission(1_000_000, 0) == 0
    with pytest.raises(ValueError):
        commission(-1, 200_000)
    with pytest.raises(ValueError):
        commission(1, -1)


# --- Movements ---------------------------------------------------------------------------------------------------


def test_credit_raises_credited_and_available(env: Env) -> None:
    rid = env.requester()
    env.tx(lambda s: credit(s, rid, 5 * USD))
    env.tx(lambda s: credit(s, rid, 250_000, reason="top-up"))
    assert env.balances(rid) == {"credited": 5_250_000, "available": 5_250_000, "frozen": 0, "paid_out": 0, "fees": 0}
    assert env.entries(rid) == [
        (None, "external", "available", 5 * USD, "credit"),
        (None, "external", "available", 250_000, "top-up"),
    ]
    env.check(rid)


def test_freeze_release_and_pay_move_money_between_accounts(env: Env) -> None:
    rid = env.requester()
    cid = env.campaign(rid)
    env.tx(lambda s: credit(s, rid, 10 * USD))

    env.tx(lambda s: freeze(s, rid, cid, 6 * USD))
    assert env.balances(rid) == {
        "credited": 10 * USD,
        "available": 4 * USD,
        "frozen": 6 * USD,
        "paid_out": 0,
        "fees": 0,
    }
    assert env.frozen(cid) == 6 * USD

    env.tx(lambda s: release(s, rid, cid, 1 * USD))
    assert env.balances(rid) == {
        "credited": 10 * USD,
        "available": 5 * USD,
        "frozen": 5 * USD,
        "paid_out": 0,
        "fees": 0,
    }
    assert env.frozen(cid) == 5 * USD

    env.tx(lambda s: pay(s, rid, cid, 3 * USD, 600_000))
    assert env.balances(rid) == {
        "credited": 10 * USD,
        "available": 5 * USD,
        "frozen": 1_400_000,
        "paid_out": 3 * USD,
        "fees": 600_000,
    }
    assert env.frozen(cid) == 1_400_000

    env.tx(lambda s: pay(s, rid, cid, 400_000, 0, reason="bonus"))  # a zero fee writes no entry
    assert env.entries(rid) == [
        (None, "external", "available", 10 * USD, "credit"),
        (cid, "available", "frozen", 6 * USD, "publish"),
        (cid, "frozen", "available", 1 * USD, "cancel"),
        (cid, "frozen", "paid_out", 3 * USD, "approve"),
        (cid, "frozen", "fees", 600_000, "approve"),
        (cid, "frozen", "paid_out", 400_000, "bonus"),
    ]
    assert env.frozen(cid) == 1 * USD
    env.check(rid)


def test_everything_frozen_can_be_released_or_paid_exactly(env: Env) -> None:
    rid = env.requester()
    first, second = env.campaign(rid), env.campaign(rid)
    env.tx(lambda s: credit(s, rid, 3 * USD))
    env.tx(lambda s: freeze(s, rid, first, 2 * USD))
    env.tx(lambda s: freeze(s, rid, second, 1 * USD))  # exactly what is left
    env.tx(lambda s: release(s, rid, first, 2 * USD))
    env.tx(lambda s: pay(s, rid, second, 800_000, 200_000))
    assert env.balances(rid) == {
        "credited": 3 * USD,
        "available": 2 * USD,
        "frozen": 0,
        "paid_out": 800_000,
        "fees": 200_000,
    }
    assert (env.frozen(first), env.frozen(second)) == (0, 0)
    env.check(rid)


def test_insufficient_funds_reports_both_amounts_and_changes_nothing(env: Env) -> None:
    rid = env.requester()
    cid = env.campaign(rid)
    env.tx(lambda s: credit(s, rid, 1 * USD))
    before, entries = env.balances(rid), env.entries(rid)

    error = env.attempt(lambda s: freeze(s, rid, cid, 3_600_000))
    assert isinstance(error, InsufficientFunds)
    assert (error.needed, error.available) == (3_600_000, 1 * USD)
    assert str(error) == "publishing needs 3.60 USD but only 1.00 USD is available"
    assert env.balances(rid) == before
    assert env.entries(rid) == entries
    assert env.frozen(cid) == 0

    error = env.attempt(lambda s: freeze(s, rid, cid, 1 * USD + 1, reason="extend"))
    assert isinstance(error, InsufficientFunds)
    assert "1.000001 USD" in str(error) and "1.00 USD is available" in str(error)
    env.check(rid)


def test_release_and_pay_beyond_what_is_frozen_refuse(env: Env) -> None:
    rid = env.requester()
    cid, other = env.campaign(rid), env.campaign(rid)
    env.tx(lambda s: credit(s, rid, 10 * USD))
    env.tx(lambda s: freeze(s, rid, cid, 2 * USD))
    env.tx(lambda s: freeze(s, rid, other, 5 * USD))  # the requester holds enough frozen; this campaign does not
    before, entries = env.balances(rid), env.entries(rid)

    for work in (
        lambda s: release(s, rid, cid, 2 * USD + 1),
        lambda s: pay(s, rid, cid, 2 * USD, 1),
        lambda s: pay(s, rid, cid, 1, 2 * USD),
        lambda s: pay(s, rid, cid, 3 * USD, 0),
    ):
        error = env.attempt(work)
        assert isinstance(error, ValueError)
        assert "only 2.00 USD frozen" in str(error)
    assert env.balances(rid) == before
    assert env.entries(rid) == entries
    assert (env.frozen(cid), env.frozen(other)) == (2 * USD, 5 * USD)
    env.check(rid)


def test_zero_amounts_write_nothing_and_negative_amounts_refuse(env: Env) -> None:
    rid = env.requester()
    cid = env.campaign(rid)
    env.tx(lambda s: credit(s, rid, 0))
    env.tx(lambda s: freeze(s, rid, cid, 0))
    env.tx(lambda s: release(s, rid, cid, 0))
    env.tx(lambda s: pay(s, rid, cid, 0, 0))
    assert env.entries(rid) == []
    for work in (
        lambda s: credit(s, rid, -1),
        lambda s: freeze(s, rid, cid, -1),
        lambda s: release(s, rid, cid, -1),
        lambda s: pay(s, rid, cid, -1, 1),
        lambda s: pay(s, rid, cid, 1, -1),
        lambda s: credit(s, rid, MAX_MICROS + 1),
    ):
        assert isinstance(env.attempt(work), ValueError)
    assert isinstance(env.attempt(lambda s: credit(s, rid, True)), TypeError)
    assert env.entries(rid) == []
    assert env.balances(rid) == dict.fromkeys(BALANCES, 0)
    env.check(rid)


def test_unknown_requesters_and_foreign_campaigns_refuse(env: Env) -> None:
    rid, stranger = env.requester(), env.requester()
    cid = env.campaign(rid)
    env.tx(lambda s: credit(s, stranger, 5 * USD))
    assert isinstance(env.attempt(lambda s: credit(s, 999_999, 1)), LookupError)
    assert isinstance(env.attempt(lambda s: lock_requester(s, 999_999)), LookupError)
    assert isinstance(env.attempt(lambda s: freeze(s, stranger, 999_999, 1)), LookupError)
    assert isinstance(env.attempt(lambda s: freeze(s, stranger, cid, 1)), ValueError)
    assert isinstance(env.attempt(lambda s: release(s, stranger, cid, 1)), ValueError)
    assert isinstance(env.attempt(lambda s: pay(s, stranger, cid, 1, 0)), ValueError)
    assert env.frozen(cid) == 0
    assert env.balances(stranger)["available"] == 5 * USD
    env.check(rid)
    env.check(stranger)


def test_the_sessions_requester_shows_the_new_balances(env: Env) -> None:
    rid = env.requester()
    cid = env.campaign(rid)

    async def work(session: AsyncSession) -> tuple[int, int, int]:
        requester = await session.get(Requester, rid)
        campaign = await session.get(Campaign, cid)
        assert requester is not None and campaign is not None
        await credit(session, rid, 2 * USD)
        await freeze(session, rid, cid, 500_000)
        return requester.available, requester.frozen, campaign.frozen

    assert env.tx(work) == (1_500_000, 500_000, 500_000)


def test_check_invariant_reports_any_disagreement(env: Env) -> None:
    rid = env.requester()
    cid = env.campaign(rid)
    env.tx(lambda s: credit(s, rid, 2 * USD))
    env.tx(lambda s: freeze(s, rid, cid, 1 * USD))
    env.check(rid)

    async def tamper(session: AsyncSession, statement: Any) -> None:
        await session.exec(statement)

    env.tx(lambda s: tamper(s, update(Requester).where(Requester.id == rid).values(available=Requester.available + 7)))
    with pytest.raises(AssertionError, match="requester available is 1000007 but the ledger says 1000000"):
        env.check(rid)
    env.tx(lambda s: tamper(s, update(Requester).where(Requester.id == rid).values(available=Requester.available - 7)))
    env.check(rid)

    env.tx(lambda s: tamper(s, update(Campaign).where(Campaign.id == cid).values(frozen=0)))
    with pytest.raises(AssertionError, match=f"campaign {cid} frozen is 0 but the ledger says 1000000"):
        env.check(rid)


def test_concurrent_freezes_never_overspend(env: Env) -> None:
    rid = env.requester()
    first, second = env.campaign(rid), env.campaign(rid)
    env.tx(lambda s: credit(s, rid, 10 * USD))

    async def publish(campaign_id: int) -> str:
        async with env.db.transaction() as session:
            await lock_requester(session, rid)
            await asyncio.sleep(0.05)  # hold the lock while the other transaction tries
            try:
                await freeze(session, rid, campaign_id, 6 * USD)
            except InsufficientFunds:
                return "refused"
            return "frozen"

    async def both() -> list[str]:
        return sorted(await asyncio.gather(publish(first), publish(second)))

    # On PostgreSQL the lock makes the second wait for the first; on SQLite, where FOR UPDATE does nothing,
    # the guarded update refuses the second all the same.
    assert env.run(both()) == ["frozen", "refused"]
    assert env.balances(rid)["available"] == 4 * USD
    env.check(rid)


# --- The invariant under random sequences ------------------------------------------------------------------------

# Small amounts as often as large ones, so that random movements succeed about as often as they are refused.
amounts = st.integers(0, 3 * USD) | st.integers(0, 1_000) | st.sampled_from([0, 1])
shares = st.integers(0, 1_000_000) | st.just(1_000_000)  # of what there is, in ppm: often all of it
nudges = st.sampled_from([0, 0, -1, 1])  # and sometimes one micro-dollar less or more than that
rates = st.sampled_from([0, 1, 200_000, 999_999, 1_000_000])
indexes = st.integers(0, 1)


class LedgerMachine(RuleBasedStateMachine):
    """Random movements for two requesters and two campaigns, against a model of what each should hold."""

    def __init__(self, env: Env) -> None:
        super().__init__()
        self.env = env
        self.requesters: list[int] = []
        self.campaigns: list[int] = []
        self.owners: list[int] = []  # index into requesters, per campaign
        self.credited = [0, 0]
        self.available = [0, 0]
        self.paid_out = [0, 0]
        self.fees = [0, 0]
        self.held = [0, 0]  # frozen per campaign

    @initialize(second_owner=indexes, opening=st.tuples(amounts, amounts))
    def create(self, second_owner: int, opening: tuple[int, int]) -> None:
        self.requesters = [self.env.requester(), self.env.requester()]
        self.owners = [0, second_owner]  # one requester owning both campaigns, or one each
        self.campaigns = [self.env.campaign(self.requesters[owner]) for owner in self.owners]
        for r, micros in enumerate(opening):  # start with money, so that fewer steps move nothing
            self.credit(r, micros)

    def _expect(self, work: Callable[[AsyncSession], Awaitable[None]], expected: type[Exception] | None) -> bool:
        error = self.env.attempt(work)
        assert type(error) is expected if expected else error is None, repr(error)
        return error is None

    def _freeze(self, c: int, micros: int) -> None:
        r = self.owners[c]
        expected = InsufficientFunds if micros > self.available[r] else None
        if self._expect(lambda s: freeze(s, self.requesters[r], self.campaigns[c], micros), expected):
            self.available[r] -= micros
            self.held[c] += micros

    def _release(self, c: int, micros: int) -> None:
        r = self.owners[c]
        expected = ValueError if micros > self.held[c] else None
        if self._expect(lambda s: release(s, self.requesters[r], self.campaigns[c], micros), expected):
            self.held[c] -= micros
            self.available[r] += micros

    def _pay(self, c: int, payment: int, fee: int) -> None:
        r = self.owners[c]
        expected = ValueError if payment + fee > self.held[c] else None
        if self._expect(lambda s: pay(s, self.requesters[r], self.campaigns[c], payment, fee), expected):
            self.held[c] -= payment + fee
            self.paid_out[r] += payment
            self.fees[r] += fee

    @rule(r=indexes, micros=amounts)
    def credit(self, r: int, micros: int) -> None:
        if self._expect(lambda s: credit(s, self.requesters[r], micros), None):
            self.credited[r] += micros
            self.available[r] += micros

    @rule(c=indexes, micros=amounts)
    def freeze(self, c: int, micros: int) -> None:
        self._freeze(c, micros)

    @precondition(lambda self: any(self.available))
    @rule(c=indexes, share_ppm=shares, nudge=nudges)
    def freeze_share(self, c: int, share_ppm: int, nudge: int) -> None:
        c = c if self.available[self.owners[c]] else 1 - c
        self._freeze(c, max(0, self.available[self.owners[c]] * share_ppm // 1_000_000 + nudge))

    @rule(c=indexes, micros=amounts)
    def release(self, c: int, micros: int) -> None:
        self._release(c, micros)

    @precondition(lambda self: any(self.held))
    @rule(c=indexes, share_ppm=shares, nudge=nudges)
    def release_share(self, c: int, share_ppm: int, nudge: int) -> None:
        c = c if self.held[c] else 1 - c
        self._release(c, max(0, self.held[c] * share_ppm // 1_000_000 + nudge))

    @rule(c=indexes, payment=amounts, fee=amounts)
    def pay(self, c: int, payment: int, fee: int) -> None:
        self._pay(c, payment, fee)

    @precondition(lambda self: any(self.held))
    @rule(c=indexes, share_ppm=shares, rate_ppm=rates, nudge=nudges)
    def pay_share(self, c: int, share_ppm: int, rate_ppm: int, nudge: int) -> None:
        c = c if self.held[c] else 1 - c
        # As approving work will: a share of what is frozen, split into the payment and its commission.
        total = max(0, self.held[c] * share_ppm // 1_000_000 + nudge)
        fee = commission(total, rate_ppm)
        self._pay(c, total - fee, fee)

    @rule(c=indexes, operation=st.sampled_from(["freeze", "release", "pay"]), micros=amounts)
    def foreign(self, c: int, operation: str, micros: int) -> None:
        # Whoever does not own the campaign: the other requester if one each, the idle one if one owns both.
        stranger, cid = self.requesters[1 - self.owners[c]], self.campaigns[c]
        work = {
            "freeze": lambda s: freeze(s, stranger, cid, micros),
            "release": lambda s: release(s, stranger, cid, micros),
            "pay": lambda s: pay(s, stranger, cid, micros, 0),
        }[operation]
        self._expect(work, ValueError if micros else None)

    @invariant()
    def balances_match_the_ledger_and_the_model(self) -> None:
        async def stored(session: AsyncSession) -> tuple[list[dict[str, int]], list[int]]:
            for rid in self.requesters:
                await check_invariant(session, rid)
            requesters = {
                r.id: r for r in await session.exec(select(Requester).where(col(Requester.id).in_(self.requesters)))
            }
            campaigns = {
                c.id: c for c in await session.exec(select(Campaign).where(col(Campaign.id).in_(self.campaigns)))
            }
            return (
                [{name: getattr(requesters[rid], name) for name in BALANCES} for rid in self.requesters],
                [campaigns[cid].frozen for cid in self.campaigns],
            )

        balances, held = self.env.tx(stored)
        assert held == self.held and min(held) >= 0
        for r in range(2):
            frozen = sum(amount for c, amount in enumerate(self.held) if self.owners[c] == r)
            assert balances[r] == {
                "credited": self.credited[r],
                "available": self.available[r],
                "frozen": frozen,
                "paid_out": self.paid_out[r],
                "fees": self.fees[r],
            }
            assert self.available[r] >= 0


def test_random_movements_keep_the_invariant(env: Env) -> None:
    examples = 10 if env.db.dialect == "postgresql" else 50
    run_state_machine_as_test(
        lambda: LedgerMachine(env),
        settings=settings(
            max_examples=examples,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
