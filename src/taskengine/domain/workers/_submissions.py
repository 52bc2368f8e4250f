"""Submitting a result for an assignment: checked against the job's tasks, stored once per submission id."""

from __future__ import annotations

import functools
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import msgspec
from msgspec import Meta
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine.db import cached
from taskengine.db.models import Campaign, JobResult, Task, utcnow
from taskengine.domain.authoring import sequence_of
from taskengine.domain.dates import naive_utc
from taskengine.domain.listing import ListQuery, Page, column_page
from taskengine.domain.states import AssignmentState, enter_review, move_assignment
from taskengine.domain.workers._assignments import get_assignment
from taskengine.engine import CompiledTask, Problem, default_engine
from taskengine.errors import DomainError, ErrorCode, problem_count

SubmissionId = Annotated[
    str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$", description="an id the device made")
]


class TaskResultIn(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    task: Annotated[int, Meta(ge=1, description="id of the task answered")]
    started_at: datetime
    completed_at: datetime
    components: list[Any]


class SubmissionIn(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    """POST /worker/assignments/{id}/result: one entry per task of the job, in order."""

    id: SubmissionId
    task_results: Annotated[list[TaskResultIn], Meta(max_length=200)]


def _compile(task: Task) -> CompiledTask:
    engine = default_engine()
    definition = engine.validate_task_json(
        b'{"name":' + msgspec.json.encode(task.name) + b',"components":' + task.components.encode() + b"}"
    ).value
    return engine.compile(definition)


async def submit(
    session: AsyncSession, worker_id: int, assignment_id: int, submission: SubmissionIn, raw: bytes
) -> tuple[JobResult, bool]:
    """Store the result of a working assignment; (the result, whether it was new). Resending is harmless."""
    problems = _in_utc(submission)
    if problems:
        raise DomainError(ErrorCode.INVALID_RESULT, "the result is invalid", problems)
    body_hash = _fingerprint(submission)
    assignment = await get_assignment(session, worker_id, assignment_id, for_update=True)
    earlier = (
        await session.exec(
            select(JobResult).where(JobResult.worker_id == worker_id, JobResult.submission_id == submission.id)
        )
    ).first()
    if earlier is not None:
        # Rows stored before fingerprints were canonical hold the hash of the raw bytes.
        same = earlier.body_hash in (body_hash, hashlib.sha256(raw).hexdigest())
        if earlier.assignment_id == assignment_id and same:
            return earlier, False
        raise DomainError(
            ErrorCode.SUBMISSION_MISMATCH,
            f"submission {submission.id!r} was already used for a different result (result {earlier.id}); "
            "send a new id for a new result",
        )
    now = utcnow()
    if assignment.state == AssignmentState.WORKING and assignment.deadline <= now:
        # Refused as expired; the scheduler (or the next start of the job) gives its place back.
        raise DomainError(
            ErrorCode.ASSIGNMENT_NOT_WORKING,
            f"assignment {assignment_id} is expired (at {assignment.deadline.isoformat()}Z); "
            "it cannot take a result (from expired to submitted)",
        )
    if assignment.state != AssignmentState.WORKING:
        raise DomainError(
            ErrorCode.ASSIGNMENT_NOT_WORKING,
            f"assignment {assignment_id} is {assignment.state}; it cannot take a result "
            f"(from {assignment.state} to submitted)",
        )
    tasks = await sequence_of(session, assignment.job_id)
    # The device's clock may differ from ours by CLOCK_SKEW either way.
    window = (assignment.started_at - CLOCK_SKEW, now + CLOCK_SKEW)
    task_results = _checked(session, tasks, submission, window)
    starts = [t.started_at for t in submission.task_results]
    ends = [t.completed_at for t in submission.task_results]
    # A redo after a soft rejection replaces the earlier result (one result per assignment).
    redone = (await session.exec(select(JobResult).where(JobResult.assignment_id == assignment_id))).first()
    if redone is not None:
        await session.delete(redone)
        await session.flush()
    result = JobResult(
        assignment_id=assignment_id,
        worker_id=worker_id,
        campaign_id=assignment.campaign_id,
        job_id=assignment.job_id,
        submission_id=submission.id,
        body_hash=body_hash,
        task_results=msgspec.json.encode(task_results).decode(),
        started_at=_naive(min(starts)) if starts else now,
        completed_at=_naive(max(ends)) if ends else now,
        submitted_at=now,
    )
    campaign = await session.get(Campaign, assignment.campaign_id)
    assert campaign is not None
    await enter_review(session, result, now=now, review_seconds=campaign.max_review_time_s, replaces=redone)
    await move_assignment(session, assignment, AssignmentState.SUBMITTED, now=now)
    return result, True


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(minutes=5)
"""How far a device's clock may be off ours: a task's completedAt may lie this much outside its assignment."""


def _canonical(value: Any) -> Any:
    """JSON values with one spelling per meaning: integral numbers as integers, keys sorted on encoding."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    return value


def _instant(moment: datetime) -> list[int]:
    """The moment as exact (days, seconds, microseconds) since 1970 UTC; a time without a zone is UTC."""
    # Subtracting never builds a datetime, so no year-1 or year-9999 offset can overflow here.
    since = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)) - _EPOCH
    return [since.days, since.seconds, since.microseconds]


def _fingerprint(submission: SubmissionIn) -> str:
    """A hash of what the submission says, not how it was spelled.

    A phone that rebuilds the JSON before resending (other key order, white space, `4` for `4.0`, another
    spelling of the same instant) sends the same submission; any difference in an answer is another one.
    """
    canonical = {
        "id": submission.id,
        "taskResults": [
            {
                "task": entry.task,
                "startedAt": _instant(entry.started_at),
                "completedAt": _instant(entry.completed_at),
                "components": _canonical(entry.components),
            }
            for entry in submission.task_results
        ],
    }
    return hashlib.sha256(msgspec.json.encode(canonical, order="sorted")).hexdigest()


def _naive(moment: datetime) -> datetime:
    """UTC without tzinfo, as rows hold it; a time without a zone is taken as UTC."""
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def _in_utc(submission: SubmissionIn) -> list[Problem]:
    """Every time of `submission` put in UTC in place (no zone means UTC), so times sent with and without a zone
    compare and are stored alike; problems for those UTC cannot hold (an edge date with a zone leaves the years
    1 to 9999)."""
    problems = []
    for i, answer in enumerate(submission.task_results):
        for attribute, wire in (("started_at", "startedAt"), ("completed_at", "completedAt")):
            try:
                setattr(answer, attribute, naive_utc(getattr(answer, attribute)).replace(tzinfo=UTC))
            except ValueError as exc:
                problems.append(Problem(f"taskResults[{i}].{wire}", str(exc), "date"))
    return problems


def _when_problem(completed: datetime, window: tuple[datetime, datetime]) -> str | None:
    """Why a task's completedAt cannot be true: before its assignment started, or after the result came in."""
    earliest, latest = window
    moment = _naive(completed)
    if moment < earliest:
        return f"must not be before the assignment started ({(earliest + CLOCK_SKEW).isoformat()}Z)"
    if moment > latest:
        minutes = int(CLOCK_SKEW.total_seconds() // 60)
        return f"must not be after the result is submitted (the device's clock may be at most {minutes} minutes off)"
    return None


def _checked(
    session: AsyncSession, tasks: list[Task], submission: SubmissionIn, window: tuple[datetime, datetime]
) -> list[dict[str, Any]]:
    """The SWARMS-shaped task results, or 422 listing every problem with its path.

    `window`: the earliest and latest moments a task may have been completed (from the assignment's start to now).
    """
    problems: list[Problem] = []
    if len(submission.task_results) != len(tasks):
        problems.append(
            Problem(
                "taskResults",
                f"must have one entry per task of the job ({len(tasks)}), got {len(submission.task_results)}",
                "count",
            )
        )
    shaped = []
    engine = default_engine()
    for i, (task, answer) in enumerate(zip(tasks, submission.task_results, strict=False)):
        path = f"taskResults[{i}]"
        if answer.task != task.id:
            problems.append(Problem(f"{path}.task", f"must be {task.id}, the job's task at position {i}", "task-order"))
            continue
        if answer.completed_at < answer.started_at:
            problems.append(Problem(f"{path}.completedAt", "must not be before startedAt", "time-order"))
        elif when := _when_problem(answer.completed_at, window):
            problems.append(Problem(f"{path}.completedAt", when, "time-order"))
        # Published tasks never change: each is compiled for result checks once per process and database.
        compiled: CompiledTask = cached(session, "compiled tasks", task.id, functools.partial(_compile, task))
        checked = engine.validate_result(compiled, {"components": answer.components})
        problems.extend(p.rooted(path) for p in checked.problems)
        if checked.ok and checked.value is not None:
            shaped.append(
                {
                    "task": {"id": task.id, "name": task.name},
                    "startedAt": answer.started_at,
                    "completedAt": answer.completed_at,
                    "components": [
                        {"data": component, "result": result}
                        for component, result in zip(compiled.task.components, checked.value.components, strict=True)
                    ],
                }
            )
    if problems:
        raise DomainError(ErrorCode.INVALID_RESULT, f"the result has {problem_count(problems)}", problems)
    return shaped


async def results_of_worker(
    session: AsyncSession, worker_id: int, query: ListQuery, *, state: str | None = None
) -> Page:
    """A page of the worker's results, newest first."""
    statement = select(JobResult).where(JobResult.worker_id == worker_id)
    if state is not None:
        statement = statement.where(JobResult.state == state)
    return await column_page(session, statement, JobResult.id, query, descending=True)
