"""The campaign lifecycle: unpublished → active ⇄ paused → finished; active or paused → cancelled.

Transitions lock the campaign row first, so concurrent requests (in any number of processes) see one winner.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine.db.models import Campaign, Job, JobSlots, JobTask, Task, utcnow
from taskengine.domain.authoring._common import get_owned, touch
from taskengine.domain.campaigns._campaigns import job_ids_of
from taskengine.domain.campaigns._places import CLOSED_STATES, held_by_live_work, lock_campaign
from taskengine.domain.money import InsufficientFunds, commission, format_usd, freeze, lock_requester, release
from taskengine.engine import Problem
from taskengine.errors import DomainError, ErrorCode, problem_count

log = logging.getLogger("taskengine.campaigns")

_ALLOWED = {
    "publish": ("unpublished",),
    "pause": ("active",),
    "continue": ("paused",),
    "cancel": ("active", "paused"),
}


async def _locked(session: AsyncSession, owner_id: int, campaign_id: int) -> Campaign:
    return await get_owned(session, Campaign, owner_id, campaign_id, "campaign", for_update=True)


def _expect(row: Campaign, action: str) -> None:
    allowed = _ALLOWED[action]
    if row.state not in allowed:
        states = " or ".join(allowed)
        raise DomainError(
            ErrorCode.WRONG_STATE, f"campaign {row.id} is {row.state}; only a campaign that is {states} can {action}"
        )


def cost(row: Campaign, jobs: int, commission_rate_ppm: int) -> tuple[int, int]:
    """What publishing freezes: worker payments for every result of every job, and the commission on them."""
    # The commission is that of one result times the places, so each approval's share is exactly what is held.
    places = row.results * jobs
    return row.worker_payment * places, commission(row.worker_payment, commission_rate_ppm) * places


def publishing_problems(row: Campaign) -> list[Problem]:
    """What workers must see on the market before a campaign goes there: a title, a description, and pay, unless
    the campaign says it pays nothing (`training`)."""
    problems = []
    if not row.title.strip():
        problems.append(Problem("title", "is required to publish: workers choose jobs by it"))
    if not row.description.strip():
        problems.append(Problem("description", "is required to publish: workers read what the work is"))
    if row.worker_payment <= 0 and not row.training:
        problems.append(
            Problem("workerPayment", "must be more than 0 to publish, unless the campaign is unpaid (training: true)")
        )
    return problems


async def _publish(session: AsyncSession, row: Campaign, now: datetime) -> None:
    assert row.id is not None
    problems = publishing_problems(row)
    if row.archived:
        problems.append(Problem("archived", "the campaign is archived; unarchive it first"))
    job_ids = await job_ids_of(session, row.id)
    # Locked so that no change to a job's tasks can slip in between these checks and the read-only mark.
    await session.exec(select(Job.id).where(Job.id.in_(job_ids)).with_for_update())  # type: ignore[union-attr]
    if not job_ids:
        problems.append(Problem("jobs", f"the campaign has no jobs; add some with PUT /campaigns/{row.id}/jobs"))
    else:
        counts = dict(
            (
                await session.exec(
                    select(JobTask.job_id, func.count()).where(JobTask.job_id.in_(job_ids)).group_by(JobTask.job_id)  # type: ignore[attr-defined]
                )
            ).all()
        )
        empty = [job_id for job_id in job_ids if not counts.get(job_id)]
        if empty:
            problems.append(Problem("jobs", f"jobs {', '.join(map(str, empty[:10]))} have no tasks"))
        archived = (await session.exec(select(Job.id).where(Job.id.in_(job_ids), Job.archived == True))).all()  # type: ignore[union-attr]  # noqa: E712
        if archived:
            problems.append(Problem("jobs", f"jobs {', '.join(map(str, archived[:10]))} are archived"))
    if row.end_date is not None and row.end_date <= now:
        problems.append(Problem("endDate", "lies in the past; set a later one or none"))
    if problems:
        raise DomainError(
            ErrorCode.NOT_PUBLISHABLE, f"campaign {row.id} cannot be published yet: {problem_count(problems)}", problems
        )

    requester = await lock_requester(session, row.owner_id)
    rate = 0 if requester.charity else requester.commission_rate_ppm
    payments, fee = cost(row, len(job_ids), rate)
    try:
        await freeze(session, row.owner_id, row.id, payments + fee, reason="publish")
    except InsufficientFunds as exc:
        raise DomainError(
            ErrorCode.PAYMENT_REQUIRED,
            f"publishing needs {format_usd(exc.needed)} ({format_usd(payments)} for workers and "
            f"{format_usd(fee)} commission) but only {format_usd(exc.available)} is available",
        ) from None
    # One row per job holds how many of its places are taken: the row every claim updates conditionally.
    session.add_all(JobSlots(campaign_id=row.id, job_id=job_id) for job_id in job_ids)
    row.commission_rate_ppm = rate
    row.state = "active"
    row.read_only = True
    row.published_at = now
    touch(row)
    session.add(row)
    # Published work stops changing: results will refer to exactly these jobs and tasks.
    await session.exec(update(Job).where(Job.id.in_(job_ids)).values(read_only=True))  # type: ignore[call-overload,attr-defined]
    task_ids = select(JobTask.task_id).where(JobTask.job_id.in_(job_ids))  # type: ignore[attr-defined]
    await session.exec(update(Task).where(Task.id.in_(task_ids)).values(read_only=True))  # type: ignore[call-overload,attr-defined]
    await session.flush()


async def _close(session: AsyncSession, row: Campaign, state: str) -> None:
    """Finish or cancel: money not held by live work (assignments still working, results not yet decided)
    goes back to the available balance; each of those releases its own when it ends without approval."""
    assert row.id is not None
    row = await lock_campaign(session, row.id)
    if row.state in CLOSED_STATES:  # a concurrent request closed it first
        return
    row.state = state
    touch(row)
    session.add(row)
    surplus = row.frozen - await held_by_live_work(session, row)
    if surplus > 0:
        await release(session, row.owner_id, row.id, surplus, reason=state)
    await session.flush()


async def transition(session: AsyncSession, owner_id: int, campaign_id: int, action: str) -> Campaign:
    """Apply a lifecycle `action` (publish, pause, continue, cancel), or 409 naming the current state."""
    row = await _locked(session, owner_id, campaign_id)
    _expect(row, action)
    if action == "publish":
        await _publish(session, row, utcnow())
    elif action == "cancel":
        await _close(session, row, "cancelled")
    else:
        row.state = "paused" if action == "pause" else "active"
        touch(row)
        session.add(row)
        await session.flush()
    await session.refresh(row)
    return row


async def finish(session: AsyncSession, row: Campaign) -> None:
    """Finish an active or paused campaign (its end date passed, or every job has its results)."""
    await _close(session, row, "finished")


def is_complete(row: Campaign, job_ids: list[int], results_by_job: dict[int, int]) -> bool:
    """Whether every job of the campaign has the `results` it asked for (counting results that stand)."""
    return bool(job_ids) and all(results_by_job.get(job_id, 0) >= row.results for job_id in job_ids)


async def finish_if_complete(session: AsyncSession, row: Campaign, results_by_job: dict[int, int]) -> bool:
    """Finish an active or paused campaign once every job has its results; whether it did."""
    assert row.id is not None
    if row.state in ("active", "paused") and is_complete(row, await job_ids_of(session, row.id), results_by_job):
        await finish(session, row)
        return True
    return False


async def apply_due(session: AsyncSession, now: datetime | None = None, owner_id: int | None = None) -> int:
    """Publish campaigns whose startDate has come and finish those whose endDate has passed; how many changed.

    Safe to run from any number of processes: rows are locked and skipped when another process holds them.
    """
    now = now or utcnow()
    changed = 0
    starting = select(Campaign).where(Campaign.state == "unpublished", Campaign.start_date <= now)  # type: ignore[operator]
    ending = select(Campaign).where(Campaign.state.in_(("active", "paused")), Campaign.end_date <= now)  # type: ignore[attr-defined,operator]
    if owner_id is not None:
        starting, ending = starting.where(Campaign.owner_id == owner_id), ending.where(Campaign.owner_id == owner_id)
    for row in (await session.exec(starting.with_for_update(skip_locked=True))).all():
        try:
            async with session.begin_nested():
                await _publish(session, row, now)
            changed += 1
        except DomainError as exc:
            # It stays unpublished, and is tried again at the next sweep; the requester sees why on publish.
            log.warning("campaign %s could not publish at its start date: %s", row.id, exc.description)
    for row in (await session.exec(ending.with_for_update(skip_locked=True))).all():
        await finish(session, row)
        changed += 1
    return changed
