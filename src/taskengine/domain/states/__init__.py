"""The state machines of campaigns, assignments and results: states, allowed moves, the one transition
function per entity, the places and money a move touches, the outbox each move appends to, and how
states read before due work has run."""

from taskengine.domain.states._enums import (
    ASSIGNMENT_MOVES,
    CAMPAIGN_MOVES,
    CLOSED_STATES,
    RESULT_MOVES,
    AssignmentState,
    CampaignState,
    ResultState,
)
from taskengine.domain.states._events import record_event
from taskengine.domain.states._moves import (
    AUTO_APPROVAL_MESSAGE,
    enter_review,
    move_assignment,
    move_campaign,
    move_result,
    start_assignment,
)
from taskengine.domain.states._places import held_by_live_work, lock_campaign, place_price, reopen_place
from taskengine.domain.states._reading import (
    assignment_state_at,
    overdue_assignment,
    result_in_state,
    result_state_at,
    result_state_column,
    review_over,
)

__all__ = [
    "ASSIGNMENT_MOVES",
    "AUTO_APPROVAL_MESSAGE",
    "CAMPAIGN_MOVES",
    "CLOSED_STATES",
    "RESULT_MOVES",
    "AssignmentState",
    "CampaignState",
    "ResultState",
    "assignment_state_at",
    "enter_review",
    "held_by_live_work",
    "lock_campaign",
    "move_assignment",
    "move_campaign",
    "move_result",
    "overdue_assignment",
    "place_price",
    "record_event",
    "reopen_place",
    "result_in_state",
    "result_state_at",
    "result_state_column",
    "review_over",
    "start_assignment",
]
