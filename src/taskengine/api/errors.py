"""Turning every exception into the one error body, with the status from the catalogue."""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from sqlalchemy.exc import IntegrityError

from taskengine.api.parameter_errors import parameter_problems
from taskengine.api.path_ids import check_unrouted
from taskengine.errors import DomainError, ErrorBody, ErrorCode

log = logging.getLogger("taskengine.api")

_BY_STATUS = {code.status: code for code in reversed(ErrorCode)}  # lowest code of each status wins


def error_response(
    code: ErrorCode,
    description: str,
    *,
    status: int | None = None,
    body: ErrorBody | None = None,
    headers: dict[str, str] | None = None,
) -> Response[ErrorBody]:
    return Response(
        body or ErrorBody(code=code.code, message=code.message, description=description),
        status_code=status or code.status,
        media_type=MediaType.JSON,
        headers=headers,
    )


def _domain(_: Request[Any, Any, Any], exc: DomainError) -> Response[ErrorBody]:
    return error_response(exc.code, exc.description, body=exc.body(), headers=exc.headers)


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[ErrorBody]:
    if isinstance(exc, RequestEntityTooLarge):
        code, description = ErrorCode.BODY_TOO_LARGE, "the request body exceeds the configured limit"
    elif isinstance(exc, NotFoundException):
        if "route_handler" not in request.scope:  # no route took the path: perhaps only its ids kept it out
            try:
                check_unrouted((route.path for route in request.app.routes), request.scope["path"])
            except DomainError as refused:
                return _domain(request, refused)
        code, description = ErrorCode.NOT_FOUND, "no resource at this path"
    elif isinstance(exc, MethodNotAllowedException):
        code, description = ErrorCode.METHOD_NOT_ALLOWED, f"{request.method} is not allowed on {request.url.path}"
    elif isinstance(exc, ValidationException):
        if problems := parameter_problems(request, exc):
            description = "; ".join(str(problem) for problem in problems)
            return _domain(request, DomainError(ErrorCode.INVALID_PARAMETER, description, problems))
        code, description = ErrorCode.INVALID_PARAMETER, exc.detail
    elif isinstance(exc, NotAuthorizedException):
        code, description = ErrorCode.UNAUTHORIZED, exc.detail
    elif isinstance(exc, PermissionDeniedException):
        code, description = ErrorCode.FORBIDDEN, exc.detail
    else:
        code = _BY_STATUS.get(exc.status_code, ErrorCode.BAD_REQUEST if exc.status_code < 500 else ErrorCode.INTERNAL)
        description = exc.detail
    return error_response(code, description, status=exc.status_code, headers=exc.headers)


def _integrity(request: Request[Any, Any, Any], exc: IntegrityError) -> Response[ErrorBody]:
    # Services check what they can first; this is the race they cannot see (two requests at once).
    log.info("integrity error on %s %s: %s", request.method, request.url.path, exc.orig)
    return error_response(ErrorCode.CONFLICT, "the change conflicts with another one made at the same time; retry")


def _recursion(_: Request[Any, Any, Any], __: RecursionError) -> Response[ErrorBody]:
    return error_response(ErrorCode.INVALID_JSON, "JSON is nested too deeply")


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(ErrorCode.INTERNAL, "an unexpected error occurred; it has been logged")


EXCEPTION_HANDLERS: dict[type[Exception], Any] = {
    DomainError: _domain,
    HTTPException: _http,
    RecursionError: _recursion,
    IntegrityError: _integrity,
    Exception: _unexpected,
}
