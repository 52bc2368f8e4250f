"""The job market and assignments: which jobs a worker may start, and claiming one without ever over-assigning.

A claim is two conditional writes in one transaction: the worker's count for the job (an upsert that only
increments below maxResultsPerWorker) and the job's live count (an UPDATE that only increments below
`results`). Whichever write finds its limit reached changes nothing, and the transaction is rolled back; on
PostgreSQL a second writer waits for the first and re-checks the condition on the committed row, on SQLite
writers take turns (BEGIN IMMEDIATE). So limits hold however many requests come from however many processes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

import msgspec
from sqlalchemy import Select, and_, bindparam, exists, func, or_
from sqlalchemy import select as sa_select
from sqlalchemy import update as sa_update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine.db import Database
from taskengine.db.models import (
    MAX_ID,
    Assignment,
    AuthToken,
    Campaign,
    CampaignJob,
    Job,
    JobSlots,
    WorkerGroupMember,
    WorkerJobCount,
    utcnow,
)
from taskengine.domain.accounts import digest, token_live
from taskengine.domain.authoring import aware
from taskengine.domain.scheduler import expire_assignments
from taskengine.domain.states import (
    AssignmentState,
    CampaignState,
    assignment_state_at,
    move_assignment,
    overdue_assignment,
    start_assignment,
)
from taskengine.errors import DomainError, ErrorCode


class AssignmentOut(msgspec.Struct, rename="camel", kw_only=True):
    id: int
    campaign_id: int
    job_id: int
    state: AssignmentState
    started_at: datetime
    deadline: datetime


def assignment_out(row: Assignment) -> AssignmentOut:
    assert row.id is not None
    return _out(row.id, row.campaign_id, row.job_id, row.state, row.started_at, row.deadline)


def _out(id: int, campaign_id: int, job_id: int, state: str, started_at: datetime, deadline: datetime) -> AssignmentOut:
    # A working assignment past its deadline reads as expired whether or not the scheduler has ended it yet.
    return AssignmentOut(
        id=id,
        campaign_id=campaign_id,
        job_id=job_id,
        state=assignment_state_at(state, deadline, utcnow()),
        started_at=_aware(started_at),
        deadline=_aware(deadline),
    )


def _aware(moment: datetime) -> datetime:
    shown = aware(moment)
    assert shown is not None
    return shown


def _open_now(now: datetime) -> Any:
    """Campaigns whose jobs are on the market at `now`: active and inside their dates."""
    return and_(
        col(Campaign.state) == CampaignState.ACTIVE,
        or_(col(Campaign.start_date).is_(None), col(Campaign.start_date) <= now),
        or_(col(Campaign.end_date).is_(None), col(Campaign.end_date) > now),
    )


def _may_see(worker_id: int) -> Any:
    """Campaigns without a worker group, or whose group has this worker."""
    member = exists().where(
        col(WorkerGroupMember.group_id) == col(Campaign.worker_group), col(WorkerGroupMember.worker_id) == worker_id
    )
    return or_(col(Campaign.worker_group).is_(None), member)


async def market(session: AsyncSession, worker_id: int, limit: int, after: tuple[int, int] | None) -> list[Any]:
    """(campaign, job, live, position) rows this worker may start now, in campaign and job order.

    Paged by keyset: `after` is the (campaign id, position) of the last row of the previous page. Places
    held by assignments past their deadline count as free (and the worker's own as not held), as they will
    be once the scheduler has expired them: reading writes nothing.
    """
    now = utcnow()

    def overdue(*mine: Any) -> Any:
        return (
            sa_select(func.count())
            .where(
                col(Assignment.campaign_id) == col(Campaign.id),
                col(Assignment.job_id) == col(CampaignJob.job_id),
                overdue_assignment(now),
                *mine,
            )
            .scalar_subquery()
        )

    held = (
        sa_select(col(WorkerJobCount.count))
        .where(
            col(WorkerJobCount.campaign_id) == col(Campaign.id),
            col(WorkerJobCount.job_id) == col(CampaignJob.job_id),
            col(WorkerJobCount.worker_id) == worker_id,
        )
        .scalar_subquery()
    )
    live = (col(JobSlots.live) - overdue()).label("live")
    mine_held = func.coalesce(held, 0) - overdue(col(Assignment.worker_id) == worker_id)
    statement = (
        select(Campaign, Job, live, col(CampaignJob.position))
        .join(CampaignJob, col(CampaignJob.campaign_id) == col(Campaign.id))
        .join(Job, col(Job.id) == col(CampaignJob.job_id))
        .join(
            JobSlots,
            and_(col(JobSlots.campaign_id) == col(Campaign.id), col(JobSlots.job_id) == col(CampaignJob.job_id)),
        )
        .where(_open_now(now), _may_see(worker_id), live < col(Campaign.results))
        .where(mine_held < col(Campaign.max_results_per_worker))
    )
    if after is not None:
        campaign_id, position = after
        statement = statement.where(
            or_(
                col(Campaign.id) > campaign_id,
                and_(col(Campaign.id) == campaign_id, col(CampaignJob.position) > position),
            )
        )
    statement = statement.order_by(col(Campaign.id), col(CampaignJob.position)).limit(limit)
    return list((await session.exec(statement)).all())


async def _count_up(session: AsyncSession, campaign: Campaign, job_id: int, worker_id: int) -> bool:
    """Raise the worker's count for the job if still below maxResultsPerWorker; whether it did."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(WorkerJobCount).values(campaign_id=campaign.id, job_id=job_id, worker_id=worker_id, count=1)
    upsert = statement.on_conflict_do_update(
        index_elements=["campaign_id", "job_id", "worker_id"],
        set_={"count": col(WorkerJobCount.count) + 1},
        where=col(WorkerJobCount.count) < campaign.max_results_per_worker,
    ).returning(col(WorkerJobCount.count))
    return (await session.exec(upsert)).first() is not None


async def _claim_slot(session: AsyncSession, campaign: Campaign, job_id: int) -> bool:
    """Take one of the job's places if fewer than `results` are live; whether it did."""
    statement = (
        sa_update(JobSlots)
        .where(
            col(JobSlots.campaign_id) == campaign.id,
            col(JobSlots.job_id) == job_id,
            col(JobSlots.live) < campaign.results,
        )
        .values(live=col(JobSlots.live) + 1)
        .returning(col(JobSlots.live))
    )
    return (await session.exec(statement)).first() is not None


async def start(session: AsyncSession, worker_id: int, campaign_id: int, job_id: int) -> Assignment:
    """A new assignment of the job to the worker, or 404 / 409 saying why not. The caller must roll back on error."""
    now = utcnow()
    # Overdue assignments of this job may hold the places (or be the worker's own): they end first, here.
    await expire_assignments(session, now, campaign_id=campaign_id, job_id=job_id)
    campaign = await session.get(Campaign, campaign_id) if 0 < campaign_id <= MAX_ID else None
    visible = campaign is not None and (
        campaign.worker_group is None
        or (
            await session.exec(
                select(WorkerGroupMember.worker_id).where(
                    col(WorkerGroupMember.group_id) == campaign.worker_group,
                    col(WorkerGroupMember.worker_id) == worker_id,
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
                select(CampaignJob.job_id).where(
                    col(CampaignJob.campaign_id) == campaign_id, col(CampaignJob.job_id) == job_id
                )
            )
        ).first()
        is not None
    )
    if campaign is None or not in_campaign:
        raise DomainError(ErrorCode.NOT_FOUND, f"no job {job_id} in a campaign {campaign_id} open to you")
    if campaign.state != CampaignState.ACTIVE:
        raise DomainError(ErrorCode.WRONG_STATE, f"campaign {campaign_id} is {campaign.state}; its jobs cannot start")
    if campaign.start_date is not None and campaign.start_date > now:
        raise DomainError(ErrorCode.WRONG_STATE, f"campaign {campaign_id} opens at {campaign.start_date.isoformat()}Z")
    if campaign.end_date is not None and campaign.end_date <= now:
        raise DomainError(ErrorCode.WRONG_STATE, f"campaign {campaign_id} ended at {campaign.end_date.isoformat()}Z")
    working = (
        await session.exec(
            select(Assignment.id).where(
                col(Assignment.worker_id) == worker_id,
                col(Assignment.campaign_id) == campaign_id,
                col(Assignment.job_id) == job_id,
                col(Assignment.state) == AssignmentState.WORKING,
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
    await start_assignment(session, row, now=now)
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
_BY_TOKEN = cast(
    "Select[Any]",
    (
        sa_select(
            col(Assignment.id),
            col(Assignment.campaign_id),
            col(Assignment.job_id),
            col(Assignment.state),
            col(Assignment.started_at),
            col(Assignment.deadline),
            col(AuthToken.expires_at),
            col(AuthToken.discarded_at),
        )
        .select_from(Assignment)
        .join(
            AuthToken,
            and_(col(AuthToken.principal_id) == col(Assignment.worker_id), col(AuthToken.principal) == "worker"),
        )
        .where(col(AuthToken.token_hash) == bindparam("token_hash"), col(Assignment.id) == bindparam("assignment_id"))
    ),
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
    """The worker returns a working assignment (a soft-rejected one's result expires); its place goes back on
    the market. One past its deadline is expired already, and refused as such."""
    row = await get_assignment(session, worker_id, assignment_id, for_update=True)
    now = utcnow()
    if assignment_state_at(row.state, row.deadline, now) is AssignmentState.EXPIRED:
        raise DomainError(
            ErrorCode.ASSIGNMENT_NOT_WORKING,
            f"assignment {assignment_id} is expired (its deadline passed at {row.deadline.isoformat()}Z); "
            "it cannot be returned (from expired to returned)",
        )
    await move_assignment(session, row, AssignmentState.RETURNED, now=now)
    return row
