"""Every table, in one package: importing it registers them all on SQLModel.metadata."""

from taskengine.db.models._base import MAX_ID, utcnow
from taskengine.db.models.accounts import AuthToken, Requester
from taskengine.db.models.authoring import Job, JobTask, Task
from taskengine.db.models.campaigns import Campaign, CampaignJob, LedgerEntry
from taskengine.db.models.events import DomainEvent
from taskengine.db.models.idempotency import IdempotencyRecord
from taskengine.db.models.results import JobResult
from taskengine.db.models.workers import (
    Assignment,
    JobSlots,
    Worker,
    WorkerGroup,
    WorkerGroupMember,
    WorkerJobCount,
)

__all__ = [
    "MAX_ID",
    "Assignment",
    "AuthToken",
    "Campaign",
    "CampaignJob",
    "DomainEvent",
    "IdempotencyRecord",
    "Job",
    "JobResult",
    "JobSlots",
    "JobTask",
    "LedgerEntry",
    "Requester",
    "Task",
    "Worker",
    "WorkerGroup",
    "WorkerGroupMember",
    "WorkerJobCount",
    "utcnow",
]
