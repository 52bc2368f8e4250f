"""Routes for reviewing results (SWARMS "Result")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, Parameter, QueryParameter

from taskengine.api.body import json_body
from taskengine.api.context import NO_NUL, TOKEN_SECURITY, AnyRequest, as_requester, provide_window, requires_token
from taskengine.api.docs import BODY, errors
from taskengine.api.lists import ApprovedResults, ResultList
from taskengine.api.path_ids import PathId
from taskengine.api.representation import Listed, paged, respond, result_links, with_links, worker_links
from taskengine.domain import review
from taskengine.domain.campaigns import parse_date
from taskengine.domain.listing import ListQuery
from taskengine.engine import Problem
from taskengine.errors import DomainError, ErrorCode

StateFilter = Annotated[
    review.ResultState | None, QueryParameter(name="state", description="only results in this state")
]
Since = Annotated[
    str | None,
    Parameter(max_length=40, pattern=NO_NUL, description="only results submitted later, e.g. 2018-03-14T03:14"),
]


APPROVAL_BODY = json_body(review.Approval, description='send {"message": ...} or nothing', optional=True)


def _since(text: str | None) -> datetime | None:
    try:
        return parse_date(text) if text else None
    except ValueError as exc:
        raise DomainError(ErrorCode.INVALID_PARAMETER, f"since: {exc}", [Problem("since", str(exc), "date")]) from None


class CampaignWorkers(Listed, kw_only=True):
    workers: list[review.WorkerFigures]


class WorkerResults(ResultList, kw_only=True):
    worker: review.WorkerFigures


def result_views(request: AnyRequest, rows: list[Any]) -> list[review.ResultOut]:
    """Result rows as the client sees them: with their links when it asked for HAL."""
    return [with_links(request, review.result_out(r), result_links(r.id, r.state)) for r in rows]


class ResultController(Controller):
    path = "/"
    tags = ["results"]
    guards = [requires_token]
    security = TOKEN_SECURITY
    dependencies = {"window": Provide(provide_window, sync_to_thread=False)}

    @get(
        "/campaigns/{campaign_id:int}/results",
        summary="The campaign's results, oldest first (overdue reviews read Approved)",
        **errors(401, 404),
    )
    async def list_results(
        self,
        request: AnyRequest,
        campaign_id: PathId,
        window: NamedDependency[ListQuery],
        result_state: StateFilter = None,
        since: Since = None,
    ) -> Response[ResultList]:
        after = _since(since)
        async with as_requester(request, write=False) as (session, requester_id):
            page = await review.list_results(
                session, requester_id, campaign_id, window, state=result_state, since=after
            )
        return respond(request, ResultList(links=paged(request, page), results=result_views(request, page.rows)))

    @get(
        "/campaigns/{campaign_id:int}/workers",
        summary="Workers with results in the campaign, and their figures",
        **errors(401, 404),
    )
    async def campaign_workers(
        self,
        request: AnyRequest,
        campaign_id: PathId,
        window: NamedDependency[ListQuery],
        in_review: Annotated[
            bool, QueryParameter(name="InReview", description="only workers with results in review")
        ] = False,
    ) -> Response[CampaignWorkers]:
        async with as_requester(request, write=False) as (session, requester_id):
            page = await review.campaign_workers(session, requester_id, campaign_id, window, in_review=in_review)
        views = [with_links(request, w, worker_links(campaign_id, w.id)) for w in page.rows]
        return respond(request, CampaignWorkers(links=paged(request, page), workers=views))

    @get(
        "/campaigns/{campaign_id:int}/workers/{worker_id:int}/results",
        summary="One worker's results in the campaign",
        **errors(401, 404),
    )
    async def worker_results(
        self,
        request: AnyRequest,
        campaign_id: PathId,
        worker_id: PathId,
        window: NamedDependency[ListQuery],
        result_state: StateFilter = None,
        since: Since = None,
    ) -> Response[WorkerResults]:
        after = _since(since)
        async with as_requester(request, write=False) as (session, requester_id):
            worker, page = await review.worker_results(
                session, requester_id, campaign_id, worker_id, window, state=result_state, since=after
            )
        views = result_views(request, page.rows)
        worker_view = with_links(request, worker, worker_links(campaign_id, worker_id))
        return respond(request, WorkerResults(links=paged(request, page), results=views, worker=worker_view))

    @post(
        "/campaigns/{campaign_id:int}/workers/{worker_id:int}/approve-all",
        status_code=200,
        summary="Approve all of a worker's results in review; the body (a message to the worker) is optional",
        **APPROVAL_BODY,
        **errors(401, 404, 409, *BODY),
    )
    async def approve_worker(
        self,
        request: AnyRequest,
        campaign_id: PathId,
        worker_id: PathId,
        data: JSONBody[review.Approval | None] = None,
    ) -> ApprovedResults:
        async with as_requester(request) as (session, requester_id):
            rows = await review.approve_all(session, requester_id, campaign_id, data, worker_id)
            return ApprovedResults(results=[review.result_out(r) for r in rows])

    @post(
        "/campaigns/{campaign_id:int}/results/approve-all",
        status_code=200,
        summary="Approve all results in review; the body (a message to the workers) is optional",
        **APPROVAL_BODY,
        **errors(401, 404, 409, *BODY),
    )
    async def approve_campaign(
        self, request: AnyRequest, campaign_id: PathId, data: JSONBody[review.Approval | None] = None
    ) -> ApprovedResults:
        async with as_requester(request) as (session, requester_id):
            rows = await review.approve_all(session, requester_id, campaign_id, data)
            return ApprovedResults(results=[review.result_out(r) for r in rows])

    @get("/results/{result_id:int}", summary="One result", **errors(401, 404))
    async def get_result(self, request: AnyRequest, result_id: PathId) -> review.ResultOut:
        async with as_requester(request, write=False) as (session, requester_id):
            return review.result_out(await review.get_result(session, requester_id, result_id))

    @post(
        "/results/{result_id:int}/approve",
        status_code=200,
        summary="Approve: the worker is paid; the body (a message to the worker) is optional",
        **APPROVAL_BODY,
        **errors(401, 404, 409, *BODY),
    )
    async def approve(
        self, request: AnyRequest, result_id: PathId, data: JSONBody[review.Approval | None] = None
    ) -> review.ResultOut:
        async with as_requester(request) as (session, requester_id):
            row = await review.approve(session, requester_id, result_id, data)
            return review.result_out(row)

    @post(
        "/results/{result_id:int}/soft-reject",
        status_code=200,
        summary="Ask the worker to redo the job until a date",
        **json_body(review.SoftRejection, description='send {"reason": ..., "until": ...}'),
        **errors(401, 404, 409, *BODY),
    )
    async def soft_reject(
        self, request: AnyRequest, result_id: PathId, data: JSONBody[review.SoftRejection]
    ) -> review.ResultOut:
        async with as_requester(request) as (session, requester_id):
            row = await review.soft_reject(session, requester_id, result_id, data)
            return review.result_out(row)

    @post(
        "/results/{result_id:int}/reject",
        status_code=200,
        summary="Reject with a reason: no pay, money returns",
        **json_body(review.Rejection, description='send {"reason": ...}: the worker is told why'),
        **errors(401, 404, 409, *BODY),
    )
    async def reject(
        self, request: AnyRequest, result_id: PathId, data: JSONBody[review.Rejection]
    ) -> review.ResultOut:
        async with as_requester(request) as (session, requester_id):
            row = await review.reject(session, requester_id, result_id, data)
            return review.result_out(row)
