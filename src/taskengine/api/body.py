"""JSON request bodies: the guards every endpoint needs, typed for OpenAPI, with every problem listed.

A handler taking a body declares it with `**json_body(T, ...)` and `data: T`. Litestar then documents `T` as the
request body, while the decoding is ours, in three steps:

1. `read_json` (a before-request hook, so it may await): Content-Type, empty body, `parse_json` with its depth,
   NUL and huge-integer guards, off the event loop for large bodies;
2. `convert_collecting` to `T`, so a body that fails gets every problem with its path and the endpoint's own code;
3. the DTO hands the converted value to the handler.

Litestar's own decoding would stop at the first problem, answer in its own shape and parse on the event loop.
A body that fails any step is refused only once the token is known good (a wrong token gets 401 whatever the body),
and one that fails step 2 only once every id in the path names an object the caller may see (404 otherwise, see
api/path_objects.py), as before bodies were typed; those checks cost a read transaction on the failure path alone.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import anyio.to_thread
import msgspec
from litestar import Request
from litestar.dto import AbstractDTO
from litestar.dto.data_structures import DTOFieldDefinition
from litestar.openapi.spec import OpenAPIType, Operation, Reference, RequestBody, Schema
from litestar.typing import FieldDefinition
from msgspec import Meta

from taskengine.api.path_objects import check_named
from taskengine.db.models import MAX_ID
from taskengine.domain.accounts import resolve_token
from taskengine.engine import JsonInputError, check_value, convert_collecting, parse_json
from taskengine.errors import DomainError, ErrorCode
from taskengine.settings import Settings

T = TypeVar("T")

_JSON_TYPES = ("application/json", "application/hal+json", "text/json")
_UTF8 = ("utf-8", "utf8", "us-ascii")  # JSON is UTF-8 (RFC 8259); ASCII is a subset of it
_PARSED = "taskengine.body"  # where the hook leaves the converted body for the DTO, in the request's scope state

PARSE_IN_THREAD_ABOVE = 64 * 1024
"""Bodies larger than this are parsed in a worker thread: a megabyte of small numbers takes about 0.1 s to decode
and check, time the event loop should spend answering others. Below it the thread hop would cost more than it saves."""


class BodySpec(msgspec.Struct, frozen=True):
    """How one endpoint's body is decoded: `convert` to that type (None: the JSON values as they are, for bodies
    the engine checks itself), refusing with `code` and `description`; `optional`: an empty body means None."""

    convert: Any
    code: ErrorCode = ErrorCode.INVALID_BODY
    description: str = "the request body is invalid"
    optional: bool = False
    principal: str | None = "requester"


def _content_type_problem(header: str) -> str | None:
    """Why a Content-Type header does not announce JSON, or None if it does."""
    media_type, *parameters = (part.strip().lower() for part in header.split(";"))
    if media_type not in _JSON_TYPES and not media_type.endswith("+json"):
        return f"send the body as application/json, not {media_type[:100]!r}"
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip() == "charset" and value.strip().strip('"') not in _UTF8:
            return f"JSON bodies are UTF-8; send charset=utf-8 or no charset, not {value.strip()[:40]!r}"
    return None


async def read_json(request: Request[Any, Any, Any]) -> Any:
    """The body decoded as plain JSON values; a clear 4xx for anything else.

    A body needs a JSON Content-Type: a missing header is refused like a wrong one (415), since guessing would
    accept what a browser form or a misconfigured client sent by mistake. An empty body is refused as empty (400),
    with or without the header.
    """
    settings: Settings = request.app.state.settings
    header = request.headers.get("content-type")
    if header is not None and (problem := _content_type_problem(header)):
        raise DomainError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, problem)
    body = await request.body()
    if not body.strip():
        raise DomainError(ErrorCode.INVALID_JSON, "the request body is empty; send a JSON object")
    if header is None:
        raise DomainError(
            ErrorCode.UNSUPPORTED_MEDIA_TYPE, "the body has no Content-Type; send it as Content-Type: application/json"
        )
    try:
        if len(body) > PARSE_IN_THREAD_ABOVE:
            return await anyio.to_thread.run_sync(lambda: parse_json(body, max_depth=settings.max_json_depth))
        return parse_json(body, max_depth=settings.max_json_depth)
    except JsonInputError as exc:
        raise DomainError(ErrorCode.INVALID_JSON, str(exc)) from None


def _convert(value: Any, spec: BodySpec) -> Any:
    """`value` as `spec.convert`, or DomainError listing every problem."""
    if spec.convert is None:
        return value
    if isinstance(spec.convert, type) and issubclass(spec.convert, msgspec.Struct):
        converted, problems = convert_collecting(value, spec.convert)
        if converted is not None:
            return converted
    else:
        problems = check_value(value, spec.convert)
        if not problems:
            return msgspec.convert(value, spec.convert)
    raise DomainError(spec.code, spec.description, problems)


class BodyHook:
    """The before-request hook of one body route: decode the body as `spec` says and leave it for the DTO."""

    def __init__(self, spec: BodySpec) -> None:
        self.spec = spec

    def __deepcopy__(self, memo: dict[int, Any]) -> BodyHook:
        return self  # immutable; Litestar copies handlers, and msgspec.Meta in the spec's types cannot be copied

    async def __call__(self, request: Request[Any, Any, Any]) -> None:
        if self.spec.optional and not (await request.body()).strip():
            request.scope["state"][_PARSED] = None
            return
        # As before bodies were typed: how the body is sent (Content-Type, JSON at all) is judged before the
        # object the path names, what it says only once that object is known to be the caller's.
        try:
            value = await read_json(request)
        except DomainError as error:
            await self._refuse(request, error, judge_path=False)
        try:
            converted = _convert(value, self.spec)
        except DomainError as error:
            await self._refuse(request, error, judge_path=True)
        request.scope["state"][_PARSED] = converted

    async def _refuse(self, request: Request[Any, Any, Any], error: DomainError, *, judge_path: bool) -> None:
        """Raise `error`, unless what the handler checks first fails: a bad token (401), or with `judge_path` an id
        in the path naming nothing the caller may see (404), as the handler would answer before using the body."""
        principal = self.spec.principal
        if principal is not None:
            async with request.app.state.db.transaction(write=False) as session:
                caller_id = await resolve_token(session, principal, request.headers.get("x-auth-token"))
                if judge_path:
                    await check_named(session, principal, caller_id, request.path_params)
        raise error


def body_principal(handler: Any) -> str | None:
    """Who a route handler's body hook checks before refusing a body (None: no body hook, or a public route)."""
    hook = getattr(handler, "before_request", None)
    return hook.spec.principal if isinstance(hook, BodyHook) else None


class JsonBodyDTO(AbstractDTO[T]):
    """A data DTO that documents its model type and hands over what the `json_body` hook decoded."""

    schema: Schema | None = None
    """The schema documented instead of the model type's, for constraints Litestar cannot read off a type
    (`Meta` on a list's items)."""

    @classmethod
    def generate_field_definitions(cls, model_type: type[Any]) -> Generator[DTOFieldDefinition, None, None]:
        yield from ()

    @classmethod
    def detect_nested_field(cls, field_definition: FieldDefinition) -> bool:
        return False

    @classmethod
    def create_for_field_definition(
        cls, field_definition: FieldDefinition, handler_id: str, backend_cls: Any = None
    ) -> None:
        return None  # no backend: decoding happens in the hook

    @classmethod
    def create_openapi_schema(
        cls, field_definition: FieldDefinition, handler_id: str, schema_creator: Any
    ) -> Reference | Schema:
        if cls.schema is not None:
            return cls.schema
        schema: Reference | Schema = schema_creator.for_field_definition(
            FieldDefinition.from_annotation(cls.model_type)
        )
        return schema

    def decode_bytes(self, value: bytes) -> Any:
        return self.asgi_connection.scope["state"][_PARSED]


@dataclass
class OptionalBodyOperation(Operation):
    """An operation whose body may be left out (Litestar documents every body as required)."""

    def __post_init__(self) -> None:
        if isinstance(self.request_body, RequestBody):
            self.request_body.required = False


def json_body(
    documented: Any,
    convert: Any = ...,
    *,
    code: ErrorCode = ErrorCode.INVALID_BODY,
    description: str = "the request body is invalid",
    optional: bool = False,
    principal: str | None = "requester",
    schema: Schema | None = None,
) -> dict[str, Any]:
    """Handler keyword arguments for a JSON body documented as `documented` (or as `schema`) and converted to
    `convert` (default the same; None keeps the JSON values, for bodies the engine checks with its own paths and
    code). `optional`: an empty body means None, documented as not required."""
    spec = BodySpec(documented if convert is ... else convert, code, description, optional, principal)
    documented_as = {"operation_class": OptionalBodyOperation} if optional else {}
    dto = type("JsonBodyDTO", (JsonBodyDTO[documented],), {"schema": schema})
    return {"dto": dto, "return_dto": None, "before_request": BodyHook(spec), **documented_as}


def id_list_body(limit: int, what: str) -> dict[str, Any]:
    """A JSON array of at most `limit` ids, documented as such; the service checks each entry and names every bad
    one (wrong type, no such row, archived) in one answer, so the array's entries are not converted here."""
    return json_body(
        list[int],
        Annotated[list[Any], Meta(max_length=limit)],
        description=f"send a JSON array of at most {limit} {what} ids",
        schema=Schema(
            type=OpenAPIType.ARRAY,
            items=Schema(type=OpenAPIType.INTEGER, minimum=1, maximum=MAX_ID),
            max_items=limit,
            description=f"{what} ids",
        ),
    )
