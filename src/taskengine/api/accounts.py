"""Routes for signing in and the requester's profile (SWARMS "Auth Token" and "Profile")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, get, post, put
from litestar.params import JSONBody
from msgspec import Meta

from taskengine.api.body import json_body
from taskengine.api.context import (
    TOKEN_SECURITY,
    AnyRequest,
    as_requester,
    database,
    requires_token,
    sent_token,
    settings,
    settle_due_work,
)
from taskengine.api.docs import BODY, errors
from taskengine.api.ratelimits import enforce
from taskengine.db.models import Requester, Worker
from taskengine.domain import accounts
from taskengine.engine import Problem, convert_collecting
from taskengine.errors import DomainError, ErrorCode


class Credentials(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, Meta(min_length=1, max_length=254)]
    password: Annotated[str, Meta(min_length=1, max_length=1024)]


CREDENTIALS_BODY = json_body(Credentials, description='send {"email": ..., "password": ...}', principal=None)


class TokenOut(msgspec.Struct, rename="camel"):
    access_token: str
    expires_at: datetime
    user_id: int


async def sign_in(
    request: AnyRequest, credentials: Credentials, principal: str, model: type[Requester | Worker]
) -> TokenOut:
    """Check the email and password against the accounts of `model` and issue a token for that account.

    Limited per email and per client address (429) before the password is checked, so guessing is slow.
    """
    await enforce(request, "token", credentials.email, within=principal)
    ttl = settings(request).token_ttl_seconds
    db = database(request)
    async with db.transaction(write=False) as session:
        found: Requester | Worker | None = await accounts.account_by_email(session, model, credentials.email)
    # The password check takes a core for ~0.3 s: with no unit of work open, so it holds no connection and no
    # lock (inside one, every SQLite writer waited behind each sign-in; a burst ran into busy timeouts, 500).
    account: Requester | Worker = await accounts.check_password(found, credentials.password)
    assert account.id is not None  # a stored account
    async with db.transaction() as session:
        token, expires_at = await accounts.issue_token(session, principal, account.id, ttl)
    return TokenOut(access_token=token, expires_at=expires_at.replace(tzinfo=UTC), user_id=account.id)


class AuthController(Controller):
    path = "/auth/token"
    tags = ["accounts"]

    @post(
        "/request",
        status_code=200,
        summary="Exchange email and password for an auth token",
        description="Rate limited per email and per client address: 429 with Retry-After.",
        **CREDENTIALS_BODY,
        **errors(401, 429, *BODY),
    )
    async def request_token(self, request: AnyRequest, data: JSONBody[Credentials]) -> TokenOut:
        return await sign_in(request, data, "requester", Requester)

    @post(
        "/discard",
        status_code=204,
        summary="Make the X-Auth-Token unusable",
        guards=[requires_token],
        security=TOKEN_SECURITY,
        **errors(401),
    )
    async def discard(self, request: AnyRequest) -> None:
        async with as_requester(request) as (session, _):
            await accounts.discard_token(session, "requester", sent_token(request.headers) or "")


class ProfileController(Controller):
    path = "/me"
    tags = ["accounts"]
    guards = [requires_token]
    security = TOKEN_SECURITY

    @get("/", summary="Your profile and balance", **errors(401))
    async def get_profile(self, request: AnyRequest) -> accounts.Profile:
        # Due work moves money (a start date freezes it): run first, in its own transactions, so the balance counts it.
        await settle_due_work(request)
        async with as_requester(request, write=False) as (session, requester_id):
            return accounts.profile_of(await accounts.get_requester(session, requester_id))

    @put(
        "/",
        summary="Change the editable fields of your profile",
        # Converted here, not by the hook: read-only fields get a message of their own.
        **json_body(accounts.ProfileUpdate, None),
        **errors(401, *BODY),
    )
    async def update_profile(self, request: AnyRequest, data: JSONBody[Any]) -> accounts.Profile:
        async with as_requester(request) as (session, requester_id):
            body = data
            # Read-only fields get a message of their own, and every other problem is reported beside them.
            read_only = {
                key for key in (body if isinstance(body, dict) else ()) if key in accounts.READ_ONLY_PROFILE_FIELDS
            }
            rest = {k: v for k, v in body.items() if k not in read_only} if isinstance(body, dict) else body
            changes, problems = convert_collecting(rest, accounts.ProfileUpdate)
            problems = [Problem(key, "is read-only", "read-only") for key in sorted(read_only)] + problems
            if changes is None or problems:
                raise DomainError(ErrorCode.INVALID_BODY, "only the editable profile fields can change", problems)
            return accounts.profile_of(await accounts.update_profile(session, requester_id, changes))
