"""Workers, the groups requesters put them in, and their assignments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from taskengine.db.models._base import created_at_field, money_field


class Worker(SQLModel, table=True):
    """A person answering tasks on a phone; `earned` is what approved results paid them."""

    __tablename__ = "workers"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    earned: int = money_field()
    created_at: datetime = created_at_field()


class WorkerGroup(SQLModel, table=True):
    """A requester's named set of workers; a campaign's `workerGroup` limits its jobs to them."""

    __tablename__ = "worker_groups"

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="requesters.id", index=True)
    name: str = Field(max_length=200)
    created_at: datetime = created_at_field()


class WorkerGroupMember(SQLModel, table=True):
    __tablename__ = "worker_group_members"

    group_id: int = Field(
        sa_column=Column(Integer, ForeignKey("worker_groups.id", ondelete="CASCADE"), primary_key=True)
    )
    worker_id: int = Field(sa_column=Column(Integer, ForeignKey("workers.id"), primary_key=True, index=True))


class JobSlots(SQLModel, table=True):
    """How many live assignments (working, or submitted and not rejected) a job of a campaign has.

    Claiming a slot is one conditional UPDATE of this row, which is what keeps `live <= results` however many
    workers and processes ask at once.
    """

    __tablename__ = "job_slots"

    campaign_id: int = Field(
        sa_column=Column(Integer, ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    )
    job_id: int = Field(sa_column=Column(Integer, ForeignKey("jobs.id"), primary_key=True))
    live: int = 0


class WorkerJobCount(SQLModel, table=True):
    """How many times a worker holds or held a job of a campaign (returned and expired ones excluded)."""

    __tablename__ = "worker_job_counts"

    campaign_id: int = Field(
        sa_column=Column(Integer, ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    )
    job_id: int = Field(sa_column=Column(Integer, ForeignKey("jobs.id"), primary_key=True))
    worker_id: int = Field(sa_column=Column(Integer, ForeignKey("workers.id"), primary_key=True))
    count: int = 0


class Assignment(SQLModel, table=True):
    """One worker working on one job of an active campaign, until `deadline`."""

    __tablename__ = "assignments"
    __table_args__ = (
        Index("ix_assignments_worker_state", "worker_id", "state"),
        Index("ix_assignments_state_deadline", "state", "deadline"),
    )

    id: int | None = Field(default=None, primary_key=True)
    worker_id: int = Field(foreign_key="workers.id")
    campaign_id: int = Field(foreign_key="campaigns.id", index=True)
    job_id: int = Field(foreign_key="jobs.id")
    state: str = Field(default="working", max_length=16)
    started_at: datetime = created_at_field()
    deadline: datetime = Field(sa_type=DateTime(), nullable=False)
    ended_at: datetime | None = Field(default=None, sa_type=DateTime(), nullable=True)
