"""Tasks and jobs: what requesters author before publishing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel

from taskengine.db.models._base import created_at_field


class Task(SQLModel, table=True):
    """A task definition; `components` and `properties` hold the engine-normalised JSON."""

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_owner_archived", "owner_id", "archived"),)

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="requesters.id", index=True)
    name: str = Field(max_length=200)
    components: str = Field(sa_type=Text())
    properties: str = Field(default="{}", sa_type=Text())
    search_text: str = Field(default="", sa_type=Text())
    resources_bytes: int = Field(default=0, sa_type=BigInteger())
    upload_bytes: int = Field(default=0, sa_type=BigInteger())
    read_only: bool = False
    archived: bool = False
    created_at: datetime = created_at_field()
    last_modified_at: datetime = created_at_field()


class Job(SQLModel, table=True):
    """An ordered sequence of tasks, the unit a worker is paid for."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_owner_archived", "owner_id", "archived"),)

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="requesters.id", index=True)
    name: str = Field(max_length=200)
    description: str = Field(default="", sa_type=Text())
    properties: str = Field(default="{}", sa_type=Text())
    search_text: str = Field(default="", sa_type=Text())
    read_only: bool = False
    archived: bool = False
    created_at: datetime = created_at_field()
    last_modified_at: datetime = created_at_field()


class JobTask(SQLModel, table=True):
    """Task `task_id` stands at `position` in job `job_id`; a task may stand in several jobs."""

    __tablename__ = "job_tasks"

    job_id: int = Field(sa_column=Column(Integer, ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True))
    position: int = Field(primary_key=True)
    task_id: int = Field(sa_column=Column(Integer, ForeignKey("tasks.id"), nullable=False, index=True))
