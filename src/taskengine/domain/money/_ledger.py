"""The ledger: every movement of a requester's money is one row, mirrored in the balance columns.

Each requester has five accounts: external (money from outside), available, frozen, paid_out and fees.
At every commit `available + frozen + paid_out + fees == credited`, and `Campaign.frozen` is what the
ledger froze for that campaign. These functions never commit: the caller's transaction does.
"""

from __future__ import annotations

from collections import defaultdict
from enum import StrEnum
from typing import Any

from sqlalchemy import update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine.db.models import Campaign, LedgerEntry, Requester, Worker
from taskengine.domain.money._amounts import MAX_MICROS, format_usd


class Account(StrEnum):
    """One of the five accounts every requester has; ledger rows name them as `source` and `target`."""

    EXTERNAL = "external"
    AVAILABLE = "available"
    FROZEN = "frozen"
    PAID_OUT = "paid_out"
    FEES = "fees"


_ACCOUNTS = frozenset(account.value for account in Account)


class InsufficientFunds(Exception):
    """The requester's available balance is smaller than what an operation needs; nothing was changed."""

    def __init__(self, needed: int, available: int, action: str = "publishing") -> None:
        self.needed = needed
        self.available = available
        super().__init__(f"{action} needs {format_usd(needed)} but only {format_usd(available)} is available")


def _check_amount(micros: int) -> None:
    if isinstance(micros, bool) or not isinstance(micros, int):
        raise TypeError(f"an amount must be an int of micro-dollars, not {type(micros).__name__}")
    if micros < 0:
        raise ValueError(f"an amount must not be negative: {micros}")
    if micros > MAX_MICROS:
        raise ValueError(f"an amount must not exceed {format_usd(MAX_MICROS)}: {micros}")


async def lock_requester(session: AsyncSession, requester_id: int) -> Requester:
    """The requester, locked `FOR UPDATE` until the transaction ends, so its movements serialise on PostgreSQL.

    LookupError if there is no such requester.
    """
    statement = (
        select(Requester)
        .where(Requester.id == requester_id)
        .with_for_update()
        # Balances read before the lock was taken may be stale: reload them into the session's object.
        .execution_options(populate_existing=True)
    )
    requester = (await session.exec(statement)).first()
    if requester is None:
        raise LookupError(f"no requester {requester_id}")
    return requester


async def _check_owner(session: AsyncSession, requester_id: int, campaign_id: int) -> None:
    owner_id = (await session.exec(select(Campaign.owner_id).where(Campaign.id == campaign_id))).first()
    if owner_id is None:
        raise LookupError(f"no campaign {campaign_id}")
    if owner_id != requester_id:
        raise ValueError(f"campaign {campaign_id} does not belong to requester {requester_id}")


async def _update(session: AsyncSession, model: type[Any], row_id: int, *guards: Any, **values: Any) -> bool:
    """Apply relative `values` to one row if `guards` hold, refreshing the session's copy; False if they did not."""
    # Relative updates guarded in SQL stay exact where FOR UPDATE is a no-op (SQLite): a concurrent
    # movement can make a guard fail, but never lose an update or drive a balance below zero.
    statement = (
        update(model)
        .where(model.id == row_id, *guards)
        .values(**{name: getattr(model, name) + delta for name, delta in values.items()})
        .returning(model)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return (await session.exec(statement)).scalars().first() is not None


def _entry(
    requester_id: int, campaign_id: int | None, source: Account, target: Account, micros: int, reason: str
) -> LedgerEntry:
    return LedgerEntry(
        requester_id=requester_id,
        campaign_id=campaign_id,
        source=source.value,
        target=target.value,
        amount=micros,
        reason=reason,
    )


async def credit(session: AsyncSession, requester_id: int, micros: int, reason: str = "credit") -> None:
    """Move `micros` from outside into the requester's available balance (a payment received)."""
    _check_amount(micros)
    if micros == 0:
        return
    await lock_requester(session, requester_id)
    await _update(session, Requester, requester_id, credited=micros, available=micros)
    session.add(_entry(requester_id, None, Account.EXTERNAL, Account.AVAILABLE, micros, reason))
    await session.flush()


async def freeze(
    session: AsyncSession, requester_id: int, campaign_id: int, micros: int, reason: str = "publish"
) -> None:
    """Set `micros` of the available balance aside for a campaign; InsufficientFunds, changing nothing, if short."""
    _check_amount(micros)
    if micros == 0:
        return
    requester = await lock_requester(session, requester_id)
    await _check_owner(session, requester_id, campaign_id)
    # The guard, not the value just read, decides: it is the one that holds even without a row lock.
    if not await _update(
        session, Requester, requester_id, Requester.available >= micros, available=-micros, frozen=micros
    ):
        await session.refresh(requester)
        action = "publishing" if reason == "publish" else f"freezing money for {reason!r}"
        raise InsufficientFunds(needed=micros, available=requester.available, action=action)
    if not await _update(session, Campaign, campaign_id, frozen=micros):
        raise LookupError(f"campaign {campaign_id} vanished while money was being frozen for it")
    session.add(_entry(requester_id, campaign_id, Account.AVAILABLE, Account.FROZEN, micros, reason))
    await session.flush()


async def _unfreeze(session: AsyncSession, requester_id: int, campaign_id: int, micros: int, what: str) -> None:
    """Take `micros` out of the campaign's frozen money, or ValueError (changing nothing) if it holds less."""
    await lock_requester(session, requester_id)
    await _check_owner(session, requester_id, campaign_id)
    if not await _update(session, Campaign, campaign_id, Campaign.frozen >= micros, frozen=-micros):
        held = (await session.exec(select(Campaign.frozen).where(Campaign.id == campaign_id))).one()
        raise ValueError(
            f"cannot {what} {format_usd(micros)}: campaign {campaign_id} has only {format_usd(held)} frozen"
        )


async def release(
    session: AsyncSession, requester_id: int, campaign_id: int, micros: int, reason: str = "cancel"
) -> None:
    """Return `micros` of a campaign's frozen money to the available balance; ValueError if it holds less."""
    _check_amount(micros)
    if micros == 0:
        return
    await _unfreeze(session, requester_id, campaign_id, micros, "release")
    await _update(session, Requester, requester_id, frozen=-micros, available=micros)
    session.add(_entry(requester_id, campaign_id, Account.FROZEN, Account.AVAILABLE, micros, reason))
    await session.flush()


async def pay(
    session: AsyncSession,
    requester_id: int,
    campaign_id: int,
    payment_micros: int,
    fee_micros: int,
    reason: str = "approve",
    *,
    worker_id: int | None = None,
) -> None:
    """Spend a campaign's frozen money: `payment_micros` to paid_out, `fee_micros` to fees; ValueError if short.

    With `worker_id`, the payment is added to that worker's earnings in the same step: the two sides of one payment."""
    _check_amount(payment_micros)
    _check_amount(fee_micros)
    total = payment_micros + fee_micros
    if total == 0:
        return
    await _unfreeze(session, requester_id, campaign_id, total, "pay")
    await _update(session, Requester, requester_id, frozen=-total, paid_out=payment_micros, fees=fee_micros)
    for target, micros in ((Account.PAID_OUT, payment_micros), (Account.FEES, fee_micros)):
        if micros:
            session.add(_entry(requester_id, campaign_id, Account.FROZEN, target, micros, reason))
    if worker_id is not None and payment_micros:
        await session.exec(
            update(Worker).where(col(Worker.id) == worker_id).values(earned=col(Worker.earned) + payment_micros)
        )
    await session.flush()


async def check_invariant(session: AsyncSession, requester_id: int) -> None:
    """Recompute balances and campaigns' frozen money from the ledger rows; AssertionError naming any difference."""
    sums = await session.exec(
        select(col(LedgerEntry.campaign_id), LedgerEntry.source, LedgerEntry.target, func.sum(LedgerEntry.amount))
        .where(LedgerEntry.requester_id == requester_id)
        .group_by(col(LedgerEntry.campaign_id), col(LedgerEntry.source), col(LedgerEntry.target))
    )
    balances: dict[str, int] = defaultdict(int)
    campaign_frozen: dict[int | None, int] = defaultdict(int)
    problems: list[str] = []
    for campaign_id, source, target, total in sums:
        total = int(total)  # PostgreSQL sums a BIGINT column as NUMERIC
        for account in (source, target):
            if account not in _ACCOUNTS:
                problems.append(f"ledger names an unknown account {account!r}")
        balances[source] -= total
        balances[target] += total
        if Account.FROZEN in (source, target):
            campaign_frozen[campaign_id] += total if target == Account.FROZEN else -total

    # Read the columns as stored, not as the session last saw them.
    requester = (
        await session.exec(
            select(Requester).where(Requester.id == requester_id).execution_options(populate_existing=True)
        )
    ).first()
    if requester is None:
        raise LookupError(f"no requester {requester_id}")
    stored = {name: getattr(requester, name) for name in ("credited", "available", "frozen", "paid_out", "fees")}
    expected = {
        "credited": -balances[Account.EXTERNAL],
        **{account: balances[account] for account in ("available", "frozen", "paid_out", "fees")},
    }
    for name, value in stored.items():
        if value != expected[name]:
            problems.append(f"requester {name} is {value} but the ledger says {expected[name]}")
    spent = stored["available"] + stored["frozen"] + stored["paid_out"] + stored["fees"]
    if spent != stored["credited"]:
        problems.append(f"available + frozen + paid_out + fees is {spent} but credited is {stored['credited']}")
    for name in ("available", "frozen"):
        if stored[name] < 0:
            problems.append(f"requester {name} is negative: {stored[name]}")

    if campaign_frozen.get(None):
        problems.append(f"{campaign_frozen[None]} frozen without a campaign")
    campaigns = await session.exec(select(Campaign.id, Campaign.frozen).where(Campaign.owner_id == requester_id))
    owned = {campaign_id: frozen for campaign_id, frozen in campaigns if campaign_id is not None}
    ledger_campaigns: set[int] = {key for key in campaign_frozen if key is not None}
    for campaign_id in sorted(set(owned) | ledger_campaigns):
        if campaign_id not in owned:
            problems.append(f"ledger moves frozen money of campaign {campaign_id}, which the requester does not own")
            continue
        value, ledger = owned[campaign_id], campaign_frozen.get(campaign_id, 0)
        if value != ledger:
            problems.append(f"campaign {campaign_id} frozen is {value} but the ledger says {ledger}")
        if value < 0:
            problems.append(f"campaign {campaign_id} frozen is negative: {value}")
    if problems:
        raise AssertionError(f"ledger of requester {requester_id} disagrees: " + "; ".join(problems))
