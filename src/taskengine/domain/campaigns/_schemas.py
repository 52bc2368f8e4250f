"""Campaigns on the wire, and the one place rows become wire objects."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import Meta

from taskengine.db.models import Campaign
from taskengine.domain.authoring import Links, aware
from taskengine.domain.campaigns._values import MAX_DURATION_CHARS, format_duration
from taskengine.domain.money import MAX_AMOUNT_CHARS, usd_number
from taskengine.domain.states import CampaignState
from taskengine.engine import CustomProperties, Name, OptionalLongText, OptionalText

DurationText = Annotated[
    str, Meta(max_length=MAX_DURATION_CHARS, description="a duration like '10 min', '4 hours' or '3 days'")
]
DateText = Annotated[str, Meta(max_length=40, description="ISO-8601; no zone means UTC")]


class CampaignIn(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    """A campaign's settings as a requester sends them (POST /campaigns, PUT /campaigns/{id})."""

    name: Name
    title: OptionalText = ""
    description: OptionalLongText = ""
    terms: OptionalLongText = ""
    est_duration: DurationText | None = None
    # Text keeps every digit exact; its length is bounded so parsing it costs nothing however it is written.
    worker_payment: Annotated[float, Meta(ge=0, le=1000)] | Annotated[str, Meta(max_length=MAX_AMOUNT_CHARS)] = 0
    results: Annotated[int, Meta(ge=1, le=1000)] = 1
    max_results_per_worker: Annotated[int, Meta(ge=1, le=1000)] = 1
    worker_group: Annotated[int, Meta(ge=1)] | None = None
    max_work_time: DurationText = "1 hour"
    max_upload_time: DurationText = "1 day"
    max_review_time: DurationText = "3 days"
    training: bool = False
    start_date: DateText | None = None
    end_date: DateText | None = None
    properties: CustomProperties = {}


class CampaignOut(msgspec.Struct, rename="camel", kw_only=True):
    name: str
    title: str
    description: str
    terms: str
    est_duration: str | None
    worker_payment: msgspec.Raw
    results: int
    max_results_per_worker: int
    worker_group: int | None
    max_work_time: str
    max_upload_time: str
    max_review_time: str
    training: bool
    start_date: datetime | None
    end_date: datetime | None
    properties: msgspec.Raw
    state: CampaignState
    id: int
    read_only: bool
    last_modified_at: datetime
    created_at: datetime
    archived: bool
    links: Links | msgspec.UnsetType = msgspec.field(default=msgspec.UNSET, name="_links")


def campaign_out(campaign: Campaign) -> CampaignOut:
    assert campaign.id is not None
    return CampaignOut(
        name=campaign.name,
        title=campaign.title,
        description=campaign.description,
        terms=campaign.terms,
        est_duration=format_duration(campaign.est_duration_s) if campaign.est_duration_s else None,
        # A JSON number with the exact decimal digits: money never passes through a float.
        worker_payment=usd_number(campaign.worker_payment),
        results=campaign.results,
        max_results_per_worker=campaign.max_results_per_worker,
        worker_group=campaign.worker_group,
        max_work_time=format_duration(campaign.max_work_time_s),
        max_upload_time=format_duration(campaign.max_upload_time_s),
        max_review_time=format_duration(campaign.max_review_time_s),
        training=campaign.training,
        start_date=aware(campaign.start_date),
        end_date=aware(campaign.end_date),
        properties=msgspec.Raw(campaign.properties.encode()),
        state=CampaignState(campaign.state),
        id=campaign.id,
        read_only=campaign.read_only,
        last_modified_at=aware(campaign.last_modified_at),  # type: ignore[arg-type]
        created_at=aware(campaign.created_at),  # type: ignore[arg-type]
        archived=campaign.archived,
    )


def state_actions(state: str) -> tuple[str, ...]:
    """The lifecycle actions possible in `state` (for HAL links)."""
    return {
        CampaignState.UNPUBLISHED: ("publish",),
        CampaignState.ACTIVE: ("pause", "cancel"),
        CampaignState.PAUSED: ("continue", "cancel"),
    }.get(CampaignState(state), ())
