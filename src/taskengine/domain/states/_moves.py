"""The one transition function per entity: each checks the move against its table, writes the state, moves
places and money, and appends one event to the outbox, all in the caller's transaction.

Nothing else writes `state` on a campaign, an assignment or a result (tests/test_transitions.py greps for it).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine.db.models import Assignment, Campaign, JobResult, WorkerJobCount
from taskengine.domain.money import commission, pay, release
from taskengine.domain.states._enums import (
    ASSIGNMENT_MOVES,
    ASSIGNMENT_VERBS,
    CAMPAIGN_MOVES,
    CAMPAIGN_VERBS,
    CLOSED_STATES,
    RESULT_MOVES,
    RESULT_VERBS,
    AssignmentState,
    CampaignState,
    ResultState,
)
from taskengine.domain.states._events import record_event
from taskengine.domain.states._places import held_by_live_work, reopen_place
from taskengine.errors import DomainError, ErrorCode

AUTO_APPROVAL_MESSAGE = "approved automatically: the review time ran out"


def _refuse(code: ErrorCode, entity: str, entity_id: int | None, current: str, to: str, action: str) -> DomainError:
    return DomainError(code, f"{entity} {entity_id} is {current}; it cannot be {action} (from {current} to {to})")


def _verb(verb: str) -> str:
    return verb.replace("_", "-")


async def move_campaign(
    session: AsyncSession,
    campaign: Campaign,
    to: CampaignState,
    *,
    now: datetime,
    payload: dict[str, Any] | None = None,
) -> None:
    """Move a locked campaign; closing it releases the money no live place holds (each releases its own later)."""
    current = CampaignState(campaign.state)
    resumed = current is CampaignState.PAUSED and to is CampaignState.ACTIVE
    verb = "resumed" if resumed else CAMPAIGN_VERBS.get(to, str(to))
    if to not in CAMPAIGN_MOVES[current]:
        raise _refuse(ErrorCode.WRONG_STATE, "campaign", campaign.id, current, to, _verb(verb))
    assert campaign.id is not None
    campaign.state = to
    campaign.last_modified_at = now
    session.add(campaign)
    await session.flush()
    released = 0
    if to in CLOSED_STATES:
        released = campaign.frozen - await held_by_live_work(session, campaign)
        if released > 0:
            await release(session, campaign.owner_id, campaign.id, released, reason=str(to))
    await record_event(
        session, "campaign", campaign.id, current, to, verb, now=now, payload={**(payload or {}), "released": released}
    )
    await session.flush()


async def move_assignment(
    session: AsyncSession,
    assignment: Assignment,
    to: AssignmentState,
    *,
    now: datetime,
    deadline: datetime | None = None,
) -> None:
    """Move a locked assignment. Ending it (returned, expired) frees its place and the worker's count, and a
    soft-rejected result waiting for its redo expires with it; reopening it (`deadline`) starts a redo."""
    current = AssignmentState(assignment.state)
    verb = ASSIGNMENT_VERBS[to]
    if to not in ASSIGNMENT_MOVES[current]:
        raise _refuse(ErrorCode.ASSIGNMENT_NOT_WORKING, "assignment", assignment.id, current, to, verb)
    assert assignment.id is not None
    assignment.state = to
    if to is AssignmentState.WORKING:
        assert deadline is not None, "a reopened assignment needs its new deadline"
        assignment.deadline, assignment.ended_at = deadline, None
    else:
        assignment.ended_at = now
    session.add(assignment)
    await session.flush()
    if to in (AssignmentState.RETURNED, AssignmentState.EXPIRED):
        await reopen_place(session, assignment.campaign_id, assignment.job_id, str(to))
        await session.exec(
            update(WorkerJobCount)
            .where(
                col(WorkerJobCount.campaign_id) == assignment.campaign_id,
                col(WorkerJobCount.job_id) == assignment.job_id,
                col(WorkerJobCount.worker_id) == assignment.worker_id,
            )
            .values(count=col(WorkerJobCount.count) - 1)
        )
    await record_event(
        session,
        "assignment",
        assignment.id,
        current,
        to,
        verb,
        now=now,
        payload={"campaign": assignment.campaign_id, "job": assignment.job_id, "worker": assignment.worker_id},
    )
    await session.flush()
    if to in (AssignmentState.RETURNED, AssignmentState.EXPIRED):
        # Its place was reopened with the assignment just now, which is what decides about its money.
        waiting = select(JobResult).where(
            JobResult.assignment_id == assignment.id, JobResult.state == ResultState.SOFT_REJECTED
        )
        result = (await session.exec(waiting.with_for_update())).first()
        if result is not None:
            await move_result(session, result, ResultState.EXPIRED, now=now)


async def move_result(
    session: AsyncSession,
    result: JobResult,
    to: ResultState,
    *,
    now: datetime,
    campaign: Campaign | None = None,
    message: str = "",
    reason: str = "",
    redo_until: datetime | None = None,
) -> None:
    """Move a locked result: approval pays the worker from the campaign's frozen money, a rejection reopens the
    place, a soft rejection reopens the assignment until `redo_until`; an expiry follows its assignment's end."""
    current = ResultState(result.state)
    verb = RESULT_VERBS[to]
    if to not in RESULT_MOVES[current]:
        raise _refuse(ErrorCode.RESULT_DECIDED, "result", result.id, current, to, _verb(verb))
    assert result.id is not None
    payload: dict[str, Any] = {"campaign": result.campaign_id, "job": result.job_id, "worker": result.worker_id}
    if to is ResultState.APPROVED:
        campaign = campaign or await session.get(Campaign, result.campaign_id)
        assert campaign is not None and campaign.id is not None
        payment = campaign.worker_payment
        fee = commission(payment, campaign.commission_rate_ppm)
        await pay(session, campaign.owner_id, campaign.id, payment, fee, worker_id=result.worker_id)
        result.message = message
        payload["payment"] = payment
    elif to is ResultState.REJECTED:
        await reopen_place(session, result.campaign_id, result.job_id, "reject")
        result.reason = reason
    elif to is ResultState.SOFT_REJECTED:
        assert redo_until is not None, "a soft rejection needs the end of its redo"
        result.reason, result.redo_until = reason, redo_until
        payload["redoUntil"] = redo_until.isoformat() + "Z"
    result.state = to
    result.reviewed_at = now
    session.add(result)
    await record_event(session, "result", result.id, current, to, verb, now=now, payload=payload)
    await session.flush()
    if to is ResultState.SOFT_REJECTED:
        assignment = await session.get(Assignment, result.assignment_id, with_for_update=True, populate_existing=True)
        assert assignment is not None
        await move_assignment(session, assignment, AssignmentState.WORKING, now=now, deadline=redo_until)


async def start_assignment(session: AsyncSession, assignment: Assignment, *, now: datetime) -> None:
    """A new assignment (its place claimed and counted by the caller) starts working."""
    assignment.state = AssignmentState.WORKING
    session.add(assignment)
    await session.flush()
    assert assignment.id is not None
    payload = {"campaign": assignment.campaign_id, "job": assignment.job_id, "worker": assignment.worker_id}
    await record_event(
        session, "assignment", assignment.id, None, AssignmentState.WORKING, "started", now=now, payload=payload
    )


async def enter_review(
    session: AsyncSession, result: JobResult, *, now: datetime, review_seconds: int, replaces: JobResult | None = None
) -> None:
    """A new result (a first submission, or the redo that `replaces` a soft-rejected one) goes into review."""
    result.state = ResultState.IN_REVIEW
    result.review_until = now + timedelta(seconds=review_seconds)
    session.add(result)
    await session.flush()
    assert result.id is not None
    payload: dict[str, Any] = {"campaign": result.campaign_id, "job": result.job_id, "worker": result.worker_id}
    if replaces is not None:
        payload["replaces"] = replaces.id
    from_state = replaces.state if replaces is not None else None
    await record_event(
        session, "result", result.id, from_state, ResultState.IN_REVIEW, "submitted", now=now, payload=payload
    )
    await session.flush()
