"""Accounts: requesters, passwords and auth tokens."""

from taskengine.domain.accounts._credentials import (
    account_by_email,
    canonical_email,
    check_password,
    new_credentials,
)
from taskengine.domain.accounts._passwords import use_password_hasher
from taskengine.domain.accounts._requesters import (
    READ_ONLY_PROFILE_FIELDS,
    Profile,
    ProfileUpdate,
    create_requester,
    credit_requester,
    get_requester,
    profile_of,
    requester_by_email,
    update_profile,
)
from taskengine.domain.accounts._tokens import digest, discard_token, issue_token, resolve_token, token_live

__all__ = [
    "READ_ONLY_PROFILE_FIELDS",
    "Profile",
    "ProfileUpdate",
    "account_by_email",
    "canonical_email",
    "check_password",
    "create_requester",
    "credit_requester",
    "digest",
    "discard_token",
    "get_requester",
    "issue_token",
    "new_credentials",
    "profile_of",
    "requester_by_email",
    "resolve_token",
    "token_live",
    "update_profile",
    "use_password_hasher",
]
