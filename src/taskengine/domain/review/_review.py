"""Reviewing results (SWARMS "Result"): approve and pay, reject and release, soft-reject for a redo.

Each decision locks the result row first, so a result is decided (and paid) exactly once, whoever decides it
and however many processes try at the same moment, the scheduler's auto-approval included. Reads write
nothing: a result whose review time ran out reads Approved until the scheduler approves it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

import msgspec
from msgspec import Meta
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine.db.models import MAX_ID, Campaign, JobResult, Worker, utcnow
from taskengine.domain.authoring import aware
from taskengine.domain.campaigns import finish_if_complete, parse_date
from taskengine.domain.listing import ListQuery, Page, column_page
from taskengine.domain.review._figures import WorkerFigures, figures
from taskengine.domain.states import (
    AUTO_APPROVAL_MESSAGE,
    ResultState,
    move_result,
    result_in_state,
    result_state_at,
)
from taskengine.engine import LongText, OptionalLongText, Problem
from taskengine.errors import DomainError, ErrorCode

STATES = tuple(ResultState)


class ResultOut(msgspec.Struct, rename="camel", kw_only=True):
    """A result in the SWARMS shape."""

    id: int
    worker: int
    job: int
    assignment_id: int
    started_at: datetime
    completed_at: datetime
    submitted_at: datetime
    state: ResultState
    message: str
    reason: str
    media_checked: bool
    redo_until: datetime | None
    task_results: msgspec.Raw
    links: dict[str, Any] | msgspec.UnsetType = msgspec.field(default=msgspec.UNSET, name="_links")


class Approval(msgspec.Struct, forbid_unknown_fields=True):
    message: OptionalLongText = ""


class Rejection(msgspec.Struct, forbid_unknown_fields=True):
    reason: LongText


class SoftRejection(msgspec.Struct, forbid_unknown_fields=True):
    reason: LongText
    until: Annotated[str, Meta(max_length=40, description="when the chance to redo the job ends")]


def result_out(row: JobResult, now: datetime | None = None) -> ResultOut:
    """The wire form, in the state the result reads at `now` (what is due reads as done)."""
    assert row.id is not None
    state = result_state_at(row, now or utcnow())
    overdue = state is ResultState.APPROVED and row.state == ResultState.IN_REVIEW
    return ResultOut(
        id=row.id,
        worker=row.worker_id,
        job=row.job_id,
        assignment_id=row.assignment_id,
        started_at=aware(row.started_at),  # type: ignore[arg-type]
        completed_at=aware(row.completed_at),  # type: ignore[arg-type]
        submitted_at=aware(row.submitted_at),  # type: ignore[arg-type]
        state=state,
        message=AUTO_APPROVAL_MESSAGE if overdue else row.message,
        reason=row.reason,
        media_checked=row.media_checked,
        redo_until=aware(row.redo_until),
        task_results=msgspec.Raw(row.task_results.encode()),
    )


async def _owned_campaign(session: AsyncSession, owner_id: int, campaign_id: int) -> Campaign:
    campaign = await session.get(Campaign, campaign_id) if 0 < campaign_id <= MAX_ID else None
    if campaign is None or campaign.owner_id != owner_id:
        raise DomainError(ErrorCode.NOT_FOUND, f"no campaign with id {campaign_id}")
    return campaign


async def list_results(
    session: AsyncSession,
    owner_id: int,
    campaign_id: int,
    query: ListQuery,
    *,
    state: str | None,
    since: datetime | None,
    worker_id: int | None = None,
) -> Page:
    """A page of the campaign's results, oldest first, filtered by the state they read now."""
    await _owned_campaign(session, owner_id, campaign_id)
    statement = select(JobResult).where(JobResult.campaign_id == campaign_id)
    if worker_id is not None:
        statement = statement.where(JobResult.worker_id == worker_id)
    if state is not None:
        if state not in STATES:
            valid = ", ".join(STATES)
            raise DomainError(ErrorCode.INVALID_PARAMETER, f"state: must be one of {valid}")
        statement = statement.where(result_in_state(ResultState(state), utcnow()))
    if since is not None:
        statement = statement.where(JobResult.submitted_at > since)
    return await column_page(session, statement, JobResult.id, query)


async def get_result(session: AsyncSession, owner_id: int, result_id: int, *, for_update: bool = False) -> JobResult:
    row = (
        await session.get(JobResult, result_id, with_for_update=for_update, populate_existing=for_update)
        if 0 < result_id <= MAX_ID
        else None
    )
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"no result with id {result_id}")
    await _owned_campaign(session, owner_id, row.campaign_id)  # someone else's result is as absent as a missing one
    return row


async def known_worker(session: AsyncSession, worker_id: int) -> None:
    """404 for an id that names no worker: figures and approvals are never made up for a worker who is not there."""
    if not 0 < worker_id <= MAX_ID or await session.get(Worker, worker_id) is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"no worker with id {worker_id}")


def _expect_undecided(row: JobResult, action: str, now: datetime) -> None:
    """Refuse deciding a result whose review time ran out: it reads Approved, and the scheduler approves it."""
    if row.state == ResultState.IN_REVIEW and result_state_at(row, now) is ResultState.APPROVED:
        assert row.review_until is not None
        raise DomainError(
            ErrorCode.RESULT_DECIDED,
            f"result {row.id} is Approved (its review time ran out at {row.review_until.isoformat()}Z); "
            f"it cannot be {action}",
        )


async def approve_result(
    session: AsyncSession, row: JobResult, campaign: Campaign, message: str, now: datetime
) -> None:
    """Approve a locked result (paying the worker, once); finish the campaign if that was its last result."""
    await move_result(session, row, ResultState.APPROVED, now=now, campaign=campaign, message=message)
    approved = dict(
        (
            await session.exec(
                select(JobResult.job_id, func.count())
                .where(JobResult.campaign_id == campaign.id, JobResult.state == ResultState.APPROVED)
                .group_by(col(JobResult.job_id))
            )
        ).all()
    )
    await finish_if_complete(session, campaign, approved)


async def approve(session: AsyncSession, owner_id: int, result_id: int, approval: Approval | None) -> JobResult:
    row = await get_result(session, owner_id, result_id, for_update=True)
    approval = approval or Approval()
    # One whose review time ran out is approved here with the requester's message: the same decision, now.
    campaign = await _owned_campaign(session, owner_id, row.campaign_id)
    await approve_result(session, row, campaign, approval.message, utcnow())
    return row


async def reject(session: AsyncSession, owner_id: int, result_id: int, rejection: Rejection) -> JobResult:
    """Refuse the result: no pay, and the place reopens for another worker (its money stays frozen for them)."""
    row = await get_result(session, owner_id, result_id, for_update=True)
    now = utcnow()
    _expect_undecided(row, "rejected", now)
    await move_result(session, row, ResultState.REJECTED, now=now, reason=rejection.reason)
    return row


async def soft_reject(session: AsyncSession, owner_id: int, result_id: int, soft: SoftRejection) -> JobResult:
    """Ask the worker to redo the job until a date: their assignment reopens, money and place stay held.

    Unlike a rejection this leaves the worker's reputation alone; if no new result comes in time, the
    result expires with its assignment (domain/states: move_assignment).
    """
    row = await get_result(session, owner_id, result_id, for_update=True)
    try:
        until = parse_date(soft.until)
    except ValueError as exc:
        raise DomainError(ErrorCode.INVALID_BODY, str(exc), [Problem("until", str(exc), "date")]) from None
    now = utcnow()
    if not now < until <= now + timedelta(days=30):
        problem = Problem("until", "must lie in the future, at most 30 days ahead", "out-of-range")
        raise DomainError(ErrorCode.INVALID_BODY, "until: must lie in the future, at most 30 days ahead", [problem])
    _expect_undecided(row, "soft-rejected", now)
    await move_result(session, row, ResultState.SOFT_REJECTED, now=now, reason=soft.reason, redo_until=until)
    return row


async def due_earnings(session: AsyncSession, worker_id: int, now: datetime | None = None) -> int:
    """What the worker's results past their review time will pay once the scheduler approves them (they read
    Approved already, so the earnings shown count them)."""
    statement = (
        select(func.coalesce(func.sum(Campaign.worker_payment), 0))
        .join(JobResult, col(JobResult.campaign_id) == col(Campaign.id))
        .where(JobResult.worker_id == worker_id, result_in_state(ResultState.APPROVED, now or utcnow()))
        .where(JobResult.state == ResultState.IN_REVIEW)
    )
    return int((await session.exec(statement)).one())


async def approve_all(
    session: AsyncSession, owner_id: int, campaign_id: int, approval: Approval | None, worker_id: int | None = None
) -> list[JobResult]:
    """Approve every result in review of the campaign (or of one worker in it), each with the body's message;
    the ones approved."""
    campaign = await _owned_campaign(session, owner_id, campaign_id)  # someone else's campaign: 404 before the body
    statement = select(JobResult).where(JobResult.campaign_id == campaign_id, JobResult.state == ResultState.IN_REVIEW)
    if worker_id is not None:
        await known_worker(session, worker_id)
        statement = statement.where(JobResult.worker_id == worker_id)
    message = approval.message if approval is not None else ""
    rows = list((await session.exec(statement.order_by(JobResult.id).with_for_update())).all())  # type: ignore[arg-type]
    now = utcnow()
    for row in rows:
        await approve_result(session, row, campaign, message, now)
    return rows


async def campaign_workers(
    session: AsyncSession, owner_id: int, campaign_id: int, query: ListQuery, *, in_review: bool
) -> Page:
    """A page of the workers with results in the campaign (only those with some in review, if asked), by id,
    with their figures."""
    await _owned_campaign(session, owner_id, campaign_id)
    statement = select(JobResult.worker_id).where(JobResult.campaign_id == campaign_id)
    if in_review:
        statement = statement.where(result_in_state(ResultState.IN_REVIEW, utcnow()))
    page = await column_page(session, statement.distinct(), JobResult.worker_id, query, key=int)
    found = await figures(session, page.rows, owner_id, campaign_id)
    return Page([found[worker_id] for worker_id in page.rows], page.next, page.previous)


async def worker_results(
    session: AsyncSession,
    owner_id: int,
    campaign_id: int,
    worker_id: int,
    query: ListQuery,
    *,
    state: str | None,
    since: datetime | None,
) -> tuple[WorkerFigures, Page]:
    """A page of one worker's results in the campaign, and the worker's figures."""
    await _owned_campaign(session, owner_id, campaign_id)  # someone else's campaign answers 404 before the worker
    await known_worker(session, worker_id)
    page = await list_results(session, owner_id, campaign_id, query, state=state, since=since, worker_id=worker_id)
    return (await figures(session, [worker_id], owner_id, campaign_id))[worker_id], page
