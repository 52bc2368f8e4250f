"""Reviewing results (SWARMS "Result"): approve and pay, reject and release, and approval when review time runs out.

Each decision locks the result row first, so a result is decided (and paid) exactly once, whoever decides it
and however many processes try at the same moment, the sweep included.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

import msgspec
from msgspec import Meta
from sqlalchemy import func, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine.db.models import MAX_ID, Assignment, Campaign, JobResult, Worker, utcnow
from taskengine.domain.authoring import aware
from taskengine.domain.campaigns import finish_if_complete, parse_date, reopen_place
from taskengine.domain.money import commission, pay
from taskengine.domain.review._figures import WorkerFigures, figures
from taskengine.engine import NOT_BLANK, Problem
from taskengine.errors import DomainError, ErrorCode

STATES = ("InReview", "Approved", "Rejected")
MIN_REVIEW_SECONDS = 3600
"""The smallest maxReviewTime a campaign may have (domain/campaigns/_campaigns.py)."""


class ResultOut(msgspec.Struct, rename="camel", kw_only=True):
    """A result in the SWARMS shape."""

    id: int
    worker: int
    job: int
    assignment_id: int
    started_at: datetime
    completed_at: datetime
    submitted_at: datetime
    state: str
    message: str
    reason: str
    media_checked: bool
    redo_until: datetime | None
    task_results: msgspec.Raw


class Approval(msgspec.Struct, forbid_unknown_fields=True):
    message: Annotated[str, Meta(max_length=10_000)] = ""


class Rejection(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, Meta(min_length=1, max_length=10_000, pattern=NOT_BLANK)]


class SoftRejection(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, Meta(min_length=1, max_length=10_000, pattern=NOT_BLANK)]
    until: Annotated[str, Meta(max_length=40, description="when the chance to redo the job ends")]


def result_out(row: JobResult) -> ResultOut:
    assert row.id is not None
    return ResultOut(
        id=row.id,
        worker=row.worker_id,
        job=row.job_id,
        assignment_id=row.assignment_id,
        started_at=aware(row.started_at),  # type: ignore[arg-type]
        completed_at=aware(row.completed_at),  # type: ignore[arg-type]
        submitted_at=aware(row.submitted_at),  # type: ignore[arg-type]
        state=row.state,
        message=row.message,
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
    *,
    state: str | None,
    since: datetime | None,
    limit: int,
    worker_id: int | None = None,
) -> list[JobResult]:
    """The campaign's results, oldest first (approving the overdue ones first, so what is read is current)."""
    await _owned_campaign(session, owner_id, campaign_id)
    await approve_due(session, campaign_id=campaign_id)
    statement = select(JobResult).where(JobResult.campaign_id == campaign_id)
    if worker_id is not None:
        statement = statement.where(JobResult.worker_id == worker_id)
    if state is not None:
        statement = statement.where(JobResult.state == state)
    if since is not None:
        statement = statement.where(JobResult.submitted_at > since)
    return list((await session.exec(statement.order_by(JobResult.id).limit(limit))).all())  # type: ignore[arg-type]


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


async def _known_worker(session: AsyncSession, worker_id: int) -> None:
    """404 for an id that names no worker: figures and approvals are never made up for a worker who is not there."""
    if not 0 < worker_id <= MAX_ID or await session.get(Worker, worker_id) is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"no worker with id {worker_id}")


def _expect_in_review(row: JobResult) -> None:
    if row.state != "InReview":
        raise DomainError(
            ErrorCode.WRONG_STATE, f"result {row.id} is {row.state}; only a result in review can be decided"
        )


async def _approve(session: AsyncSession, row: JobResult, campaign: Campaign, message: str) -> None:
    """Pay the worker from the campaign's frozen money, once; finish the campaign if that was its last result."""
    payment = campaign.worker_payment
    fee = commission(payment, campaign.commission_rate_ppm)
    await pay(session, campaign.owner_id, campaign.id, payment, fee)  # type: ignore[arg-type]
    await session.exec(update(Worker).where(Worker.id == row.worker_id).values(earned=Worker.earned + payment))  # type: ignore[call-overload]
    row.state, row.message, row.reviewed_at = "Approved", message, utcnow()
    session.add(row)
    await session.flush()
    approved = dict(
        (
            await session.exec(
                select(JobResult.job_id, func.count())
                .where(JobResult.campaign_id == campaign.id, JobResult.state == "Approved")
                .group_by(JobResult.job_id)
            )
        ).all()
    )
    await finish_if_complete(session, campaign, approved)


async def approve(session: AsyncSession, owner_id: int, result_id: int, approval: Approval | None) -> JobResult:
    row = await get_result(session, owner_id, result_id, for_update=True)
    approval = approval or Approval()
    _expect_in_review(row)
    campaign = await _owned_campaign(session, owner_id, row.campaign_id)
    await _approve(session, row, campaign, approval.message)
    return row


async def reject(session: AsyncSession, owner_id: int, result_id: int, rejection: Rejection) -> JobResult:
    """Refuse the result: no pay, and the place reopens for another worker (its money stays frozen for them)."""
    row = await get_result(session, owner_id, result_id, for_update=True)
    _expect_in_review(row)
    await reopen_place(session, row.campaign_id, row.job_id, "reject")
    row.state, row.reason, row.reviewed_at = "Rejected", rejection.reason, utcnow()
    session.add(row)
    await session.flush()
    return row


async def soft_reject(session: AsyncSession, owner_id: int, result_id: int, soft: SoftRejection) -> JobResult:
    """Ask the worker to redo the job until a date: their assignment reopens, money and place stay held.

    Unlike a rejection this leaves the worker's reputation alone; if no new result comes in time, the
    result expires and its money returns (see expire_assignments).
    """
    row = await get_result(session, owner_id, result_id, for_update=True)
    try:
        until = parse_date(soft.until)
    except ValueError as exc:
        raise DomainError(ErrorCode.INVALID_BODY, str(exc), [Problem("until", str(exc))]) from None
    now = utcnow()
    if not now < until <= now + timedelta(days=30):
        problem = Problem("until", "must lie in the future, at most 30 days ahead")
        raise DomainError(ErrorCode.INVALID_BODY, "until: must lie in the future, at most 30 days ahead", [problem])
    _expect_in_review(row)
    assignment = await session.get(Assignment, row.assignment_id, with_for_update=True)
    assert assignment is not None
    assignment.state, assignment.deadline, assignment.ended_at = "working", until, None
    session.add(assignment)
    row.state, row.reason, row.redo_until, row.reviewed_at = "SoftRejected", soft.reason, until, now
    session.add(row)
    await session.flush()
    return row


async def approve_all(
    session: AsyncSession, owner_id: int, campaign_id: int, worker_id: int | None = None
) -> list[JobResult]:
    """Approve every result in review of the campaign (or of one worker in it); the ones approved."""
    campaign = await _owned_campaign(session, owner_id, campaign_id)
    statement = select(JobResult).where(JobResult.campaign_id == campaign_id, JobResult.state == "InReview")
    if worker_id is not None:
        await _known_worker(session, worker_id)
        statement = statement.where(JobResult.worker_id == worker_id)
    rows = list((await session.exec(statement.order_by(JobResult.id).with_for_update())).all())  # type: ignore[arg-type]
    for row in rows:
        await _approve(session, row, campaign, "")
    return rows


async def campaign_workers(
    session: AsyncSession, owner_id: int, campaign_id: int, *, in_review: bool, limit: int
) -> list[WorkerFigures]:
    """The workers with results in the campaign (only those with some in review, if asked), with their figures."""
    await _owned_campaign(session, owner_id, campaign_id)
    await approve_due(session, campaign_id=campaign_id)
    statement = select(JobResult.worker_id).where(JobResult.campaign_id == campaign_id)
    if in_review:
        statement = statement.where(JobResult.state == "InReview")
    ids = list((await session.exec(statement.distinct().order_by(JobResult.worker_id).limit(limit))).all())  # type: ignore[arg-type]
    found = await figures(session, ids, owner_id, campaign_id)
    return [found[worker_id] for worker_id in ids]


async def worker_results(
    session: AsyncSession,
    owner_id: int,
    campaign_id: int,
    worker_id: int,
    *,
    state: str | None,
    since: datetime | None,
    limit: int,
) -> tuple[WorkerFigures, list[JobResult]]:
    """One worker's results in the campaign, and the worker's figures."""
    await _owned_campaign(session, owner_id, campaign_id)  # someone else's campaign answers 404 before the worker
    await _known_worker(session, worker_id)
    rows = await list_results(
        session, owner_id, campaign_id, state=state, since=since, limit=limit, worker_id=worker_id
    )
    return (await figures(session, [worker_id], owner_id, campaign_id))[worker_id], rows


async def approve_due(session: AsyncSession, now: datetime | None = None, campaign_id: int | None = None) -> int:
    """Approve results whose review time has run out; how many. Rows others hold are skipped, not waited for."""
    now = now or utcnow()
    statement = (
        select(JobResult, Campaign)
        .join(Campaign, Campaign.id == JobResult.campaign_id)
        .where(JobResult.state == "InReview")
        # Adding each campaign's review time in SQL differs between databases; no campaign reviews for less
        # than MIN_REVIEW_SECONDS, so that bound narrows the rows and the exact test is made below.
        .where(JobResult.submitted_at <= now - timedelta(seconds=MIN_REVIEW_SECONDS))
    )
    if campaign_id is not None:
        statement = statement.where(JobResult.campaign_id == campaign_id)
    approved = 0
    for row, campaign in (await session.exec(statement.with_for_update(of=JobResult, skip_locked=True))).all():  # type: ignore[arg-type]
        if row.submitted_at + timedelta(seconds=campaign.max_review_time_s) <= now:
            await _approve(session, row, campaign, "approved automatically: the review time ran out")
            approved += 1
    return approved
