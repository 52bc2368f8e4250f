"""The one catalogue of errors: every error a client can see has a stable number here.

Codes are the HTTP status times 100 plus a serial, so a client can switch on the code
and still read the status from it. Never renumber a code; add new ones at the end of their status.
"""

from __future__ import annotations

from enum import Enum

import msgspec

from taskengine.engine import ENGINE_RULES, Problem


class ErrorCode(Enum):
    """A numbered kind of error with its HTTP status and a one-line message."""

    def __init__(self, code: int, message: str) -> None:
        self.code = code
        self.message = message

    @property
    def status(self) -> int:
        return self.code // 100

    BAD_REQUEST = (40000, "The request is malformed")
    INVALID_JSON = (40001, "The body is not acceptable JSON")
    INVALID_PARAMETER = (40002, "A query, path or header parameter is invalid")
    UNAUTHORIZED = (40100, "Authentication is required")
    PAYMENT_REQUIRED = (40200, "The available balance is too low")
    FORBIDDEN = (40300, "This action is not allowed")
    NOT_FOUND = (40400, "No such resource")
    UNKNOWN_COMPONENT = (40401, "No such component type")
    METHOD_NOT_ALLOWED = (40500, "Method not allowed on this resource")
    NOT_ACCEPTABLE = (40600, "No acceptable representation")
    CONFLICT = (40900, "The request conflicts with the current state")
    READ_ONLY = (40901, "The resource is read-only")
    WRONG_STATE = (40902, "Not possible in the campaign's current state")
    """Only for campaigns: assignments and results refuse with codes of their own (40910, 40911)."""
    IDEMPOTENCY_MISMATCH = (40903, "The Idempotency-Key was used for a different request")
    IN_USE = (40904, "The resource is in use")
    NOT_PUBLISHABLE = (40905, "The campaign cannot be published yet")
    NO_PLACES_LEFT = (40906, "The job has all the results it needs")
    LIMIT_REACHED = (40907, "You have worked on this job as often as the campaign allows")
    ALREADY_STARTED = (40908, "You are working on this job already")
    SUBMISSION_MISMATCH = (40909, "This submission id was used for a different result")
    ASSIGNMENT_NOT_WORKING = (40910, "The assignment is not being worked on")
    RESULT_DECIDED = (40911, "The result has been decided already")
    BODY_TOO_LARGE = (41300, "The request body is too large")
    UNSUPPORTED_MEDIA_TYPE = (41500, "The body must be JSON")
    UNSUPPORTED_ENCODING = (41501, "The body's Content-Encoding is not supported")
    INVALID_BODY = (42200, "The request body is invalid")
    INVALID_TASK = (42201, "The task definition is invalid")
    INVALID_RESULT = (42202, "The result is invalid")
    TOO_MANY_REQUESTS = (42900, "Too many requests")
    INTERNAL = (50000, "Internal error")
    UNAVAILABLE = (50300, "The service is unavailable")


PROBLEM_RULES: dict[str, str] = {
    **ENGINE_RULES,
    "read-only": "the field cannot be changed",
    "cursor": "a paging cursor is not one this list gave; follow the _links of a previous page",
    "utf-8": "a query name or value is not UTF-8 once percent-decoded",
    "no-nul": "a header or query text contains the NUL character",
    "once": "a header that may be sent once was sent more often",
    "digits": "an id is not written in plain decimal digits",
    "date": "a text is not an ISO-8601 date and time",
    "duration": "a text is not a duration such as '10 min', '4 hours' or '3 days'",
    "amount": "a text or number is not an amount in USD with at most 6 decimals",
    "email": "a text is not an email address",
    "exists": "no object of yours has this id",
    "not-archived": "the object is archived; unarchive it first",
    "unique": "an id stands twice in a list where it may stand once",
    "task-order": "an answer names another task than the job's task at its position",
    "time-order": "two times are in the wrong order (completedAt before startedAt, endDate before startDate)",
    "in-future": "a date must lie in the future",
    "has-jobs": "a campaign needs jobs to be published",
    "jobs-have-tasks": "every job of a campaign needs tasks for it to be published",
    "exclusive": "two parameters were sent that exclude each other (after and before)",
    "bearer": "an Authorization header is not 'Bearer <token>'",
    "same-token": "X-Auth-Token and Authorization carry different tokens",
}
"""Every rule a Problem can name besides the component types' own (`GET /components` lists those)."""


def problem_count(problems: list[Problem]) -> str:
    """How many problems, worded one way everywhere: "1 problem", "3 problems"."""
    return f"{len(problems)} problem{'' if len(problems) == 1 else 's'}"


class ErrorBody(msgspec.Struct, kw_only=True):
    """The body of every error response."""

    code: int
    message: str
    description: str
    problems: list[Problem] | msgspec.UnsetType = msgspec.UNSET


class DomainError(Exception):
    """An error the service layer raises; the API turns it into a response by its code."""

    def __init__(
        self,
        code: ErrorCode,
        description: str,
        problems: list[Problem] | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.problems = problems
        self.headers = headers
        """Response headers the error needs (Retry-After on 429)."""

    def body(self) -> ErrorBody:
        return ErrorBody(
            code=self.code.code,
            message=self.code.message,
            description=self.description,
            problems=self.problems if self.problems is not None else msgspec.UNSET,
        )
