"""Review: results as requesters see them, decisions, payment, and approval when review time runs out."""

from taskengine.domain.review._figures import WorkerFigures, figures, reputation
from taskengine.domain.review._review import (
    STATES,
    ResultOut,
    ResultState,
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
    "ResultOut",
    "ResultState",
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
