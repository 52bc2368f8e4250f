"""Review: results as requesters see them, decisions, payment, and approval when review time runs out."""

from taskengine.domain.review._figures import Counts, Figure, WorkerFigures, figures, reputation
from taskengine.domain.review._review import (
    STATES,
    Approval,
    Rejection,
    ResultOut,
    SoftRejection,
    approve,
    approve_all,
    approve_due,
    campaign_workers,
    get_result,
    list_results,
    reject,
    result_out,
    soft_reject,
    worker_results,
)

__all__ = [
    "STATES",
    "Approval",
    "Counts",
    "Figure",
    "Rejection",
    "ResultOut",
    "SoftRejection",
    "WorkerFigures",
    "approve",
    "approve_all",
    "approve_due",
    "campaign_workers",
    "figures",
    "get_result",
    "list_results",
    "reject",
    "reputation",
    "result_out",
    "soft_reject",
    "worker_results",
]
