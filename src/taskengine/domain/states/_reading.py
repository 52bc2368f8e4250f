"""States as a reader sees them at a moment: what is due reads as it will be once the scheduler has run.

Reads never write (domain/scheduler.py does the due work); these keep them correct meanwhile.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, or_
from sqlmodel import col

from taskengine.db.models import Assignment, JobResult
from taskengine.domain.states._enums import AssignmentState, ResultState


def assignment_state_at(state: str, deadline: datetime, now: datetime) -> AssignmentState:
    """A working assignment past its deadline reads expired."""
    if state == AssignmentState.WORKING and deadline <= now:
        return AssignmentState.EXPIRED
    return AssignmentState(state)


def overdue_assignment(now: datetime) -> Any:
    """SQL: the assignment is working past its deadline (expired to a reader, still holding its place)."""
    return and_(col(Assignment.state) == AssignmentState.WORKING, col(Assignment.deadline) <= now)


def review_over(now: datetime) -> Any:
    """SQL: the result is in review past its review time (Approved to a reader, not yet paid)."""
    return and_(col(JobResult.state) == ResultState.IN_REVIEW, col(JobResult.review_until) <= now)


def _redo_over(now: datetime) -> Any:
    return and_(col(JobResult.state) == ResultState.SOFT_REJECTED, col(JobResult.redo_until) <= now)


def result_state_at(row: JobResult, now: datetime) -> ResultState:
    """In review past its review time reads Approved; soft-rejected past its redo date reads Expired."""
    if row.state == ResultState.IN_REVIEW and row.review_until is not None and row.review_until <= now:
        return ResultState.APPROVED
    if row.state == ResultState.SOFT_REJECTED and row.redo_until is not None and row.redo_until <= now:
        return ResultState.EXPIRED
    return ResultState(row.state)


def result_state_column(now: datetime) -> Any:
    """SQL: the result's state as `result_state_at` reads it."""
    return case(
        (review_over(now), ResultState.APPROVED.value),
        (_redo_over(now), ResultState.EXPIRED.value),
        else_=JobResult.state,
    )


def result_in_state(state: ResultState, now: datetime) -> Any:
    """SQL: the result reads `state` at `now` (a filter that agrees with `result_state_at`)."""
    if state is ResultState.APPROVED:
        return or_(col(JobResult.state) == state, review_over(now))
    if state is ResultState.EXPIRED:
        return or_(col(JobResult.state) == state, _redo_over(now))
    if state is ResultState.IN_REVIEW:
        return and_(col(JobResult.state) == state, ~review_over(now))
    if state is ResultState.SOFT_REJECTED:
        return and_(col(JobResult.state) == state, ~_redo_over(now))
    return col(JobResult.state) == state
