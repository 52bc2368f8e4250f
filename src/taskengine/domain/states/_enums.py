"""The states of campaigns, assignments and results, and the moves allowed between them.

Values are the wire strings; the columns hold them as plain text, so no data migration was needed.
"""

from __future__ import annotations

from enum import StrEnum


class CampaignState(StrEnum):
    UNPUBLISHED = "unpublished"
    ACTIVE = "active"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    FINISHED = "finished"


class AssignmentState(StrEnum):
    WORKING = "working"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    EXPIRED = "expired"


class ResultState(StrEnum):
    IN_REVIEW = "InReview"
    APPROVED = "Approved"
    REJECTED = "Rejected"
    SOFT_REJECTED = "SoftRejected"
    EXPIRED = "Expired"


CLOSED_STATES = (CampaignState.FINISHED, CampaignState.CANCELLED)

CAMPAIGN_MOVES: dict[CampaignState, frozenset[CampaignState]] = {
    CampaignState.UNPUBLISHED: frozenset({CampaignState.ACTIVE}),
    CampaignState.ACTIVE: frozenset({CampaignState.PAUSED, CampaignState.CANCELLED, CampaignState.FINISHED}),
    CampaignState.PAUSED: frozenset({CampaignState.ACTIVE, CampaignState.CANCELLED, CampaignState.FINISHED}),
    CampaignState.CANCELLED: frozenset(),
    CampaignState.FINISHED: frozenset(),
}

ASSIGNMENT_MOVES: dict[AssignmentState, frozenset[AssignmentState]] = {
    AssignmentState.WORKING: frozenset({AssignmentState.SUBMITTED, AssignmentState.RETURNED, AssignmentState.EXPIRED}),
    # A soft rejection reopens the assignment for a redo until its date.
    AssignmentState.SUBMITTED: frozenset({AssignmentState.WORKING}),
    AssignmentState.RETURNED: frozenset(),
    AssignmentState.EXPIRED: frozenset(),
}

RESULT_MOVES: dict[ResultState, frozenset[ResultState]] = {
    ResultState.IN_REVIEW: frozenset({ResultState.APPROVED, ResultState.REJECTED, ResultState.SOFT_REJECTED}),
    # The redo itself is a new result (one per assignment); the soft-rejected one expires or is replaced.
    ResultState.SOFT_REJECTED: frozenset({ResultState.EXPIRED}),
    ResultState.APPROVED: frozenset(),
    ResultState.REJECTED: frozenset(),
    ResultState.EXPIRED: frozenset(),
}

# The event type of arriving in a state: "<entity>.<verb>".
CAMPAIGN_VERBS = {
    CampaignState.ACTIVE: "published",
    CampaignState.PAUSED: "paused",
    CampaignState.CANCELLED: "cancelled",
    CampaignState.FINISHED: "finished",
}
ASSIGNMENT_VERBS = {
    AssignmentState.WORKING: "reopened",
    AssignmentState.SUBMITTED: "submitted",
    AssignmentState.RETURNED: "returned",
    AssignmentState.EXPIRED: "expired",
}
RESULT_VERBS = {
    ResultState.IN_REVIEW: "submitted",
    ResultState.APPROVED: "approved",
    ResultState.REJECTED: "rejected",
    ResultState.SOFT_REJECTED: "soft_rejected",
    ResultState.EXPIRED: "expired",
}
