"""Every table, in one package: importing it registers them all on SQLModel.metadata."""

from taskengine.db.models._base import MAX_ID, utcnow
from taskengine.db.models.accounts import AuthToken, Requester
from taskengine.db.models.authoring import Job, JobTask, Task
from taskengine.db.models.campaigns import Campaign, CampaignJob, LedgerEntry
from taskengine.db.models.idempotency import IdempotencyRecord

__all__ = [
    "MAX_ID",
    "AuthToken",
    "Campaign",
    "CampaignJob",
    "IdempotencyRecord",
    "Job",
    "JobTask",
    "LedgerEntry",
    "Requester",
    "Task",
    "utcnow",
]
