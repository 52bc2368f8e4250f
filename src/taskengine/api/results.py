"""Routes for reviewing results (SWARMS "Result")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody, Parameter, QueryParameter

from taskengine.api.body import json_body
from taskengine.api.context import NO_NUL, AnyRequest, as_requester, requires_token
from taskengine.api.docs import BODY, errors
from taskengine.api.lists import ApprovedResults, ResultList
from taskengine.api.representation import Link, Listed, link_map, self_link
from taskengine.domain import review
from taskengine.domain.campaigns import parse_date
from taskengine.errors import DomainError, ErrorCode

Limit = Annotated[int, Parameter(ge=1, le=100)]
StateFilter = Annotated[
    Literal["InReview", "Approved", "Rejected"] | None, QueryParameter(name="state", description="filter by state")
]
Since = Annotated[
    str | None,
    Parameter(max_length=40, pattern=NO_NUL, description="only results submitted later, e.g. 2018-03-14T03:14"),
]


def _since(text: str | None) -> datetime | None:
    try:
        return parse_date(text) if text else None
    except ValueError as exc:
        raise DomainError(ErrorCode.INVALID_PARAMETER, f"since: {exc}") from None


class CampaignWorkers(Listed, kw_only=True):
    workers: list[review.WorkerFigures]


class WorkerResults(ResultList, kw_only=True):
    worker: review.WorkerFigures


def _self(request: AnyRequest) -> dict[str, Link]:
    return link_map({"self": self_link(request)})


class ResultController(Controller):
    path = "/"
    tags = ["results"]
    guards = [requires_token]

    @get(
        "/campaigns/{campaign_id:int}/results",
        summary="The campaign's results (approving overdue ones first)",
        **errors(401, 404),
    )
    async def list_results(
        self,
        request: AnyRequest,
        campaign_id: FromPath[int],
        limit: Limit = 10,
        result_state: StateFilter = None,
        since: Since = None,
    ) -> ResultList:
        after = _since(since)
        async with as_requester(request) as (session, requester_id):
            rows = await review.list_results(
                session, requester_id, campaign_id, state=result_state, since=after, limit=limit
            )
        return ResultList(links=_self(request), results=[review.result_out(r) for r in rows])

    @get(
        "/campaigns/{campaign_id:int}/workers",
        summary="Workers with results in the campaign, and their figures",
        **errors(401, 404),
    )
    async def campaign_workers(
        self,
        request: AnyRequest,
        campaign_id: FromPath[int],
        limit: Limit = 10,
        in_review: Annotated[
            bool, QueryParameter(name="InReview", description="only workers with results in review")
        ] = False,
    ) -> CampaignWorkers:
        async with as_requester(request) as (session, requester_id):
            found = await review.campaign_workers(session, requester_id, campaign_id, in_review=in_review, limit=limit)
        return CampaignWorkers(links=_self(request), workers=found)

    @get(
        "/campaigns/{campaign_id:int}/workers/{worker_id:int}/results",
        summary="One worker's results in the campaign",
        **errors(401, 404),
    )
    async def worker_results(
        self,
        request: AnyRequest,
        campaign_id: FromPath[int],
        worker_id: FromPath[int],
        limit: Limit = 10,
        result_state: StateFilter = None,
        since: Since = None,
    ) -> WorkerResults:
        after = _since(since)
        async with as_requester(request) as (session, requester_id):
            worker, rows = await review.worker_results(
                session, requester_id, campaign_id, worker_id, state=result_state, since=after, limit=limit
            )
        return WorkerResults(links=_self(request), results=[review.result_out(r) for r in rows], worker=worker)

    @post(
        "/campaigns/{campaign_id:int}/workers/{worker_id:int}/approve-all",
        status_code=200,
        summary="Approve all of a worker's results in review",
        **errors(401, 404, 409),
    )
    async def approve_worker(
        self, request: AnyRequest, campaign_id: FromPath[int], worker_id: FromPath[int]
    ) -> ApprovedResults:
        async with as_requester(request) as (session, requester_id):
            rows = await review.approve_all(session, requester_id, campaign_id, worker_id)
            return ApprovedResults(results=[review.result_out(r) for r in rows])

    @post(
        "/campaigns/{campaign_id:int}/results/approve-all",
        status_code=200,
        summary="Approve all results in review",
        **errors(401, 404, 409),
    )
    async def approve_campaign(self, request: AnyRequest, campaign_id: FromPath[int]) -> ApprovedResults:
        async with as_requester(request) as (session, requester_id):
            rows = await review.approve_all(session, requester_id, campaign_id)
            return ApprovedResults(results=[review.result_out(r) for r in rows])

    @get("/results/{result_id:int}", summary="One result", **errors(401, 404))
    async def get_result(self, request: AnyRequest, result_id: FromPath[int]) -> review.ResultOut:
        async with as_requester(request, write=False) as (session, requester_id):
            return review.result_out(await review.get_result(session, requester_id, result_id))

    @post(
        "/results/{result_id:int}/approve",
        status_code=200,
        summary="Approve: the worker is paid; the body (a message to the worker) is optional",
        **json_body(review.Approval, description='send {"message": ...} or nothing', optional=True),
        **errors(401, 404, 409, *BODY),
    )
    async def approve(
        self, request: AnyRequest, result_id: FromPath[int], data: JSONBody[review.Approval | None] = None
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
        self, request: AnyRequest, result_id: FromPath[int], data: JSONBody[review.SoftRejection]
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
        self, request: AnyRequest, result_id: FromPath[int], data: JSONBody[review.Rejection]
    ) -> review.ResultOut:
        async with as_requester(request) as (session, requester_id):
            row = await review.reject(session, requester_id, result_id, data)
            return review.result_out(row)
