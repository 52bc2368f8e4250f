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
    approve_result,
    campaign_workers,
    due_earnings,
    get_result,
    known_worker,
    list_results,
    reject,
    result_out,
    soft_reject,
    worker_results,
)
from taskengine.domain.states import ResultState

__all__ = [
    "STATES",
    "Approval",
    "Counts",
    "Figure",
    "Rejection",
    "ResultOut",
    "ResultState",
    "SoftRejection",
    "WorkerFigures",
    "approve",
    "approve_all",
    "approve_result",
    "campaign_workers",
    "due_earnings",
    "figures",
    "get_result",
    "known_worker",
    "list_results",
    "reject",
    "reputation",
    "result_out",
    "soft_reject",
    "worker_results",
]
