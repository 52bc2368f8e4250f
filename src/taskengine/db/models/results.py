"""Results: what a worker submitted for an assignment, and its review."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from taskengine.db.models._base import created_at_field


class JobResult(SQLModel, table=True):
    """One submitted result (SWARMS "Result"): `task_results` holds the SWARMS-shaped JSON."""

    __tablename__ = "results"
    __table_args__ = (
        UniqueConstraint("worker_id", "submission_id"),
        UniqueConstraint("assignment_id"),
        Index("ix_results_campaign_state", "campaign_id", "state"),
        Index("ix_results_state_submitted", "state", "submitted_at"),
        Index("ix_results_state_review_until", "state", "review_until"),
    )

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignments.id")
    worker_id: int = Field(foreign_key="workers.id", index=True)
    campaign_id: int = Field(foreign_key="campaigns.id")
    job_id: int = Field(foreign_key="jobs.id")
    submission_id: str = Field(max_length=64)
    body_hash: str = Field(max_length=64)
    task_results: str = Field(sa_type=Text())
    state: str = Field(default="InReview", max_length=16)
    media_checked: bool = False
    started_at: datetime = Field(sa_type=DateTime(), nullable=False)
    completed_at: datetime = Field(sa_type=DateTime(), nullable=False)
    submitted_at: datetime = created_at_field()
    reviewed_at: datetime | None = Field(default=None, sa_type=DateTime(), nullable=True)
    message: str = Field(default="", sa_type=Text())
    reason: str = Field(default="", sa_type=Text())
    redo_until: datetime | None = Field(default=None, sa_type=DateTime(), nullable=True)
    review_until: datetime | None = Field(default=None, sa_type=DateTime(), nullable=True)
    """When review time runs out (submitted_at + the campaign's maxReviewTime): past it the result reads Approved."""
