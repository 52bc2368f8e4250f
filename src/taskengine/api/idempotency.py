"""Idempotency-Key: a retried create returns the first answer and creates nothing new."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar, cast

import msgspec
from litestar import Response
from litestar.params import HeaderParameter
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine.api.context import AnyRequest, as_requester
from taskengine.api.representation import HAL, JSON, wants_hal
from taskengine.db.models import IdempotencyRecord
from taskengine.errors import DomainError, ErrorCode

MAX_KEY_LENGTH = 255

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        min_length=1,
        max_length=MAX_KEY_LENGTH,
        description="any unique text per create: a retry with the same key and request returns the first answer "
        "(Idempotent-Replayed: true) and creates nothing; the same key with another request is 409",
    ),
]
"""The header of every create and copy call, so the document (and generated clients) offer it."""

T = TypeVar("T")


async def _find(session: AsyncSession, principal: str, principal_id: int, key: str) -> IdempotencyRecord | None:
    statement = select(IdempotencyRecord).where(
        IdempotencyRecord.principal == principal,
        IdempotencyRecord.principal_id == principal_id,
        IdempotencyRecord.key == key,
    )
    return (await session.exec(statement)).first()


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response[bytes]:
    if record.request_hash != fingerprint:
        raise DomainError(
            ErrorCode.IDEMPOTENCY_MISMATCH,
            f"Idempotency-Key {record.key!r} was first used for a different request ({record.method} {record.path}); "
            "use a new key for a new request",
        )
    return Response(
        record.response_body,
        status_code=record.status_code,
        media_type=record.media_type,
        headers={"Idempotent-Replayed": "true"},
    )


async def create_once(
    request: AnyRequest,
    create: Callable[[AsyncSession, int], Awaitable[T]],
    key: str | None,
    status_code: int = 201,
) -> Response[T]:
    """Run `create(session, requester_id)` for the requester, unless the Idempotency-Key `key` says it already ran."""
    principal = "requester"
    media_type = HAL if wants_hal(request) else JSON
    await request.body()  # received before a transaction opens: a slow upload must not hold the database
    if key is None:
        async with as_requester(request) as (session, principal_id):
            return Response(await create(session, principal_id), status_code=status_code, media_type=media_type)
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise DomainError(ErrorCode.BAD_REQUEST, f"the Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters long")
    body = await request.body()
    query = "&".join(sorted(f"{k}={v}" for k, v in request.query_params.multi_items()))
    fingerprint = hashlib.sha256(f"{request.method} {request.url.path}?{query}\n".encode() + body).hexdigest()
    try:
        async with as_requester(request) as (session, principal_id):
            record = await _find(session, principal, principal_id, key)
            if record is not None:
                return cast("Response[T]", _replay(record, fingerprint))
            content = msgspec.json.encode(await create(session, principal_id))
            session.add(
                IdempotencyRecord(
                    principal=principal,
                    principal_id=principal_id,
                    key=key,
                    method=request.method,
                    path=request.url.path,
                    request_hash=fingerprint,
                    status_code=status_code,
                    media_type=media_type,
                    response_body=content,
                )
            )
            await session.flush()
    except IntegrityError:
        # A concurrent request with the same key won; what it created is the answer to this one too.
        async with as_requester(request, write=False) as (session, principal_id):
            record = await _find(session, principal, principal_id, key)
        if record is None:
            raise
        return cast("Response[T]", _replay(record, fingerprint))
    # Already encoded (it is stored for replays): the declared type says what the bytes hold.
    return cast("Response[T]", Response(content, status_code=status_code, media_type=media_type))
