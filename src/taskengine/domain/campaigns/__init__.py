"""Campaigns: settings, jobs, lifecycle and the money they freeze."""

from taskengine.domain.campaigns._campaigns import (
    MAX_JOBS_PER_CAMPAIGN,
    archive_campaign,
    copy_campaign,
    create_campaign,
    delete_campaign,
    get_campaign,
    job_ids_of,
    jobs_of,
    jobs_page,
    list_campaigns,
    set_jobs,
    update_campaign,
)
from taskengine.domain.campaigns._lifecycle import (
    cost,
    finish,
    finish_if_complete,
    is_complete,
    publish,
    transition,
)
from taskengine.domain.campaigns._schemas import CampaignIn, CampaignOut, campaign_out, state_actions
from taskengine.domain.campaigns._values import format_duration, parse_date, parse_duration
from taskengine.domain.states import CLOSED_STATES, place_price, reopen_place

__all__ = [
    "CLOSED_STATES",
    "MAX_JOBS_PER_CAMPAIGN",
    "CampaignIn",
    "CampaignOut",
    "archive_campaign",
    "campaign_out",
    "copy_campaign",
    "cost",
    "create_campaign",
    "delete_campaign",
    "finish",
    "finish_if_complete",
    "format_duration",
    "get_campaign",
    "is_complete",
    "job_ids_of",
    "jobs_of",
    "jobs_page",
    "list_campaigns",
    "parse_date",
    "parse_duration",
    "place_price",
    "publish",
    "reopen_place",
    "set_jobs",
    "state_actions",
    "transition",
    "update_campaign",
]
