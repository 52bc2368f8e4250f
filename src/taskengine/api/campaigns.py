"""Routes for campaigns, their jobs and their lifecycle (SWARMS "Campaign", "Jobs of a Campaign", "Lifecycle")."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Response, delete, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, Parameter

from taskengine.api.body import id_list_body, json_body
from taskengine.api.context import (
    TOKEN_SECURITY,
    AnyRequest,
    as_requester,
    provide_list_query,
    requires_token,
    settle_due_work,
)
from taskengine.api.docs import BODY, errors
from taskengine.api.idempotency import IdempotencyKey, create_once
from taskengine.api.jobs import NO_PAGE, job_views
from taskengine.api.lists import CampaignList, JobList
from taskengine.api.path_ids import PathId
from taskengine.api.representation import campaign_links, paged, respond, with_links
from taskengine.db.models import Campaign
from taskengine.domain import campaigns
from taskengine.domain.listing import ListQuery

CAMPAIGN_BODY = json_body(campaigns.CampaignIn, description="the campaign is invalid")
JOB_IDS = id_list_body(campaigns.MAX_JOBS_PER_CAMPAIGN, "job")

Deep = Annotated[bool, Parameter(description="also copy / archive the campaign's jobs and their tasks")]


def campaign_view(request: AnyRequest, campaign: Campaign) -> campaigns.CampaignOut:
    assert campaign.id is not None
    links = campaign_links(campaign.id, campaign.archived, campaign.state)
    view: campaigns.CampaignOut = with_links(request, campaigns.campaign_out(campaign), links)
    return view


class CampaignController(Controller):
    path = "/campaigns"
    tags = ["campaigns"]
    dependencies = {"listing": Provide(provide_list_query, sync_to_thread=False)}
    guards = [requires_token]
    security = TOKEN_SECURITY

    @get("/", summary="List your campaigns", **errors(401))
    async def list_campaigns(self, request: AnyRequest, listing: NamedDependency[ListQuery]) -> Response[CampaignList]:
        # Due work on the caller's campaigns runs first, in its own transactions (domain/scheduler.py).
        await settle_due_work(request)
        async with as_requester(request, write=False) as (session, requester_id):
            page = await campaigns.list_campaigns(session, requester_id, listing)
        items = [campaign_view(request, c) for c in page.rows]
        return respond(request, CampaignList(links=paged(request, page), campaigns=items))

    @post("/", summary="Create a campaign", **CAMPAIGN_BODY, **errors(401, 409, *BODY))
    async def create_campaign(
        self,
        request: AnyRequest,
        data: JSONBody[campaigns.CampaignIn],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[campaigns.CampaignOut]:
        async def create(session: Any, requester_id: int) -> campaigns.CampaignOut:
            return campaign_view(request, await campaigns.create_campaign(session, requester_id, data))

        return await create_once(request, create, idempotency_key)

    @get("/{campaign_id:int}", summary="One campaign", **errors(401, 404))
    async def get_campaign(self, request: AnyRequest, campaign_id: PathId) -> Response[campaigns.CampaignOut]:
        await settle_due_work(request)
        async with as_requester(request, write=False) as (session, requester_id):
            return respond(
                request, campaign_view(request, await campaigns.get_campaign(session, requester_id, campaign_id))
            )

    @put(
        "/{campaign_id:int}",
        summary="Change an unpublished campaign's settings",
        **CAMPAIGN_BODY,
        **errors(401, 404, 409, *BODY),
    )
    async def update_campaign(
        self, request: AnyRequest, campaign_id: PathId, data: JSONBody[campaigns.CampaignIn]
    ) -> Response[campaigns.CampaignOut]:
        async with as_requester(request) as (session, requester_id):
            campaign = await campaigns.update_campaign(session, requester_id, campaign_id, data)
            return respond(request, campaign_view(request, campaign))

    @delete("/{campaign_id:int}", summary="Delete an unpublished campaign", **errors(401, 404, 409))
    async def delete_campaign(self, request: AnyRequest, campaign_id: PathId) -> None:
        async with as_requester(request) as (session, requester_id):
            await campaigns.delete_campaign(session, requester_id, campaign_id)

    @post(
        "/{campaign_id:int}/copy",
        summary="Copy a campaign; deep=true copies its jobs and tasks too",
        **errors(401, 404, 409),
    )
    async def copy_campaign(
        self,
        request: AnyRequest,
        campaign_id: PathId,
        deep: Deep = False,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[campaigns.CampaignOut]:
        async def create(session: Any, requester_id: int) -> campaigns.CampaignOut:
            return campaign_view(request, await campaigns.copy_campaign(session, requester_id, campaign_id, deep))

        return await create_once(request, create, idempotency_key)

    @post(
        "/{campaign_id:int}/archive",
        status_code=200,
        summary="Archive a campaign; deep=true its jobs and tasks too",
        **errors(401, 404),
    )
    async def archive_campaign(
        self, request: AnyRequest, campaign_id: PathId, deep: Deep = False
    ) -> Response[campaigns.CampaignOut]:
        async with as_requester(request) as (session, requester_id):
            campaign = await campaigns.archive_campaign(session, requester_id, campaign_id, True, deep)
            return respond(request, campaign_view(request, campaign))

    @post(
        "/{campaign_id:int}/unarchive",
        status_code=200,
        summary="Unarchive a campaign, its jobs and their tasks",
        **errors(401, 404),
    )
    async def unarchive_campaign(self, request: AnyRequest, campaign_id: PathId) -> Response[campaigns.CampaignOut]:
        async with as_requester(request) as (session, requester_id):
            campaign = await campaigns.archive_campaign(session, requester_id, campaign_id, False, True)
            return respond(request, campaign_view(request, campaign))

    @get("/{campaign_id:int}/jobs", summary="The campaign's jobs, in order, paged", **errors(401, 404))
    async def get_jobs(
        self,
        request: AnyRequest,
        listing: NamedDependency[ListQuery],
        campaign_id: PathId,
    ) -> Response[JobList]:
        async with as_requester(request, write=False) as (session, requester_id):
            page = await campaigns.jobs_page(session, requester_id, campaign_id, listing)
            jobs = await job_views(request, session, page.rows)
            return respond(request, JobList(links=paged(request, page), jobs=jobs))

    @put(
        "/{campaign_id:int}/jobs",
        summary="Set the campaign's jobs: a JSON array of job ids, in order",
        **JOB_IDS,
        **errors(401, 404, 409, *BODY),
    )
    async def set_jobs(self, request: AnyRequest, campaign_id: PathId, data: JSONBody[list[Any]]) -> Response[JobList]:
        return await self._jobs_changed(request, campaign_id, data, append=False)

    @post(
        "/{campaign_id:int}/jobs",
        status_code=200,
        summary="Add jobs after the campaign's: a JSON array of job ids",
        **JOB_IDS,
        **errors(401, 404, 409, *BODY),
    )
    async def add_jobs(self, request: AnyRequest, campaign_id: PathId, data: JSONBody[list[Any]]) -> Response[JobList]:
        return await self._jobs_changed(request, campaign_id, data, append=True)

    @staticmethod
    async def _jobs_changed(
        request: AnyRequest, campaign_id: int, ids: list[Any], *, append: bool
    ) -> Response[JobList]:
        """The campaign's whole job list after setting or adding to it, shaped as PUT /jobs/{id}/tasks answers."""
        async with as_requester(request) as (session, requester_id):
            jobs = await campaigns.set_jobs(session, requester_id, campaign_id, ids, append=append)
            views = await job_views(request, session, jobs)
        return respond(request, JobList(links=paged(request, NO_PAGE), jobs=views))

    @post(
        "/{campaign_id:int}/publish",
        status_code=200,
        summary="Publish: freeze the money and open the jobs",
        **errors(401, 402, 404, 409),
    )
    async def publish(self, request: AnyRequest, campaign_id: PathId) -> Response[campaigns.CampaignOut]:
        return await self._transition(request, campaign_id, "publish")

    @post("/{campaign_id:int}/pause", status_code=200, summary="Pause an active campaign", **errors(401, 404, 409))
    async def pause(self, request: AnyRequest, campaign_id: PathId) -> Response[campaigns.CampaignOut]:
        return await self._transition(request, campaign_id, "pause")

    @post("/{campaign_id:int}/continue", status_code=200, summary="Continue a paused campaign", **errors(401, 404, 409))
    async def continue_(self, request: AnyRequest, campaign_id: PathId) -> Response[campaigns.CampaignOut]:
        return await self._transition(request, campaign_id, "continue")

    @post(
        "/{campaign_id:int}/cancel",
        status_code=200,
        summary="Cancel a published campaign; unearned money returns",
        **errors(401, 404, 409),
    )
    async def cancel(self, request: AnyRequest, campaign_id: PathId) -> Response[campaigns.CampaignOut]:
        return await self._transition(request, campaign_id, "cancel")

    @staticmethod
    async def _transition(request: AnyRequest, campaign_id: int, action: str) -> Response[campaigns.CampaignOut]:
        async with as_requester(request) as (session, requester_id):
            campaign = await campaigns.transition(session, requester_id, campaign_id, action)
            return respond(request, campaign_view(request, campaign))
