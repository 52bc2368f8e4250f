"""Worker accounts: sign-up (or an operator), sign-in and the worker's own figures."""

from __future__ import annotations

import msgspec
from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine.db.models import Worker
from taskengine.domain.accounts import new_credentials
from taskengine.domain.money import format_usd
from taskengine.errors import DomainError, ErrorCode


class WorkerProfile(msgspec.Struct, rename="camel", kw_only=True):
    """What GET /worker/me shows a worker about themselves."""

    id: int
    email: str
    earnings: str
    earnings_micros: int


async def create_worker(session: AsyncSession, email: str, password: str) -> Worker:
    email, password_hash = await new_credentials(session, Worker, "worker", email, password)
    worker = Worker(email=email, password_hash=password_hash)
    session.add(worker)
    await session.flush()
    return worker


async def get_worker(session: AsyncSession, worker_id: int) -> Worker:
    worker = await session.get(Worker, worker_id)
    if worker is None:
        raise DomainError(ErrorCode.UNAUTHORIZED, "the account of this token no longer exists")
    return worker


def worker_profile(worker: Worker, due: int = 0) -> WorkerProfile:
    """The profile; `due` is what approvals the scheduler has yet to make will add (they read as made)."""
    assert worker.id is not None
    earned = worker.earned + due
    return WorkerProfile(id=worker.id, email=worker.email, earnings=format_usd(earned), earnings_micros=earned)
