"""Review: results as requesters see them, decisions, payment, and approval when review time runs out."""

from taskengine.domain.review._review import (
    STATES,
    ResultOut,
    approve,
    approve_due,
    get_result,
    list_results,
    reject,
    result_out,
)

__all__ = ["STATES", "ResultOut", "approve", "approve_due", "get_result", "list_results", "reject", "result_out"]
