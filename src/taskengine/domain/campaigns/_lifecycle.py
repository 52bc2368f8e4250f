"""The campaign lifecycle: unpublished → active ⇄ paused → finished; active or paused → cancelled.

Transitions lock the campaign row first, so concurrent requests (in any number of processes) see one winner.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine.db.models import Campaign, Job, JobSlots, JobTask, Task, utcnow
from taskengine.domain.authoring import get_owned
from taskengine.domain.campaigns._campaigns import job_ids_of
from taskengine.domain.money import InsufficientFunds, commission, format_usd, freeze, lock_requester
from taskengine.domain.states import CLOSED_STATES, CampaignState, lock_campaign, move_campaign
from taskengine.engine import Problem
from taskengine.errors import DomainError, ErrorCode, problem_count

_ALLOWED = {
    "publish": (CampaignState.UNPUBLISHED,),
    "pause": (CampaignState.ACTIVE,),
    "continue": (CampaignState.PAUSED,),
    "cancel": (CampaignState.ACTIVE, CampaignState.PAUSED),
}
_TOGGLES = {"pause": CampaignState.PAUSED, "continue": CampaignState.ACTIVE}


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
        problems.append(Problem("title", "is required to publish: workers choose jobs by it", "required"))
    if not row.description.strip():
        problems.append(Problem("description", "is required to publish: workers read what the work is", "required"))
    if row.worker_payment <= 0 and not row.training:
        problems.append(
            Problem(
                "workerPayment",
                "must be more than 0 to publish, unless the campaign is unpaid (training: true)",
                "out-of-range",
            )
        )
    return problems


async def publish(session: AsyncSession, row: Campaign, now: datetime) -> None:
    """Publish a locked unpublished campaign: freeze its cost, open its places, make its work read-only."""
    assert row.id is not None
    problems = publishing_problems(row)
    if row.archived:
        problems.append(Problem("archived", "the campaign is archived; unarchive it first", "not-archived"))
    job_ids = await job_ids_of(session, row.id)
    # Locked so that no change to a job's tasks can slip in between these checks and the read-only mark.
    await session.exec(select(Job.id).where(Job.id.in_(job_ids)).with_for_update())  # type: ignore[union-attr]
    if not job_ids:
        problems.append(
            Problem("jobs", f"the campaign has no jobs; add some with PUT /campaigns/{row.id}/jobs", "has-jobs")
        )
    else:
        counts = dict(
            (
                await session.exec(
                    select(JobTask.job_id, func.count())
                    .where(col(JobTask.job_id).in_(job_ids))
                    .group_by(col(JobTask.job_id))
                )
            ).all()
        )
        empty = [job_id for job_id in job_ids if not counts.get(job_id)]
        if empty:
            problems.append(Problem("jobs", f"jobs {', '.join(map(str, empty[:10]))} have no tasks", "jobs-have-tasks"))
        archived = (await session.exec(select(Job.id).where(Job.id.in_(job_ids), Job.archived == True))).all()  # type: ignore[union-attr]  # noqa: E712
        if archived:
            problems.append(Problem("jobs", f"jobs {', '.join(map(str, archived[:10]))} are archived", "not-archived"))
    if row.end_date is not None and row.end_date <= now:
        problems.append(Problem("endDate", "lies in the past; set a later one or none", "in-future"))
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
    row.read_only = True
    row.published_at = now
    await move_campaign(session, row, CampaignState.ACTIVE, now=now, payload={"frozen": payments + fee})
    # Published work stops changing: results will refer to exactly these jobs and tasks.
    await session.exec(update(Job).where(col(Job.id).in_(job_ids)).values(read_only=True))
    task_ids = select(JobTask.task_id).where(col(JobTask.job_id).in_(job_ids))
    await session.exec(update(Task).where(col(Task.id).in_(task_ids)).values(read_only=True))
    await session.flush()


async def _close(session: AsyncSession, row: Campaign, state: CampaignState) -> None:
    """Finish or cancel: money not held by live work (assignments still working, results not yet decided)
    goes back to the available balance; each of those releases its own when it ends without approval."""
    assert row.id is not None
    row = await lock_campaign(session, row.id)
    if row.state in CLOSED_STATES:  # a concurrent request closed it first
        return
    await move_campaign(session, row, state, now=utcnow())


async def transition(session: AsyncSession, owner_id: int, campaign_id: int, action: str) -> Campaign:
    """Apply a lifecycle `action` (publish, pause, continue, cancel), or 409 naming the current state."""
    row = await _locked(session, owner_id, campaign_id)
    _expect(row, action)
    if action == "publish":
        await publish(session, row, utcnow())
    elif action == "cancel":
        await _close(session, row, CampaignState.CANCELLED)
    else:
        await move_campaign(session, row, _TOGGLES[action], now=utcnow())
    await session.refresh(row)
    return row


async def finish(session: AsyncSession, row: Campaign) -> None:
    """Finish an active or paused campaign (its end date passed, or every job has its results)."""
    await _close(session, row, CampaignState.FINISHED)


def is_complete(row: Campaign, job_ids: list[int], results_by_job: dict[int, int]) -> bool:
    """Whether every job of the campaign has the `results` it asked for (counting results that stand)."""
    return bool(job_ids) and all(results_by_job.get(job_id, 0) >= row.results for job_id in job_ids)


async def finish_if_complete(session: AsyncSession, row: Campaign, results_by_job: dict[int, int]) -> bool:
    """Finish an active or paused campaign once every job has its results; whether it did."""
    assert row.id is not None
    running = (CampaignState.ACTIVE, CampaignState.PAUSED)
    if row.state in running and is_complete(row, await job_ids_of(session, row.id), results_by_job):
        await finish(session, row)
        return True
    return False
