"""Password hashing with Argon2id (argon2-cffi), off the event loop: a hash costs tens of milliseconds."""

from __future__ import annotations

import os

import anyio
import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
# Verified when the email is unknown, so a wrong email costs as long as a wrong password: one per hasher used.
_DUMMY_HASHES = {_HASHER: _HASHER.hash("not a password anyone has")}

# Each hash holds 64 MiB and a core for a few hundred milliseconds. More at once than there are cores only adds
# memory (40 at once would hold 2.5 GB) and takes the CPU the event loop needs; the rest wait their turn.
_HASHING = anyio.CapacityLimiter(max(2, os.cpu_count() or 2))


def use_password_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Hash new passwords with `hasher` from now on (tests use a cheap one); returns the one it replaces.

    Stored hashes carry their own parameters, so existing ones still verify. Unknown emails are checked against a
    hash of `hasher`'s cost too, so they still cost what a wrong password costs.
    """
    global _HASHER
    previous, _HASHER = _HASHER, hasher
    if hasher not in _DUMMY_HASHES:
        _DUMMY_HASHES[hasher] = hasher.hash("not a password anyone has")
    return previous


MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_HASHER.hash, password, limiter=_HASHING)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; None stands for an unknown account and always fails (in constant time)."""

    def verify() -> bool:
        try:
            return _HASHER.verify(password_hash or _DUMMY_HASHES[_HASHER], password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    return await anyio.to_thread.run_sync(verify, limiter=_HASHING)
