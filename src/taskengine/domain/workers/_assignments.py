"""The job market and assignments: which jobs a worker may start, and claiming one without ever over-assigning.

A claim is two conditional writes in one transaction: the worker's count for the job (an upsert that only
increments below maxResultsPerWorker) and the job's live count (an UPDATE that only increments below
`results`). Whichever write finds its limit reached changes nothing, and the transaction is rolled back; on
PostgreSQL a second writer waits for the first and re-checks the condition on the committed row, on SQLite
writers take turns (BEGIN IMMEDIATE). So limits hold however many requests come from however many processes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy import and_, bindparam, exists, func, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine.db import Database
from taskengine.db.models import (
    MAX_ID,
    Assignment,
    AuthToken,
    Campaign,
    CampaignJob,
    Job,
    JobResult,
    JobSlots,
    WorkerGroupMember,
    WorkerJobCount,
    utcnow,
)
from taskengine.domain.accounts import digest, token_live
from taskengine.domain.authoring import aware
from taskengine.domain.campaigns import reopen_place
from taskengine.errors import DomainError, ErrorCode

LIVE_STATES = ("working", "submitted")


class AssignmentOut(msgspec.Struct, rename="camel", kw_only=True):
    id: int
    campaign_id: int
    job_id: int
    state: str
    started_at: datetime
    deadline: datetime


def assignment_out(row: Assignment) -> AssignmentOut:
    assert row.id is not None
    return _out(row.id, row.campaign_id, row.job_id, row.state, row.started_at, row.deadline)


def _out(id: int, campaign_id: int, job_id: int, state: str, started_at: datetime, deadline: datetime) -> AssignmentOut:
    # A working assignment past its deadline reads as expired whether or not a sweep has ended it yet.
    return AssignmentOut(
        id=id,
        campaign_id=campaign_id,
        job_id=job_id,
        state="expired" if state == "working" and deadline <= utcnow() else state,
        started_at=aware(started_at),  # type: ignore[arg-type]
        deadline=aware(deadline),  # type: ignore[arg-type]
    )


def _open_now(now: datetime) -> Any:
    """Campaigns whose jobs are on the market at `now`: active and inside their dates."""
    return and_(
        Campaign.state == "active",
        or_(Campaign.start_date.is_(None), Campaign.start_date <= now),  # type: ignore[union-attr]
        or_(Campaign.end_date.is_(None), Campaign.end_date > now),  # type: ignore[union-attr]
    )


def _may_see(worker_id: int) -> Any:
    """Campaigns without a worker group, or whose group has this worker."""
    member = exists().where(
        WorkerGroupMember.group_id == Campaign.worker_group, WorkerGroupMember.worker_id == worker_id
    )
    return or_(Campaign.worker_group.is_(None), member)  # type: ignore[union-attr]


async def expire_assignments(session: AsyncSession, now: datetime | None = None) -> int:
    """End working assignments past their deadline and free their places; how many ended."""
    now = now or utcnow()
    due = select(Assignment).where(Assignment.state == "working", Assignment.deadline <= now)
    rows = list((await session.exec(due.with_for_update(skip_locked=True))).all())
    for row in rows:
        await _release(session, row, "expired", now)
        await _expire_redo(session, row, now)
    return len(rows)


async def _expire_redo(session: AsyncSession, assignment: Assignment, now: datetime) -> None:
    """A soft-rejected result not redone in time expires; reputation is not touched.

    Its place was reopened with the assignment (`_release`), which is what decides about its money."""
    statement = select(JobResult).where(JobResult.assignment_id == assignment.id, JobResult.state == "SoftRejected")
    result = (await session.exec(statement)).first()
    if result is None:
        return
    result.state, result.reviewed_at = "Expired", now
    session.add(result)
    await session.flush()


async def _release(session: AsyncSession, row: Assignment, state: str, now: datetime) -> None:
    row.state = state
    row.ended_at = now
    session.add(row)
    await reopen_place(session, row.campaign_id, row.job_id, state)
    await session.exec(  # type: ignore[call-overload]
        update(WorkerJobCount)
        .where(
            WorkerJobCount.campaign_id == row.campaign_id,
            WorkerJobCount.job_id == row.job_id,
            WorkerJobCount.worker_id == row.worker_id,
        )
        .values(count=WorkerJobCount.count - 1)
    )
    await session.flush()


async def market(session: AsyncSession, worker_id: int, limit: int, after: tuple[int, int] | None) -> list[Any]:
    """(campaign, job, live, position) rows this worker may start now, in campaign and job order.

    Paged by keyset: `after` is the (campaign id, position) of the last row of the previous page.
    """
    now = utcnow()
    held = (
        select(WorkerJobCount.count)
        .where(
            WorkerJobCount.campaign_id == Campaign.id,
            WorkerJobCount.job_id == CampaignJob.job_id,
            WorkerJobCount.worker_id == worker_id,
        )
        .scalar_subquery()
    )
    statement = (
        select(Campaign, Job, JobSlots.live, CampaignJob.position)
        .join(CampaignJob, CampaignJob.campaign_id == Campaign.id)
        .join(Job, Job.id == CampaignJob.job_id)
        .join(JobSlots, and_(JobSlots.campaign_id == Campaign.id, JobSlots.job_id == CampaignJob.job_id))
        .where(_open_now(now), _may_see(worker_id), JobSlots.live < Campaign.results)
        .where(func.coalesce(held, 0) < Campaign.max_results_per_worker)
    )
    if after is not None:
        campaign_id, position = after
        statement = statement.where(
            or_(Campaign.id > campaign_id, and_(Campaign.id == campaign_id, CampaignJob.position > position))  # type: ignore[operator]
        )
    statement = statement.order_by(Campaign.id, CampaignJob.position).limit(limit)  # type: ignore[arg-type]
    return list((await session.exec(statement)).all())


async def _count_up(session: AsyncSession, campaign: Campaign, job_id: int, worker_id: int) -> bool:
    """Raise the worker's count for the job if still below maxResultsPerWorker; whether it did."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(WorkerJobCount).values(campaign_id=campaign.id, job_id=job_id, worker_id=worker_id, count=1)
    statement = statement.on_conflict_do_update(
        index_elements=["campaign_id", "job_id", "worker_id"],
        set_={"count": WorkerJobCount.count + 1},
        where=WorkerJobCount.count < campaign.max_results_per_worker,
    ).returning(WorkerJobCount.count)
    return (await session.exec(statement)).first() is not None  # type: ignore[call-overload]


async def _claim_slot(session: AsyncSession, campaign: Campaign, job_id: int) -> bool:
    """Take one of the job's places if fewer than `results` are live; whether it did."""
    statement = (
        update(JobSlots)
        .where(JobSlots.campaign_id == campaign.id, JobSlots.job_id == job_id, JobSlots.live < campaign.results)
        .values(live=JobSlots.live + 1)
        .returning(JobSlots.live)
    )
    return (await session.exec(statement)).first() is not None  # type: ignore[call-overload]


async def start(session: AsyncSession, worker_id: int, campaign_id: int, job_id: int) -> Assignment:
    """A new assignment of the job to the worker, or 404 / 409 saying why not. The caller must roll back on error."""
    now = utcnow()
    await expire_assignments(session, now)
    campaign = await session.get(Campaign, campaign_id) if 0 < campaign_id <= MAX_ID else None
    visible = campaign is not None and (
        campaign.worker_group is None
        or (
            await session.exec(
                select(WorkerGroupMember.worker_id).where(
                    WorkerGroupMember.group_id == campaign.worker_group, WorkerGroupMember.worker_id == worker_id
                )
            )
        ).first()
        is not None
    )
    in_campaign = (
        visible
        and 0 < job_id <= MAX_ID
        and (
            await session.exec(
                select(CampaignJob.job_id).where(CampaignJob.campaign_id == campaign_id, CampaignJob.job_id == job_id)
            )
        ).first()
        is not None
    )
    if campaign is None or not in_campaign:
        raise DomainError(ErrorCode.NOT_FOUND, f"no job {job_id} in a campaign {campaign_id} open to you")
    if campaign.state != "active":
        raise DomainError(ErrorCode.WRONG_STATE, f"campaign {campaign_id} is {campaign.state}; its jobs cannot start")
    if campaign.start_date is not None and campaign.start_date > now:
        raise DomainError(ErrorCode.WRONG_STATE, f"campaign {campaign_id} opens at {campaign.start_date.isoformat()}Z")
    if campaign.end_date is not None and campaign.end_date <= now:
        raise DomainError(ErrorCode.WRONG_STATE, f"campaign {campaign_id} ended at {campaign.end_date.isoformat()}Z")
    working = (
        await session.exec(
            select(Assignment.id).where(
                Assignment.worker_id == worker_id,
                Assignment.campaign_id == campaign_id,
                Assignment.job_id == job_id,
                Assignment.state == "working",
            )
        )
    ).first()
    if working is not None:
        raise DomainError(ErrorCode.ALREADY_STARTED, f"you are working on this job already (assignment {working})")
    if not await _count_up(session, campaign, job_id, worker_id):
        raise DomainError(
            ErrorCode.LIMIT_REACHED,
            f"you have worked on this job {campaign.max_results_per_worker} time(s), "
            "the campaign's maxResultsPerWorker",
        )
    if not await _claim_slot(session, campaign, job_id):
        raise DomainError(ErrorCode.NO_PLACES_LEFT, f"job {job_id} has all the {campaign.results} results it needs")
    row = Assignment(
        worker_id=worker_id,
        campaign_id=campaign_id,
        job_id=job_id,
        started_at=now,
        deadline=now + timedelta(seconds=campaign.max_work_time_s),
    )
    session.add(row)
    await session.flush()
    return row


async def get_assignment(
    session: AsyncSession, worker_id: int, assignment_id: int, *, for_update: bool = False
) -> Assignment:
    """The worker's own assignment (404 for anyone else's, as for one that does not exist)."""
    row = (
        await session.get(Assignment, assignment_id, with_for_update=for_update, populate_existing=for_update)
        if 0 < assignment_id <= MAX_ID
        else None
    )
    if row is None or row.worker_id != worker_id:
        raise DomainError(ErrorCode.NOT_FOUND, f"no assignment with id {assignment_id}")
    return row


# The assignment with the id, joined to the worker token with the digest: one indexed read answers both.
_BY_TOKEN = (
    sa_select(
        Assignment.id,
        Assignment.campaign_id,
        Assignment.job_id,
        Assignment.state,
        Assignment.started_at,
        Assignment.deadline,
        AuthToken.expires_at,
        AuthToken.discarded_at,
    )
    .select_from(Assignment)
    .join(
        AuthToken.__table__,  # type: ignore[attr-defined]
        and_(AuthToken.principal_id == Assignment.worker_id, AuthToken.principal == "worker"),
    )
    .where(AuthToken.token_hash == bindparam("token_hash"), Assignment.id == bindparam("assignment_id"))
)


async def quick_assignment(db: Database, token: str, assignment_id: int) -> AssignmentOut | None:
    """The assignment if this live worker token's holder owns it, in one quick read; otherwise None.

    None only says the quick path cannot serve it: `get_assignment` after the full token check says why.
    """
    if not 0 < assignment_id <= MAX_ID:
        return None
    row = await db.quick.first(_BY_TOKEN, token_hash=digest(token), assignment_id=assignment_id)
    if row is None:
        return None
    *assignment, expires_at, discarded_at = row
    return _out(*assignment) if token_live(expires_at, discarded_at, utcnow()) else None


async def give_back(session: AsyncSession, worker_id: int, assignment_id: int) -> Assignment:
    """The worker returns a working assignment; its place goes back on the market."""
    row = await get_assignment(session, worker_id, assignment_id, for_update=True)
    now = utcnow()
    if row.state == "working" and row.deadline <= now:
        await _release(session, row, "expired", now)
    if row.state != "working":
        raise DomainError(
            ErrorCode.WRONG_STATE, f"assignment {assignment_id} is {row.state}; only a working one can be returned"
        )
    await _release(session, row, "returned", now)
    return row
