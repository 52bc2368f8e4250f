"""All due work: campaign start and end dates, assignment (and soft-reject redo) expiry, auto-approval.

Each kind runs in batches, each batch its own short write transaction (`run_due`), so no request waits long
behind it. Any number of processes may run it at once: PostgreSQL rows are claimed with FOR UPDATE SKIP
LOCKED (a row another scheduler holds is left to it, one it has moved no longer matches), SQLite has one
writer at a time. Every move goes through its entity's transition function, so each is paid and recorded
exactly once. No read runs it inside its own unit of work: most compute what is due instead
(domain/states/_reading.py); a requester's reads of campaigns and balances, which cannot (publishing at a
start date freezes money and may fail), first run that requester's due work in transactions of its own
(`owner_work_due`, `settle_owner`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine.db import Database
from taskengine.db.models import Assignment, Campaign, JobResult, utcnow
from taskengine.domain.campaigns import finish, publish
from taskengine.domain.review import approve_result
from taskengine.domain.states import (
    AUTO_APPROVAL_MESSAGE,
    AssignmentState,
    CampaignState,
    move_assignment,
    overdue_assignment,
    review_over,
)
from taskengine.errors import DomainError

log = logging.getLogger("taskengine.scheduler")

BATCH = 100
"""Rows moved per transaction: short enough that requests waiting for the same rows barely notice."""

_RUNNING = (CampaignState.ACTIVE, CampaignState.PAUSED)

Step = Callable[[AsyncSession, datetime], Awaitable[int]]
"""One kind of due work over a batch in the given transaction; how many rows it moved."""


def _starting(now: datetime) -> ColumnElement[bool]:
    return (col(Campaign.state) == CampaignState.UNPUBLISHED) & (col(Campaign.start_date) <= now)


def _ending(now: datetime) -> ColumnElement[bool]:
    return col(Campaign.state).in_(_RUNNING) & (col(Campaign.end_date) <= now)


async def apply_due(
    session: AsyncSession, now: datetime | None = None, owner_id: int | None = None, limit: int | None = None
) -> int:
    """Publish campaigns whose startDate has come and finish those whose endDate has passed; how many changed."""
    now = now or utcnow()
    changed = 0
    starting = select(Campaign).where(_starting(now))
    ending = select(Campaign).where(_ending(now))
    if owner_id is not None:
        starting, ending = starting.where(Campaign.owner_id == owner_id), ending.where(Campaign.owner_id == owner_id)
    # Not limited: one that cannot publish stays due, and a batch of those must not hide the ones after it.
    for row in (await session.exec(starting.order_by(col(Campaign.id)).with_for_update(skip_locked=True))).all():
        try:
            async with session.begin_nested():
                await publish(session, row, now)
            changed += 1
        except DomainError as exc:
            # It stays unpublished, and is tried again next time; the requester sees why on publish.
            log.warning("campaign %s could not publish at its start date: %s", row.id, exc.description)
    ending = ending.order_by(col(Campaign.id)).limit(limit or BATCH).with_for_update(skip_locked=True)
    for row in (await session.exec(ending)).all():
        await finish(session, row)
        changed += 1
    return changed


async def expire_assignments(
    session: AsyncSession,
    now: datetime | None = None,
    *,
    campaign_id: int | None = None,
    job_id: int | None = None,
    owner_id: int | None = None,
    limit: int | None = None,
) -> int:
    """End working assignments past their deadline (a redo's date included: its soft-rejected result expires
    with it); their places reopen. How many ended."""
    now = now or utcnow()
    due = select(Assignment).where(overdue_assignment(now))
    if campaign_id is not None:
        due = due.where(Assignment.campaign_id == campaign_id)
    if job_id is not None:
        due = due.where(Assignment.job_id == job_id)
    if owner_id is not None:
        owned = select(Campaign.id).where(Campaign.owner_id == owner_id)
        due = due.where(col(Assignment.campaign_id).in_(owned))
    due = due.order_by(col(Assignment.id)).limit(limit or BATCH).with_for_update(skip_locked=True)
    rows = list((await session.exec(due)).all())
    for row in rows:
        await move_assignment(session, row, AssignmentState.EXPIRED, now=now)
    return len(rows)


async def approve_due(
    session: AsyncSession,
    now: datetime | None = None,
    campaign_id: int | None = None,
    *,
    owner_id: int | None = None,
    limit: int | None = None,
) -> int:
    """Approve results whose review time has run out; how many. Rows others hold are skipped, not waited for."""
    now = now or utcnow()
    statement = (
        select(JobResult, Campaign)
        .join(Campaign, col(Campaign.id) == col(JobResult.campaign_id))
        .where(review_over(now))
    )
    if campaign_id is not None:
        statement = statement.where(JobResult.campaign_id == campaign_id)
    if owner_id is not None:
        statement = statement.where(Campaign.owner_id == owner_id)
    statement = (
        statement.order_by(col(JobResult.id)).limit(limit or BATCH).with_for_update(of=JobResult, skip_locked=True)
    )
    rows = (await session.exec(statement)).all()
    for row, campaign in rows:
        await approve_result(session, row, campaign, AUTO_APPROVAL_MESSAGE, now)
    return len(rows)


async def owner_work_due(session: AsyncSession, owner_id: int, now: datetime | None = None) -> bool:
    """Whether any due work touches the owner's campaigns or money: three indexed reads, no writes."""
    now = now or utcnow()
    owned = select(Campaign.id).where(Campaign.owner_id == owner_id)
    probes = (
        select(Campaign.id).where(Campaign.owner_id == owner_id, _starting(now) | _ending(now)),
        select(Assignment.id).where(col(Assignment.campaign_id).in_(owned), overdue_assignment(now)),
        select(JobResult.id).where(col(JobResult.campaign_id).in_(owned), review_over(now)),
    )
    for probe in probes:
        if (await session.exec(probe.limit(1))).first() is not None:
            return True
    return False


async def settle_owner(db: Database, owner_id: int) -> int:
    """Run the owner's due work, each kind in transactions of its own; how many rows moved.

    Before a requester reads campaigns or balances: publishing at a start date freezes money and may fail,
    and expiry and approval move money, so those reads cannot compute what is due; this does it first.
    """
    steps: list[Step] = [
        lambda session, now: apply_due(session, now, owner_id),
        lambda session, now: expire_assignments(session, now, owner_id=owner_id),
        lambda session, now: approve_due(session, now, owner_id=owner_id),
    ]
    done = 0
    for step in steps:
        try:
            # A few batches: a read waits for little, and whatever is left the scheduler's next pass moves.
            done += await _drain(db, step, batches=SETTLE_BATCHES)
        except Exception:  # the read goes on with what is stored; the scheduler retries
            log.exception("due work before a read failed for requester %s", owner_id)
    return done


SETTLE_BATCHES = 3
"""Batches of each kind a requester's read settles first (at most 3 * BATCH rows each)."""

STEPS: dict[str, Step] = {
    "campaign dates": lambda session, now: apply_due(session, now),
    "assignment expiry": lambda session, now: expire_assignments(session, now),
    "auto-approval": lambda session, now: approve_due(session, now),
}


async def _drain(db: Database, step: Step, now: datetime | None = None, batches: int = 100) -> int:
    """Run `step` batch after batch, each in its own transaction, until a batch comes back short."""
    done = 0
    for _ in range(batches):
        async with db.transaction() as session:
            moved = await step(session, now or utcnow())
        done += moved
        if moved < BATCH:
            break
    return done


async def run_due(db: Database, now: datetime | None = None) -> dict[str, int]:
    """One pass over every kind of due work; how many rows each moved. A failing kind does not stop the others."""
    done: dict[str, int] = {}
    for name, step in STEPS.items():
        try:
            done[name] = await _drain(db, step, now)
        except Exception:  # the next pass retries; the other kinds still run
            log.exception("due work failed: %s", name)
            done[name] = 0
    return done
