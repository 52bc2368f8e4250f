"""Routes for a requester's worker groups (a campaign's `workerGroup` limits its jobs to one)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, delete, get, post, put
from litestar.params import FromPath

from taskengine.api.body import read_json
from taskengine.api.context import TOKEN_SECURITY, AnyRequest, as_requester, requires_token
from taskengine.domain import workers


class GroupController(Controller):
    path = "/worker-groups"
    tags = ["worker groups"]
    guards = [requires_token]
    security = TOKEN_SECURITY

    @get("/", summary="Your worker groups")
    async def list_groups(self, request: AnyRequest) -> dict[str, Any]:
        async with as_requester(request, write=False) as (session, requester_id):
            groups = [await workers.group_out(session, g) for g in await workers.list_groups(session, requester_id)]
        return {"_links": {"self": {"href": "/worker-groups"}}, "workerGroups": groups}

    @post("/", summary="Create a worker group")
    async def create_group(self, request: AnyRequest) -> workers.GroupOut:
        async with as_requester(request) as (session, requester_id):
            group = await workers.create_group(session, requester_id, await read_json(request))
            return await workers.group_out(session, group)

    @get("/{group_id:int}", summary="One worker group and its workers")
    async def get_group(self, request: AnyRequest, group_id: FromPath[int]) -> workers.GroupOut:
        async with as_requester(request, write=False) as (session, requester_id):
            return await workers.group_out(session, await workers.get_group(session, requester_id, group_id))

    @put("/{group_id:int}/workers", summary="Set the group's workers: a JSON array of worker ids")
    async def set_workers(self, request: AnyRequest, group_id: FromPath[int]) -> workers.GroupOut:
        async with as_requester(request) as (session, requester_id):
            group = await workers.set_members(session, requester_id, group_id, await read_json(request))
            return await workers.group_out(session, group)

    @delete("/{group_id:int}", summary="Delete a worker group")
    async def delete_group(self, request: AnyRequest, group_id: FromPath[int]) -> Response[None]:
        async with as_requester(request) as (session, requester_id):
            await workers.delete_group(session, requester_id, group_id)
        return Response(None, status_code=204)
