"""The worker API: sign-up and sign-in, the job market, assignments and their job sequences."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody, Parameter, QueryParameter

from taskengine.api.accounts import CREDENTIALS_BODY, Credentials, TokenOut, sign_in
from taskengine.api.body import json_body
from taskengine.api.context import (
    TOKEN_SECURITY,
    AnyRequest,
    as_worker,
    database,
    provide_window,
    requires_token,
    sent_token,
    settings,
)
from taskengine.api.docs import BODY, errors
from taskengine.api.lists import ResultList
from taskengine.api.path_ids import PathId
from taskengine.api.ratelimits import enforce
from taskengine.api.representation import Listed, href, link_map, paged, respond, self_link, with_links
from taskengine.db import remember
from taskengine.db.models import MAX_ID, Task, Worker
from taskengine.domain import review, workers
from taskengine.domain.accounts import discard_token
from taskengine.domain.authoring import format_size, job_sizes, sequence_of
from taskengine.domain.campaigns import format_duration
from taskengine.domain.listing import ListQuery
from taskengine.domain.money import usd_number
from taskengine.engine import Problem
from taskengine.errors import DomainError, ErrorCode

MSGPACK = "application/msgpack"


SUBMIT_RESPONSES = errors(401, 404, 409, 429, *BODY)
# A resend answers 200 with the stored result: documented so a generated client's retry gets it back.
SUBMIT_RESPONSES["responses"][200] = ResponseSpec(
    review.ResultOut, description="The same submission sent again: the result it stored", generate_examples=False
)


class SignedUp(msgspec.Struct):
    id: int
    email: str


class MarketJob(msgspec.Struct, rename="camel", kw_only=True):
    """A job a worker may start now, with what they need to decide."""

    campaign_id: int
    job_id: int
    title: str
    description: str
    terms: str
    est_duration: str | None
    payment: msgspec.Raw
    training: bool
    results_needed: int
    resources_size: str
    resources_size_bytes: int
    estimated_upload_size: str
    estimated_upload_size_bytes: int
    start: str


class Market(Listed, kw_only=True):
    jobs: list[MarketJob]


class WorkerMe(msgspec.Struct, rename="camel", kw_only=True):
    """A worker's own account and figures ("me" and "global" are the same figures in their own view)."""

    id: int
    email: str
    earnings: str
    earnings_micros: int
    reputation: review.Figure
    experience: review.Count
    results: review.Counts


SUBMISSION_BODY = json_body(
    workers.SubmissionIn, code=ErrorCode.INVALID_RESULT, description="the result is invalid", principal="worker"
)


class SequenceTask(msgspec.Struct):
    """One task of a job as the device shows it: components as in the task definition."""

    id: int
    name: str
    components: list[dict[str, Any]]
    properties: dict[str, str]


class JobSequence(msgspec.Struct):
    assignment: workers.AssignmentOut
    tasks: list[SequenceTask]


class WorkerAuthController(Controller):
    path = "/worker"
    tags = ["worker"]

    @post(
        "/signup",
        summary="Create a worker account (when sign-up is open)",
        description="Rate limited per email and per client address: 429 with Retry-After.",
        **CREDENTIALS_BODY,
        **errors(403, 409, 429, *BODY),
    )
    async def signup(self, request: AnyRequest, data: JSONBody[Credentials]) -> SignedUp:
        if not settings(request).worker_signup:
            raise DomainError(ErrorCode.FORBIDDEN, "sign-up is closed on this service; ask its operator for an account")
        credentials = data
        await enforce(request, "signup", credentials.email)
        async with database(request).transaction() as session:
            worker = await workers.create_worker(session, credentials.email, credentials.password)
        return SignedUp(id=worker.id, email=worker.email)  # type: ignore[arg-type]

    @post(
        "/auth/token/request",
        status_code=200,
        summary="Exchange a worker's email and password for a token",
        description="Rate limited per email and per client address: 429 with Retry-After.",
        **CREDENTIALS_BODY,
        **errors(401, 429, *BODY),
    )
    async def request_token(self, request: AnyRequest, data: JSONBody[Credentials]) -> TokenOut:
        return await sign_in(request, data, "worker", Worker)

    @post(
        "/auth/token/discard",
        status_code=204,
        guards=[requires_token],
        security=TOKEN_SECURITY,
        summary="Make the token unusable",
        **errors(401),
    )
    async def discard(self, request: AnyRequest) -> None:
        async with as_worker(request) as (session, _):
            await discard_token(session, "worker", sent_token(request.headers) or "")


def _encoded_tasks(tasks: list[Task], media_type: str) -> bytes:
    """The task sequence of a job, encoded for the device: JSON or MessagePack."""
    items = [
        {
            "id": t.id,
            "name": t.name,
            "components": msgspec.Raw(t.components.encode()),
            "properties": msgspec.Raw(t.properties.encode()),
        }
        for t in tasks
    ]
    encoded = msgspec.json.encode(items)
    return msgspec.msgpack.encode(msgspec.json.decode(encoded)) if media_type == MSGPACK else encoded


def _market_cursor(after: str) -> tuple[int, int]:
    """(campaign id, position) from a market cursor; 400 for numbers no row holds (PostgreSQL refuses them)."""
    campaign_id, position = (int(part) for part in after.split("."))
    if not (campaign_id <= MAX_ID and position <= MAX_ID):
        raise DomainError(
            ErrorCode.INVALID_PARAMETER,
            "after: not a cursor from this list; follow the _links of a previous page",
            [Problem("after", "is not a valid cursor", "cursor")],
        )
    return campaign_id, position


class WorkerController(Controller):
    path = "/worker"
    tags = ["worker"]
    guards = [requires_token]
    security = TOKEN_SECURITY

    @get("/me", summary="Your account, earnings, reputation, experience and results", **errors(401))
    async def me(self, request: AnyRequest) -> WorkerMe:
        async with as_worker(request, write=False) as (session, worker_id):
            worker = await workers.get_worker(session, worker_id)
            profile = workers.worker_profile(worker, await review.due_earnings(session, worker_id))
            figures = (await review.figures(session, [worker_id], None))[worker_id]
        # A worker's own view: "me" and "global" are the same figures.
        return msgspec.convert({**msgspec.to_builtins(profile), **msgspec.to_builtins(figures)}, WorkerMe)

    @get("/jobs", summary="The jobs you may start now", **errors(401))
    async def jobs(
        self,
        request: AnyRequest,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 10,
        after: Annotated[
            str | None, Parameter(max_length=40, pattern=r"^[0-9]{1,10}\.[0-9]{1,10}$", description="from _links.next")
        ] = None,
    ) -> Market:
        cursor = _market_cursor(after) if after else None
        async with as_worker(request, write=False) as (session, worker_id):
            # Places held past their deadline count as free here without writing (domain/workers: market).
            rows = await workers.market(session, worker_id, limit + 1, cursor)
            page, more = rows[:limit], len(rows) > limit
            sizes = await job_sizes(session, sorted({job.id for _, job, _, _ in page}))
        items = [
            MarketJob(
                campaign_id=campaign.id,
                job_id=job.id,
                title=campaign.title or campaign.name,
                description=campaign.description,
                terms=campaign.terms,
                est_duration=format_duration(campaign.est_duration_s) if campaign.est_duration_s else None,
                payment=usd_number(campaign.worker_payment),
                training=campaign.training,
                results_needed=campaign.results - live,
                resources_size=format_size(sizes[job.id][0]),
                resources_size_bytes=sizes[job.id][0],
                estimated_upload_size=format_size(sizes[job.id][1]),
                estimated_upload_size_bytes=sizes[job.id][1],
                start=f"/worker/campaigns/{campaign.id}/jobs/{job.id}/start",
            )
            for campaign, job, live, _ in page
        ]
        links: dict[str, Any] = {"self": self_link(request)}
        if more and page:
            last_campaign, _, _, last_position = page[-1]
            after_value = f"{last_campaign.id}.{last_position}"
            links["next"] = {"href": href(request.url.path, [("limit", str(limit)), ("after", after_value)])}
        return Market(links=link_map(links), jobs=items)

    @post(
        "/campaigns/{campaign_id:int}/jobs/{job_id:int}/start",
        summary="Start a job: an assignment until its deadline",
        description="Rate limited per worker and per client address: 429 with Retry-After.",
        **errors(401, 404, 409, 429),
    )
    async def start(self, request: AnyRequest, campaign_id: PathId, job_id: PathId) -> workers.AssignmentOut:
        async with as_worker(request) as (session, worker_id):
            await enforce(request, "start", worker_id)
            return workers.assignment_out(await workers.start(session, worker_id, campaign_id, job_id))

    @post(
        "/assignments/{assignment_id:int}/return",
        status_code=200,
        summary="Give a working assignment back",
        **errors(401, 404, 409),
    )
    async def give_back(self, request: AnyRequest, assignment_id: PathId) -> workers.AssignmentOut:
        async with as_worker(request) as (session, worker_id):
            return workers.assignment_out(await workers.give_back(session, worker_id, assignment_id))

    @post(
        "/assignments/{assignment_id:int}/result",
        summary="Submit the result; resending the same id is harmless",
        description="Rate limited per worker and per client address: 429 with Retry-After. "
        "201 for a new result, 200 when the same submission id is sent again.",
        **SUBMISSION_BODY,
        **SUBMIT_RESPONSES,
    )
    async def submit(
        self, request: AnyRequest, assignment_id: PathId, data: JSONBody[workers.SubmissionIn]
    ) -> Response[review.ResultOut]:
        async with as_worker(request) as (session, worker_id):
            await enforce(request, "submit", worker_id)
            result, new = await workers.submit(session, worker_id, assignment_id, data, await request.body())
            return Response(review.result_out(result), status_code=201 if new else 200)

    @get(
        "/results",
        summary="Your results, newest first, with their review",
        dependencies={"window": Provide(provide_window, sync_to_thread=False)},
        **errors(401),
    )
    async def results(
        self,
        request: AnyRequest,
        window: NamedDependency[ListQuery],
        result_state: Annotated[
            review.ResultState | None, QueryParameter(name="state", description="only results in this state")
        ] = None,
    ) -> Response[ResultList]:
        async with as_worker(request, write=False) as (session, worker_id):
            page = await workers.results_of_worker(session, worker_id, window, state=result_state)
        # A worker reaches a result through its assignment (a soft rejection reopens it there).
        views = [
            with_links(
                request, review.result_out(r), {"assignment": {"href": f"/worker/assignments/{r.assignment_id}"}}
            )
            for r in page.rows
        ]
        return respond(request, ResultList(links=paged(request, page), results=views))


class SequenceController(Controller):
    """The job sequence alone: phones poll it, so it skips the token guard (no body to protect) and its cost."""

    path = "/worker"
    tags = ["worker"]
    security = TOKEN_SECURITY

    @get(
        "/assignments/{assignment_id:int}",
        summary="The assignment and its job's whole task sequence",
        description="JSON, or MessagePack with Accept: application/msgpack; 304 when If-None-Match has its ETag.",
        responses={
            200: ResponseSpec(JobSequence, description="The assignment and its tasks", generate_examples=False),
            304: ResponseSpec(None, description="Not modified since the ETag sent in If-None-Match"),
            **errors(401, 404)["responses"],
        },
    )
    async def sequence(self, request: AnyRequest, assignment_id: PathId) -> Response[bytes]:
        media_type = MSGPACK if MSGPACK in request.headers.get("accept", "") else "application/json"
        db = database(request)
        # Phones poll this: one quick read answers when all is well, the full path explains anything else.
        token = sent_token(request.headers)
        assignment = await workers.quick_assignment(db, token, assignment_id) if token else None
        if assignment is None:
            async with as_worker(request, write=False) as (session, worker_id):
                assignment = workers.assignment_out(await workers.get_assignment(session, worker_id, assignment_id))
        # Published jobs never change: the encoded sequence and its digest are kept per process and database.
        sequences, key = db.cache("job sequences"), (assignment.job_id, media_type)
        cached = sequences.get(key)
        if cached is None:
            async with db.transaction(write=False) as session:
                encoded = _encoded_tasks(await sequence_of(session, assignment.job_id), media_type)
            cached = remember(sequences, key, (encoded, hashlib.blake2b(encoded, digest_size=16).digest()), 2048)
        encoded, digest = cached
        # The ETag covers the assignment as shown (its state changes) and the sequence (by its digest).
        etag = '"' + hashlib.blake2b(digest + msgspec.json.encode(assignment), digest_size=16).hexdigest() + '"'
        # The phone's own HTTP cache may keep its worker's sequence (private: no shared cache may) and must ask
        # each time (no-cache), which costs a bodiless 304 while nothing changed; no-store would forbid keeping
        # the copy that makes the 304 useful. A 304 repeats these headers, so the kept copy stays fresh (RFC 9111).
        # Vary: one URL answers JSON or MessagePack, and to whoever's token it carries.
        headers = {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Accept, X-Auth-Token, Authorization"}
        if_none_match = request.headers.get("if-none-match", "")
        if etag in if_none_match or if_none_match.strip() == "*":
            return Response(b"", status_code=304, headers=headers)
        body = {"assignment": assignment, "tasks": msgspec.Raw(encoded)}
        content = msgspec.msgpack.encode(body) if media_type == MSGPACK else msgspec.json.encode(body)
        return Response(content, media_type=media_type, headers=headers)
