"""Email and password, the same for requesters and workers: checking, storing and signing in."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, TypeVar

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine.domain.accounts._passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    hash_password,
    verify_password,
)
from taskengine.engine import Problem
from taskengine.errors import DomainError, ErrorCode

A = TypeVar("A")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def canonical_email(email: str) -> str:
    """The one spelling an address is stored and looked up by: NFKC, case-folded, trimmed.

    Full-width letters, ligatures and other compatibility forms fold to what they look like, so a look-alike
    spelling of an existing address finds that account instead of making a second one.
    """
    return unicodedata.normalize("NFKC", email).strip().casefold()


def normalise_email(email: str) -> str:
    """The canonical address, or 422 if it is not one (invisible and control characters included)."""
    email = canonical_email(email)
    invisible = any(unicodedata.category(char).startswith("C") for char in email)
    if invisible or len(email) > 254 or not _EMAIL.match(email):
        problem = Problem("email", "is not an email address", "email")
        raise DomainError(ErrorCode.INVALID_BODY, f"{email[:80]!r} is not an email address", [problem])
    return email


async def new_credentials(session: AsyncSession, model: Any, what: str, email: str, password: str) -> tuple[str, str]:
    """The normalised email and the password's hash for a new account of `model`; 422 or 409 if unusable."""
    email = normalise_email(email)
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        bounds = f"{MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH}"
        rule = "too-short" if len(password) < MIN_PASSWORD_LENGTH else "too-long"
        problem = Problem("password", f"must be {bounds} characters long", rule)
        raise DomainError(ErrorCode.INVALID_BODY, f"the password must be {bounds} characters long", [problem])
    if (await session.exec(select(model.id).where(model.email == email))).first() is not None:
        raise DomainError(ErrorCode.CONFLICT, f"a {what} with email {email} exists already")
    return email, await hash_password(password)


async def account_by_email(session: AsyncSession, model: type[A], email: str) -> A | None:
    """The account of `model` with this address (in any spelling that folds to it), or None."""
    return (await session.exec(select(model).where(model.email == canonical_email(email)))).first()  # type: ignore[attr-defined]


async def check_password(account: A | None, password: str) -> A:
    """`account` if `password` is its password, or 401 without saying which of the two was wrong.

    Needs no database: a check takes a core for ~0.3 s, so sign-in calls it with no unit of work open, and no
    connection or lock waits on it.
    """
    if not await verify_password(account.password_hash if account else None, password) or account is None:  # type: ignore[attr-defined]
        raise DomainError(ErrorCode.UNAUTHORIZED, "wrong email or password")
    return account
