"""Campaigns: settings, jobs, copies and archiving."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from taskengine.db.models import MAX_ID, Campaign, CampaignJob, Job, WorkerGroup, utcnow
from taskengine.domain.authoring import (
    checked_ids,
    duplicate_job,
    ensure_editable,
    get_owned,
    set_archived,
    tasks_of,
    touch,
)
from taskengine.domain.campaigns._schemas import CampaignIn
from taskengine.domain.campaigns._values import parse_date, parse_duration
from taskengine.domain.listing import ListQuery, Page, list_page, page_direction, search_text
from taskengine.domain.money import to_micros
from taskengine.engine import Problem
from taskengine.errors import DomainError, ErrorCode

MAX_JOBS_PER_CAMPAIGN = 10_000
# (field, smallest, largest) in seconds
_DURATION_BOUNDS = {
    "est_duration": ("estDuration", 1, 86_400),
    "max_work_time": ("maxWorkTime", 60, 7 * 86_400),
    "max_upload_time": ("maxUploadTime", 60, 30 * 86_400),
    "max_review_time": ("maxReviewTime", 3600, 30 * 86_400),
}


def _settings(campaign: CampaignIn, now: datetime) -> tuple[CampaignIn, dict[str, Any]]:
    """The column values the settings make, or 422 listing every problem of their meaning."""
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for attribute, (wire, low, high) in _DURATION_BOUNDS.items():
        text = getattr(campaign, attribute)
        if text is None:
            values[f"{attribute}_s"] = 0
            continue
        try:
            seconds = parse_duration(text)
        except ValueError as exc:
            problems.append(Problem(wire, str(exc), "duration"))
            continue
        if not low <= seconds <= high:
            problems.append(Problem(wire, f"must be between {low} and {high} seconds, got {seconds}", "out-of-range"))
        values[f"{attribute}_s"] = seconds
    try:
        # As text, so to_micros's length bound applies to what the client wrote (a float prints short).
        payment = to_micros(str(campaign.worker_payment))
        values["worker_payment"] = payment
        if payment > 1000 * 10**6:
            problems.append(Problem("workerPayment", "must be at most 1000 (USD)", "out-of-range"))
    except (ValueError, ArithmeticError) as exc:
        problems.append(Problem("workerPayment", f"must be an amount in USD with at most 6 decimals: {exc}", "amount"))
    for attribute, wire in (("start_date", "startDate"), ("end_date", "endDate")):
        text = getattr(campaign, attribute)
        try:
            values[attribute] = parse_date(text) if text is not None else None
        except ValueError as exc:
            problems.append(Problem(wire, str(exc), "date"))
    start, end = values.get("start_date"), values.get("end_date")
    if end is not None:
        if end <= now:
            problems.append(Problem("endDate", "must be in the future", "in-future"))
        elif start is not None and end <= start:
            problems.append(Problem("endDate", "must be after startDate", "time-order"))
    if campaign.max_results_per_worker > campaign.results:
        problems.append(Problem("maxResultsPerWorker", f"must be at most results ({campaign.results})", "out-of-range"))
    if problems:
        raise DomainError(ErrorCode.INVALID_BODY, "the campaign is invalid", problems)
    values.update(
        name=campaign.name,
        title=campaign.title,
        description=campaign.description,
        terms=campaign.terms,
        results=campaign.results,
        max_results_per_worker=campaign.max_results_per_worker,
        worker_group=campaign.worker_group,
        training=campaign.training,
        properties=msgspec.json.encode(campaign.properties).decode(),
        search_text=search_text(campaign.name, campaign.title, campaign.description),
    )
    values["est_duration_s"] = values.pop("est_duration_s")
    return campaign, values


async def _check_group(session: AsyncSession, owner_id: int, group_id: int | None) -> None:
    """A campaign may only name one of its own requester's worker groups."""
    if group_id is None:
        return
    group = await session.get(WorkerGroup, group_id) if group_id <= MAX_ID else None
    if group is None or group.owner_id != owner_id:
        problem = Problem("workerGroup", f"no worker group with id {group_id}", "exists")
        raise DomainError(ErrorCode.INVALID_BODY, "the campaign is invalid", [problem])


async def create_campaign(session: AsyncSession, owner_id: int, body: CampaignIn) -> Campaign:
    _, values = _settings(body, utcnow())
    await _check_group(session, owner_id, values["worker_group"])
    row = Campaign(owner_id=owner_id, **values)
    session.add(row)
    await session.flush()
    return row


async def get_campaign(session: AsyncSession, owner_id: int, campaign_id: int, *, for_update: bool = False) -> Campaign:
    return await get_owned(session, Campaign, owner_id, campaign_id, "campaign", for_update=for_update)


async def list_campaigns(session: AsyncSession, owner_id: int, query: ListQuery) -> Page:
    return await list_page(session, Campaign, owner_id, query)


async def update_campaign(session: AsyncSession, owner_id: int, campaign_id: int, body: CampaignIn) -> Campaign:
    row = await get_campaign(session, owner_id, campaign_id, for_update=True)
    ensure_editable(row, "campaign", "/campaigns")
    _, values = _settings(body, utcnow())
    await _check_group(session, owner_id, values["worker_group"])
    for key, value in values.items():
        setattr(row, key, value)
    touch(row)
    session.add(row)
    await session.flush()
    return row


async def delete_campaign(session: AsyncSession, owner_id: int, campaign_id: int) -> None:
    row = await get_campaign(session, owner_id, campaign_id, for_update=True)
    ensure_editable(row, "campaign", "/campaigns")
    await session.exec(delete(CampaignJob).where(col(CampaignJob.campaign_id) == campaign_id))
    await session.delete(row)
    await session.flush()


async def job_ids_of(session: AsyncSession, campaign_id: int) -> list[int]:
    statement = (
        select(CampaignJob.job_id).where(CampaignJob.campaign_id == campaign_id).order_by(col(CampaignJob.position))
    )
    return list((await session.exec(statement)).all())


async def jobs_of(session: AsyncSession, owner_id: int, campaign_id: int) -> list[Job]:
    """The campaign's jobs in order."""
    await get_campaign(session, owner_id, campaign_id)
    statement = (
        select(Job)
        .join(CampaignJob, col(CampaignJob.job_id) == col(Job.id))
        .where(CampaignJob.campaign_id == campaign_id)
        .order_by(col(CampaignJob.position))
    )
    return list((await session.exec(statement)).all())


async def jobs_page(session: AsyncSession, owner_id: int, campaign_id: int, query: ListQuery) -> Page:
    """A page of the campaign's jobs in their order; the cursors are positions."""
    await get_campaign(session, owner_id, campaign_id)
    forward, cursor = page_direction(query)
    statement = select(Job, CampaignJob.position).join(CampaignJob, col(CampaignJob.job_id) == col(Job.id))
    statement = statement.where(CampaignJob.campaign_id == campaign_id)
    if cursor is not None:
        try:
            # ASCII digits only: int() would also take "+1", " 1" or other scripts' digits for the same position.
            if not (cursor.isascii() and cursor.isdigit() and len(cursor) <= len(str(MAX_ID))):
                raise ValueError
            position = int(cursor)
            if not 0 <= position <= MAX_ID:
                raise ValueError
        except ValueError:
            parameter = "after" if forward else "before"
            raise DomainError(
                ErrorCode.INVALID_PARAMETER,
                f"{parameter}: not a cursor from this list; follow the _links of a previous page",
                [Problem(parameter, "is not a valid cursor", "cursor")],
            ) from None
        statement = statement.where(CampaignJob.position > position if forward else CampaignJob.position < position)
    order = CampaignJob.position.asc() if forward else CampaignJob.position.desc()  # type: ignore[attr-defined]
    rows = list((await session.exec(statement.order_by(order).limit(query.limit + 1))).all())
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    if not forward:
        rows.reverse()
    has_next, has_previous = (more, query.after is not None) if forward else (True, more)
    return Page(
        rows=[job for job, _ in rows],
        next=str(rows[-1][1]) if rows and has_next else None,
        previous=str(rows[0][1]) if rows and has_previous else None,
    )


async def set_jobs(
    session: AsyncSession, owner_id: int, campaign_id: int, body: list[Any], *, append: bool = False
) -> list[Job]:
    """Replace the campaign's jobs with the ordered ids in `body` (or, with `append`, add them after its jobs);
    a job may stand only once."""
    row = await get_campaign(session, owner_id, campaign_id, for_update=True)
    ensure_editable(row, "campaign", "/campaigns")
    kept = await job_ids_of(session, campaign_id) if append else []
    ids = await checked_ids(session, Job, owner_id, body, "job", MAX_JOBS_PER_CAMPAIGN - len(kept))
    there = set(kept)
    seen: dict[int, int] = {}
    repeats = [
        Problem(f"[{i}]", f"job {j} is in the campaign already", "unique")
        if j in there
        else Problem(f"[{i}]", f"job {j} stands at [{seen[j]}] already", "unique")
        for i, j in enumerate(ids)
        if j in there or seen.setdefault(j, i) != i
    ]
    if repeats:
        raise DomainError(ErrorCode.INVALID_BODY, "a job can stand in a campaign only once", repeats)
    await _replace_jobs(session, campaign_id, [*kept, *ids])
    touch(row)
    session.add(row)
    await session.flush()
    return await jobs_of(session, owner_id, campaign_id)


async def _replace_jobs(session: AsyncSession, campaign_id: int, ids: Iterable[int]) -> None:
    await session.exec(delete(CampaignJob).where(col(CampaignJob.campaign_id) == campaign_id))
    session.add_all(CampaignJob(campaign_id=campaign_id, position=i, job_id=job_id) for i, job_id in enumerate(ids))
    await session.flush()


async def copy_campaign(session: AsyncSession, owner_id: int, campaign_id: int, deep: bool) -> Campaign:
    """An unpublished, editable copy; `deep` copies the jobs (and their tasks) too."""
    source = await get_campaign(session, owner_id, campaign_id)
    # Dates are left out: a copy is to be edited and published by hand, never started by an old startDate.
    excluded = {"id", "read_only", "archived", "state", "frozen", "commission_rate_ppm", "published_at"}
    excluded |= {"start_date", "end_date"}
    row = Campaign(**source.model_dump(exclude=excluded | {"created_at", "last_modified_at"}))
    session.add(row)
    await session.flush()
    assert row.id is not None
    ids = await job_ids_of(session, campaign_id)
    if deep:
        jobs = [await session.get(Job, job_id) for job_id in ids]
        ids = [(await duplicate_job(session, job, deep=True)).id for job in jobs if job is not None]  # type: ignore[misc]
    await _replace_jobs(session, row.id, ids)
    return row


async def archive_campaign(
    session: AsyncSession, owner_id: int, campaign_id: int, archived: bool, deep: bool
) -> Campaign:
    """(Un)archive the campaign and, with `deep`, its jobs and their tasks (unarchiving is always deep)."""
    row = await get_campaign(session, owner_id, campaign_id)
    rows: list[Any] = [row]
    if deep or not archived:
        for job in await jobs_of(session, owner_id, campaign_id):
            rows.append(job)
            rows.extend(await tasks_of(session, owner_id, job.id))  # type: ignore[arg-type]
    await set_archived(session, rows, archived)
    return row
