"""A campaign's places and the money each one holds.

Publishing freezes the price of every place (`workerPayment` plus its commission, per result of every job).
A place keeps its money frozen for as long as it can still be filled: reopening it (a rejection, an expiry,
a return, an unredone soft rejection) leaves the money where it is, so the next worker's approval can be
paid. Only what closes a place for good releases its money: closing the campaign releases every place not
held by live work, and a place of a closed campaign that reopens releases its own price.
"""

from __future__ import annotations

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine.db.models import Campaign, JobResult, JobSlots
from taskengine.domain.money import commission, release
from taskengine.domain.states._enums import CLOSED_STATES, ResultState


def place_price(campaign: Campaign) -> int:
    """What one result costs the requester: the worker's payment and the commission on it."""
    return campaign.worker_payment + commission(campaign.worker_payment, campaign.commission_rate_ppm)


async def lock_campaign(session: AsyncSession, campaign_id: int) -> Campaign:
    """The campaign locked until the transaction ends, read afresh (so its state and frozen money are current)."""
    statement = (
        select(Campaign).where(Campaign.id == campaign_id).with_for_update().execution_options(populate_existing=True)
    )
    return (await session.exec(statement)).one()


async def reopen_place(session: AsyncSession, campaign_id: int, job_id: int, reason: str) -> None:
    """One of the job's places is free again: on the market while the campaign runs, its money returned once closed."""
    # Locked first, so a concurrent close either counts this place as live or sees it reopened, never neither.
    campaign = await lock_campaign(session, campaign_id)
    await session.exec(
        update(JobSlots)
        .where(col(JobSlots.campaign_id) == campaign_id, col(JobSlots.job_id) == job_id)
        .values(live=col(JobSlots.live) - 1)
    )
    if campaign.state in CLOSED_STATES:
        await release(session, campaign.owner_id, campaign_id, place_price(campaign), reason)


async def held_by_live_work(session: AsyncSession, campaign: Campaign) -> int:
    """The money that live, undecided places need: working assignments and results not yet approved."""
    live = (
        await session.exec(select(func.coalesce(func.sum(JobSlots.live), 0)).where(JobSlots.campaign_id == campaign.id))
    ).one()
    approved = (
        await session.exec(
            select(func.count()).where(JobResult.campaign_id == campaign.id, JobResult.state == ResultState.APPROVED)
        )
    ).one()
    return place_price(campaign) * max(0, int(live) - int(approved))
