"""Worker figures (SWARMS "reputation", "experience", "results"), defined here and documented in the README.

- experience: the number of the worker's approved results.
- reputation: 100 * approved / (approved + rejected), in percent with two decimals; 100 before any decision.
  Results in review do not count yet.
Each comes as `global` (every requester) and `me` (the asking requester's campaigns only).
"""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import case, func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine.db.models import Campaign, JobResult, utcnow
from taskengine.domain.states import ResultState, result_state_column

_COUNTED = (ResultState.IN_REVIEW, ResultState.APPROVED, ResultState.REJECTED)


class Figure(msgspec.Struct):
    """A percentage, always a JSON float (`100.0`, `66.67`) so clients decode one type."""

    me: float
    global_: float = msgspec.field(name="global")


class Count(msgspec.Struct):
    """A count, always a JSON integer."""

    me: int
    global_: int = msgspec.field(name="global")


class Counts(msgspec.Struct, rename="camel"):
    in_review: int = 0
    approved: int = 0
    rejected: int = 0


class WorkerFigures(msgspec.Struct, kw_only=True):
    id: int
    reputation: Figure
    experience: Count
    results: Counts
    links: dict[str, Any] | msgspec.UnsetType = msgspec.field(default=msgspec.UNSET, name="_links")


def reputation(approved: int, rejected: int) -> float:
    decided = approved + rejected
    return 100.0 if decided == 0 else float(round(100 * approved / decided, 2))


def _counting() -> list[Any]:
    """Counts by the state each result reads now: one past its review time counts as approved already."""
    state = result_state_column(utcnow())
    return [func.sum(case((state == s.value, 1), else_=0)) for s in _COUNTED]


async def counts_by_worker(
    session: AsyncSession, worker_ids: list[int], *, owner_id: int | None = None, campaign_id: int | None = None
) -> dict[int, Counts]:
    """Result counts per worker: everywhere, in one requester's campaigns, or in one campaign."""
    statement = select(JobResult.worker_id, *_counting()).where(JobResult.worker_id.in_(worker_ids))  # type: ignore[attr-defined]
    if owner_id is not None:
        statement = statement.join(Campaign, Campaign.id == JobResult.campaign_id).where(Campaign.owner_id == owner_id)
    if campaign_id is not None:
        statement = statement.where(JobResult.campaign_id == campaign_id)
    rows = (await session.exec(statement.group_by(JobResult.worker_id))).all()
    found = {worker: Counts(int(r or 0), int(a or 0), int(j or 0)) for worker, r, a, j in rows}
    return {worker: found.get(worker, Counts()) for worker in worker_ids}


async def figures(
    session: AsyncSession, worker_ids: list[int], owner_id: int | None, campaign_id: int | None = None
) -> dict[int, WorkerFigures]:
    """Each worker's reputation and experience (global and for `owner_id`) and their results in `campaign_id`."""
    everywhere = await counts_by_worker(session, worker_ids)
    mine = await counts_by_worker(session, worker_ids, owner_id=owner_id) if owner_id is not None else everywhere
    here = await counts_by_worker(session, worker_ids, campaign_id=campaign_id) if campaign_id is not None else mine
    return {
        w: WorkerFigures(
            id=w,
            reputation=Figure(
                me=reputation(mine[w].approved, mine[w].rejected),
                global_=reputation(everywhere[w].approved, everywhere[w].rejected),
            ),
            experience=Count(me=mine[w].approved, global_=everywhere[w].approved),
            results=here[w],
        )
        for w in worker_ids
    }
