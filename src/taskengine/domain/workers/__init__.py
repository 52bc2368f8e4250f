"""Workers: accounts, groups, the job market and assignments."""

from taskengine.domain.workers._accounts import (
    WorkerProfile,
    create_worker,
    get_worker,
    worker_profile,
)
from taskengine.domain.workers._assignments import (
    AssignmentOut,
    assignment_out,
    get_assignment,
    give_back,
    market,
    quick_assignment,
    start,
)
from taskengine.domain.workers._groups import (
    MAX_GROUP_SIZE,
    GroupIn,
    GroupOut,
    create_group,
    delete_group,
    get_group,
    group_out,
    list_groups,
    set_members,
)
from taskengine.domain.workers._submissions import SubmissionIn, results_of_worker, submit

__all__ = [
    "MAX_GROUP_SIZE",
    "AssignmentOut",
    "GroupIn",
    "GroupOut",
    "SubmissionIn",
    "WorkerProfile",
    "assignment_out",
    "create_group",
    "create_worker",
    "delete_group",
    "get_assignment",
    "get_group",
    "get_worker",
    "give_back",
    "group_out",
    "list_groups",
    "market",
    "quick_assignment",
    "results_of_worker",
    "set_members",
    "start",
    "submit",
    "worker_profile",
]
