"""Auth tokens: random bearer strings, stored only as SHA-256 digests, with an expiry."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine.db.models import AuthToken, utcnow
from taskengine.errors import DomainError, ErrorCode


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


async def issue_token(
    session: AsyncSession, principal: str, principal_id: int, ttl_seconds: int
) -> tuple[str, datetime]:
    """A new token for (principal, id) and when it expires; only its digest is stored."""
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(seconds=ttl_seconds)
    session.add(
        AuthToken(principal=principal, principal_id=principal_id, token_hash=digest(token), expires_at=expires_at)
    )
    await session.flush()
    return token, expires_at


def token_live(expires_at: datetime, discarded_at: datetime | None, now: datetime) -> bool:
    """Whether a token with these dates may be used at `now` (`resolve_token` says why not)."""
    return discarded_at is None and expires_at > now


async def resolve_token(session: AsyncSession, principal: str, token: str | None) -> int:
    """The id of the principal holding `token`, or DomainError 401 saying exactly what is wrong."""
    if not token:
        raise DomainError(ErrorCode.UNAUTHORIZED, "send your auth token in the X-Auth-Token header")
    row = (await session.exec(select(AuthToken).where(AuthToken.token_hash == digest(token)))).first()
    if row is None:
        raise DomainError(ErrorCode.UNAUTHORIZED, "the X-Auth-Token is not valid; request a new one")
    if row.discarded_at is not None:
        raise DomainError(ErrorCode.UNAUTHORIZED, "the X-Auth-Token was discarded; request a new one")
    if row.expires_at <= utcnow():
        raise DomainError(
            ErrorCode.UNAUTHORIZED, f"the X-Auth-Token expired at {row.expires_at.isoformat()}Z; request a new one"
        )
    # A dead token is a 401 wherever it is sent; a live one on the other side's routes is a 403.
    if row.principal != principal:
        raise DomainError(
            ErrorCode.FORBIDDEN, f"this route is for {principal}s; a {row.principal}'s token cannot use it"
        )
    return row.principal_id


async def discard_token(session: AsyncSession, principal: str, token: str) -> None:
    """Make `token` unusable from now on."""
    row = (await session.exec(select(AuthToken).where(AuthToken.token_hash == digest(token)))).first()
    if row is not None and row.principal == principal and row.discarded_at is None:
        row.discarded_at = utcnow()
        session.add(row)
        await session.flush()
