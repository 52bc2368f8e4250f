"""Campaigns: jobs published to the job market with payment and limits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Column, DateTime, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel

from taskengine.db.models._base import created_at_field, money_field


class Campaign(SQLModel, table=True):
    """A campaign and its settings; durations in seconds, money in micro-dollars."""

    __tablename__ = "campaigns"
    __table_args__ = (
        Index("ix_campaigns_owner_archived", "owner_id", "archived"),
        Index("ix_campaigns_state_dates", "state", "start_date", "end_date"),
        CheckConstraint("frozen >= 0", name="ck_campaigns_frozen"),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="requesters.id", index=True)
    name: str = Field(max_length=200)
    title: str = Field(default="", max_length=200)
    description: str = Field(default="", sa_type=Text())
    terms: str = Field(default="", sa_type=Text())
    est_duration_s: int = 0
    worker_payment: int = money_field()
    results: int = 1
    max_results_per_worker: int = 1
    worker_group: int | None = None
    max_work_time_s: int = 3600
    max_upload_time_s: int = 86_400
    max_review_time_s: int = 3 * 86_400
    training: bool = False
    start_date: datetime | None = Field(default=None, sa_type=DateTime(), nullable=True)
    end_date: datetime | None = Field(default=None, sa_type=DateTime(), nullable=True)
    properties: str = Field(default="{}", sa_type=Text())
    state: str = Field(default="unpublished", max_length=16)
    search_text: str = Field(default="", sa_type=Text())
    read_only: bool = False
    archived: bool = False
    frozen: int = money_field()
    commission_rate_ppm: int = 0
    published_at: datetime | None = Field(default=None, sa_type=DateTime(), nullable=True)
    created_at: datetime = created_at_field()
    last_modified_at: datetime = created_at_field()


class CampaignJob(SQLModel, table=True):
    """Job `job_id` stands at `position` in campaign `campaign_id`; a job may belong to several campaigns."""

    __tablename__ = "campaign_jobs"

    campaign_id: int = Field(
        sa_column=Column(Integer, ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    )
    position: int = Field(primary_key=True)
    job_id: int = Field(sa_column=Column(Integer, ForeignKey("jobs.id"), nullable=False, index=True))


class LedgerEntry(SQLModel, table=True):
    """One movement of money between a requester's accounts (external, available, frozen, paid_out, fees)."""

    __tablename__ = "ledger_entries"

    id: int | None = Field(default=None, primary_key=True)
    requester_id: int = Field(foreign_key="requesters.id", index=True)
    campaign_id: int | None = Field(default=None, foreign_key="campaigns.id", index=True)
    source: str = Field(max_length=16)
    target: str = Field(max_length=16)
    amount: int = Field(sa_type=BigInteger())
    reason: str = Field(max_length=32)
    created_at: datetime = created_at_field()
